"""AppTest for the Bias page on a real trained space (Word2Vec CBOW on gensim's Lee corpus)."""

import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from embedlab import config, jobs
from embedlab.store import Workspace

ROOT = Path(__file__).resolve().parent.parent


def _open(ws_setup=None):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/bias.py").run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def lee_ws(lee_space):
    ws = Workspace(config.home())
    model_id = ws.save_space(lee_space, name="lee cbow")
    ws.set_setting("active_model", model_id)
    return ws, model_id


def _metric(at, label_start):
    return next(m for m in at.metric if m.label.startswith(label_start))


def test_page_without_a_model_says_what_to_do():
    at = _open()
    assert any("no active model" in i.value for i in at.info)


def test_direction_projection_weat_and_saving(lee_ws):
    ws, model_id = lee_ws
    at = _open()
    assert [e.value for e in at.error if "WEAT" not in e.value] == []
    share = _metric(at, "Variance along the first component").value
    assert share.endswith("%") and 0 < int(share[:-1]) <= 100
    # Pairs with a word the model lacks are listed, not silently dropped.
    assert any("gal – guy" in w.value for w in at.warning)
    assert len(at.get("plotly_chart")) >= 3
    # The shipped WEAT tests lose too many words on this small corpus: the page says so and keeps running.
    assert any("The WEAT cannot run" in e.value and "lost" in e.value for e in at.error)
    assert _metric(at, "DirectBias").value

    at.text_input(key="bias-save-name").set_value("gender")
    at.button(key="bias-save").click().run()
    assert not at.exception
    assert set(ws.get_setting("bias_directions")) == {"gender"}
    assert ws.get_setting("bias_directions")["gender"]["method"] == "pca"
    # A saved direction can be an axis of the axes plot.
    at.text_input(key="bias-x").set_value("gender").run()
    assert not at.exception
    assert [e.value for e in at.error if "WEAT" not in e.value] == []
    at.text_input(key="bias-y").set_value("he - notaword").run()
    assert any("notaword" in e.value for e in at.error)


def test_own_weat_and_bad_pairs(lee_ws, lee_space):
    at = _open()
    at.selectbox(key="bias-weat-test").set_value("Write your own").run()
    own = {0: "government, minister, police, president, court, official, leader, army",
           1: "family, children, home, mother, wife, father, women, people",
           2: "he, his, him, man, men, mr",
           3: "she, her, woman, women, mrs, girl"}
    for i, words in own.items():
        at.text_area(key=f"bias-weat-set-{i}-Write your own").set_value(words)
    at.run()
    assert not at.exception
    assert not any("WEAT cannot run" in e.value for e in at.error)
    n_x = len(lee_space.split_known(own[0].split(", "))[0])
    n_y = len(lee_space.split_known(own[1].split(", "))[0])
    assert n_x >= 7 and n_y >= 7
    partitions = _metric(at, "Partitions").value
    assert int(partitions.replace(",", "")) == math.comb(n_x + n_y, n_x)  # small sets: every partition enumerated
    if n_x + n_y < 16:
        assert any("not in the vocabulary, left out" in w.value for w in at.warning)
    p = float(_metric(at, "p-value").value)
    assert 0 < p <= 1
    # A malformed pair line is reported; the page keeps running.
    at.text_area(key="bias-pairs-Bolukbasi et al. gender pairs").set_value("she he her\nwoman - man").run()
    assert not at.exception
    assert any("should hold two words" in e.value for e in at.error)


def test_hard_debias_creates_a_new_model_and_compares(lee_ws):
    ws, model_id = lee_ws
    at = _open()
    at.button(key="bias-debias").click().run()
    assert not at.exception, at.exception
    models = ws.models()
    assert len(models) == 2
    new = models[models["kind"] == "debiased"].iloc[0]
    assert ws.model_record(new["id"])["params"]["source_model_id"] == model_id
    assert any("Created" in s.value for s in at.success)
    direct = [m for m in at.metric if m.label.startswith("DirectBias")]
    assert len(direct) == 3  # the direct-bias section, then original and debiased side by side
    assert float(direct[2].value) < float(direct[1].value)
    assert float(direct[2].value) == pytest.approx(0, abs=0.002)
    acc = _metric(at, "Cluster accuracy, debiased").value
    assert acc.endswith("%") and 50 <= int(acc[:-1]) <= 100
    # The analogy benchmark runs on demand for both models, as a background job.
    at.button(key="bias-analogy").click().run()
    assert not at.exception
    job_id = at.session_state[f"bias-analogy-job-{new['id']}"]
    assert jobs.SCHEDULER.wait(ws.root, job_id, timeout=120)["state"] == "done"
    at.run()
    at.run()
    assert not at.exception
    stored = ws.get_setting("bias_analogy")
    assert set(stored) == {model_id, new["id"]}
    assert all(0 <= v["accuracy"] <= 1 and v["n_questions"] > 0 for v in stored.values())
    assert len([m for m in at.metric if m.label.startswith("Google analogy accuracy")]) == 2
    # The original model is untouched and still the active one.
    assert ws.get_setting("active_model") == model_id
