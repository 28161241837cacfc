"""Co-occurrence counting: hand-made corpora with known matrices, real text against a plain Python count,
the cache kept with the corpus, and bad input."""

from collections import Counter

import numpy as np
import pytest

import embedlab
from embedlab.errors import Cancelled, InputError
from embedlab.sources.corpus import build_corpus
from embedlab.train import cooccur
from embedlab.train.cooccur import CooccurConfig, Cooccurrences, count_cooccurrences, cooccurrences


def make_corpus(tmp_path, lines, name="hand"):
    """A corpus whose line file is exactly ``lines`` (default preprocessing keeps plain lower-case words)."""
    return build_corpus(lines, tmp_path / name, name)


def dense(cooc: Cooccurrences) -> dict:
    """{(word, context): weight} of the non-zero cells."""
    m = cooc.matrix.tocoo()
    return {(cooc.words[i], cooc.words[j]): v for i, j, v in zip(m.row, m.col, m.data)}


def plain_count(lines, vocab, window, weight):
    """The definition, written out: in-vocabulary tokens of a line, every pair at most ``window`` apart.

    Returns ({(word, context): weight}, number of pairs of positions)."""
    counts, pairs = Counter(), 0
    for line in lines:
        tokens = [t for t in line.split() if t in vocab]
        for p, a in enumerate(tokens):
            for q in range(max(0, p - window), p):
                b = tokens[q]
                counts[(a, b)] += weight(p - q)
                counts[(b, a)] += weight(p - q)
                pairs += 1
    return counts, pairs


def test_hand_made_corpus_known_matrix_with_and_without_distance_weighting(tmp_path):
    corpus = make_corpus(tmp_path, ["a b c a", "b c"])
    # line 1 positions a0 b1 c2 a3; line 2 b0 c1; window 2
    plain = dense(count_cooccurrences(corpus, CooccurConfig(window=2, weighting="none", min_count=1)))
    assert plain == {("a", "b"): 2, ("b", "a"): 2,  # a0-b1 (d=1), b1-a3 (d=2)
                     ("a", "c"): 2, ("c", "a"): 2,  # a0-c2 (d=2), c2-a3 (d=1)
                     ("b", "c"): 2, ("c", "b"): 2}  # b1-c2 (d=1), b0-c1 on line 2 (d=1); a0-a3 is 3 apart
    harmonic = dense(count_cooccurrences(corpus, CooccurConfig(window=2, weighting="1/d", min_count=1)))
    assert harmonic == pytest.approx({("a", "b"): 1.5, ("b", "a"): 1.5, ("a", "c"): 1.5, ("c", "a"): 1.5,
                                      ("b", "c"): 2.0, ("c", "b"): 2.0})
    wide = dense(count_cooccurrences(corpus, CooccurConfig(window=3, weighting="1/d", min_count=1)))
    assert wide[("a", "a")] == pytest.approx(2 / 3)  # a0-a3 at d=3 adds 1/3 to X[a, a] from each side
    linear = dense(count_cooccurrences(corpus, CooccurConfig(window=2, weighting="linear", min_count=1)))
    assert linear[("a", "b")] == pytest.approx(1.0 + 0.5)  # (window - d + 1) / window: 1 at d=1, 1/2 at d=2


def test_rare_words_are_removed_before_windowing_and_lines_are_boundaries(tmp_path):
    corpus = make_corpus(tmp_path, ["x y rare x y", "x", "y"])
    got = dense(count_cooccurrences(corpus, CooccurConfig(window=1, weighting="none", min_count=2)))
    # without "rare", line 1 is x y x y: three adjacent pairs, all x-y; lines 2 and 3 add nothing
    assert got == {("x", "y"): 3, ("y", "x"): 3}


def test_real_corpus_equals_the_definition(lee_corpus):
    cfg = CooccurConfig(window=3, weighting="1/d", min_count=5)
    cooc = count_cooccurrences(lee_corpus, cfg)
    lines = lee_corpus.lines_file.read_text(encoding="utf-8").splitlines()
    expected, pairs = plain_count(lines, set(cooc.words), 3, lambda d: 1.0 / d)
    got = dense(cooc)
    assert set(got) == set(expected)
    keys = sorted(expected)
    np.testing.assert_allclose([got[k] for k in keys], [expected[k] for k in keys], rtol=1e-12)
    m = cooc.matrix
    assert (m != m.T).nnz == 0 and m.has_sorted_indices
    assert cooc.words[:3] == list(lee_corpus.counts.index[:3])
    assert cooc.stats["tokens"] == lee_corpus.stats["tokens"]
    assert cooc.stats["pairs_added"] == pairs
    assert cooc.summary()["non-zero pairs"] == m.nnz


