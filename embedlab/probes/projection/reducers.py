"""The projectors: PCA, UMAP and t-SNE, each a small class with scikit-learn's estimator contract.

Hyper-parameters are constructor arguments stored unchanged, work happens in
``fit``, learned state ends in ``_`` (as the transformers of whatlies,
``whatlies/transformers/``).
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from embedlab.errors import InputError
from embedlab.probes.projection.knn import KNN_METRICS, knn_graph
from embedlab.probes.projection.preprocess import check_components, check_points


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
        k = check_components(self.n_components)
        X = check_points(X, 2, "PCA")
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
    (:mod:`embedlab.probes.projection.umap.graph`), a scaled initial layout, then
    stochastic gradient descent on the fuzzy cross-entropy. The k-NN graph comes
    from :func:`knn_graph` (or is passed in, e.g. from a cache, so changing
    ``min_dist`` or a smaller ``n_neighbors`` reuses it), and the descent is
    :func:`embedlab.probes.projection.umap.layout.optimize_layout`, the same algorithm as
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
        from embedlab.probes.projection.umap.graph import find_ab_params, fuzzy_simplicial_set
        from embedlab.probes.projection.umap.layout import optimize_layout

        k = check_components(self.n_components)
        if not 2 <= int(self.n_neighbors) <= 200:
            raise InputError("n_neighbors must be between 2 and 200.")
        if not 0.0 <= float(self.min_dist) <= 1.0:
            raise InputError("min_dist must be between 0 and 1.")
        if self.n_epochs is not None and not 1 <= int(self.n_epochs) <= 5000:
            raise InputError("n_epochs must be between 1 and 5000 (or None for umap-learn's choice).")
        if self.init not in self.INITS:
            raise InputError(f"Unknown init {self.init!r}; choose one of {', '.join(self.INITS)}.")
        X = check_points(X, max(int(self.n_neighbors) + 1, 4), "UMAP")
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
                from embedlab.probes.projection.umap.numba_cache import enable_numba_disk_cache

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

        k = check_components(self.n_components)
        X = check_points(X, 5, "t-SNE")
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
