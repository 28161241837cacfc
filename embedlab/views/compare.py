"""Figures and tables for comparing models (plotly, no streamlit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from embedlab.probes.compare import NeighbourOverlap, Stability

#: Above this many words the joint projection drops its text labels (they would cover the map).
LABEL_LIMIT = 60


def jaccard_histogram(overlap: NeighbourOverlap, names: tuple = ("A", "B")) -> go.Figure:
    """Histogram of Jaccard@k over the shared vocabulary, with the mean marked."""
    k = overlap.k
    fig = go.Figure(go.Histogram(x=overlap.jaccard, xbins=dict(start=-0.025, end=1.025, size=0.05),
                                 marker_color="#4c78a8", name="words",
                                 hovertemplate="Jaccard@%d ≈ %%{x:.2f}<br>%%{y} words<extra></extra>" % k))
    fig.add_vline(x=overlap.mean, line_dash="dash", line_color="#e45756",
                  annotation_text=f"mean {overlap.mean:.2f}", annotation_position="top")
    fig.update_layout(title=f"Neighbourhood overlap of {len(overlap.words):,} shared words: {names[0]} vs {names[1]}",
                      xaxis_title=f"Jaccard@{k} (1 = same {k} nearest neighbours, 0 = none shared)",
                      yaxis_title="words", bargap=0.05, height=360, margin=dict(t=60, b=40))
    fig.update_xaxes(range=[-0.05, 1.05])
    return fig


def highlight_shared(table: pd.DataFrame):
    """A pandas Styler for :func:`embedlab.probes.compare.side_by_side`: neighbours found in both lists in bold green."""
    word_cols = [c for c in table.columns if c.endswith(" word")]
    flag_cols = [c for c in table.columns if c.endswith("'s list")]

    def colour(row):
        out = pd.Series("", index=row.index)
        for wc, fc in zip(word_cols, flag_cols):
            if bool(row[fc]):
                out[wc] = "font-weight: bold; color: #2a7f3f"
        return out

    return table.style.apply(colour, axis=1).format({c: "{:.3f}" for c in table.columns if c.endswith("cosine")},
                                                     na_rep="")


def joint_scatter(projection: pd.DataFrame, names: tuple = ("A", "B")) -> go.Figure:
    """Both aligned positions of each word, joined by a line (one PCA map).

    The connecting lines are one trace with ``None``-separated segments, so
    thousands of words stay fast to draw.

    Parameters
    ----------
    projection : pandas.DataFrame
        From :func:`embedlab.probes.compare.joint_projection`.
    """
    p = projection
    n = len(p)
    seg_x = np.empty(3 * n, dtype=object)
    seg_y = np.empty(3 * n, dtype=object)
    seg_x[0::3], seg_x[1::3], seg_x[2::3] = p["x_a"].to_numpy(), p["x_b"].to_numpy(), None
    seg_y[0::3], seg_y[1::3], seg_y[2::3] = p["y_a"].to_numpy(), p["y_b"].to_numpy(), None
    hover = [f"<b>{w}</b><br>moved {d:.3f} (cosine {c:.3f})" for w, d, c in
             zip(p["word"], p["displacement"], p["cosine after alignment"])]
    labels = n <= LABEL_LIMIT
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=list(seg_x), y=list(seg_y), mode="lines", line=dict(color="#bbbbbb", width=1),
                             hoverinfo="skip", name="same word", showlegend=True))
    fig.add_trace(go.Scatter(x=p["x_a"], y=p["y_a"], mode="markers+text" if labels else "markers",
                             text=p["word"] if labels else None, textposition="top center",
                             marker=dict(color="#4c78a8", size=7), name=names[0], hovertext=hover,
                             hoverinfo="text"))
    fig.add_trace(go.Scatter(x=p["x_b"], y=p["y_b"], mode="markers", marker=dict(color="#f58518", size=7, symbol="x"),
                             name=f"{names[1]} (aligned)", hovertext=hover, hoverinfo="text"))
    fig.update_layout(title=f"{names[1]} rotated onto {names[0]} (orthogonal Procrustes), joint PCA of {n} words",
                      xaxis_title="PC 1", yaxis_title="PC 2", height=600, margin=dict(t=60, b=40),
                      legend=dict(orientation="h", y=-0.12))
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def displacement_histogram(displacement: np.ndarray) -> go.Figure:
    """Histogram of per-word displacement after Procrustes alignment."""
    fig = go.Figure(go.Histogram(x=displacement, nbinsx=40, marker_color="#f58518"))
    fig.update_layout(title="How far each shared word moved after alignment",
                      xaxis_title="distance between a word's two unit vectors (0 = unmoved, √2 = unrelated)",
                      yaxis_title="words", height=320, margin=dict(t=60, b=40))
    return fig


def stability_histogram(result: Stability) -> go.Figure:
    """Histogram of each word's mean Jaccard@k over all pairs of models."""
    mean = result.mean
    fig = go.Figure(go.Histogram(x=mean, xbins=dict(start=-0.025, end=1.025, size=0.05), marker_color="#54a24b"))
    fig.add_vline(x=float(mean.mean()), line_dash="dash", line_color="#e45756",
                  annotation_text=f"mean {mean.mean():.2f}", annotation_position="top")
    n_models = int(max(max(p) for p in result.pairs)) + 1
    fig.update_layout(title=f"Run-to-run stability of {len(result.words):,} words over {n_models} models "
                            f"({len(result.pairs)} pairs)",
                      xaxis_title=f"mean Jaccard@{result.k} over all pairs of models", yaxis_title="words",
                      height=360, margin=dict(t=60, b=40))
    fig.update_xaxes(range=[-0.05, 1.05])
    return fig


def stability_by_frequency(result: Stability, bins: int = 10) -> pd.DataFrame:
    """Mean stability per frequency band: ``frequency ranks``, ``words``, ``mean jaccard``.

    Shows the usual finding that rare words are the least stable.
    """
    n = len(result.words)
    edges = np.unique(np.linspace(0, n, min(bins, n) + 1).astype(int))
    mean = result.mean
    rows = [{"frequency ranks": f"{lo + 1}–{hi}", "words": hi - lo, "mean jaccard": float(mean[lo:hi].mean())}
            for lo, hi in zip(edges[:-1], edges[1:])]
    return pd.DataFrame(rows)
