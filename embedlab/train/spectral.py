"""Spectral embedding (Laplacian eigenmaps, Belkin & Niyogi 2003): the matrix counterpart of DeepWalk.

A node's coordinates are its entries in the eigenvectors of the normalised
graph Laplacian L = I − D^{-1/2} A D^{-1/2} with the smallest eigenvalues,
divided by √degree, the trivial eigenvector (√degree itself, eigenvalue 0)
dropped: nodes joined by many (heavy) edges get close coordinates. This is
exactly what scikit-learn's :class:`~sklearn.manifold.SpectralEmbedding`
computes (``affinity="precomputed"``, the same normalisation and sign
convention; ``tests/test_graph_models.py`` holds the two equal), but its
ARPACK path factorises the Laplacian (shift-invert), which on a 10,000-node
random graph ran for more than five minutes here, and its LOBPCG path took
17 s. We ask ARPACK (``scipy.sparse.linalg.eigsh``) for the largest
eigenvalues of D^{-1/2} A D^{-1/2} instead, which needs only matrix-vector
products, with the trivial direction projected out first so that a
disconnected graph keeps the eigenvectors that tell its components apart.

Qiu et al. (2018, "Network Embedding as Matrix Factorization", WSDM) show
DeepWalk implicitly factorises a related matrix, which is why the two are
compared side by side.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

import numpy as np
import scipy.sparse as sp

from embedlab.errors import Cancelled, InputError
from embedlab.progress import Progress, ShouldStop, no_progress
from embedlab.space import Space
from embedlab.train.graph_family import (communities_for, graph_facts, graph_info, left_out_info, node_space,
                                         run_graph_job)
from embedlab.train.params import Params, param
from embedlab.train.registry import Family

TITLE = "Spectral embedding (Laplacian eigenmaps)"
CITATION = ("M. Belkin and P. Niyogi (2003), \"Laplacian Eigenmaps for Dimensionality Reduction and Data "
            "Representation\", Neural Computation 15(6); computed as scikit-learn's SpectralEmbedding does.")
#: Graphs up to this many nodes are solved with a dense eigendecomposition (exact, and fast at that size).
DENSE_MAX_NODES = 1500


@dataclass
class SpectralConfig(Params):
    """Settings of :func:`train_spectral`.

    Attributes
    ----------
    vector_size : int
        Eigenvectors kept (after dropping the trivial one).
    weighted : bool
    tol : float
        Relative accuracy asked of ARPACK's eigenvalues (0: machine precision).
    seed : int
        Seed of ARPACK's starting vector.
    """

    vector_size: int = param(32, "Eigenvectors of the normalised Laplacian kept, smallest eigenvalues first (the "
                                 "trivial one dropped); one dimension each.", 1, 512)
    weighted: bool = param(True, "Use the edge weights as the affinity between nodes; off, every edge counts 1.",
                           label="use edge weights")
    tol: float = param(1e-4, "Relative accuracy asked of the eigenvalue solver (ARPACK); 0 means machine precision, "
                             "much slower on large graphs.", 0.0, 0.1, format="%.0e", advanced=True)
    seed: int = param(0, "Seed of the eigenvalue solver's random starting vector.", 0, 2**31 - 1, advanced=True)


def _sign_flip(V: np.ndarray) -> np.ndarray:
    """Make each column's largest-magnitude entry positive (scikit-learn's deterministic sign convention)."""
    rows = np.argmax(np.abs(V), axis=0)
    signs = np.sign(V[rows, np.arange(V.shape[1])])
    signs[signs == 0] = 1.0
    return V * signs


def laplacian_eigenmaps(adjacency, n_components: int, seed: int = 0, tol: float = 1e-4,
                        progress: Optional[Progress] = None, should_stop: Optional[ShouldStop] = None) -> tuple:
    """Laplacian eigenmaps of a symmetric affinity matrix with no empty rows.

    Parameters
    ----------
    adjacency : sparse matrix of shape (n_nodes, n_nodes)
        Symmetric, non-negative, every row with a positive sum (no isolated node).
    n_components : int
        Dimensions; at most ``n_nodes - 2``.
    seed : int
    tol : float
        ARPACK's relative tolerance (ignored by the dense solver).
    progress, should_stop : callables, optional
        Called after each matrix-vector product (ARPACK reverse communication).

    Returns
    -------
    embedding : ndarray of shape (n_nodes, n_components), float64
        Eigenvectors of D^{-1/2} A D^{-1/2} with the largest eigenvalues (the
        smallest of the normalised Laplacian), trivial direction removed,
        divided by √degree, each column's largest-magnitude entry positive.
    eigenvalues : ndarray of shape (n_components,)
        Of the normalised Laplacian (1 − those of D^{-1/2} A D^{-1/2}), ascending.

    Raises
    ------
    InputError
        Too many components for the graph.
    Cancelled
        ``should_stop()`` returned True.
    """
    A = sp.csr_matrix(adjacency, dtype=np.float64)
    n = A.shape[0]
    if not 1 <= n_components <= n - 2:
        raise InputError(f"A spectral embedding of {n:,} nodes can have at most {max(n - 2, 0)} dimensions; "
                         f"asked for {n_components}. Lower vector_size.")
    deg = np.asarray(A.sum(axis=1)).ravel()
    dd = np.sqrt(deg)
    s = 1.0 / dd
    M = sp.diags(s) @ A @ sp.diags(s)
    u0 = dd / np.linalg.norm(dd)  # the trivial eigenvector (eigenvalue 1 of M, 0 of L), on every component at once
    if n <= DENSE_MAX_NODES:
        Md = M.toarray()
        Md -= np.outer(u0, u0)
        w, V = np.linalg.eigh(Md)
        w, V = w[::-1][:n_components], V[:, ::-1][:, :n_components]
    else:
        from scipy.sparse.linalg import LinearOperator, eigsh

        progress = progress or no_progress
        calls = [0]

        def matvec(x):
            calls[0] += 1
            if calls[0] % 20 == 0:
                progress(1.0 - 1.0 / (1.0 + calls[0] / 200.0), f"Eigenvectors: {calls[0]:,} matrix-vector products",
                         matvec=calls[0])
                if should_stop is not None and should_stop():
                    raise Cancelled("Training was cancelled.")
            x = np.asarray(x).reshape(-1)
            return M @ x - u0 * (u0 @ x)

        op = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
        v0 = np.random.default_rng(seed).uniform(-1.0, 1.0, n)
        w, V = eigsh(op, k=n_components, which="LA", tol=tol, v0=v0,
                     ncv=min(n, max(2 * n_components + 1, n_components + 48)))
        order = np.argsort(-w)
        w, V = w[order], V[:, order]
    return _sign_flip(V / dd[:, None]), 1.0 - w


def train_spectral(graph, cfg: Optional[SpectralConfig] = None, progress: Optional[Progress] = None,
                   should_stop: Optional[ShouldStop] = None, name: Optional[str] = None,
                   graph_id: Optional[str] = None) -> Space:
    """Spectral embedding of a graph's nodes (a directed graph is taken as undirected: A + Aᵀ).

    Parameters
    ----------
    graph : Graph
    cfg : SpectralConfig, optional
    progress : callable, optional
    should_stop : callable, optional
        Polled during the eigenvalue iterations.
    name, graph_id : str, optional

    Returns
    -------
    Space
        ``kind='spectral'``, ``info['item_kind'] == 'node'``, ``info['eigenvalues']``
        (of the normalised Laplacian); keys are the ids of nodes with at least
        one edge (isolated nodes have no degree to normalise by and are left out).

    Raises
    ------
    InputError
        ``vector_size`` too large for the graph.
    Cancelled
        ``should_stop()`` returned True.
    """
    cfg = cfg or SpectralConfig()
    progress = progress or no_progress
    t0 = time.perf_counter()
    notes = []
    if graph.directed:
        notes.append("The graph is directed; the spectral embedding uses it as undirected (A + Aᵀ).")
    A = graph.adjacency(weighted=cfg.weighted, symmetric=True)
    keep = np.asarray(A.sum(axis=1)).ravel() > 0
    idx = np.flatnonzero(keep)
    A = A[idx][:, idx]
    progress(0.02, f"Eigenvectors of the normalised Laplacian ({len(idx):,} nodes)")
    from embedlab.progress import scaled

    Y, eigenvalues = laplacian_eigenmaps(A, cfg.vector_size, cfg.seed, cfg.tol, scaled(progress, 0.02, 0.9),
                                         should_stop)
    communities, note = communities_for(graph, cfg.seed, scaled(progress, 0.9, 0.98))
    if note:
        notes.append(note)
    n_comp, _ = graph.components()
    if n_comp - int((~keep).sum()) > 1:
        notes.append(f"The graph has {n_comp:,} components: the first eigenvectors mostly tell components apart.")
    info = graph_info(graph, "spectral", cfg.to_dict(), name, graph_id,
                      "Laplacian eigenmaps (Belkin & Niyogi 2003): eigenvectors of the normalised Laplacian with "
                      "the smallest eigenvalues, divided by √degree, as scikit-learn's SpectralEmbedding.")
    info.update(train_seconds=time.perf_counter() - t0, eigenvalues=eigenvalues.tolist(),
                left_out=left_out_info(graph, keep, "it has no edges, so no degree to normalise its row by"),
                notes=notes)
    space = node_space(graph, idx, Y.astype(np.float32), info, communities=communities)
    progress(1.0, f"Done: {len(space):,} nodes in {info['train_seconds']:.1f} s")
    return space


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry (kind ``spectral``).

    ``args``: ``graph_id`` or ``sample``, ``config`` (a :class:`SpectralConfig`
    dict), optional ``name``. Returns ``{"model_id": ..., "graph_id": ...}``.
    """
    return run_graph_job(workspace, args, progress, SpectralConfig, train_spectral)


