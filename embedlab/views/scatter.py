"""Plotly figures of a projection (2-D WebGL scatter, 3-D scatter) and their exports.

Payload is kept small so 50,000 points stay responsive and a selection event
stays far below Streamlit's 25 MB message limit: coordinates go as float32
numpy arrays (plotly sends them base64-encoded), hover text is the short label
only, and each point's ``customdata`` is its row in the projection, which is
what :func:`embedlab.views.selection.selected_rows` reads back.
"""

from __future__ import annotations

from typing import Optional, Sequence

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.express as px

from embedlab.views.labels import thin_labels

MAX_TEXT_LABELS = 300
#: Labels in 3-D (the camera turns, so overlaps cannot be measured in advance): only the most frequent few.
MAX_TEXT_LABELS_3D = 60
#: Figure height and an estimate of the plotting area's width (Streamlit's main column), in pixels.
HEIGHT = 650
PLOT_WIDTH_ESTIMATE = 900
LABEL_FONT = 10
_PALETTE = px.colors.qualitative.Plotly + px.colors.qualitative.Dark24
_LAST = ("other", "—", "none", "nan", "")


def _natural_key(text: str) -> tuple:
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
                 for part in re.split(r"(\d+)", text) if part)


def category_order(categories) -> list:
    """Legend order of category names: numbered names in number order ("cluster 2" before "cluster 10"),
    otherwise the most common first; catch-alls ("other", "—") last."""
    counts = pd.Series(categories, dtype=object).astype(str).value_counts(sort=True)
    names = counts.index.tolist()
    numbered = [n for n in names if n not in _LAST and re.search(r"\d", n)]
    if numbered and len(numbered) == len([n for n in names if n not in _LAST]):
        names = sorted(numbered, key=_natural_key) + [n for n in names if n in _LAST]
    else:
        names = [n for n in names if n not in _LAST] + [n for n in names if n in _LAST]
    return names


def _axis_title(method: str, j: int, evr: Optional[np.ndarray]) -> str:
    name = {"pca": "PC", "umap": "UMAP ", "tsne": "t-SNE "}.get(method, "")
    t = f"{name}{j + 1}"
    if evr is not None and j < len(evr):
        t += f" ({100 * float(evr[j]):.1f}% of variance)"
    return t


