"""Bias probes: directions, projections, WEAT, direct bias, hard debias, cluster check."""

import itertools
import math

import numpy as np
import pytest
from sklearn.decomposition import PCA

from embedlab.data import bias_words
from embedlab.errors import InputError, UnknownWordError
from embedlab.probes import bias as B
from embedlab.space import Space
from embedlab.store import Workspace


def _unit(v):
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)


def _cos(u, v):
    return float(np.dot(u, v) / np.linalg.norm(u) / np.linalg.norm(v))


def _random_space(words, dim=12, seed=0):
    rng = np.random.default_rng(seed)
    return Space.from_vectors(words, rng.normal(size=(len(words), dim)))


# -- parsing -------------------------------------------------------------------------------------

def test_parse_pairs_and_words():
    assert B.parse_pairs("she - he\nWoman,man\n\n# comment\ngirl boy") == [("she", "he"), ("woman", "man"),
                                                                         ("girl", "boy")]
    with pytest.raises(InputError, match="Line 1"):
        B.parse_pairs("she he her")
    assert B.parse_pairs("short-term - long-term\nhe-she") == [("short-term", "long-term"), ("he", "she")]
    assert B.parse_words("Nurse, doctor\nnurse  engineer") == ["nurse", "doctor", "engineer"]
    assert B.parse_pairs(B.format_pairs(bias_words.GENDER_DEFINITIONAL_PAIRS)) == bias_words.GENDER_DEFINITIONAL_PAIRS


def test_shipped_word_lists_are_lower_case_and_complete():
    assert len(bias_words.GENDER_DEFINITIONAL_PAIRS) == 10
    for name in ["WEAT 1", "WEAT 2", "WEAT 6", "WEAT 7", "WEAT 8"]:
        q = B.WeatQuery.shipped(next(k for k in bias_words.WEAT_TESTS if k.startswith(name + ":")))
        for words in list(q.targets) + list(q.attributes):
            assert words and all(w == w.lower() for w in words)
    assert len(B.WeatQuery.shipped(next(iter(bias_words.WEAT_TESTS))).targets[0]) == 25
    with pytest.raises(InputError, match="no shipped WEAT"):
        B.WeatQuery.shipped("WEAT 99")


# -- directions ----------------------------------------------------------------------------------

def test_direction_known_answer_both_methods(hand_space):
    space = hand_space({"she": [1, 1, 0], "he": [-1, 1, 0], "woman": [2, 0, 1], "man": [-2, 0, 1]})
    for method in ("mean", "pca"):
        d = B.bias_direction(space, [("she", "he"), ("woman", "man")], method=method)
        np.testing.assert_allclose(d.vector, [1, 0, 0], atol=1e-6)
        assert d.explained_variance_ratio[0] == pytest.approx(1.0)


def test_direction_pca_matches_sklearn_and_mean_by_hand():
    words = ["a1", "b1", "a2", "b2", "a3", "b3"]
    space = _random_space(words, dim=6, seed=3)
    pairs = [("a1", "b1"), ("a2", "b2"), ("a3", "b3")]
    unit = {w: _unit(space.vectors[i]) for i, w in enumerate(words)}
    rows = []
    for a, b in pairs:
        c = (unit[a] + unit[b]) / 2
        rows += [unit[a] - c, unit[b] - c]
    pca = PCA().fit(np.array(rows))
    d = B.bias_direction(space, pairs, method="pca")
    assert abs(np.dot(d.vector, pca.components_[0])) == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(d.explained_variance_ratio, pca.explained_variance_ratio_[: len(d.explained_variance_ratio)],
                               atol=1e-6)
    # Oriented towards the first words of the pairs.
    assert np.mean([np.dot(unit[a] - unit[b], d.vector) for a, b in pairs]) > 0
    mean = B.bias_direction(space, pairs, method="mean")
    expected = _unit(np.mean([unit[a] - unit[b] for a, b in pairs], axis=0))
    np.testing.assert_allclose(mean.vector, expected, atol=1e-6)
    np.testing.assert_allclose(mean.explained_variance_ratio, d.explained_variance_ratio)


def test_direction_lists_missing_pairs_and_refuses_when_none_known(hand_space):
    space = hand_space({"she": [1, 0], "he": [0, 1]})
    d = B.bias_direction(space, [("she", "he"), ("gal", "guy")])
    assert d.pairs == [("she", "he")] and d.missing == [("gal", "guy")]
    with pytest.raises(InputError, match="gal-guy"):
        B.bias_direction(space, [("gal", "guy")])
    with pytest.raises(InputError, match="method"):
        B.bias_direction(space, [("she", "he")], method="svd")


