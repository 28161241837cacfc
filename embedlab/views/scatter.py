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
#: Figure height, and an estimate of the plotting area's size in Streamlit's main column beside a legend,
#: in pixels (on the small side: a wider plot only leaves more room between the labels).
HEIGHT = 650
PLOT_WIDTH_ESTIMATE = 700
PLOT_HEIGHT_ESTIMATE = 540
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

    def trace(sel, name, marker, mode="markers", text=None, showlegend=True, textposition="top center", **kw):
        args = {c: xyz[c][sel] for c in cols}
        t = Trace(mode=mode, name=name, marker=marker, hovertext=hover[sel], customdata=rows[sel],
                  hovertemplate="%{hovertext}<extra></extra>", showlegend=showlegend, **args, **kw)
        if text is not None:
            t.update(text=text, textposition=textposition)
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
    words = frame["word"].astype(str).to_numpy()
    marked_rows = np.flatnonzero(np.isin(words, list(marked))) if len(marked) else np.empty(0, dtype=np.int64)
    named, where = label_points(frame, n_components, max_labels, labels=labels, highlight=highlight,
                                marked=marked_rows, positions=True)
    place = dict(zip(named.tolist(), where))

    def positions_of(sel):
        return [place.get(int(r), "top center") for r in sel]

    if labels:
        sel = np.setdiff1d(named, marked_rows)
        if highlight is not None:
            sel = sel[~np.asarray(highlight)[sel]]
        fig.add_trace(trace(sel, "labels", dict(size=1, opacity=0), mode="text", text=hover[sel],
                            showlegend=False, textfont=dict(size=LABEL_FONT), textposition=positions_of(sel)))
    if highlight is not None and np.any(highlight):
        sel = np.setdiff1d(np.flatnonzero(highlight), marked_rows)
        text = np.where(np.isin(sel, named), hover[sel], "")
        fig.add_trace(trace(sel, "search matches",
                            dict(size=size + 6, color="rgba(0,0,0,0)", line=dict(width=2, color="crimson")),
                            mode="markers+text" if np.any(text != "") else "markers",
                            text=text if np.any(text != "") else None, textfont=dict(size=LABEL_FONT),
                            textposition=positions_of(sel)))
    if len(marked_rows):
        fig.add_trace(trace(marked_rows, "query words", dict(size=size + 8, symbol="diamond", color="black"),
                            mode="markers+text", text=hover[marked_rows], textposition=positions_of(marked_rows)))
    axes = {c: _axis_title(method, j, explained_variance_ratio) for j, c in enumerate(cols)}
    if three:
        fig.update_layout(scene=dict(xaxis_title=axes["x"], yaxis_title=axes["y"], zaxis_title=axes["z"]))
    else:
        fig.update_layout(xaxis_title=axes["x"], yaxis_title=axes["y"], dragmode="lasso")
    # the top margin leaves room for plotly's toolbar, which would otherwise cover the first legend entry
    fig.update_layout(title=title, height=HEIGHT, margin=dict(l=10, r=10, t=60 if title else 40, b=10),
                      legend=dict(itemsizing="constant"), uirevision="keep")
    return fig


def label_points(frame: pd.DataFrame, n_components: int = 2, max_labels: int = MAX_TEXT_LABELS, labels: bool = True,
                 highlight: Optional[np.ndarray] = None, marked: Sequence[int] = (), positions: bool = False):
    """Rows of a projection frame whose label is written (see :func:`scatter_figure`).

    Query points (``marked``) come first and are always written; then search
    matches (``highlight``), then, with ``labels``, every point, each group
    most frequent first. In 2-D a label is written only where it overlaps no
    label written before it (:func:`embedlab.views.labels.thin_labels`); in
    3-D the first :data:`MAX_TEXT_LABELS_3D` are.

    Returns
    -------
    ndarray of shape (n_labelled,), int64
        Row positions, ascending; with ``positions``, also their plotly
        ``textposition`` strings (a label near the plot's side sits beside its point).
    """
    n = len(frame)
    ranks = frame["frequency rank"].to_numpy() if "frequency rank" in frame else np.arange(n)
    group = np.full(n, 2 if labels else 3, dtype=np.int64)  # 3: never labelled
    if highlight is not None:
        group[np.asarray(highlight, dtype=bool)] = 1
    marked = np.asarray(marked, dtype=np.int64)
    group[marked] = 0
    rows = np.flatnonzero(group < 3)
    place = {}
    if not len(rows):
        chosen = np.empty(0, dtype=np.int64)
    elif n_components == 3:
        first = np.argsort(group[rows] * (n + 1) + ranks[rows], kind="stable")
        chosen = rows[first[:min(max_labels, MAX_TEXT_LABELS_3D)]]
    else:
        kept, where = thin_labels(frame["x"].to_numpy()[rows], frame["y"].to_numpy()[rows],
                                  frame["label"].astype(str).to_numpy()[rows].tolist(),
                                  group[rows] * (n + 1) + ranks[rows], PLOT_WIDTH_ESTIMATE, PLOT_HEIGHT_ESTIMATE,
                                  LABEL_FONT, max_labels, positions=True)
        chosen = rows[kept]
        place = dict(zip(chosen.tolist(), where))
    out = np.union1d(chosen, marked).astype(np.int64)
    if positions:
        return out, [place.get(int(r), "top center") for r in out]
    return out


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
