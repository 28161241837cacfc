"""Word2Vec training: quality on real text, reproducibility, errors, background jobs."""

import numpy as np
import pytest

import embedlab
from embedlab import Word2VecConfig, jobs
from embedlab.errors import Cancelled, InputError
from embedlab.train.word2vec import train_word2vec


@pytest.mark.slow
def test_quality_bar_on_movie_reviews(reviews_space):
    """Issue 2: default settings on movie_reviews.csv give sensible neighbours."""
    movie = embedlab.nearest_neighbours(reviews_space, "movie", k=10)["word"].tolist()
    good = embedlab.nearest_neighbours(reviews_space, "good", k=10)["word"].tolist()
    assert "film" in movie
    assert len({"great", "decent", "nice", "fine", "bad"} & set(good)) >= 2


def test_training_reports_progress_and_per_epoch_loss(lee_corpus):
    reports = []
    cfg = Word2VecConfig(architecture="skip-gram", vector_size=20, epochs=4, min_count=3, workers=1)
    space = train_word2vec(lee_corpus, cfg, progress=lambda f, m="", **d: reports.append((f, m, d)))
    fractions = [f for f, _, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    losses = space.info["epoch_losses"]
    assert len(losses) == 4 and all(v > 0 for v in losses)
    assert losses[-1] < losses[0]  # per-epoch, not cumulative: a cumulative counter would grow
    assert [d["epoch"] for _, _, d in reports if "epoch" in d] == [1, 2, 3, 4]
    assert space.info["params"]["vector_size"] == 20 and space.dim == 20
    assert space.words[0] == "the" and space.counts[0] == lee_corpus.counts["the"]


def test_reproducible_mode_gives_identical_vectors(lee_corpus):
    cfg = Word2VecConfig(vector_size=16, epochs=2, min_count=3, seed=7, reproducible=True, workers=4)
    assert cfg.gensim_kwargs()["workers"] == 1
    a, b = train_word2vec(lee_corpus, cfg), train_word2vec(lee_corpus, cfg)
    np.testing.assert_array_equal(a.vectors, b.vectors)
    c = train_word2vec(lee_corpus, Word2VecConfig(vector_size=16, epochs=2, min_count=3, seed=8, reproducible=True))
    assert not np.array_equal(a.vectors, c.vectors)


def test_nothing_survives_min_count(lee_corpus):
    with pytest.raises(InputError, match="Lower min_count"):
        train_word2vec(lee_corpus, Word2VecConfig(min_count=100_000))


@pytest.mark.parametrize("bad", [dict(architecture="glove"), dict(vector_size=0), dict(window=0),
                                 dict(objective="negative", negative=0), dict(alpha=0), dict(sample=1.5),
                                 dict(epochs=2.5)])
def test_bad_hyper_parameters(bad):
    with pytest.raises(InputError):
        Word2VecConfig(**bad)


def test_cbow_hierarchical_softmax_maps_to_gensim():
    kw = Word2VecConfig(architecture="cbow", objective="hierarchical").gensim_kwargs()
    assert kw["sg"] == 0 and kw["hs"] == 1 and kw["negative"] == 0


def test_cancel_between_epochs(lee_corpus):
    with pytest.raises(Cancelled):
        train_word2vec(lee_corpus, Word2VecConfig(vector_size=10, epochs=5, min_count=3), should_stop=lambda: True)


def test_background_job_trains_and_registers(tmp_path):
    ws = embedlab.Workspace(tmp_path / "ws")
    job_id = jobs.submit(ws, "word2vec", {"sample": "lee_background",
                                          "config": {"vector_size": 20, "epochs": 2, "min_count": 3}}, "lee job")
    status = jobs.SCHEDULER.wait(ws.root, job_id, timeout=180)
    assert status["state"] == "done", status.get("error")
    model_id = status["result"]["model_id"]
    assert ws.models()["id"].tolist() == [model_id]
    assert len(status["details"]["epoch_losses"]) == 2
    assert ws.load_space(model_id).dim == 20


def test_background_job_failure_is_reported_not_registered(tmp_path):
    ws = embedlab.Workspace(tmp_path / "ws")
    job_id = jobs.submit(ws, "word2vec", {"sample": "lee_background", "config": {"min_count": 10**6}}, "bad")
    status = jobs.SCHEDULER.wait(ws.root, job_id, timeout=180)
    assert status["state"] == "failed" and "min_count" in status["error"]
    assert ws.models().empty


def test_cancel_a_running_job_leaves_nothing(tmp_path):
    import time

    ws = embedlab.Workspace(tmp_path / "ws")
    job_id = jobs.submit(ws, "word2vec", {"sample": "movie_reviews", "config": {"epochs": 50}}, "long")
    deadline = time.time() + 60
    while jobs.job_status(ws, job_id)["state"] != "running" and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    jobs.cancel(ws, job_id)
    assert jobs.job_status(ws, job_id)["state"] == "cancelled"
    assert ws.models().empty
    assert not [p for p in (tmp_path / "ws" / "models").iterdir()]
    assert not [p for p in (tmp_path / "ws" / "corpora").iterdir() if p.name.startswith(".partial")]


def test_unknown_job_ids_are_refused(tmp_path):
    ws = embedlab.Workspace(tmp_path)
    with pytest.raises(InputError):
        jobs.job_status(ws, "../../etc")
    with pytest.raises(InputError):
        jobs.job_status(ws, "abcdef123456")
    with pytest.raises(InputError):
        jobs.submit(ws, "rm -rf", {}, "x")
