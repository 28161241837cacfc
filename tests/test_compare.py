"""Comparing spaces: Jaccard@k, Procrustes, joint projection and seed stability, on known answers and real models."""

import numpy as np
import pytest

from embedlab import jobs
from embedlab.errors import InputError
from embedlab.probes import compare
from embedlab.probes.neighbours import knn_within, top_k, top_k_rows
from embedlab.space import Space
from embedlab.store import Workspace
from embedlab.train.seeds import check_seeds, train_seeds
from embedlab.train.word2vec import Word2VecConfig, train_word2vec
from embedlab.views import compare as views


def random_space(n=200, dim=20, seed=0, prefix="w"):
    rng = np.random.default_rng(seed)
    return Space.from_vectors([f"{prefix}{i}" for i in range(n)], rng.normal(size=(n, dim)))


def rotation(dim, seed=1):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(dim, dim)))
    return q


def clusters(swap=False):
    """Three tight clusters of three words on the axes; with ``swap``, a1 and b1 trade vectors."""
    offsets = [np.array([0.0, 0.05, 0.02]), np.array([0.0, -0.03, 0.06]), np.array([0.0, 0.01, -0.07])]
    vectors = {}
    for axis, name in enumerate("abc"):
        for j in range(3):
            v = np.roll(np.array([1.0, 0, 0]) + offsets[j], axis)
            vectors[f"{name}{j + 1}"] = v
    if swap:
        vectors["a1"], vectors["b1"] = vectors["b1"], vectors["a1"]
    return vectors


# -- kNN helpers ----------------------------------------------------------------------------

def test_top_k_rows_agrees_with_top_k():
    scores = np.random.default_rng(3).normal(size=(7, 50))
    rows = top_k_rows(scores, 5)
    assert rows.shape == (7, 5)
    for i in range(7):
        np.testing.assert_array_equal(rows[i], top_k(scores[i], 5))


def test_knn_within_excludes_self_and_matches_brute_force():
    space = random_space(120, 8)
    got = knn_within(space.unit, 4, chunk_size=17)
    sims = space.unit @ space.unit.T
    for i in range(120):
        assert i not in got[i]
        np.testing.assert_array_equal(got[i], top_k(sims[i], 4, exclude=[i]))


def test_knn_within_rejects_k_too_large():
    with pytest.raises(InputError, match="below the number of words"):
        knn_within(random_space(5, 3).unit, 5)


# -- Jaccard@k -----------------------------------------------------------------------------

def test_jaccard_rows_known_values():
    a = np.array([[1, 2, 3], [1, 2, 3], [1, 2, 3]])
    b = np.array([[3, 2, 1], [1, 2, 9], [7, 8, 9]])
    np.testing.assert_allclose(compare.jaccard_rows(a, b), [1.0, 2 / 4, 0.0])


def test_identical_spaces_overlap_fully():
    space = random_space()
    overlap = compare.jaccard_at_k(space, space, k=10)
    assert len(overlap.words) == 200
    np.testing.assert_array_equal(overlap.jaccard, 1.0)
    assert overlap.mean == 1.0


def test_rotated_copy_overlaps_fully_even_with_other_dimensions():
    a = random_space(dim=20)
    q = rotation(20)
    b = Space.from_vectors(a.words, a.vectors @ q)
    assert compare.jaccard_at_k(a, b, k=10).mean == pytest.approx(1.0)
    # Jaccard needs no common coordinates: embed B into 25 dimensions by a random isometry
    iso = np.linalg.qr(np.random.default_rng(5).normal(size=(25, 20)))[0].T  # (20, 25), orthonormal rows
    c = Space.from_vectors(a.words, a.vectors @ iso)
    assert c.dim == 25
    assert compare.jaccard_at_k(a, c, k=10).mean == pytest.approx(1.0)


def test_swapped_word_gives_known_jaccard(hand_space):
    a, b = hand_space(clusters()), hand_space(clusters(swap=True))
    overlap = compare.jaccard_at_k(a, b, k=2)
    got = dict(zip(overlap.words, overlap.jaccard))
    expected = {"a1": 0.0, "b1": 0.0, "a2": 1 / 3, "a3": 1 / 3, "b2": 1 / 3, "b3": 1 / 3, "c1": 1.0, "c2": 1.0,
                "c3": 1.0}
    assert got == pytest.approx(expected)
    assert overlap.mean == pytest.approx((4 / 3 + 3) / 9)
    assert overlap.most_changed(2)["word"].tolist() == ["a1", "b1"]
    assert overlap.least_changed(3)["word"].tolist() == ["c1", "c2", "c3"]
    table = overlap.table().set_index("word")
    assert table.loc["a2", "shared neighbours"] == 1
    assert table.loc["c1", "shared neighbours"] == 2
    assert table.loc["a1", "neighbours in B"] in ("b2, b3", "b3, b2")


