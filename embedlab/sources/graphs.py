"""Graphs: read an edge list (and node attributes), check it, store it, describe it.

A graph is a set of nodes (string ids) and edges between them, undirected or
directed, optionally weighted. This module reads edge lists from uploaded bytes
(CSV, TSV, pipe-, semicolon- or whitespace-separated, with or without a header,
``#``/``%`` comment lines as in SNAP and KONECT files), an optional node
attribute file (id → any columns), ships a few real graphs, and stores graphs
in a workspace the way rating tables are stored (Parquet + JSON, written
atomically).

Rules stated to the user (each one leaves a note in :attr:`Graph.notes`):

* ids are strings: "7", "007" and "seven" are three nodes;
* a self-loop (a node linked to itself) is dropped: a walk that stays put adds
  nothing to a node's context, and the Laplacian ignores it;
* duplicate edges are merged into one (for an undirected graph ``a b`` and
  ``b a`` are the same edge); with a weight column their weights are added up;
* an edge of weight 0 is no edge and is dropped; a negative, missing or
  non-numeric weight is an error that names the line;
* nodes left with no edge (isolated) and disconnected components are reported,
  not refused; walk-based models leave isolated nodes out (they have no walks);
* more nodes or edges than :func:`max_nodes` / :func:`max_edges` is refused
  with the numbers, before any model allocates for them.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import pandas as pd
import scipy.sparse as sp

from embedlab.errors import InputError
from embedlab.sources.ratings import RawTable, _has_header, sniff_separator
from embedlab.sources.uploads import decode, unpack

DEFAULT_MAX_NODES = 200_000
DEFAULT_MAX_EDGES = 2_000_000

_SOURCE_NAMES = ("source", "src", "from", "node1", "node_1", "u", "head", "start", "id1", "id_1", "a", "sender")
_TARGET_NAMES = ("target", "dst", "dest", "destination", "to", "node2", "node_2", "v", "tail", "end", "id2", "id_2",
                 "b", "receiver")
_WEIGHT_NAMES = ("weight", "weights", "w", "value", "count", "strength", "width")
_ID_NAMES = ("id", "node", "nodeid", "node_id", "vertex", "key")
#: Lower-case header cells that mark an edge list's first line as a header.
EDGE_HEADER_NAMES = _SOURCE_NAMES + _TARGET_NAMES + _WEIGHT_NAMES
_DISPLAY_NAMES = ("name", "title", "label")


def max_nodes() -> int:
    """Largest number of nodes accepted (``EMBEDLAB_MAX_GRAPH_NODES``, default 200,000)."""
    return int(os.environ.get("EMBEDLAB_MAX_GRAPH_NODES", DEFAULT_MAX_NODES))


def max_edges() -> int:
    """Largest number of distinct edges accepted (``EMBEDLAB_MAX_GRAPH_EDGES``, default 2,000,000)."""
    return int(os.environ.get("EMBEDLAB_MAX_GRAPH_EDGES", DEFAULT_MAX_EDGES))


def _text_column(values) -> pd.Series:
    """Ids as a pandas text column (a Series of pandas' string dtype is kept as it is)."""
    if isinstance(values, pd.Series) and pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        return values.reset_index(drop=True)
    return pd.Series(text_ids(values), dtype="str")


def text_ids(values) -> np.ndarray:
    """Ids as an object array of Python ``str`` (not numpy's fixed-width strings: one long id would make every
    id as wide; strings already read as text are kept, not copied).

    Parameters
    ----------
    values : array-like of shape (n,)

    Returns
    -------
    ndarray of shape (n,), object
    """
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    if len(arr) and pd.api.types.infer_dtype(arr, skipna=False) != "string":
        arr = np.array([str(x) for x in arr], dtype=object)
    return arr


@dataclass
class Graph:
    """A checked graph with dense node indices.

    Attributes
    ----------
    nodes : ndarray of shape (n_nodes,), object
        Node ids (Python ``str``); ``nodes[k]`` is the id of dense index ``k``.
    src, dst : ndarray of shape (n_edges,), int32
        Dense indices of each edge's ends. Undirected edges are stored once,
        with ``src < dst``; directed edges go from ``src`` to ``dst``.
    weight : ndarray of shape (n_edges,), float64
        Positive edge weights (all 1.0 when the graph is unweighted).
    directed : bool
    weighted : bool
        True when the edge list had a weight column.
    name : str
    notes : list of str
        What was dropped, merged or guessed on the way.
    node_meta : pandas.DataFrame
        One row per node in ``nodes`` order, indexed by node id: ``label``
        (display name) and any node attributes.
    source : str
        ``"upload"`` or ``"sample:<key>"``.
    citation, licence : str or None
        For shipped graphs.
    label_column : str or None
        The node attribute that classes the nodes (the karate club's ``club``),
        offered first for node classification.
    """

    nodes: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    directed: bool = False
    weighted: bool = False
    name: str = "graph"
    notes: list = field(default_factory=list)
    node_meta: Optional[pd.DataFrame] = None
    source: str = "upload"
    citation: Optional[str] = None
    licence: Optional[str] = None
    label_column: Optional[str] = None

    def __post_init__(self):
        self.nodes = text_ids(self.nodes)
        self.src = np.asarray(self.src, dtype=np.int32)
        self.dst = np.asarray(self.dst, dtype=np.int32)
        self.weight = np.asarray(self.weight, dtype=np.float64)
        if self.node_meta is None:
            self.node_meta = pd.DataFrame({"label": self.nodes.astype(object)}, index=pd.Index(self.nodes, name="node"))
        elif "label" not in self.node_meta.columns:
            self.node_meta = self.node_meta.copy()
            self.node_meta.insert(0, "label", self.nodes.astype(object))
        self._csr = {}

    # -- size ------------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        return len(self.src)

    def __repr__(self) -> str:
        kind = "directed" if self.directed else "undirected"
        return f"Graph({self.name!r}, {kind}, n_nodes={self.n_nodes}, n_edges={self.n_edges})"

    @property
    def density(self) -> float:
        """Share of the possible edges present: m / (n(n-1)/2) undirected, m / (n(n-1)) directed."""
        n = self.n_nodes
        if n < 2:
            return 0.0
        possible = n * (n - 1) if self.directed else n * (n - 1) / 2
        return self.n_edges / float(possible)

    # -- structure -------------------------------------------------------------------
    def degrees(self) -> np.ndarray:
        """ndarray of shape (n_nodes,), int64: edges at each node (in + out for a directed graph)."""
        return (np.bincount(self.src, minlength=self.n_nodes) + np.bincount(self.dst, minlength=self.n_nodes)
                ).astype(np.int64)

    def out_degrees(self) -> np.ndarray:
        """ndarray of shape (n_nodes,), int64: edges a walk can leave each node by."""
        indptr = self.csr(False)[0]
        return np.diff(indptr).astype(np.int64)

    def isolated(self) -> np.ndarray:
        """ndarray of shape (n_nodes,), bool: nodes with no edge at all."""
        return self.degrees() == 0

    def csr(self, weighted: bool = True) -> tuple:
        """Adjacency lists for walks, as compressed sparse rows.

        Undirected edges appear in both directions; each row's neighbours are
        sorted by index (so membership is a binary search).

        Parameters
        ----------
        weighted : bool
            Return the edge weights (else ``weights`` is all ones).

        Returns
        -------
        indptr : ndarray of shape (n_nodes + 1,), int64
        indices : ndarray of shape (nnz,), int32
        weights : ndarray of shape (nnz,), float64
        """
        key = bool(weighted and self.weighted)
        if key not in self._csr:
            if self.directed:
                rows, cols, w = self.src, self.dst, self.weight
            else:
                rows = np.concatenate([self.src, self.dst])
                cols = np.concatenate([self.dst, self.src])
                w = np.concatenate([self.weight, self.weight])
            order = np.lexsort((cols, rows))
            indptr = np.zeros(self.n_nodes + 1, dtype=np.int64)
            np.cumsum(np.bincount(rows, minlength=self.n_nodes), out=indptr[1:])
            weights = w[order] if key else np.ones(len(order), dtype=np.float64)
            self._csr[key] = (indptr, cols[order].astype(np.int32), np.ascontiguousarray(weights, dtype=np.float64))
        return self._csr[key]

    def adjacency(self, weighted: bool = True, symmetric: bool = True) -> sp.csr_matrix:
        """Sparse adjacency matrix of shape (n_nodes, n_nodes), float64.

        Parameters
        ----------
        weighted : bool
            Entries are the weights (else 1).
        symmetric : bool
            For a directed graph, return A + Aᵀ (what spectral embedding needs).
        """
        w = self.weight if (weighted and self.weighted) else np.ones(self.n_edges)
        n = self.n_nodes
        A = sp.csr_matrix((w, (self.src, self.dst)), shape=(n, n))
        if not self.directed or symmetric:
            A = (A + A.T).tocsr()
        return A

    def components(self) -> tuple:
        """Connected components (weakly connected for a directed graph).

        Returns
        -------
        (int, ndarray of shape (n_nodes,), int32)
            Their number and each node's component, numbered by decreasing size.
        """
        from scipy.sparse.csgraph import connected_components

        n, labels = connected_components(self.adjacency(weighted=False), directed=False)
        sizes = np.bincount(labels, minlength=n)
        rank = np.empty(n, dtype=np.int32)
        rank[np.argsort(-sizes, kind="stable")] = np.arange(n, dtype=np.int32)
        return int(n), rank[labels]

    def has_edge(self, a: str, b: str) -> bool:
        """True when the edge a–b (a → b when directed) exists."""
        idx = self.index_of([a, b])
        indptr, indices, _ = self.csr(False)
        row = indices[indptr[idx[0]]:indptr[idx[0] + 1]]
        k = np.searchsorted(row, idx[1])
        return bool(k < len(row) and row[k] == idx[1])

    def index_of(self, ids) -> np.ndarray:
        """Dense indices of node ids.

        Raises
        ------
        InputError
            An id that is not a node of the graph.
        """
        lookup = pd.Index(self.nodes)
        pos = lookup.get_indexer(pd.Index([str(i) for i in ids]))
        if (pos < 0).any():
            missing = [str(i) for i, p in zip(ids, pos) if p < 0]
            raise InputError(f"{len(missing)} id(s) are not nodes of '{self.name}' (first: {missing[0]!r}).")
        return pos.astype(np.int64)

    def labels(self) -> np.ndarray:
        """Display label of every node, shape (n_nodes,)."""
        return self.node_meta["label"].to_numpy(dtype=object)

    def attribute_columns(self) -> list:
        """Node attribute columns (everything in :attr:`node_meta` but ``label``)."""
        return [c for c in self.node_meta.columns if c != "label"]

    def with_edges(self, keep: np.ndarray, name: Optional[str] = None) -> "Graph":
        """The same nodes with only the edges in ``keep`` (bool mask or indices of shape (n_edges,))."""
        return Graph(self.nodes, self.src[keep], self.dst[keep], self.weight[keep], self.directed, self.weighted,
                     name or self.name, list(self.notes), self.node_meta, self.source, self.citation, self.licence,
                     self.label_column)

    def to_networkx(self, directed: Optional[bool] = None):
        """A networkx graph on the dense indices 0..n-1, edges carrying ``weight``.

        Parameters
        ----------
        directed : bool, optional
            Default: the graph's own kind; False symmetrises a directed graph.
        """
        import networkx as nx

        directed = self.directed if directed is None else directed
        G = nx.DiGraph() if directed else nx.Graph()
        G.add_nodes_from(range(self.n_nodes))
        if self.directed and not directed:
            A = self.adjacency(weighted=True, symmetric=True)
            coo = sp.triu(A, k=1).tocoo()
            G.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()))
        else:
            G.add_weighted_edges_from(zip(self.src.tolist(), self.dst.tolist(), self.weight.tolist()))
        return G

    # -- statistics ------------------------------------------------------------------
    def stats(self) -> dict:
        """Summary figures shown before training.

        Returns
        -------
        dict
            ``nodes``, ``edges``, ``directed``, ``weighted``, ``density``,
            ``isolated_nodes``, ``components``, ``largest_component``
            (nodes) and ``largest_component_share``, ``degree_min``,
            ``degree_median``, ``degree_mean``, ``degree_max``, and for
            weighted graphs ``weight_min``/``weight_max``.
        """
        deg = self.degrees()
        n_comp, comp = self.components()
        largest = int(np.bincount(comp).max()) if self.n_nodes else 0
        some = len(deg) > 0
        out = {"nodes": self.n_nodes, "edges": self.n_edges, "directed": self.directed, "weighted": self.weighted,
               "density": self.density, "isolated_nodes": int((deg == 0).sum()), "components": n_comp,
               "largest_component": largest, "largest_component_share": largest / max(self.n_nodes, 1),
               "degree_min": int(deg.min()) if some else 0, "degree_median": float(np.median(deg)) if some else 0.0,
               "degree_mean": float(deg.mean()) if some else 0.0, "degree_max": int(deg.max()) if some else 0}
        if self.weighted and self.n_edges:
            out.update(weight_min=float(self.weight.min()), weight_max=float(self.weight.max()))
        return out

    def degree_distribution(self) -> pd.DataFrame:
        """How many nodes have each degree: DataFrame(degree, nodes), degree ascending."""
        values, counts = np.unique(self.degrees(), return_counts=True)
        return pd.DataFrame({"degree": values.astype(np.int64), "nodes": counts.astype(np.int64)})

    def component_sizes(self) -> np.ndarray:
        """ndarray of shape (n_components,), int64: nodes per component, largest first."""
        _, comp = self.components()
        return np.bincount(comp).astype(np.int64)

    def to_frames(self) -> tuple:
        """The graph as (edges DataFrame(source, target, weight) with original ids, nodes DataFrame)."""
        edges = pd.DataFrame({"source": self.nodes[self.src], "target": self.nodes[self.dst], "weight": self.weight})
        return edges, self.node_meta.reset_index()