def check_job(workspace, args: dict) -> None:
    """Pre-queue check: the graph exists and has more nodes with edges than ``vector_size + 1``."""
    facts = graph_facts(workspace, args)
    if facts.get("nodes"):
        linked = int(facts["nodes"]) - int(facts.get("isolated_nodes") or 0)
        dim = int(args["config"]["vector_size"])
        if dim > linked - 2:
            raise InputError(f"A spectral embedding of {linked:,} nodes with edges can have at most "
                             f"{max(linked - 2, 0)} dimensions; asked for {dim}. Lower vector_size.")


FAMILY = Family(
    name="spectral", title=TITLE, data="graph", item="node", config=SpectralConfig, job=run_job,
    source="Belkin & Niyogi 2003 (Laplacian eigenmaps), computed as scikit-learn's SpectralEmbedding",
    description="A vector per node from the eigenvectors of the graph's normalised Laplacian: the matrix "
                "counterpart of DeepWalk, with no walks and no training loop.",
    details="Coordinates are the eigenvectors of L = I − D^{-1/2} A D^{-1/2} with the smallest eigenvalues, "
            "divided by √degree (the trivial one dropped): nodes joined by many heavy edges get close coordinates.",
    loss_note="A spectral embedding solves an eigenvalue problem in one go: there are no epochs and no loss curve.",
    check=check_job, order=30)
