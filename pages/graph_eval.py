"""Evaluate nodes: the node2vec paper's node classification and link prediction, each against baselines, as jobs."""

import pandas as pd
import streamlit as st

from embedlab import jobs
from embedlab.errors import InputError
from embedlab.probes.graph_eval import class_columns, graph_of_model
from embedlab.train import registry
from embedlab.ui import session, widgets
from embedlab.ui.entry import through_app
from embedlab.views import graph as views

through_app()
st.title("Evaluate node vectors")
st.caption("The two protocols of the node2vec paper (Grover & Leskovec 2016, §4.3-4.4), each next to baselines "
           "measured in the same run on the same nodes or edges.")

ws = session.workspace()
SETTING = "graph_eval_jobs"  # {model id: {"classification": job id, "link": job id}}: survives a reload
models = ws.models()
graph_kinds = [f.name for f in registry.families("graph")]
models = models[(models["status"] == "ready") & models["kind"].isin(graph_kinds)]
if models.empty:
    st.info("Train a DeepWalk, node2vec or spectral model on the Graphs page first.")
    st.page_link("pages/graphs.py", label="Graphs page", icon="🕸️")
    st.stop()
ids = models["id"].tolist()
active = session.active_model_id()
labels = widgets.model_labels(models)
kinds = dict(zip(models["id"], models["kind"]))
pick = st.selectbox("Model", ids, index=ids.index(active) if active in ids else 0, key="graph-eval-model",
                    format_func=lambda i: f"{labels[i]} · {registry.family(kinds[i]).title}")
space = session.load_space(pick)
try:
    graph_id, graph = session.cached(pick, "model-graph", (), lambda: graph_of_model(ws, space))
except InputError as exc:
    st.error(str(exc))
    st.page_link("pages/graphs.py", label="Graphs page", icon="🕸️")
    st.stop()
st.caption(f"{space.name}: {space.count_text(len(space))} × {space.dim} dimensions, trained on **{graph.name}** "
           f"({graph.n_nodes:,} nodes, {graph.n_edges:,} edges).")


def remember(what: str, job_id: str) -> None:
    ws.update_setting(SETTING, lambda current: {**(current or {}), pick: {**(current or {}).get(pick, {}),
                                                                           what: job_id}}, default={})


def result_of(what: str):
    """The finished result of this model's last ``what`` job, showing its progress (and Cancel) meanwhile."""
    job_id = (ws.get_setting(SETTING, {}) or {}).get(pick, {}).get(what)
    if not job_id:
        return None
    widgets.job_panel(job_id, f"graph-eval-{what}-{job_id}", on_done=lambda s: None)
    try:
        status = jobs.job_status(ws, job_id)
    except InputError:
        return None
    return status["result"] if status["state"] == "done" else None


# -- node classification ------------------------------------------------------------------------------
st.header("Node classification")
st.caption("A share of the labelled nodes trains a one-vs-rest logistic regression on the node vectors; the rest "
           "are predicted. Micro- and macro-F1 over repeated stratified splits (multi-label columns such as "
           "'Drama|Comedy': the k best labels, k = the node's number of labels). Baselines: a spectral embedding "
           "of the same graph, and the most frequent label.")
columns = class_columns(graph)
if not columns:
    st.info("This graph has no node attribute to predict (a column with a few classes, or multi-label values such "
            "as 'Drama|Comedy'). Upload the graph again with an attribute file on the Graphs page.")
else:
    c1, c2, c3 = st.columns(3)
    column = c1.selectbox("Label column", columns, key=f"graph-eval-label-{graph_id}",
                          help="Node attributes with a few classes, or multi-label values ('Drama|Comedy').")
    share = c2.slider("Share of labelled nodes", 0.1, 0.9, 0.5, 0.05, key="graph-eval-share",
                      help="The share of labelled nodes the classifier learns from (the node2vec paper varies it "
                           "from 10 % to 90 %).")
    repeats = c3.number_input("Random splits", 1, 20, 5, key="graph-eval-repeats")
    if st.button("Run node classification", key="graph-eval-classify", type="primary"):
        with widgets.user_errors():
            remember("classification", jobs.submit(
                ws, "graph_classification", {"model_id": pick, "graph_id": graph_id, "label_column": column,
                                             "labelled_share": float(share), "repeats": int(repeats), "seed": 0},
                f"Node classification of {space.name} on '{column}'"))
    result = result_of("classification")
    if result:
        table = pd.DataFrame(result["rows"])
        table.attrs["labelled_share"] = result["labelled_share"]
        st.markdown(f"**'{result['label_column']}'**, {result['labelled_share']:.0%} of the nodes labelled, "
                    f"{len(result['classes'])} classes" + (" (multi-label)" if result["multilabel"] else ""))
        st.dataframe(table.round(4), hide_index=True, key="graph-eval-class-table")
        st.download_button("Download the scores (CSV)", table.to_csv(index=False), "node_classification.csv",
                           key="graph-eval-class-dl")
        st.plotly_chart(views.classification_figure(table), key="graph-eval-class-fig")
        for note in result["notes"]:
            st.caption(f"ℹ️ {note}")

# -- link prediction --------------------------------------------------------------------------------------
st.header("Link prediction")
st.caption(f"A share of the edges is held out (never one that would disconnect the graph) with as many unlinked "
           f"pairs; the model's family ({registry.family(space.kind).title}) is trained again with this model's "
           "settings on the rest. An edge is scored by a logistic regression on the Hadamard product of its two "
           "node vectors; ROC AUC on the held-out pairs. Baselines: a spectral embedding, common neighbours and "
           "Adamic–Adar (networkx) on the same residual graph.")
l1, _ = st.columns(2)
held = l1.slider("Share of edges held out", 0.1, 0.9, 0.5, 0.05, key="graph-eval-held",
                 help="The node2vec paper holds out half of the edges.")
if st.button("Run link prediction", key="graph-eval-link", type="primary"):
    with widgets.user_errors():
        remember("link", jobs.submit(ws, "graph_link_prediction",
                                     {"model_id": pick, "graph_id": graph_id, "share": float(held), "seed": 0},
                                     f"Link prediction with {space.name}'s settings ({held:.0%} held out)"))
result = result_of("link")
if result:
    table = pd.DataFrame(result["rows"])
    table.attrs["held_out"] = result["held_out"]
    st.dataframe(table.round(4), hide_index=True, key="graph-eval-link-table")
    st.download_button("Download the scores (CSV)", table.to_csv(index=False), "link_prediction.csv",
                       key="graph-eval-link-dl")
    st.plotly_chart(views.link_prediction_figure(table), key="graph-eval-link-fig")
    for note in result["notes"]:
        st.caption(f"ℹ️ {note}")
