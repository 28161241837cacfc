"""Plotly figures and tables for graphs and node spaces (no streamlit).

* statistics before training: a table of figures, the degree distribution
  (log-log), component sizes;
* a small force-directed picture (networkx's spring layout, Fruchterman &
  Reingold 1991) for graphs of at most :data:`MAX_PICTURE_NODES` nodes;
* the graph's edges drawn over a 2-D projection of a node space, capped at
  ``max_edges`` with a note saying how many are shown;
* evaluation results: node-classification F1 and link-prediction AUC bars.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from embedlab.errors import InputError

MAX_PICTURE_NODES = 500
MAX_EDGES_DRAWN = 3000
_PALETTE = px.colors.qualitative.Plotly + px.colors.qualitative.Dark24


def stats_table(stats: dict) -> pd.DataFrame:
    """The figures of :meth:`Graph.stats` as a two-column table (quantity, value) with readable values."""
    rows = [("nodes", f"{stats['nodes']:,}"), ("edges", f"{stats['edges']:,}"),
            ("kind", ("directed" if stats["directed"] else "undirected") + (", weighted" if stats["weighted"] else "")),
            ("density", f"{stats['density']:.4g}"),
            ("degree (min / median / mean / max)",
             f"{stats['degree_min']:,} / {stats['degree_median']:g} / {stats['degree_mean']:.2f} / "
             f"{stats['degree_max']:,}"),
            ("isolated nodes", f"{stats['isolated_nodes']:,}"),
            ("components", f"{stats['components']:,} (largest: {stats['largest_component']:,} nodes, "
                           f"{stats['largest_component_share']:.0%})")]
    if "weight_min" in stats:
        rows.append(("weights (min / max)", f"{stats['weight_min']:g} / {stats['weight_max']:g}"))
    return pd.DataFrame(rows, columns=["quantity", "value"])


def degree_distribution_figure(dist: pd.DataFrame, directed: bool = False) -> go.Figure:
    """Degree distribution on log-log axes: how many nodes have each degree.

    Parameters
    ----------
    dist : pandas.DataFrame
        Columns ``degree``, ``nodes`` (from :meth:`Graph.degree_distribution`).
    directed : bool
        Axis title says in + out degree.

    Notes
    -----
    Nodes of degree 0 cannot sit on a log axis; their count goes in the title.
    """
    zero = int(dist.loc[dist["degree"] == 0, "nodes"].sum())
    d = dist[dist["degree"] > 0]
    fig = go.Figure(go.Scatter(x=d["degree"], y=d["nodes"], mode="markers", marker=dict(size=7, color="#4c78a8"),
                               hovertemplate="degree %{x}: %{y} nodes<extra></extra>"))
    title = "Degree distribution (log-log)" + (f"; {zero:,} isolated node(s) not shown" if zero else "")
    fig.update_layout(title=title, xaxis_title="degree" + (" (in + out)" if directed else ""), xaxis_type="log",
                      yaxis_title="nodes", yaxis_type="log", height=340, margin=dict(l=40, r=10, t=40, b=40))
    return fig


def component_sizes_figure(sizes: np.ndarray, top: int = 30) -> go.Figure:
    """Bar chart of the largest components' sizes (nodes), largest first."""
    sizes = np.sort(np.asarray(sizes))[::-1]
    shown = sizes[:top]
    fig = go.Figure(go.Bar(x=[f"#{i + 1}" for i in range(len(shown))], y=shown, marker_color="#4c78a8"))
    more = f" (largest {top} of {len(sizes):,})" if len(sizes) > top else ""
    fig.update_layout(title=f"Connected components{more}", xaxis_title="component (largest first)",
                      yaxis_title="nodes", xaxis_type="category", height=300, margin=dict(l=40, r=10, t=40, b=40))
    return fig


def _colour_traces(fig, x, y, text, colour, colour_title, size, order=None, **kw):
    if colour is None:
        fig.add_trace(go.Scatter(x=x, y=y, mode="markers", text=text, marker=dict(size=size, color="#4c78a8"),
                                 hovertemplate="%{text}<extra></extra>", showlegend=False, **kw))
        return
    values = pd.Series(colour)
    if pd.api.types.is_numeric_dtype(values) and values.nunique() > 12:
        fig.add_trace(go.Scatter(x=x, y=y, mode="markers", text=text, showlegend=False,
                                 marker=dict(size=size, color=values.to_numpy(dtype=float), colorscale="Viridis",
                                             showscale=True, colorbar=dict(title=colour_title)),
                                 hovertemplate="%{text}<extra></extra>", **kw))
        return
    cats = values.astype(object).where(values.notna(), "—").astype(str)
    shown = [c for c in order if c in set(cats)] if order is not None else list(cats.value_counts().index)
    for j, cat in enumerate(shown):
        sel = np.flatnonzero(cats.to_numpy() == cat)
        fig.add_trace(go.Scatter(x=x[sel], y=y[sel], mode="markers", text=text[sel], name=cat,
                                 marker=dict(size=size, color=_PALETTE[j % len(_PALETTE)]),
                                 hovertemplate="%{text}<extra></extra>", **kw))


