"""Analogy solver (3CosAdd/3CosMul), vector arithmetic, odd one out and similarity."""

import numpy as np
import pandas as pd
import pytest

from embedlab import InputError, Space, UnknownWordError
from embedlab.probes import analogy
from embedlab.probes.analogy import arithmetic
from embedlab.probes.neighbours import batch_nearest, nearest_neighbours, top_k_rows, top_k_values
from embedlab.views.analogy import analogy_picture

from conftest import ROYAL


@pytest.fixture
def royal(hand_space):
    return hand_space(ROYAL)


def unit(v):
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


def reference_scores(vectors, a, b, c, eps=1e-3):
    """3CosAdd and 3CosMul computed independently, word by word."""
    add, mul = {}, {}
    for w, v in vectors.items():
        d = unit(v)
        ca, cb, cc = d @ unit(vectors[a]), d @ unit(vectors[b]), d @ unit(vectors[c])
        add[w] = d @ unit(unit(vectors[b]) - unit(vectors[a]) + unit(vectors[c]))
        mul[w] = ((cb + 1) / 2) * ((cc + 1) / 2) / ((ca + 1) / 2 + eps)
    return add, mul


def test_known_answer_both_methods(royal):
    result = analogy.solve_analogy(royal, "man", "king", "woman", k=4)
    assert result.top("3CosAdd") == "queen"
    assert result.top("3CosMul") == "queen"
    add, mul = reference_scores(ROYAL, "man", "king", "woman")
    for method, ref in (("3CosAdd", add), ("3CosMul", mul)):
        table = result.answers[method]
        assert not table["input word"].any()
        assert set(table["word"]).isdisjoint({"man", "king", "woman"})
        for word, score in zip(table["word"], table["score"]):
            assert score == pytest.approx(ref[word], abs=1e-5)
        assert list(table["score"]) == sorted(table["score"], reverse=True)
        assert list(table["rank"]) == list(range(1, len(table) + 1))


def test_include_toggle_shows_input_word_winning(royal):
    excluded = analogy.solve_analogy(royal, "man", "king", "woman", k=3, expected="queen")
    included = analogy.solve_analogy(royal, "man", "king", "woman", k=3, exclude_inputs=False, expected="queen")
    assert excluded.top("3CosAdd") == "queen"
    assert included.top("3CosAdd") == "woman"
    assert bool(included.answers["3CosAdd"]["input word"].iloc[0])
    # the excluded result says which input word would have been first
    assert any("'woman' would have been the first answer" in n and n.startswith("3CosAdd") for n in excluded.notes)
    inputs = excluded.inputs.set_index("word")
    assert inputs.loc["woman", "3CosAdd rank"] == 1
    exp = excluded.expected.set_index("method")
    assert exp.loc["3CosAdd", "rank"] == 1
    assert included.expected.set_index("method").loc["3CosAdd", "rank"] == 2
    add, _ = reference_scores(ROYAL, "man", "king", "woman")
    assert exp.loc["3CosAdd", "score"] == pytest.approx(add["queen"], abs=1e-5)


def test_3cosmul_can_disagree_with_3cosadd(hand_space):
    # 3CosAdd lets one large similarity dominate; 3CosMul balances them (Levy & Goldberg 2014)
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(300)]
    space = hand_space(dict(zip(words, rng.standard_normal((300, 8)))))
    vecs = {w: space.vector(w) for w in words}
    disagreements = 0
    for i in range(0, 60, 3):
        a, b, c = words[i], words[i + 1], words[i + 2]
        result = analogy.solve_analogy(space, a, b, c, k=1)
        add, mul = reference_scores(vecs, a, b, c)
        for ref, method in ((add, "3CosAdd"), (mul, "3CosMul")):
            best = max((w for w in words if w not in (a, b, c)), key=ref.get)
            assert result.top(method) == best
        disagreements += result.top("3CosAdd") != result.top("3CosMul")
    assert disagreements > 0


