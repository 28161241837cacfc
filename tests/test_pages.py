"""AppTest: every page renders, and the Data → Train → Explore path works in the app."""

import pytest
from streamlit.testing.v1 import AppTest

from embedlab import config, jobs
from embedlab.store import Workspace

from conftest import ROOT

APP = str(ROOT / "app.py")
PAGES = ["pages/home.py", "pages/data.py", "pages/train.py", "pages/explore.py", "pages/models.py"]


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=120)


def by_label(elements, label):
    matches = [e for e in elements if e.label == label]
    assert matches, f"no widget labelled {label!r}: {[e.label for e in elements]}"
    return matches[0]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_an_empty_workspace(page):
    at = app().run()
    at.switch_page(page).run()
    assert not at.exception, at.exception


def test_every_page_renders_with_a_model(lee_space):
    ws = Workspace(config.home())
    model_id = ws.save_space(lee_space, name="lee")
    ws.set_setting("active_model", model_id)
    at = app().run()
    assert at.selectbox(key="sidebar-active-model").value == model_id
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)


def test_data_train_explore_path():
    at = app().run()
    at.switch_page("pages/data.py").run()
    at.selectbox[0].set_value("lee_background").run()
    by_label(at.number_input, "minimum token length").set_value(2)
    by_label(at.button, "Prepare corpus").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("is ready" in s.value for s in at.success)
    assert by_label(at.metric, "documents").value == "300"

    at.switch_page("pages/train.py").run()
    by_label(at.number_input, "epochs").set_value(2)
    by_label(at.number_input, "vector_size").set_value(20)
    by_label(at.button, "Start training").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    ws = Workspace(config.home())
    (job,) = jobs.list_jobs(ws)
    assert jobs.SCHEDULER.wait(ws.root, job["id"], timeout=180)["state"] == "done"
    at.run()  # the page picks up the finished job and makes its model active
    model_id = jobs.job_status(ws, job["id"])["result"]["model_id"]
    assert ws.get_setting("active_model") == model_id

    at.switch_page("pages/explore.py").run()
    assert not at.exception
    at.switch_page("pages/models.py").run()
    assert "word2vec on lee_background" in at.dataframe[0].value["name"].tolist()


def test_bad_upload_shows_a_message_and_keeps_running():
    at = app().run()
    at.switch_page("pages/data.py").run()
    at.radio[0].set_value("Upload a file").run()
    by_label(at.button, "Prepare corpus").click().run()
    assert not at.exception
    assert any("Choose a file" in e.value for e in at.error)


def test_train_refuses_min_count_nothing_survives():
    ws = Workspace(config.home())
    import embedlab

    embedlab.prepare_sample(ws, "lee_background")
    at = app().run()
    at.switch_page("pages/train.py").run()
    by_label(at.number_input, "min_count").set_value(100_000)
    by_label(at.button, "Start training").click().run()
    assert not at.exception
    assert any("Lower min_count" in e.value for e in at.error)
    assert jobs.list_jobs(ws) == []


def test_train_page_trains_fasttext():
    ws = Workspace(config.home())
    import embedlab

    embedlab.prepare_sample(ws, "lee_background")
    at = app().run()
    at.switch_page("pages/train.py").run()
    at.radio(key="train-family").set_value("fasttext").run()
    by_label(at.number_input, "epochs").set_value(1)
    by_label(at.number_input, "vector_size").set_value(16)
    by_label(at.number_input, "bucket").set_value(20_000)
    by_label(at.button, "Start training").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    (job,) = jobs.list_jobs(ws)
    assert job["kind"] == "fasttext" and job["args"]["config"]["bucket"] == 20_000
    assert jobs.SCHEDULER.wait(ws.root, job["id"], timeout=180)["state"] == "done"
    at.run()
    assert any("no loss curve" in c.value or "does not report" in c.value for c in at.caption)
    space = ws.load_space(ws.get_setting("active_model"))
    assert space.has_subwords and space.kind == "fasttext"


def test_every_page_enters_through_app_first():
    """A new page without the guard would run alone when it is the first URL a fresh server sees."""
    import ast
    from pathlib import Path

    for path in sorted((Path(__file__).resolve().parent.parent / "pages").glob("*.py")):
        body = [node for node in ast.parse(path.read_text()).body
                if not isinstance(node, (ast.Import, ast.ImportFrom))
                and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]  # docstring
        first = body[0]
        assert isinstance(first, ast.Expr) and isinstance(first.value, ast.Call) \
            and getattr(first.value.func, "id", None) == "through_app", f"{path.name} does not start with through_app()"
