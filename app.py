"""embedlab: the Streamlit entry point (navigation and sidebar).

The navigation is grouped by what the user brings (a text corpus, a rating
table, a graph, labelled documents, images), then the tools that work on any
model.
"""

import streamlit as st

from embedlab.probes.projection.umap.warmup import warm_up_umap
from embedlab.ui import sidebar

st.set_page_config(page_title="embedlab", page_icon="🧭", layout="wide")
warm_up_umap()  # once per server process: UMAP's numba code, compiled in a child process

PAGES = {
    "Start": [
        st.Page("pages/home.py", title="Home", icon="🏠", default=True),
        st.Page("pages/models.py", title="Models", icon="🗂️"),
    ],
    "Text": [
        st.Page("pages/data.py", title="Data", icon="📄"),
        st.Page("pages/train.py", title="Train", icon="🏋️"),
        st.Page("pages/subwords.py", title="Subwords", icon="🧩"),
        st.Page("pages/methods.py", title="Methods", icon="⚗️"),
    ],
    "Documents": [
        st.Page("pages/documents.py", title="Documents", icon="📰"),
    ],
    "Ratings": [
        st.Page("pages/ratings.py", title="Ratings", icon="⭐"),
    ],
    "Graphs": [
        st.Page("pages/graphs.py", title="Graphs", icon="🕸️"),
        st.Page("pages/graph_eval.py", title="Evaluate nodes", icon="🎯"),
        st.Page("pages/graph_lesson.py", title="p and q", icon="🧭"),
    ],
    "Images": [
        st.Page("pages/images.py", title="Images", icon="🖼️"),
        st.Page("pages/image_models.py", title="Image models", icon="🧠"),
        st.Page("pages/anomalies.py", title="Anomalies", icon="🚨"),
    ],
    "Any model": [
        st.Page("pages/explore.py", title="Explore", icon="🔭"),
        st.Page("pages/compare.py", title="Compare", icon="⚖️"),
        st.Page("pages/playback.py", title="Playback", icon="🎞️"),
        st.Page("pages/analogies.py", title="Analogies", icon="🧮"),
        st.Page("pages/benchmarks.py", title="Benchmarks", icon="📏"),
        st.Page("pages/bias.py", title="Bias", icon="🎚️"),
        st.Page("pages/vectors.py", title="Import / export", icon="📦"),
    ],
    "Learn": [
        st.Page("pages/toy_word2vec.py", title="Toy word2vec", icon="🧸"),
    ],
}

# .streamlit/config.toml hides the sidebar navigation that Streamlit builds from the pages/ folder's file
# names on a fresh server's first script run (it showed for seconds, until this script reached
# st.navigation); this navigation is the one to show.
st.set_option("client.showSidebarNavigation", True)
# expanded: past ten links Streamlit folds the rest under "View N more" (whole groups would hide)
page = st.navigation(PAGES, expanded=True)
sidebar.render()
page.run()
