"""What the graph model families share: node spaces, the edges saved with them, checks, the job body.

A graph family (DeepWalk, node2vec, spectral; each declares ``FAMILY`` with
``data="graph"``, ``item="node"``) trains on a
:class:`~embedlab.sources.graphs.Graph` and returns a :class:`~embedlab.space.Space`
whose keys are node ids, with ``info["item_kind"] = "node"`` and metadata
columns ``label`` (display name), the node attributes, ``community`` (Louvain,
for colouring), ``degree`` and ``count``. The graph's edges between the
space's nodes are saved with the model (the attachment :data:`EDGES`), so
Explore can draw them even when the stored graph was deleted or the model was
published. Configs are declared with :mod:`embedlab.train.params`.
"""

from __future__ import annotations

import os
import time
from typing import Optional

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.progress import Progress, scaled
from embedlab.space import Space

#: Louvain runs at training time (for the ``community`` column) up to this many edges.
LOUVAIN_MAX_EDGES = 300_000
#: How many left-out (isolated) node ids a space lists in its info.
MAX_LISTED_LEFT_OUT = 10_000
#: Attachment of a node model: its graph's edges as rows of the space, ndarray of shape (n_edges, 2), int32.
EDGES = "graph/edges.npy"
#: Default of :func:`max_walk_tokens`: about 1.6 GB of walk text on disk and gensim reading it for each epoch.
DEFAULT_MAX_WALK_TOKENS = 200_000_000

#: Metadata columns a node space fills itself; node attributes with these names get " (attribute)" appended.
RESERVED_COLUMNS = ("label", "degree", "community", "count", "word")


def max_walk_tokens() -> int:
    """Most nodes all the walks of one training may hold (``EMBEDLAB_MAX_WALK_TOKENS``, default 200,000,000)."""
    return int(os.environ.get("EMBEDLAB_MAX_WALK_TOKENS", DEFAULT_MAX_WALK_TOKENS))


def check_walk_budget(n_nodes: int, walks_per_node: int, walk_length: int) -> None:
    """Refuse walks that would hold more nodes than :func:`max_walk_tokens` (checked before any walk is made).

    Raises
    ------
    InputError
        ``n_nodes × walks_per_node × walk_length`` is over the limit; the message gives the numbers.
    """
    total = int(n_nodes) * int(walks_per_node) * int(walk_length)
    if total > max_walk_tokens():
        raise InputError(f"{n_nodes:,} nodes × {walks_per_node} walks per node × {walk_length} nodes per walk is "
                         f"{total:,} nodes of walks; the limit is {max_walk_tokens():,} "
                         "(EMBEDLAB_MAX_WALK_TOKENS). Lower walks_per_node or walk_length.")


#: Why a node without edges has no vector in a walk-based model.
NO_EDGES_NO_WALKS = "it has no edges, so no walk passes through it"


def left_out_info(graph, keep: np.ndarray, no_edges: str = NO_EDGES_NO_WALKS) -> dict:
    """What a node space says about the graph's nodes it has no vector for.

    On an undirected graph these are exactly the isolated nodes. On a directed
    graph a node reached only by edges into it may also be missed by every walk.

    Parameters
    ----------
    graph : Graph
    keep : ndarray of shape (n_nodes,), bool
        Nodes that have a vector.
    no_edges : str
        The reason given when every left-out node is isolated (a clause: "it has no edges, ...").

    Returns
    -------
    dict
        ``count``, ``ids`` and ``labels`` (at most :data:`MAX_LISTED_LEFT_OUT`
        each) and ``reason``, which :meth:`embedlab.space.Space.resolve` uses to
        say why such a node has no vector.
    """
    missing = np.flatnonzero(~keep)
    isolated = graph.isolated()[missing].all() if len(missing) else True
    reason = (no_edges if isolated else
              "no walk reached it (it has no edges, or only edges into it that no walk followed)")
    listed = missing[:MAX_LISTED_LEFT_OUT]
    return {"count": int(len(missing)), "ids": graph.nodes[listed].tolist(),
            "labels": [str(x) for x in graph.labels()[listed]], "reason": reason}


