"""UMAP's fuzzy graph: the fuzzy simplicial set of a k-NN graph, and the curve that ``min_dist`` sets.

McInnes, Healy & Melville (2018), "UMAP: Uniform Manifold Approximation and
Projection for Dimension Reduction" (arXiv:1802.03426), section 3.1 and
algorithms 2-3, computed as umap-learn does (``umap/umap_.py``:
``smooth_knn_dist``, ``compute_membership_strengths``,
``fuzzy_simplicial_set`` with its defaults, and ``find_ab_params``);
``tests/test_umap_graph.py`` checks the results against umap-learn's.

Our own so that a UMAP on an exact k-NN graph never imports umap-learn: its
import compiles pynndescent's numba code, 17 s in a fresh install.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit, prange

SMOOTH_K_TOLERANCE = 1e-5
MIN_K_DIST_SCALE = 1e-3


# no fastmath: infinite distances (disconnected pairs) and the search's open upper bound must stay infinite
@njit(parallel=True, cache=True, nogil=True)
def _smooth_knn_dist(distances, k, n_iter=64, local_connectivity=1.0):  # pragma: no cover - compiled
    target = np.log2(k)
    n = distances.shape[0]
    rho = np.zeros(n, dtype=np.float32)
    sigma = np.zeros(n, dtype=np.float32)
    mean_distances = np.mean(distances)
    for i in prange(n):
        lo = 0.0
        hi = np.inf
        mid = 1.0
        row = distances[i]
        positive = row[row > 0.0]
        if positive.shape[0] >= local_connectivity:
            index = int(np.floor(local_connectivity))
            interpolation = local_connectivity - index
            if index > 0:
                rho[i] = positive[index - 1]
                if interpolation > SMOOTH_K_TOLERANCE:
                    rho[i] += interpolation * (positive[index] - positive[index - 1])
            else:
                rho[i] = interpolation * positive[0]
        elif positive.shape[0] > 0:
            rho[i] = np.max(positive)
        # binary search for the sigma that makes the memberships sum to log2(k)
        for _ in range(n_iter):
            total = 0.0
            for j in range(1, distances.shape[1]):
                d = distances[i, j] - rho[i]
                total += np.exp(-(d / mid)) if d > 0 else 1.0
            if np.fabs(total - target) < SMOOTH_K_TOLERANCE:
                break
            if total > target:
                hi = mid
                mid = (lo + hi) / 2.0
            else:
                lo = mid
                mid = mid * 2 if hi == np.inf else (lo + hi) / 2.0
        sigma[i] = mid
        floor = MIN_K_DIST_SCALE * (np.mean(row) if rho[i] > 0.0 else mean_distances)
        if sigma[i] < floor:
            sigma[i] = floor
    return sigma, rho


@njit(parallel=True, cache=True, nogil=True)
def _membership_strengths(indices, distances, sigma, rho):  # pragma: no cover - compiled
    n, k = indices.shape
    values = np.zeros(n * k, dtype=np.float32)
    for i in prange(n):
        for j in range(k):
            c = indices[i, j]
            if c == -1 or c == i:
                continue
            d = distances[i, j] - rho[i]
            values[i * k + j] = 1.0 if d <= 0.0 or sigma[i] == 0.0 else np.exp(-(d / sigma[i]))
    return values


def smooth_knn_dist(distances: np.ndarray, k: int, local_connectivity: float = 1.0) -> tuple:
    """Per point, the distance to its nearest neighbour (rho) and the bandwidth (sigma) of its memberships.

    Sigma is found by binary search so that ``sum_j exp(-(d_ij - rho_i) / sigma_i)``
    over the point's other neighbours is ``log2(k)``.

    Parameters
    ----------
    distances : ndarray of shape (n_points, k), float
        Distances to each point's neighbours, ascending, the point itself first (0).
    k : int
        Neighbourhood size (``n_neighbors``).
    local_connectivity : float
        How many nearest neighbours each point is assumed connected to.

    Returns
    -------
    sigma, rho : ndarray of shape (n_points,), float32
    """
    return _smooth_knn_dist(np.ascontiguousarray(distances, dtype=np.float32), float(k), 64,
                            float(local_connectivity))


def fuzzy_simplicial_set(indices: np.ndarray, distances: np.ndarray, set_op_mix_ratio: float = 1.0,
                         local_connectivity: float = 1.0) -> sp.csr_matrix:
    """The symmetric fuzzy graph of a k-NN graph: membership strengths in [0, 1].

    Each point's directed memberships ``exp(-(d - rho) / sigma)`` are
    combined with the fuzzy union ``A + A.T - A * A.T`` (``set_op_mix_ratio=1``;
    0 gives the fuzzy intersection ``A * A.T``).

    Parameters
    ----------
    indices : ndarray of shape (n_points, k), int
        Neighbours of each point, the point itself first (``-1`` for none).
    distances : ndarray of shape (n_points, k), float
        Their distances, ascending (``inf`` disconnects a pair).
    set_op_mix_ratio : float in [0, 1]
    local_connectivity : float

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n_points, n_points), float32
    """
    indices = np.ascontiguousarray(indices, dtype=np.int64)
    distances = np.ascontiguousarray(distances, dtype=np.float32)
    n, k = indices.shape
    sigma, rho = smooth_knn_dist(distances, k, local_connectivity)
    values = _membership_strengths(indices, distances, sigma, rho)
    graph = sp.coo_matrix((values, (np.repeat(np.arange(n), k), np.where(indices < 0, 0, indices).ravel())),
                          shape=(n, n)).tocsr()
    graph.eliminate_zeros()
    transpose = graph.T.tocsr()
    both = graph.multiply(transpose)
    graph = set_op_mix_ratio * (graph + transpose - both) + (1.0 - set_op_mix_ratio) * both
    graph = sp.csr_matrix(graph, dtype=np.float32)
    graph.eliminate_zeros()
    return graph


def find_ab_params(spread: float = 1.0, min_dist: float = 0.1) -> tuple:
    """The curve ``1 / (1 + a d^(2b))`` closest (least squares) to UMAP's target membership for ``min_dist``.

    The target is 1 up to ``min_dist``, then ``exp(-(d - min_dist) / spread)``,
    on 300 points of ``[0, 3 spread]`` (scipy's ``curve_fit``, as umap-learn).

    Returns
    -------
    (a, b) : (float, float)
    """
    from scipy.optimize import curve_fit

    def curve(x, a, b):
        return 1.0 / (1.0 + a * x ** (2 * b))

    x = np.linspace(0, spread * 3, 300)
    y = np.where(x < min_dist, 1.0, np.exp(-(x - min_dist) / spread))
    (a, b), _ = curve_fit(curve, x, y)
    return float(a), float(b)
