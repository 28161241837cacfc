"""AppTest of count-based word vectors in the app (issue 16): GloVe and PPMI-SVD trained from the Train page
(GloVe's exact cost curve, PPMI-SVD's singular values), the co-occurrence statistics on the Data page, the
Methods page, and bad input refused through the pages.

Jobs are queued by the pages as a user's click would; a held scheduler keeps them from starting, and the test
runs each one in its own process's place (``worker._run``, what the worker process does) so no test waits for a
worker's imports.
"""

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import embedlab
from embedlab import config, jobs, worker
from embedlab.probes import methods
from embedlab.store import Workspace
from embedlab.train import cooccur, glove, ppmi_svd, word2vec

from conftest import ROOT


class HeldScheduler(jobs.Scheduler):
    """Queues jobs but starts none: the test runs them (see the module docstring)."""

    def submit(self, root, job_id):
        with self._lock:
            self._queue.append((str(root), job_id))


@pytest.fixture
def held(monkeypatch):
    monkeypatch.setattr(jobs, "SCHEDULER", HeldScheduler())


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def run_queued(ws) -> list:
    """Run every queued job of ``ws`` here, in submission order; return their final statuses."""
    out = []
    for status in sorted(jobs.list_jobs(ws), key=lambda s: s.get("submitted_at", 0)):
        if status["state"] != "queued":
            continue
        folder = ws.jobs_dir / status["id"]
        worker._run(ws, folder, json.loads((folder / "job.json").read_text()))
        out.append(jobs.job_status(ws, status["id"]))
    return out


def number(at, label):
    found = [w for w in at.number_input if w.label == label]
    assert found, f"no number box {label!r}: {[w.label for w in at.number_input]}"
    return found[0]


def charts(at) -> list:
    """The plotly figures on the page, as their JSON specs."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def values(data) -> np.ndarray:
    """A figure's numbers: plotly writes numpy arrays as base64 typed arrays, lists as lists."""
    if isinstance(data, dict) and "bdata" in data:
        import base64

        raw = np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"]))
        return raw.reshape(data["shape"]) if isinstance(data.get("shape"), list) else raw
    return np.asarray(data, dtype=np.float64)


def methods_table(at):
    (table,) = [d.value for d in at.dataframe if "mean Jaccard@10" in d.value.columns]
    return table


def titles(at) -> list:
    return [str((spec.get("layout", {}).get("title") or {}).get("text", "")) for spec in charts(at)]


@pytest.fixture
def lee(held):
    ws = Workspace(config.home())
    corpus = embedlab.prepare_sample(ws, "lee_background")
    ws.set_setting("active_corpus", corpus.id)
    return ws, corpus


# -- the Train page --------------------------------------------------------------------------------------

def test_glove_trains_from_the_train_page_and_its_exact_cost_is_drawn(lee):
    ws, corpus = lee
    at = app().run()
    at.switch_page("pages/train.py").run()
    at.radio(key="train-family").set_value("glove").run()
    assert any("w_i·w̃_j" in c.value for c in at.caption)  # the objective, written out
    number(at, "vector_size").set_value(16)
    number(at, "iterations").set_value(4)
    number(at, "min_count").set_value(3)
    at.button(key="train-start").click().run()
    assert not at.error, [e.value for e in at.error]
    (status,) = run_queued(ws)
    assert status["state"] == "done", status.get("error")
    costs = status["details"]["epoch_losses"]
    assert len(costs) == 4 and costs == status["details"]["costs"] and all(np.diff(costs) < 0)
    at.run()
    assert not at.exception, at.exception
    (curve,) = [spec for spec in charts(at) if "cost per iteration" in str(spec["layout"]["title"]["text"])]
    assert "exact objective" in curve["layout"]["title"]["text"]
    assert curve["data"][0]["y"] == pytest.approx(costs)  # the job's exact costs, point for point
    assert any("true objective" in c.value and "Word2Vec" in c.value for c in at.caption)
    model_id = status["result"]["model_id"]
    assert ws.get_setting("active_model") == model_id and ws.load_space(model_id).kind == "glove"


def test_ppmi_svd_trains_from_the_train_page_and_shows_its_singular_values(lee):
    ws, corpus = lee
    at = app().run()
    at.switch_page("pages/train.py").run()
    at.radio(key="train-family").set_value("ppmi_svd").run()
    number(at, "vector_size").set_value(24)
    number(at, "min_count").set_value(3)
    at.button(key="train-start").click().run()
    assert not at.error, [e.value for e in at.error]
    (status,) = run_queued(ws)
    assert status["state"] == "done", status.get("error")
    at.run()
    assert not at.exception, at.exception
    assert any("no epochs and no loss" in c.value for c in at.caption)
    (spectrum,) = [spec for spec in charts(at) if "Singular values of the PPMI matrix" in
                   str(spec["layout"]["title"]["text"])]
    info = ws.model_info(status["result"]["model_id"])
    assert values(spectrum["data"][0]["y"]) == pytest.approx(info["singular_values"])
    assert len(info["singular_values"]) == 24
    share = values(spectrum["data"][1]["y"])
    assert 0 < share[0] < share[-1] < 1  # the cumulative share of ‖PPMI‖² the dimensions keep
    # the Models page draws the same for the chosen model
    at.switch_page("pages/models.py").run()
    assert not at.exception, at.exception
    assert any("Singular values" in t for t in titles(at))