# -- projections ---------------------------------------------------------------------------------

def test_projections_sorted_with_missing_listed(hand_space):
    space = hand_space({"nurse": [1, 1], "doctor": [-1, 0], "table": [0, 3]})
    table, missing = B.project_words(space, ["table", "doctor", "zzz", "nurse"], np.array([2.0, 0.0]))
    assert table["word"].tolist() == ["nurse", "table", "doctor"]
    np.testing.assert_allclose(table["projection"], [math.sqrt(0.5), 0.0, -1.0], atol=1e-6)
    assert missing == ["zzz"]
    with pytest.raises(InputError, match="None of the words"):
        B.project_words(space, ["zzz"], np.array([1.0, 0.0]))


def test_axes_from_word_differences(hand_space):
    space = hand_space({"he": [1, 0, 0], "she": [-1, 0, 0], "rich": [0, 1, 0], "poor": [0, -1, 0],
                        "king": [1, 1, 0]})
    x = B.axis_vector(space, "he - she")
    y = B.axis_vector(space, "rich-poor")
    np.testing.assert_allclose(x, [1, 0, 0], atol=1e-6)
    table, missing = B.axes_projection(space, ["king", "nope"], x, y)
    assert missing == ["nope"]
    assert table.loc[0, "x"] == pytest.approx(math.sqrt(0.5)) and table.loc[0, "y"] == pytest.approx(math.sqrt(0.5))
    saved = {"gender": B.Direction(vector=np.array([0, 0, 1.0]), method="mean", pairs=[])}
    np.testing.assert_allclose(B.axis_vector(space, "gender", saved), [0, 0, 1])
    with pytest.raises(UnknownWordError):
        B.axis_vector(space, "he - queen")


# -- WEAT ----------------------------------------------------------------------------------------

def test_weat_known_answer(hand_space):
    space = hand_space({"x1": [1, 0], "x2": [1, 0], "y1": [0, 1], "y2": [0, 1], "a": [1, 0], "b": [0, 1]})
    q = B.WeatQuery(targets=(["x1", "x2"], ["y1", "y2"]), attributes=(["a"], ["b"]))
    r = B.weat(space, q)
    # s(x) = 1, s(y) = -1: statistic 2 - (-2) = 4; d = (1 - (-1)) / std([1, 1, -1, -1], ddof=1)
    assert r.statistic == pytest.approx(4.0)
    assert r.effect_size == pytest.approx(2 / math.sqrt(4 / 3))
    # 6 partitions: one at 4, one at -4, four at 0 -> p = 1/6
    assert r.method == "exact" and r.n_partitions == 6
    assert r.p_value == pytest.approx(1 / 6)


def _weat_by_hand(space, X, Y, A, Bset):
    vec = {w: space.vectors[space.index(w)] for w in X + Y + A + Bset}

    def s(w):
        return np.mean([_cos(vec[w], vec[a]) for a in A]) - np.mean([_cos(vec[w], vec[b]) for b in Bset])

    stat = sum(s(x) for x in X) - sum(s(y) for y in Y)
    scores = [s(w) for w in X + Y]
    d = (np.mean([s(x) for x in X]) - np.mean([s(y) for y in Y])) / np.std(scores, ddof=1)
    union = X + Y
    count = ge = 0
    for Xi in itertools.combinations(union, len(X)):
        Yi = [w for w in union if w not in Xi]
        si = sum(s(x) for x in Xi) - sum(s(y) for y in Yi)
        count += 1
        ge += si >= stat - 1e-12
    return stat, d, ge / count, count


def test_weat_matches_caliskan_formulas_and_brute_force_p():
    X, Y = ["x1", "x2", "x3", "x4"], ["y1", "y2", "y3", "y4"]
    A, Bset = ["a1", "a2", "a3"], ["b1", "b2"]
    space = _random_space(X + Y + A + Bset, dim=8, seed=7)
    r = B.weat(space, B.WeatQuery(targets=(X, Y), attributes=(A, Bset)))
    stat, d, p, count = _weat_by_hand(space, X, Y, A, Bset)
    assert r.statistic == pytest.approx(stat, abs=1e-6)
    assert r.effect_size == pytest.approx(d, abs=1e-5)
    assert r.p_value == pytest.approx(p)
    assert r.n_partitions == count == 70
    np.testing.assert_allclose(r.word_scores["association"].iloc[0],
                               np.mean([_cos(space.vector("x1"), space.vector(a)) for a in A])
                               - np.mean([_cos(space.vector("x1"), space.vector(b)) for b in Bset]), atol=1e-6)


