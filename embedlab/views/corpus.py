"""Figures for corpus statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from embedlab.sources.corpus import Corpus
from embedlab.views.axes import log_axis


def top_words_table(corpus: Corpus, n: int = 30) -> pd.DataFrame:
    """The ``n`` most frequent words: columns ``rank``, ``word``, ``count``, ``share`` (of all tokens)."""
    counts = corpus.counts.iloc[:n]
    total = max(int(corpus.stats["tokens"]), 1)
    return pd.DataFrame({"rank": np.arange(1, len(counts) + 1), "word": counts.index.astype(str),
                         "count": counts.to_numpy(), "share": counts.to_numpy() / total})


def top_words_bar(corpus: Corpus, n: int = 30) -> go.Figure:
    """Horizontal bar chart of the ``n`` most frequent words."""
    table = top_words_table(corpus, n).iloc[::-1]
    fig = go.Figure(go.Bar(x=table["count"], y=table["word"], orientation="h",
                           hovertemplate="%{y}: %{x:,} occurrences<extra></extra>"))
    fig.update_layout(title=f"{len(table)} most frequent words", xaxis_title="count", height=max(300, 18 * len(table)),
                      margin=dict(l=10, r=10, t=40, b=10))
    return fig


def zipf_plot(corpus: Corpus, max_points: int = 2000) -> go.Figure:
    """Rank against frequency on log-log axes, with the ideal Zipf line (frequency ∝ 1/rank).

    At most ``max_points`` ranks are drawn, spaced evenly on the log scale, so
    the figure stays small for large vocabularies.
    """
    counts = corpus.counts.to_numpy()
    ranks = np.arange(1, len(counts) + 1)
    if len(ranks) > max_points:
        keep = np.unique(np.geomspace(1, len(ranks), max_points).astype(int)) - 1
    else:
        keep = ranks - 1
    words = corpus.counts.index.to_numpy()[keep]
    fig = go.Figure()
    fig.add_trace(go.Scattergl(x=ranks[keep], y=counts[keep], mode="markers", name="words", text=words,
                               marker=dict(size=4), hovertemplate="%{text}: rank %{x}, %{y:,} times<extra></extra>"))
    fig.add_trace(go.Scatter(x=[1, len(counts)], y=[counts[0], counts[0] / len(counts)], mode="lines",
                             name="Zipf: f ∝ 1/rank", line=dict(dash="dash")))
    fig.update_layout(title="Zipf plot (log-log)", xaxis=log_axis([1, len(counts)], "rank"),
                      yaxis=log_axis([counts[0], counts[0] / len(counts), counts[-1]], "frequency"),
                      margin=dict(l=10, r=10, t=40, b=10))
    return fig
