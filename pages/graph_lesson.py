"""The "p and q" lesson: node2vec on Les Misérables with q = 0.5 and q = 2, side by side (node2vec's Figure 3)."""

import pandas as pd
import streamlit as st

from embedlab import jobs
from embedlab.probes.graph_eval import PQ_PRESETS
from embedlab.sources.graphs import SAMPLE_GRAPHS
from embedlab.store import shared_cache
from embedlab.ui import session, widgets
from embedlab.ui.entry import through_app
from embedlab.views import graph as views

through_app()
st.title("p and q: communities or roles?")
st.markdown(views.PQ_LESSON)
spec = SAMPLE_GRAPHS["les-miserables"]
st.caption(f"The graph: {spec.description} Source: {spec.citation} Licence: {spec.licence}.")

ws = session.workspace()
SETTING = "graph_pq_job"
PRESET_NAMES = {"paper": "the paper's settings (walks of 80, window 10, 16 dimensions)",
                "local": "local context (walks of 10, window 1, 16 dimensions, 5 epochs)"}
c1, c2, c3 = st.columns([2, 1, 1])
preset = c1.radio("Settings", list(PQ_PRESETS), format_func=PRESET_NAMES.get, key="graph-pq-preset")
k = c2.slider("k-means clusters", 2, 10, 6, key="graph-pq-k", help="The paper's figure colours 6 clusters.")
save = c3.checkbox("Keep both models", True, key="graph-pq-save",
                   help="Store the q = 0.5 and q = 2 models, to compare their neighbourhoods on the Compare page.")
if st.button("Train node2vec with q = 0.5 and q = 2", key="graph-pq-run", type="primary"):
    with widgets.user_errors():
        job_id = jobs.submit(ws, "graph_pq", {"sample": "les-miserables", "preset": preset, "k_clusters": int(k),
                                              "q_values": [0.5, 2.0], "seed": 0, "save": bool(save)},
                             f"p and q lesson ({preset} settings, k = {k})")
        ws.set_setting(SETTING, job_id)

job_id = ws.get_setting(SETTING)
if not job_id:
    st.info("Press the button: two node2vec models are trained in the background (a few seconds), then drawn "
            "side by side on one layout of the graph, coloured by their k-means clusters.")
    st.stop()
status = widgets.finished_job(job_id, "graph-pq-panel")
if status is None:
    st.stop()
result = status["result"]
graph = shared_cache.sample_graph("les-miserables")
left, right = st.columns(2)
for column, fig, q in zip((left, right), views.pq_pictures(graph, result), result["clusters"]):
    column.plotly_chart(fig, key=f"graph-pq-fig-{q}")
st.markdown(views.pq_explanation(result))
st.dataframe(pd.DataFrame(result["summary"]).round(3), hide_index=True, key="graph-pq-summary")
st.caption("One layout for both pictures (Kamada-Kawai, from the graph alone); only the colours, the k-means "
           "clusters of each model's vectors, differ. The q = 2 clusters are numbered after the q = 0.5 cluster they "
           "overlap most, so a node that changes colour changed company. Hover a node for its name.")
if result.get("model_ids"):
    st.markdown("Both models are stored: on **Compare**, pick them to see which characters' neighbourhoods change "
                "with q; on **Explore**, colour either by `community` or `degree`.")
    st.page_link("pages/compare.py", label="Compare the two models", icon="⚖️")