def test_exact_partition_statistics_enumerates_every_partition():
    scores = np.arange(1, 7, dtype=float)
    null = B.exact_partition_statistics(scores, 3)
    expected = sorted(2 * sum(c) - scores.sum() for c in itertools.combinations(scores, 3))
    np.testing.assert_allclose(sorted(null), expected)
    assert null[0] == pytest.approx(2 * (1 + 2 + 3) - 21)  # the observed split comes first


def test_weat_8_plus_8_is_exact_over_12870_partitions_and_sampled_agrees():
    X = [f"x{i}" for i in range(8)]
    Y = [f"y{i}" for i in range(8)]
    A, Bset = ["a1", "a2"], ["b1", "b2"]
    space = _random_space(X + Y + A + Bset, dim=10, seed=1)
    q = B.WeatQuery(targets=(X, Y), attributes=(A, Bset))
    exact = B.weat(space, q)
    assert exact.method == "exact" and exact.n_partitions == 12_870 == math.comb(16, 8)
    assert len(exact.null) == 12_870 and exact.seed is None
    sampled = B.weat(space, q, exact_limit=0, n_permutations=20_000, seed=5)
    assert sampled.method == "sampled" and sampled.n_partitions == 20_000 and sampled.seed == 5
    assert sampled.p_value == pytest.approx(exact.p_value, abs=0.02)
    # The null of an exact test is symmetric about 0 for equal-size sets.
    assert np.mean(exact.null) == pytest.approx(0, abs=1e-9)


