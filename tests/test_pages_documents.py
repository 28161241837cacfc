"""AppTests of the Documents page and of Explore on a document space (issue 19, phase 2).

Real data: the shipped presidential speeches (124 documents labelled with
``year``, ``president`` and ``kind``; prepared in about a second). Bad labels
come from a small hand-made table: a label with one class, a class smaller
than the folds, labels missing for some documents and a document left empty
by preprocessing.
"""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import embedlab
from embedlab import Workspace, config, jobs
from embedlab.sources.documents import read_documents
from embedlab.train.lsa import LSAConfig, train_lsa

from conftest import ROOT, make_space

SIDEBAR = "sidebar-active-model"


def _app(page: str = "documents") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def _speeches(ws, model: bool = True):
    corpus = embedlab.prepare_sample(ws, "us_presidential_speeches")
    model_id = None
    if model:
        model_id = ws.save_space(train_lsa(corpus, LSAConfig(dims=20), name="speeches lsa"))
        ws.set_setting("active_model", model_id)
    return corpus, model_id


def _table(at, *columns):
    found = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert found, f"no table with {columns}: {[list(d.value.columns) for d in at.dataframe]}"
    return found[0]


class InlineScheduler(jobs.Scheduler):
    """Runs each submitted job at once, in this process, through the worker's own code (``worker._run``).

    The page tests are about what the pages show; starting a worker process
    (seconds of imports on a busy machine) is what the browser journey and
    ``tests/test_faults.py`` test.
    """

    def submit(self, root, job_id):
        from embedlab import worker

        folder = Path(root) / "jobs" / job_id
        worker._run(Workspace(root), folder, json.loads((folder / "job.json").read_text()))


@pytest.fixture(autouse=True)
def inline_jobs(monkeypatch):
    monkeypatch.setattr(jobs, "SCHEDULER", InlineScheduler())


def _done(ws, job_id):
    status = jobs.job_status(ws, job_id)
    assert status["state"] == "done", status.get("error")
    return status


def test_the_labels_a_corpus_carries_and_lsa_trained_as_a_job_then_year_as_a_number():
    ws = Workspace(config.home())
    _speeches(ws, model=False)
    at = _app()
    assert any("No document model on this corpus yet" in i.value for i in at.info)
    labels = _table(at, "label", "predicted as").set_index("label")
    assert labels.loc["year", "predicted as"] == "numbers (ridge regression)"
    assert labels.loc["year", "values"] == "1789 to 2021"
    assert labels.loc["kind", "values"] == "state_of_the_union 65 · inaugural 59"
    # the documents' families, not the word families of the Train page
    assert at.radio(key="docs-family").options == ["LSA (TF-IDF + truncated SVD)", "Doc2Vec", "Mean of word vectors"]
    at.number_input(key="docs-lsa-dims").set_value(20).run()
    at.button(key="docs-start").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    (job_id,) = ws.get_setting("docs_train_jobs")
    model_id = _done(ws, job_id)["result"]["model_id"]
    at.run()
    assert not at.exception, at.exception
    # the finished job made its model active: a page opened now (AppTest draws the sidebar in a first run) shows it
    sidebar = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run().sidebar
    assert sidebar.selectbox(key=SIDEBAR).value == model_id
    assert at.selectbox(key="docs-model").value == model_id
    assert any("lsa on us_presidential_speeches: 124 documents × 20 dimensions" in c.value for c in at.caption)

    at.selectbox(key="docs-eval-col").set_value("year").run()
    at.button(key="docs-eval-go").click().run()
    assert not at.error, [e.value for e in at.error]
    _done(ws, ws.get_setting("docs_eval_jobs")[model_id])
    at.run()
    summary = _table(at, "method", "R²")
    assert summary["method"].tolist() == ["lsa on us_presidential_speeches", "TF-IDF + ridge regression"]
    assert any("Predicting 'year' (regression, 124 documents, 10 folds)" in s.value for s in at.subheader)
    scatter = json.loads(at.get("plotly_chart")[-1].proto.spec)
    assert "predicted vs true 'year'" in scatter["layout"]["title"]["text"]


def test_mean_vectors_offers_the_stored_word_models_only():
    ws = Workspace(config.home())
    corpus, doc_model = _speeches(ws)
    at = _app()
    at.radio(key="docs-family").set_value("mean_vectors").run()
    assert any("there is no word model in this workspace yet" in w.value for w in at.warning)
    words = ws.save_space(make_space({"union": [1.0, 0.0], "war": [0.0, 1.0]}), "two words")
    at.run()
    picker = at.selectbox(key="docs-mean_vectors-word_model")
    assert picker.options == ["two words"] and picker.value == words  # not the LSA model: its items are documents
    assert at.radio(key="docs-mean_vectors-weighting").options == ["plain mean", "TF-IDF weighted", "SIF"]


