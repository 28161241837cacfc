"""AppTests of issue 21: record snapshots on the Train page, play them back, step the toy word2vec."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from embedlab import config, jobs
from embedlab.probes.playback import load_recording
from embedlab.store import Workspace
from embedlab.train.recording import Recorder, RecordRequest
from embedlab.train.word2vec import Word2VecConfig, train_word2vec

from conftest import ROOT
from test_pages_flow import HeldScheduler, button

RECORD = "Record snapshots (for Playback)"


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


@pytest.fixture
def held(monkeypatch):
    monkeypatch.setattr(jobs, "SCHEDULER", HeldScheduler())


def train_page():
    at = app().run()
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    return at


def checkbox(at, label):
    return [c for c in at.checkbox if c.label == label][0]


def test_train_page_queues_a_recording_and_refuses_one_over_the_limits(lee_corpus, held):
    ws = Workspace(config.home())
    corpus_id = ws.add_corpus([open(lee_corpus.lines_file).read()], "lee").id
    at = train_page()
    assert not any(n.label == "snapshots per epoch" for n in at.number_input)  # only once ticked
    checkbox(at, RECORD).check().run()
    [n for n in at.number_input if n.label == "snapshots per epoch"][0].set_value(4).run()
    [t for t in at.text_area if t.label.startswith("Also record these words")][0].set_value("bank, police").run()
    assert any("snapshots × 302 items × 100 dimensions" in c.value for c in at.caption)  # the estimate
    button(at, "Start training").click().run()
    assert not at.error, [e.value for e in at.error]
    [job] = [json.loads((f / "job.json").read_text()) for f in ws.jobs_dir.iterdir() if f.is_dir()]
    assert job["kind"] == "word2vec" and job["args"]["corpus_id"] == corpus_id
    assert job["args"]["record"] == {"steps_per_epoch": 4, "top": 300, "items": ["bank", "police"],
                                     "precision": "float16"}

    # more words than the limit: the caption warns, Start refuses with the limit
    [n for n in at.number_input if n.label == "most frequent words"][0].set_value(2000).run()
    assert any("too many" in c.value for c in at.caption)
    button(at, "Start training").click().run()
    assert any("the limit is 2,000" in e.value for e in at.error)

    # a recording the disk quota cannot hold is refused with its estimate
    [n for n in at.number_input if n.label == "most frequent words"][0].set_value(300).run()
    ws.quota = ws.disk_usage() + 512 * 1024
    at.session_state["workspace"] = ws
    button(at, "Start training").click().run()
    assert any("disk limit" in e.value and "≈" in e.value for e in at.error), [e.value for e in at.error]
    assert len([f for f in ws.jobs_dir.iterdir() if f.is_dir()]) == 1  # nothing more was queued


def test_playback_page_plays_a_recorded_model_and_follows_a_word(lee_corpus):
    ws = Workspace(config.home())
    rec = Recorder(RecordRequest(steps_per_epoch=3, top=150, items=("king", "queen", "man", "woman")), ws)
    cfg = Word2VecConfig(vector_size=16, epochs=2, min_count=3, reproducible=True)
    recorded = ws.save_space(train_word2vec(lee_corpus, cfg, recorder=rec), name="recorded w2v")
    plain = ws.save_space(train_word2vec(lee_corpus, cfg), name="plain w2v")

    ws.set_setting("active_model", plain)
    at = app().run()
    at.switch_page("pages/playback.py").run()
    assert not at.exception, at.exception
    assert any("without recording snapshots" in i.value for i in at.info)
    button(at, "Make it the active model").click().run()
    assert ws.get_setting("active_model") == recorded

    at = app().run()
    at.switch_page("pages/playback.py").run()
    assert not at.exception, at.exception
    [chart] = at.get("plotly_chart")
    spec = json.loads(chart.proto.spec)
    assert [f["name"] for f in spec["frames"]] == [str(i) for i in range(7)]
    assert len(spec["layout"]["sliders"][0]["steps"]) == 7
    n_items = len(load_recording(ws, recorded).keys)
    assert any(f"**{n_items}** recorded items, **7** snapshots" in m.value for m in at.markdown)

    follow = [t for t in at.text_input if t.label.startswith("Follow")][0]
    follow.set_value("queen, zebra").run()
    assert any("zebra" in e.value and "train again" in e.value for e in at.error)
    follow.set_value("queen").run()
    assert not at.error
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert any(t.get("name") == "trail of queen" for t in spec["data"])
    assert [d.label for d in at.get("download_button")] == ["Download the animation (stand-alone HTML)"]


def test_toy_page_steps_and_keeps_its_network_across_pages():
    at = app().run()
    at.switch_page("pages/toy_word2vec.py").run()
    assert not at.exception, at.exception
    assert at.metric[0].value == "0"
    button(at, "Step 10").click().run()
    button(at, "Step 1").click().run()
    assert at.metric[0].value == "11"
    assert any("−log y" in m.value or "y =" in m.value for m in at.markdown)  # the update explained
    assert len(at.get("plotly_chart")) == 5
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/toy_word2vec.py").run()
    assert at.metric[0].value == "11"  # the network lives in the session

    [t for t in at.text_area if t.label.startswith("Corpus")][0].set_value("king king king").run()
    assert any("press **Restart" in i.value for i in at.info)
    button(at, "Restart with these settings").click().run()
    assert any("only the word 'king'" in e.value for e in at.error)
    assert at.metric[0].value == "11"  # the earlier network is kept

    at.selectbox(key="toy-preset").set_value("fruit and animals").run()
    button(at, "Restart with these settings").click().run()
    assert not at.error and at.metric[0].value == "0"
    assert "apple" in at.text_area[0].value
