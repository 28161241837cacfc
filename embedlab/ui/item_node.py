"""What Explore adds for a graph model's nodes: the graph's edges under the points, and which neighbours are linked.

Found by :func:`embedlab.ui.item_views.extras` for spaces whose item kind is
``node``. The edges come from the model itself (saved with it, see
:data:`embedlab.train.graph_family.EDGES`), or from its stored graph for a
model saved without them. Colouring by an attribute, the Louvain
``community`` or the ``degree`` (a continuous scale) is Explore's own
"metadata column"; a node without edges has no vector, and looking it up says
so (:meth:`embedlab.space.Space.resolve`).
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd
import streamlit as st

from embedlab.space import Space
from embedlab.train.graph_family import model_edges
from embedlab.ui import session
from embedlab.ui.item_views import ItemExtras
from embedlab.views.graph import MAX_EDGES_DRAWN, add_edge_pairs

#: Choices of the cap on edges drawn (more hide the points and slow the browser).
EDGE_CAPS = (1000, MAX_EDGES_DRAWN, 10_000, 30_000)


def _model_id(space: Space) -> Optional[str]:
    return space.info.get("id") or session.active_model_id()


def space_edges(space: Space) -> Optional[np.ndarray]:
    """The node model's edges, ndarray of shape (n_edges, 2) of rows of ``space``, or None (none known).

    Cached per model; for a published model once for every session (the edges depend on the model only).
    """
    model_id = _model_id(space)
    if model_id is None:
        return None
    return session.cached(model_id, "node-edges", (),
                          lambda: model_edges(session.workspace(), model_id, space), shared=True)


def controls(space: Space, box) -> dict:
    """"Draw the graph's edges" and the cap on how many, in Explore's second column."""
    edges = space_edges(space)
    if edges is None:
        box.caption("This model has no saved edges and its graph is no longer stored, so no edges can be drawn.")
        return {"edges": False}
    on_key = session.keep_widget("explore-node-edges", True)
    on = box.toggle("Draw the graph's edges", key=on_key,
                    help=f"The graph's {len(edges):,} edges, drawn under the points of a 2-D projection between "
                         "the nodes shown; a random sample when there are more than the cap.")
    session.remember_widget(on_key, on)
    cap = MAX_EDGES_DRAWN
    if on:
        cap_key = session.keep_widget("explore-node-edge-cap", MAX_EDGES_DRAWN, valid=EDGE_CAPS.__contains__)
        cap = box.selectbox("Edges drawn at most", EDGE_CAPS, key=cap_key, format_func="{:,}".format)
        session.remember_widget(cap_key, cap)
    return {"edges": bool(on), "max_edges": int(cap)}


def decorate(fig, frame: pd.DataFrame, space: Space, options: dict) -> list:
    """Draw the edges under the points (2-D only); return the note for above the chart."""
    if not options.get("edges"):
        return []
    if "z" in frame.columns:
        return ["The graph's edges are drawn on 2-D projections only; choose 2 dimensions to see them."]
    edges = space_edges(space)
    if edges is None:
        return []
    return [add_edge_pairs(fig, frame, space.words, edges, int(options.get("max_edges", MAX_EDGES_DRAWN)))]


def neighbours(space: Space, table: pd.DataFrame) -> None:
    """Under a nearest-neighbour table: how many of the nearest nodes are linked to the query in the graph."""
    query = table.attrs.get("query")
    edges = space_edges(space)
    if query is None or edges is None or query not in space:
        return
    row = space.index(query)
    linked_rows = np.unique(np.concatenate([edges[edges[:, 0] == row, 1], edges[edges[:, 1] == row, 0]]))
    linked = {space.words[r] for r in linked_rows}
    hits = int(table["word"].isin(linked).sum())
    name = space.label(query)
    st.caption(f"In the graph, **{name}** is linked to {len(linked):,} node(s); {hits} of these {len(table)} "
               "nearest nodes are among them. The others are close in the embedding without an edge: they share "
               "neighbours, a community, or (for node2vec with a large q) a local structure.")
    if len(linked):
        cos = space.unit[linked_rows] @ space.unit[row]
        frame = pd.DataFrame({"linked node": [space.labels[r] for r in linked_rows], "cosine": cos.round(3),
                              "id": [space.words[r] for r in linked_rows]}).sort_values("cosine", ascending=False)
        with st.expander(f"Its {len(linked):,} neighbour(s) in the graph, by cosine"):
            st.dataframe(frame.head(500), hide_index=True)


EXTRAS = ItemExtras(controls=controls, decorate=decorate, neighbours=neighbours)
