"""Figures for count-based word vectors: singular values, co-occurrence heat-maps, the methods comparison.

No streamlit here: each function returns a plotly figure.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots


def spectrum_figure(singular_values: Sequence[float], total_sq: Optional[float] = None,
                    what: str = "the PPMI matrix") -> go.Figure:
    """The singular values a truncated SVD kept, largest first: how many dimensions matter.

    Parameters
    ----------
    singular_values : sequence of float, length d
        Descending.
    total_sq : float, optional
        ‖M‖²_F, the squared Frobenius norm of the factorised matrix. With it a
        second axis shows the cumulative share Σ_{i≤k} s_i² / ‖M‖²_F that the
        first k dimensions reproduce (Eckart–Young: the best rank-k
        approximation leaves out exactly the rest).
    what : str
        The matrix, for the title.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    s = np.asarray(singular_values, dtype=np.float64)
    k = np.arange(1, s.size + 1)
    fig = make_subplots(specs=[[{"secondary_y": total_sq is not None and total_sq > 0}]])
    fig.add_trace(go.Bar(x=k, y=s, name="singular value", marker_color="#4C78A8",
                         hovertemplate="dimension %{x}: s = %{y:.4g}<extra></extra>"))
    if total_sq is not None and total_sq > 0:
        share = np.cumsum(s * s) / total_sq
        fig.add_trace(go.Scatter(x=k, y=share, name="share of ‖M‖² kept", mode="lines", line=dict(color="#E45756"),
                                 hovertemplate="first %{x} dimensions: %{y:.1%} of ‖M‖²<extra></extra>"),
                      secondary_y=True)
        fig.update_yaxes(title_text="cumulative share of ‖M‖²", tickformat=".0%", range=[0, 1.001], dtick=0.2,
                         showgrid=False, secondary_y=True)
    fig.update_yaxes(title_text="singular value", secondary_y=False)
    fig.update_layout(title=f"Singular values of {what}: how many dimensions matter", xaxis_title="dimension",
                      height=320, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.25),
                      bargap=0.05)
    return fig


def cooccurrence_heatmap(block: pd.DataFrame, title: str = "Co-occurrence counts") -> go.Figure:
    """A small heat-map of co-occurrence counts among chosen words ("the matrix being factorised").

    Parameters
    ----------
    block : pandas.DataFrame of shape (n, n)
        Rows: words; columns: context words; cells: weighted counts
        (:meth:`embedlab.train.cooccur.Cooccurrences.block`).
    title : str

    Returns
    -------
    plotly.graph_objects.Figure
        Colour is log(1 + count), so a few huge counts do not wash out the
        rest; each cell shows its count.
    """
    values = block.to_numpy(dtype=np.float64)
    text = [[f"{v:,.1f}" if v != int(v) else f"{int(v):,}" for v in row] for row in values]
    fig = go.Figure(go.Heatmap(
        z=np.log1p(values), x=[str(c) for c in block.columns], y=[str(r) for r in block.index], text=text,
        texttemplate="%{text}", colorscale="Blues", colorbar=dict(title="log(1 + count)"),
        hovertemplate="word %{y}, context %{x}: %{text}<extra></extra>"))
    fig.update_layout(title=title, xaxis_title="context word", yaxis_title="word", yaxis_autorange="reversed",
                      height=max(300, 40 * len(block) + 120), margin=dict(l=10, r=10, t=40, b=10))
    return fig


#: The columns of the methods table drawn as bars, with what the chart calls them.
SCORE_COLUMNS = {"analogy (all)": "Google analogy", "analogy (semantic)": "semantic",
                 "analogy (syntactic)": "syntactic", "WS-353": "WS-353 ρ", "SimLex-999": "SimLex-999 ρ",
                 "mean Jaccard@10": "mean Jaccard@10"}


def methods_figure(table: pd.DataFrame) -> go.Figure:
    """One chart of the methods comparison: scores per model (grouped bars) and training time.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`embedlab.probes.methods.compare_methods`'s table: a ``model``
        column, the columns of :data:`SCORE_COLUMNS` (fractions or
        correlations; NaN when not measurable) and ``training (s)``.

    Returns
    -------
    plotly.graph_objects.Figure
        Left: one group of bars per score, one bar per model; right: training seconds.
    """
    fig = make_subplots(rows=1, cols=2, column_widths=[0.78, 0.22], horizontal_spacing=0.08,
                        subplot_titles=("Scores (accuracy, Spearman ρ, Jaccard)", "Training time (s)"))
    palette = ["#4C78A8", "#F58518", "#54A24B", "#E45756", "#B279A2", "#72B7B2", "#EECA3B", "#9D755D"]
    metrics = [c for c in SCORE_COLUMNS if c in table.columns]
    for i, rec in enumerate(table.to_dict("records")):
        name, colour = str(rec["model"]), palette[i % len(palette)]
        fig.add_trace(go.Bar(x=[SCORE_COLUMNS[m] for m in metrics], y=[rec[m] for m in metrics], name=name,
                             marker_color=colour, legendgroup=name,
                             hovertemplate=f"{name}<br>%{{x}}: %{{y:.3f}}<extra></extra>"), row=1, col=1)
        fig.add_trace(go.Bar(x=[name], y=[rec.get("training (s)")], marker_color=colour, legendgroup=name,
                             showlegend=False, hovertemplate=f"{name}: %{{y:.1f}} s<extra></extra>"), row=1, col=2)
    fig.update_layout(barmode="group", height=420, margin=dict(l=10, r=10, t=50, b=10),
                      legend=dict(orientation="h", y=-0.15))
    fig.update_xaxes(showticklabels=False, row=1, col=2)
    return fig


def jaccard_heatmap(matrix: pd.DataFrame, k: int = 10) -> go.Figure:
    """Mean Jaccard@k between every two models (1 on the diagonal).

    Parameters
    ----------
    matrix : pandas.DataFrame of shape (n_models, n_models)
        Index and columns: model names.
    k : int
        For the title.
    """
    values = matrix.to_numpy(dtype=np.float64)
    fig = go.Figure(go.Heatmap(z=values, x=list(matrix.columns), y=list(matrix.index), zmin=0, zmax=1,
                               colorscale="Viridis", text=[[f"{v:.2f}" for v in row] for row in values],
                               texttemplate="%{text}",
                               hovertemplate="%{y} vs %{x}: mean Jaccard@" + str(k) + " %{z:.3f}<extra></extra>"))
    fig.update_layout(title=f"How much the models agree: mean Jaccard@{k} of nearest neighbours",
                      yaxis_autorange="reversed", height=max(300, 45 * len(matrix) + 140),
                      margin=dict(l=10, r=10, t=40, b=10))
    return fig
