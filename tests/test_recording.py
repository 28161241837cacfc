"""Recording snapshots while a model trains, and playing them back (issue 21)."""

import numpy as np
import pytest

from embedlab.errors import InputError
from embedlab.probes import playback as P
from embedlab.probes.compare import jaccard_at_k
from embedlab.sources.corpus import build_corpus
from embedlab.space import Space
from embedlab.store import Workspace
from embedlab.train import recording as R
from embedlab.train.doc2vec import Doc2VecConfig, train_doc2vec
from embedlab.train.fasttext import FastTextConfig, train_fasttext
from embedlab.train.word2vec import Word2VecConfig, train_word2vec
from embedlab.views.playback import payload_bytes, playback_figure, standalone_html

QUICK = dict(vector_size=16, epochs=2, min_count=3, seed=3, reproducible=True)


def recorder(steps=3, top=100, items=(), workspace=None, precision="float16"):
    return R.Recorder(R.RecordRequest(steps_per_epoch=steps, top=top, items=tuple(items), precision=precision),
                      workspace)


class JobSpy:
    """Wraps a gensim model's ``_do_train_job``: the sentences and learning rate of every job, in order."""

    def __init__(self, model):
        self.sizes, self.alphas = [], []
        inner = model._do_train_job

        def spy(sentences, alpha, inits):
            self.sizes.append(len(sentences))
            self.alphas.append(alpha)
            return inner(sentences, alpha, inits)

        model._do_train_job = spy


# -- the learning-rate schedule and the jobs --------------------------------------------------------

def test_stretches_keep_gensims_jobs_and_learning_rate(lee_corpus):
    """Trained in stretches, every job holds the sentences and gets the learning rate of one train() call."""
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    from embedlab.train.gensim_run import EpochReporter
    from embedlab.progress import no_progress

    stream = LineSentence(str(lee_corpus.lines_file))
    kwargs = dict(vector_size=8, min_count=3, epochs=3, seed=1, workers=1, sg=1, negative=5)
    whole = Word2Vec(**kwargs)
    whole.build_vocab(stream)
    spy_whole = JobSpy(whole)
    whole.train(stream, total_examples=whole.corpus_count, epochs=3)

    parts = Word2Vec(**kwargs)
    parts.build_vocab(stream)
    spy_parts = JobSpy(parts)
    rec = recorder(steps=4)
    R.train_gensim(parts, stream, 3, rec, EpochReporter(3, parts.corpus_total_words, no_progress, None, True))

    assert spy_parts.sizes == spy_whole.sizes and len(spy_whole.sizes) > 3 * 4
    np.testing.assert_allclose(spy_parts.alphas, spy_whole.alphas, rtol=1e-12, atol=0)
    # ... so the per-job replay of gensim's batching is right, and the model is the same
    lengths = np.array([len(s) for s in stream])
    np.testing.assert_array_equal(R.job_ends(lengths, whole.batch_words), np.cumsum(spy_whole.sizes[:len(
        R.job_ends(lengths, whole.batch_words))]))
    np.testing.assert_array_equal(parts.wv.vectors, whole.wv.vectors)
    assert (parts.alpha, parts.min_alpha, parts.epochs) == (whole.alpha, whole.min_alpha, whole.epochs)
    assert rec.alphas[0] == whole.alpha and rec.alphas[-1] == pytest.approx(whole.min_alpha)


@pytest.fixture(scope="module")
def even_corpus(tmp_path_factory):
    """100 lines of exactly 1,000 words: gensim's jobs of 10,000 words end after every 10th line."""
    rng = np.random.default_rng(0)
    words = [a + b for a in "abcdefgh" for b in "aeiou"]
    lines = [" ".join(rng.choice(words, 1000)) for _ in range(100)]
    return build_corpus(lines, tmp_path_factory.mktemp("even"), "even")


@pytest.mark.parametrize("steps, positions", [
    (5, [0, .2, .4, .6, .8, 1, 1.2, 1.4, 1.6, 1.8, 2]),
    (3, [0, .3, .7, 1, 1.3, 1.7, 2]),  # the job ends nearest 1/3 and 2/3 of the words
    (20, [0] + [round(0.1 * i, 1) for i in range(1, 21)]),  # ten jobs an epoch: ten snapshots, said in a note
])
def test_snapshots_fall_at_the_requested_points(even_corpus, steps, positions):
    rec = recorder(steps=steps, top=20)
    space = train_word2vec(even_corpus, Word2VecConfig(vector_size=4, epochs=2, min_count=1, window=2,
                                                       reproducible=True), recorder=rec)
    np.testing.assert_allclose(rec.positions, positions, atol=1e-12)
    facts = space.attachments[R.FACTS]
    assert facts["positions"] == rec.positions and space.attachments[R.SNAPSHOTS].shape == (len(positions), 20, 4)
    assert any("10 snapshot(s) per epoch" in n for n in facts["notes"]) == (steps == 20)
    assert facts["losses"][0] is None and all(v > 0 for v in facts["losses"][1:])  # per-stretch loss per word


