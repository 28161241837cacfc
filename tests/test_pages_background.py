"""Heavy page work goes to a background job above its size threshold, with progress, Cancel and the result picked up.

``EMBEDLAB_INLINE_SCALE=0`` sets every threshold to zero, so small real data
(gensim's Lee corpus and a model trained on it, fastText's test vectors)
takes the job path a large one would: the Data page's corpus preparation, the
Benchmarks page's analogy evaluation, the Explore page's t-SNE/UMAP, the Bias
page's hard debias and the Import page's vector import. Each test checks that
the page submitted the job instead of computing, that a real worker ran it,
and that the page shows its result afterwards.
"""

from pathlib import Path

import pytest
from gensim.test.utils import datapath
from streamlit.testing.v1 import AppTest

from embedlab import config, jobs
from embedlab.store import Workspace

from conftest import ROOT

pytestmark = pytest.mark.slow  # each runs a real worker process (a few seconds to start)


@pytest.fixture(autouse=True)
def _everything_in_jobs(monkeypatch):
    monkeypatch.setenv("EMBEDLAB_INLINE_SCALE", "0")


@pytest.fixture
def lee_model(lee_space):
    ws = Workspace(config.home())
    model_id = ws.save_space(lee_space, name="lee cbow")
    ws.set_setting("active_model", model_id)
    return ws, model_id


def _open(page):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _the_job(ws, kind):
    (job,) = [j for j in jobs.list_jobs(ws) if j["kind"] == kind]
    status = jobs.SCHEDULER.wait(ws.root, job["id"], timeout=240)
    assert status["state"] == "done", status.get("error")
    return status


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def test_corpus_preparation_runs_as_a_job_and_can_be_cancelled():
    at = _open("pages/data.py")
    at.selectbox[0].set_value("lee_background").run()
    _button(at, "Prepare corpus").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    ws = Workspace(config.home())
    assert ws.corpora().empty  # not prepared in the page ...
    status = _the_job(ws, "prepare_corpus")  # ... but by a worker
    at.run()
    assert ws.get_setting("active_corpus") == status["result"]["corpus_id"]
    assert next(m for m in at.metric if m.label == "documents").value == "300"

    # a second one, cancelled from the page while it waits or runs: nothing is stored
    at.selectbox[0].set_value("us_presidential_speeches").run()
    _button(at, "Prepare corpus").click().run()
    (job,) = [j for j in jobs.list_jobs(ws) if j["state"] in ("queued", "running")]
    next(b for b in at.button if b.label == "Cancel").click().run()
    assert not at.exception, at.exception
    assert jobs.job_status(ws, job["id"])["state"] == "cancelled"
    assert ws.corpora()["name"].tolist() == ["lee_background"]
    assert not list((ws.root / "uploads").glob("*")) if (ws.root / "uploads").exists() else True


def test_analogy_benchmark_runs_as_a_job(lee_model):
    ws, model_id = lee_model
    at = _open("pages/benchmarks.py")
    at.button(key="bm-run").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert not [m for m in at.metric if m.label == "All accuracy"]  # not computed in the page
    _the_job(ws, "analogy_eval")
    at.run()
    assert not at.exception, at.exception
    skipped = next(m for m in at.metric if m.label == "Skipped (OOV)")
    assert "19,544" in skipped.help  # the whole Google set, answered by the worker
    assert any(len(d.value) > 0 and "expected" in d.value.columns for d in at.dataframe)


def test_large_projection_runs_as_a_job(lee_model):
    at = _open("pages/explore.py")
    at.selectbox(key="explore-method").set_value("tsne")
    at.number_input(key="explore-n").set_value(120)
    at.button[0].click().run()  # the form's Project button
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert not at.get("plotly_chart")
    _the_job(lee_model[0], "projection")
    at.run()
    assert not at.exception, at.exception
    points = next(m for m in at.metric if m.label == "Points")
    assert points.value == "120" and at.get("plotly_chart")


def test_hard_debias_runs_as_a_job(lee_model):
    ws, model_id = lee_model
    at = _open("pages/bias.py")
    at.button(key="bias-debias").click().run()
    # (the Lee corpus lacks most of the shipped WEAT words: that tab's message is expected)
    assert not at.exception and not [e.value for e in at.error if "WEAT" not in e.value]
    assert (ws.models()["kind"] == "debiased").sum() == 0
    status = _the_job(ws, "debias")
    at.run()
    assert not at.exception, at.exception
    new = ws.model_record(status["result"]["model_id"])
    assert new["kind"] == "debiased" and new["params"]["source_model_id"] == model_id
    assert any("Created" in s.value and "words neutralised" in s.value for s in at.success)


def test_vector_import_runs_as_a_job():
    at = _open("pages/vectors.py")
    text = Path(datapath("crime-and-punishment.vec")).read_bytes()
    at.file_uploader(key="import-files").set_value(("cp.vec", text, "text/plain"))
    at.text_input(key="import-name").set_value("crime vectors")
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    ws = Workspace(config.home())
    assert ws.models().empty
    status = _the_job(ws, "import_vectors")
    at.run()
    assert not at.exception, at.exception
    assert any("Imported **crime vectors**: 291 words × 5 dimensions" in s.value for s in at.success)
    assert ws.get_setting("active_model") == status["result"]["model_id"]
    assert not any((ws.root / "uploads").iterdir())  # the staged upload was removed by the job
