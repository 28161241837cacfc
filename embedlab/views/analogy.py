"""Plotly figures for analogies and benchmark scores (no streamlit here)."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from embedlab.probes.analogy.solver import word_vectors
from embedlab.space import Space

_COLOURS = {"semantic": "#4C78A8", "syntactic": "#F58518"}


def analogy_picture(space: Space, a: str, b: str, c: str, d: str, expected: Optional[str] = None) -> go.Figure:
    """The analogy a : b :: c : d in a 2-D PCA of just these words' unit vectors.

    Arrows a→b and c→d are the two offsets; a dotted arrow c→(c + b − a) shows
    where 3CosAdd aims. When the offsets are parallel and equally long the four
    words form a parallelogram; its absence is visible too. Only 4–6 points
    are projected, so the picture shows their own geometry, not the whole space's.

    Parameters
    ----------
    space : Space
    a, b, c : str
        The question (keys, or labels of a labelled space; points are named by their labels).
    d : str
        The predicted answer.
    expected : str, optional
        The expected answer, drawn too when it differs from ``d``.

    Returns
    -------
    plotly.graph_objects.Figure

    Raises
    ------
    UnknownWordError
        A word is not in the vocabulary.
    """
    keys = [space.resolve(w, oov_ok=True) for w in (a, b, c, d)]
    roles = ["a", "b", "c", "answer"]
    if expected:
        expected = space.resolve(expected, oov_ok=True)
        if expected not in keys:
            keys.append(expected)
            roles.append("expected")
    vecs = word_vectors(space, keys).astype(np.float64)
    labels = space.labels_of(keys)
    target = vecs[2] + vecs[1] - vecs[0]
    points = np.vstack([vecs, target])
    centred = points - points.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    xy = centred @ vt[:2].T if vt.shape[0] >= 2 else np.column_stack([centred @ vt[0], np.zeros(len(points))])
    fig = go.Figure()
    colours = {"a": "#4C78A8", "b": "#4C78A8", "c": "#54A24B", "answer": "#E45756", "expected": "#B279A2"}
    fig.add_trace(go.Scatter(
        x=xy[:-1, 0], y=xy[:-1, 1], mode="markers+text", text=[f"{w} ({r})" for w, r in zip(labels, roles)],
        textposition="top center", marker=dict(size=12, color=[colours[r] for r in roles]),
        hovertext=[f"{r}: {w}" for w, r in zip(labels, roles)], hoverinfo="text", showlegend=False))
    fig.add_trace(go.Scatter(x=[xy[-1, 0]], y=[xy[-1, 1]], mode="markers+text", text=["c + b − a"],
                             textposition="bottom center", marker=dict(size=10, symbol="x", color="grey"),
                             hoverinfo="text", hovertext=["3CosAdd target: c + b − a"], showlegend=False))

    def arrow(i, j, colour, dash=False, text=""):
        fig.add_annotation(x=xy[j, 0], y=xy[j, 1], ax=xy[i, 0], ay=xy[i, 1], xref="x", yref="y", axref="x",
                           ayref="y", showarrow=True, arrowhead=3, arrowsize=1.5, arrowwidth=1.5 if dash else 2.5,
                           arrowcolor=colour, opacity=0.5 if dash else 0.9, text="")
        if text:
            fig.add_annotation(x=(xy[i, 0] + xy[j, 0]) / 2, y=(xy[i, 1] + xy[j, 1]) / 2, text=text,
                               showarrow=False, font=dict(color=colour), bgcolor="rgba(255,255,255,0.7)")

    arrow(0, 1, "#4C78A8", text="b − a")
    arrow(2, 3, "#E45756", text="d − c")
    arrow(2, len(points) - 1, "grey", dash=True)
    offset_ab, offset_cd = vecs[1] - vecs[0], vecs[3] - vecs[2]
    cos = float(offset_ab @ offset_cd / ((np.linalg.norm(offset_ab) * np.linalg.norm(offset_cd)) or 1.0))
    fig.update_layout(
        title=f"{labels[0]} : {labels[1]} :: {labels[2]} : {labels[3]} — cosine between the offsets b − a and "
              f"d − c: {cos:.2f}",
        xaxis_title="PC 1 (of these words only)", yaxis_title="PC 2", height=480,
        margin=dict(l=20, r=20, t=60, b=20))
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def section_accuracy_figure(sections: pd.DataFrame, title: str = "Accuracy per section") -> go.Figure:
    """Bar chart of accuracy per analogy section, coloured semantic/syntactic, with counts on hover.

    Parameters
    ----------
    sections : pandas.DataFrame
        :attr:`AnalogyEvaluation.sections`.
    """
    fig = go.Figure()
    for kind in ("semantic", "syntactic"):
        part = sections[sections["kind"] == kind]
        fig.add_trace(go.Bar(
            x=part["section"], y=part["accuracy"] * 100, name=kind, marker_color=_COLOURS[kind],
            customdata=np.column_stack([part["correct"], part["evaluated"], part["skipped (OOV)"]]),
            hovertemplate="%{x}<br>accuracy %{y:.1f}%<br>%{customdata[0]} of %{customdata[1]} correct"
                          "<br>%{customdata[2]} skipped (OOV)<extra></extra>"))
    fig.update_layout(title=title, yaxis_title="accuracy (%)", yaxis_range=[0, 100], height=420,
                      margin=dict(l=20, r=20, t=50, b=20))
    return fig


def pairs_scatter(pairs: pd.DataFrame, title: str = "Human score vs cosine similarity") -> go.Figure:
    """Scatter of human similarity score vs the model's cosine, one point per in-vocabulary pair.

    Parameters
    ----------
    pairs : pandas.DataFrame
        :attr:`PairsEvaluation.pairs` (``word 1``, ``word 2``, ``human``, ``cosine``, ``oov``).
    """
    known = pairs[~pairs["oov"]]
    fig = go.Figure(go.Scatter(
        x=known["human"], y=known["cosine"], mode="markers", marker=dict(size=7, opacity=0.7),
        text=known["word 1"].astype(str) + " – " + known["word 2"].astype(str),
        hovertemplate="%{text}<br>human %{x:.2f}<br>cosine %{y:.3f}<extra></extra>"))
    fig.update_layout(title=title, xaxis_title="human score", yaxis_title="cosine similarity", height=420,
                      margin=dict(l=20, r=20, t=50, b=20))
    return fig


def sweep_figure(table: pd.DataFrame, param: str, scores=None) -> go.Figure:
    """Each benchmark score against the swept parameter (one line per score)."""
    from embedlab.probes.analogy.sweep import SCORE_COLUMNS

    scores = [s for s in (scores or SCORE_COLUMNS) if s in table.columns]
    x = table[param].astype(str) if table[param].dtype == object or isinstance(table[param].iloc[0], str) \
        else table[param]
    fig = go.Figure()
    for score in scores:
        fig.add_trace(go.Scatter(x=x, y=table[score], mode="lines+markers", name=score,
                                 hovertemplate=f"{param}=%{{x}}<br>{score}: %{{y:.3f}}<extra></extra>"))
    fig.update_layout(title=f"Benchmark scores vs {param}", xaxis_title=param, yaxis_title="score",
                      height=420, margin=dict(l=20, r=20, t=50, b=20))
    return fig
