"""Home: what embedlab is, and a one-click demo model."""

import streamlit as st

from embedlab import jobs
from embedlab.probes.neighbours import nearest_neighbours
from embedlab.sources.samples import SAMPLES
from embedlab.train.word2vec import Word2VecConfig
from embedlab.ui import session
from embedlab.ui.entry import through_app
from embedlab.ui.training import remember_job, remembered_jobs, training_job_view
from embedlab.ui.widgets import user_errors

through_app()
DEMO = "movie_reviews"

st.title("embedlab")
st.markdown(
    "Train word embeddings on real text, then look inside the space they learn: "
    "**projections**, **nearest neighbours**, **analogies**, **bias probes** and **benchmark scores**, "
    "all in one place. Start with the demo below, or bring your own corpus on the **Data** page."
)

st.subheader("Train a demo model")
sample = SAMPLES[DEMO]
st.markdown(f"Word2Vec (skip-gram, 100 dimensions, 5 epochs) on **{sample.title}**: {sample.description} "
            "It takes about half a minute.")
st.caption(f"Data: {sample.citation} Licence: {sample.licence}.")

if st.button("🚀 Train a demo model", type="primary"):
    with user_errors():
        job_id = jobs.submit(session.workspace(), "word2vec",
                             {"sample": DEMO, "config": Word2VecConfig().to_dict(), "name": "demo: movie reviews"},
                             title="Demo model on movie reviews")
        remember_job("demo_jobs", job_id)

demo_jobs = remembered_jobs("demo_jobs")
if demo_jobs:
    training_job_view(demo_jobs[0], key="home-demo")

space = session.active_space()
if space is not None:
    st.subheader(f"Active model: {space.name}")
    st.write(f"{len(space):,} words × {space.dim} dimensions. Nearest neighbours of a few words:")
    probe = [w for w in ("movie", "good", "funny", "actor") if w in space] or space.words[:4]
    cols = st.columns(len(probe))
    for col, word in zip(cols, probe):
        with col:
            st.markdown(f"**{word}**")
            st.dataframe(nearest_neighbours(space, word, k=5)[["word", "cosine"]], hide_index=True)
    st.page_link("pages/explore.py", label="Open the Explore page", icon="🔭")
