"""Figures of the toy word2vec (:mod:`embedlab.train.toy_word2vec`): weights, probabilities, vectors, loss."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from embedlab.train.toy_word2vec import ToyWord2Vec

_IN, _OUT, _NOISE = "#1f77b4", "#d62728", "#ff7f0e"


def weights_heatmap(net: ToyWord2Vec, which: str = "input") -> go.Figure:
    """W (V × N, one row per word) or W_out (N × V, one column per word) as a heat map, values written in.

    The current pair's input rows (W) or output column and noise columns
    (W_out) are outlined.
    """
    hidden = [f"h{i + 1}" for i in range(net.config.hidden)]
    up = net.last
    if which == "input":
        z, x, y = net.W, hidden, net.vocab
        title = "Input weights W (a row = an input vector v_w)"
        marks = [] if up is None else [("row", i, _IN) for i in set(up.inputs)]
    else:
        z, x, y = net.W_out, net.vocab, hidden
        title = "Output weights W' (a column = an output vector v'_w)"
        marks = [] if up is None else [("col", up.output, _OUT)] + [("col", i, _NOISE) for i in set(up.noise)]
    limit = float(np.abs(z).max()) or 1.0
    fig = go.Figure(go.Heatmap(z=z, x=x, y=y, colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit,
                               texttemplate="%{z:.2f}" if z.size <= 200 else None, textfont=dict(size=9),
                               hovertemplate="%{y} · %{x}: %{z:.3f}<extra></extra>", colorbar=dict(thickness=10)))
    for kind, i, colour in marks:
        if kind == "row":
            fig.add_shape(type="rect", x0=-0.5, x1=len(x) - 0.5, y0=i - 0.5, y1=i + 0.5, line=dict(color=colour,
                          width=3))
        else:
            fig.add_shape(type="rect", x0=i - 0.5, x1=i + 0.5, y0=-0.5, y1=len(y) - 0.5, line=dict(color=colour,
                          width=3))
    height = max(220, 18 * len(y) + 90)
    fig.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40, b=10),
                      yaxis=dict(autorange="reversed", type="category"), xaxis=dict(type="category", side="bottom"))
    return fig


def probabilities_figure(net: ToyWord2Vec) -> go.Figure:
    """The softmax probabilities y_j for the last update's input (before it), the output word in red."""
    up = net.last
    inputs = up.inputs if up is not None else net.next_pair[0]
    y = up.y if up is not None else net.probabilities(inputs)
    colours = ["#9aa9bb"] * len(net.vocab)
    if up is not None:
        for i in up.noise:
            colours[i] = _NOISE
        colours[up.output] = _OUT
    fig = go.Figure(go.Bar(x=net.vocab, y=y, marker_color=colours,
                           hovertemplate="%{x}: %{y:.3f}<extra></extra>"))
    what = ("softmax probabilities" if net.config.objective == "softmax" else
            "softmax probabilities (negative sampling never computes them: orange = its noise words)")
    fig.update_layout(title=f"Output: {what} for input {', '.join(net.words(inputs))}", height=300,
                      yaxis=dict(range=[0, 1], title="y_j"), margin=dict(l=10, r=10, t=40, b=10))
    return fig


def vectors_figure(net: ToyWord2Vec) -> go.Figure:
    """A live PCA of the input vectors (circles) and output vectors (squares) in one plane."""
    xy_in, xy_out, explained = net.vectors_2d()
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=xy_in[:, 0], y=xy_in[:, 1], mode="markers+text", text=net.vocab,
                             textposition="top center", name="input vectors v_w (rows of W)",
                             marker=dict(color=_IN, size=9, symbol="circle")))
    fig.add_trace(go.Scatter(x=xy_out[:, 0], y=xy_out[:, 1], mode="markers+text", text=net.vocab,
                             textposition="bottom center", name="output vectors v'_w (columns of W')",
                             textfont=dict(color=_OUT), marker=dict(color=_OUT, size=9, symbol="square-open")))
    fig.update_layout(title="Input and output vectors, one PCA of both", height=420,
                      xaxis_title=f"PC1 ({100 * explained[0]:.0f}%)", yaxis_title=f"PC2 ({100 * explained[1]:.0f}%)",
                      legend=dict(orientation="h", y=-0.2), margin=dict(l=10, r=10, t=40, b=10))
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def loss_figure(net: ToyWord2Vec) -> go.Figure:
    """The mean softmax loss over every pair, after each batch of updates."""
    steps, losses = zip(*net.history)
    fig = go.Figure(go.Scatter(x=steps, y=losses, mode="lines+markers",
                               hovertemplate="after %{x} updates: %{y:.3f}<extra></extra>"))
    fig.update_layout(title="Mean loss −log y_O over all pairs", xaxis_title="updates", yaxis_title="loss",
                      height=260, margin=dict(l=10, r=10, t=40, b=10))
    return fig
