"""Evaluating node spaces with the node2vec paper's two protocols, each against baselines in the same run.

* **Node classification** (Grover & Leskovec 2016, §4.3; Perozzi et al. 2014,
  §5): a share of the labelled nodes trains a one-vs-rest logistic regression
  on the node vectors (standardised), the rest are predicted; micro- and
  macro-F1 are averaged over repeated stratified splits. Multi-label data
  (``"Drama|Comedy"``) is predicted as the k highest-scoring labels, k being
  the node's true number of labels, as DeepWalk's and node2vec's evaluation
  code do. Baselines: a spectral embedding of the same graph and dimension,
  and the most frequent label(s).
* **Link prediction** (Grover & Leskovec 2016, §4.4): a share of the edges is
  held out, never one of a random spanning forest, so the residual graph keeps
  its components (the paper keeps it connected); as many non-edges are
  sampled. Models are trained on the residual graph; an edge (u, v) is
  featured by the Hadamard product of the two node vectors and scored by a
  logistic regression trained on residual edges and other non-edges. ROC AUC on
  the held-out pairs. Baselines: spectral embedding (same protocol), and
  common neighbours and Adamic–Adar (Adamic & Adar 2003) from networkx on the
  residual graph.

Also Louvain communities (Blondel et al. 2008, networkx) for colouring, and the
neighbours of a node with a clear message for a node the model has no vector for.
"""

from __future__ import annotations

import time
from typing import Callable, Optional

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.progress import Progress, no_progress, scaled
from embedlab.space import Space


# -- communities and neighbours ----------------------------------------------------------

def louvain_communities(graph, seed: int = 0, resolution: float = 1.0) -> np.ndarray:
    """Louvain communities (Blondel et al. 2008) with networkx, weights used, directed graphs as undirected.

    Returns
    -------
    ndarray of shape (n_nodes,), int32
        Community of each node, numbered from 0 by decreasing size (an isolated
        node is a community of its own).
    """
    import networkx as nx

    parts = nx.community.louvain_communities(graph.to_networkx(directed=False), weight="weight",
                                             resolution=resolution, seed=seed)
    parts = sorted(parts, key=lambda c: (-len(c), min(c)))
    out = np.empty(graph.n_nodes, dtype=np.int32)
    for k, members in enumerate(parts):
        out[list(members)] = k
    return out


def node_neighbours(space: Space, node: str, k: int = 10) -> pd.DataFrame:
    """The ``k`` nodes closest to ``node`` by cosine, with display labels.

    Parameters
    ----------
    space : Space
        A node space.
    node : str
        A node id.
    k : int

    Returns
    -------
    pandas.DataFrame
        Columns ``node``, ``label``, ``cosine``, ``degree`` (when known), best first.

    Raises
    ------
    InputError
        The node has no edges in the graph the model was trained on (so no
        vector: the message says so), or is not a node of that graph.
    """
    from embedlab.probes.neighbours import nearest_neighbours

    node = str(node)
    if node not in space:
        left = space.info.get("left_out") or {}
        if node in set(left.get("ids", [])):
            graph = space.info.get("graph_name", "the graph")
            raise InputError(f"Node {node!r} has no vector in this {space.kind} model of '{graph}': "
                             f"{left.get('reason')} ({left.get('count', 0):,} such node(s) are left out of this "
                             "model). Pick a node with at least one edge.")
        raise InputError(f"{node!r} is not a node of this model's graph. Node ids are compared as text "
                         f"(for example {', '.join(map(repr, space.words[:3]))}).")
    table = nearest_neighbours(space, node, k=k)
    meta = space.meta.reindex(table["word"])
    out = pd.DataFrame({"node": table["word"], "label": meta["label"].to_numpy() if "label" in meta else table["word"],
                        "cosine": table["cosine"]})
    if "degree" in meta:
        out["degree"] = meta["degree"].to_numpy()
    return out


# -- node classification ---------------------------------------------------------------

def _label_sets(values: pd.Series, sep: str) -> list:
    return [frozenset(x for x in str(v).split(sep) if x.strip()) if pd.notna(v) else frozenset() for v in values]


def _top_k_predict(scores: np.ndarray, k: np.ndarray) -> np.ndarray:
    pred = np.zeros_like(scores, dtype=bool)
    order = np.argsort(-scores, axis=1)
    for r in range(len(scores)):
        pred[r, order[r, :k[r]]] = True
    return pred


