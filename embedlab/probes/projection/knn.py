"""k nearest neighbours of a point set: exact (one matrix product per chunk) or NN-descent (pynndescent)."""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from embedlab.errors import InputError
from embedlab.probes.neighbours import top_k_values
from embedlab.probes.projection.preprocess import unit_rows

#: Distances the k-NN graph, UMAP, t-SNE and the distortion measures understand.
KNN_METRICS = ("cosine", "euclidean")


def exact_knn(X: np.ndarray, k: int, metric: str = "cosine", chunk_size: int = 1024,
              progress: Optional[Callable] = None) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours of every row, each point first (distance 0).

    One matrix product per chunk of rows (BLAS), then
    :func:`embedlab.probes.neighbours.top_k_values` per row; this is
    the layout :func:`embedlab.probes.projection.umap.graph.fuzzy_simplicial_set` expects,
    so UMAP skips an approximate search (pynndescent) below :data:`EXACT_KNN_LIMIT`.

    Parameters
    ----------
    X : ndarray of shape (n_points, dim)
    k : int
        Neighbours per point, counting the point itself (so ``k - 1`` others).
    metric : {"cosine", "euclidean"}
        Cosine distance is ``1 - cos``.
    chunk_size : int
        Rows per matrix product (memory is ``chunk_size * n_points`` floats).
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    indices : ndarray of shape (n_points, k), int32
    distances : ndarray of shape (n_points, k), float32, ascending per row

    Raises
    ------
    InputError
        Unknown metric, or ``k`` larger than the number of points.
    """
    if metric not in KNN_METRICS:
        raise InputError(f"Unknown metric {metric!r}; choose one of {', '.join(KNN_METRICS)}.")
    X = np.asarray(X, dtype=np.float32)
    n = X.shape[0]
    if not 1 <= k <= n:
        raise InputError(f"Cannot find {k} neighbours among {n} points; choose fewer neighbours or more points.")
    if metric == "cosine":
        Y = unit_rows(X)
        sq = None
    else:
        Y = X
        sq = np.einsum("ij,ij->i", X, X)
    indices = np.empty((n, k), dtype=np.int32)
    distances = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        rows = np.arange(start, stop)
        scores = Y[start:stop] @ Y.T  # similarity (cosine) or x.y (euclidean)
        if metric == "euclidean":
            # largest score = smallest distance: -|x-y|^2 + |x|^2 = 2 x.y - |y|^2
            scores *= 2.0
            scores -= sq[None, :]
        # the point itself always comes first, even among duplicates
        scores[np.arange(stop - start), rows] = np.inf
        best, best_scores = top_k_values(scores, k, block=16)  # 16: fastest for k 10-31 over 10-50k columns
        indices[start:stop] = best
        if metric == "cosine":
            d = 1.0 - best_scores
        else:
            d = np.sqrt(np.maximum(sq[rows, None] - best_scores, 0.0))
        d[:, 0] = 0.0
        distances[start:stop] = np.maximum(d, 0.0)
        if progress is not None:
            progress(stop / n, f"nearest neighbours: {stop:,} of {n:,} points")
    return indices, distances


EXACT_KNN_LIMIT = 5e10  # n_points**2 * dim above which the exact graph costs more than pynndescent


def knn_graph(X: np.ndarray, k: int, metric: str = "cosine", method: str = "auto", random_state: Optional[int] = None,
              progress: Optional[Callable] = None) -> tuple[np.ndarray, np.ndarray]:
    """k nearest neighbours of every row (the point itself first): exact, or approximate for big inputs.

    ``method="auto"`` uses :func:`exact_knn` while ``n_points**2 * dim`` is at
    most :data:`EXACT_KNN_LIMIT` (12,900 points of 300 dimensions, 22,000 of
    100) and pynndescent's NN-descent (Dong et al. 2011; the search umap-learn
    uses itself, with umap-learn's settings) above it, where one dense matrix
    product would cost more than the whole projection on a 2-core machine.

    Parameters
    ----------
    X : ndarray of shape (n_points, dim)
    k : int
    metric : {"cosine", "euclidean"}
    method : {"auto", "exact", "nndescent"}

    Returns
    -------
    indices : ndarray of shape (n_points, k), int32
    distances : ndarray of shape (n_points, k), float32
    """
    X = np.asarray(X, dtype=np.float32)
    n, dim = X.shape
    if method == "auto":
        method = "exact" if float(n) * n * dim <= EXACT_KNN_LIMIT or n <= 4 * k else "nndescent"
    if method == "exact":
        return exact_knn(X, k, metric, progress=progress)
    if metric not in KNN_METRICS:
        raise InputError(f"Unknown metric {metric!r}; choose one of {', '.join(KNN_METRICS)}.")
    from embedlab.probes.projection.umap.numba_cache import enable_numba_disk_cache

    enable_numba_disk_cache()  # before pynndescent compiles anything
    from pynndescent import NNDescent

    if progress is not None:
        progress(0.1, f"approximate nearest neighbours (NN-descent) of {n:,} points")
    index = NNDescent(X, n_neighbors=k, metric=metric, random_state=random_state,
                      n_trees=min(64, 5 + int(round(n ** 0.5 / 20.0))), n_iters=max(5, int(round(np.log2(n)))),
                      max_candidates=60, low_memory=True, compressed=False, n_jobs=-1)
    ind, dist = index.neighbor_graph
    ind = ind.astype(np.int32)
    dist = np.maximum(dist.astype(np.float32), 0.0)
    # NN-descent nearly always returns the point itself first; make it so exactly
    rows = np.arange(n)
    for r in np.flatnonzero(ind[:, 0] != rows):
        keep = ind[r] != r
        ind[r] = np.concatenate([[r], ind[r][keep]])[:k]
        dist[r] = np.concatenate([[0.0], dist[r][keep]])[:k]
    dist[:, 0] = 0.0
    return ind, dist
