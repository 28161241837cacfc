"""PPMI-SVD: the PPMI formula on hand-made matrices, the SVD's rank-k reproduction, training, bad input."""

import numpy as np
import pytest
import scipy.sparse as sp

import embedlab
from embedlab.errors import InputError
from embedlab.train.cooccur import Cooccurrences
from embedlab.train.ppmi_svd import PPMISVDConfig, fit_ppmi_svd, ppmi, train_ppmi_svd, truncated_svd

HAND = np.array([[0.0, 2.0, 1.0, 0.0],
                 [2.0, 0.0, 4.0, 1.0],
                 [1.0, 4.0, 6.0, 0.0],
                 [0.0, 3.0, 0.0, 1.0]])  # not symmetric on purpose: rows are words, columns contexts


def formula(X, alpha, k):
    """Levy, Goldberg & Dagan (2015), eq. for PMI with context-distribution smoothing, then max(· − log k, 0)."""
    D = X.sum()
    p_wc = X / D
    p_w = X.sum(axis=1, keepdims=True) / D
    c = X.sum(axis=0, keepdims=True)
    p_c_alpha = c ** alpha / (c ** alpha).sum()
    with np.errstate(divide="ignore"):
        pmi = np.log(p_wc / (p_w * p_c_alpha))
    return np.where(X > 0, np.maximum(pmi - np.log(k), 0.0), 0.0)


@pytest.mark.parametrize("alpha,k", [(1.0, 1.0), (0.75, 1.0), (0.75, 1.5), (0.5, 2.0)])
def test_ppmi_of_a_hand_made_matrix_equals_the_formula(alpha, k):
    got = ppmi(sp.csr_matrix(HAND), alpha, k)
    np.testing.assert_allclose(got.toarray(), formula(HAND, alpha, k), rtol=1e-12, atol=1e-15)
    assert got.nnz and got.data.min() > 0  # only positive cells are stored


def test_ppmi_one_cell_by_hand():
    # alpha = 1: PMI(w0, c1) = log(X01 · D / (#w0 · #c1)) = log(2 · 25 / (3 · 9))
    assert ppmi(sp.csr_matrix(HAND), 1.0)[0, 1] == pytest.approx(np.log(2 * 25 / (3 * 9)))


def test_ppmi_refuses_negative_counts():
    with pytest.raises(InputError, match="negative"):
        ppmi(sp.csr_matrix(-HAND))


