"""AppTest of the state that ties pages together: the active model, the registry-driven Train page,
job lists with Cancel, refused duplicates and delete confirmations (issue 13, items 1-3)."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import embedlab
from embedlab import config, jobs
from embedlab.store import Workspace
from embedlab.train import registry

from conftest import ROOT, make_space

SIDEBAR = "sidebar-active-model"


def sidebar_shows():
    """What the sidebar's picker shows when a page is opened.

    AppTest runs app.py (navigation and sidebar) in a session's first run
    only, later runs run the page alone, so each look is a new session of the
    same workspace; the browser journeys (test_journey_state.py) follow one
    session across pages.
    """
    return app().run().sidebar.selectbox(key=SIDEBAR).value


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def button(at, label):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}: {[b.label for b in at.button]}"
    return found[0]


def two_models(names=("alpha", "beta")):
    ws = Workspace(config.home())
    rng = np.random.default_rng(0)
    ids = [ws.save_space(make_space({f"{n}{i}": rng.standard_normal(4) for i in range(20)}), name=n) for n in names]
    return ws, ids


class HeldScheduler(jobs.Scheduler):
    """Queues jobs but starts none, so they stay listed as waiting."""

    def submit(self, root, job_id):
        with self._lock:
            self._queue.append((str(root), job_id))


@pytest.fixture
def held(monkeypatch):
    monkeypatch.setattr(jobs, "SCHEDULER", HeldScheduler())


# -- the active model has one owner -----------------------------------------------------------

def test_make_active_on_models_moves_the_sidebar_and_the_setting():
    ws, (a, b) = two_models()
    ws.set_setting("active_model", a)
    at = app().run()
    assert at.sidebar.selectbox(key=SIDEBAR).value == a
    at.switch_page("pages/models.py").run()
    [s for s in at.selectbox if s.label == "Model"][0].set_value(a).run()
    assert button(at, "Make active").disabled  # it already is
    [s for s in at.selectbox if s.label == "Model"][0].set_value(b).run()
    button(at, "Make active").click().run()
    assert not at.exception, at.exception
    assert ws.get_setting("active_model") == b and sidebar_shows() == b
    for page in ("pages/home.py", "pages/explore.py", "pages/models.py"):
        at.switch_page(page).run()
        assert ws.get_setting("active_model") == b, page
    assert any("**beta**" in m.value for m in app().run().sidebar.markdown)  # the full name, not cut


def test_the_sidebar_picker_sets_the_setting_and_explore_follows():
    ws, (a, b) = two_models()
    at = app().run()
    assert at.sidebar.selectbox(key=SIDEBAR).value is None
    at.sidebar.selectbox(key=SIDEBAR).set_value(a).run()
    assert ws.get_setting("active_model") == a and sidebar_shows() == a
    at.switch_page("pages/explore.py").run()
    assert any(c.value.startswith("alpha:") for c in at.caption)
    other = app().run()  # a second tab (AppTest shows the sidebar's picker in a session's first run only)
    other.sidebar.selectbox(key=SIDEBAR).set_value(b).run()
    assert ws.get_setting("active_model") == b
    other.switch_page("pages/explore.py").run()
    assert any(c.value.startswith("beta:") for c in other.caption)
    at.run()  # the first tab follows the one owner
    assert any(c.value.startswith("beta:") for c in at.caption)


def test_another_tab_changing_the_model_shows_here_too():
    ws, (a, b) = two_models()
    ws.set_setting("active_model", a)
    at = app().run()
    at.switch_page("pages/explore.py").run()
    assert any(c.value.startswith("alpha:") for c in at.caption)
    ws.set_setting("active_model", b)  # another browser tab of the same workspace
    at.run()
    assert any(c.value.startswith("beta:") for c in at.caption)


def test_repeated_names_are_told_apart_in_pickers():
    ws, ids = two_models(("same", "same"))
    at = app().run()
    options = at.sidebar.selectbox(key=SIDEBAR).options
    assert len(set(options)) == 2 and all(o.startswith("same · ") for o in options)
    at.switch_page("pages/models.py").run()
    model_options = [s for s in at.selectbox if s.label == "Model"][0].options
    assert len(set(model_options)) == 2


# -- delete ----------------------------------------------------------------------------------

def test_delete_asks_for_the_thing_it_deletes_and_never_the_next_one():
    ws, (a, b) = two_models()
    ws.set_setting("active_model", a)
    at = app().run()
    at.switch_page("pages/models.py").run()
    pick = lambda i: [s for s in at.selectbox if s.label == "Model"][0].set_value(i).run()  # noqa: E731
    pick(a)
    button(at, "Delete").click().run()
    assert any("Delete the model **alpha**" in w.value for w in at.warning)
    assert not [x for x in at.button if x.label == "Delete"]  # the question replaces the button
    pick(b)  # another selection: the question about alpha is gone, nothing is ticked for beta
    assert not [x for x in at.button if x.label.startswith("Yes, delete")]
    assert set(ws.models()["id"]) == {a, b}
    pick(a)
    button(at, "Delete").click().run()
    button(at, "Keep it").click().run()
    assert set(ws.models()["id"]) == {a, b}
    button(at, "Delete").click().run()
    button(at, "Yes, delete 'alpha'").click().run()
    assert not at.exception, at.exception
    assert list(ws.models()["id"]) == [b]
    assert any("Deleted the model 'alpha'." == s.value for s in at.success)
    assert ws.get_setting("active_model") is None and sidebar_shows() is None
    # reset after use: the next model shows a plain Delete button again
    assert [x.label for x in at.button if "elete" in x.label] == ["Delete"]
    at.run()
    assert not any("Deleted" in s.value for s in at.success)  # said once


def test_deleting_a_corpus_asks_and_says_which():
    ws = Workspace(config.home())
    corpus = embedlab.prepare_sample(ws, "lee_background")
    at = app().run()
    at.switch_page("pages/data.py").run()
    button(at, "Delete").click().run()
    assert any("Delete the corpus **lee_background**" in w.value for w in at.warning)
    button(at, "Yes, delete 'lee_background'").click().run()
    assert not at.exception, at.exception
    assert ws.corpora().empty and not (ws.corpora_dir / corpus.id).exists()
    assert any("Deleted the corpus 'lee_background'." == s.value for s in at.success)


# -- the Train page reads the registry ------------------------------------------------------------

def test_train_page_offers_every_corpus_family_with_its_form(held):
    ws = Workspace(config.home())
    embedlab.prepare_sample(ws, "lee_background")
    at = app().run()
    at.switch_page("pages/train.py").run()
    options = at.radio(key="train-family").options
    assert options[:2] == ["Word2Vec", "FastText"] and len(options) == len(registry.families("corpus"))
    for fam in registry.families("corpus"):
        at.radio(key="train-family").set_value(fam.name).run()
        assert not at.exception, (fam.name, at.exception)
        assert any(fam.description in m.value for m in at.markdown)
        labels = {w.label: w for w in list(at.number_input) + list(at.slider) + list(at.radio) + list(at.checkbox)
                  + list(at.selectbox) + list(at.text_input)}
        for name, meta in ((f.name, registry.field_help(f)) for f in __import__("dataclasses").fields(fam.config)):
            assert meta["label"] in labels, (fam.name, name)
            assert labels[meta["label"]].help == meta["help"]
    at.radio(key="train-family").set_value("fasttext").run()
    assert {"min_n", "max_n", "bucket"} <= {w.label for w in at.number_input}
    at.radio(key="train-family").set_value("word2vec").run()
    assert "bucket" not in {w.label for w in at.number_input}


def test_train_settings_survive_a_page_switch_and_typing_starts_nothing(held):
    ws = Workspace(config.home())
    embedlab.prepare_sample(ws, "lee_background")
    at = app().run()
    at.switch_page("pages/train.py").run()
    [w for w in at.number_input if w.label == "epochs"][0].set_value(3).run()
    at.radio(key="train-word2vec-architecture").set_value("cbow").run()
    name = [t for t in at.text_input if t.label == "Model name"][0]
    name.input("typed and Enter").run()  # no form: committing a text box is not a submit
    assert jobs.list_jobs(ws) == []
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/train.py").run()
    assert [w for w in at.number_input if w.label == "epochs"][0].value == 3
    assert at.radio(key="train-word2vec-architecture").value == "cbow"
    assert [t for t in at.text_input if t.label == "Model name"][0].value == "typed and Enter"


def test_start_twice_is_refused_and_waiting_jobs_have_cancel_on_train_and_models(held):
    ws = Workspace(config.home())
    embedlab.prepare_sample(ws, "lee_background")
    at = app().run()
    at.switch_page("pages/train.py").run()
    at.button(key="train-start").click().run()
    assert not at.error, [e.value for e in at.error]
    at.button(key="train-start").click().run()
    assert any("The same job is already waiting to start" in e.value and "word2vec on lee_background" in e.value
               for e in at.error)
    (job,) = jobs.list_jobs(ws)
    assert any("is waiting to start" in i.value for i in at.info)
    assert [b for b in at.button if b.label == "Cancel"]
    at.switch_page("pages/models.py").run()  # no model yet, but the job and its Cancel are there
    assert any("word2vec on lee_background" in i.value for i in at.info)
    button(at, "Cancel").click().run()
    assert not at.exception, at.exception
    assert jobs.job_status(ws, job["id"])["state"] == "cancelled"
    assert not [b for b in at.button if b.label == "Cancel"]


# -- Explore's form shows the picture that is drawn (13.4) ---------------------------------------------

def test_explore_form_and_picture_agree_after_a_page_switch(lee_space):
    import json

    ws = Workspace(config.home())
    ws.set_setting("active_model", ws.save_space(lee_space, "lee"))
    at = app().run()
    at.switch_page("pages/explore.py").run()
    at.selectbox(key="explore-method").set_value("tsne")
    at.number_input(key="explore-n").set_value(120)
    at.slider(key="explore-perp").set_value(12)
    at.button[0].click().run()
    assert not at.exception, at.exception
    at.selectbox(key="explore-colour").set_value("cluster").run()
    at.slider(key="explore-k-clusters").set_value(5).run()

    def drawn():
        spec = json.loads(at.get("plotly_chart")[0].proto.spec)
        # the points and their colours (the text-label toggle belongs to the labels part of the page)
        return spec["layout"]["xaxis"]["title"]["text"], [(d.get("name"), len(d["x"])) for d in spec["data"]
                                                          if d.get("mode") != "text"]

    before = drawn()
    assert "t-SNE" in before[0]
    at.switch_page("pages/models.py").run()
    at.switch_page("pages/explore.py").run()
    assert not at.exception, at.exception
    assert drawn() == before  # the same picture (from the session's cache) ...
    # ... and the form says how it was made, so Project draws it again rather than a PCA
    assert at.selectbox(key="explore-method").value == "tsne"
    assert at.number_input(key="explore-n").value == 120 and at.slider(key="explore-perp").value == 12
    assert at.selectbox(key="explore-colour").value == "cluster" and at.slider(key="explore-k-clusters").value == 5
    at.button[0].click().run()
    assert drawn() == before