def edge_rows(graph, idx: np.ndarray) -> np.ndarray:
    """The graph's edges as pairs of rows of a node space whose row ``r`` is node ``idx[r]``.

    Edges with an end that has no row (a node no walk reached) are left out.

    Returns
    -------
    ndarray of shape (n_edges_kept, 2), int32
    """
    row = np.full(graph.n_nodes, -1, dtype=np.int64)
    row[np.asarray(idx, dtype=np.int64)] = np.arange(len(idx))
    a, b = row[graph.src], row[graph.dst]
    keep = (a >= 0) & (b >= 0)
    return np.ascontiguousarray(np.stack([a[keep], b[keep]], axis=1), dtype=np.int32)


def node_space(graph, idx: np.ndarray, vectors: np.ndarray, info: dict, counts: Optional[np.ndarray] = None,
               communities: Optional[np.ndarray] = None) -> Space:
    """A node space: keys are node ids, metadata from the graph, the graph's edges attached.

    Parameters
    ----------
    graph : Graph
    idx : ndarray of shape (n_keys,), int
        Dense node index of each row of ``vectors``.
    vectors : ndarray of shape (n_keys, dim)
    info : dict
        Becomes ``space.info`` (``item_kind`` is set to ``"node"``).
    counts : ndarray of shape (n_keys,), optional
        Occurrences of each node in the training data (walks); default the degree.
    communities : ndarray of shape (n_nodes,), optional
        Louvain community of every node of the graph (numbered from 0, largest first).

    Returns
    -------
    Space
        Metadata: ``label``, the node attributes (one named like a column
        below gets `` (attribute)`` appended), ``community`` (``"c1"``,
        ``"c2"``, ... by size) when given, ``degree`` (in + out for a directed
        graph; coloured as a continuous scale, ``info["continuous_columns"]``)
        and ``count``. ``space.attachments[EDGES]``: the edges between its
        nodes (see :func:`edge_rows`), saved with the model.
    """
    idx = np.asarray(idx, dtype=np.int64)
    deg = graph.degrees()
    meta = pd.DataFrame({"label": graph.labels()[idx]})
    # the attributes first: Explore's "metadata column" offers the first column first, and a class such
    # as the karate club's side says more than a degree
    for col in graph.attribute_columns():
        name = f"{col} (attribute)" if str(col) in RESERVED_COLUMNS else str(col)
        meta[name] = graph.node_meta[col].to_numpy()[idx]
    if communities is not None:
        meta["community"] = np.array([f"c{c + 1}" for c in communities[idx]], dtype=object)
    meta["degree"] = deg[idx]
    meta["count"] = (deg[idx] if counts is None else np.asarray(counts)).astype(np.int64)
    meta.index = pd.Index(graph.nodes[idx], name="node")
    info = {**info, "item_kind": "node", "continuous_columns": ["degree"]}
    space = Space.from_vectors(graph.nodes[idx], vectors, meta=meta, info=info)
    space.attachments = {EDGES: edge_rows(graph, idx)}
    return space


def model_edges(workspace, model_id: str, space: Space) -> Optional[np.ndarray]:
    """The edges saved with a node model (:data:`EDGES`), or read from its stored graph for older models.

    Returns
    -------
    ndarray of shape (n_edges, 2), int32, or None
        Pairs of rows of ``space``; None when neither is available (the graph was deleted).
    """
    try:
        return np.load(workspace.attachment(model_id, EDGES), allow_pickle=False)
    except InputError:
        pass
    graph_id = space.info.get("graph_id")
    if not graph_id:
        return None
    from embedlab.sources.graphs import load_graph

    try:
        graph = load_graph(workspace, graph_id)
    except InputError:
        return None
    known = pd.Index(graph.nodes).get_indexer(pd.Index(space.words))
    if (known < 0).any():
        return None  # not the graph this model was trained on
    return edge_rows(graph, known)