def test_dynamic_window_is_seeded_and_weights_like_linear_in_expectation(lee_corpus):
    cfg = CooccurConfig(window=5, weighting="none", dynamic_window=True, min_count=3, seed=3)
    a, b = count_cooccurrences(lee_corpus, cfg), count_cooccurrences(lee_corpus, cfg)
    assert (a.matrix != b.matrix).nnz == 0
    other = count_cooccurrences(lee_corpus, CooccurConfig(window=5, weighting="none", dynamic_window=True,
                                                          min_count=3, seed=4))
    assert (a.matrix != other.matrix).nnz > 0
    full = count_cooccurrences(lee_corpus, CooccurConfig(window=5, weighting="none", min_count=3))
    linear = count_cooccurrences(lee_corpus, CooccurConfig(window=5, weighting="linear", min_count=3))
    # a sampled window never sees more than the full one; on average it sees the linear weights
    assert (a.matrix > full.matrix).nnz == 0
    assert a.matrix.sum() == pytest.approx(linear.matrix.sum(), rel=0.01)
    assert (a.matrix != a.matrix.T).nnz > 0  # the sampled window makes the matrix asymmetric


def test_statistics_for_the_page(tmp_path):
    corpus = make_corpus(tmp_path, ["the cat sat on the mat", "the dog sat"])
    cooc = count_cooccurrences(corpus, CooccurConfig(window=2, weighting="none", min_count=1))
    top = cooc.top_pairs(3)
    assert list(top.columns) == ["word", "context", "count"]
    assert top.iloc[0]["count"] == top["count"].max()
    assert len(cooc.top_pairs(1000)) == (cooc.matrix.nnz + cooc.matrix.diagonal().astype(bool).sum()) // 2
    block = cooc.block(["the", "sat"])
    assert block.loc["the", "sat"] == block.loc["sat", "the"] == 3  # the-sat, sat-the (line 1), the-sat (line 2)
    with pytest.raises(InputError, match="zebra"):
        cooc.block(["the", "zebra"])
    summary = cooc.summary()
    assert summary["density"] == pytest.approx(cooc.matrix.nnz / len(cooc.words) ** 2)


def test_progress_and_cancel(lee_corpus):
    reports = []
    count_cooccurrences(lee_corpus, CooccurConfig(min_count=2), progress=lambda f, m="", **d: reports.append(f))
    assert reports == sorted(reports) and reports[-1] == 1.0
    with pytest.raises(Cancelled):
        count_cooccurrences(lee_corpus, CooccurConfig(min_count=2), should_stop=lambda: True)


def test_counts_are_kept_with_the_corpus_and_reused(tmp_path, lee_corpus):
    ws = embedlab.Workspace(tmp_path / "ws")
    corpus = embedlab.prepare_sample(ws, "lee_background")
    cfg = CooccurConfig(window=3, min_count=2)
    first = cooccurrences(corpus, cfg, ws)
    assert first.stats["reused"] is False
    folder = cooccur.cache_folder(corpus) / cfg.cache_key(corpus.fingerprint)
    assert (folder / "cooccur.json").is_file()
    assert not [p for p in cooccur.cache_folder(corpus).iterdir() if p.name.startswith(".partial")]
    again = cooccurrences(corpus, cfg, ws, progress=lambda f, m="", **d: None)
    assert again.stats["reused"] is True and again.words == first.words
    assert (again.matrix != first.matrix).nnz == 0 and again.matrix.dtype == np.float64
    # a model config with the same counting settings finds the same counts; another window does not
    from embedlab.train.glove import GloVeConfig

    assert GloVeConfig(window=3, min_count=2).cache_key(corpus.fingerprint) == cfg.cache_key(corpus.fingerprint)
    assert CooccurConfig(window=4, min_count=2).cache_key(corpus.fingerprint) != cfg.cache_key(corpus.fingerprint)
    # damaged files are counted again, not trusted
    (folder / "data.npy").write_bytes(b"not an array")
    assert cooccur.load_cached(corpus, cfg) is None
    # a dead writer's partial folder is swept when the workspace recovers (a server start)
    stale = cooccur.cache_folder(corpus) / ".partial-999999999-1-abc"
    stale.mkdir()
    assert stale in ws.recover()
    assert not stale.exists() and folder.is_dir()