# -- recording changes nothing ---------------------------------------------------------------------------

@pytest.mark.parametrize("train, cfg", [
    (train_word2vec, Word2VecConfig(architecture="skip-gram", **QUICK)),
    (train_word2vec, Word2VecConfig(architecture="cbow", **QUICK)),
    (train_fasttext, FastTextConfig(bucket=2_000, max_n=4, **QUICK)),
], ids=["skip-gram", "cbow", "fasttext"])
def test_reproducible_mode_gives_the_same_vectors_with_and_without_recording(lee_corpus, train, cfg):
    plain = train(lee_corpus, cfg)
    rec = recorder(steps=4, top=150)
    recorded = train(lee_corpus, cfg, recorder=rec)
    np.testing.assert_array_equal(recorded.vectors, plain.vectors)
    facts = recorded.attachments[R.FACTS]
    assert facts["final_gap"] == 0.0  # the last capture was the saved model already (FastText: composed as gensim)
    assert len(rec.positions) == 1 + 2 * 4 and rec.positions[-1] == 2.0


def test_glove_records_per_iteration_stretches_and_gives_the_same_vectors(lee_corpus):
    from embedlab.train.glove import GloVeConfig, train_glove

    cfg = GloVeConfig(vector_size=8, iterations=2, min_count=3, seed=2, reproducible=True)
    plain = train_glove(lee_corpus, cfg)
    rec = recorder(steps=4, top=80)
    recorded = train_glove(lee_corpus, cfg, recorder=rec)
    np.testing.assert_array_equal(recorded.vectors, plain.vectors)
    assert recorded.info["running_costs"] == pytest.approx(plain.info["running_costs"], rel=1e-12)
    np.testing.assert_allclose(rec.positions, [0, .25, .5, .75, 1, 1.25, 1.5, 1.75, 2], atol=1e-5)
    assert recorded.attachments[R.FACTS]["final_gap"] == 0.0


@pytest.mark.parametrize("words", [False, True], ids=["document vectors", "word vectors"])
def test_doc2vec_records_documents_or_words_and_gives_the_same_vectors(lee_corpus, words):
    cfg = Doc2VecConfig(vector_size=8, epochs=2, min_count=3, seed=4, reproducible=True, train_words=words)
    plain = train_doc2vec(lee_corpus, cfg)
    rec = recorder(steps=2, top=30, items=("12",))
    recorded = train_doc2vec(lee_corpus, cfg, recorder=rec)
    np.testing.assert_array_equal(recorded.vectors, plain.vectors)
    facts = recorded.attachments[R.FACTS]
    assert facts["what"] == ("word vectors" if words else "document vectors")
    if words:
        assert facts["keys"][:3] == ["the", "to", "of"] and facts["missing"] == ["12"]
    else:  # documents by id: the first 30, and the listed one
        assert facts["keys"] == [str(i) for i in range(1, 31)]
        np.testing.assert_array_equal(recorded.attachments[R.FINAL], recorded.vectors[recorded.indices(facts["keys"])])
    assert facts["final_gap"] == 0.0


def test_the_final_snapshot_equals_the_saved_model(lee_corpus, tmp_path):
    ws = Workspace(tmp_path / "ws")
    rec = recorder(steps=2, top=60, items=("bank", "police"), workspace=ws)
    model_id = ws.save_space(train_word2vec(lee_corpus, Word2VecConfig(**QUICK), recorder=rec), name="rec")
    saved = ws.load_space(model_id)
    recording = P.load_recording(ws, model_id, saved)
    assert recording.keys[-2:] == ["bank", "police"] and len(recording) == 5
    np.testing.assert_array_equal(recording.snapshots[-1], saved.vectors[saved.indices(recording.keys)])
    stored = np.load(ws.attachment(model_id, R.SNAPSHOTS))
    assert stored.dtype == np.float16 and stored.shape == (5, 62, 16)
    np.testing.assert_array_equal(stored[-1], saved.vectors[saved.indices(recording.keys)].astype(np.float16))
    assert saved.info["recording"]["snapshots"] == 5 and P.recorded_models(ws) == [model_id]


