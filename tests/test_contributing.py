"""CONTRIBUTING.md's "Add a model family" steps, run on its own example: one module, nothing else edited."""

import re
import sys

import pytest
from streamlit.testing.v1 import AppTest

from embedlab import config, jobs
from embedlab.store import Workspace
from embedlab.train import registry

from conftest import ROOT

MODULE = "contrib_random_indexing"


@pytest.fixture
def example_family(tmp_path, monkeypatch):
    """CONTRIBUTING's example module, on the path and named in EMBEDLAB_FAMILY_MODULES (workers inherit both)."""
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- family-example -->\s*```python\n(.*?)```", text, re.S)
    assert block, "CONTRIBUTING.md lost its family example"
    (tmp_path / f"{MODULE}.py").write_text(block.group(1), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setenv("EMBEDLAB_FAMILY_MODULES", MODULE)
    registry.rescan()
    yield registry.family("random_indexing")
    monkeypatch.delenv("EMBEDLAB_FAMILY_MODULES")
    registry.rescan()
    sys.modules.pop(MODULE, None)


@pytest.mark.slow
def test_the_example_family_appears_gets_a_form_and_trains(example_family):
    assert example_family.data == "corpus" and "random_indexing" in jobs.job_kinds()
    assert example_family in registry.families("corpus")

    ws = Workspace(config.home())
    import embedlab

    embedlab.prepare_sample(ws, "lee_background")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/train.py").run()
    family = at.radio(key="train-family")
    assert "random_indexing" in family.options or "Random indexing" in family.options
    family.set_value("random_indexing").run()
    assert not at.exception, at.exception
    # its form, drawn from the field metadata: one widget per field, with the one-line explanation
    boxes = {n.label: n for n in at.number_input}
    assert {"dim", "window", "min_count", "seed"} <= set(boxes)
    assert boxes["dim"].help == "Length of the random index vectors." and boxes["dim"].value == 64
    boxes["dim"].set_value(16)
    at.button(key="train-start").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]

    (job,) = jobs.list_jobs(ws)
    assert job["kind"] == "random_indexing" and job["args"]["config"]["dim"] == 16
    status = jobs.SCHEDULER.wait(ws.root, job["id"], timeout=180)
    assert status["state"] == "done", status.get("error")
    space = ws.load_space(status["result"]["model_id"])
    assert space.kind == "random_indexing" and space.dim == 16 and len(space) > 100
    at.run()  # the Train page picks up the finished job: its model is the active one
    assert ws.get_setting("active_model") == status["result"]["model_id"]
    at.switch_page("pages/models.py").run()
    assert not at.exception, at.exception
    assert "Random indexing" in at.dataframe[0].value["family"].tolist()