def test_bad_input_is_refused_on_the_train_page_before_anything_is_queued(lee):
    ws, corpus = lee
    at = app().run()
    at.switch_page("pages/train.py").run()
    at.radio(key="train-family").set_value("ppmi_svd").run()
    number(at, "min_count").set_value(200)  # a handful of words survive
    number(at, "vector_size").set_value(300)
    at.button(key="train-start").click().run()
    assert any("vector_size=300 is not below the vocabulary" in e.value and "Choose fewer dimensions" in e.value
               for e in at.error), [e.value for e in at.error]
    number(at, "min_count").set_value(100_000)  # nothing survives
    at.button(key="train-start").click().run()
    assert any("Lower min_count" in e.value for e in at.error)
    at.radio(key="train-family").set_value("glove").run()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMBEDLAB_MAX_MATRIX_MB", "0.05")
        number(at, "min_count").set_value(2)
        at.button(key="train-start").click().run()
    assert any("would need about" in e.value and "EMBEDLAB_MAX_MATRIX_MB" in e.value and "Raise min_count" in e.value
               for e in at.error), [e.value for e in at.error]
    assert jobs.list_jobs(ws) == []


def test_a_too_high_learning_rate_fails_saying_so_and_keeps_nothing(lee):
    ws, corpus = lee
    at = app().run()
    at.switch_page("pages/train.py").run()
    at.radio(key="train-family").set_value("glove").run()
    number(at, "learning_rate").set_value(2.0)
    number(at, "vector_size").set_value(16)
    number(at, "iterations").set_value(3)
    number(at, "min_count").set_value(3)
    at.button(key="train-start").click().run()
    (status,) = run_queued(ws)
    assert status["state"] == "failed" and "diverged" in status["error"]
    at.run()
    assert any("diverged" in e.value and "Nothing was saved" in e.value for e in at.error)
    assert ws.models().empty


def test_a_matrix_too_large_for_the_memory_limit_fails_with_the_estimate(lee, monkeypatch):
    ws, corpus = lee
    monkeypatch.setenv("EMBEDLAB_MAX_MATRIX_MB", "2")  # the parameters fit; the pairs of min_count=1 do not
    job_id = jobs.submit(ws, "glove", {"corpus_id": corpus.id, "config": {"min_count": 1, "vector_size": 8}}, "big")
    (status,) = run_queued(ws)
    assert status["id"] == job_id and status["state"] == "failed"
    assert "would need about" in status["error"] and "Raise min_count" in status["error"]
    assert ws.models().empty


def test_a_window_of_0_is_refused_with_its_reason(lee):
    ws, corpus = lee
    for kind in ("glove", "ppmi_svd"):
        with pytest.raises(embedlab.InputError, match="a window of 0 counts no pairs"):
            jobs.submit(ws, kind, {"corpus_id": corpus.id, "config": {"window": 0}}, "w0")
    at = app().run()
    at.switch_page("pages/train.py").run()
    at.radio(key="train-family").set_value("glove").run()
    assert number(at, "window").min == 1  # the form cannot even ask for it


# -- the Data page -------------------------------------------------------------------------------------------

def test_data_page_counts_and_shows_the_matrix_being_factorised(lee):
    ws, corpus = lee
    at = app().run()
    at.switch_page("pages/data.py").run()
    assert any("Not counted yet" in i.value for i in at.info)
    number(at, "window").set_value(4)
    at.button(key="data-cooc-count").click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    metrics = {m.label: m.value for m in at.metric}
    cooc = cooccur.load_cached(corpus, cooccur.CooccurConfig(window=4))
    assert metrics["non-zero pairs"] == f"{cooc.matrix.nnz:,}" and metrics["words (rows)"] == f"{cooc.n_words:,}"
    top = [d for d in at.dataframe if list(d.value.columns) == ["word", "context", "count"]][0].value
    assert top.reset_index(drop=True).equals(cooc.top_pairs(20))
    (box,) = [t for t in at.text_input if t.label.startswith("Words for the heat-map")]
    box.set_value("government, australia, police, zebra").run()
    assert any("zebra" in w.value for w in at.warning)
    box.set_value("government, australia, police").run()
    (heat,) = [spec for spec in charts(at) if spec["data"][0]["type"] == "heatmap"]
    block = cooc.block(["government", "australia", "police"]).to_numpy()
    assert np.expm1(values(heat["data"][0]["z"]).reshape(block.shape)) == pytest.approx(block)
    # a GloVe model with these settings reuses the counts the page made
    out = glove.run_job(ws, {"corpus_id": corpus.id, "config": {"window": 4, "vector_size": 8, "iterations": 1}},
                        lambda f, m="", **d: None)
    assert ws.load_space(out["model_id"]).info["cooccur"]["reused"] is True
    # and the counts can be deleted, asking first and naming them
    at.button(key="data-cooc-delete-ask").click().run()
    [b for b in at.button if b.label == "Yes, delete 'window 4 · 1/d (GloVe) · min_count 5'"][0].click().run()
    assert any("Deleted the co-occurrence counts" in s.value for s in at.success)
    assert cooccur.find_stored(corpus, cooccur.CooccurConfig(window=4)) is None
    assert any("Not counted yet" in i.value for i in at.info)


