"""Analogy evaluator (question-for-question agreement with gensim), word-pair scores, sweeps."""

import numpy as np
import pytest
from scipy import stats

from embedlab import InputError, Workspace
from embedlab import jobs
from embedlab.probes.analogy import benchmark
from embedlab.probes.analogy import sweep
from embedlab.views.analogy import pairs_scatter, section_accuracy_figure, sweep_figure

GOOGLE = benchmark.builtin_path(benchmark.GOOGLE_ANALOGIES)


def gensim_judgements(kv, path, **kwargs):
    score, sections = kv.evaluate_word_analogies(path, **kwargs)
    out = {}
    for section in sections[:-1]:
        for quad in section["correct"]:
            out[(section["section"],) + quad] = True
        for quad in section["incorrect"]:
            out[(section["section"],) + quad] = False
    return score, sections, out


def gensim_prediction(kv, a, b, c, restrict_vocab=300_000, case_insensitive=True):
    """gensim's predicted word for one question, reproduced outside gensim's evaluator (for a second opinion)."""
    keys = kv.index_to_key[:restrict_vocab]
    fold = str.upper if case_insensitive else (lambda w: w)
    ok = {fold(k): kv.get_index(k) for k in reversed(keys)}
    original, kv.key_to_index = kv.key_to_index, ok
    try:
        sims = kv.most_similar(positive=[fold(b), fold(c)], negative=[fold(a)], topn=5, restrict_vocab=restrict_vocab)
    finally:
        kv.key_to_index = original
    predicted = None
    for word, _ in sims:
        predicted = fold(word)
        if predicted not in {fold(a), fold(b), fold(c)}:
            break
    return predicted


def assert_agrees(space, questions_path, questions, **kwargs):
    ours = benchmark.evaluate_analogies(space, questions, **kwargs)
    score, sections, theirs = gensim_judgements(space.kv, questions_path, **kwargs)
    fold = str.upper if kwargs.get("case_insensitive", True) else (lambda w: w)
    answered = ours.questions[ours.questions["status"] != "skipped: OOV"]
    keys = [(s, fold(a), fold(b), fold(c), fold(d)) for s, a, b, c, d in
            zip(answered["section"], answered["a"], answered["b"], answered["c"], answered["expected"])]
    assert len(keys) == len(theirs)
    assert [theirs[k] for k in keys] == answered["correct"].tolist()
    assert ours.accuracy == pytest.approx(score)
    for section, row in zip(sections[:-1], ours.sections.itertuples()):
        assert section["section"] == row.section
        assert len(section["correct"]) == row.correct
        assert len(section["correct"]) + len(section["incorrect"]) == row.evaluated
    return ours


def test_google_set_parsed_like_gensim():
    q = benchmark.google_analogies()
    assert len(q) == 19544
    assert q["section"].nunique() == 14
    assert q.iloc[0][["a", "b", "c", "expected"]].tolist() == ["Athens", "Greece", "Baghdad", "Iraq"]
    assert q["section"].iloc[-1] == "gram9-plural-verbs"


def test_agrees_with_gensim_question_for_question(lee_space):
    questions = benchmark.google_analogies()
    ours = assert_agrees(lee_space, GOOGLE, questions)
    assert ours.skipped > 15_000  # the Lee corpus knows few capitals; skipped questions are counted
    totals = ours.totals.set_index("section")
    assert totals.loc["all", "evaluated"] == totals.loc["semantic", "evaluated"] + totals.loc["syntactic", "evaluated"]
    assert set(ours.sections.loc[ours.sections["section"].str.startswith("gram"), "kind"]) == {"syntactic"}
    # the predicted word itself (not only right/wrong) is gensim's, checked against most_similar directly
    answered = ours.questions[ours.questions["status"] != "skipped: OOV"].head(300)
    for row in answered.itertuples():
        assert row.predicted.upper() == gensim_prediction(lee_space.kv, row.a, row.b, row.c)
        if row.correct:
            assert row._9 == 1  # expected rank


@pytest.mark.parametrize("kwargs", [dict(restrict_vocab=800), dict(case_insensitive=False)])
def test_agrees_with_gensim_other_settings(lee_space, kwargs):
    assert_agrees(lee_space, GOOGLE, benchmark.google_analogies(), **kwargs)


@pytest.mark.slow
def test_agrees_with_gensim_on_movie_reviews(reviews_space):
    ours = assert_agrees(reviews_space, GOOGLE, benchmark.google_analogies())
    assert ours.accuracy > 0