def test_find_similar_lists_documents_with_snippets_and_the_unknown_words():
    ws = Workspace(config.home())
    _speeches(ws)
    at = _app()
    at.text_area(key="docs-query").set_value("Our union, our constitution and the zzqx of the people").run()
    at.button(key="docs-similar-go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    table = _table(at, "doc_id", "cosine", "snippet")
    assert len(table) == 10 and table["cosine"].is_monotonic_decreasing
    assert {"year", "president", "kind"} <= set(table.columns) and table["snippet"].str.len().gt(20).all()
    assert any("ignored: zzqx" in w.value for w in at.warning)
    assert any("The 10 nearest documents by cosine similarity" in c.value for c in at.caption)
    at.text_area(key="docs-query").set_value("Zzqx qqwv!").run()
    at.button(key="docs-similar-go").click().run()
    assert any("None of the words of this text is known to the model (zzqx, qqwv)" in e.value for e in at.error)
    at.text_area(key="docs-query").set_value("   ").run()
    at.button(key="docs-similar-go").click().run()
    assert any("Type or paste a text" in e.value for e in at.error)


BAD_LABELS = "\n".join(
    ["id,topic,same,rare,text"]
    + [f"s{i},{'sport' if i % 2 else 'money'},one,{'x' if i < 2 else 'y'},"
       + ("ball goal team match striker keeper" if i % 2 else "stock market bank profit share bond")
       + " the news today" for i in range(30)]
    + ["n1,,one,y,ball goal team news", "n2,,one,y,bank market stock news", "e1,sport,one,y,123 456 !!!"]).encode()


def test_bad_labels_are_answered_at_once_and_results_survive_a_page_switch():
    ws = Workspace(config.home())
    raw = read_documents(BAD_LABELS, "labels.csv")
    corpus = ws.add_corpus(raw.documents, "labels.csv")
    ws.set_setting("active_model", ws.save_space(train_lsa(corpus, LSAConfig(dims=4, min_df=1))))
    at = _app()
    assert any("1 document(s) had no token left after preprocessing" in w.value for w in at.warning)
    assert {m.label: m.value for m in at.metric}["with a vector"] == "32"
    at.selectbox(key="docs-eval-col").set_value("same").run()
    at.button(key="docs-eval-go").click().run()
    assert any("Every labelled document has the same 'same' ('one')" in e.value for e in at.error)
    at.selectbox(key="docs-eval-col").set_value("rare").run()
    at.button(key="docs-eval-go").click().run()
    assert any("'x' (2)" in e.value and "Choose at most 2 folds" in e.value for e in at.error)
    assert ws.get_setting("docs_eval_jobs") is None  # nothing was queued
    at.selectbox(key="docs-eval-col").set_value("topic").run()
    at.number_input(key="docs-eval-folds").set_value(5).run()
    at.button(key="docs-eval-go").click().run()
    assert not at.error, [e.value for e in at.error]
    (job_id,) = ws.get_setting("docs_eval_jobs").values()
    _done(ws, job_id)
    at.run()
    assert any("2 of 32 documents have no 'topic' label and were left out" in i.value for i in at.info)
    summary = _table(at, "method", "accuracy")
    assert summary["method"].tolist()[-1] == "TF-IDF + logistic regression"
    assert summary["accuracy"].str.match(r"^\d+\.\d % ± \d+\.\d").all()
    confusion = json.loads(at.get("plotly_chart")[-1].proto.spec)
    assert confusion["data"][0]["type"] == "heatmap" and confusion["data"][0]["x"] == ["money", "sport"]
    at.switch_page("pages/explore.py").run()
    at.switch_page("pages/documents.py").run()
    assert not at.exception, at.exception
    assert _table(at, "method", "accuracy").equals(summary)


def test_explore_a_document_space_hover_colour_and_neighbours():
    ws = Workspace(config.home())
    corpus, model_id = _speeches(ws)
    at = _app()
    at.selectbox(key="docs-explore-col").set_value("kind").run()
    at.button(key="docs-explore").click().run()  # opens Explore coloured by the label
    assert not at.exception, at.exception
    assert any("124 documents × 20 dimensions" in c.value for c in at.caption)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    traces = {t["name"]: t for t in spec["data"] if t.get("mode") == "markers"}
    assert set(traces) == {"state_of_the_union", "inaugural"}
    assert sum(len(t["hovertext"]) for t in traces.values()) == 124  # every document
    hover = traces["inaugural"]["hovertext"][0]
    assert "kind: inaugural" in hover and "year: " in hover and "president: " in hover and hover.count("<br>") >= 2
    assert any(c.value.startswith("all 124 documents · PCA") for c in at.caption)
    assert at.radio(key="explore-source").options[0] == "random sample"

    at.switch_page("pages/explore.py").run()  # AppTest's next runs follow its own page, not st.switch_page's
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert {t["name"] for t in spec["data"]} == {"state_of_the_union", "inaugural", "labels"}  # still by kind
    written = [t for t in spec["data"] if t["name"] == "labels"][0]["text"]  # 124 points: labels are on
    assert len(written) >= 5 and all(len(t) <= 28 for t in written)  # the start of the snippet, not 160 characters
    at.text_input(key="explore-nn-word").set_value("1").run()
    assert not at.exception, at.exception
    table = _table(at, "snippet", "cosine")
    assert len(table) == 10 and table["snippet"].str.len().gt(20).all()
    assert any("of 10 neighbours have the query's kind 'inaugural'" in c.value for c in at.caption)