def random_counts(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.poisson(rng.gamma(0.5, 4.0, size=(n, n))).astype(float)
    return X + X.T


@pytest.mark.parametrize("solver", ["randomized", "arpack"])
def test_svd_reproduces_the_best_rank_k_approximation(solver):
    M = ppmi(sp.csr_matrix(random_counts()))
    k = 6
    U, s, Vt = truncated_svd(M, k, solver, n_iter=30, seed=2)
    dense_U, dense_s, dense_Vt = np.linalg.svd(M.toarray())
    best = dense_U[:, :k] * dense_s[:k] @ dense_Vt[:k]
    np.testing.assert_allclose(s, dense_s[:k], rtol=1e-8)
    np.testing.assert_allclose(U * s @ Vt, best, atol=1e-8)
    # Eckart–Young: what is left is exactly the dropped singular values
    assert np.linalg.norm(M.toarray() - U * s @ Vt) == pytest.approx(np.sqrt((dense_s[k:] ** 2).sum()), rel=1e-8)


def test_word_vectors_are_U_times_sigma_to_the_p():
    X = random_counts(seed=1)
    cooc = Cooccurrences(sp.csr_matrix(X), [f"w{i}" for i in range(len(X))], np.arange(len(X), 0, -1), {}, {})
    M = ppmi(cooc.matrix).toarray()
    k = 5
    dense_U, dense_s, dense_Vt = np.linalg.svd(M)
    best = dense_U[:, :k] * dense_s[:k] @ dense_Vt[:k]
    cfg = PPMISVDConfig(vector_size=k, eig_weight=1.0, svd_iterations=30)
    W, keep, facts = fit_ppmi_svd(cooc, cfg)
    assert keep.all() and W.dtype == np.float32 and W.shape == (len(X), k)
    # W = U Σ, so W Wᵀ = M_k M_kᵀ whatever the signs of the singular vectors
    np.testing.assert_allclose(W @ W.T, best @ best.T, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(facts["singular_values"], dense_s[:k], rtol=1e-5)
    assert facts["ppmi_frobenius_sq"] == pytest.approx((M ** 2).sum())
    half, _, _ = fit_ppmi_svd(cooc, PPMISVDConfig(vector_size=k, eig_weight=0.5, svd_iterations=30))
    np.testing.assert_allclose(np.linalg.norm(half, axis=0), np.sqrt(dense_s[:k]), rtol=1e-4)
    summed, _, _ = fit_ppmi_svd(cooc, PPMISVDConfig(vector_size=k, add_context=True, svd_iterations=30))
    U, s, Vt = truncated_svd(ppmi(cooc.matrix), k, n_iter=30, seed=1)
    unit = lambda a: a / np.linalg.norm(a, axis=1, keepdims=True)  # noqa: E731
    np.testing.assert_allclose(summed, unit(U * s ** 0.5) + unit(Vt.T * s ** 0.5), atol=1e-4)


def test_dimensions_must_be_below_the_vocabulary():
    cooc = Cooccurrences(sp.csr_matrix(HAND), list("abcd"), np.ones(4, np.int64), {}, {})
    with pytest.raises(InputError, match="vector_size=4 is not below"):
        fit_ppmi_svd(cooc, PPMISVDConfig(vector_size=4))


def test_memory_refusal():
    cooc = Cooccurrences(sp.csr_matrix(random_counts()), [f"w{i}" for i in range(40)], np.ones(40, np.int64), {}, {})
    with pytest.raises(InputError, match="EMBEDLAB_MAX_MATRIX_MB"):
        fit_ppmi_svd(cooc, PPMISVDConfig(vector_size=20), memory_limit=10_000)


@pytest.mark.parametrize("bad", [dict(cds_alpha=1.5), dict(shift=0.5), dict(eig_weight=-0.1), dict(solver="lanczos"),
                                 dict(vector_size=0), dict(svd_iterations=0), dict(add_context=1), dict(window=0)])
def test_bad_settings(bad):
    with pytest.raises(InputError):
        PPMISVDConfig(**bad)


def test_every_setting_is_explained_with_its_source():
    from dataclasses import fields

    for f in fields(PPMISVDConfig):
        assert len(f.metadata.get("help", "")) > 20, f.name
    assert "Levy" in PPMISVDConfig.describe().set_index("name").loc["cds_alpha", "help"]


def test_trains_on_a_real_corpus_reproducibly(lee_corpus):
    cfg = PPMISVDConfig(vector_size=30, min_count=3, window=4)
    reports = []
    a = train_ppmi_svd(lee_corpus, cfg, progress=lambda f, m="", **d: reports.append(f))
    b = train_ppmi_svd(lee_corpus, cfg)
    np.testing.assert_array_equal(a.vectors, b.vectors)
    assert reports == sorted(reports) and reports[-1] == 1.0
    assert a.kind == "ppmi_svd" and a.dim == 30 and a.info["params"]["window"] == 4
    assert a.words[0] == "the" and a.counts[0] == lee_corpus.counts["the"]
    s = a.info["singular_values"]
    assert len(s) == 30 and s == sorted(s, reverse=True)
    assert 0 < sum(v * v for v in s) / a.info["ppmi_frobenius_sq"] < 1


def test_job_saves_a_model_and_glove_reuses_the_counts(tmp_path):
    from embedlab.train import glove, ppmi_svd

    ws = embedlab.Workspace(tmp_path / "ws")
    corpus = embedlab.prepare_sample(ws, "lee_background")
    counting = {"window": 5, "weighting": "1/d", "min_count": 3}
    out = ppmi_svd.run_job(ws, {"corpus_id": corpus.id, "config": {**counting, "vector_size": 20}, "name": "p"},
                           lambda f, m="", **d: None)
    space = ws.load_space(out["model_id"])
    assert space.kind == "ppmi_svd" and space.name == "p" and space.info["cooccur"]["reused"] is False
    out = glove.run_job(ws, {"corpus_id": corpus.id, "config": {**counting, "vector_size": 10, "iterations": 2}},
                        lambda f, m="", **d: None)
    assert ws.load_space(out["model_id"]).info["cooccur"]["reused"] is True


@pytest.mark.slow
def test_quality_on_movie_reviews(reviews_corpus):
    from embedlab.probes.analogy.benchmark import builtin_pairs, evaluate_word_pairs

    space = train_ppmi_svd(reviews_corpus, PPMISVDConfig(vector_size=100))
    assert "film" in embedlab.nearest_neighbours(space, "movie", k=5)["word"].tolist()
    assert evaluate_word_pairs(space, builtin_pairs("WordSim-353")).spearman > 0.25