# -- reading uploads -------------------------------------------------------------------

_COMMENT = re.compile(r"(?m)^[ \t]*[#%][^\n]*(?:\n|$)")


def read_table(data: bytes, name: str, separator: Optional[str] = None, header: Optional[bool] = None,
               encoding: Optional[str] = None, what: str = "edge list",
               header_names: tuple = ()) -> RawTable:
    """Read a delimited text file (an edge list or a node attribute file) as strings.

    Lines starting with ``#`` or ``%`` are comments (SNAP, KONECT, Matrix Market)
    and skipped with a note.

    Parameters
    ----------
    data : bytes
        The upload (plain, gzip, or a zip holding one table).
    name : str
    separator : str, optional
        Guessed when None (:func:`embedlab.sources.ratings.sniff_separator`);
        ``"whitespace"`` means runs of spaces/tabs.
    header : bool, optional
        Guessed when None: the first line is a header when a column holds text
        there and a number below, or when its cells are column names we know
        (``source``, ``target``, ``weight``, ``id``, ...).
    encoding : str, optional
    what : str
        Used in messages.
    header_names : tuple of str
        Lower-case names that mark a header line.

    Raises
    ------
    InputError
        Empty, binary, unreadable or too large upload; a single column.
    """
    # one table per upload: only the first table of a zip is decompressed
    file = unpack(data, name, suffixes=(".csv", ".tsv", ".txt", ".edges", ".edgelist", ".el", ".dat", ".data"),
                  first_only=True)[0]
    text = decode(file.data, file.name, encoding)
    notes = list(file.notes) + ([text.note] if text.note else [])
    body, n_comments = _COMMENT.subn("", text.text)
    if n_comments:
        notes.append(f"Skipped {n_comments:,} comment line(s) starting with # or %.")
    if not body.strip():
        raise InputError(f"'{file.name}' has no {what} lines (only comments or blank lines). Upload a file with one "
                         f"{'edge' if what == 'edge list' else 'row'} per line.")
    head_lines = [ln for ln in body[:200_000].splitlines() if ln.strip()][:21]
    sep = separator or sniff_separator(head_lines)
    if sep == "whitespace":
        sep = r"\s+"
    split = (lambda ln: ln.split()) if sep == r"\s+" else (lambda ln: ln.split(sep))
    if header is None:
        rows = [split(ln) for ln in head_lines[:2]]
        first = [c.strip().strip('"').lower() for c in rows[0]] if rows else []
        header = _has_header(rows) if len(rows) > 1 else False
        # one-letter names (a, u, v, w) are too common as node ids to mark a header on their own
        if any(len(c) > 1 and c in header_names for c in first):
            header = True
    try:
        frame = pd.read_csv(io.StringIO(body), sep=sep, header=0 if header else None, dtype=str,
                            keep_default_na=False, na_filter=False, skip_blank_lines=True,
                            engine="python" if len(sep) > 1 and sep != r"\s+" else "c", quotechar='"',
                            encoding_errors="strict")
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"'{file.name}' could not be read as a table ({exc}). Check the separator: the {what} "
                         "should have one entry per line, fields separated by a comma, tab, pipe, semicolon or "
                         "spaces.") from exc
    if frame.shape[1] < 2:
        need = ("a source and a target node per line (and optionally a weight)" if what == "edge list"
                else "a node id column and at least one attribute column")
        raise InputError(f"'{file.name}' has only one column (separator {sep!r}). An {what} needs {need}; choose "
                         "the separator by hand if the file has more.")
    if header:
        frame.columns = [str(c).strip() for c in frame.columns]
    else:
        frame.columns = [f"column {i + 1}" for i in range(frame.shape[1])]
    return RawTable(frame, file.name, sep, bool(header), text.encoding, 2 if header else 1, notes)


