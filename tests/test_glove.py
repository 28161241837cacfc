"""GloVe: the closed-form optimum on a tiny matrix, the exact cost, reproducibility, divergence and bad input."""

import numpy as np
import pytest
import scipy.sparse as sp

import embedlab
from embedlab.errors import Cancelled, InputError
from embedlab.train import glove
from embedlab.train.cooccur import Cooccurrences
from embedlab.train.glove import GloVeConfig, fit_glove, train_glove


def tiny(n=6, seed=0, low=100):
    """A full symmetric count matrix whose every cell is at least x_max=100, so f(X) = 1 everywhere."""
    X = np.random.default_rng(seed).integers(low, 5000, size=(n, n)).astype(float)
    X = X + X.T
    return Cooccurrences(sp.csr_matrix(X), [f"w{i}" for i in range(n)], np.ones(n, np.int64), {}, {})


def optimum(X, d):
    """min J / (2 n²) in closed form when f = 1 on every cell of a full matrix.

    min ‖L − b1ᵀ − 1b̃ᵀ − WW̃ᵀ‖² over biases and rank-d W W̃ᵀ: the biases leave the doubly
    centred residual, so the optimum is the Eckart–Young tail of P L P (P = I − 11ᵀ/n).
    """
    n = len(X)
    P = np.eye(n) - 1.0 / n
    s = np.linalg.svd(P @ np.log(X) @ P, compute_uv=False)
    return 0.5 * (s[d:] ** 2).sum() / (n * n)


def exact_cost(fit, X, x_max=100.0, alpha=0.75):
    E = fit.W.astype(np.float64) @ fit.C.T + fit.b[:, None] + fit.b_tilde[None, :] - np.log(X)
    f = np.minimum(1.0, (X / x_max) ** alpha)
    return 0.5 * (f * E * E).sum() / X.size, f * E


@pytest.mark.parametrize("d", [1, 2])
def test_reaches_the_closed_form_optimum_on_a_tiny_matrix(d):
    cooc = tiny()
    X = cooc.matrix.toarray()
    fit = fit_glove(cooc, GloVeConfig(vector_size=d, iterations=1000, reproducible=True, min_count=1))
    best = optimum(X, d)
    costs = np.array(fit.costs)
    assert np.all(np.diff(costs) <= 1e-6 * costs[1:])  # the cost never rises (beyond float32 rounding)
    assert best * (1 - 1e-4) <= costs[-1] <= best * 1.02
    # the recorded cost is the objective at the returned parameters, not a running sum
    assert exact_cost(fit, X)[0] == pytest.approx(costs[-1], rel=1e-4)


def test_the_gradient_vanishes_at_the_end():
    cooc = tiny(seed=3)
    X = cooc.matrix.toarray()
    fit = fit_glove(cooc, GloVeConfig(vector_size=2, iterations=1000, reproducible=True, min_count=1))
    start = fit_glove(cooc, GloVeConfig(vector_size=2, iterations=1, reproducible=True, min_count=1))
    norms = []
    for state in (start, fit):
        _, fE = exact_cost(state, X)
        grads = [fE @ state.C, fE.T @ state.W, fE.sum(axis=1), fE.sum(axis=0)]  # dJ/dW, dJ/dW̃, dJ/db, dJ/db̃
        norms.append(np.sqrt(sum((g ** 2).sum() for g in grads)))
    assert norms[1] < 0.02 * norms[0]


def test_reproducible_mode_gives_identical_vectors(lee_corpus):
    cfg = GloVeConfig(vector_size=16, iterations=3, min_count=3, seed=7, reproducible=True, threads=2)
    a, b = train_glove(lee_corpus, cfg), train_glove(lee_corpus, cfg)
    np.testing.assert_array_equal(a.vectors, b.vectors)
    assert a.info["costs"] == b.info["costs"] and a.info["threads"] == 1
    c = train_glove(lee_corpus, GloVeConfig(vector_size=16, iterations=3, min_count=3, seed=8, reproducible=True))
    assert not np.array_equal(a.vectors, c.vectors)


