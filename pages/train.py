"""Train: Word2Vec or FastText on a prepared corpus, in a background job with live progress."""

import streamlit as st

from embedlab import jobs
from embedlab.train import fasttext, word2vec
from embedlab.ui import session
from embedlab.ui.entry import through_app
from embedlab.ui.training import remember_job, remembered_jobs, training_job_view
from embedlab.ui.widgets import user_errors

through_app()
st.title("Train")
ws = session.workspace()
corpora = ws.corpora()
if corpora.empty:
    st.info("Prepare a corpus on the Data page first (or train the demo model on the Home page).")
    st.page_link("pages/data.py", label="Data page", icon="📄")
    st.stop()

ids = corpora["id"].tolist()
active = ws.get_setting("active_corpus")
labels = dict(zip(corpora["id"], corpora["name"] + " · " + corpora["tokens"].map("{:,} tokens".format)))
corpus_id = st.selectbox("Corpus", ids, index=ids.index(active) if active in ids else 0, format_func=labels.get)
corpus_name = labels[corpus_id].split(" · ")[0]

FAMILIES = {
    "Word2Vec": (word2vec.Word2VecConfig, word2vec.EXPLAIN, "word2vec", "Mikolov et al. 2013"),
    "FastText": (fasttext.FastTextConfig, fasttext.EXPLAIN, "fasttext",
                 "Bojanowski et al. 2017: Word2Vec plus character n-grams, so unseen words get vectors"),
}
family = st.radio("Model family", list(FAMILIES), horizontal=True, key="train-family")
config_cls, EXPLAIN, job_kind, source = FAMILIES[family]
d = config_cls()
with st.form("train"):
    st.markdown(f"**{family}** ({source}; trained with gensim)")
    c1, c2, c3 = st.columns(3)
    architecture = c1.radio("architecture", ["skip-gram", "cbow"], help=EXPLAIN["architecture"], horizontal=True,
                            format_func=lambda a: "skip-gram" if a == "skip-gram" else "CBOW")
    objective = c2.radio("objective", ["negative", "hierarchical"], help=EXPLAIN["objective"], horizontal=True,
                         format_func=lambda o: "negative sampling" if o == "negative" else "hierarchical softmax")
    vector_size = c3.number_input("vector_size", 2, 1000, d.vector_size, help=EXPLAIN["vector_size"])
    window = c1.number_input("window", 1, 50, d.window, help=EXPLAIN["window"])
    min_count = c2.number_input("min_count", 1, 100_000, d.min_count, help=EXPLAIN["min_count"])
    negative = c3.number_input("negative", 1, 50, d.negative, help=EXPLAIN["negative"])
    sample = c1.number_input("sample", 0.0, 0.1, d.sample, format="%.0e", help=EXPLAIN["sample"])
    epochs = c2.number_input("epochs", 1, 100, d.epochs, help=EXPLAIN["epochs"])
    alpha = c3.number_input("alpha", 0.0001, 1.0, d.alpha, format="%.4f", help=EXPLAIN["alpha"])
    seed = c1.number_input("seed", 0, 2**31 - 1, d.seed, help=EXPLAIN["seed"])
    workers = c2.number_input("workers", 1, 16, d.workers, help=EXPLAIN["workers"])
    reproducible = c3.checkbox("reproducible (workers=1 + seed)", d.reproducible,
                               help="Identical vectors run to run, at the cost of speed.")
    extra = {}
    if family == "FastText":
        c1, c2, c3 = st.columns(3)
        extra["min_n"] = int(c1.number_input("min_n", 1, 20, d.min_n, help=EXPLAIN["min_n"]))
        extra["max_n"] = int(c2.number_input("max_n", 1, 20, d.max_n, help=EXPLAIN["max_n"]))
        extra["bucket"] = int(c3.number_input("bucket", 1_000, fasttext.MAX_BUCKET, d.bucket, step=50_000,
                                              help=EXPLAIN["bucket"]))
    name = st.text_input("model name", f"{family.lower()} on {corpus_name}")
    start = st.form_submit_button("Start training", type="primary")

if start:
    with user_errors():
        cfg = config_cls(architecture=architecture, vector_size=int(vector_size), window=int(window),
                             min_count=int(min_count), objective=objective, negative=int(negative),
                             sample=float(sample), epochs=int(epochs), alpha=float(alpha), seed=int(seed),
                             workers=int(workers), reproducible=reproducible, **extra)
        from embedlab.train.gensim_run import check_min_count

        check_min_count(ws.open_corpus(corpus_id), cfg.min_count)
        job_id = jobs.submit(ws, job_kind, {"corpus_id": corpus_id, "config": cfg.to_dict(), "name": name},
                             title=name)
        remember_job("train_jobs", job_id)

recent = remembered_jobs("train_jobs")
if recent:
    st.subheader("Training runs")
    st.caption("Training runs in the background: switch pages or close the tab; come back to see the result.")
    training_job_view(recent[0], key="train-latest")
    older = recent[1:6]
    if older:
        with st.expander(f"Earlier runs ({len(older)})"):
            for job_id in older:
                with user_errors():
                    status = jobs.job_status(ws, job_id)
                    st.write(f"**{status['title']}** — {status['state']}"
                             + (f": {status.get('error')}" if status.get("error") else ""))