def graph_info(graph, kind: str, params: dict, name: Optional[str], graph_id: Optional[str], method: str) -> dict:
    """The ``info`` every node space carries: what it is, on which graph, made how."""
    return {"kind": kind, "name": name or f"{kind} on {graph.name}", "params": params, "item_kind": "node",
            "corpus_name": graph.name, "graph_name": graph.name, "graph_id": graph_id,
            "graph_directed": graph.directed, "graph_weighted": graph.weighted, "graph_nodes": graph.n_nodes,
            "graph_edges": graph.n_edges, "graph_citation": graph.citation, "model": method}


def communities_for(graph, seed: int, progress: Optional[Progress] = None) -> tuple:
    """Louvain communities for the ``community`` column, or (None, note) on graphs above :data:`LOUVAIN_MAX_EDGES`."""
    if graph.n_edges > LOUVAIN_MAX_EDGES:
        return None, (f"Communities (Louvain) were not computed: the graph has {graph.n_edges:,} edges, more than "
                      f"{LOUVAIN_MAX_EDGES:,}.")
    from embedlab.probes.graph_eval import louvain_communities

    if progress:
        progress(0.0, "Finding communities (Louvain)")
    return louvain_communities(graph, seed=seed), None


def run_graph_job(workspace, args: dict, progress: Progress, config_cls, train) -> dict:
    """Background-job body shared by the graph families: train on a stored graph and save the model.

    ``args``: ``graph_id`` (a graph stored with
    :func:`~embedlab.sources.graphs.save_graph`) or ``sample`` (a shipped
    graph key; it is stored first, so the model can point at it), ``config``
    (a ``config_cls`` dict), optional ``name``.

    Returns
    -------
    dict
        ``{"model_id": ..., "graph_id": ...}``.
    """
    from embedlab.sources.graphs import load_graph, sample_graph, save_graph

    if args.get("sample"):
        progress(0.0, f"Preparing the shipped graph '{args['sample']}'")
        graph = sample_graph(args["sample"])
        graph_id = save_graph(workspace, graph)
    else:
        graph_id = args["graph_id"]
        graph = load_graph(workspace, graph_id)
    cfg = config_cls.from_dict(args.get("config", {}))
    t0 = time.perf_counter()
    space = train(graph, cfg, scaled(progress, 0.02, 0.97), name=args.get("name"), graph_id=graph_id)
    progress(0.98, f"Saving ({time.perf_counter() - t0:.1f} s of training)")
    return {"model_id": workspace.save_space(space), "graph_id": graph_id}


def graph_facts(workspace, args: dict) -> dict:
    """The stored facts (``nodes``, ``edges``, ``isolated_nodes``, ...) of the graph a job names; {} for a sample.

    Raises
    ------
    InputError
        No such stored graph, or an unknown sample key.
    """
    if args.get("sample"):
        from embedlab.sources.graphs import SAMPLE_GRAPHS

        if args["sample"] not in SAMPLE_GRAPHS:
            raise InputError(f"There is no shipped graph '{args['sample']}'. Choose one of: "
                             f"{', '.join(SAMPLE_GRAPHS)}.")
        return {}
    return workspace.dataset_facts("graph", str(args.get("graph_id")))


def check_walk_job(workspace, args: dict) -> None:
    """Pre-queue check of a DeepWalk / node2vec job: the graph exists and the walks fit :func:`max_walk_tokens`."""
    facts = graph_facts(workspace, args)
    cfg = args["config"]  # completed with the defaults by jobs.submit
    if facts.get("nodes"):
        check_walk_budget(int(facts["nodes"]), int(cfg["walks_per_node"]), int(cfg["walk_length"]))