def test_several_workers_record_in_one_run_as_without_recording(lee_corpus, monkeypatch):
    """With two workers gensim trains in one corpus_file run, as unrecorded; snapshots are taken as it goes."""
    from gensim.models import Word2Vec

    calls = []
    train = Word2Vec.train
    monkeypatch.setattr(Word2Vec, "train", lambda self, *a, **kw: calls.append(kw) or train(self, *a, **kw))
    cfg = Word2VecConfig(vector_size=16, epochs=4, min_count=3, seed=3, workers=2)
    rec = recorder(steps=4, top=80)
    space = train_word2vec(lee_corpus, cfg, recorder=rec)

    assert len(calls) == 1 and "corpus_file" in calls[0] and calls[0]["epochs"] == 4
    positions = np.array(rec.positions)
    assert positions[0] == 0 and np.all(np.diff(positions) > 0)
    assert {1.0, 2.0, 3.0, 4.0} <= set(rec.positions) and len(positions) <= 1 + 4 * 4
    inside = positions[positions % 1 != 0]
    assert len(inside) >= 1 and all(0 < p % 1 < 1 for p in inside)
    # the loss is known at the epochs' ends only; the alphas follow gensim's linear schedule
    assert [loss is not None for loss in rec.losses] == [p > 0 and p % 1 == 0 for p in positions]
    min_alpha = 0.0001  # gensim's default; the form does not change it
    expected = np.maximum(min_alpha, cfg.alpha - (cfg.alpha - min_alpha) * positions / 4)
    np.testing.assert_allclose(rec.alphas, expected, rtol=1e-9)
    facts = space.attachments[R.FACTS]
    assert facts["final_gap"] == 0.0 and any("one uninterrupted run" in n for n in facts["notes"])
    np.testing.assert_array_equal(space.attachments[R.SNAPSHOTS][-1],
                                  space.vectors[space.indices(facts["keys"])].astype(np.float16))


# -- playback ----------------------------------------------------------------------------------------------

def test_procrustes_alignment_of_a_rotated_snapshot_is_exact():
    rng = np.random.default_rng(1)
    final = rng.standard_normal((60, 8))
    q, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    snaps = np.stack([final @ q * 3.0, rng.standard_normal((60, 8)), final])
    aligned = P.align_to_final(snaps)
    np.testing.assert_allclose(aligned[0], aligned[-1], atol=1e-12)
    assert np.abs(aligned[1] - aligned[-1]).max() > 0.1  # a snapshot that is not a rotation still moves
    xy, explained = P.stable_pca(aligned)
    np.testing.assert_allclose(xy[0], xy[-1], atol=1e-5)
    assert 0 < explained.sum() <= 1


def test_jaccard_per_snapshot_equals_compares_and_analogies_equal_gensim():
    rng = np.random.default_rng(2)
    final = rng.standard_normal((80, 6)).astype(np.float32)
    early = final + rng.standard_normal((80, 6)).astype(np.float32)
    keys = [f"w{i}" for i in range(80)]
    agreement = P.neighbour_agreement(np.stack([early, final]), k=5)
    expected = jaccard_at_k(Space.from_vectors(keys, final), Space.from_vectors(keys, early), k=5).mean
    assert agreement[1] == 1.0 and agreement[0] == pytest.approx(expected)

    import pandas as pd

    q = pd.DataFrame({"ia": rng.integers(0, 80, 40), "ib": rng.integers(0, 80, 40), "ic": rng.integers(0, 80, 40)})
    q = q[(q.ia != q.ib) & (q.ia != q.ic) & (q.ib != q.ic)]
    answers = P.analogy_answers(final, q)
    kv = Space.from_vectors(keys, final).kv
    gensim = [kv.most_similar(positive=[keys[b], keys[c]], negative=[keys[a]], topn=1)[0][0]
              for a, b, c in zip(q.ia, q.ib, q.ic)]
    assert [keys[i] for i in answers] == gensim


