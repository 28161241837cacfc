"""Column settings for probe tables, so that narrow tables (two side by side) keep what matters readable."""

from __future__ import annotations

from typing import Optional

import streamlit as st

from embedlab.space import Space


def table_columns(space: Optional[Space] = None, wide: bool = False, **extra) -> dict:
    """``column_config`` for the tables of probes (neighbours, analogies, items like, recommendations).

    Scores get three decimals and narrow columns, counts and ranks short
    headers, booleans a narrow tick box; the label (or word) column is
    pinned so it stays in view when a narrow table scrolls sideways; ids and
    genres, which matter least, are narrow. Columns a table does not have are
    ignored by Streamlit.

    Parameters
    ----------
    space : Space, optional
        For the name of its label column (``title`` for movies).
    wide : bool
        The table spans the page: titles get a large column (a pinned
        column keeps its width while the others share the rest).
    **extra
        More ``column_config`` entries (override the defaults).
    """
    cc = st.column_config
    score = {"format": "%.3f", "width": "small"}
    config = {
        "word": cc.TextColumn(pinned=True),
        "cosine": cc.NumberColumn("cosine", **score),
        "score": cc.NumberColumn("score", **score),
        "cosine to mean": cc.NumberColumn("cosine to mean", **score),
        "predicted rating": cc.NumberColumn("predicted", format="%.2f", width="small",
                                            help="Predicted rating μ + b_u + b_i + p_u·q_i"),
        "rating": cc.NumberColumn("rating", format="%.1f", width="small"),
        "ratings": cc.NumberColumn("ratings", width="small", help="How many ratings the item has"),
        "frequency rank": cc.NumberColumn("freq. rank", width="small", help="Frequency rank: 1 = most frequent"),
        "rank": cc.NumberColumn("rank", width="small"),
        "input word": cc.CheckboxColumn("input", width="small", help="One of the input words"),
        "from subwords": cc.CheckboxColumn("subwords", width="small",
                                           help="Vector built from character n-grams (FastText)"),
        "genres": cc.TextColumn("genres", width="small"),
        "id": cc.TextColumn("id", width="small"),
        "item": cc.TextColumn("item", width="small", help="The item's id"),
        "neighbour id": cc.TextColumn("neighbour id", width="small"),
        "title": cc.TextColumn("title", width="medium", pinned=True),
    }
    title_width = "large" if wide else "medium"
    config["title"] = cc.TextColumn("title", width=title_width, pinned=True)
    if space is not None and space.has_labels:
        name = space.label_nouns[0]
        config[name] = cc.TextColumn(name, width=title_width, pinned=True)
    config.update(extra)
    return config
