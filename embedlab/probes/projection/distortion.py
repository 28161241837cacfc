"""How much a projection distorts the space: trustworthiness and per-point k-NN overlap."""

from __future__ import annotations

from typing import Optional

import numpy as np

from embedlab.errors import InputError
from embedlab.probes.projection.knn import knn_graph


def trustworthiness(X: np.ndarray, Y: np.ndarray, k: int = 10, metric: str = "cosine", sample_size: int = 3000,
                    random_state: int = 0) -> tuple[float, int]:
    """scikit-learn's trustworthiness of projection ``Y`` of ``X``, on a sample when large.

    Trustworthiness (Venna & Kaski 2001; ``sklearn.manifold.trustworthiness``)
    is 1 when every point's ``k`` nearest neighbours in the projection are also
    near it in the original space, and falls towards 0 as the projection brings
    in false neighbours. It needs an ``n x n`` distance matrix, so above
    ``sample_size`` points it is computed on a random sample of that size (the
    neighbours are then those within the sample).

    Parameters
    ----------
    X : ndarray of shape (n_points, dim)
    Y : ndarray of shape (n_points, n_components)
    k : int
        Neighbourhood size; must be below ``n_points / 2``.
    metric : str
        Distance in the original space.
    sample_size : int
    random_state : int

    Returns
    -------
    (trustworthiness, points used) : (float in [0, 1], int)

    Raises
    ------
    InputError
        Too few points for ``k``.
    """
    from sklearn.manifold import trustworthiness as _trust

    n = X.shape[0]
    if sample_size and n > sample_size:
        rows = np.sort(np.random.default_rng(random_state).choice(n, sample_size, replace=False))
        X, Y = X[rows], Y[rows]
        n = sample_size
    if k >= n / 2:
        raise InputError(f"Trustworthiness at k={k} needs more than {2 * k} points; choose a smaller k or more words.")
    return float(_trust(X, Y, n_neighbors=k, metric=metric)), n


def knn_overlap(X: np.ndarray, Y: np.ndarray, k: int = 10, metric: str = "cosine",
                knn_original: Optional[tuple] = None) -> np.ndarray:
    """Per point, the share of its ``k`` nearest neighbours in ``X`` that are also among its ``k`` in ``Y``.

    Neighbours in the original space use ``metric`` (cosine by default); in the
    projection, euclidean distance. 1 means the point's neighbourhood survived
    the projection, 0 that none of it did.

    Parameters
    ----------
    X : ndarray of shape (n_points, dim)
    Y : ndarray of shape (n_points, n_components)
    k : int
    knn_original : tuple (indices, distances), optional
        Precomputed :func:`knn_graph` of ``X`` with at least ``k + 1`` columns
        (computed with :func:`knn_graph` otherwise: exact up to its size limit).

    Returns
    -------
    ndarray of shape (n_points,), float32 in [0, 1]
    """
    n = X.shape[0]
    k = int(min(k, n - 1))
    if k < 1:
        return np.ones(n, dtype=np.float32)
    from sklearn.neighbors import NearestNeighbors

    if knn_original is None or knn_original[0].shape[1] < k + 1:
        knn_original = knn_graph(X, k + 1, metric)
    a = np.sort(knn_original[0][:, 1:k + 1].astype(np.int64), axis=1)
    # 2-D/3-D: a k-d tree finds the projection's neighbours in O(n log n)
    Y = np.asarray(Y, dtype=np.float64)
    _, b = NearestNeighbors(n_neighbors=k + 1, algorithm="kd_tree").fit(Y).kneighbors(Y)
    # drop the point itself (usually first; not necessarily when points coincide)
    rows = np.arange(n)[:, None]
    is_self = b == rows
    no_self = ~is_self.any(axis=1)
    is_self[no_self, -1] = True
    b = np.sort(b[~is_self].reshape(n, k).astype(np.int64), axis=1)
    # count common members row by row: offset rows so one isin over flattened arrays does it
    offs = (np.arange(n, dtype=np.int64) * n)[:, None]
    common = np.isin(a + offs, b + offs).reshape(n, k).sum(axis=1)
    return (common / k).astype(np.float32)