def test_playback_of_a_recorded_model_draws_frames_and_exports_html(lee_corpus, tmp_path):
    ws = Workspace(tmp_path / "ws")
    family = ("king", "queen", "man", "woman", "he", "she", "his", "her", "boy", "girl")
    rec = recorder(steps=3, top=200, items=family, workspace=ws)
    space = train_word2vec(lee_corpus, Word2VecConfig(**QUICK), recorder=rec)
    rec.summarise(space)  # as the training job does: the page then only reads it
    model_id = ws.save_space(space, name="rec")
    stored, computed = P.load_playback(ws, model_id), P.make_playback(P.load_recording(ws, model_id))
    np.testing.assert_array_equal(stored.xy, computed.xy)
    for name in ("positions", "frames", "explained", "jaccard", "accuracy", "losses", "alphas"):
        np.testing.assert_allclose(getattr(stored, name), getattr(computed, name), rtol=1e-12, err_msg=name)
    assert stored.keys == computed.keys and stored.questions.equals(computed.questions)

    pb = P.make_playback(P.load_recording(ws, model_id), k=10, max_frames=5)
    assert len(pb.positions) == 7 and pb.frames.tolist() == [0, 2, 3, 4, 6]  # evenly spaced, both ends
    assert pb.jaccard[-1] == 1.0 and pb.jaccard[0] < 0.5
    assert len(pb.questions) >= 4 and {"he", "she"} <= set(pb.questions[["a", "b", "c", "expected"]].values.ravel())
    assert pb.table().shape[0] == 7 and any("7 snapshots" in n for n in pb.notes)
    follow = pb.follow("King, woman")
    assert follow == ["king", "woman"]
    fig = playback_figure(pb, follow, n_labels=10)
    assert [f.name for f in fig.frames] == ["0", "2", "3", "4", "6"]
    assert len(fig.layout.sliders[0].steps) == 5 and fig.layout.updatemenus[0].buttons[0].label == "▶ Play"
    trails = [t for t in fig.data if (t.name or "").startswith("trail of")]
    assert [t.name for t in trails] == ["trail of king", "trail of woman"] and len(trails[0].x) == 5
    assert payload_bytes(fig) < 1_000_000
    html = standalone_html(fig, "rec")
    assert "<title>rec</title>" in html and '"frames"' not in html[:1000] and "Plotly.addFrames" in html


# -- bad input -----------------------------------------------------------------------------------------------

def test_more_words_than_the_limit_are_refused_with_the_limit():
    with pytest.raises(InputError, match="limit is 2,000"):
        R.RecordRequest(top=300, items=tuple(f"w{i}" for i in range(1800)))
    with pytest.raises(InputError, match="at least one word"):
        R.RecordRequest(top=0)
    with pytest.raises(InputError, match="at most 100,000 are read"):
        R.parse_items("word " * 30_000)


def test_a_recording_over_the_disk_quota_is_refused_with_its_estimate(lee_corpus, tmp_path):
    ws = Workspace(tmp_path / "ws", quota=None)
    corpus_id = ws.add_corpus([open(lee_corpus.lines_file).read()], "lee").id
    ws.quota = ws.disk_usage() + 1024 * 1024
    args = {"corpus_id": corpus_id, "config": Word2VecConfig(vector_size=100, epochs=5).to_dict(),
            "record": {"steps_per_epoch": 10, "top": 300}}
    with pytest.raises(InputError, match=r"51 snapshots × 300 items × 100 dimensions × 2 bytes ≈ 3\.0 MB.*disk limit"):
        R.check_job_request(ws, "word2vec", args)
    with pytest.raises(InputError, match="limit is 1,000"):
        R.check_size(1001, 10, 10, 2)
    args["record"] = {"steps_per_epoch": 1, "top": 10, "items": ["bank", "qwzx"]}
    with pytest.raises(InputError, match="qwzx"):
        R.check_job_request(ws, "word2vec", args)
    with pytest.raises(InputError, match="not for 'ppmi_svd'"):
        R.check_job_request(ws, "ppmi_svd", args)


def test_a_word_to_follow_that_was_not_recorded_is_refused(lee_corpus, tmp_path):
    ws = Workspace(tmp_path / "ws")
    rec = recorder(steps=1, top=40, workspace=ws)
    model_id = ws.save_space(train_word2vec(lee_corpus, Word2VecConfig(**QUICK), recorder=rec), name="rec")
    pb = P.make_playback(P.load_recording(ws, model_id))
    assert not len(pb.questions) and np.isnan(pb.accuracy).all()
    with pytest.raises(InputError, match="Not among the 40 recorded words: zebra.*train again"):
        pb.follow("the, zebra")
    plain = ws.save_space(train_word2vec(lee_corpus, Word2VecConfig(**QUICK)), name="plain")
    with pytest.raises(InputError, match="without recording snapshots"):
        P.load_recording(ws, plain)