def test_unknown_words_and_bad_input(royal):
    with pytest.raises(UnknownWordError, match="kinq.*Did you mean: king"):
        analogy.solve_analogy(royal, "man", "kinq", "woman")
    with pytest.raises(UnknownWordError, match="quen"):
        analogy.solve_analogy(royal, "man", "king", "woman", expected="quen")
    with pytest.raises(InputError, match="Type a word for c"):
        analogy.solve_analogy(royal, "man", "king", "  ")
    with pytest.raises(InputError, match="between 1 and"):
        analogy.solve_analogy(royal, "man", "king", "woman", k=0)


def test_fasttext_answers_oov_from_subwords():
    from gensim.models import FastText

    sentences = [["king", "queen", "man", "woman", "kingdom", "queendom", "royal"]] * 20
    model = FastText(sentences, vector_size=16, min_count=1, epochs=2, seed=1, workers=1, min_n=2, max_n=4)
    space = Space(model.wv, info={"kind": "fasttext"})
    result = analogy.solve_analogy(space, "man", "kingz", "woman", k=3, expected="queenz")
    inputs = result.inputs.set_index("word")
    assert bool(inputs.loc["kingz", "from subwords"]) and not bool(inputs.loc["man", "from subwords"])
    assert pd.isna(inputs.loc["kingz", "3CosAdd rank"]) and inputs.loc["man", "3CosAdd rank"] >= 1
    assert result.expected["from subwords"].all()
    assert any("'kingz' is not in the vocabulary" in n for n in result.notes)
    assert any("'queenz'" in n and "not a candidate" in n for n in result.notes)
    res = arithmetic.evaluate_expression(space, "kingz - man + woman", k=2)
    assert res.terms["from subwords"].tolist() == [True, False, False] and len(res.notes) == 1
    assert len(result.answers["3CosAdd"]) == 3
    odd = analogy.doesnt_match(space, ["king", "queen", "kingz"])
    assert odd.set_index("word").loc["kingz", "from subwords"]


def test_doesnt_match_agrees_with_gensim(lee_space):
    for words in (["police", "government", "minister", "cricket"], ["sydney", "melbourne", "president", "canberra"]):
        table = analogy.doesnt_match(lee_space, words)
        assert table["word"].iloc[-1] == lee_space.kv.doesnt_match(words)
        assert table["odd one out"].tolist() == [False] * (len(words) - 1) + [True]
    with pytest.raises(InputError, match="at least 3"):
        analogy.doesnt_match(lee_space, "police police government")


def test_similarity_and_sets(royal, lee_space):
    assert analogy.similarity(lee_space, "police", "government") == pytest.approx(
        float(lee_space.kv.similarity("police", "government")), abs=1e-6)
    s = analogy.set_similarity(royal, "man king", ["woman", "queen"])
    means = (unit(ROYAL["man"]) + unit(ROYAL["king"])) / 2, (unit(ROYAL["woman"]) + unit(ROYAL["queen"])) / 2
    assert s.cosine_of_means == pytest.approx(unit(means[0]) @ unit(means[1]), abs=1e-6)
    pair = [unit(ROYAL[x]) @ unit(ROYAL[y]) for x in ("man", "king") for y in ("woman", "queen")]
    assert s.mean_pairwise == pytest.approx(np.mean(pair), abs=1e-6)
    assert s.pairs.shape == (2, 2)
    with pytest.raises(UnknownWordError):
        analogy.similarity(royal, "man", "duke")


@pytest.mark.parametrize("text, terms", [
    ("king - man + woman", [(1, "king"), (-1, "man"), (1, "woman")]),
    ("king − man + woman", [(1, "king"), (-1, "man"), (1, "woman")]),
    ("king-man+woman", [(1, "king"), (-1, "man"), (1, "woman")]),
    ("0.5*paris + italy - france", [(0.5, "paris"), (1, "italy"), (-1, "france")]),
    ("2 king", [(2, "king")]),
    ("-man + .5 * woman", [(-1, "man"), (0.5, "woman")]),
    ("1990s + 3e1 x", [(1, "1990s"), (30, "x")]),
    ("  +king  ", [(1, "king")]),
])
def test_parse_expression(text, terms):
    assert arithmetic.parse_expression(text) == [(float(w), t) for w, t in terms]