def test_shared_vocabulary_order_and_limit(hand_space):
    a = hand_space({"x": [1, 0], "y": [0, 1], "z": [1, 1], "only_a": [1, 2]})
    b = hand_space({"z": [1, 0], "only_b": [0, 1], "x": [1, 1], "y": [2, 1]})
    # ranks: x 0+2, y 1+3, z 2+0 -> x and z tie (first space's order breaks it), then y
    assert compare.shared_vocabulary([a, b]) == ["x", "z", "y"]
    assert compare.shared_vocabulary([a, b], 2) == ["x", "z"]


def test_overlap_only_counts_shared_words(hand_space):
    a = hand_space(clusters())
    extra = dict(clusters())
    extra["intruder"] = [1.0, 0.04, 0.03]  # would be a1's nearest neighbour if it were searched
    b = hand_space(extra)
    overlap = compare.jaccard_at_k(a, b, k=2)
    assert "intruder" not in overlap.words
    np.testing.assert_array_equal(overlap.jaccard, 1.0)


def test_bad_inputs_are_input_errors(hand_space):
    a = hand_space({"x": [1, 0], "y": [0, 1], "z": [1, 1]})
    b = hand_space({"p": [1, 0], "q": [0, 1]})
    with pytest.raises(InputError, match="no word in common"):
        compare.jaccard_at_k(a, b)
    with pytest.raises(InputError, match="Lower k"):
        compare.jaccard_at_k(a, a, k=3)
    with pytest.raises(InputError, match="at least 1"):
        compare.jaccard_at_k(a, a, k=0)


# -- side by side ----------------------------------------------------------------------------

def test_side_by_side_marks_shared_neighbours(hand_space):
    a, b = hand_space(clusters()), hand_space(clusters(swap=True))
    table = compare.side_by_side(a, b, "a2", k=2, names=("A", "B"))
    assert list(table.columns) == ["rank", "A word", "A cosine", "A in B's list", "B word", "B cosine",
                                   "B in A's list"]
    assert set(table["A word"]) == {"a1", "a3"}
    assert set(table["B word"]) == {"b1", "a3"}
    assert dict(zip(table["A word"], table["A in B's list"])) == {"a1": False, "a3": True}
    assert dict(zip(table["B word"], table["B in A's list"])) == {"b1": False, "a3": True}
    styled = views.highlight_shared(table).to_html()
    assert "font-weight: bold" in styled


def test_side_by_side_names_the_model_that_lacks_the_word(hand_space):
    a = hand_space({"x": [1, 0], "y": [0, 1], "word": [1, 1]})
    b = hand_space({"x": [1, 0], "y": [0, 1], "wordy": [1, 1]})
    with pytest.raises(InputError, match="vocabulary of model B.*wordy"):
        compare.side_by_side(a, b, "word", k=1)


# -- Procrustes --------------------------------------------------------------------------------

def test_procrustes_recovers_rotation_exactly():
    a = random_space(dim=20)
    q = rotation(20)
    b = Space.from_vectors(a.words, a.vectors @ q)
    al = compare.procrustes_align(a, b)
    np.testing.assert_allclose(al.rotation, q.T, atol=1e-5)
    np.testing.assert_allclose(al.rotation.T @ al.rotation, np.eye(20), atol=1e-10)
    assert al.displacement.max() < 1e-5
    np.testing.assert_allclose(al.cosine, 1.0, atol=1e-6)
    # the normalisation is unit length, centring, unit length
    np.testing.assert_allclose(np.linalg.norm(al.a, axis=1), 1.0)


def test_procrustes_with_noise_finds_the_rotation_and_the_moved_word():
    rng = np.random.default_rng(7)
    a = random_space(n=400, dim=30, seed=2)
    q = rotation(30, seed=4)
    moved = a.vectors.copy()
    moved[123] = rng.normal(size=30)  # this one word really moves
    b = Space.from_vectors(a.words, (moved + rng.normal(scale=0.02, size=moved.shape)) @ q)
    al = compare.procrustes_align(a, b)
    assert np.abs(al.rotation - q.T).max() < 0.05
    assert al.table()["word"].iloc[0] == "w123"
    others = np.delete(al.displacement, 123)
    assert others.max() < 0.1 < al.displacement[123]


def test_procrustes_needs_same_dimensions():
    a, b = random_space(dim=20), random_space(dim=10)
    with pytest.raises(InputError, match="same number of dimensions.*20.*10"):
        compare.procrustes_align(a, b)


def test_joint_projection_puts_an_unmoved_word_twice_on_the_same_spot():
    a = random_space(dim=20)
    b = Space.from_vectors(a.words, a.vectors @ rotation(20))
    al = compare.procrustes_align(a, b)
    proj = compare.joint_projection(al, a.words[:50])
    assert list(proj.columns) == ["word", "x_a", "y_a", "x_b", "y_b", "displacement", "cosine after alignment"]
    np.testing.assert_allclose(proj[["x_a", "y_a"]].to_numpy(), proj[["x_b", "y_b"]].to_numpy(), atol=1e-5)
    fig = views.joint_scatter(proj)
    assert len(fig.data) == 3  # lines, A, B: a fixed number of traces however many words
    assert len(fig.data[0].x) == 3 * 50 and fig.data[0].x[2] is None
    with pytest.raises(InputError, match="nope"):
        compare.joint_projection(al, ["w1", "nope"])
    with pytest.raises(InputError, match="at least 2"):
        compare.joint_projection(al, ["w1"])