def graph_picture(graph, colour: Optional[np.ndarray] = None, colour_title: str = "", seed: int = 0,
                  max_nodes: int = MAX_PICTURE_NODES, labels: bool = True, layout: str = "spring",
                  order: Optional[list] = None) -> go.Figure:
    """A force-directed picture of a small graph (networkx ``spring_layout``, seeded, or ``kamada_kawai_layout``).

    Parameters
    ----------
    graph : Graph
    colour : array-like of shape (n_nodes,), optional
        Categories (a legend) or numbers (a colour bar), e.g. an attribute,
        degrees or Louvain communities.
    colour_title : str
    seed : int
        Seed of the layout.
    max_nodes : int
    labels : bool
        Write node labels next to the points (graphs of at most 80 nodes).
    layout : {"spring", "kamada-kawai"}
        Fruchterman & Reingold (1991) forces, or Kamada & Kawai (1989) graph
        distances (deterministic; spreads a small dense graph more evenly).
    order : list of str, optional
        Order of the categories in the legend and the palette (default: most frequent first).

    Raises
    ------
    InputError
        The graph has more than ``max_nodes`` nodes (the picture would be a hairball).
    """
    import networkx as nx

    if graph.n_nodes > max_nodes:
        raise InputError(f"The picture is drawn for graphs of at most {max_nodes:,} nodes; this one has "
                         f"{graph.n_nodes:,}. Look at the statistics instead, or train a model and draw its edges "
                         "over a projection.")
    G = graph.to_networkx(directed=False)
    if layout == "kamada-kawai":
        pos = nx.kamada_kawai_layout(G, weight=None)
    elif layout == "spring":
        pos = nx.spring_layout(G, seed=seed, weight=None)
    else:
        raise InputError(f"Unknown layout {layout!r}; choose 'spring' or 'kamada-kawai'.")
    xy = np.array([pos[i] for i in range(graph.n_nodes)])
    fig = go.Figure()
    ex, ey = _segments(xy, graph.src, graph.dst)
    fig.add_trace(go.Scatter(x=ex, y=ey, mode="lines", line=dict(width=0.8, color="rgba(120,120,120,0.5)"),
                             hoverinfo="skip", showlegend=False, name="edges"))
    text = graph.labels().astype(str)
    size = 12 if graph.n_nodes <= 100 else 7
    _colour_traces(fig, xy[:, 0], xy[:, 1], text, colour, colour_title, size, order)
    if labels and graph.n_nodes <= 80:
        fig.add_trace(go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="text", text=text, textposition="top center",
                                 textfont=dict(size=9), hoverinfo="skip", showlegend=False))
    kind = "directed" if graph.directed else "undirected"
    fig.update_layout(title=f"{graph.name}: {graph.n_nodes:,} nodes, {graph.n_edges:,} edges ({kind}; "
                            f"{layout} layout)", height=560, margin=dict(l=10, r=10, t=40, b=10),
                      xaxis=dict(visible=False), yaxis=dict(visible=False, scaleanchor="x"),
                      legend=dict(title=colour_title, itemsizing="constant"))
    return fig


def _segments(xy: np.ndarray, src: np.ndarray, dst: np.ndarray) -> tuple:
    """x and y arrays of line segments separated by NaN (one plotly trace for all edges)."""
    n = len(src)
    x = np.full(3 * n, np.nan, dtype=np.float32)
    y = np.full(3 * n, np.nan, dtype=np.float32)
    x[0::3], x[1::3] = xy[src, 0], xy[dst, 0]
    y[0::3], y[1::3] = xy[src, 1], xy[dst, 1]
    return x, y


def edges_on_projection(frame: pd.DataFrame, graph, max_edges: int = MAX_EDGES_DRAWN, seed: int = 0) -> tuple:
    """The graph's edges between the points of a 2-D projection, capped (see :func:`edge_pairs_on_projection`).

    Parameters
    ----------
    frame : pandas.DataFrame
        A projection's frame (:attr:`embedlab.probes.projection.Projection.frame`:
        ``word`` = node id, ``x``, ``y``).
    graph : Graph
    max_edges : int
    seed : int
    """
    pairs = np.stack([graph.src, graph.dst], axis=1)
    return edge_pairs_on_projection(frame, graph.nodes, pairs, max_edges, seed)


