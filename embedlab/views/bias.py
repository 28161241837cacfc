"""Plotly figures for the bias probes (no streamlit here)."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

_POS, _NEG = "#c2185b", "#1565c0"


def projection_bar(table: pd.DataFrame, title: str = "Projection on the direction",
                   labels: Sequence[str] = ("", "")) -> go.Figure:
    """Horizontal bar chart of words sorted by their projection on a direction.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``word`` and ``projection`` (cosine), as from :func:`embedlab.probes.bias.project_words`.
    title : str
    labels : (str, str)
        What the positive and negative ends mean (e.g. ``("she", "he")``), shown on the axis title.
    """
    table = table.sort_values("projection", kind="stable")
    colours = [_POS if v > 0 else _NEG for v in table["projection"]]
    fig = go.Figure(go.Bar(x=table["projection"], y=table["word"], orientation="h", marker_color=colours,
                           hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    axis = "cosine with the direction"
    if any(labels):
        axis = f"← {labels[1]}   ·   {axis}   ·   {labels[0]} →"
    fig.update_layout(title=title, xaxis_title=axis, yaxis_title=None,
                      height=max(300, 18 * len(table) + 120), margin=dict(l=10, r=10, t=50, b=40))
    return fig


def axes_scatter(table: pd.DataFrame, x_label: str, y_label: str, title: str = "") -> go.Figure:
    """Words placed by their cosine with two axes (whatlies / Parallax "axes" plot).

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``word``, ``x``, ``y``.
    x_label, y_label : str
        The axes as the user wrote them (e.g. ``"he - she"``).
    """
    fig = go.Figure(go.Scatter(x=table["x"], y=table["y"], mode="markers+text", text=table["word"],
                               textposition="top center", marker=dict(size=8, color="#455a64"),
                               hovertemplate="%{text}<br>x %{x:.3f}<br>y %{y:.3f}<extra></extra>"))
    fig.add_hline(y=0, line_color="#bbb", line_width=1)
    fig.add_vline(x=0, line_color="#bbb", line_width=1)
    fig.update_layout(title=title or f"{y_label} against {x_label}", xaxis_title=f"cosine with {x_label}",
                      yaxis_title=f"cosine with {y_label}", height=550, margin=dict(l=10, r=10, t=50, b=40))
    return fig


def weat_null_histogram(null: np.ndarray, statistic: float, p_value: float, method: str,
                        title: str = "WEAT permutation distribution") -> go.Figure:
    """Histogram of the test statistic over the partitions, with the observed statistic marked.

    Parameters
    ----------
    null : ndarray of shape (n_partitions,)
    statistic : float
    p_value : float
    method : str
        ``"exact"`` or ``"sampled"``.
    """
    fig = go.Figure(go.Histogram(x=np.asarray(null), nbinsx=60, marker_color="#90a4ae",
                                 name=f"{method} partitions"))
    fig.add_vline(x=statistic, line_color=_POS, line_width=3,
                  annotation_text=f"observed s = {statistic:.3f} (p = {p_value:.3g})",
                  annotation_position="top")
    fig.update_layout(title=title, xaxis_title="test statistic s(Xᵢ, Yᵢ, A, B)",
                      yaxis_title=f"partitions ({len(null):,} {method})", showlegend=False,
                      height=380, margin=dict(l=10, r=10, t=60, b=40))
    return fig


def weat_word_scores(word_scores: pd.DataFrame, attribute_names: Sequence[str]) -> go.Figure:
    """Strip of each target word's association s(w, A, B), coloured by target set."""
    fig = go.Figure()
    for i, (name, part) in enumerate(word_scores.groupby("set", sort=False)):
        fig.add_trace(go.Scatter(x=part["association"], y=[name] * len(part), mode="markers+text",
                                 text=part["word"], textposition="top center", name=name,
                                 marker=dict(size=9, color=["#6a1b9a", "#ef6c00"][i % 2]),
                                 hovertemplate="%{text}: %{x:.3f}<extra></extra>"))
    fig.add_vline(x=0, line_color="#bbb", line_width=1)
    fig.update_layout(title="Association of each target word", showlegend=False,
                      xaxis_title=f"s(w, A, B): ← {attribute_names[1]}  ·  {attribute_names[0]} →",
                      height=300, margin=dict(l=10, r=10, t=50, b=40))
    return fig


def before_after_projections(before: pd.DataFrame, after: pd.DataFrame,
                             title: str = "Projection on the bias direction, before and after debiasing") -> go.Figure:
    """Dumbbell chart: each word's projection in the original and the debiased space.

    Parameters
    ----------
    before, after : pandas.DataFrame
        Columns ``word`` and ``projection``; words of ``before`` set the order.
    """
    merged = before.merge(after, on="word", suffixes=(" before", " after")).sort_values(
        "projection before", kind="stable")
    fig = go.Figure()
    for _, row in merged.iterrows():
        fig.add_trace(go.Scatter(x=[row["projection before"], row["projection after"]], y=[row["word"]] * 2,
                                 mode="lines", line=dict(color="#cfd8dc"), showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=merged["projection before"], y=merged["word"], mode="markers", name="original",
                             marker=dict(color=_POS, size=9)))
    fig.add_trace(go.Scatter(x=merged["projection after"], y=merged["word"], mode="markers", name="debiased",
                             marker=dict(color="#2e7d32", size=9, symbol="diamond")))
    fig.add_vline(x=0, line_color="#bbb", line_width=1)
    fig.update_layout(title=title, xaxis_title="cosine with the original direction",
                      height=max(300, 18 * len(merged) + 120), margin=dict(l=10, r=10, t=50, b=40),
                      legend=dict(orientation="h", y=-0.08))
    return fig


def explained_variance_bar(ratios: np.ndarray, method: Optional[str] = None) -> go.Figure:
    """Bar chart of the explained-variance ratio of the principal components of the centred pairs."""
    ratios = np.asarray(ratios, dtype=float)
    fig = go.Figure(go.Bar(x=[f"PC{i + 1}" for i in range(len(ratios))], y=ratios, marker_color="#607d8b",
                           hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
    fig.update_layout(title="Explained variance of the centred pairs", yaxis_tickformat=".0%",
                      yaxis_title="share of variance", height=280, margin=dict(l=10, r=10, t=50, b=30))
    return fig