def test_cost_falls_and_is_reported_each_iteration(lee_corpus):
    reports = []
    space = train_glove(lee_corpus, GloVeConfig(vector_size=20, iterations=4, min_count=3, threads=2),
                        progress=lambda f, m="", **d: reports.append((f, d)))
    costs = space.info["costs"]
    assert len(costs) == 4 and costs == space.info["epoch_losses"]
    assert space.info["initial_cost"] > costs[0] and all(np.diff(costs) < 0)
    details = [d for _, d in reports if "iteration" in d]
    assert [d["iteration"] for d in details] == [1, 2, 3, 4] and details[-1]["iterations"] == 4
    assert details[-1]["costs"] == costs and len(details[-1]["running_costs"]) == 4
    fractions = [f for f, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert space.kind == "glove" and space.dim == 20 and np.isfinite(space.vectors).all()
    assert space.words[0] == "the" and space.counts[0] == lee_corpus.counts["the"]


def test_word_or_word_plus_context_vectors():
    cooc = tiny(n=8)
    fit = fit_glove(cooc, GloVeConfig(vector_size=3, iterations=5, reproducible=True, min_count=1))
    np.testing.assert_array_equal(fit.vectors("word+context"), fit.W + fit.C)
    np.testing.assert_array_equal(fit.vectors("word"), fit.W)


def test_cancel_between_iterations(lee_corpus):
    calls = []

    def stop():
        calls.append(1)
        return len(calls) >= 3

    with pytest.raises(Cancelled):
        train_glove(lee_corpus, GloVeConfig(vector_size=8, iterations=50, min_count=3), should_stop=stop)


# -- bad input ------------------------------------------------------------------------------------------

def test_a_too_high_learning_rate_stops_and_keeps_nothing(tmp_path):
    ws = embedlab.Workspace(tmp_path / "ws")
    corpus = embedlab.prepare_sample(ws, "lee_background")
    with pytest.raises(InputError, match="diverged.*Nothing was saved"):
        glove.run_job(ws, {"corpus_id": corpus.id, "config": {"learning_rate": 1.0, "min_count": 2,
                                                              "vector_size": 20, "iterations": 3}},
                      lambda f, m="", **d: None)
    assert ws.models().empty
    assert not [p for p in (tmp_path / "ws" / "models").iterdir()]


def test_nan_is_caught():
    # far past the widget's range, as a script could set it: the errors overflow float32 to inf, then NaN
    cfg = GloVeConfig(vector_size=4, iterations=3, reproducible=True, min_count=1)
    cfg.learning_rate = 1e30
    with pytest.raises(InputError, match="NaN or infinite"):
        fit_glove(tiny(n=8), cfg)


def test_dimensions_must_be_below_the_vocabulary():
    with pytest.raises(InputError, match="vector_size=6 is not below"):
        fit_glove(tiny(n=6), GloVeConfig(vector_size=6, min_count=1))


def test_memory_refusal():
    with pytest.raises(InputError, match=r"MB.*Raise min_count"):
        fit_glove(tiny(n=50), GloVeConfig(vector_size=40, min_count=1), memory_limit=50_000)


def test_empty_vocabulary(lee_corpus):
    with pytest.raises(InputError, match="Lower min_count"):
        train_glove(lee_corpus, GloVeConfig(min_count=10 ** 6))


@pytest.mark.parametrize("bad", [dict(window=0), dict(vector_size=0), dict(iterations=0), dict(learning_rate=0.0),
                                 dict(learning_rate=float("nan")), dict(x_max=-1.0), dict(alpha=1.5),
                                 dict(output="both"), dict(threads=0), dict(grad_clip=0.0), dict(weighting="1/d^2"),
                                 dict(reproducible="no"), dict(vector_size=10.0)])
def test_bad_settings(bad):
    with pytest.raises(InputError):
        GloVeConfig(**bad)


def test_config_round_trip_and_explanations():
    from dataclasses import fields

    cfg = GloVeConfig(window=6, x_max=10.0, output="word")
    assert GloVeConfig.from_dict(cfg.to_dict()) == cfg
    assert GloVeConfig.from_dict({"iterations": 3, "not_a_field": 1}).iterations == 3
    for f in fields(GloVeConfig):
        assert len(f.metadata.get("help", "")) > 20, f.name
    assert "glove.c" in GloVeConfig.describe().set_index("name").loc["learning_rate", "help"]
    assert GloVeConfig().window == 10 and GloVeConfig().weighting == "1/d"


@pytest.mark.slow
def test_quality_on_movie_reviews(reviews_corpus):
    # five iterations are enough for film to be among movie's neighbours (ten took twice as long)
    space = train_glove(reviews_corpus, GloVeConfig(x_max=10.0, vector_size=50, iterations=5))
    assert "film" in embedlab.nearest_neighbours(space, "movie", k=5)["word"].tolist()
