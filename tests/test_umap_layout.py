"""UMAP's layout optimiser (embedlab.probes.projection.umap.layout): its tables, its behaviour, its quality against umap-learn."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from umap.umap_ import find_ab_params

from embedlab.probes import projection as P
from embedlab.probes.projection.umap.layout import TABLE_RANGE, _attraction, _repulsion, coefficient_tables, optimize_layout


@pytest.mark.parametrize("min_dist", [0.0, 0.1, 0.5, 1.0])
def test_gradient_coefficients_match_the_formulas_inside_and_outside_the_tables(min_dist):
    a, b = find_ab_params(1.0, min_dist)
    gamma = 1.5
    attract, repel, low_bits, high_bits = coefficient_tables(a, b, gamma)
    # from the tables (inside TABLE_RANGE) and from the formulas (beyond both ends)
    d2 = np.geomspace(TABLE_RANGE[0] / 1e3, TABLE_RANGE[1] * 1e3, 4001).astype(np.float32)
    x = d2.astype(np.float64)
    exact_attract = -2.0 * a * b * x ** (b - 1.0) / (a * x ** b + 1.0)
    exact_repel = 2.0 * gamma * b / ((0.001 + x) * (a * x ** b + 1.0))
    a32, b32, low, high = np.float32(a), np.float32(b), np.int32(low_bits), np.int32(high_bits)
    got_attract = np.array([_attraction(v, a32, b32, attract, low, high) for v in d2], dtype=np.float64)
    got_repel = np.array([_repulsion(v, a32, b32, np.float32(gamma), repel, low, high) for v in d2],
                         dtype=np.float64)
    assert np.abs(got_attract / exact_attract - 1).max() < 4e-4
    assert np.abs(got_repel / exact_repel - 1).max() < 4e-4
    outside = (x < TABLE_RANGE[0]) | (x >= TABLE_RANGE[1])
    assert outside.sum() > 1000
    assert np.abs(got_repel[outside] / exact_repel[outside] - 1).max() < 1e-5  # float32 rounding only


def _two_cliques(size=20):
    block = np.ones((size, size)) - np.eye(size)
    return sp.csr_matrix(sp.block_diag([block, block])), np.repeat([0, 1], size)


@pytest.mark.parametrize("dims", [2, 3])
def test_layout_pulls_each_clique_together_and_apart_from_the_other(dims):
    graph, label = _two_cliques()
    a, b = find_ab_params(1.0, 0.1)
    init = np.random.default_rng(0).uniform(0, 10, size=(40, dims))  # umap-learn's scale
    Y = optimize_layout(graph, init, 200, a, b, random_state=0)
    assert Y.shape == (40, dims) and Y.dtype == np.float32 and np.isfinite(Y).all()
    D = np.linalg.norm(Y[:, None] - Y[None], axis=2)
    same = label[:, None] == label[None]
    within = D[same & ~np.eye(40, dtype=bool)].max()
    between = D[~same].min()
    assert within < between


def test_seeded_layout_is_reproducible_and_the_threaded_one_is_sound():
    graph, label = _two_cliques()
    a, b = find_ab_params(1.0, 0.1)
    init = np.random.default_rng(1).uniform(0, 10, size=(40, 2))
    first = optimize_layout(graph, init, 100, a, b, random_state=3)
    np.testing.assert_array_equal(first, optimize_layout(graph, init, 100, a, b, random_state=3))
    assert not np.array_equal(first, optimize_layout(graph, init, 100, a, b, random_state=4))
    threaded = optimize_layout(graph, init, 100, a, b)
    centres = np.array([threaded[label == c].mean(axis=0) for c in (0, 1)])
    nearest = np.argmin(np.linalg.norm(threaded[:, None] - centres[None], axis=2), axis=1)
    assert (nearest == label).all()


def test_layout_reports_progress_and_rejects_bad_input():
    graph, _ = _two_cliques()
    a, b = find_ab_params(1.0, 0.1)
    seen = []
    optimize_layout(graph, np.zeros((40, 2)) + np.arange(40)[:, None], 40, a, b, random_state=0,
                    progress=lambda f, message: seen.append((f, message)))
    assert seen[-1] == (1.0, "UMAP layout: epoch 40 of 40")
    assert [f for f, _ in seen] == sorted(f for f, _ in seen) and len(seen) == 20
    with pytest.raises(ValueError, match="init must have shape"):
        optimize_layout(graph, np.zeros((39, 2)), 10, a, b)
    with pytest.raises(ValueError, match="init must have shape"):
        optimize_layout(graph, np.zeros((40, 4)), 10, a, b)
    with pytest.raises(ValueError, match="n_epochs"):
        optimize_layout(graph, np.zeros((40, 2)), 0, a, b)
    with pytest.raises(ValueError, match="negative_sample_rate"):
        optimize_layout(graph, np.zeros((40, 2)), 10, a, b, negative_sample_rate=0)


@pytest.mark.slow
def test_as_faithful_as_umap_learn_on_real_words(reviews_space):
    import umap

    X = np.ascontiguousarray(reviews_space.vectors[reviews_space.indices(reviews_space.top(3000))])
    knn = P.knn_graph(X, 15, "cosine")
    ours = P.UMAP(2, n_neighbors=15, knn=knn, random_state=0).fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = umap.UMAP(n_neighbors=15, metric="cosine", precomputed_knn=(knn[0], knn[1], None), init="pca",
                           random_state=0, n_jobs=1).fit_transform(X)
    trust_ours, _ = P.trustworthiness(X, ours, 10, "cosine")
    trust_theirs, _ = P.trustworthiness(X, theirs, 10, "cosine")
    trust_pca, _ = P.trustworthiness(X, P.PCA(2).fit_transform(X), 10, "cosine")
    assert trust_ours > trust_pca + 0.05
    assert trust_ours >= trust_theirs - 0.01
    overlap_ours = P.knn_overlap(X, ours, 10, knn_original=None).mean()
    overlap_theirs = P.knn_overlap(X, theirs, 10).mean()
    assert overlap_ours >= overlap_theirs - 0.02
