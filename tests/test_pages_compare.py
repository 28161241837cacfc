"""AppTest of the Compare page with real models saved in the workspace at EMBEDLAB_HOME."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import embedlab
from embedlab import Space, Word2VecConfig, Workspace, config, jobs

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def two_models(lee_corpus):
    """CBOW and skip-gram, 30-d, on the Lee corpus (quick, reproducible)."""
    quick = dict(vector_size=30, min_count=2, epochs=5, reproducible=True)
    cbow = embedlab.train_word2vec(lee_corpus, Word2VecConfig(architecture="cbow", **quick), name="cbow lee")
    sg = embedlab.train_word2vec(lee_corpus, Word2VecConfig(architecture="skip-gram", **quick), name="sg lee")
    return cbow, sg


def _save(ws, space):
    return ws.save_space(Space(space.kv, space.meta, dict(space.info)))


def open_page(ws=None):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/compare.py").run()
    assert not at.exception, at.exception
    return at


def frames_with(at, column):
    """Values of the page's tables that have ``column``, in page order (AppTest does not expose their keys)."""
    return [d.value for d in at.dataframe if column in d.value.columns]


def texts(elements):
    return " ".join(str(e.value) for e in elements)


def test_page_compares_the_two_newest_models(two_models):
    ws = Workspace(config.home())
    id_cbow = _save(ws, two_models[0])
    id_sg = _save(ws, two_models[1])
    ws.set_setting("active_model", id_sg)
    at = open_page()
    assert at.selectbox(key="compare-a").value == id_cbow
    assert at.selectbox(key="compare-b").value == id_sg
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Shared words compared"] == "4,056"
    mean = float(metrics["Mean Jaccard@10"])
    assert 0 < mean < 1
    assert not at.error
    charts = at.get("plotly_chart")
    assert len(charts) >= 3  # Jaccard histogram, joint map, displacement histogram
    most, least = frames_with(at, "shared neighbours")
    assert list(most["jaccard"]) == sorted(most["jaccard"])
    assert list(least["jaccard"]) == sorted(least["jaccard"], reverse=True)
    assert least["jaccard"].iloc[0] >= most["jaccard"].iloc[-1]
    assert len(frames_with(at, "A word")) == 1
    assert len(frames_with(at, "displacement")) == 1

    # a query word side by side; an unknown one says which model lacks it
    at.text_input(key="compare-word").input("australia").run()
    assert not at.exception
    (side,) = frames_with(at, "A word")
    assert len(side) == 10 and "A word" in side.columns and "B word" in side.columns
    assert "australia" not in set(side["A word"])
    at.text_input(key="compare-word").input("australiaa").run()
    assert "not in the vocabulary of model A" in texts(at.error)

    # fewer words and a smaller k: recomputed, and still consistent
    at.number_input(key="compare-n").set_value(500).run()
    at.number_input(key="compare-k").set_value(5).run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Shared words compared"] == "500"
    assert "Mean Jaccard@5" in metrics

    # typed words on the aligned map
    at.radio(key="compare-map-how").set_value("Words I type").run()
    at.text_input(key="compare-map-words").input("australia, police fire xyzzy").run()
    assert "xyzzy" in texts(at.error)
    at.text_input(key="compare-map-words").input("australia police fire").run()
    assert "xyzzy" not in texts(at.error)
    assert "australia" in " ".join(c.proto.spec for c in at.get("plotly_chart"))
    assert not at.exception


def test_procrustes_refuses_different_dimensions_but_jaccard_works(two_models):
    ws = Workspace(config.home())
    cbow = two_models[0]
    _save(ws, cbow)
    rng = np.random.default_rng(0)
    small = Space.from_vectors(cbow.words, cbow.vectors[:, :20] + rng.normal(scale=0.01, size=(len(cbow), 20)),
                               meta=cbow.meta, info={"kind": "word2vec", "name": "20-d"})
    ws.save_space(small)
    at = open_page()
    assert "same number of dimensions" in texts(at.error)
    assert "Mean Jaccard@10" in {m.label for m in at.metric}
    assert not at.exception


def test_one_model_asks_for_another():
    ws = Workspace(config.home())
    ws.save_space(Space.from_vectors(["a", "b", "c"], np.eye(3), info={"kind": "vectors"}))
    at = open_page()
    assert "at least two models" in texts(at.info)
    assert not at.error


def test_stability_tab_over_picked_models(two_models):
    ws = Workspace(config.home())
    ids = [_save(ws, s) for s in two_models]
    at = open_page()
    at.multiselect(key="compare-stability-models").set_value(ids).run()
    assert not at.exception
    labels = {m.label: m.value for m in at.metric}
    assert "Mean Jaccard@10 over 1 pairs" in labels
    least, most = frames_with(at, "mean jaccard")[:2]
    assert list(least["mean jaccard"]) == sorted(least["mean jaccard"])
    assert list(most["mean jaccard"]) == sorted(most["mean jaccard"], reverse=True)
    (bands,) = frames_with(at, "frequency ranks")
    assert len(bands) == 10
    assert "differ by more than their seed (architecture)" in " ".join(w.value for w in at.warning)


def test_seeds_form_launches_a_job_whose_models_fill_the_picker(lee_corpus):
    ws = Workspace(config.home())
    corpus = ws.add_corpus(["the cat sat on the mat " * 5, "the dog sat on the log " * 5] * 20, "tiny")
    at = open_page()
    form = at.get("form")
    assert form, "the seeds form is shown"
    # small settings so the worker finishes in seconds
    nums = [n for n in at.number_input if n.label in ("vector_size", "epochs", "min_count", "Seeds")]
    for n in nums:
        n.set_value({"vector_size": 10, "epochs": 2, "min_count": 1, "Seeds": 2}[n.label])
    next(b for b in at.button if b.label == "Train the seeds").click().run()
    assert not at.exception
    job_id = at.session_state["compare-seeds-job"]
    status = jobs.SCHEDULER.wait(ws.root, job_id, timeout=120)
    assert status["state"] == "done", status.get("error")
    assert len(status["result"]["model_ids"]) == 2
    at.run()  # the job panel sees "done" and hands the models to the stability picker
    at.run()
    assert not at.exception
    assert set(at.multiselect(key="compare-stability-models").value) == set(status["result"]["model_ids"])
    assert "Lower k" in texts(at.error)  # 7 words in this corpus: k = 10 is too many
    at.number_input(key="compare-stability-k").set_value(3).run()
    assert "Mean Jaccard@3 over 1 pairs" in {m.label for m in at.metric}
    assert not any("differ by more" in w.value for w in at.warning)
    assert corpus.id  # the job trained on the stored corpus