def test_histograms_build():
    space = random_space()
    overlap = compare.jaccard_at_k(space, Space.from_vectors(space.words, space.vectors + 0.5), k=5)
    fig = views.jaccard_histogram(overlap)
    assert len(fig.data[0].x) == 200


# -- stability across seeds (real models) ----------------------------------------------------------

QUICK = dict(architecture="cbow", vector_size=30, min_count=2, epochs=5, reproducible=True)


@pytest.fixture(scope="module")
def seed_spaces(lee_corpus):
    return train_seeds(lee_corpus, Word2VecConfig(**QUICK), [1, 2, 3])


def test_seeds_train_distinct_models(seed_spaces, lee_corpus):
    assert [s.info["params"]["seed"] for s in seed_spaces] == [1, 2, 3]
    assert all(s.info["params"]["reproducible"] for s in seed_spaces)
    assert not np.allclose(seed_spaces[0].vectors, seed_spaces[1].vectors)
    assert seed_spaces[0].words == seed_spaces[1].words


def test_same_seed_twice_is_perfectly_stable(seed_spaces, lee_corpus):
    again = train_word2vec(lee_corpus, Word2VecConfig(**QUICK, seed=1))
    result = compare.stability([seed_spaces[0], again], k=10, n_words=500)
    np.testing.assert_array_equal(result.mean, 1.0)


def test_stability_across_seeds(seed_spaces):
    result = compare.stability(seed_spaces, k=10, n_words=1000)
    assert result.pairwise.shape == (3, 1000)
    assert result.pairs == [(0, 1), (0, 2), (1, 2)]
    assert 0 <= result.pairwise.min() and result.pairwise.max() <= 1
    mean = result.mean.mean()
    # different seeds disagree (5 quick epochs leave much of the seed's random start), yet agree more than
    # random neighbour sets would: E|N_A ∩ N_B| = k²/n = 0.1, so Jaccard ≈ 0.1 / 19.9 ≈ 0.005
    assert 0.02 < mean < 0.9
    # the usual finding: frequent words keep their neighbours better than rare ones
    bands = views.stability_by_frequency(result, bins=4)
    assert bands["mean jaccard"].iloc[0] > bands["mean jaccard"].iloc[-1]
    table = result.table()
    assert table["mean jaccard"].is_monotonic_increasing
    assert views.stability_histogram(result).data[0].x.shape == (1000,)
    # pairwise Jaccard agrees with jaccard_at_k on the same pair and words
    pair = compare.jaccard_at_k(seed_spaces[0], seed_spaces[2], k=10, n_words=1000)
    assert pair.words == result.words
    np.testing.assert_allclose(pair.jaccard, result.pairwise[1])


def test_stability_needs_two_models(seed_spaces):
    with pytest.raises(InputError, match="at least 2 models"):
        compare.stability(seed_spaces[:1])


def test_differing_settings_ignores_the_seed():
    base = Word2VecConfig(**QUICK).to_dict()
    assert compare.differing_settings([base, {**base, "seed": 9, "workers": 4}]) == []
    assert compare.differing_settings([base, {**base, "seed": 9, "window": 2}, base]) == ["window"]
    assert compare.differing_settings([{"a": 1}, {}]) == ["a"]


def test_seed_lists_are_checked():
    assert check_seeds(["1", 2]) == [1, 2]
    for bad in ([1], [1, 1], list(range(20)), ["x", 1]):
        with pytest.raises(InputError):
            check_seeds(bad)


def test_seeds_job_saves_one_model_per_seed(lee_corpus, tmp_path):
    ws = Workspace(tmp_path / "ws")
    corpus = ws.add_corpus(["the cat sat on the mat " * 5, "the dog sat on the log " * 5] * 20, "tiny")
    cfg = Word2VecConfig(**{**QUICK, "vector_size": 10, "epochs": 2})
    job = jobs.submit(ws, "seeds", {"corpus_id": corpus.id, "config": cfg.to_dict(), "seeds": [4, 5],
                                    "name": "tiny"}, title="two seeds")
    status = jobs.SCHEDULER.wait(ws.root, job, timeout=120)
    assert status["state"] == "done", status.get("error")
    ids = status["result"]["model_ids"]
    assert len(ids) == 2
    names = [ws.model_record(i)["name"] for i in ids]
    assert names == ["tiny · seed 4", "tiny · seed 5"]
    assert [ws.load_space(i).info["params"]["seed"] for i in ids] == [4, 5]
