"""Plotly figures for rating tables and rating models (no streamlit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from embedlab.views.axes import log_axis


def rating_histogram(hist: pd.DataFrame) -> go.Figure:
    """Bar chart of how often each rating occurs.

    Parameters
    ----------
    hist : pandas.DataFrame
        Columns ``rating``, ``count`` (from :meth:`RatingTable.rating_histogram`).
    """
    fig = go.Figure(go.Bar(x=hist["rating"].astype(str), y=hist["count"], marker_color="#4c78a8"))
    fig.update_layout(title="Rating histogram", xaxis_title="rating", yaxis_title="number of ratings",
                      height=320, margin=dict(l=40, r=10, t=40, b=40))
    return fig


def long_tail(counts: np.ndarray, what: str = "item") -> go.Figure:
    """Long-tail plot: ratings per user or item, sorted from most to least rated (log y).

    Parameters
    ----------
    counts : ndarray of shape (n,), int
        Ratings of each user or item.
    what : str
        ``"user"`` or ``"item"`` (axis titles).
    """
    c = np.sort(np.asarray(counts))[::-1]
    share = np.cumsum(c) / max(c.sum(), 1)
    rank = np.arange(1, len(c) + 1)
    fig = go.Figure(go.Scatter(x=rank, y=c, mode="lines", name=f"ratings per {what}",
                               customdata=share, hovertemplate=f"{what} rank %{{x}}: %{{y}} ratings"
                               "<br>top %{x} hold %{customdata:.0%} of all ratings<extra></extra>"))
    half = int(np.searchsorted(share, 0.5)) + 1
    fig.add_vline(x=half, line_dash="dot", annotation_text=f"{half:,} {what}s hold half the ratings")
    fig.update_layout(title=f"Ratings per {what} (long tail)", xaxis_title=f"{what}s, most rated first",
                      yaxis=log_axis(c, "ratings"), height=320, margin=dict(l=40, r=10, t=40, b=40))
    return fig


def rmse_curve(curve: pd.DataFrame, baseline: float = None) -> go.Figure:
    """Train and held-out RMSE against the number of factors.

    Parameters
    ----------
    curve : pandas.DataFrame
        Columns ``factors``, ``train RMSE``, ``test RMSE``.
    baseline : float, optional
        Held-out RMSE of μ + b_u + b_i, drawn as a horizontal line.
    """
    fig = go.Figure()
    fig.add_scatter(x=curve["factors"], y=curve["test RMSE"], mode="lines+markers", name="held-out RMSE")
    fig.add_scatter(x=curve["factors"], y=curve["train RMSE"], mode="lines+markers", name="training RMSE",
                    line=dict(dash="dash"))
    if "test RMSE (λ = 0)" in curve:
        fig.add_scatter(x=curve["factors"], y=curve["test RMSE (λ = 0)"], mode="lines+markers",
                        name="held-out RMSE without shrinkage (λ = 0)", line=dict(dash="dot"))
    if baseline is not None:
        fig.add_hline(y=baseline, line_dash="dot", annotation_text="μ + b_u + b_i (held out)")
    fig.update_layout(title="RMSE against the number of factors", xaxis_title="factors k (largest rank)",
                      yaxis_title="RMSE (rating units)", height=360, margin=dict(l=40, r=10, t=40, b=40))
    return fig


def validation_path(path: list) -> go.Figure:
    """Validation RMSE along the soft-impute λ path (λ decreasing, rank growing)."""
    frame = pd.DataFrame([p for p in path if p.get("lambda") is not None])
    fig = go.Figure()
    if not frame.empty:
        fig.add_scatter(x=frame["lambda"], y=frame["val_rmse"], mode="lines+markers", text=frame["rank"],
                        hovertemplate="λ=%{x:.2f}, rank %{text}: RMSE %{y:.4f}<extra></extra>")
    fig.update_layout(title="Choosing λ on the validation split",
                      xaxis=log_axis(frame["lambda"] if not frame.empty else [], "λ (shrinkage)"),
                      yaxis_title="validation RMSE", height=300, margin=dict(l=40, r=10, t=40, b=40))
    return fig