def read_edge_table(data: bytes, name: str = "edges", separator: Optional[str] = None,
                    header: Optional[bool] = None, encoding: Optional[str] = None) -> RawTable:
    """Read an edge list as text, before its columns are mapped (see :func:`read_table`; then
    :func:`guess_edge_columns` and :func:`build_graph`).

    Raises
    ------
    InputError
        Empty, binary, unreadable or too large upload; a single column.
    """
    return read_table(data, name, separator, header, encoding, "edge list", header_names=EDGE_HEADER_NAMES)


def guess_edge_columns(raw: RawTable) -> dict:
    """Guess which columns are the source, target and weight.

    By header name (``source``/``target``/``weight`` and common synonyms),
    else by position: columns 1 and 2, and column 3 as the weight when it holds
    numbers on the first lines.

    Returns
    -------
    dict
        ``{"source": col, "target": col, "weight": col or None}``.
    """
    cols = list(raw.frame.columns)
    norm = {c: re.sub(r"[^a-z0-9_]", "", str(c).lower()) for c in cols}

    def pick(names):
        return next((c for c in cols if norm[c] in names), None)

    source, target, weight = pick(_SOURCE_NAMES), pick(_TARGET_NAMES), pick(_WEIGHT_NAMES)
    if source is None or target is None or source == target:
        source, target = cols[0], cols[1]
        rest = [c for c in cols[2:]]
        weight = weight if weight in rest else None
        if weight is None and rest and not raw.header:
            head = pd.to_numeric(raw.frame[rest[0]].head(50).str.strip(), errors="coerce")
            weight = rest[0] if head.notna().all() else None
    return {"source": source, "target": target, "weight": weight}


