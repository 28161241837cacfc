"""Methods: Word2Vec skip-gram and CBOW, FastText, GloVe and PPMI-SVD trained on one corpus, measured side by side."""

import datetime as dt
import hashlib

import streamlit as st

from embedlab import config, jobs
from embedlab.errors import InputError
from embedlab.probes import methods
from embedlab.sources.preprocess import PreprocessConfig
from embedlab.sources.samples import SAMPLES
from embedlab.ui import session
from embedlab.ui.entry import through_app
from embedlab.ui.training import trained_model_figures
from embedlab.ui.widgets import job_panel, model_labels, user_errors
from embedlab.views.count_based import jaccard_heatmap, methods_figure

through_app()
SHIPPED = ("movie_reviews", "us_presidential_speeches")

st.title("⚗️ Methods: predictive vs count-based")
st.markdown(
    "Train the classic methods on **one corpus** and measure them side by side: **Word2Vec** skip-gram and CBOW "
    "(Mikolov et al. 2013) and **FastText** (Bojanowski et al. 2017) *predict* words from their contexts; **GloVe** "
    "(Pennington, Socher & Manning 2014) and **PPMI-SVD** (Levy, Goldberg & Dagan 2015) *count* co-occurrences "
    "and factorise the matrix. Levy et al. showed that with comparable settings the count-based PPMI-SVD is not "
    "far behind word2vec, and that much of the difference lies in the hyper-parameters.")
ws = session.workspace()


# -- a corpus -------------------------------------------------------------------------------------------

def _prepared(status):
    ws.set_setting("active_corpus", status["result"]["corpus_id"])
    st.session_state.pop("methods-prepare-job", None)


corpora = ws.corpora()
offer = [k for k in SHIPPED if k not in set(corpora["name"])]
if offer:
    with st.expander("Prepare a shipped corpus", expanded=corpora.empty):
        for key in offer:
            sample = SAMPLES[key]
            st.markdown(f"**{sample.title}**: {sample.description}")
            if st.button(f"Prepare {sample.title}", key=f"methods-prepare-{key}"):
                with user_errors():
                    if sample.locate().stat().st_size > config.inline_limit("corpus_bytes"):
                        st.session_state["methods-prepare-job"] = jobs.submit(
                            ws, "prepare_corpus", {"sample": key, "preprocess": PreprocessConfig().to_dict()},
                            f"Prepare the corpus {key}")
                    else:
                        with st.spinner(f"Preparing {sample.title}"):
                            ws.set_setting("active_corpus", ws.add_sample_corpus(key).id)
                        st.rerun()
if st.session_state.get("methods-prepare-job"):
    job_panel(st.session_state["methods-prepare-job"], key="methods-prepare", on_done=_prepared)
if corpora.empty:
    st.info("Prepare a corpus first: a shipped one above, or your own on the Data page.")
    st.stop()

ids = corpora["id"].tolist()
active = ws.get_setting("active_corpus")
labels = dict(zip(corpora["id"], corpora["name"] + " · " + corpora["tokens"].map("{:,} tokens".format)))
corpus_id = st.selectbox("Corpus", ids, index=ids.index(active) if active in ids else 0, format_func=labels.get,
                         key="methods-corpus")
try:
    corpus = ws.open_corpus(corpus_id)
except InputError as exc:
    st.error(str(exc))
    st.stop()
models = methods.corpus_models(ws, corpus)

# -- 1. the models ----------------------------------------------------------------------------------------

st.subheader("1. Models on this corpus")
if models.empty:
    st.info("No model of the five methods has been trained on this corpus yet.")
else:
    st.dataframe(models.assign(created=[dt.datetime.fromtimestamp(t).strftime("%d %b %H:%M")
                                        for t in models["created_at"]])[
        ["name", "method title", "train_seconds", "vocab_size", "dim", "created"]],
        hide_index=True, column_config={"method title": "method", "train_seconds": st.column_config.NumberColumn(
            "training (s)", format="%.1f"), "vocab_size": "vocabulary", "dim": "dimensions"})
missing = methods.missing_requests(corpus, models)
with st.expander("Settings used to train a missing method"):
    for m in methods.METHODS:
        shown = ", ".join(f"{k}={v}" for k, v in m.config.items())
        st.markdown(f"**{m.title}**: {shown}. {m.why}")
    st.caption(f"Every model gets {methods.DIMENSIONS} dimensions and min_count 5, so that none wins by size. Train "
               "other settings on the Train page: every word model of this corpus can be measured below.")
train_key = f"methods-train-jobs:{corpus.id}"
statuses = []
for job_id in ws.get_setting(train_key, []):
    try:
        statuses.append(jobs.job_status(ws, job_id))
    except InputError:  # removed from the job list
        continue
