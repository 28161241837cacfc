"""AppTest of the Explore page: PCA projection figure, neighbours query, unknown word, search, selection."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import numpy as np

from embedlab import Space, Workspace, config

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def explore(lee_space):
    ws = Workspace(config.home())
    model_id = ws.save_space(lee_space, "lee")
    ws.set_setting("active_model", model_id)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/explore.py").run()
    assert not at.exception, at.exception
    return at


def _figure(at, n=0):
    charts = at.get("plotly_chart")
    assert charts, "no plotly chart on the page"
    return json.loads(charts[n].proto.spec)


def _nn_table(at):
    tables = [d.value for d in at.dataframe if "cosine" in d.value.columns]
    assert tables, "no neighbours table"
    return tables[0]


def test_default_pca_scatter_of_most_frequent_words(explore, lee_space):
    at = explore
    spec = _figure(at)
    traces = spec["data"]
    assert traces[0]["type"] == "scattergl"
    # 2,000 most frequent (or the whole vocabulary when smaller): one point each, hover label = the word
    n = min(2000, len(lee_space))
    hover = [h for t in traces if t.get("mode") == "markers" for h in t["hovertext"]]
    assert len(hover) == n
    assert set(lee_space.top(20)) <= set(hover)
    assert "PC1" in spec["layout"]["xaxis"]["title"]["text"] and "% of variance" in spec["layout"]["xaxis"]["title"]["text"]
    assert any("Trustworthiness" in m.label for m in at.metric)


def test_choose_n_and_project_again(explore):
    at = explore
    at.number_input(key="explore-n").set_value(50)
    at.button[0].click().run()  # the form's "Project" button
    assert not at.exception, at.exception
    spec = _figure(at)
    hover = [h for t in spec["data"] if t.get("mode") == "markers" for h in t["hovertext"]]
    assert len(hover) == 50


def test_neighbours_query_and_unknown_word(explore, lee_space):
    at = explore
    at.text_input(key="explore-nn-word").set_value("government").run()
    assert not at.exception
    table = _nn_table(at)
    assert list(table.columns) == ["word", "cosine", "frequency rank"]
    assert len(table) == 10 and "government" not in set(table["word"])
    at.text_input(key="explore-nn-word").set_value("governmnet").run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors and "not in this model's vocabulary" in errors[0] and "government" in errors[0]


def test_search_highlights_and_invalid_regex(explore):
    at = explore
    at.text_input(key="explore-search").set_value("tion").run()
    spec = _figure(at)
    match = [t for t in spec["data"] if t.get("name") == "search matches"]
    assert match and all("tion" in w for w in match[0]["hovertext"])
    at.checkbox(key="explore-regex").check().run()
    at.text_input(key="explore-search").set_value("(unclosed").run()
    assert not at.exception
    assert any("regular expression" in e.value for e in at.error)


def test_pasted_words_report_oov(explore):
    at = explore
    at.radio(key="explore-source").set_value("pasted words")
    at.text_area(key="explore-pasted").set_value("government police australia xyzzyq, people said")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert any("xyzzyq" in w.value for w in at.warning)
    spec = _figure(at)
    hover = {h for t in spec["data"] if t.get("mode") == "markers" for h in t["hovertext"]}
    assert hover == {"government", "police", "australia", "people", "said"}


def _result_keys(at, name):
    return [k for k in at.session_state["_memory"].keys() if k[0] == "result" and k[2] == name]


def test_projection_survives_page_switch_without_recompute(explore):
    at = explore
    before = {k: at.session_state["_memory"].get(k) for k in _result_keys(at, "explore-projection")}
    assert len(before) == 1
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/explore.py").run()
    assert not at.exception
    after = {k: at.session_state["_memory"].get(k) for k in _result_keys(at, "explore-projection")}
    assert after.keys() == before.keys() and all(after[k] is before[k] for k in before)


def test_3d_pca_and_pick_table(explore):
    at = explore
    at.radio(key="explore-dims").set_value(3)
    at.number_input(key="explore-n").set_value(100)
    at.button[0].click().run()
    assert not at.exception, at.exception
    spec = _figure(at)
    assert spec["data"][0]["type"] == "scatter3d"
    assert "zaxis" in spec["layout"]["scene"]
    assert any("word" in d.value.columns and "knn overlap" in d.value.columns for d in at.dataframe)


@pytest.mark.slow
def test_umap_reuses_knn_graph_when_min_dist_changes(explore):
    at = explore
    at.selectbox(key="explore-method").set_value("umap")
    at.number_input(key="explore-n").set_value(300)
    at.checkbox(key="explore-seed").check()
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert "UMAP" in _figure(at)["layout"]["xaxis"]["title"]["text"]
    at.slider(key="explore-umap-md").set_value(0.5)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert len(_result_keys(at, "explore-projection")) == 3  # PCA default + two UMAPs
    assert len(_result_keys(at, "explore-knn")) == 2  # 2,000-word default set + the 300-word set, reused
    at.selectbox(key="explore-umap-epochs").set_value(50)
    at.button[0].click().run()
    assert not at.exception, at.exception
    projections = _result_keys(at, "explore-projection")
    assert len(projections) == 4 and any(k[3][-1] == 50 for k in projections)  # ("result", model, name, (..., epochs))
    assert len(_result_keys(at, "explore-knn")) == 2


def test_an_item_kind_adds_to_explore_through_its_own_module(monkeypatch, tmp_path):
    """A kind of item declares Explore extras in embedlab/ui/item_<kind>.py; the page calls each hook."""
    import sys
    import types

    from embedlab.ui import item_views

    calls = []
    module = types.ModuleType("embedlab.ui.item_node")
    module.EXTRAS = item_views.ItemExtras(
        controls=lambda space, box: calls.append("controls") or {"edges": True},
        decorate=lambda fig, frame, space, options: calls.append(("decorate", options["edges"], len(frame)))
        or ["edges drawn under the points"],
        after_chart=lambda key, frame, space, options: calls.append("after_chart"),
        neighbours=lambda space, table: calls.append(("neighbours", len(table))))
    monkeypatch.setitem(sys.modules, "embedlab.ui.item_node", module)
    space = Space.from_vectors([f"n{i}" for i in range(40)], np.random.default_rng(0).normal(size=(40, 8)),
                               info={"kind": "deepwalk", "item_kind": "node", "name": "toy graph"})
    assert item_views.extras(space) is module.EXTRAS
    ws = Workspace(config.home())
    session_model = ws.save_space(space, name="toy graph")
    ws.set_setting("active_model", session_model)
    at = AppTest.from_file(str(ROOT / "pages" / "explore.py"), default_timeout=120).run()
    assert not at.exception, at.exception
    assert "controls" in calls and ("decorate", True, 40) in calls and "after_chart" in calls
    assert any("edges drawn under the points" in c.value for c in at.caption)
    at.text_input(key="explore-nn-word").set_value("n3").run()
    assert ("neighbours", 10) in calls  # the hook sees the neighbour table that was shown
    words = Space.from_vectors(["a", "b"], np.eye(2))
    assert item_views.extras(words) is item_views.NONE  # words declare nothing