def _line(rows: np.ndarray, raw: RawTable) -> int:
    return int(rows[0]) + raw.first_line


def build_graph(raw: RawTable, source: str, target: str, weight: Optional[str] = None, directed: bool = False,
                name: Optional[str] = None) -> Graph:
    """Validate mapped columns and build a :class:`Graph`.

    Parameters
    ----------
    raw : RawTable
        From :func:`read_table`.
    source, target : str
        Columns of the two ends of each edge.
    weight : str, optional
        Column of positive weights; None for an unweighted graph.
    directed : bool
    name : str, optional
        Default: the file name.

    Returns
    -------
    Graph
        Self-loops and zero-weight edges dropped, duplicates merged, each with a note.

    Raises
    ------
    InputError
        Unknown or repeated column; an empty id; a missing, non-numeric,
        infinite or negative weight (names the line); no edge left; more
        nodes or edges than the limits (with the numbers).
    """
    frame = raw.frame
    chosen = [c for c in (source, target, weight) if c]
    for c in chosen:
        if c not in frame.columns:
            raise InputError(f"There is no column '{c}' in '{raw.name}'. Columns: "
                             f"{', '.join(map(str, frame.columns))}.")
    if len(set(chosen)) != len(chosen):
        raise InputError("The same column is mapped twice; give the source, target and weight different columns.")
    if len(frame) == 0:
        raise InputError(f"'{raw.name}' has no edges below its header. Upload an edge list with one edge per line.")
    notes = list(raw.notes)
    ends = {}
    for role, col in (("source", source), ("target", target)):
        s = frame[col].astype(str).str.strip()
        empty = np.flatnonzero((s == "").to_numpy())
        if len(empty):
            raise InputError(f"Line {_line(empty, raw)} of '{raw.name}' has no {role} node (column '{col}'); "
                             f"{len(empty):,} line(s) are like this. Fill them in or delete those lines.")
        ends[role] = s  # pandas' text column, not a Python string per row: see graph_from_arrays
    if weight:
        text = frame[weight].astype(str).str.strip()
        w = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(w))
        if len(bad):
            raise InputError(f"Line {_line(bad, raw)} of '{raw.name}' has the weight {text.iloc[bad[0]]!r}, which is "
                             f"not a number ({len(bad):,} such line(s)). Weights must be numbers such as 1 or 0.5; "
                             "choose another weight column, or none for an unweighted graph.")
        neg = np.flatnonzero(w < 0)
        if len(neg):
            raise InputError(f"Line {_line(neg, raw)} of '{raw.name}' has the negative weight {w[neg[0]]:g} "
                             f"({len(neg):,} such line(s)). Random walks and the graph Laplacian need weights ≥ 0: "
                             "a weight is how strongly two nodes are linked. Remove the sign or choose no weight "
                             "column.")
    else:
        w = np.ones(len(frame), dtype=np.float64)
    return graph_from_arrays(ends["source"], ends["target"], w, directed=directed, weighted=bool(weight),
                             name=name or raw.name, notes=notes)