def test_sampled_p_value_reproducible_with_seed():
    scores = np.random.default_rng(0).normal(size=30)
    a = B.sampled_partition_statistics(scores, 15, 10_000, seed=3)
    b = B.sampled_partition_statistics(scores, 15, 10_000, seed=3)
    c = B.sampled_partition_statistics(scores, 15, 10_000, seed=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # Every drawn partition is a real one: its statistic is 2 * (sum of 15 scores) - total.
    assert np.all(np.abs(a) <= np.abs(scores).sum() + 1e-9)
    X = [f"x{i}" for i in range(15)]
    Y = [f"y{i}" for i in range(15)]
    space = _random_space(X + Y + ["a", "b"], seed=2)
    q = B.WeatQuery(targets=(X, Y), attributes=(["a"], ["b"]))
    r1, r2 = B.weat(space, q, n_permutations=5_000, seed=9), B.weat(space, q, n_permutations=5_000, seed=9)
    assert r1.method == "sampled" and r1.p_value == r2.p_value and 0 < r1.p_value <= 1


def test_sampled_partitions_are_uniform_subsets():
    # With scores = one-hot, the statistic tells whether word 0 was drawn into X_i: it must be ~n_x/n of the time.
    scores = np.zeros(10)
    scores[0] = 1.0
    null = B.sampled_partition_statistics(scores, 4, 50_000, seed=0)
    assert set(np.round(null, 9)) == {1.0, -1.0}
    assert np.mean(null > 0) == pytest.approx(0.4, abs=0.01)


def test_weat_lists_oov_and_refuses_above_the_share(hand_space):
    vecs = {w: [i + 1.0, 1.0] for i, w in enumerate(["x1", "x2", "x3", "x4", "y1", "y2", "y3", "y4", "y5",
                                                      "a1", "b1"])}
    space = hand_space(vecs)
    q = B.WeatQuery(targets=(["x1", "x2", "x3", "x4", "xmiss"], ["y1", "y2", "y3", "y4", "y5"]),
                    attributes=(["a1"], ["b1"]), target_names=("Xs", "Ys"), attribute_names=("As", "Bs"))
    r = B.weat(space, q)  # 1 of 5 missing = 20%: allowed
    assert r.missing["Xs"] == ["xmiss"] and r.used["Xs"] == ["x1", "x2", "x3", "x4"]
    assert r.n_partitions == math.comb(9, 4)
    q2 = B.WeatQuery(targets=(["x1", "x2", "x3", "m1", "m2"], ["y1", "y2"]), attributes=(["a1"], ["b1"]),
                     target_names=("Xs", "Ys"))
    with pytest.raises(InputError, match=r"'Xs' lost 2 of 5 words \(40%\).*m1, m2"):
        B.weat(space, q2)
    assert B.weat(space, q2, max_missing=0.5).missing["Xs"] == ["m1", "m2"]
    with pytest.raises(InputError, match="empty"):
        B.weat(space, B.WeatQuery(targets=([], ["y1"]), attributes=(["a1"], ["b1"])))


# -- direct bias ---------------------------------------------------------------------------------

def test_direct_bias_known_answer(hand_space):
    space = hand_space({"w1": [1, 1], "w2": [0, 1], "w3": [-1, 0]})
    g = np.array([1.0, 0.0])
    r1 = B.direct_bias(space, ["w1", "w2", "w3", "absent"], g, c=1)
    assert r1.value == pytest.approx((math.sqrt(0.5) + 0 + 1) / 3)
    assert r1.missing == ["absent"]
    assert B.direct_bias(space, ["w1", "w2", "w3"], g, c=2).value == pytest.approx(0.5)
    with pytest.raises(InputError, match="above 0"):
        B.direct_bias(space, ["w1"], g, c=0)
    with pytest.raises(InputError, match="out of vocabulary"):
        B.direct_bias(space, ["w1", "x", "y"], g, max_missing=0.5)


# -- hard debias ---------------------------------------------------------------------------------

@pytest.fixture
def gendered_space():
    pairs = bias_words.GENDER_DEFINITIONAL_PAIRS
    equalise = [("queen", "king"), ("sister", "brother"), ("aunt", "uncle")]
    neutral = bias_words.OCCUPATIONS[:30] + ["table", "river", "happy"]
    words = [w for p in pairs + equalise for w in p] + neutral
    rng = np.random.default_rng(11)
    vecs = rng.normal(size=(len(words), 16))
    vecs[: 2 * len(pairs) + 6 : 2, 0] += 3.0  # the female words lean one way along dimension 0
    vecs[1: 2 * len(pairs) + 6 : 2, 0] -= 3.0
    vecs[len(words) - len(neutral):, 0] += rng.normal(scale=1.5, size=len(neutral))  # biased neutral words
    return Space.from_vectors(words, vecs, info={"kind": "word2vec", "name": "toy", "id": "abc123"}), equalise, neutral


def test_hard_debias_invariants(gendered_space):
    space, equalise, neutral = gendered_space
    before = space.vectors.copy()
    result = B.hard_debias(space, equalise_pairs=equalise)
    new = result.space
    g = result.direction.vector
    assert new is not space and np.array_equal(space.vectors, before)  # the original is untouched
    assert new.words == space.words and new.info["kind"] == "debiased"
    assert new.info["params"]["source_model_id"] == "abc123"
    assert new.info["params"]["equalise_pairs"] == [list(p) for p in equalise]
    # Bias before: occupations lean along g; after: zero projection.
    assert B.direct_bias(space, neutral, g).value > 0.1
    table, _ = B.project_words(new, neutral, g)
    np.testing.assert_allclose(table["projection"], 0, atol=1e-6)
    assert B.direct_bias(new, neutral, g).value == pytest.approx(0, abs=1e-6)
    # Equalised pairs are equidistant from every neutral word, and symmetric about the neutral plane.
    for a, b in equalise:
        va, vb = new.vector(a), new.vector(b)
        for w in neutral:
            assert _cos(new.vector(w), va) == pytest.approx(_cos(new.vector(w), vb), abs=1e-5)
        assert float(va @ g) == pytest.approx(-float(vb @ g), abs=1e-5)
        assert float(va @ g) > 0  # the female word stays on its side
    np.testing.assert_allclose(np.linalg.norm(new.vectors, axis=1), 1, atol=1e-5)
    # Gender-specific words keep their component along g.
    assert abs(_cos(new.vector("she"), g)) > 0.3
    assert result.n_neutralised == len(neutral)


def test_hard_debias_skips_missing_and_repeated_equalise_pairs(gendered_space):
    space, _, _ = gendered_space
    result = B.hard_debias(space, equalise_pairs=[("queen", "king"), ("queen", "sister"), ("gal", "nobody")])
    assert result.equalised == [("queen", "king")]
    assert result.missing_equalise == [("queen", "sister"), ("gal", "nobody")]


def test_debiased_space_round_trips_through_the_workspace(gendered_space, tmp_path):
    space, equalise, _ = gendered_space
    new = B.hard_debias(space, equalise_pairs=equalise).space
    ws = Workspace(tmp_path / "ws")
    model_id = ws.save_space(new)
    back = ws.load_space(model_id)
    assert back.kind == "debiased" and back.info["params"]["source_model_id"] == "abc123"
    np.testing.assert_allclose(back.vectors, new.vectors)
    assert ws.models().iloc[0]["kind"] == "debiased"


# -- Gonen & Goldberg check and analogy accuracy on a real space -----------------------------------

def test_cluster_check_on_a_trained_space(lee_space):
    pairs = [("she", "he"), ("her", "his"), ("woman", "man"), ("women", "men")]
    result = B.hard_debias(lee_space, definitional_pairs=pairs)
    check = B.cluster_check(lee_space, result.space, result.direction, n_per_side=40)
    k = len(check.table) // 2  # at most 40 a side: fewer when fewer words lean that way
    assert 2 <= k <= 40 and len(check.table) == 2 * k
    assert (check.table["label"] == [1] * k + [-1] * k).all()
    assert 0.5 <= check.accuracy_after <= 1 and 0.5 <= check.accuracy_before <= 1
    # The words were chosen by their projection: the first half leans positive, the second negative.
    assert (check.table["projection"].iloc[:k] > 0).all() and (check.table["projection"].iloc[k:] < 0).all()
    with pytest.raises(InputError, match="different vocabularies"):
        B.cluster_check(lee_space, _random_space(["a", "b"]), result.direction)


def test_cluster_check_recovers_a_planted_bias(hand_space):
    # Two well-separated groups that differ along g and along a second axis: debiasing removes g only,
    # so clusters still recover the labels (the "lipstick on a pig" effect).
    rng = np.random.default_rng(0)
    words, vecs = [], []
    for i in range(30):
        sign = 1 if i % 2 == 0 else -1
        words.append(f"w{i}")
        vecs.append([sign * 2.0, sign * 2.0] + list(rng.normal(scale=0.2, size=4)))
    space = Space.from_vectors(words, vecs)
    g = np.array([1.0, 0, 0, 0, 0, 0])
    debiased_vecs = space.unit.copy()
    debiased_vecs[:, 0] = 0
    debiased = Space.from_vectors(words, debiased_vecs)
    check = B.cluster_check(space, debiased, g, n_per_side=15, exclude=())
    assert check.accuracy_before == 1.0 and check.accuracy_after == 1.0


def test_analogy_accuracy_job_reports_every_model(lee_space, tmp_path):
    ws = Workspace(tmp_path / "ws")
    model_id = ws.save_space(lee_space, name="lee")
    seen = []
    result = B.run_analogy_job(ws, {"model_ids": [model_id], "restrict_vocab": 30_000},
                               lambda f, m="", **k: seen.append(f))
    row = result["accuracy"][model_id]
    direct = B.analogy_accuracy(lee_space)
    assert (row["accuracy"], row["n_questions"]) == pytest.approx(direct)
    assert 0 <= row["accuracy"] <= 1 and row["n_questions"] > 0
    assert seen[-1] == 1.0


def test_coverage_is_the_worst_covered_set(hand_space):
    space = hand_space({"x1": [1, 0], "y1": [0, 1], "a1": [1, 1], "b1": [1, -1]})
    q = B.WeatQuery(targets=(["x1", "x2"], ["y1"]), attributes=(["a1", "a2", "a3", "a4"], ["b1"]))
    assert B.coverage(space, q) == pytest.approx(0.25)


def test_sampled_partitions_always_have_n_x_words_even_with_key_ties():
    # 2,000 words share 65,536 possible 16-bit keys: ties at the threshold are common here, and every
    # drawn partition must still put exactly n_x words in X_i (with all scores 1 the statistic is 2 n_x - n).
    null = B.sampled_partition_statistics(np.ones(2000), 700, 2_000, seed=1)
    np.testing.assert_array_equal(null, 2 * 700 - 2000)


# -- memory: the exact null never holds a partitions x words matrix ------------------------------------

def test_exact_null_streams_partitions_in_bounded_memory():
    import tracemalloc

    scores = np.random.default_rng(3).normal(size=4_000)
    # |X| = 1, |Y| = 3,999: 4,000 partitions of 4,000 words; a dense 0/1 matrix would be 128 MB
    tracemalloc.start()
    null = B.exact_partition_statistics(scores, 1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 16 * 2**20, f"peak {peak / 2**20:.1f} MB"  # one 8 MB batch at most
    np.testing.assert_allclose(null, 2 * scores - scores.sum())  # X_i = {word i}
    # batches split anywhere give the same answer as one batch
    small = np.random.default_rng(4).normal(size=12)
    np.testing.assert_allclose(B.exact_partition_statistics(small, 5, chunk_bytes=8 * 5 * 7),
                               B.exact_partition_statistics(small, 5), rtol=0, atol=1e-12)


def test_weat_refuses_oversized_word_sets_before_any_work():
    space = _random_space(["x", "a", "b"] + [f"y{i}" for i in range(5)], seed=0)
    q = B.WeatQuery(targets=(["x"], [f"y{i}" for i in range(20_000)]), attributes=(["a"], ["b"]),
                    target_names=("X", "Y"), attribute_names=("A", "B"))
    with pytest.raises(InputError, match=r"'Y' has 20,000 words.*at most 1,000"):
        B.weat(space, q)