@pytest.mark.parametrize("text, message, position", [
    ("king +", "Expected a word after '+'", 7),
    ("king woman", "Expected + or - before 'woman'", 6),
    ("* king", "cannot start with '*'", 1),
    ("king - 2", "Expected a word after the weight 2", 9),
    ("2 * * x", "Expected a word, found '*'", 5),
    ("king + - man", "Expected a word, found '-'", 8),
    ("1e999 x", "too large a weight", 1),
    ("5e300 king", "too large a weight", 1),       # finite as float64, inf as float32
    ("king + 3e38 man", "too large a weight", 8),
    ("1e-300 king", "too small a weight", 1),      # 0 as float32: the term would vanish unseen
])
def test_parse_expression_rejects_malformed(text, message, position):
    with pytest.raises(InputError, match="at character") as err:
        arithmetic.parse_expression(text)
    assert message in str(err.value)
    assert f"(at character {position})" in str(err.value)


def test_parse_expression_rejects_empty_and_long():
    for text in ("", "   ", None):
        with pytest.raises(InputError, match="Type an expression"):
            arithmetic.parse_expression(text)
    with pytest.raises(InputError, match="characters long"):
        arithmetic.parse_expression("a + " * 200)
    with pytest.raises(InputError, match="at most"):
        arithmetic.parse_expression(" + ".join(["a"] * 60))


def test_evaluate_expression(royal):
    res = arithmetic.evaluate_expression(royal, "king - man + woman", k=2)
    assert res.neighbours["word"].iloc[0] == "queen"
    assert not res.neighbours["input word"].any()
    included = arithmetic.evaluate_expression(royal, "king - man + woman", k=2, exclude_inputs=False)
    assert included.neighbours["word"].iloc[0] == "woman"
    target = 2 * unit(ROYAL["pear"])
    res = arithmetic.evaluate_expression(royal, "2 pear", k=1, exclude_inputs=False)
    np.testing.assert_allclose(res.vector, target, rtol=1e-6)
    assert res.neighbours["word"].iloc[0] == "pear"
    with pytest.raises(InputError, match="cancel out"):
        arithmetic.evaluate_expression(royal, "king - king")
    with pytest.raises(InputError, match="too large a weight"):
        arithmetic.evaluate_expression(royal, "5e300 king")
    biggest = arithmetic.evaluate_expression(royal, "1e6 king + 1e6 queen", k=1)
    assert np.isfinite(biggest.vector).all() and np.isfinite(biggest.neighbours["cosine"]).all()
    with pytest.raises(UnknownWordError):
        arithmetic.evaluate_expression(royal, "king - duke")


def test_batch_nearest_matches_single_queries(lee_space):
    words = ["police", "government", "sydney", "good", "man"]
    idx = lee_space.indices(words)
    got_idx, got_scores = batch_nearest(lee_space, lee_space.vectors[idx], k=5, exclude=idx)
    for row, word in enumerate(words):
        single = nearest_neighbours(lee_space, word, k=5)
        assert [lee_space.words[i] for i in got_idx[row]] == single["word"].tolist()
        np.testing.assert_allclose(got_scores[row], single["cosine"], atol=1e-5)
    lists_idx, _ = batch_nearest(lee_space, lee_space.vectors[idx], k=3, exclude=[[int(i)] for i in idx])
    assert np.array_equal(lists_idx, got_idx[:, :3])


@pytest.mark.parametrize("n_cols", [3, 40, 1000, 4097, 30001])
def test_top_k_values_equals_full_sort(n_cols):
    rng = np.random.default_rng(n_cols)
    scores = rng.standard_normal((9, n_cols)).astype(np.float32)
    scores[:, ::5] = -np.inf
    idx, vals = top_k_values(scores, 6)
    np.testing.assert_array_equal(top_k_rows(scores, 6), idx)
    k = min(6, n_cols)
    np.testing.assert_array_equal(vals, -np.sort(-scores, axis=1)[:, :k])
    np.testing.assert_array_equal(np.take_along_axis(scores, idx, axis=1), vals)


def test_analogy_picture(royal):
    fig = analogy_picture(royal, "man", "king", "woman", "queen", expected="pear")
    texts = list(fig.data[0].text)
    assert texts[:4] == ["man (a)", "king (b)", "woman (c)", "queen (answer)"] and "pear (expected)" in texts
    assert len([a for a in fig.layout.annotations if a.showarrow]) == 3
    assert "cosine between the offsets" in fig.layout.title.text
