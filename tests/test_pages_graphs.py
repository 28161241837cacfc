"""AppTests of the Graphs group: a graph in (shipped or uploaded, with its bad inputs), statistics, training as a
job, Explore with the graph's edges and neighbours, evaluation jobs and the p-and-q lesson."""

import networkx as nx
import pytest
from streamlit.testing.v1 import AppTest

from embedlab import config, jobs
from embedlab.sources.graphs import sample_graph, save_graph
from embedlab.store import Workspace
from embedlab.train.deepwalk import DeepWalkConfig, train_deepwalk

from conftest import ROOT

SMALL = dict(vector_size=16, walks_per_node=5, walk_length=20, window=5, epochs=2, workers=1, seed=0)


def _open(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def karate_files() -> tuple:
    """The karate club as people upload it: string ids, a header, a self-loop of a member with no ties, a
    duplicate tie; and an attribute file with names, the club, and two rows for members who are not in the graph."""
    G = nx.karate_club_graph()
    lines = ["source,target"] + [f"m{a + 1},m{b + 1}" for a, b in G.edges()] + ["m1,m2", "hermit,hermit"]
    rows = ["node,name,club"] + [f"m{v + 1},Member {v + 1},{G.nodes[v]['club']}" for v in G.nodes()]
    rows += ["m98,Nobody,Officer", "m99,Nobody else,Mr. Hi"]
    return ("\n".join(lines) + "\n").encode(), ("\n".join(rows) + "\n").encode()


def _wait(ws, job_id, timeout=300):
    status = jobs.SCHEDULER.wait(ws.root, job_id, timeout=timeout)
    assert status["state"] == "done", status.get("error")
    return status


def test_pick_karate_shows_statistics_picture_and_citation():
    at = _open("graphs")
    assert any("Zachary (1977)" in c.value for c in at.caption)  # the citation before the choice
    at.button(key="graph-use-sample").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    values = {m.label: m.value for m in at.metric}
    assert values == {"nodes": "34", "edges": "78", "density": "0.1390", "components": "1", "isolated nodes": "0"}
    charts = at.get("plotly_chart")
    assert len(charts) == 3  # degree distribution, components, the force-directed picture
    graph_id = Workspace(config.home()).get_setting("graph_current")
    assert at.selectbox(key=f"graph-picture-colour-{graph_id}").value == "club"  # the shipped label column
    # the three graph families are offered, each with its form
    assert at.radio(key="graph-family").options == ["DeepWalk", "node2vec", "Spectral embedding (Laplacian eigenmaps)"]
    assert at.number_input(key="graph-deepwalk-walk_length").value == 80
    at.radio(key="graph-family").set_value("node2vec").run()
    assert at.number_input(key="graph-node2vec-q").value == 0.5


@pytest.mark.slow
def test_upload_an_edge_list_with_attributes_train_and_explore():
    edges, attrs = karate_files()
    at = _open("graphs")
    at.radio(key="graph-source").set_value("Upload an edge list").run()
    at.file_uploader(key="graph-upload").set_value(("karate.csv", edges, "text/csv")).run()
    assert not at.exception, at.exception
    assert any("separated by comma, header line: yes" in c.value for c in at.caption)
    assert at.selectbox(key="graph-col-source").value == "source" and at.selectbox(key="graph-col-weight").value == \
        "— none —"
    at.file_uploader(key="graph-attr-upload").set_value(("members.csv", attrs, "text/csv")).run()
    assert at.selectbox(key="graph-attr-id").value == "node"
    at.button(key="graph-use-upload").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    values = {m.label: m.value for m in at.metric}
    assert values["nodes"] == "35" and values["edges"] == "78" and values["isolated nodes"] == "1"
    notes = " ".join(c.value for c in at.caption)
    for said in ("Dropped 1 self-loop", "Merged 1 duplicate edge", "1 node(s) have no edge",
                 "34 of 36 attribute rows match a node", "2 disconnected components"):
        assert said in notes, said
    # train DeepWalk with few walks and epochs, as a background job
    for name, value in (("walks_per_node", 5), ("walk_length", 20), ("epochs", 3), ("vector_size", 16)):
        at.number_input(key=f"graph-deepwalk-{name}").set_value(value).run()
    at.button(key="graph-start").click().run()
    assert not at.exception, at.exception
    ws = Workspace(config.home())
    (job_id,) = ws.get_setting("graph_train_jobs")
    status = _wait(ws, job_id)
    space = ws.load_space(status["result"]["model_id"])
    assert space.kind == "deepwalk" and len(space) == 34 and space.dim == 16
    assert space.label("m1") == "Member 1" and set(space.meta["club"]) == {"Mr. Hi", "Officer"}
    at.run()  # the finished job makes the model active
    assert ws.get_setting("active_model") == status["result"]["model_id"]
    # Explore: the edges under the projection, the graph neighbours under a neighbour table
    at.switch_page("pages/explore.py").run()
    assert not at.exception, at.exception
    assert any("Drawing all 78 edges between the 34 points shown" in c.value for c in at.caption)
    # colour by an attribute (offered first), the Louvain community or the degree (a continuous scale)
    at.selectbox(key="explore-colour").set_value("metadata").run()
    assert at.selectbox(key="explore-meta-col").options == ["club", "community", "degree"]
    assert at.selectbox(key="explore-meta-col").value == "club" and not at.error
    at.text_input(key="explore-nn-word").set_value("Member 34").run()
    assert not at.error, [e.value for e in at.error]
    assert any("is linked to 17 node(s)" in c.value for c in at.caption)
    # the member with no ties has no vector: asking for it says why
    at.text_input(key="explore-nn-word").set_value("hermit").run()
    assert any("The node 'hermit' has no vector in this model: it has no edges, so no walk passes through it"
               in e.value for e in at.error), [e.value for e in at.error]


BAD_EDGE_LISTS = [
    ("empty.csv", b"", "is empty"),
    ("comments.txt", b"# nothing but a comment\n", "has no edge list lines"),
    ("one.csv", b"a\nb\nc\n", "has only one column"),
    ("text-weights.csv", b"source,target,weight\na,b,1\nb,c,heavy\n", "Line 3 of 'text-weights.csv' has the weight "
                                                                     "'heavy', which is not a number"),
    ("negative.csv", b"source,target,weight\na,b,1\nb,c,-2\n", "Line 3 of 'negative.csv' has the negative weight -2"),
    ("binary.bin", bytes(range(256)) * 4, "binary"),
]


@pytest.mark.parametrize("name,data,message", BAD_EDGE_LISTS, ids=[b[0] for b in BAD_EDGE_LISTS])
def test_a_bad_edge_list_gets_a_clear_message_and_stores_nothing(name, data, message):
    at = _open("graphs")
    at.radio(key="graph-source").set_value("Upload an edge list").run()
    at.file_uploader(key="graph-upload").set_value((name, data, "text/csv")).run()
    if not at.error and at.button(key="graph-use-upload") is not None:
        at.button(key="graph-use-upload").click().run()
    assert not at.exception, at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    ws = Workspace(config.home())
    assert ws.datasets("graph").empty and not at.metric  # nothing stored, no statistics of a half graph


def test_too_many_nodes_and_unmatched_attributes_are_refused_with_the_numbers(monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_GRAPH_NODES", "30")
    edges, _ = karate_files()
    at = _open("graphs")
    at.radio(key="graph-source").set_value("Upload an edge list").run()
    at.file_uploader(key="graph-upload").set_value(("karate.csv", edges, "text/csv")).run()
    at.button(key="graph-use-upload").click().run()
    assert any("'karate.csv' has 35 nodes; the limit is 30" in e.value for e in at.error), [e.value for e in at.error]
    monkeypatch.setenv("EMBEDLAB_MAX_GRAPH_NODES", "1000")
    at.file_uploader(key="graph-attr-upload").set_value(("other.csv", b"id,kind\n1,a\n2,b\n3,c\n", "text/csv")).run()
    at.button(key="graph-use-upload").click().run()
    assert any("(0 of 3 matched)" in e.value and "'m1'" in e.value for e in at.error), [e.value for e in at.error]
    assert Workspace(config.home()).datasets("graph").empty


def test_a_stored_graph_is_deleted_after_a_named_confirmation():
    at = _open("graphs")
    at.button(key="graph-use-sample").click().run()
    at.button(key="graph-use-sample").click().run()  # the same graph twice: stored once
    ws = Workspace(config.home())
    (graph_id,) = ws.datasets("graph")["id"]
    at.button(key="graph-delete-ask").click().run()
    yes = at.button(key="graph-delete-yes")
    assert "Zachary's karate club" in yes.label  # the question names the graph
    yes.click().run()
    assert not at.exception, at.exception
    assert ws.datasets("graph").empty and ws.get_setting("graph_current") is None
    assert any("Deleted the graph 'Zachary's karate club'" in s.value for s in at.success)
    assert any("Choose a graph above" in i.value for i in at.info)


def _trained_karate(ws):
    graph = sample_graph("karate")
    graph_id = save_graph(ws, graph)
    space = train_deepwalk(graph, DeepWalkConfig(**SMALL), graph_id=graph_id, name="karate deepwalk")
    model_id = ws.save_space(space)
    ws.set_setting("active_model", model_id)
    return graph_id, model_id


@pytest.mark.slow
def test_evaluation_page_runs_classification_and_link_prediction_as_jobs():
    ws = Workspace(config.home())
    graph_id, model_id = _trained_karate(ws)
    at = _open("graph_eval")
    assert at.selectbox(key="graph-eval-model").value == model_id
    assert at.selectbox(key=f"graph-eval-label-{graph_id}").value == "club"
    at.slider(key="graph-eval-share").set_value(0.5).run()
    at.button(key="graph-eval-classify").click().run()
    at.slider(key="graph-eval-held").set_value(0.3).run()
    at.button(key="graph-eval-link").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    jobs_of = ws.get_setting("graph_eval_jobs")[model_id]
    _wait(ws, jobs_of["classification"])
    _wait(ws, jobs_of["link"])
    at.run()
    assert not at.exception, at.exception
    classes, links = at.dataframe[0].value, at.dataframe[1].value
    assert list(classes["model"]) == ["karate deepwalk", "spectral embedding, 3 dimensions (baseline)",
                                      "most frequent label (baseline)"]
    assert classes.loc[0, "micro-F1"] >= 0.8 > classes.loc[2, "micro-F1"]
    assert list(links["method"]) == ["DeepWalk (this model's settings)", "spectral embedding, 3 dimensions (baseline)",
                                     "common neighbours (baseline)", "Adamic–Adar (baseline)"]
    assert ((links["ROC AUC"] >= 0) & (links["ROC AUC"] <= 1)).all()
    # the results survive a fresh session (a reload)
    again = _open("graph_eval")
    assert again.dataframe[0].value.equals(classes)


def test_evaluation_says_when_the_graph_is_gone_and_explore_still_draws_the_edges():
    ws = Workspace(config.home())
    graph_id, model_id = _trained_karate(ws)
    ws.delete_dataset("graph", graph_id)
    at = _open("graph_eval")
    assert any("is not stored in this workspace any more" in e.value for e in at.error)
    at.switch_page("pages/explore.py").run()
    assert any("Drawing all 78 edges" in c.value for c in at.caption)  # the edges were saved with the model


def test_the_p_and_q_lesson_draws_both_models_on_one_layout():
    at = _open("graph_lesson")
    assert any("Figure 3" in m.value for m in at.markdown)
    at.button(key="graph-pq-run").click().run()
    ws = Workspace(config.home())
    _wait(ws, ws.get_setting("graph_pq_job"))
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    figures = at.get("plotly_chart")
    assert len(figures) == 2
    summary = at.dataframe[0].value
    assert list(summary["q"]) == [0.5, 2.0]
    assert any("Both values of q give community-like clusters" in m.value or "moves the clusters away" in m.value
               for m in at.markdown)
    names = set(ws.models()["name"])
    assert {"node2vec q = 0.5 on Les Misérables co-appearances", "node2vec q = 2 on Les Misérables co-appearances"} \
        <= names


@pytest.mark.slow
def test_deepwalk_and_node2vec_compare_unchanged_and_models_name_their_family():
    from embedlab.train.node2vec import Node2VecConfig, train_node2vec

    ws = Workspace(config.home())
    graph = sample_graph("karate")
    graph_id = save_graph(ws, graph)
    dw = ws.save_space(train_deepwalk(graph, DeepWalkConfig(**SMALL), graph_id=graph_id, name="karate deepwalk"))
    n2v = ws.save_space(train_node2vec(graph, Node2VecConfig(**SMALL, q=2.0), graph_id=graph_id, name="karate q2"))
    ws.set_setting("active_model", n2v)
    at = _open("compare")
    assert {at.selectbox(key="compare-a").value, at.selectbox(key="compare-b").value} == {dw, n2v}
    metrics = {m.label: m.value for m in at.metric}
    # the page's own wording ("words") for any kind of item
    assert metrics["Shared words compared"] == "34" and 0 < float(metrics["Mean Jaccard@10"]) <= 1, metrics
    assert not at.error, [e.value for e in at.error]
    at.switch_page("pages/models.py").run()
    assert not at.exception, at.exception
    shown = " ".join(str(m.value) for m in at.markdown) + " ".join(str(c.value) for c in at.caption)
    assert "node2vec" in shown and "Grover" in shown, shown[:500]
    # Explore in 3-D: no edges (plotly draws them in 2-D only), and it says so
    at.switch_page("pages/explore.py").run()
    at.radio(key="explore-dims").set_value(3)
    at.button[0].click().run()  # the form's Project button
    assert not at.exception, at.exception
    assert any("edges are drawn on 2-D projections only" in c.value for c in at.caption)