def classify_vectors(X: np.ndarray, labels, labelled_share: float = 0.5, repeats: int = 5, seed: int = 0,
                     multilabel: Optional[bool] = None, sep: str = "|", C: float = 1.0) -> dict:
    """Node classification on given vectors: one-vs-rest logistic regression, micro- and macro-F1.

    Parameters
    ----------
    X : ndarray of shape (n_nodes, dim) or None
        None: the most-frequent-label baseline (predicts the most frequent
        label, or the k most frequent for multi-label data).
    labels : sequence of str, length n_nodes
        Each node's label; empty / missing labels are left out.
    labelled_share : float
        Share of the labelled nodes used for training, in (0, 1).
    repeats : int
        Random splits averaged.
    seed : int
    multilabel : bool, optional
        Default: True when some label contains ``sep``.
    sep : str
    C : float
        Inverse regularisation strength of the logistic regression.

    Returns
    -------
    dict
        ``micro_f1``, ``macro_f1`` (means), ``micro_f1_std``, ``macro_f1_std``,
        ``micro_f1_splits``, ``macro_f1_splits``, ``n_nodes`` (evaluated),
        ``n_train``, ``classes``, ``multilabel``, ``notes``.

    Raises
    ------
    InputError
        Share outside (0, 1), fewer than two classes, or too few labelled
        nodes for the share (the message gives the numbers).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MultiLabelBinarizer, StandardScaler

    if not 0 < labelled_share < 1:
        raise InputError(f"The labelled share must be above 0 and below 1; got {labelled_share}.")
    labels = pd.Series(list(labels), dtype=object)
    if multilabel is None:
        multilabel = bool(labels.dropna().astype(str).str.contains(sep, regex=False).any())
    notes = []
    if multilabel:
        sets = _label_sets(labels, sep)
        counts = pd.Series([x for s in sets for x in s]).value_counts()
        rare = set(counts[counts < 2].index)
        if rare:
            notes.append(f"{len(rare)} label(s) held by a single node were left out: {', '.join(sorted(rare)[:5])}.")
        sets = [s - rare for s in sets]
        rows = np.array([i for i, s in enumerate(sets) if s], dtype=np.int64)
        mlb = MultiLabelBinarizer()
        Y = mlb.fit_transform([sets[i] for i in rows])
        classes = list(mlb.classes_)
    else:
        text = labels.where(labels.notna(), "").astype(str).str.strip()
        counts = text[text != ""].value_counts()
        rare = set(counts[counts < 2].index)
        if rare:
            notes.append(f"{len(rare)} class(es) with a single node were left out: {', '.join(sorted(rare)[:5])}.")
        rows = np.flatnonzero(((text != "") & ~text.isin(rare)).to_numpy())
        y = text.to_numpy()[rows]
        classes = sorted(set(y))
    if len(classes) < 2:
        raise InputError("Node classification needs at least two labels held by two or more nodes each; this label "
                         f"column has {len(classes)}. Choose another column.")
    n = len(rows)
    n_train = int(np.floor(labelled_share * n))
    if n_train < len(classes):
        raise InputError(f"With {labelled_share:.0%} of the {n:,} labelled nodes for training, {n_train} nodes would "
                         f"be labelled but there are {len(classes)} classes. Raise the labelled share.")
    if n - n_train < (1 if multilabel else len(classes)):
        raise InputError(f"With {labelled_share:.0%} of the {n:,} labelled nodes for training, only {n - n_train} "
                         f"would be left to test {len(classes)} classes on. Lower the labelled share.")
    if len(rows) < len(labels):
        notes.append(f"{len(labels) - len(rows):,} node(s) without a (usable) label were left out.")
    if multilabel:
        splitter = ShuffleSplit(n_splits=repeats, train_size=n_train, random_state=seed)
        splits = splitter.split(rows)
    else:
        splitter = StratifiedShuffleSplit(n_splits=repeats, train_size=n_train, random_state=seed)
        splits = splitter.split(rows, y)
    micro, macro = [], []
    for tr, te in splits:
        if multilabel:
            k = Y[te].sum(axis=1)
            if X is None:
                scores = np.tile(Y[tr].mean(axis=0), (len(te), 1))
            else:
                clf = make_pipeline(StandardScaler(), OneVsRestClassifier(LogisticRegression(C=C, max_iter=1000)))
                clf.fit(X[rows[tr]], Y[tr])
                scores = clf.predict_proba(X[rows[te]])
            pred = _top_k_predict(scores, k)
            micro.append(f1_score(Y[te], pred, average="micro", zero_division=0))
            macro.append(f1_score(Y[te], pred, average="macro", zero_division=0))
        else:
            if X is None:
                values, cnt = np.unique(y[tr], return_counts=True)
                pred = np.full(len(te), values[np.argmax(cnt)], dtype=object)
            else:
                clf = make_pipeline(StandardScaler(), OneVsRestClassifier(LogisticRegression(C=C, max_iter=1000)))
                clf.fit(X[rows[tr]], y[tr])
                pred = clf.predict(X[rows[te]])
            micro.append(f1_score(y[te], pred, average="micro", labels=classes, zero_division=0))
            macro.append(f1_score(y[te], pred, average="macro", labels=classes, zero_division=0))
    return {"micro_f1": float(np.mean(micro)), "macro_f1": float(np.mean(macro)),
            "micro_f1_std": float(np.std(micro)), "macro_f1_std": float(np.std(macro)),
            "micro_f1_splits": [float(x) for x in micro], "macro_f1_splits": [float(x) for x in macro],
            "n_nodes": int(n), "n_train": int(n_train), "classes": classes, "multilabel": multilabel, "notes": notes}


def node_classification(space: Space, labels, labelled_share: float = 0.5, repeats: int = 5, seed: int = 0,
                        multilabel: Optional[bool] = None, sep: str = "|") -> dict:
    """Node classification with a node space's vectors (see :func:`classify_vectors`).

    Parameters
    ----------
    space : Space
    labels : str or mapping or pandas.Series
        A metadata column of ``space`` (e.g. ``"club"``), or node id → label.
    labelled_share, repeats, seed, multilabel, sep : see :func:`classify_vectors`

    Returns
    -------
    dict
        See :func:`classify_vectors`.

    Raises
    ------
    InputError
        Unknown column; see :func:`classify_vectors`.
    """
    if isinstance(labels, str):
        if labels not in space.meta.columns:
            raise InputError(f"This model has no node attribute '{labels}'. Attributes: "
                             f"{', '.join(c for c in space.meta.columns if c not in ('count', 'label'))}.")
        values = space.meta[labels]
    else:
        values = pd.Series(labels).reindex(space.words)
    return classify_vectors(np.asarray(space.vectors, dtype=np.float64), values.to_numpy(dtype=object),
                            labelled_share, repeats, seed, multilabel, sep)


def class_columns(graph, sep: str = "|") -> list:
    """The node attributes that can be predicted by node classification.

    A column qualifies with at least two distinct values and either
    multi-label values (``"Drama|Comedy"``) or at most ``max(20, n_nodes // 20)``
    distinct values: a count or a name with a value per node is no class.

    Returns
    -------
    list of str
        The graph's ``label_column`` first when it qualifies, then the others in order.
    """
    out = []
    for col in graph.attribute_columns():
        values = graph.node_meta[col].dropna()
        distinct = values.nunique()
        multilabel = values.astype(str).str.contains(sep, regex=False).any()
        if distinct >= 2 and (multilabel or distinct <= max(20, graph.n_nodes // 20)):
            out.append(col)
    if graph.label_column in out:
        out.remove(graph.label_column)
        out.insert(0, graph.label_column)
    return out


def baseline_dimensions(space_dim: int, n_nodes: int) -> int:
    """Dimensions of the spectral baseline: the model's, but at most a tenth of the nodes (and at least 2).

    Laplacian eigenmaps keep the eigenvectors with the smallest eigenvalues;
    on a small graph most of the rest are noise that the classifier overfits
    (on the karate club, 32 eigenvectors of 34 nodes classify worse than 3).
    """
    return int(max(1, min(space_dim, max(2, n_nodes // 10), n_nodes - 2)))


def classification_report(graph, space: Space, label_column: str, labelled_share: float = 0.5, repeats: int = 5,
                          seed: int = 0, progress: Optional[Progress] = None, spectral_tol: float = 1e-4,
                          baseline_dim: Optional[int] = None) -> pd.DataFrame:
    """Node classification of a node space next to its baselines, measured on the same nodes and splits.

    Baselines: a spectral embedding (Laplacian eigenmaps) of the same graph
    with the same number of dimensions, and the most frequent label(s).

    Parameters
    ----------
    graph : Graph
        The graph the space was trained on (its ``label_column`` attribute gives the labels).
    space : Space
    label_column : str
        A node attribute of the graph.
    labelled_share, repeats, seed : see :func:`classify_vectors`
    progress : callable, optional
    spectral_tol : float
    baseline_dim : int, optional
        Dimensions of the spectral baseline (default :func:`baseline_dimensions`).

    Returns
    -------
    pandas.DataFrame
        One row per model: ``model``, ``micro-F1``, ``macro-F1`` (means),
        ``micro-F1 sd``, ``macro-F1 sd``, ``nodes``, ``labelled``;
        ``attrs`` holds ``notes``, ``classes``, ``multilabel``.

    Raises
    ------
    InputError
        Unknown label column; see :func:`classify_vectors`.
    """
    from embedlab.train.spectral import SpectralConfig, train_spectral

    progress = progress or no_progress
    if label_column not in graph.node_meta.columns:
        raise InputError(f"The graph has no node attribute '{label_column}'. Attributes: "
                         f"{', '.join(graph.attribute_columns()) or 'none'}.")
    known = set(graph.nodes)
    nodes = [w for w in space.words if w in known]
    labels = graph.node_meta[label_column].reindex(nodes).to_numpy(dtype=object)
    rows = []
    progress(0.05, f"Classifying with {space.name}")
    mine = classify_vectors(np.asarray(space.vectors[space.indices(nodes)], dtype=np.float64), labels,
                            labelled_share, repeats, seed)
    rows.append((space.name, mine))
    dim = baseline_dim or baseline_dimensions(space.dim, len(nodes))
    progress(0.3, f"Baseline: spectral embedding ({dim} dimensions)")
    base = train_spectral(graph, SpectralConfig(vector_size=dim, tol=spectral_tol, seed=seed),
                          progress=scaled(progress, 0.3, 0.85))
    have = [w for w in nodes if w in base]
    Xb = np.zeros((len(nodes), base.dim))
    pos = {w: i for i, w in enumerate(nodes)}
    Xb[[pos[w] for w in have]] = base.vectors[base.indices(have)]
    rows.append((f"spectral embedding, {dim} dimensions (baseline)",
                 classify_vectors(Xb, labels, labelled_share, repeats, seed)))
    rows.append(("most frequent label (baseline)", classify_vectors(None, labels, labelled_share, repeats, seed)))
    progress(1.0, "Done")
    frame = pd.DataFrame([{"model": name, "micro-F1": r["micro_f1"], "macro-F1": r["macro_f1"],
                           "micro-F1 sd": r["micro_f1_std"], "macro-F1 sd": r["macro_f1_std"],
                           "nodes": r["n_nodes"], "labelled": r["n_train"]} for name, r in rows])
    frame.attrs.update(notes=mine["notes"], classes=mine["classes"], multilabel=mine["multilabel"],
                       labelled_share=labelled_share, repeats=repeats)
    return frame


# -- link prediction -----------------------------------------------------------------------

def split_edges(graph, share: float = 0.5, seed: int = 0) -> dict:
    """Hold out a share of the edges for link prediction, keeping the residual graph's components.

    Edges of a random spanning forest (scipy's minimum spanning tree over
    random weights) are never held out, so every component stays connected
    and no node loses its last edge. Non-edges are drawn uniformly among
    pairs of nodes with edges, excluding every edge of the full graph.

    Parameters
    ----------
    graph : Graph
    share : float
        Share of all edges to hold out, in (0, 1); fewer when the forest
        protects too many (a note says so).
    seed : int

    Returns
    -------
    dict
        ``residual`` (Graph), ``test_pos``, ``test_neg``, ``train_pos``,
        ``train_neg`` (ndarray of shape (n_pairs, 2), int64: dense node
        indices), ``notes``.

    Raises
    ------
    InputError
        Share outside (0, 1), or no edge can be held out (a forest: every edge
        is a bridge).
    """
    from scipy.sparse.csgraph import minimum_spanning_tree

    if not 0 < share < 1:
        raise InputError(f"The share of held-out edges must be above 0 and below 1; got {share}.")
    rng = np.random.default_rng(seed)
    n, m = graph.n_nodes, graph.n_edges
    notes = []
    a = np.minimum(graph.src, graph.dst).astype(np.int64)
    b = np.maximum(graph.src, graph.dst).astype(np.int64)
    import scipy.sparse as sp

    rand = sp.csr_matrix((rng.random(m) + 1e-9, (a, b)), shape=(n, n))
    tree = minimum_spanning_tree(rand).tocoo()
    tree_keys = np.minimum(tree.row, tree.col).astype(np.int64) * n + np.maximum(tree.row, tree.col)
    keys = a * n + b
    protected = np.isin(keys, tree_keys)
    free = np.flatnonzero(~protected)
    want = int(round(share * m))
    if len(free) == 0:
        raise InputError(f"Every edge of '{graph.name}' is needed to keep its components connected (it is a tree or "
                         "forest), so none can be held out for link prediction.")
    if want > len(free):
        notes.append(f"Only {len(free):,} of the {want:,} edges asked for can be held out without disconnecting the "
                     "graph; all of them are.")
        want = len(free)
    held = rng.choice(free, size=max(want, 1), replace=False)
    keep = np.ones(m, dtype=bool)
    keep[held] = False
    residual = graph.with_edges(keep, name=f"{graph.name} (residual, {want:,} edges held out)")
    test_pos = np.stack([graph.src[held], graph.dst[held]], axis=1).astype(np.int64)
    res_edges = np.flatnonzero(keep)
    n_train = min(len(res_edges), len(held))
    pick = rng.choice(res_edges, size=n_train, replace=False)
    train_pos = np.stack([graph.src[pick], graph.dst[pick]], axis=1).astype(np.int64)
    active = np.flatnonzero(graph.degrees() > 0)
    need = len(test_pos) + len(train_pos)
    if len(active) * (len(active) - 1) // 2 - m < 2 * need:
        raise InputError(f"'{graph.name}' is too dense to sample {need:,} pairs of unlinked nodes; hold out a "
                         "smaller share of edges.")
    edge_keys = np.sort(keys)
    found = np.empty(0, dtype=np.int64)
    while len(found) < need:
        u = active[rng.integers(0, len(active), 2 * need)]
        v = active[rng.integers(0, len(active), 2 * need)]
        cand = np.minimum(u, v) * n + np.maximum(u, v)
        pos = np.minimum(np.searchsorted(edge_keys, cand), len(edge_keys) - 1)
        cand = cand[(u != v) & (edge_keys[pos] != cand)]
        both = np.concatenate([found, cand])
        _, first = np.unique(both, return_index=True)
        found = both[np.sort(first)]
    found = found[:need]
    neg = np.stack([found // n, found % n], axis=1)
    return {"residual": residual, "test_pos": test_pos, "test_neg": neg[:len(test_pos)], "train_pos": train_pos,
            "train_neg": neg[len(test_pos):], "notes": notes}


def hadamard_features(space: Space, graph, pairs: np.ndarray) -> np.ndarray:
    """Edge features: the element-wise (Hadamard) product of the two nodes' vectors.

    Parameters
    ----------
    space : Space
        A node space of ``graph``'s nodes (missing nodes count as zero vectors).
    graph : Graph
    pairs : ndarray of shape (n_pairs, 2), int
        Dense node indices of ``graph``.

    Returns
    -------
    ndarray of shape (n_pairs, dim), float64
    """
    row = np.full(graph.n_nodes, -1, dtype=np.int64)
    for i, node in enumerate(graph.nodes):
        j = space.kv.key_to_index.get(node)
        if j is not None:
            row[i] = j
    V = np.vstack([np.asarray(space.vectors, dtype=np.float64), np.zeros((1, space.dim))])
    r = np.where(row < 0, len(V) - 1, row)
    return V[r[pairs[:, 0]]] * V[r[pairs[:, 1]]]


def _auc_embedding(space: Space, graph, split: dict) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    Xtr = hadamard_features(space, graph, np.vstack([split["train_pos"], split["train_neg"]]))
    ytr = np.r_[np.ones(len(split["train_pos"])), np.zeros(len(split["train_neg"]))]
    Xte = hadamard_features(space, graph, np.vstack([split["test_pos"], split["test_neg"]]))
    yte = np.r_[np.ones(len(split["test_pos"])), np.zeros(len(split["test_neg"]))]
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(Xtr, ytr)
    return float(roc_auc_score(yte, clf.predict_proba(Xte)[:, 1]))


def _auc_heuristic(residual, split: dict, which: str) -> float:
    import networkx as nx
    from sklearn.metrics import roc_auc_score

    G = residual.to_networkx(directed=False)
    pairs = np.vstack([split["test_pos"], split["test_neg"]])
    y = np.r_[np.ones(len(split["test_pos"])), np.zeros(len(split["test_neg"]))]
    ebunch = [(int(u), int(v)) for u, v in pairs]
    if which == "cn":
        scores = [len(list(nx.common_neighbors(G, u, v))) for u, v in ebunch]
    else:
        scores = [s for _, _, s in nx.adamic_adar_index(G, ebunch)]
    return float(roc_auc_score(y, scores))


def link_prediction(graph, trainers: dict, share: float = 0.5, seed: int = 0, progress: Optional[Progress] = None,
                    spectral_dim: Optional[int] = None, spectral_tol: float = 1e-4) -> pd.DataFrame:
    """Link prediction (ROC AUC) of one or more models next to the baselines, on the same held-out pairs.

    Parameters
    ----------
    graph : Graph
    trainers : dict
        ``{model name: fn(residual_graph, progress) -> Space}``, e.g.
        ``{"node2vec": lambda g, pr: train_node2vec(g, cfg, pr)}``.
    share : float
        Share of edges held out (the node2vec paper: 0.5).
    seed : int
    progress : callable, optional
    spectral_dim : int, optional
        Dimensions of the spectral baseline (default :func:`baseline_dimensions` of the first model's).
    spectral_tol : float

    Returns
    -------
    pandas.DataFrame
        One row per method: ``method``, ``ROC AUC``, ``seconds``; ``attrs``:
        ``held_out``, ``notes``.

    Raises
    ------
    InputError
        See :func:`split_edges`.
    """
    from embedlab.train.spectral import SpectralConfig, train_spectral

    progress = progress or no_progress
    split = split_edges(graph, share, seed)
    residual = split["residual"]
    rows, dim = [], None
    n_steps = len(trainers) + 2
    for k, (name, fit) in enumerate(trainers.items()):
        t0 = time.perf_counter()
        space = fit(residual, scaled(progress, k / n_steps, (k + 1) / n_steps))
        dim = dim or space.dim
        rows.append({"method": name, "ROC AUC": _auc_embedding(space, graph, split),
                     "seconds": time.perf_counter() - t0})
    k = len(trainers)
    t0 = time.perf_counter()
    dim = spectral_dim or baseline_dimensions(dim or 32, residual.n_nodes - int(residual.isolated().sum()))
    base = train_spectral(residual, SpectralConfig(vector_size=dim, tol=spectral_tol, seed=seed),
                          progress=scaled(progress, k / n_steps, (k + 1) / n_steps))
    rows.append({"method": f"spectral embedding, {dim} dimensions (baseline)",
                 "ROC AUC": _auc_embedding(base, graph, split), "seconds": time.perf_counter() - t0})
    progress((k + 1) / n_steps, "Baselines: common neighbours, Adamic–Adar")
    for which, label in (("cn", "common neighbours (baseline)"), ("aa", "Adamic–Adar (baseline)")):
        t0 = time.perf_counter()
        rows.append({"method": label, "ROC AUC": _auc_heuristic(residual, split, which),
                     "seconds": time.perf_counter() - t0})
    progress(1.0, "Done")
    frame = pd.DataFrame(rows)
    frame.attrs.update(held_out=int(len(split["test_pos"])), notes=split["notes"], share=share)
    return frame


# -- the "p and q" lesson ----------------------------------------------------------------------

def pq_comparison(graph, q_values=(0.5, 2.0), cfg=None, k_clusters: int = 6, seed: int = 0,
                  progress: Optional[Progress] = None, graph_id: Optional[str] = None) -> dict:
    """The node2vec paper's Figure 3 as a measurement: one graph embedded with several q, each space clustered.

    With q < 1 walks roam, and the paper's k-means clusters follow
    communities (homophily); with q > 1 walks stay local, and the paper's
    clusters follow structural roles (hubs, bridges, periphery). Each space is
    clustered with k-means (cosine) and the clusters are measured two ways:
    their agreement with the graph's Louvain communities (adjusted Rand
    index, 1 = the same partition) and how alike the degrees within a cluster
    are (mean standard deviation of log-degree; lower = clusters of similar
    roles). On Les Misérables with the paper's settings (walks of 80, window
    10) both q give community-like clusters; the role-like picture needs local
    context too (a window of 1 or 2, short walks). Ribeiro, Saverese & Figueiredo
    (2017, struc2vec, KDD) explain why walks capture roles only weakly.

    Parameters
    ----------
    graph : Graph
    q_values : sequence of float
    cfg : Node2VecConfig, optional
        Everything but ``q`` (default: the defaults with 16 dimensions, as the paper's figure).
    k_clusters : int
    seed : int
    progress : callable, optional
    graph_id : str, optional
        The stored graph's id, kept in each space's info.

    Returns
    -------
    dict
        ``spaces`` ({q: Space}), ``clusters`` ({q: ndarray of shape (n_keys,)}
        in each space's key order), ``communities`` (ndarray of shape
        (n_nodes,), Louvain), ``summary`` (DataFrame: ``q``,
        ``agreement with communities (ARI)``, ``log-degree spread within clusters``).
    """
    from dataclasses import replace

    from sklearn.metrics import adjusted_rand_score

    from embedlab.probes.projection import kmeans_labels
    from embedlab.train.node2vec import Node2VecConfig, train_node2vec

    progress = progress or no_progress
    base = cfg or Node2VecConfig(vector_size=16, seed=seed)
    communities = louvain_communities(graph, seed=seed)
    log_deg = np.log(np.maximum(graph.degrees(), 1))
    spaces, clusters, rows = {}, {}, []
    for k, q in enumerate(q_values):
        space = train_node2vec(graph, replace(base, q=float(q)),
                               scaled(progress, k / len(q_values), (k + 1) / len(q_values)),
                               name=f"node2vec q = {q:g} on {graph.name}", graph_id=graph_id)
        idx = graph.index_of(space.words)
        labels = kmeans_labels(space.vectors, k_clusters, random_state=seed)
        spread = np.mean([np.std(log_deg[idx][labels == c]) for c in np.unique(labels)])
        spaces[q], clusters[q] = space, labels
        rows.append({"q": float(q), "agreement with communities (ARI)": adjusted_rand_score(communities[idx], labels),
                     "log-degree spread within clusters": float(spread)})
    return {"spaces": spaces, "clusters": clusters, "communities": communities, "summary": pd.DataFrame(rows)}


# -- background jobs -----------------------------------------------------------------------

def graph_of_model(workspace, space: Space, graph_id: Optional[str] = None):
    """The stored graph a node model was trained on: ``(graph_id, Graph)``.

    By ``graph_id`` (default: the model's ``info["graph_id"]``); when that one
    is gone (deleted, or the model was published from another workspace), a
    stored graph with the same name and size (picked or uploaded again).

    Raises
    ------
    InputError
        Not a node model, or no such graph is stored; the message says what to do.
    """
    from embedlab.sources.graphs import load_graph

    if space.item_kind != "node":
        raise InputError(f"'{space.name}' is not a graph model (its items are {space.nouns[1]}). Make a DeepWalk, "
                         "node2vec or spectral model active.")
    wanted = graph_id or space.info.get("graph_id")
    if wanted:
        try:
            return wanted, load_graph(workspace, wanted)
        except InputError:
            pass
    stored = workspace.datasets("graph")
    for col in ("nodes", "edges"):
        if col not in stored.columns:
            stored[col] = pd.Series(dtype=object)
    same = stored[(stored["name"] == space.info.get("graph_name")) & (stored["nodes"] == space.info.get("graph_nodes"))
                  & (stored["edges"] == space.info.get("graph_edges"))]
    if not same.empty:
        found = str(same["id"].iloc[0])
        return found, load_graph(workspace, found)
    raise InputError(f"The graph this model was trained on ('{space.info.get('graph_name', 'unknown')}') is not "
                     "stored in this workspace any more. Pick or upload it again on the Graphs page, then evaluate.")


def run_classification_job(workspace, args: dict, progress: Progress) -> dict:
    """Background job (kind ``graph_classification``): node classification of a stored node model.

    ``args``: ``model_id``, ``label_column``, optional ``graph_id`` (default:
    the model's graph, see :func:`graph_of_model`), ``labelled_share`` (0.5),
    ``repeats`` (5), ``seed`` (0).

    Returns
    -------
    dict
        ``rows`` (the table of :func:`classification_report` as records), ``notes``, ``classes``,
        ``multilabel``, ``labelled_share``, ``label_column``, ``model_id``.
    """
    space = workspace.load_space(args["model_id"])
    _, graph = graph_of_model(workspace, space, args.get("graph_id"))
    share = float(args.get("labelled_share", 0.5))
    table = classification_report(graph, space, args["label_column"], share, int(args.get("repeats", 5)),
                                  int(args.get("seed", 0)), progress)
    return {"rows": table.to_dict("records"), "notes": table.attrs["notes"], "classes": table.attrs["classes"],
            "multilabel": table.attrs["multilabel"], "labelled_share": share, "label_column": args["label_column"],
            "model_id": args["model_id"]}


def _trainers() -> dict:
    from embedlab.train.deepwalk import DeepWalkConfig, train_deepwalk
    from embedlab.train.node2vec import Node2VecConfig, train_node2vec
    from embedlab.train.spectral import SpectralConfig, train_spectral

    return {"deepwalk": (DeepWalkConfig, train_deepwalk), "node2vec": (Node2VecConfig, train_node2vec),
            "spectral": (SpectralConfig, train_spectral)}


def run_link_prediction_job(workspace, args: dict, progress: Progress) -> dict:
    """Background job (kind ``graph_link_prediction``): train on a residual graph and score held-out edges.

    ``args``: ``graph_id`` or ``model_id`` (then the model's graph, family and
    settings), ``family`` (``"deepwalk"``, ``"node2vec"`` or ``"spectral"``),
    ``config`` (that family's config dict), ``share`` (0.5), ``seed`` (0).

    Returns
    -------
    dict
        ``rows`` (method, ROC AUC, seconds), ``held_out``, ``notes``, ``share``, ``family``.

    Raises
    ------
    InputError
        Another family, or see :func:`split_edges`.
    """
    from embedlab.sources.graphs import load_graph

    family, config = args.get("family"), args.get("config")
    if args.get("model_id"):
        space = workspace.load_space(args["model_id"])
        _, graph = graph_of_model(workspace, space, args.get("graph_id"))
        family = family or space.kind
        config = space.info.get("params", {}) if config is None else config
    else:
        graph = load_graph(workspace, args["graph_id"])
    family = family or "node2vec"
    trainers = _trainers()
    if family not in trainers:
        raise InputError(f"Link prediction trains DeepWalk, node2vec or a spectral embedding; got {family!r}.")
    config_cls, train = trainers[family]
    cfg = config_cls.from_dict(config or {})
    title = {"deepwalk": "DeepWalk", "node2vec": "node2vec", "spectral": "spectral embedding"}[family]
    whose = "this model's" if args.get("model_id") else "these"
    label = f"{title} ({whose} settings)"
    fits: dict[str, Callable] = {label: lambda g, pr: train(g, cfg, pr)}
    share = float(args.get("share", 0.5))
    table = link_prediction(graph, fits, share, int(args.get("seed", 0)), progress)
    return {"rows": table.to_dict("records"), "held_out": table.attrs["held_out"], "notes": table.attrs["notes"],
            "share": share, "family": family}


#: Settings of the "p and q" lesson: the node2vec paper's for Figure 3, and a local context.
#: One Word2Vec worker: the same picture on every run (77 nodes train in about a second either way).
PQ_PRESETS = {
    "paper": {"vector_size": 16, "walk_length": 80, "walks_per_node": 10, "window": 10, "epochs": 1,
              "reproducible": True},
    "local": {"vector_size": 16, "walk_length": 10, "walks_per_node": 10, "window": 1, "epochs": 5,
              "reproducible": True},
}


def match_clusters(reference: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Renumber ``labels`` so that each cluster takes the number of the ``reference`` cluster it overlaps most.

    A maximum-weight matching of the contingency table (scipy's
    ``linear_sum_assignment``, the Hungarian method); clusters without a
    partner keep numbers above the reference's. -1 (no vector) stays -1.

    Parameters
    ----------
    reference, labels : ndarray of shape (n,), int
        Cluster numbers from 0, or -1.

    Returns
    -------
    ndarray of shape (n,), int64
    """
    from scipy.optimize import linear_sum_assignment

    reference, labels = np.asarray(reference), np.asarray(labels)
    both = (reference >= 0) & (labels >= 0)
    k_ref, k = int(reference.max()) + 1, int(labels.max()) + 1
    table = np.zeros((k, k_ref), dtype=np.int64)
    np.add.at(table, (labels[both], reference[both]), 1)
    rows, cols = linear_sum_assignment(-table)
    new = np.full(k, -1, dtype=np.int64)
    new[rows] = cols
    spare = iter(range(k_ref, k_ref + k))
    for c in range(k):
        if new[c] < 0:
            new[c] = next(spare)
    return np.where(labels >= 0, new[np.maximum(labels, 0)], -1).astype(np.int64)


def run_pq_job(workspace, args: dict, progress: Progress) -> dict:
    """Background job (kind ``graph_pq``): the "p and q" lesson, node2vec with two values of q on one graph.

    ``args``: ``sample`` (default ``"les-miserables"``) or ``graph_id``;
    ``preset`` (a key of :data:`PQ_PRESETS`, default ``"paper"``) or
    ``config`` (a :class:`~embedlab.train.node2vec.Node2VecConfig` dict);
    ``q_values`` ((0.5, 2.0)), ``k_clusters`` (6), ``seed`` (0); ``save``
    (True: both models are stored, to be compared on Compare).

    Returns
    -------
    dict
        ``graph_id``, ``nodes`` (node ids in the graph's order), ``clusters``
        ({str(q): k-means cluster of each node, -1 for a node with no vector;
        numbered to match the first q's clusters, see :func:`match_clusters`}),
        ``communities`` (Louvain), ``summary`` (records of
        :func:`pq_comparison`'s table), ``model_ids`` ({str(q): id}), ``config``.
    """
    from embedlab.sources.graphs import load_graph, sample_graph, save_graph
    from embedlab.train.node2vec import Node2VecConfig

    if args.get("graph_id"):
        graph_id = args["graph_id"]
        graph = load_graph(workspace, graph_id)
    else:
        graph = sample_graph(args.get("sample") or "les-miserables")
        graph_id = save_graph(workspace, graph)
    preset = args.get("preset", "paper")
    if preset not in PQ_PRESETS and not args.get("config"):
        raise InputError(f"There is no preset '{preset}'; choose one of {', '.join(PQ_PRESETS)}.")
    seed = int(args.get("seed", 0))
    cfg = Node2VecConfig.from_dict({"seed": seed, **(args.get("config") or PQ_PRESETS[preset])})
    q_values = [float(q) for q in args.get("q_values", (0.5, 2.0))]
    result = pq_comparison(graph, q_values, cfg, int(args.get("k_clusters", 6)), seed, scaled(progress, 0.0, 0.95),
                           graph_id=graph_id)
    clusters, model_ids, first = {}, {}, None
    for q in q_values:
        space = result["spaces"][q]
        full = np.full(graph.n_nodes, -1, dtype=np.int64)
        full[graph.index_of(space.words)] = result["clusters"][q]
        if first is None:
            first = full
        else:
            full = match_clusters(first, full)  # one colour, one cluster number, in both pictures
        clusters[f"{q:g}"] = full.tolist()
        if args.get("save", True):
            model_ids[f"{q:g}"] = workspace.save_space(space)
    progress(1.0, "Done")
    return {"graph_id": graph_id, "nodes": graph.nodes.tolist(), "clusters": clusters,
            "communities": result["communities"].tolist(), "summary": result["summary"].to_dict("records"),
            "model_ids": model_ids, "config": cfg.to_dict(), "q_values": q_values}
