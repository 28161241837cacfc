"""Train: any model family of the registry that learns from a text corpus, as a background job."""

import streamlit as st

from embedlab.ui import session
from embedlab.ui.entry import through_app
from embedlab.ui.training import remembered_jobs, training_runs, training_section
from embedlab.ui.widgets import jobs_list, user_errors

through_app()
st.title("Train")
ws = session.workspace()
corpora = ws.corpora()
if corpora.empty:
    st.info("Prepare a corpus on the Data page first (or train the demo model on the Home page).")
    st.page_link("pages/data.py", label="Data page", icon="📄")
    jobs_list("train-other-jobs")
    st.stop()

ids = corpora["id"].tolist()
active = ws.get_setting("active_corpus")
labels = dict(zip(corpora["id"], corpora["name"] + " · " + corpora["tokens"].map("{:,} tokens".format)))
corpus_id = st.selectbox("Corpus", ids, index=ids.index(active) if active in ids else 0, format_func=labels.get)
corpus_name = corpora.set_index("id").loc[corpus_id, "name"]

with user_errors():
    training_section("corpus", corpus_id, corpus_name, key="train", jobs_key="train_jobs")
training_runs("train_jobs", key="train-run")
st.page_link("pages/documents.py", label="A vector per document (Doc2Vec, LSA, mean of word vectors): Documents page",
             icon="📰")
jobs_list("train-other-jobs", exclude=tuple(remembered_jobs("train_jobs")), title="Other background jobs")