def edge_pairs_on_projection(frame: pd.DataFrame, keys, pairs: np.ndarray, max_edges: int = MAX_EDGES_DRAWN,
                             seed: int = 0) -> tuple:
    """Edges given as pairs of positions in ``keys``, between the points of a 2-D projection, capped.

    Parameters
    ----------
    frame : pandas.DataFrame
        A projection's frame (``word`` = node id, ``x``, ``y``).
    keys : array-like of shape (n_nodes,), str
        Node ids; ``pairs`` index into it (a node space's keys for the edges
        saved with a model, a graph's nodes for its own edges).
    pairs : ndarray of shape (n_edges, 2), int
    max_edges : int
        Above this many edges among the shown points, a seeded random sample
        of ``max_edges`` is drawn.
    seed : int

    Returns
    -------
    (x, y, note)
        NaN-separated segment coordinates (ndarrays of shape (3 * n_drawn,),
        float32) and a sentence for above the chart: how many edges are drawn
        of how many join the shown points.
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    pos = pd.Index(frame["word"].astype(str)).get_indexer(pd.Index(np.asarray(keys).astype(str)))
    src, dst = pairs[:, 0], pairs[:, 1]
    shown = (pos[src] >= 0) & (pos[dst] >= 0)
    edges = np.flatnonzero(shown)
    total = len(edges)
    if total > max_edges:
        edges = np.sort(np.random.default_rng(seed).choice(edges, size=max_edges, replace=False))
        note = (f"Drawing {max_edges:,} of the {total:,} edges between the {len(frame):,} points shown (a random "
                "sample; more would hide the points).")
    else:
        note = f"Drawing all {total:,} edges between the {len(frame):,} points shown."
    if len(pairs) > total:
        note += f" {len(pairs) - total:,} edges lead to nodes not in the projection."
    xy = frame[["x", "y"]].to_numpy(dtype=np.float32)
    x, y = _segments(xy, pos[src[edges]], pos[dst[edges]])
    return x, y, note


def add_edges(fig: go.Figure, frame: pd.DataFrame, graph, max_edges: int = MAX_EDGES_DRAWN, seed: int = 0) -> str:
    """Draw the graph's edges under the points of a 2-D projection figure (in place).

    Returns
    -------
    str
        The note of :func:`edges_on_projection`.
    """
    return add_edge_pairs(fig, frame, graph.nodes, np.stack([graph.src, graph.dst], axis=1), max_edges, seed)


def add_edge_pairs(fig: go.Figure, frame: pd.DataFrame, keys, pairs: np.ndarray, max_edges: int = MAX_EDGES_DRAWN,
                   seed: int = 0) -> str:
    """Draw edges (pairs of positions in ``keys``) under the points of a 2-D projection figure (in place).

    The edge trace goes first, so it is drawn below the points; it has no
    ``customdata``, so :func:`embedlab.views.selection.selected_rows` is not
    affected (compute :func:`embedlab.views.scatter.trace_rows` after adding).

    Returns
    -------
    str
        The note of :func:`edge_pairs_on_projection`.
    """
    x, y, note = edge_pairs_on_projection(frame, keys, pairs, max_edges, seed)
    edge = go.Scattergl(x=x, y=y, mode="lines", line=dict(width=0.6, color="rgba(110,110,110,0.35)"),
                        hoverinfo="skip", showlegend=False, name="edges")
    fig.add_trace(edge)
    fig.data = (fig.data[-1],) + tuple(fig.data[:-1])  # plotly only lets data be reordered, not prepended to
    return note


def classification_figure(table: pd.DataFrame) -> go.Figure:
    """Micro- and macro-F1 of each model and baseline, with their spread over the splits as error bars.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`embedlab.probes.graph_eval.classification_report`.
    """
    fig = go.Figure()
    for metric, colour in (("micro-F1", "#4c78a8"), ("macro-F1", "#f58518")):
        fig.add_trace(go.Bar(x=table["model"], y=table[metric], name=metric, marker_color=colour,
                             error_y=dict(type="data", array=table[f"{metric} sd"], visible=True)))
    share = table.attrs.get("labelled_share")
    title = "Node classification" + (f" ({share:.0%} of nodes labelled)" if share else "")
    fig.update_layout(barmode="group", title=title, yaxis_title="F1", yaxis_range=[0, 1], height=360,
                      margin=dict(l=40, r=10, t=40, b=40))
    return fig


def link_prediction_figure(table: pd.DataFrame) -> go.Figure:
    """ROC AUC of each method (0.5 = chance), from :func:`embedlab.probes.graph_eval.link_prediction`."""
    fig = go.Figure(go.Bar(x=table["method"], y=table["ROC AUC"], marker_color="#4c78a8",
                           text=[f"{v:.3f}" for v in table["ROC AUC"]], textposition="auto"))
    fig.add_hline(y=0.5, line_dash="dot", annotation_text="chance")
    held = table.attrs.get("held_out")
    fig.update_layout(title="Link prediction" + (f" ({held:,} held-out edges)" if held else ""),
                      yaxis_title="ROC AUC", yaxis_range=[0, 1], height=340, margin=dict(l=40, r=10, t=40, b=40))
    return fig


def pq_pictures(graph, result: dict, seed: int = 0) -> list:
    """The "p and q" lesson: one picture per q, the same layout (Kamada-Kawai), nodes coloured by k-means cluster.

    Node names show on hover (written out, 77 names hide the picture). Cluster
    numbers are matched across the pictures by :func:`embedlab.probes.graph_eval.run_pq_job`,
    so one colour is one cluster number in both.

    Parameters
    ----------
    graph : Graph
        The graph of :func:`embedlab.probes.graph_eval.run_pq_job`'s result.
    result : dict
        That job's result (``clusters`` {str(q): cluster per node, -1 = no vector}, ``summary``).
    seed : int
        Seed of the layout (one layout for every picture, so the colours are what differs).

    Returns
    -------
    list of plotly.graph_objects.Figure
    """
    figures = []
    rows = {f"{r['q']:g}": r for r in result.get("summary", [])}
    k = max((max(c) for c in result["clusters"].values()), default=0) + 1
    order = [f"cluster {c + 1}" for c in range(k)] + ["no vector"]
    for q, clusters in result["clusters"].items():
        labels = np.array([f"cluster {c + 1}" if c >= 0 else "no vector" for c in clusters], dtype=object)
        fig = graph_picture(graph, colour=labels, colour_title="k-means cluster", seed=seed, labels=False,
                            layout="kamada-kawai", order=order)
        row = rows.get(q, {})
        ari = row.get("agreement with communities (ARI)")
        fig.update_layout(title=f"q = {q}" + (f" · agreement with Louvain communities (ARI) {ari:.2f}"
                                               if ari is not None else ""), height=520,
                          legend=dict(orientation="h", yanchor="top", y=-0.02, title=None),
                          margin=dict(l=5, r=5, t=40, b=5))
        figures.append(fig)
    return figures


#: What the node2vec paper's Figure 3 claims, and what it takes here: the lesson's fixed explanation.
PQ_LESSON = (
    "node2vec's walks step back with weight 1/p and away from where they came from with weight 1/q. In the node2vec "
    "paper's Figure 3 (Les Misérables, k-means on the vectors), q = 0.5 lets walks roam, so nodes of one community "
    "share contexts and the clusters are **communities** (homophily); q = 2 keeps walks near their start, and the "
    "paper's clusters become **structural roles**: hubs, the bridges between groups, the periphery (structural "
    "equivalence).")


def pq_explanation(result: dict) -> str:
    """One paragraph on what this run of the lesson shows, with its numbers (no claim the numbers do not make).

    Parameters
    ----------
    result : dict
        :func:`embedlab.probes.graph_eval.run_pq_job`'s result.
    """
    rows = sorted(result.get("summary", []), key=lambda r: r["q"])
    if not rows:
        return ""
    ari = {r["q"]: r["agreement with communities (ARI)"] for r in rows}
    spread = {r["q"]: r["log-degree spread within clusters"] for r in rows}
    low, high = rows[0]["q"], rows[-1]["q"]
    cfg = result.get("config", {})
    how = f"walks of {cfg['walk_length']} nodes, a window of {cfg['window']}" if cfg else "these settings"
    text = (f"Here ({how}) the k-means clusters agree with the graph's Louvain communities with an adjusted Rand "
            "index of " + ", ".join(f"{ari[q]:.2f} for q = {q:g}" for q in ari) + " (1 = the same partition); the "
            "spread of log-degree inside a cluster (lower = nodes of similar degree, a sign of roles) is "
            + ", ".join(f"{spread[q]:.2f} for q = {q:g}" for q in spread) + ". ")
    if ari[low] - ari[high] >= 0.15 and spread[high] < spread[low]:
        text += (f"q = {high:g} moves the clusters away from the communities and towards nodes of similar degree: a "
                 "step towards the paper's role picture. ")
    else:
        text += (f"Both values of q give community-like clusters on this graph (agreements within "
                 f"{abs(ari[low] - ari[high]):.2f} of each other), not the paper's role picture. ")
    if cfg.get("window", 10) > 2:
        text += ("A window of 10 along long walks mixes far-away nodes into every context whatever q is; the "
                 "role-like picture needs local context too: run the lesson again with the local settings (a window "
                 "of 1, short walks).")
    else:
        text += ("Random walks capture structural roles only weakly: nodes in the same role but far apart never "
                 "share a walk, which is why struc2vec (Ribeiro, Saverese & Figueiredo 2017) walks on a graph of "
                 "structural similarity instead.")
    return text