def graph_from_arrays(source, target, weight=None, directed: bool = False, weighted: Optional[bool] = None,
                      name: str = "graph", notes: Optional[list] = None, nodes=None) -> Graph:
    """Build a checked :class:`Graph` from two arrays of node ids (and weights).

    Parameters
    ----------
    source, target : array-like of shape (n_rows,)
        Node ids (anything; turned into strings).
    weight : array-like of shape (n_rows,), optional
        Non-negative weights (checked by the caller); None means all 1.
    directed : bool
    weighted : bool, optional
        Default: ``weight is not None``.
    name : str
    notes : list of str, optional
    nodes : array-like, optional
        Every node id, in the order wanted, including nodes without edges
        (default: the ids in order of first appearance in the file).

    Raises
    ------
    InputError
        No edge left after dropping self-loops and zero weights; more nodes or
        edges than the limits.
    """
    notes = list(notes or [])
    source, target = _text_column(source), _text_column(target)
    weighted = weight is not None if weighted is None else weighted
    w = np.ones(len(source)) if weight is None else np.asarray(weight, dtype=np.float64)
    n_rows = len(source)
    if n_rows > 4 * max_edges():
        raise InputError(f"'{name}' has {n_rows:,} edge lines; the limit is {max_edges():,} edges "
                         "(EMBEDLAB_MAX_GRAPH_EDGES). Upload a smaller graph, for example its largest component "
                         "or a sample of its nodes.")
    both = pd.concat([source, target], ignore_index=True)
    if nodes is None:
        # one factorisation of the text column (no Python string per line), then ids renumbered in file
        # order: a, b of line 1, then of line 2
        codes, uniques = pd.factorize(both, sort=False)
        inter = np.empty(2 * n_rows, dtype=np.int64)
        inter[0::2], inter[1::2] = codes[:n_rows], codes[n_rows:]
        _, first = np.unique(inter, return_index=True)
        order = np.argsort(first, kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        codes = rank[codes]
        ids = text_ids(np.asarray(uniques, dtype=object)[order])
    else:
        ids = text_ids(nodes)
        codes = pd.Index(ids).get_indexer(both)
        if (codes < 0).any():
            raise InputError("An edge names a node that is not in the node list.")
    if len(ids) > max_nodes():
        raise InputError(f"'{name}' has {len(ids):,} nodes; the limit is {max_nodes():,} "
                         "(EMBEDLAB_MAX_GRAPH_NODES). Upload a smaller graph, for example its largest component "
                         "or a sample of its nodes.")
    a, b = codes[:n_rows].astype(np.int64), codes[n_rows:].astype(np.int64)
    loops = a == b
    if loops.any():
        notes.append(f"Dropped {int(loops.sum()):,} self-loop(s) (a node linked to itself): a walk that stays put "
                     "adds nothing to a node's context.")
    zero = w == 0
    if zero.any():
        notes.append(f"Dropped {int((zero & ~loops).sum()):,} edge(s) of weight 0 (a weight of 0 means no link).")
    keep = ~loops & ~zero
    a, b, w = a[keep], b[keep], w[keep]
    if len(a) == 0:
        raise InputError(f"'{name}' has no edge between two different nodes (after dropping self-loops and "
                         "zero weights). An edge list needs lines such as 'alice bob'.")
    if not directed:
        a, b = np.minimum(a, b), np.maximum(a, b)
    key = a * len(ids) + b
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    n_dup = len(key) - len(uniq)
    if n_dup:
        how = "their weights were added up" if weighted else "each pair counts once"
        kind = "" if directed else " (a b and b a are the same undirected edge)"
        notes.append(f"Merged {n_dup:,} duplicate edge(s){kind}: {how}.")
        w = np.bincount(inverse, weights=w, minlength=len(uniq))
        order = np.argsort(first, kind="stable")  # keep the file's order of first appearance
        a, b, w = a[first][order], b[first][order], w[order]
    if len(a) > max_edges():
        raise InputError(f"'{name}' has {len(a):,} distinct edges; the limit is {max_edges():,} "
                         "(EMBEDLAB_MAX_GRAPH_EDGES). Upload a smaller graph, for example its largest component.")
    graph = Graph(ids, a.astype(np.int32), b.astype(np.int32), w, directed=directed, weighted=weighted, name=name,
                  notes=notes)
    describe(graph)
    return graph


def describe(graph: Graph) -> None:
    """Add notes on isolated nodes and disconnected components (reported, not refused)."""
    iso = int(graph.isolated().sum())
    if iso:
        graph.notes.append(f"{iso:,} node(s) have no edge (isolated); walk-based models leave them out, they "
                           "have no walks.")
    n_comp, comp = graph.components()
    if n_comp > 1:
        largest = int(np.bincount(comp).max())
        graph.notes.append(f"The graph has {n_comp:,} disconnected components; the largest holds {largest:,} of "
                           f"{graph.n_nodes:,} nodes ({largest / graph.n_nodes:.0%}). Walks never cross between "
                           "components, so their relative positions in a walk-based space mean nothing.")


def read_edge_list(data: bytes, name: str = "edges", directed: bool = False, columns: Optional[dict] = None,
                   separator: Optional[str] = None, header: Optional[bool] = None,
                   encoding: Optional[str] = None) -> Graph:
    """Read an edge list from bytes in one call (columns guessed unless given).

    Parameters
    ----------
    data : bytes
    name : str
        The file name (``.gz`` and ``.zip`` are opened).
    directed : bool
    columns : dict, optional
        ``{"source": col, "target": col, "weight": col or None}``; missing keys are guessed.
    separator, header, encoding : see :func:`read_table`

    Returns
    -------
    Graph

    Raises
    ------
    InputError
        See :func:`read_table` and :func:`build_graph`.

    Examples
    --------
    >>> g = read_edge_list(b"alice bob\\nbob carol 2\\n", "friends.txt")  # doctest: +SKIP
    """
    raw = read_edge_table(data, name, separator, header, encoding)
    mapping = guess_edge_columns(raw)
    guessed_weight = mapping["weight"] is not None and not raw.header and "weight" not in (columns or {})
    mapping.update(columns or {})
    graph = build_graph(raw, mapping["source"], mapping["target"], mapping.get("weight"), directed)
    if guessed_weight:
        graph.notes.append(f"The file has no header: '{mapping['weight']}' (numbers) is read as the edge weight. "
                           "Choose no weight column if it holds something else, such as a time.")
    return graph


def read_attribute_table(data: bytes, name: str = "nodes", separator: Optional[str] = None,
                         header: Optional[bool] = None, encoding: Optional[str] = None) -> RawTable:
    """Read a node attribute file as text, before its id column is chosen (see :func:`read_table`).

    Raises
    ------
    InputError
        Empty, binary, unreadable or too large upload; a single column.
    """
    return read_table(data, name, separator, header, encoding, "attribute file",
                      header_names=_ID_NAMES + _DISPLAY_NAMES)


def guess_id_column(raw: RawTable) -> str:
    """The attribute file's id column: one named ``id``/``node``/``node_id``/..., else the first."""
    cols = list(raw.frame.columns)
    low = {c: re.sub(r"[^a-z0-9_]", "", str(c).lower()) for c in cols}
    return next((c for c in cols if low[c] in _ID_NAMES), cols[0])


def attributes_from_table(raw: RawTable, id_column: Optional[str] = None) -> tuple:
    """Node attributes from a table read by :func:`read_attribute_table`.

    Parameters
    ----------
    raw : RawTable
    id_column : str, optional
        Default: :func:`guess_id_column`.

    Returns
    -------
    (pandas.DataFrame, list of str)
        Attributes indexed by node id (str); numeric columns as numbers, others
        as text; and notes (duplicate ids: the last row is kept).

    Raises
    ------
    InputError
        Unknown id column, empty ids.
    """
    frame, notes = raw.frame, list(raw.notes)
    cols = list(frame.columns)
    id_column = guess_id_column(raw) if id_column is None else id_column
    if id_column not in cols:
        raise InputError(f"There is no column '{id_column}' in '{raw.name}'. Columns: {', '.join(map(str, cols))}.")
    ids = frame[id_column].astype(str).str.strip()
    empty = np.flatnonzero((ids == "").to_numpy())
    if len(empty):
        raise InputError(f"Line {_line(empty, raw)} of '{raw.name}' has no node id (column '{id_column}').")
    out = pd.DataFrame(index=pd.Index(ids.to_numpy(dtype=object), name="node"))
    for c in cols:
        if c == id_column:
            continue
        values = frame[c].astype(str).str.strip()
        num = pd.to_numeric(values, errors="coerce")
        out[str(c)] = num.to_numpy() if num.notna().all() else values.to_numpy(dtype=object)
    dup = out.index.duplicated(keep="last")
    if dup.any():
        notes.append(f"{int(dup.sum()):,} node id(s) appear twice in '{raw.name}': kept the last row of each.")
        out = out[~dup]
    return out, notes


def read_node_attributes(data: bytes, name: str = "nodes", id_column: Optional[str] = None,
                         separator: Optional[str] = None, header: Optional[bool] = None,
                         encoding: Optional[str] = None) -> tuple:
    """Read a node attribute file: an id column and any other columns.

    Parameters
    ----------
    data : bytes
    name : str
    id_column : str, optional
        Default: a column named ``id``/``node``/``node_id``..., else the first.
    separator, header, encoding : see :func:`read_table`

    Returns
    -------
    (pandas.DataFrame, list of str)
        See :func:`attributes_from_table`.

    Raises
    ------
    InputError
        Unreadable file, one column, unknown id column, empty ids.
    """
    return attributes_from_table(read_attribute_table(data, name, separator, header, encoding), id_column)


def attach_attributes(graph: Graph, attributes: pd.DataFrame, notes: Optional[list] = None,
                      label_column: Optional[str] = None, guess_label: bool = True) -> Graph:
    """Attach node attributes to a graph (in place) and choose each node's display label.

    The display label is ``label_column`` when given, else the first of
    ``name``, ``title``, ``label`` whose values are mostly distinct (≥ 90 %),
    else the node id. A column called ``label`` that is not used as the
    display label (a class such as "faction A") is kept as ``label (attribute)``.

    Parameters
    ----------
    graph : Graph
    attributes : pandas.DataFrame
        Indexed by node id (str), from :func:`read_node_attributes`.
    notes : list of str, optional
    label_column : str, optional
    guess_label : bool
        Without ``label_column``: guess a display-label column (True) or show
        node ids (False).

    Returns
    -------
    Graph
        The same object, with ``node_meta`` set and a note saying how many ids matched.

    Raises
    ------
    InputError
        No attribute id matches a node (the message gives the numbers and
        examples of both kinds of id); unknown ``label_column``.
    """
    graph.notes.extend(notes or [])
    matched = attributes.index.isin(pd.Index(graph.nodes))
    n_match = int(matched.sum())
    if n_match == 0:
        raise InputError(f"None of the {len(attributes):,} ids in the attribute file match a node of "
                         f"'{graph.name}' (0 of {len(attributes):,} matched). The file's ids look like "
                         f"{', '.join(map(repr, attributes.index[:3]))}; the graph's nodes look like "
                         f"{', '.join(map(repr, graph.nodes[:3]))}. Check the id column (ids are compared as text: "
                         "'7' and '007' differ).")
    if n_match < len(attributes):
        graph.notes.append(f"{n_match:,} of {len(attributes):,} attribute rows match a node; "
                           f"{len(attributes) - n_match:,} name no node of the graph and were ignored.")
    else:
        graph.notes.append(f"All {n_match:,} attribute rows match a node.")
    table = attributes[matched].reindex(pd.Index(graph.nodes, name="node"))
    missing = graph.n_nodes - n_match
    if missing:
        graph.notes.append(f"{missing:,} node(s) have no row in the attribute file; their attributes are empty.")
    if label_column is not None and label_column not in table.columns:
        raise InputError(f"There is no column '{label_column}' in the attribute file.")
    if label_column is None and guess_label:
        for c in table.columns:
            if str(c).lower() in _DISPLAY_NAMES and table[c].nunique(dropna=True) >= 0.9 * n_match:
                label_column = c
                break
    label = graph.nodes.astype(object)
    if label_column is not None:
        chosen = table[label_column].astype(object)
        label = np.where(chosen.isna() | (chosen.astype(str) == ""), label, chosen.astype(str))
    if label_column is not None:
        table = table.drop(columns=[label_column])
    table = table.rename(columns={"label": "label (attribute)"})
    meta = pd.DataFrame({"label": label}, index=pd.Index(graph.nodes, name="node"))
    graph.node_meta = pd.concat([meta, table], axis=1)
    return graph


# -- shipped graphs --------------------------------------------------------------------

_NX_LICENCE = "BSD-3-Clause (the data ships inside networkx)"


def _from_networkx(G, key: str, name: str, attributes: tuple = (), labels: Optional[dict] = None) -> Graph:
    nodes = [str(v) for v in G.nodes()]
    edges = list(G.edges(data="weight", default=None))
    has_w = any(w is not None for _, _, w in edges)
    w = np.array([1.0 if x is None else float(x) for _, _, x in edges]) if has_w else None
    graph = graph_from_arrays([str(a) for a, _, _ in edges], [str(b) for _, b, _ in edges], w,
                              directed=G.is_directed(), weighted=has_w, name=name, nodes=nodes)
    meta = pd.DataFrame({"label": [(labels or {}).get(v, v) for v in nodes]}, index=pd.Index(nodes, name="node"))
    for a in attributes:
        meta[a] = [G.nodes[v][a] for v in G.nodes()]
    graph.node_meta = meta
    graph.source = f"sample:{key}"
    return graph


def _karate() -> Graph:
    import networkx as nx

    G = nx.karate_club_graph()
    # networkx numbers members 0-33; the paper (and every figure of it) 1-34
    labels = {str(v): str(v + 1) for v in G.nodes()}
    labels.update({"0": "1 (Mr. Hi, instructor)", "33": "34 (John A., officer)"})
    return _from_networkx(G, "karate", "Zachary's karate club", ("club",), labels)


def _les_miserables() -> Graph:
    import networkx as nx

    return _from_networkx(nx.les_miserables_graph(), "les-miserables", "Les Misérables co-appearances")


def _florentine() -> Graph:
    import networkx as nx

    return _from_networkx(nx.florentine_families_graph(), "florentine-families", "Florentine families (marriages)")


def movielens_corating_graph(min_ratings: int = 10, k: int = 10) -> Graph:
    """The shipped MovieLens movies as a graph: each movie linked to the movies most often co-rated with it.

    Built from ``sample_corpora/ml-latest-small``: movies rated by at least
    ``min_ratings`` users; two movies are similar by the cosine of their
    binary "who rated it" vectors (co-ratings / √(ratings of one × ratings of
    the other)); each movie is linked to its ``k`` most similar movies, the
    union taken undirected, the cosine as the weight. Nodes are movie ids,
    labelled by title, with ``genres`` (MovieLens's ``|``-separated list) and
    ``genre`` (the movie's rarest genre, its most specific one).

    Parameters
    ----------
    min_ratings : int
    k : int

    Returns
    -------
    Graph
        With the defaults: 2,245 movies, 17,443 edges, one component.
    """
    from embedlab.sources.ratings import sample_table

    table = sample_table("ml-latest-small")
    counts = table.item_counts()
    keep = np.flatnonzero(counts >= min_ratings)
    col = np.full(table.n_items, -1, dtype=np.int64)
    col[keep] = np.arange(len(keep))
    rows = col[table.i] >= 0
    X = sp.csr_matrix((np.ones(int(rows.sum())), (table.u[rows], col[table.i[rows]])),
                      shape=(table.n_users, len(keep)))
    X.data[:] = 1.0
    C = (X.T @ X).toarray()
    n = np.diag(C).copy()
    np.fill_diagonal(C, 0.0)
    cos = C / np.sqrt(np.outer(n, n))
    nb = np.argsort(-cos, axis=1, kind="stable")[:, :k]
    a = np.repeat(np.arange(len(keep)), k)
    b = nb.ravel()
    ok = cos[a, b] > 0
    # a pair in both movies' lists is one edge (the cosine is symmetric), not a duplicate to add up
    pairs = np.unique(np.minimum(a[ok], b[ok]) * len(keep) + np.maximum(a[ok], b[ok]))
    a, b = pairs // len(keep), pairs % len(keep)
    ids = table.items[keep]
    graph = graph_from_arrays(ids[a], ids[b], cos[a, b], directed=False, weighted=True,
                              name="MovieLens co-rating graph", nodes=ids)
    genres = pd.Series(table.item_genres(), index=table.items).reindex(ids).fillna("").astype(str)
    genres = genres.replace("(no genres listed)", "")
    freq = genres.str.split("|").explode().value_counts()
    primary = [min(g.split("|"), key=lambda x: (freq.get(x, 0), x)) if g else "" for g in genres]
    labels = pd.Series(table.item_labels(), index=table.items).reindex(ids)
    graph.node_meta = pd.DataFrame({"label": labels.to_numpy(dtype=object), "genres": genres.to_numpy(dtype=object),
                                    "genre": np.array(primary, dtype=object),
                                    "ratings": counts[keep].astype(np.int64)}, index=pd.Index(ids, name="node"))
    graph.source = "sample:movielens-corating"
    graph.notes.append(f"Built from ml-latest-small: {len(keep):,} movies rated by at least {min_ratings} users, "
                       f"each linked to the {k} movies most often rated by the same users (cosine), undirected.")
    return graph


@dataclass(frozen=True)
class SampleGraph:
    """A shipped graph: what it is, whom to cite, under which licence, and how to build it."""

    key: str
    title: str
    description: str
    citation: str
    licence: str
    label_column: Optional[str]
    build: object


SAMPLE_GRAPHS = {
    s.key: s for s in (
        SampleGraph("karate", "Zachary's karate club (34 members, 78 ties)",
                    "Friendships among the 34 members of a university karate club that split in two after a "
                    "dispute; `club` says which side each member joined (Mr. Hi's or the officer's). Edge weights "
                    "count the contexts in which two members interacted.",
                    "W. W. Zachary (1977), \"An Information Flow Model for Conflict and Fission in Small Groups\", "
                    "Journal of Anthropological Research 33(4), 452-473; as shipped by networkx "
                    "(karate_club_graph).", _NX_LICENCE, "club", _karate),
        SampleGraph("les-miserables", "Les Misérables co-appearances (77 characters, 254 links)",
                    "Characters of Victor Hugo's novel, linked when they appear in the same chapter; the weight "
                    "counts those chapters. The node2vec paper's Figure 3 embeds this graph with q = 0.5 "
                    "(communities) and q = 2 (structural roles).",
                    "D. E. Knuth (1993), The Stanford GraphBase: A Platform for Combinatorial Computing, "
                    "Addison-Wesley; as shipped by networkx (les_miserables_graph). Figure: A. Grover and "
                    "J. Leskovec (2016), \"node2vec: Scalable Feature Learning for Networks\", KDD.",
                    _NX_LICENCE, None, _les_miserables),
        SampleGraph("florentine-families", "Florentine families (15 families, 20 marriages)",
                    "Marriage ties between Renaissance Florentine families; the Medici sit at the centre.",
                    "R. Breiger and P. Pattison (1986), \"Cumulated social roles: The duality of persons and "
                    "their algebras\", Social Networks 8, 215-256 (from J. Padgett's data); as shipped by networkx "
                    "(florentine_families_graph).", _NX_LICENCE, None, _florentine),
        SampleGraph("movielens-corating", "MovieLens co-rating graph (2,245 movies, 17,443 links)",
                    "Movies of the shipped ml-latest-small linked to the 10 movies most often rated by the same "
                    "users (movies with at least 10 ratings); labelled by title, with genres for node "
                    "classification.",
                    "Built by embedlab from MovieLens ml-latest-small: F. M. Harper and J. A. Konstan (2015), "
                    "\"The MovieLens Datasets: History and Context\", ACM TiiS 5(4). GroupLens Research.",
                    "research use only, no commercial use (sample_corpora/ml-latest-small/README.txt)", "genres",
                    movielens_corating_graph),
    )
}


def sample_graph(key: str) -> Graph:
    """A shipped graph by key (see :data:`SAMPLE_GRAPHS`), with its citation and licence set.

    Raises
    ------
    InputError
        Unknown key.
    """
    if key not in SAMPLE_GRAPHS:
        raise InputError(f"There is no shipped graph '{key}'. Choose one of: {', '.join(SAMPLE_GRAPHS)}.")
    spec = SAMPLE_GRAPHS[key]
    graph = spec.build()
    graph.citation, graph.licence, graph.source = spec.citation, spec.licence, f"sample:{key}"
    graph.label_column = spec.label_column
    return graph


# -- test and benchmark graphs -------------------------------------------------------

def planted_partition(n_nodes: int, n_blocks: int, n_edges: int, mixing: float = 0.3, seed: int = 0) -> Graph:
    """A stochastic block model with equal blocks (planted partition), drawn with numpy.

    Draws ``n_edges`` node pairs: with probability ``1 - mixing`` both ends
    from one block chosen uniformly, else both ends uniformly from all nodes;
    then drops self-loops and merges repeated pairs (so slightly fewer than
    ``n_edges`` edges remain). Every block's internal density is then about
    ``n_blocks`` times its density to the rest: the block structure
    node classification should recover.

    Parameters
    ----------
    n_nodes, n_blocks, n_edges : int
    mixing : float
        Share of edges drawn without regard to blocks, in [0, 1].
    seed : int

    Returns
    -------
    Graph
        Node ids ``"0"``..., attribute ``block`` (``"b0"``...).
    """
    rng = np.random.default_rng(seed)
    block_of = np.arange(n_nodes) % n_blocks
    members = [np.flatnonzero(block_of == b) for b in range(n_blocks)]
    size = np.array([len(m) for m in members])
    inside = rng.random(n_edges) >= mixing
    a = rng.integers(0, n_nodes, n_edges)
    b = rng.integers(0, n_nodes, n_edges)
    blk = rng.integers(0, n_blocks, int(inside.sum()))
    flat = np.concatenate(members)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    a[inside] = flat[start[blk] + (rng.random(len(blk)) * size[blk]).astype(np.int64)]
    b[inside] = flat[start[blk] + (rng.random(len(blk)) * size[blk]).astype(np.int64)]
    ids = np.arange(n_nodes).astype(str)
    keep = a != b
    a, b = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    key = np.unique(a.astype(np.int64) * n_nodes + b)
    graph = Graph(ids, (key // n_nodes).astype(np.int32), (key % n_nodes).astype(np.int32), np.ones(len(key)),
                  name=f"planted partition ({n_nodes:,} nodes, {n_blocks} blocks)", source="synthetic")
    graph.node_meta = pd.DataFrame({"label": ids.astype(object), "block": [f"b{x}" for x in block_of]},
                                   index=pd.Index(ids, name="node"))
    return graph


# -- storing a graph in a workspace (the worker reads it back) --------------------------

def graph_fingerprint(graph: Graph) -> str:
    """SHA-256 of a graph's content: node ids, edges, weights, kind and node attributes.

    The same upload (or a second click on "Use this graph") gives the same
    fingerprint, so :func:`save_graph` stores it once.
    """
    import hashlib

    h = hashlib.sha256()
    h.update("\0".join(graph.nodes.tolist()).encode("utf-8", "surrogatepass"))
    for arr in (graph.src, graph.dst, graph.weight):
        h.update(b"\1" + np.ascontiguousarray(arr).tobytes())
    h.update(f"directed={graph.directed} weighted={graph.weighted} label_column={graph.label_column}".encode())
    meta = graph.node_meta.reset_index().astype(str)
    h.update("\0".join(map(str, meta.columns)).encode("utf-8", "surrogatepass"))
    h.update(pd.util.hash_pandas_object(meta, index=False).to_numpy().tobytes())
    return h.hexdigest()


def save_graph(workspace, graph: Graph) -> str:
    """Store a graph as a data set of kind ``"graph"`` (``<workspace>/graphs/<id>/``), once per content.

    Files: ``edges.parquet`` (``src``, ``dst`` dense indices, ``weight``),
    ``nodes.parquet`` (``node`` id, ``label``, attributes) and the facts file
    ``graph.json`` (name, kind, notes, source, citation, licence, sizes,
    ``label_column``). Written through
    :meth:`embedlab.store.datasets.Datasets.save_dataset`: atomically, within
    the disk quota, and a graph already stored (same :func:`graph_fingerprint`)
    is reused.

    Returns
    -------
    str
        The graph id.

    Raises
    ------
    InputError
        The workspace would go over its disk quota.
    """
    stats = graph.stats()
    size = graph.n_edges * 16 + int(graph.node_meta.memory_usage(deep=True).sum())

    def write(folder):
        pd.DataFrame({"src": graph.src, "dst": graph.dst, "weight": graph.weight}).to_parquet(
            folder / "edges.parquet", index=False)
        nodes = graph.node_meta.reset_index()
        nodes.columns = ["node", *[str(c) for c in nodes.columns[1:]]]
        for c in nodes.columns:
            if nodes[c].dtype == object:
                nodes[c] = nodes[c].astype("string")
        nodes.to_parquet(folder / "nodes.parquet", index=False)

    facts = {"name": graph.name, "directed": graph.directed, "weighted": graph.weighted, "notes": graph.notes,
             "source": graph.source, "citation": graph.citation, "licence": graph.licence,
             "label_column": graph.label_column, "attributes": [str(c) for c in graph.attribute_columns()],
             "nodes": graph.n_nodes, "edges": graph.n_edges, "isolated_nodes": stats["isolated_nodes"],
             "components": stats["components"]}
    return workspace.save_dataset("graph", write, facts, graph_fingerprint(graph), size)


def load_graph(workspace, graph_id: str) -> Graph:
    """Read a graph stored by :func:`save_graph`.

    Raises
    ------
    InputError
        Unknown or damaged graph.
    """
    folder = workspace.dataset_folder("graph", str(graph_id))
    facts = workspace.dataset_facts("graph", str(graph_id))
    try:
        edges = pd.read_parquet(folder / "edges.parquet")
        nodes = pd.read_parquet(folder / "nodes.parquet")
    except (OSError, ValueError) as exc:
        raise InputError(f"The stored graph '{facts.get('name', graph_id)}' is damaged ({exc}). Delete it and "
                         "upload it again.") from exc
    ids = nodes["node"].astype(str).to_numpy()
    meta = nodes.drop(columns=["node"]).set_index(pd.Index(ids, name="node"))
    for c in meta.columns:
        if isinstance(meta[c].dtype, pd.StringDtype):
            meta[c] = meta[c].astype(object).where(meta[c].notna(), None)
    src, dst = edges["src"].to_numpy(np.int32), edges["dst"].to_numpy(np.int32)
    if len(src) and (max(src.max(), dst.max()) >= len(ids) or min(src.min(), dst.min()) < 0):
        raise InputError(f"The stored graph '{facts.get('name', graph_id)}' is damaged (an edge names no node). "
                         "Delete it and upload it again.")
    return Graph(ids, src, dst, edges["weight"].to_numpy(np.float64), bool(facts.get("directed")),
                 bool(facts.get("weighted")), facts.get("name", "graph"), list(facts.get("notes", [])), meta,
                 facts.get("source", "upload"), facts.get("citation"), facts.get("licence"),
                 facts.get("label_column"))


def stored_graphs(workspace) -> pd.DataFrame:
    """The graphs stored in a workspace, newest first.

    Returns
    -------
    pandas.DataFrame
        ``id``, ``name``, ``nodes``, ``edges``, ``directed``, ``weighted``, ``source``, ``created_at``.
    """
    frame = workspace.datasets("graph")
    cols = ["id", "name", "nodes", "edges", "directed", "weighted", "source", "created_at"]
    for c in cols:
        if c not in frame.columns:
            frame[c] = pd.Series(dtype=object)
    return frame[cols]


#: The workspace setting naming the graph the Graphs page shows.
CURRENT_SETTING = "graph_current"


def delete_graph(workspace, graph_id: str) -> None:
    """Remove a stored graph (and forget it as the workspace's current graph).

    Models trained on it stay: they hold their node metadata and their edges
    (drawn on Explore); evaluating them needs the graph and says so.

    Raises
    ------
    InputError
        Unknown graph id.
    """
    workspace.delete_dataset("graph", graph_id, setting=CURRENT_SETTING)
