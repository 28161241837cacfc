"""AppTest: the Analogies page and the Benchmarks page."""

from streamlit.testing.v1 import AppTest

from embedlab import Workspace, config

from conftest import ROOT, ROYAL


def _page(name, space=None):
    if space is not None:
        ws = Workspace(config.home())
        model_id = ws.save_space(space, "test model")
        ws.set_setting("active_model", model_id)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(f"pages/{name}.py").run()
    assert not at.exception, at.exception
    return at


def test_analogy_page_needs_a_model():
    at = _page("analogies")
    assert any("no active model" in i.value for i in at.info)


def test_analogy_page_solves_and_toggles(hand_space):
    at = _page("analogies", hand_space(ROYAL))
    frames = at.dataframe
    add, mul = frames[0].value, frames[1].value
    assert add["word"].iloc[0] == "queen" and mul["word"].iloc[0] == "queen"
    # the other tabs' default words are not in this tiny space: each says so, nothing crashes
    assert all("is not in this model's vocabulary" in e.value for e in at.error)
    assert not any("'king'" in e.value or "'queen'" in e.value for e in at.error)
    assert any("'woman' would have been the first answer" in w.value for w in at.info)
    expected = frames[2].value
    assert expected["rank"].tolist() == [1, 1]
    assert len(at.get("plotly_chart")) == 1
    at.toggle(key="an-include").set_value(True).run()
    assert not at.exception, at.exception
    assert at.dataframe[0].value["word"].iloc[0] == "woman"
    # an unknown word is a clear message, not a crash
    at.text_input(key="an-b").set_value("kinq").run()
    assert not at.exception, at.exception
    assert any("'kinq' is not in this model's vocabulary" in e.value and "king" in e.value for e in at.error)


def test_analogy_page_other_tabs(hand_space):
    at = _page("analogies", hand_space(ROYAL))
    at.text_input(key="ar-expr").set_value("king - man + woman").run()
    at.text_input(key="odd-words").set_value("apple pear plum king").run()
    at.text_input(key="sim-w1").set_value("apple").run()
    at.text_input(key="sim-w2").set_value("pear").run()
    at.text_input(key="sim-set1").set_value("apple pear").run()
    at.text_input(key="sim-set2").set_value("king, queen").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("Odd one out: **king**" in s.value for s in at.success)
    neighbours = [d.value for d in at.dataframe if "cosine" in d.value.columns and "input word" in d.value.columns]
    assert neighbours and neighbours[0]["word"].iloc[0] == "queen"
    labels = [m.label for m in at.metric]
    assert {"Cosine similarity", "Cosine of the mean unit vectors", "Mean pairwise cosine"} <= set(labels)
    at.text_input(key="ar-expr").set_value("king + * man").run()
    assert not at.exception, at.exception
    assert any("at character" in e.value for e in at.error)


def test_benchmarks_page_evaluates(lee_space):
    at = _page("benchmarks", lee_space)
    # the quick word-pair scores show at once; the analogy set waits for the button
    assert [c.key for c in at.get("plotly_chart")] == ["bm-scatter"]
    at.button(key="bm-run").click().run()
    assert not at.exception, at.exception
    labels = {m.label: m.value for m in at.metric}
    assert "All accuracy" in labels and "Skipped (OOV)" in labels
    assert int(labels["Skipped (OOV)"].replace(",", "")) > 15_000
    assert {c.key for c in at.get("plotly_chart")} == {"bm-sections", "bm-scatter"}
    assert any("Spearman" in label for label in labels)
    at.text_input(key="bm-search").set_value("gram2").run()
    assert not at.exception, at.exception
    tables = [d.value for d in at.dataframe if "expected rank" in d.value.columns]
    assert tables and set(tables[0]["section"]) == {"gram2-opposite"}


def test_benchmarks_page_sweep_job():
    import embedlab
    from embedlab import jobs

    ws = Workspace(config.home())
    corpus = embedlab.prepare_sample(ws, "lee_background")
    space = embedlab.train_word2vec(corpus, embedlab.Word2VecConfig(epochs=1, min_count=3))
    at = _page("benchmarks", space)
    at.selectbox(key="sw-param").set_value("window").run()
    at.text_input(key="sw-values-window").set_value("2, 4").run()
    at.number_input(key="sw-epochs").set_value(1).run()
    at.button(key="sw-start").click().run()
    assert not at.exception, at.exception
    job_id = at.session_state["sw-job"]
    status = jobs.SCHEDULER.wait(ws.root, job_id, timeout=300)
    assert status["state"] == "done", status
    at.run()
    assert not at.exception, at.exception
    assert "sw-figure" in {c.key for c in at.get("plotly_chart")}
    assert len(ws.models()) == 3
