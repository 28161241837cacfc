"""Plotly figures for the bias probes (no streamlit here)."""

from __future__ import annotations

import re
from typing import Optional, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

_POS, _NEG = "#c2185b", "#1565c0"


def axis_title(what: str, ends: Sequence[str] = ("", "")) -> str:
    """An axis title that says which way is which: ``"← he · cosine with she − he · she →"``.

    Parameters
    ----------
    what : str
        What the axis measures.
    ends : (str, str)
        What the positive and the negative end mean; empty strings for none.
    """
    positive, negative = ends
    if not (positive or negative):
        return what
    return f"← {negative or '−'}   ·   {what}   ·   {positive or '+'} →"


def spec_ends(spec: str) -> tuple:
    """(positive end, negative end) of an axis typed as ``"a - b"`` (("a", "b")), else ("", "")."""
    parts = [p.strip() for p in re.split(r"\s+[-−–]\s+", str(spec).strip(), maxsplit=1)]
    return (parts[0], parts[1]) if len(parts) == 2 and all(parts) else ("", "")


def projection_bar(table: pd.DataFrame, title: str = "Projection on the direction",
                   labels: Sequence[str] = ("", "")) -> go.Figure:
    """Horizontal bar chart of words sorted by their projection on a direction.

    Positive projections (towards the direction's first word) are drawn to the
    right, as the x axis of :func:`axes_scatter` draws ``a - b`` with ``a`` on
    the right, so the two pictures read the same way round.

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
    fig.update_layout(title=title, xaxis_title=axis_title("cosine with the direction", labels), yaxis_title=None,
                      height=max(300, 18 * len(table) + 120), margin=dict(l=10, r=10, t=50, b=40))
    return fig


def axes_scatter(table: pd.DataFrame, x_label: str, y_label: str, title: str = "") -> go.Figure:
    """Words placed by their cosine with two axes (whatlies / Parallax "axes" plot).

    An axis typed ``a - b`` has ``a`` on the positive side (right, or up),
    and its title says so with arrows, as :func:`projection_bar` does.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``word``, ``x``, ``y``.
    x_label, y_label : str
        The axes as the user wrote them (e.g. ``"she - he"``).
    """
    fig = go.Figure(go.Scatter(x=table["x"], y=table["y"], mode="markers+text", text=table["word"],
                               textposition="top center", marker=dict(size=8, color="#455a64"),
                               hovertemplate="%{text}<br>x %{x:.3f}<br>y %{y:.3f}<extra></extra>"))
    fig.add_hline(y=0, line_color="#bbb", line_width=1)
    fig.add_vline(x=0, line_color="#bbb", line_width=1)
    y_low, y_high = spec_ends(y_label)[::-1]
    fig.update_layout(title=title or f"{y_label} against {x_label}",
                      xaxis_title=axis_title(f"cosine with {x_label}", spec_ends(x_label)),
                      yaxis_title=(f"↓ {y_low}  ·  cosine with {y_label}  ·  {y_high} ↑" if y_high
                                   else f"cosine with {y_label}"),
                      height=550, margin=dict(l=10, r=10, t=50, b=40))
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
    """Each target word's association s(w, A, B): one row per word, grouped and coloured by target set.

    One row per word (not a strip with every name on one line), so names never
    overlap; the y axis grows its margin to the longest name, and the figure
    grows with the number of words, so none is cut off.

    Parameters
    ----------
    word_scores : pandas.DataFrame
        :attr:`WeatResult.word_scores` (``word``, ``set``, ``association``).
    attribute_names : (str, str)
        Names of A and B (the positive and the negative side).
    """
    fig = go.Figure()
    rows = []
    for i, (name, part) in enumerate(word_scores.groupby("set", sort=False)):
        part = part.sort_values("association", kind="stable")
        labels = [f"{w} ({name})" if word_scores["word"].duplicated(keep=False).loc[idx] else w
                  for idx, w in zip(part.index, part["word"])]
        rows += labels
        fig.add_trace(go.Scatter(x=part["association"], y=labels, mode="markers", name=name,
                                 marker=dict(size=9, color=["#6a1b9a", "#ef6c00"][i % 2]),
                                 hovertemplate="%{y}: %{x:.3f}<extra>" + str(name) + "</extra>"))
    fig.add_vline(x=0, line_color="#bbb", line_width=1)
    fig.update_yaxes(categoryorder="array", categoryarray=rows, automargin=True, tickfont=dict(size=11))
    fig.update_layout(title="Association of each target word", showlegend=True,
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
                      xaxis_title=axis_title("s(w, A, B)", attribute_names),
                      height=max(300, 16 * len(rows) + 140), margin=dict(l=10, r=10, t=70, b=40))
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