training = [s for s in statuses if s["state"] in ("queued", "running")]
if missing:
    st.write("Missing: " + ", ".join(methods.BY_KEY[methods.method_of(k, a["config"])].title
                                     for k, a, _ in missing) + ".")
    if not training and st.button(f"Train the missing models ({len(missing)})", type="primary",
                                  key="methods-train"):
        started, refused = [], []
        for kind, args, title in missing:
            try:
                started.append(jobs.submit(ws, kind, args, title))
            except InputError as exc:  # this corpus cannot train it (too few words, memory): say why
                refused.append(f"{title}: {exc}")
        ws.set_setting(train_key, started)
        for message in refused:
            st.error(message)
        if started and not refused:
            st.rerun()  # show the jobs instead of the button
for status in statuses:
    if status["state"] != "done":  # waiting, running, or what went wrong
        job_panel(status["id"], key=f"methods-train-{status['id']}", on_done=lambda status: None)

# -- 2. measure ---------------------------------------------------------------------------------------------

st.subheader("2. Measure")
names = model_labels(ws.models().set_index("id").loc[models["id"]].reset_index()) if len(models) else {}
# one kept choice per set of models: a newly trained model joins the default choice (the newest of each method)
listed = hashlib.sha1(",".join(sorted(names)).encode()).hexdigest()[:10]
pick_key = session.keep_widget(f"methods-pick-{corpus.id}-{listed}", methods.default_selection(models),
                               valid=lambda v: all(i in names for i in v))
chosen = st.multiselect("Models to compare", list(names), key=pick_key,
                        format_func=lambda i: f"{names[i]} · {models.set_index('id').loc[i, 'method title']}",
                        help="By default the newest model of each method.")
session.remember_widget(pick_key, chosen)
st.caption(f"The Google analogy set (3CosAdd), WordSim-353 and SimLex-999 (Spearman ρ), and the mean "
           f"Jaccard@{methods.JACCARD_K} of each model's nearest neighbours against each other model's, over the "
           f"{methods.JACCARD_WORDS:,} most frequent words they all have. Runs in the background.")
eval_key = f"methods-eval-job:{corpus.id}"
if st.button("Measure", type="primary" if not missing else "secondary", key="methods-measure",
             disabled=not chosen):
    with user_errors():
        job_id = jobs.submit(ws, "methods", {"corpus_id": corpus.id, "model_ids": list(chosen)},
                             f"Measure {len(chosen)} models of {corpus.name}")
        ws.set_setting(eval_key, job_id)
eval_job = ws.get_setting(eval_key)
if eval_job:
    try:
        eval_state = jobs.job_status(ws, eval_job)["state"]
    except InputError:
        eval_state = "gone"
    if eval_state in ("queued", "running", "failed", "interrupted"):
        job_panel(eval_job, key=f"methods-eval-{eval_job}", on_done=lambda status: None)

result = methods.stored_comparison(ws, corpus.id)
if result is None:
    st.info("Nothing measured on this corpus yet: pick the models and press **Measure**.")
    st.stop()

table = result.table
when = dt.datetime.fromtimestamp(result.finished_at).strftime("%d %b %H:%M") if result.finished_at else "earlier"
st.caption(f"Measured {when}. " + " ".join(result.notes))
if set(table["id"]) != set(chosen):
    st.caption("These are the models measured last; press **Measure** to measure the models picked above.")
shown = table.drop(columns=[c for c in table.columns if c.endswith(" OOV")] + ["analogy questions"])
percent = st.column_config.NumberColumn(format="%.1f%%")
st.dataframe(shown.assign(**{c: shown[c] * 100 for c in shown.columns if c.startswith("analogy (")}), hide_index=True,
             column_config={"id": None, "training (s)": st.column_config.NumberColumn(format="%.1f"),
                            **{c: percent for c in shown.columns if c.startswith("analogy (")},
                            **{c: st.column_config.NumberColumn(format="%.3f")
                               for c in ("WS-353", "SimLex-999", f"mean Jaccard@{result.k}")}})
st.caption(f"Analogy accuracy is over the questions whose four words the model knows (`analogy answered` of "
           f"{int(table['analogy questions'].max()):,}). Count-based training times include counting the "
           "co-occurrences unless they were reused from an earlier model (column `co-occurrences`).")
st.plotly_chart(methods_figure(table), key="methods-figure")
if len(table) > 1:
    st.plotly_chart(jaccard_heatmap(result.jaccard, result.k), key="methods-jaccard")

# -- 3. open a model ------------------------------------------------------------------------------------------

st.subheader("3. Open a model")
alive = [i for i in table["id"] if i in set(ws.models()["id"])]
if not alive:
    st.info("The models measured here have been deleted.")
    st.stop()
row_names = dict(zip(table["id"], table["model"] + " · " + table["method"]))
open_id = st.selectbox("Model", alive, format_func=row_names.get, key="methods-open")
c1, c2 = st.columns(2)
is_active = session.active_model_id() == open_id
c1.button("Make active", key="methods-make-active", disabled=is_active, on_click=session.set_active_model,
          args=(open_id,),
          help="This is the active model." if is_active else "Explore, Analogies, Bias ... then use it.")
if c2.button("Make active and explore", key="methods-explore"):
    session.set_active_model(open_id)
    st.switch_page("pages/explore.py")
trained_model_figures(open_id, key="methods-open-figures", skip_loss=False)
