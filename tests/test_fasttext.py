"""FastText training, out-of-vocabulary vectors, the subword view and the store round trip."""

import numpy as np
import pytest
from gensim.models.fasttext_inner import compute_ngrams_bytes, ft_hash_bytes

import embedlab
from embedlab import FastTextConfig, InputError, Workspace, jobs
from embedlab.probes.neighbours import nearest_neighbours
from embedlab.probes.subwords import subword_note, subword_table, trained_buckets, word_ngrams
from embedlab.train.fasttext import EXPLAIN

QUICK = dict(vector_size=24, min_count=2, epochs=3, bucket=20_000, reproducible=True)


@pytest.fixture(scope="module")
def ft_space(lee_corpus):
    return embedlab.train_fasttext(lee_corpus, FastTextConfig(**QUICK))


def test_config_is_parallel_to_word2vec():
    cfg = FastTextConfig(architecture="cbow", min_n=2, max_n=5, bucket=50_000, workers=3, reproducible=True)
    kwargs = cfg.gensim_kwargs()
    assert (kwargs["min_n"], kwargs["max_n"], kwargs["bucket"], kwargs["sg"], kwargs["workers"]) == (2, 5, 50_000, 0, 1)
    assert cfg.effective_workers == 1
    assert FastTextConfig.from_dict({**cfg.to_dict(), "unknown": 1}) == cfg
    for name in ("min_n", "max_n", "bucket", "window", "architecture"):
        assert EXPLAIN[name]


@pytest.mark.parametrize("bad, match", [
    (dict(min_n=5, max_n=3), "must not exceed"),
    (dict(min_n=0), "min_n must be"),
    (dict(bucket=10), "bucket must be"),
    (dict(bucket=3_000_000), "bucket must be"),
    (dict(window=0), "window must be"),  # Word2Vec's checks still run
])
def test_config_rejects_bad_values(bad, match):
    with pytest.raises(InputError, match=match):
        FastTextConfig(**bad)


def test_trains_with_subwords_and_no_fake_loss(ft_space):
    assert ft_space.kind == "fasttext" and ft_space.has_subwords
    assert ft_space.kv.bucket == 20_000 and ft_space.kv.min_n == 3 and ft_space.kv.max_n == 6
    # gensim #3228: FastText's loss is always 0, so none is recorded and the note says why
    assert ft_space.info["epoch_losses"] == [None, None, None]
    assert "3228" in ft_space.info["loss_note"]
    assert ft_space.counts[0] >= ft_space.counts[-1] > 0


def test_oov_vector_is_mean_of_ngram_rows(ft_space):
    word = "governmentt"
    assert word not in ft_space and ft_space.is_from_subwords(word)
    rows = [ft_hash_bytes(g) % 20_000 for g in compute_ngrams_bytes(word, 3, 6)]
    expected = ft_space.kv.vectors_ngrams[rows].mean(axis=0)
    np.testing.assert_allclose(ft_space.vector(word), expected, rtol=1e-5, atol=1e-6)
    # a misspelling lands next to the word it misspells
    table = nearest_neighbours(ft_space, word, 5)
    assert "government" in table["word"].tolist()
    assert table.attrs["from_subwords"] and "built from subwords" in table.attrs["note"]
    known = nearest_neighbours(ft_space, "government", 5)
    assert not known.attrs["from_subwords"] and known.attrs["note"] is None


def test_store_round_trip_keeps_oov_vectors_identical(ft_space, tmp_path):
    ws = Workspace(tmp_path / "ws")
    back = ws.load_space(ws.save_space(ft_space, "ft"))
    assert back.has_subwords and back.words == ft_space.words
    np.testing.assert_array_equal(back.vectors, ft_space.vectors)
    for word in ("governmentt", "australiaa", "xyzzy", "government"):
        np.testing.assert_array_equal(back.vector(word), ft_space.vector(word))
    assert back.info["epoch_losses"] == [None, None, None]


def test_subword_table_known_answers(ft_space):
    grams = word_ngrams(ft_space, "cat")
    assert [g for g, _ in grams] == ["<ca", "<cat", "<cat>", "cat", "cat>", "at>"]
    table = subword_table(ft_space, "cat")
    assert table["n-gram"].tolist() == ["<ca", "cat", "at>", "<cat", "cat>", "<cat>"]  # by length, then position
    assert table.attrs["in_vocabulary"] == ("cat" in ft_space)
    # cosine column = cosine(n-gram row, word vector)
    word_vec = ft_space.vector("cat")
    for _, row in table.iterrows():
        v = ft_space.kv.vectors_ngrams[row["bucket"]]
        assert row["cosine"] == pytest.approx(float(v @ word_vec / np.linalg.norm(v) / np.linalg.norm(word_vec)),
                                              abs=1e-5)
    misspelt = subword_table(ft_space, "governmentt")
    assert misspelt.attrs["from_subwords"] and "built from subwords" in misspelt.attrs["note"]
    seen = misspelt.set_index("n-gram")
    assert seen.loc["<gov", "in vocabulary words"] and "government" in seen.loc["<gov", "example words"]
    assert not seen.loc["ntt>", "in vocabulary words"] or "ntt" in seen.loc["ntt>", "example words"]
    assert set(trained_buckets(ft_space)) >= set(seen.loc[seen["in vocabulary words"], "bucket"])


def test_subwords_need_a_fasttext_space(lee_space):
    assert subword_note(lee_space, "governmentt") is None
    with pytest.raises(InputError, match="no subwords"):
        subword_table(lee_space, "cat")


def test_fasttext_job_trains_and_saves(lee_corpus, tmp_path):
    ws = Workspace(tmp_path / "ws")
    corpus = embedlab.prepare_sample(ws, "lee_background")
    cfg = FastTextConfig(**{**QUICK, "epochs": 1})
    job_id = jobs.submit(ws, "fasttext", {"corpus_id": corpus.id, "config": cfg.to_dict(), "name": "ft job"},
                         "FastText on Lee")
    status = jobs.SCHEDULER.wait(ws.root, job_id, timeout=300)
    assert status["state"] == "done", status
    space = ws.load_space(status["result"]["model_id"])
    assert space.kind == "fasttext" and space.has_subwords and space.name == "ft job"