def test_data_page_counts_a_large_corpus_as_a_job(lee, monkeypatch):
    ws, corpus = lee
    monkeypatch.setenv("EMBEDLAB_INLINE_SCALE", "0.01")  # 60,000 tokens are "large" now
    at = app().run()
    at.switch_page("pages/data.py").run()
    at.button(key="data-cooc-count").click().run()
    (job,) = jobs.list_jobs(ws)
    assert job["kind"] == "cooccur" and any("waiting to start" in i.value for i in at.info)
    assert [b for b in at.button if b.label == "Cancel"]
    (status,) = run_queued(ws)
    assert status["state"] == "done"
    at.run()
    assert {m.label for m in at.metric} >= {"non-zero pairs", "density"}


# -- the Methods page -------------------------------------------------------------------------------------------

def test_methods_page_queues_the_missing_models_and_measures_them(lee):
    ws, corpus = lee
    # one model already there: it is picked, not trained again
    ws.save_space(ppmi_svd.train_ppmi_svd(corpus, ppmi_svd.PPMISVDConfig(vector_size=20, min_count=3)), "mine")
    at = app().run()
    at.switch_page("pages/methods.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="methods-corpus").value == corpus.id
    at.button(key="methods-train").click().run()
    assert sorted(j["title"] for j in jobs.list_jobs(ws)) == sorted(
        f"{m.title} · lee_background" for m in methods.METHODS if m.key != "ppmi_svd")
    assert len(jobs.list_jobs(ws)) == 4 and len([b for b in at.button if b.label == "Cancel"]) == 4
    glove_args = [j for j in jobs.list_jobs(ws) if j["kind"] == "glove"][0]["args"]["config"]
    assert glove_args["x_max"] == 10.0 and glove_args["vector_size"] == methods.DIMENSIONS
    for job in jobs.list_jobs(ws):  # quicker stand-ins for the queued trainings
        jobs.cancel(ws, job["id"])
    fast = {"vector_size": 20, "min_count": 3}
    for family, cfg in ((word2vec, {**fast, "epochs": 1}), (word2vec, {**fast, "epochs": 1, "architecture": "cbow"}),
                        (glove, {**fast, "iterations": 3})):
        family.run_job(ws, {"corpus_id": corpus.id, "config": cfg}, lambda f, m="", **d: None)
    at.run()
    assert not [b for b in at.button if b.key == "methods-train" and "(1)" not in b.label]  # only FastText missing
    chosen = [m for m in at.multiselect if m.label == "Models to compare"][0].value
    assert len(chosen) == 4
    at.button(key="methods-measure").click().run()
    (status,) = run_queued(ws)
    assert status["kind"] == "methods" and status["state"] == "done", status.get("error")
    at.run()
    assert not at.exception, at.exception
    table = methods_table(at)
    assert sorted(table["method"]) == ["GloVe", "PPMI-SVD", "Word2Vec CBOW", "Word2Vec skip-gram"]
    for column in ("training (s)", "vocabulary", "analogy (semantic)", "analogy (syntactic)", "analogy (all)",
                   "WS-353", "SimLex-999", "mean Jaccard@10"):
        assert column in table.columns, column
    assert ((table["mean Jaccard@10"] > 0) & (table["mean Jaccard@10"] < 1)).all()
    assert {"Scores (accuracy, Spearman ρ, Jaccard)", "How much the models agree: mean Jaccard@10 of nearest "
            "neighbours"} <= {str(t) for t in titles(at)} | {a["text"] for spec in charts(at)
                                                              for a in spec["layout"].get("annotations", [])}
    # a row opens its model
    glove_id = ws.models().query("kind == 'glove'")["id"].iloc[0]
    at.selectbox(key="methods-open").set_value(glove_id).run()
    at.button(key="methods-make-active").click().run()
    assert ws.get_setting("active_model") == glove_id
    assert any("cost per iteration" in t for t in titles(at))
    # the result survives a new session (a restart)
    again = app().run()
    again.switch_page("pages/methods.py").run()
    assert len(methods_table(again)) == 4


def test_methods_page_prepares_a_shipped_corpus_when_there_is_none(held):
    at = app().run()
    at.switch_page("pages/methods.py").run()
    assert not at.exception, at.exception
    labels = [b.label for b in at.button]
    assert "Prepare Movie reviews (Pang & Lee 2004)" in labels and "Prepare US presidential speeches" in labels
    [b for b in at.button if b.label == "Prepare US presidential speeches"][0].click().run()
    (job,) = jobs.list_jobs(Workspace(config.home()))  # 2.9 MB of text: prepared in the background
    assert job["kind"] == "prepare_corpus" and job["args"]["sample"] == "us_presidential_speeches"
