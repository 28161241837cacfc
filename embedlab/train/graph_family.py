"""What the graph model families share: configs with explained fields, node spaces, the job body.

A graph family (DeepWalk, node2vec, spectral) trains on a
:class:`~embedlab.sources.graphs.Graph` and returns a :class:`~embedlab.space.Space`
whose keys are node ids, with ``info["item_kind"] = "node"`` and metadata
columns ``label`` (display name), ``degree``, ``community`` (Louvain, for
colouring), the node attributes, and ``count``.

Config fields carry their explanation and bounds in
``dataclasses.field(metadata={"help": ..., "min": ..., "max": ..., "choices": ...})``
so that a page can build its widgets from the dataclass alone, and
:func:`check_config` validates any config the same way.
"""

from __future__ import annotations

import time
from dataclasses import MISSING, asdict, field, fields
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


def hp(default, help: str, min=None, max=None, choices=None):
    """A config field with its one-line explanation (and bounds or choices) in its metadata."""
    meta = {"help": help}
    if min is not None:
        meta["min"] = min
    if max is not None:
        meta["max"] = max
    if choices is not None:
        meta["choices"] = tuple(choices)
    return field(default=default, metadata=meta)


def check_config(cfg) -> None:
    """Validate every field of a config dataclass against its metadata.

    Booleans must be booleans; fields with an ``int`` default must be whole
    numbers; ``min``/``max`` bound numbers; ``choices`` lists allowed values.

    Raises
    ------
    InputError
        The first field that breaks its rule, naming it, its range and the value.
    """
    for f in fields(cfg):
        value, meta = getattr(cfg, f.name), f.metadata
        default = f.default if f.default is not MISSING else None
        if "choices" in meta:
            if value not in meta["choices"]:
                raise InputError(f"{f.name} must be one of {', '.join(map(str, meta['choices']))}; got {value!r}.")
            continue
        if isinstance(default, bool):
            if not isinstance(value, (bool, np.bool_)):
                raise InputError(f"{f.name} must be true or false; got {value!r}.")
            continue
        if isinstance(default, int):
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
                raise InputError(f"{f.name} must be a whole number; got {value!r}.")
        elif isinstance(default, float):
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)) \
                    or not np.isfinite(value):
                raise InputError(f"{f.name} must be a number; got {value!r}.")
        lo, hi = meta.get("min"), meta.get("max")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise InputError(f"{f.name} must be from {lo} to {hi}; got {value!r}. ({meta['help']})")


class ConfigMixin:
    """``to_dict``/``from_dict``/``explain`` for config dataclasses built with :func:`hp`."""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Optional[dict]):
        """Build from a dict, ignoring unknown keys (configs saved by older versions load)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (values or {}).items() if k in names})

    @classmethod
    def explain(cls) -> dict:
        """``{field name: one-line explanation}``, in field order."""
        return {f.name: f.metadata.get("help", "") for f in fields(cls)}


#: Metadata columns a node space fills itself; node attributes with these names get " (attribute)" appended.
RESERVED_COLUMNS = ("label", "degree", "community", "count", "word")


def left_out_info(graph, keep: np.ndarray) -> dict:
    """What a node space says about the graph's nodes it has no vector for.

    On an undirected graph these are exactly the isolated nodes. On a directed
    graph a node reached only by edges into it may also be missed by every walk.
    """
    missing = np.flatnonzero(~keep)
    isolated = graph.isolated()[missing].all() if len(missing) else True
    reason = ("no edges, so no walks and no vector" if isolated else
              "no walk reached it (no edges, or only edges into it that no walk followed), so no vector")
    return {"count": int(len(missing)), "ids": graph.nodes[missing[:MAX_LISTED_LEFT_OUT]].tolist(), "reason": reason}


def node_space(graph, idx: np.ndarray, vectors: np.ndarray, info: dict, counts: Optional[np.ndarray] = None,
               communities: Optional[np.ndarray] = None) -> Space:
    """A node space: keys are node ids, metadata from the graph.

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
        Metadata: ``label``, ``degree`` (in + out for a directed graph),
        ``community`` (``"c1"``, ``"c2"``, ... by size) when given, the node
        attributes (one named like a column above gets `` (attribute)``
        appended), and ``count``.
    """
    idx = np.asarray(idx, dtype=np.int64)
    deg = graph.degrees()
    meta = pd.DataFrame({"label": graph.labels()[idx], "degree": deg[idx]})
    if communities is not None:
        meta["community"] = np.array([f"c{c + 1}" for c in communities[idx]], dtype=object)
    for col in graph.attribute_columns():
        name = f"{col} (attribute)" if str(col) in RESERVED_COLUMNS else str(col)
        meta[name] = graph.node_meta[col].to_numpy()[idx]
    meta["count"] = (deg[idx] if counts is None else np.asarray(counts)).astype(np.int64)
    meta.index = pd.Index(graph.nodes[idx], name="node")
    return Space.from_vectors(graph.nodes[idx], vectors, meta=meta, info={**info, "item_kind": "node"})


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
