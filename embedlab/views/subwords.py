"""Plotly figure for the subword view (no streamlit import)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go


def subword_figure(table: pd.DataFrame) -> go.Figure:
    """Horizontal bars: cosine between each n-gram's vector and the word's vector.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`embedlab.probes.subwords.subword_table` (columns ``n-gram``,
        ``cosine``, ``in vocabulary words``, ``example words``).

    Returns
    -------
    plotly.graph_objects.Figure
        Bars coloured by whether the n-gram occurs in vocabulary words.
    """
    fig = go.Figure()
    for seen, colour, label in ((True, "#1f77b4", "occurs in vocabulary words"),
                                (False, "#d62728", "not in any vocabulary word")):
        part = table[table["in vocabulary words"] == seen]
        if part.empty:
            continue
        fig.add_bar(x=part["cosine"], y=part["n-gram"], orientation="h", name=label, marker_color=colour,
                    customdata=part[["example words"]].to_numpy(),
                    hovertemplate="%{y}: cosine %{x:.3f}<br>in: %{customdata[0]}<extra></extra>")
    word = table.attrs.get("word", "")
    fig.update_layout(title=f"How close each n-gram of '{word}' is to the word's vector",
                      xaxis_title="cosine(n-gram vector, word vector)", xaxis_range=[-1, 1],
                      yaxis=dict(categoryorder="array", categoryarray=list(table["n-gram"])[::-1],
                                 title="character n-gram"),
                      height=max(300, 18 * len(table) + 120), legend_orientation="h", margin=dict(l=10, r=10))
    return fig