def test_ties_and_case_variants_like_gensim(hand_space, tmp_path):
    # "prince" and "heir" have the same vector (an exact tie); "King" is a case variant of the input "king"
    rng = np.random.default_rng(0)
    base = {w: rng.standard_normal(6) for w in ["king", "man", "woman", "queen", "boy", "girl", "x1", "x2"]}
    base["prince"] = base["king"] - base["man"] + base["boy"]
    base["heir"] = base["prince"].copy()
    base["King"] = base["king"] * 1.01 + 0.01
    space = hand_space(base)
    path = tmp_path / "q.txt"
    path.write_text(": family\nman king woman queen\nman king boy prince\nman king boy heir\n"
                    "king man queen woman\nbad line\n: gram-x\nman King woman queen\nman king woman unknownword\n")
    questions = benchmark.parse_analogies(str(path))
    assert questions.attrs["skipped_lines"] == 1
    for case_insensitive in (True, False):
        ours = assert_agrees(space, str(path), questions, case_insensitive=case_insensitive)
        assert ours.rechecked >= 1  # the exact tie went through gensim's own arithmetic
    assert ours.questions["status"].iloc[-1] == "skipped: OOV"
    assert ours.questions["missing words"].iloc[-1] == "unknownword"


def test_3cosmul_evaluation(hand_space):
    space = hand_space({"man": [1, 0, 0], "woman": [0, 1, 0], "king": [1, 0, 0.2], "queen": [0, 1, 1],
                        "apple": [0.2, 0.2, -1]})
    questions = benchmark.parse_analogies(b": family\nman king woman queen\nwoman queen man king\n", "mine.txt")
    res = benchmark.evaluate_analogies(space, questions, method="3CosMul")
    assert res.questions["correct"].all() and res.accuracy == 1.0
    assert res.questions["expected rank"].tolist() == [1, 1]
    with pytest.raises(InputError, match="3CosAdd"):
        benchmark.evaluate_analogies(space, questions, method="cosine")


def test_parse_analogies_errors():
    with pytest.raises(InputError, match="before any section"):
        benchmark.parse_analogies(b"man king woman queen\n", "q.txt")
    with pytest.raises(InputError, match="no analogy questions"):
        benchmark.parse_analogies(b": s\nonly three words\n", "q.txt")
    with pytest.raises(InputError, match="empty"):
        benchmark.parse_analogies(b"", "q.txt")
    with pytest.raises(InputError, match="binary"):
        benchmark.parse_analogies(b"\x00\x01\x02" * 100, "q.bin")
    q = benchmark.parse_analogies(": caf\u00e9\nman king woman queen\r\n".encode("cp1252"), "latin.txt")
    assert q["section"].tolist() == ["caf\u00e9"] and q["expected"].tolist() == ["queen"]


@pytest.mark.parametrize("name, path", [("WordSim-353", benchmark.WORDSIM353), ("SimLex-999", benchmark.SIMLEX999)])
def test_word_pairs_agree_with_gensim(lee_space, name, path):
    res = benchmark.evaluate_word_pairs(lee_space, benchmark.builtin_pairs(name))
    pearson, spearman, oov_ratio = lee_space.kv.evaluate_word_pairs(benchmark.builtin_path(path))
    assert res.spearman == pytest.approx(spearman.statistic, abs=1e-6)
    assert res.pearson == pytest.approx(pearson.statistic, abs=1e-6)
    assert 100 * res.oov_rate == pytest.approx(oov_ratio)
    known = res.pairs[~res.pairs["oov"]]
    assert res.spearman == pytest.approx(stats.spearmanr(known["human"], known["cosine"]).statistic)
    assert len(res.pairs) == res.evaluated + res.oov == {"WordSim-353": 353, "SimLex-999": 999}[name]
    fig = pairs_scatter(res.pairs)
    assert len(fig.data[0].x) == res.evaluated and "–" in fig.data[0].text[0]


def test_parse_word_pairs_uploads(hand_space):
    data = b"# my set\n# w1\tw2\tscore\nman\twoman\t8.5\nking\tqueen\t9\nbad line\nman\tking\tnot-a-number\n" \
           b"king\tapple\t1.5\n"
    pairs = benchmark.parse_word_pairs(data, "mine.tsv")
    assert pairs["human"].tolist() == [8.5, 9.0, 1.5] and pairs.attrs["skipped_lines"] == 2
    space = hand_space({"man": [1, 0], "woman": [0.9, 0.3], "king": [0.2, 1], "queen": [0.3, 1]})
    res = benchmark.evaluate_word_pairs(space, pairs)
    assert res.oov == 1 and res.evaluated == 2 and res.pairs["oov"].tolist() == [False, False, True]
    with pytest.raises(InputError, match="no word pairs"):
        benchmark.parse_word_pairs(b"# only comments\n", "x.tsv")
    with pytest.raises(InputError, match="Unknown test set"):
        benchmark.builtin_pairs("MEN")