def test_background_job_entry(tmp_path):
    ws = embedlab.Workspace(tmp_path / "ws")
    corpus = embedlab.prepare_sample(ws, "lee_background")
    result = cooccur.run_job(ws, {"corpus_id": corpus.id, "config": {"window": 2, "min_count": 3}},
                             lambda f, m="", **d: None)
    assert result["reused"] is False and result["nonzero"] > 0
    assert cooccur.run_job(ws, {"corpus_id": corpus.id, "config": {"window": 2, "min_count": 3}},
                           lambda f, m="", **d: None)["reused"] is True


# -- bad input -------------------------------------------------------------------------------------

def test_empty_vocabulary(lee_corpus):
    with pytest.raises(InputError, match="Lower min_count"):
        count_cooccurrences(lee_corpus, CooccurConfig(min_count=100_000))


def test_no_pairs_at_all(tmp_path):
    corpus = make_corpus(tmp_path, ["alpha", "beta", "alpha", "beta"])
    with pytest.raises(InputError, match="within 10 words"):
        count_cooccurrences(corpus, CooccurConfig(min_count=1))


@pytest.mark.parametrize("bad", [dict(window=0), dict(window=-2), dict(window=2.5), dict(window=True),
                                 dict(weighting="gaussian"), dict(min_count=0), dict(dynamic_window="yes")])
def test_bad_settings(bad):
    with pytest.raises(InputError):
        CooccurConfig(**bad)


def test_window_zero_says_why():
    with pytest.raises(InputError, match="window of 0 counts no pairs"):
        CooccurConfig(window=0)


def test_refused_with_an_estimate_when_the_table_would_not_fit(lee_corpus, monkeypatch):
    with pytest.raises(InputError, match=r"MB.*Raise min_count"):
        count_cooccurrences(lee_corpus, CooccurConfig(window=10, min_count=1), memory_limit=4 * 1024 * 1024)
    monkeypatch.setenv("EMBEDLAB_MAX_MATRIX_MB", "3")
    assert cooccur.memory_limit_bytes() == 3 * 1024 * 1024
    with pytest.raises(InputError, match="EMBEDLAB_MAX_MATRIX_MB"):
        count_cooccurrences(lee_corpus, CooccurConfig(window=10, min_count=1))


def test_every_setting_is_explained():
    for name, text in CooccurConfig.describe().set_index("name")["help"].items():
        assert len(text) > 20, name
    cfg = CooccurConfig.from_dict({"window": 3, "unknown": 1})
    assert cfg.window == 3 and CooccurConfig.from_dict(cfg.to_dict()) == cfg


# -- what the Data page reads ----------------------------------------------------------------------

def test_top_pairs_are_the_heaviest_cells(lee_corpus):
    cooc = count_cooccurrences(lee_corpus, CooccurConfig(window=3, min_count=2))
    coo = cooc.matrix.tocoo()
    upper = coo.row <= coo.col
    heaviest = np.sort(coo.data[upper])[::-1]
    for n in (1, 20, 100):
        top = cooc.top_pairs(n)
        np.testing.assert_array_equal(top["count"].to_numpy(), heaviest[:n])
        index = {w: i for i, w in enumerate(cooc.words)}
        assert all(cooc.matrix[index[w], index[c]] == v for w, c, v in top.itertuples(index=False))


def test_stored_counts_are_read_without_the_matrix(tmp_path):
    ws = embedlab.Workspace(tmp_path / "ws")
    corpus = embedlab.prepare_sample(ws, "lee_background")
    assert cooccur.stored_counts(corpus) == []
    cfg = CooccurConfig(window=3, min_count=2)
    assert cooccur.find_stored(corpus, cfg) is None
    cooc = cooccurrences(corpus, cfg, ws)
    cooccurrences(corpus, CooccurConfig(window=5, weighting="linear", min_count=2), ws)
    stored = cooccur.find_stored(corpus, cfg)
    assert stored is not None and stored.nnz == cooc.matrix.nnz
    assert [s.describe() for s in cooccur.stored_counts(corpus)] == [
        "window 5 · linear (word2vec) · min_count 2", "window 3 · 1/d (GloVe) · min_count 2"]
    assert stored.summary() == pytest.approx(cooc.summary())
    assert stored.top_pairs(20).equals(cooc.top_pairs(20))
    words = ["government", "australia", "police", "said", "government"]  # a repeat counts once
    block = stored.block(words)
    assert list(block.index) == words[:4] and block.equals(cooc.block(words[:4]))
    assert stored.words() == cooc.words
    with pytest.raises(InputError, match="zebra"):
        stored.block(["government", "zebra"])
    with pytest.raises(InputError, match="at least one word"):
        stored.block([])
    assert cooccur.find_stored(corpus, CooccurConfig(window=4, min_count=2)) is None
