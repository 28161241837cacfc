"""Projections of a space to 2-D or 3-D (PCA, UMAP, t-SNE) and how much they distort it.

The projectors follow scikit-learn's estimator contract (hyper-parameters are
constructor arguments stored unchanged, work happens in ``fit``, learned state
ends in ``_``), like the transformers of whatlies (koaning/whatlies,
``whatlies/transformers/``). Plotting lives in :mod:`embedlab.views.scatter`.

Typical use::

    points = choose_top(space, 5000)
    result = project(space, points, method="umap", n_components=2)
    result.frame            # word, x, y, frequency rank, knn overlap
    result.trustworthiness  # scikit-learn trustworthiness at k = result.trust_k
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional, Sequence

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.probes.neighbours import neighbour_table, top_k, top_k_values
from embedlab.space import Space

METHODS = ("pca", "umap", "tsne")
TSNE_LIMIT = 20_000
KNN_METRICS = ("cosine", "euclidean")


# ---------------------------------------------------------------------------
# preprocessing
# ---------------------------------------------------------------------------
def spherize(X: np.ndarray) -> np.ndarray:
    """Centre the rows on their mean, then scale each to unit length.

    The TensorFlow Embedding Projector's "spherize data" option: after it,
    euclidean distance is a monotone function of cosine similarity around the
    centroid, so PCA and t-SNE see the angles rather than the vector lengths.

    Parameters
    ----------
    X : ndarray of shape (n_points, dim)

    Returns
    -------
    ndarray of shape (n_points, dim), float32 (zero rows stay zero)
    """
    X = np.asarray(X, dtype=np.float32)
    Xc = X - X.mean(axis=0, keepdims=True)
    norms = np.linalg.norm(Xc, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return Xc / norms


def _unit(X: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (X / norms).astype(np.float32, copy=False)


def _check_components(n_components: int) -> int:
    if n_components not in (2, 3):
        raise InputError(f"Projections are 2-D or 3-D; got n_components={n_components}. Choose 2 or 3.")
    return int(n_components)


def _check_points(X: np.ndarray, minimum: int, what: str) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2:
        raise InputError(f"Expected a 2-D array of vectors, got shape {X.shape}.")
    if X.shape[0] < minimum:
        raise InputError(f"{what} needs at least {minimum} points; only {X.shape[0]} were chosen. Choose more words.")
    return X


# ---------------------------------------------------------------------------
# exact k nearest neighbours (shared by UMAP and the distortion measures)
# ---------------------------------------------------------------------------
def exact_knn(X: np.ndarray, k: int, metric: str = "cosine", chunk_size: int = 1024,
              progress: Optional[Callable] = None) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours of every row, each point first (distance 0).

    One matrix product per chunk of rows (BLAS), then
    :func:`embedlab.probes.neighbours.top_k_values` per row; this is
    the layout :func:`embedlab.probes.umap_graph.fuzzy_simplicial_set` expects,
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
        Y = _unit(X)
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
    from embedlab.probes.umap_warmup import enable_numba_disk_cache

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


# ---------------------------------------------------------------------------
# projectors
# ---------------------------------------------------------------------------
class PCA:
    """Principal component analysis by eigendecomposition of the covariance matrix.

    For ``n_points >> dim`` (50,000 x 300) the ``dim x dim`` covariance is one
    BLAS product and its eigendecomposition is instant, faster than an SVD of
    the data. Signs are fixed so that each component's largest loading is
    positive (as scikit-learn's ``svd_flip``), so results are deterministic.

    Parameters
    ----------
    n_components : {2, 3}

    Attributes
    ----------
    components_ : ndarray of shape (n_components, dim)
    mean_ : ndarray of shape (dim,)
    explained_variance_ : ndarray of shape (n_components,)
    explained_variance_ratio_ : ndarray of shape (n_components,)
        Share of the total variance on each component, in [0, 1].
    """

    def __init__(self, n_components: int = 2):
        self.n_components = n_components

    def fit(self, X: np.ndarray, y=None) -> "PCA":
        """Learn the components from ``X`` of shape (n_points, dim)."""
        k = _check_components(self.n_components)
        X = _check_points(X, 2, "PCA")
        if X.shape[1] < k:
            raise InputError(f"The vectors have {X.shape[1]} dimensions; cannot project to {k}.")
        n = X.shape[0]
        mean = X.mean(axis=0, dtype=np.float64)
        self.mean_ = mean.astype(np.float32)
        # X'X - n m m' without a centred copy of X (one symmetric BLAS product); float64 for the subtraction
        gram = (X.T @ X).astype(np.float64)
        cov = (gram - n * np.outer(mean, mean)) / max(n - 1, 1)
        eigvals, eigvecs = np.linalg.eigh(cov)
        order = np.argsort(eigvals)[::-1]
        eigvals = np.clip(eigvals[order], 0.0, None)
        comps = eigvecs[:, order[:k]].T
        signs = np.sign(comps[np.arange(k), np.argmax(np.abs(comps), axis=1)])
        signs[signs == 0] = 1.0
        self.components_ = (comps * signs[:, None]).astype(np.float32)
        total = float(eigvals.sum())
        self.explained_variance_ = eigvals[:k]
        self.explained_variance_ratio_ = eigvals[:k] / total if total > 0 else np.zeros(k)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Coordinates, ndarray of shape (n_points, n_components), float32."""
        return np.asarray(X, dtype=np.float32) @ self.components_.T - self.mean_ @ self.components_.T

    def fit_transform(self, X: np.ndarray, y=None) -> np.ndarray:
        return self.fit(X).transform(X)


class UMAP:
    """UMAP (McInnes, Healy & Melville 2018) on a k-NN graph we compute, with our own layout optimiser.

    The steps are umap-learn's: the fuzzy simplicial set of the k-NN graph and
    the curve parameters ``a, b`` for ``min_dist``
    (:mod:`embedlab.probes.umap_graph`), a scaled initial layout, then
    stochastic gradient descent on the fuzzy cross-entropy. The k-NN graph comes
    from :func:`knn_graph` (or is passed in, e.g. from a cache, so changing
    ``min_dist`` or a smaller ``n_neighbors`` reuses it), and the descent is
    :func:`embedlab.probes.umap_layout.optimize_layout`, the same algorithm as
    umap-learn's ``optimize_layout_euclidean`` at about three times its speed.

    Parameters
    ----------
    n_components : {2, 3}
    n_neighbors : int
        Size of the local neighbourhood (2-200); larger keeps more global structure.
    min_dist : float
        How tightly points may pack in the projection (0-1).
    metric : {"cosine", "euclidean"}
        Distance in the original space.
    random_state : int or None
        Seed; with a seed the layout runs single-threaded and is reproducible.
    knn : tuple (indices, distances), optional
        A precomputed k-NN graph with at least ``n_neighbors`` columns (the
        output of :func:`knn_graph` on the same points and metric).
    n_epochs : int or None
        Optimisation epochs. None: umap-learn's own choice, 500 up to 10,000
        points, else 200 (on 10,000 real word vectors: 1.6 s, trustworthiness
        0.822; 200 epochs 0.6 s, 0.818; 100 epochs 0.4 s, 0.816).
    init : {"pca", "spectral", "random"}
        Initial layout. PCA (Kobak & Linderman 2021, "Initialization is
        critical for preserving global data structure in both t-SNE and
        UMAP") is as faithful globally as umap-learn's spectral default, costs
        nothing, and does not stall on a disconnected k-NN graph.

    Attributes
    ----------
    embedding_ : ndarray of shape (n_points, n_components), float32
    knn_ : tuple (indices, distances)
        The k-NN graph that was used (``n_neighbors`` columns).
    graph_ : scipy.sparse.csr_matrix of shape (n_points, n_points)
        The fuzzy simplicial set (membership strengths in [0, 1]).
    """

    INITS = ("pca", "spectral", "random")

    def __init__(self, n_components: int = 2, n_neighbors: int = 15, min_dist: float = 0.1, metric: str = "cosine",
                 random_state: Optional[int] = None, knn: Optional[tuple] = None, n_epochs: Optional[int] = None,
                 init: str = "pca"):
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.metric = metric
        self.random_state = random_state
        self.knn = knn
        self.n_epochs = n_epochs
        self.init = init

    def fit(self, X: np.ndarray, y=None, progress: Optional[Callable] = None) -> "UMAP":
        """Fit on ``X`` of shape (n_points, dim).

        ``progress(fraction, message)``, if given, hears about the layout's epochs.

        Raises
        ------
        InputError
            Fewer than ``n_neighbors + 1`` points, parameters out of range.
        """
        from embedlab.probes.umap_graph import find_ab_params, fuzzy_simplicial_set
        from embedlab.probes.umap_layout import optimize_layout

        k = _check_components(self.n_components)
        if not 2 <= int(self.n_neighbors) <= 200:
            raise InputError("n_neighbors must be between 2 and 200.")
        if not 0.0 <= float(self.min_dist) <= 1.0:
            raise InputError("min_dist must be between 0 and 1.")
        if self.n_epochs is not None and not 1 <= int(self.n_epochs) <= 5000:
            raise InputError("n_epochs must be between 1 and 5000 (or None for umap-learn's choice).")
        if self.init not in self.INITS:
            raise InputError(f"Unknown init {self.init!r}; choose one of {', '.join(self.INITS)}.")
        X = _check_points(X, max(int(self.n_neighbors) + 1, 4), "UMAP")
        n, nn = X.shape[0], int(self.n_neighbors)
        knn = self.knn
        if knn is None or knn[0].shape[0] != n or knn[0].shape[1] < nn:
            knn = knn_graph(X, nn, self.metric, random_state=self.random_state)
        knn = (np.ascontiguousarray(knn[0][:, :nn]), np.ascontiguousarray(knn[1][:, :nn]))
        rng = np.random.RandomState(self.random_state)
        dists = knn[1]
        if self.metric == "cosine":
            # umap-learn's disconnection distance for cosine: opposite vectors are not neighbours
            dists = np.where(dists >= 2.0, np.inf, dists).astype(np.float32)
        graph = fuzzy_simplicial_set(knn[0], dists)
        a, b = find_ab_params(1.0, float(self.min_dist))
        n_epochs = int(self.n_epochs) if self.n_epochs is not None else (500 if n <= 10_000 else 200)
        init = self._initial_layout(X, graph, k, rng)
        self.embedding_ = optimize_layout(graph, init, n_epochs, a, b, random_state=self.random_state,
                                          progress=progress)
        self.knn_ = knn
        self.graph_ = graph
        return self

    def _initial_layout(self, X: np.ndarray, graph, k: int, rng: np.random.RandomState) -> np.ndarray:
        # as umap-learn's simplicial_set_embedding: scaled to |coord| <= 10 with a little noise, then to [0, 10]
        if self.init == "random":
            Y = rng.uniform(-10.0, 10.0, size=(X.shape[0], k)).astype(np.float32)
        else:
            if self.init == "pca":
                Y = PCA(k).fit_transform(X)
            else:
                from embedlab.probes.umap_warmup import enable_numba_disk_cache

                enable_numba_disk_cache()  # before umap-learn compiles anything
                from umap.spectral import spectral_layout

                Y = spectral_layout(X, graph, k, rng, metric=self.metric)
            peak = float(np.abs(Y).max()) or 1.0
            Y = (Y * (10.0 / peak)).astype(np.float32) + rng.normal(scale=0.0001, size=Y.shape).astype(np.float32)
        span = Y.max(axis=0) - Y.min(axis=0)
        span[span == 0] = 1.0
        return (10.0 * (Y - Y.min(axis=0)) / span).astype(np.float32, order="C")

    def fit_transform(self, X: np.ndarray, y=None, progress: Optional[Callable] = None) -> np.ndarray:
        return self.fit(X, progress=progress).embedding_


class TSNE:
    """t-SNE (van der Maaten & Hinton 2008), scikit-learn's Barnes-Hut implementation.

    Parameters
    ----------
    n_components : {2, 3}
    perplexity : float
        Effective number of neighbours (5-50 is usual); must be below ``n_points``.
    metric : {"cosine", "euclidean"}
    random_state : int or None

    Attributes
    ----------
    embedding_ : ndarray of shape (n_points, n_components), float32
    kl_divergence_ : float
    """

    def __init__(self, n_components: int = 2, perplexity: float = 30.0, metric: str = "cosine",
                 random_state: Optional[int] = None):
        self.n_components = n_components
        self.perplexity = perplexity
        self.metric = metric
        self.random_state = random_state

    def fit(self, X: np.ndarray, y=None) -> "TSNE":
        """Fit on ``X`` of shape (n_points, dim).

        Raises
        ------
        InputError
            Perplexity not below the number of points.
        """
        from sklearn.manifold import TSNE as _TSNE

        k = _check_components(self.n_components)
        X = _check_points(X, 5, "t-SNE")
        if not 1.0 <= float(self.perplexity) < X.shape[0]:
            raise InputError(f"Perplexity must be at least 1 and below the number of points ({X.shape[0]}).")
        if self.metric not in KNN_METRICS:
            raise InputError(f"Unknown metric {self.metric!r}; choose one of {', '.join(KNN_METRICS)}.")
        model = _TSNE(n_components=k, perplexity=float(self.perplexity), metric=self.metric, init="pca",
                      random_state=self.random_state, learning_rate="auto")
        self.embedding_ = np.asarray(model.fit_transform(X), dtype=np.float32)
        self.kl_divergence_ = float(model.kl_divergence_)
        return self

    def fit_transform(self, X: np.ndarray, y=None) -> np.ndarray:
        return self.fit(X).embedding_


# ---------------------------------------------------------------------------
# point sets
# ---------------------------------------------------------------------------
@dataclass
class PointSet:
    """Which keys of a space to project.

    Attributes
    ----------
    indices : ndarray of shape (n_points,), int64
        Rows of ``space.vectors``.
    description : str
        For captions, e.g. "5,000 most frequent words".
    unknown : list of str
        Words that were asked for but are not in the vocabulary.
    queries : list of str
        Query words of a neighbourhood point set (to mark them in the figure).
    """

    indices: np.ndarray
    description: str
    unknown: list = field(default_factory=list)
    queries: list = field(default_factory=list)

    @property
    def key(self) -> tuple:
        """A hashable identity, for caches."""
        return (self.description, hash(np.asarray(self.indices, dtype=np.int64).tobytes()), len(self.indices))


def _by_frequency(space: Space) -> np.ndarray:
    counts = space.counts
    return np.argsort(-counts, kind="stable") if counts.any() else np.arange(len(space))


def choose_top(space: Space, n: int) -> PointSet:
    """The ``n`` most frequent keys (all of them when ``n`` >= the vocabulary).

    Raises
    ------
    InputError
        ``n`` below 1.
    """
    if n < 1:
        raise InputError("Choose at least one word.")
    n = min(int(n), len(space))
    return PointSet(_by_frequency(space)[:n].astype(np.int64), f"{n:,} most frequent words")


def parse_words(text: str) -> list:
    """Split pasted text into words: by commas, semicolons, whitespace or new lines; repeats dropped."""
    seen, words = set(), []
    for w in re.split(r"[,;\s]+", text or ""):
        w = w.strip()
        if w and w not in seen:
            seen.add(w)
            words.append(w)
    return words


def choose_words(space: Space, words: Iterable[str] | str) -> PointSet:
    """A pasted word list; words not in the vocabulary are reported in ``unknown``.

    Raises
    ------
    InputError
        No word of the list is in the vocabulary.
    """
    if isinstance(words, str):
        words = parse_words(words)
    known, unknown = space.split_known(list(words))
    if not known:
        hint = f" Not in the vocabulary: {', '.join(unknown[:20])}." if unknown else ""
        raise InputError("None of the pasted words is in this model's vocabulary." + hint +
                         " Paste words separated by spaces, commas or new lines.")
    return PointSet(space.indices(known), f"{len(known):,} pasted words", unknown=unknown)


def choose_neighbourhood(space: Space, queries: Iterable[str] | str, k: int = 20) -> PointSet:
    """Each query word plus its ``k`` nearest neighbours (cosine), without repeats.

    Raises
    ------
    InputError
        No query word is in the vocabulary, or ``k`` below 1.
    """
    if isinstance(queries, str):
        queries = parse_words(queries)
    if k < 1:
        raise InputError("Ask for at least one neighbour per query word.")
    known, unknown = space.split_known(list(queries))
    if not known:
        raise InputError("None of the query words is in this model's vocabulary"
                         + (f" ({', '.join(unknown[:20])})" if unknown else "") + ". Try other words.")
    q_idx = space.indices(known)
    chosen, seen = [], set()
    for i in q_idx:
        scores = space.unit @ space.unit[i]
        for j in [int(i)] + top_k(scores, k, exclude=[int(i)]).tolist():
            if j not in seen:
                seen.add(j)
                chosen.append(j)
    return PointSet(np.array(chosen, dtype=np.int64), f"{len(known)} query words + {k} neighbours each",
                    unknown=unknown, queries=known)


# ---------------------------------------------------------------------------
# distortion
# ---------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------
# colouring
# ---------------------------------------------------------------------------
def kmeans_labels(X: np.ndarray, k: int, random_state: int = 0, spherical: bool = True) -> np.ndarray:
    """k-means cluster of each point (scikit-learn; MiniBatchKMeans above 10,000 points).

    Parameters
    ----------
    X : ndarray of shape (n_points, dim)
    k : int
        Number of clusters, 2 .. n_points.
    spherical : bool
        Cluster unit vectors (cosine geometry), as usual for word vectors.

    Returns
    -------
    ndarray of shape (n_points,), int, values in 0 .. k-1

    Raises
    ------
    InputError
        ``k`` out of range.
    """
    from sklearn.cluster import KMeans, MiniBatchKMeans

    n = X.shape[0]
    if not 2 <= k <= n:
        raise InputError(f"Choose between 2 and {n} clusters.")
    data = _unit(np.asarray(X, dtype=np.float32)) if spherical else np.asarray(X, dtype=np.float32)
    if n > 10_000:
        model = MiniBatchKMeans(n_clusters=k, random_state=random_state, n_init=3, batch_size=4096)
    else:
        model = KMeans(n_clusters=k, random_state=random_state, n_init=3)
    return model.fit_predict(data).astype(np.int64)


def parse_groups(text: str) -> dict:
    """Named groups from lines ``name: word word, word`` (one group per line).

    Raises
    ------
    InputError
        A non-empty line without ``name:``.
    """
    groups = {}
    for n, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        if ":" not in line:
            raise InputError(f"Line {n} ({line.strip()[:40]!r}) has no group name. Write groups as 'name: word word ...'.")
        name, words = line.split(":", 1)
        name = name.strip() or f"group {n}"
        groups.setdefault(name, [])
        groups[name] += [w for w in parse_words(words) if w not in groups[name]]
    return groups


def group_labels(words: Sequence[str], groups: dict, other: str = "other") -> np.ndarray:
    """Group name of each word (first group that lists it), ``other`` for the rest.

    Returns
    -------
    ndarray of shape (n_points,), object (str)
    """
    lookup = {}
    for name, members in groups.items():
        for w in members:
            lookup.setdefault(w, name)
    return np.array([lookup.get(w, other) for w in words], dtype=object)


def search_mask(words: Sequence[str], pattern: str, regex: bool = False) -> np.ndarray:
    """Which words match a substring (case-insensitive) or a regular expression.

    Returns
    -------
    ndarray of shape (n_points,), bool

    Raises
    ------
    InputError
        An invalid regular expression (the message says where).
    """
    if not pattern:
        return np.zeros(len(words), dtype=bool)
    if regex:
        try:
            rx = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise InputError(f"The regular expression {pattern!r} is not valid: {exc}. "
                             "Fix it, or untick 'regex' to search for the text as typed.") from None
        return np.array([bool(rx.search(w)) for w in words], dtype=bool)
    p = pattern.lower()
    return np.array([p in w.lower() for w in words], dtype=bool)


# ---------------------------------------------------------------------------
# selection (plotly selection events -> words)
# ---------------------------------------------------------------------------
def selected_rows(selection, trace_rows: Optional[Sequence[Sequence[int]]] = None) -> list:
    """Rows of a projection selected in a plotly chart, in selection order, without repeats.

    Each point's ``customdata`` is its row in the projection (the figures of
    :mod:`embedlab.views.scatter` put it there), which is right however many
    traces the figure has. Without customdata, ``(curve_number, point_index)``
    is mapped through ``trace_rows`` (the rows each trace shows, in order).
    Streamlit's top-level ``point_indices`` is ambiguous with several traces,
    so it is used only for a single-trace figure.

    Parameters
    ----------
    selection : dict
        ``st.plotly_chart(..., on_select="rerun").selection`` (keys ``points``,
        ``point_indices``), or the whole event with a ``selection`` key.
    trace_rows : list of list of int, optional

    Returns
    -------
    list of int
    """
    if selection is None:
        return []
    if "selection" in selection and "points" not in selection:
        selection = selection["selection"]
    rows, seen = [], set()

    def add(r):
        r = int(r)
        if r not in seen:
            seen.add(r)
            rows.append(r)

    points = selection.get("points") or []
    for p in points:
        cd = p.get("customdata")
        if isinstance(cd, (list, tuple)):
            cd = cd[0] if cd else None
        if cd is not None and not (isinstance(cd, float) and np.isnan(cd)):
            add(cd)
            continue
        curve = int(p.get("curve_number", 0) or 0)
        idx = p.get("point_index", p.get("point_number"))
        if idx is None:
            continue
        if trace_rows is not None:
            if curve < len(trace_rows) and int(idx) < len(trace_rows[curve]):
                add(trace_rows[curve][int(idx)])
        elif curve == 0:
            add(idx)
    if not points and (trace_rows is None or len(trace_rows) == 1):
        for idx in selection.get("point_indices") or []:
            add(trace_rows[0][idx] if trace_rows is not None else idx)
    return rows


def selected_words(selection, frame: pd.DataFrame, trace_rows=None) -> list:
    """The words of the points selected in a plotly chart (see :func:`selected_rows`).

    Parameters
    ----------
    selection : dict
    frame : pandas.DataFrame
        :attr:`Projection.frame` (one row per point, a ``word`` column).
    """
    n = len(frame)
    return [frame["word"].iloc[r] for r in selected_rows(selection, trace_rows) if 0 <= r < n]


def neighbours_of_words(space: Space, words: Sequence[str], k: int = 5) -> pd.DataFrame:
    """For each word, its ``k`` nearest neighbours in the original space (cosine), one row per pair.

    Returns
    -------
    pandas.DataFrame
        Columns ``word``, ``neighbour``, ``cosine``, ``frequency rank`` (of the neighbour).
    """
    frames = []
    for w in words:
        i = space.index(w)
        scores = space.unit @ space.unit[i]
        best = top_k(scores, k, exclude=[i])
        t = neighbour_table(space, best, scores[best]).rename(columns={"word": "neighbour"})
        t.insert(0, "word", w)
        frames.append(t)
    if not frames:
        return pd.DataFrame({"word": [], "neighbour": [], "cosine": [], "frequency rank": []})
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------
# the whole probe
# ---------------------------------------------------------------------------
@dataclass
class Projection:
    """A projection of a point set, with its distortion.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per point: ``word``, ``label`` (display name: the space's
        ``label`` metadata when present, else the word), ``x``, ``y`` (``z``
        in 3-D), ``frequency rank`` (1 = most frequent), ``count``,
        ``knn overlap`` (share in [0, 1]).
    indices : ndarray of shape (n_points,)
        Rows of ``space.vectors``.
    method : str
    params : dict
    n_components : int
    explained_variance_ratio : ndarray of shape (n_components,) or None (PCA only)
    trustworthiness : float or None
    trust_k : int
    trust_points : int
        Points the trustworthiness was computed on (a sample above ``sample_size``).
    seconds : float
        Time spent on the projection itself (without the k-NN graph and the distortion).
    """

    frame: pd.DataFrame
    indices: np.ndarray
    method: str
    params: dict
    n_components: int
    explained_variance_ratio: Optional[np.ndarray]
    trustworthiness: Optional[float]
    trust_k: int
    trust_points: int
    seconds: float

    @property
    def coords(self) -> np.ndarray:
        """ndarray of shape (n_points, n_components), float32."""
        return self.frame[["x", "y", "z"][: self.n_components]].to_numpy(dtype=np.float32)


def project(space: Space, points: PointSet, method: str = "pca", n_components: int = 2, spherize_first: bool = False,
            n_neighbors: int = 15, min_dist: float = 0.1, metric: str = "cosine", perplexity: float = 30.0,
            random_state: Optional[int] = 0, distortion_k: int = 10, trust_sample: int = 3000,
            knn: Optional[tuple] = None, n_epochs: Optional[int] = None,
            progress: Optional[Callable] = None) -> Projection:
    """Project a point set of ``space`` to 2-D or 3-D and measure the distortion.

    Parameters
    ----------
    space : Space
    points : PointSet
    method : {"pca", "umap", "tsne"}
    n_components : {2, 3}
    spherize_first : bool
        Centre and unit-normalise the vectors first (:func:`spherize`).
    n_neighbors, min_dist, metric : UMAP parameters (``metric`` also for t-SNE and the distortion).
    perplexity : t-SNE parameter.
    random_state : int or None
    distortion_k : int
        ``k`` of the trustworthiness and the per-point k-NN overlap.
    trust_sample : int
        Trustworthiness is computed on a random sample of this many points above it.
    knn : tuple (indices, distances), optional
        Cached :func:`knn_graph` of the (spherized) points with at least
        ``max(n_neighbors, distortion_k + 1)`` columns (for UMAP; else
        ``distortion_k + 1``); reused by UMAP and the k-NN overlap. Computed
        when not given.
    n_epochs : int or None
        UMAP's optimisation epochs (see :class:`UMAP`); fewer is faster and a
        little less faithful.
    progress : callable, optional

    Returns
    -------
    Projection

    Raises
    ------
    InputError
        Unknown method, too few points for the method, parameters out of range.
    """
    report = progress or (lambda *a, **kw: None)
    if method not in METHODS:
        raise InputError(f"Unknown projection {method!r}; choose one of {', '.join(METHODS)}.")
    idx = np.asarray(points.indices, dtype=np.int64)
    if len(idx) < 5:
        raise InputError(f"Only {len(idx)} points were chosen; a projection needs at least 5. Choose more words.")
    X = np.asarray(space.vectors[idx], dtype=np.float32)
    if spherize_first:
        X = spherize(X)
    evr = None
    if method == "tsne" and len(idx) > TSNE_LIMIT:
        raise InputError(f"t-SNE of {len(idx):,} points would take many minutes; choose at most {TSNE_LIMIT:,} "
                         "points for t-SNE, or use UMAP, which handles the whole vocabulary.")
    need = min(max(int(n_neighbors) if method == "umap" else 0, distortion_k + 1), len(idx))
    if knn is None or knn[0].shape[1] < need or knn[0].shape[0] != len(idx):
        report(0.1, f"nearest neighbours of {len(idx):,} points")
        knn = knn_graph(X, need, metric, random_state=random_state)
    report(0.3, f"{method.upper()} of {len(idx):,} points")
    start = time.perf_counter()
    if method == "pca":
        model = PCA(n_components)
        Y = model.fit_transform(X)
        evr = model.explained_variance_ratio_
    elif method == "umap":
        Y = UMAP(n_components, n_neighbors=int(n_neighbors), min_dist=min_dist, metric=metric,
                 random_state=random_state, knn=knn, n_epochs=n_epochs).fit_transform(
            X, progress=lambda f, message: report(0.3 + 0.5 * f, message))
    else:
        Y = TSNE(n_components, perplexity=perplexity, metric=metric, random_state=random_state).fit_transform(X)
    seconds = time.perf_counter() - start
    report(0.8, "measuring distortion")
    k = int(min(distortion_k, max((min(len(idx), trust_sample) - 1) // 2, 1)))
    trust, trust_n = trustworthiness(X, Y, k=k, metric=metric, sample_size=trust_sample, random_state=0)
    overlap = knn_overlap(X, Y, k=k, metric=metric, knn_original=knn)
    words = [space.words[i] for i in idx]
    frame = pd.DataFrame({"word": words})
    meta = space.meta
    if "label" in meta.columns:
        frame["label"] = meta["label"].iloc[idx].astype(str).to_numpy()
    else:
        frame["label"] = words
    Yr = np.round(Y.astype(np.float64), 4)
    for j, c in enumerate(["x", "y", "z"][:n_components]):
        frame[c] = Yr[:, j].astype(np.float32)
    order = _by_frequency(space)
    rank = np.empty(len(space), dtype=np.int64)
    rank[order] = np.arange(1, len(space) + 1)
    frame["frequency rank"] = rank[idx]
    frame["count"] = space.counts[idx]
    frame["knn overlap"] = overlap
    report(1.0, "done")
    params = {"spherize": spherize_first, "metric": metric, "random_state": random_state}
    if method == "umap":
        params.update(n_neighbors=int(n_neighbors), min_dist=float(min_dist), n_epochs=n_epochs)
    elif method == "tsne":
        params.update(perplexity=float(perplexity))
    return Projection(frame, idx, method, params, n_components, evr, trust, k, trust_n, seconds)


def colour_values(space: Space, projection: Projection, by: str, k_clusters: int = 8, groups: Optional[dict] = None,
                  column: Optional[str] = None) -> tuple[np.ndarray, bool]:
    """What to colour each point of a projection by.

    Parameters
    ----------
    by : {"none", "cluster", "frequency", "metadata", "group", "overlap"}
        k-means cluster of the original vectors, log10 of the word count,
        a metadata column of ``space.meta`` (``column``), user-defined groups,
        or the per-point k-NN overlap.

    Returns
    -------
    (values, continuous) : (ndarray of shape (n_points,), bool)

    Raises
    ------
    InputError
        Unknown choice or metadata column.
    """
    idx = projection.indices
    if by == "none":
        return np.array(["point"] * len(idx), dtype=object), False
    if by == "cluster":
        labels = kmeans_labels(space.vectors[idx], int(k_clusters))
        return np.array([f"cluster {c + 1}" for c in labels], dtype=object), False
    if by == "frequency":
        return np.log10(np.maximum(space.counts[idx].astype(np.float64), 1.0)), True
    if by == "overlap":
        return projection.frame["knn overlap"].to_numpy(dtype=np.float64), True
    if by == "group":
        return group_labels(projection.frame["word"].tolist(), groups or {}), False
    if by == "metadata":
        if column is None or column not in space.meta.columns:
            raise InputError(f"This model has no metadata column {column!r}.")
        values = space.meta[column].iloc[idx]
        if pd.api.types.is_numeric_dtype(values) and values.nunique() > 20:
            return values.to_numpy(dtype=np.float64), True
        # multi-valued genres like "Action|Comedy": colour by the first
        return np.array([str(v).split("|")[0] if pd.notna(v) else "—" for v in values], dtype=object), False
    raise InputError(f"Unknown colouring {by!r}.")


def metadata_columns(space: Space) -> list:
    """Metadata columns worth colouring by (not ``count``/``label``)."""
    return [c for c in space.meta.columns if c not in ("count", "label")]