def scatter_figure(frame: pd.DataFrame, n_components: int = 2, colour: Optional[np.ndarray] = None,
                   continuous: bool = False, colour_title: str = "", labels: bool = False,
                   highlight: Optional[np.ndarray] = None, method: str = "pca",
                   explained_variance_ratio: Optional[np.ndarray] = None, title: str = "",
                   max_labels: int = MAX_TEXT_LABELS, marked: Sequence[str] = ()) -> go.Figure:
    """A scatter of a projection.

    Parameters
    ----------
    frame : pandas.DataFrame
        :attr:`embedlab.probes.projection.Projection.frame` (``label``, ``x``, ``y``
        [, ``z``], ``frequency rank``), one row per point.
    n_components : {2, 3}
        2-D uses WebGL (``go.Scattergl``), 3-D ``go.Scatter3d``.
    colour : ndarray of shape (n_points,), optional
        Category names (one trace per category, with a legend) or numbers
        (``continuous=True``: one trace with a colour bar).
    labels : bool
        Write labels next to the points. In 2-D only labels that fit without
        overlapping are drawn (:func:`embedlab.views.labels.thin_labels`, most
        frequent first, at most ``max_labels``); in 3-D the
        :data:`MAX_TEXT_LABELS_3D` most frequent.
    highlight : ndarray of shape (n_points,) of bool, optional
        Search matches, drawn on top with a ring.
    marked : sequence of str
        Words (e.g. query words) drawn as larger stars.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    n = len(frame)
    three = n_components == 3
    cols = ["x", "y", "z"][:n_components]
    xyz = {c: frame[c].to_numpy(dtype=np.float32) for c in cols}
    hover = frame["label"].astype(str).to_numpy(dtype=object)
    rows = np.arange(n, dtype=np.int32)
    size = 3 if n > 20_000 else 4 if n > 5000 else 6
    Trace = go.Scatter3d if three else go.Scattergl

    def trace(sel, name, marker, mode="markers", text=None, showlegend=True, **kw):
        args = {c: xyz[c][sel] for c in cols}
        t = Trace(mode=mode, name=name, marker=marker, hovertext=hover[sel], customdata=rows[sel],
                  hovertemplate="%{hovertext}<extra></extra>", showlegend=showlegend, **args, **kw)
        if text is not None:
            t.update(text=text, textposition="top center")
        return t

    fig = go.Figure()
    if colour is None:
        fig.add_trace(trace(slice(None), "words", dict(size=size, opacity=0.75), showlegend=False))
    elif continuous:
        c = np.asarray(colour, dtype=np.float32)
        fig.add_trace(trace(slice(None), colour_title or "value",
                            dict(size=size, color=c, colorscale="Viridis", opacity=0.8, showscale=True,
                                 colorbar=dict(title=colour_title)), showlegend=False))
    else:
        cats = np.asarray(colour, dtype=object).astype(str)
        for j, cat in enumerate(category_order(cats)):
            sel = np.flatnonzero(cats == cat)
            fig.add_trace(trace(sel, cat, dict(size=size, color=_PALETTE[j % len(_PALETTE)], opacity=0.8)))
    ranks = frame["frequency rank"].to_numpy() if "frequency rank" in frame else np.arange(n)
    if labels:
        sel = label_points(frame, n_components, max_labels)
        fig.add_trace(trace(sel, "labels", dict(size=1, opacity=0), mode="text", text=hover[sel],
                            showlegend=False, textfont=dict(size=LABEL_FONT)))
    if highlight is not None and np.any(highlight):
        sel = np.flatnonzero(highlight)
        if three:
            named = sel[np.argsort(ranks[sel], kind="stable")[:MAX_TEXT_LABELS_3D]]
        else:
            named = sel[thin_labels(xyz["x"][sel], xyz["y"][sel], hover[sel], ranks[sel], PLOT_WIDTH_ESTIMATE,
                                    HEIGHT - 50, LABEL_FONT, 50)]
        fig.add_trace(trace(sel, "search matches",
                            dict(size=size + 6, color="rgba(0,0,0,0)", line=dict(width=2, color="crimson")),
                            mode="markers+text" if len(named) else "markers",
                            text=np.where(np.isin(sel, named), hover[sel], "") if len(named) else None))
    if len(marked):
        words = frame["word"].astype(str).to_numpy()
        sel = np.flatnonzero(np.isin(words, list(marked)))
        if len(sel):
            fig.add_trace(trace(sel, "query words", dict(size=size + 8, symbol="diamond", color="black"),
                                mode="markers+text", text=hover[sel]))
    axes = {c: _axis_title(method, j, explained_variance_ratio) for j, c in enumerate(cols)}
    if three:
        fig.update_layout(scene=dict(xaxis_title=axes["x"], yaxis_title=axes["y"], zaxis_title=axes["z"]))
    else:
        fig.update_layout(xaxis_title=axes["x"], yaxis_title=axes["y"], dragmode="lasso")
    # the top margin leaves room for plotly's toolbar, which would otherwise cover the first legend entry
    fig.update_layout(title=title, height=HEIGHT, margin=dict(l=10, r=10, t=60 if title else 40, b=10),
                      legend=dict(itemsizing="constant"), uirevision="keep")
    return fig


def label_points(frame: pd.DataFrame, n_components: int = 2, max_labels: int = MAX_TEXT_LABELS) -> np.ndarray:
    """Rows of a projection frame that get a text label (see :func:`scatter_figure`'s ``labels``).

    Returns
    -------
    ndarray of shape (n_labelled,), int64
        Row positions, ascending.
    """
    n = len(frame)
    ranks = frame["frequency rank"].to_numpy() if "frequency rank" in frame else np.arange(n)
    if n_components == 3:
        return np.sort(np.argsort(ranks, kind="stable")[:min(max_labels, MAX_TEXT_LABELS_3D)]).astype(np.int64)
    return thin_labels(frame["x"].to_numpy(), frame["y"].to_numpy(), frame["label"].astype(str).tolist(), ranks,
                       PLOT_WIDTH_ESTIMATE, HEIGHT - 50, LABEL_FONT, max_labels)


def trace_rows(fig: go.Figure) -> list:
    """Rows of the projection shown by each trace, in trace order (from ``customdata``)."""
    return [list(np.asarray(t.customdata, dtype=np.int64)) if t.customdata is not None else [] for t in fig.data]


def explained_variance_figure(ratio: np.ndarray) -> go.Figure:
    """Bar chart of PCA's explained variance ratio per component (percent)."""
    ratio = np.asarray(ratio, dtype=float)
    fig = go.Figure(go.Bar(x=[f"PC{j + 1}" for j in range(len(ratio))], y=100 * ratio,
                           text=[f"{100 * r:.1f}%" for r in ratio], textposition="auto"))
    fig.update_layout(yaxis_title="% of variance", height=220, margin=dict(l=10, r=10, t=10, b=10))
    return fig


def export_csv(frame: pd.DataFrame, colour: Optional[np.ndarray] = None, colour_name: str = "colour") -> bytes:
    """The projection as CSV bytes: word, label, x, y[, z], frequency rank, count, knn overlap[, colour]."""
    out = frame.copy()
    if colour is not None:
        out[colour_name] = colour
    return out.to_csv(index=False).encode("utf-8")


def export_html(fig: go.Figure) -> bytes:
    """The figure as a stand-alone HTML page (plotly.js embedded, works offline)."""
    return fig.to_html(include_plotlyjs=True, full_html=True).encode("utf-8")
