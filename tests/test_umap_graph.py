"""UMAP's fuzzy graph (embedlab.probes.projection.umap.graph): known answers, and the same graph as umap-learn's."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embedlab.probes import projection as P
from embedlab.probes.projection.umap.graph import find_ab_params, fuzzy_simplicial_set, smooth_knn_dist


def test_sigma_makes_memberships_sum_to_log2_k():
    rng = np.random.default_rng(0)
    d = np.sort(rng.uniform(0.1, 2.0, size=(50, 15)), axis=1).astype(np.float32)
    d[:, 0] = 0.0  # the point itself
    sigma, rho = smooth_knn_dist(d, 15)
    np.testing.assert_allclose(rho, d[:, 1])  # distance to the nearest other point
    sums = np.exp(-np.maximum(d[:, 1:] - rho[:, None], 0) / sigma[:, None]).sum(axis=1)
    np.testing.assert_allclose(sums, np.log2(15), atol=1e-3)


def test_hand_made_graph_is_the_fuzzy_union():
    # three points on a line at 0, 1, 3; two neighbours each (itself first)
    indices = np.array([[0, 1], [1, 0], [2, 1]])
    distances = np.array([[0, 1], [0, 1], [0, 2]], dtype=np.float32)
    graph = fuzzy_simplicial_set(indices, distances).toarray()
    # each point's single neighbour is at distance rho: membership 1, and the union is symmetric
    expected = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=np.float32)
    np.testing.assert_array_equal(graph, expected)
    intersection = fuzzy_simplicial_set(indices, distances, set_op_mix_ratio=0.0).toarray()
    np.testing.assert_array_equal(intersection, [[0, 1, 0], [1, 0, 0], [0, 0, 0]])


@pytest.mark.parametrize("min_dist", [0.0, 0.1, 0.5, 0.99])
def test_ab_params_equal_umap_learns(min_dist):
    from umap.umap_ import find_ab_params as theirs

    np.testing.assert_allclose(find_ab_params(1.0, min_dist), theirs(1.0, min_dist), rtol=1e-6)


def test_same_graph_as_umap_learn_on_real_words(reviews_space):
    from umap.umap_ import fuzzy_simplicial_set as theirs

    X = np.ascontiguousarray(reviews_space.vectors[reviews_space.indices(reviews_space.top(2000))])
    knn = P.knn_graph(X, 15, "cosine")
    ours = fuzzy_simplicial_set(*knn)
    graph, _, _ = theirs(X, 15, np.random.RandomState(0), "cosine", knn_indices=knn[0], knn_dists=knn[1])
    assert ours.shape == graph.shape == (2000, 2000)
    assert (ours != 0).sum() == graph.nnz
    np.testing.assert_allclose(ours.toarray(), graph.toarray(), atol=2e-5)


def test_umap_on_an_exact_graph_never_imports_umap_learn():
    code = ("import sys, numpy as np\n"
            "from embedlab.probes.projection import UMAP\n"
            "X = np.random.default_rng(0).standard_normal((200, 8)).astype(np.float32)\n"
            "Y = UMAP(2, n_epochs=5, random_state=0).fit_transform(X)\n"
            "print(Y.shape, 'umap' in sys.modules, 'pynndescent' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.split()[-3:] == ["2)", "False", "False"]