def test_section_figure(lee_space):
    res = benchmark.evaluate_analogies(lee_space)
    fig = section_accuracy_figure(res.sections)
    assert {t.name for t in fig.data} == {"semantic", "syntactic"}
    assert sum(len(t.x) for t in fig.data) == 14


def test_sweep_configs_validation():
    with pytest.raises(InputError, match="can vary"):
        sweep.sweep_configs({}, "alpha", [0.1, 0.2])
    with pytest.raises(InputError, match="between 2 and"):
        sweep.sweep_configs({}, "window", [5])
    with pytest.raises(InputError, match="whole numbers"):
        sweep.sweep_configs({}, "window", ["five", 2])
    with pytest.raises(InputError, match="vector_size must be"):
        sweep.sweep_configs({}, "vector_size", [0, 10])
    with pytest.raises(InputError, match="once"):
        sweep.sweep_configs({}, "window", [2, 2])
    configs = sweep.sweep_configs({"epochs": 1}, "architecture", ["skip-gram", "cbow"])
    assert [c.architecture for c in configs] == ["skip-gram", "cbow"] and configs[1].epochs == 1
    assert jobs.resolve("sweep") is sweep.run_job


def test_sweep_trains_saves_and_scores(tmp_path):
    import embedlab

    ws = Workspace(tmp_path / "ws")
    corpus = embedlab.prepare_sample(ws, "lee_background")
    seen = []
    result = sweep.run_sweep(ws, corpus.id, "vector_size", ["10", 20], base={"epochs": 1, "min_count": 3},
                             progress=lambda f, m="", **d: seen.append(f))
    table = sweep.sweep_table(result)
    assert table["vector_size"].tolist() == [10, 20]
    assert set(table["model_id"]) <= set(ws.models()["id"])
    assert ws.load_space(table["model_id"].iloc[1]).dim == 20
    for col in sweep.SCORE_COLUMNS:
        assert col in table.columns
    assert table["WordSim-353 pairs"].min() > 0
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0)
    fig = sweep_figure(table, "vector_size")
    assert len(fig.data) == len(sweep.SCORE_COLUMNS)


def test_bias_analogy_accuracy_uses_the_evaluator_and_equals_gensim(lee_space):
    from embedlab.probes import bias

    accuracy, n = bias.analogy_accuracy(lee_space, restrict_vocab=30_000)
    score, sections = lee_space.kv.evaluate_word_analogies(GOOGLE, restrict_vocab=30_000)
    assert n == len(sections[-1]["correct"]) + len(sections[-1]["incorrect"]) > 0
    assert accuracy == pytest.approx(score)


@pytest.mark.parametrize("method", ["3CosAdd", "3CosMul"])
def test_scan_equals_full_score_matrix(method):
    """The one-pass scan keeps the same best candidates, scores and expected ranks as a full score matrix."""
    from embedlab.probes.analogy.kernels import scan_analogies

    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((500, 12)).astype(np.float32)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    ia, ib, ic, ie = (rng.integers(0, 40, 300) for _ in range(4))  # few distinct words, as in a test set
    ie[:5] = ia[:5]  # the expected answer is an input word: no rank
    cos = (unit @ unit.T).astype(np.float64)
    if method == "3CosAdd":
        full = (cos[ib] + cos[ic] - cos[ia]) / np.linalg.norm(unit[ib] + unit[ic] - unit[ia], axis=1)[:, None]
    else:
        p = (cos + 1) / 2
        full = p[ib] * p[ic] / (p[ia] + 1e-3)
    rows = np.arange(len(ia))
    for col in (ia, ib, ic):
        full[rows, col] = -np.inf
    # a small block size makes the scan cross several column blocks
    top, top_val, rank, exp_score = scan_analogies(unit, ia, ib, ic, ie, method, top_n=6, block_bytes=40 * 4 * 128)
    best = np.argsort(-full, axis=1, kind="stable")[:, :6]
    np.testing.assert_array_equal(top, best)
    np.testing.assert_allclose(top_val, full[rows[:, None], best], rtol=1e-5, atol=1e-6)
    expected = full[rows, ie]
    valid = (ie != ia) & (ie != ib) & (ie != ic)
    assert np.isnan(rank[~valid]).all() and np.isnan(exp_score[~valid]).all()
    np.testing.assert_allclose(exp_score[valid], expected[valid], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(rank[valid], (full > expected[:, None]).sum(axis=1)[valid] + 1)
