"""Documents: document vectors (Doc2Vec, LSA, mean of word vectors) on a prepared corpus, "Find similar", and a
downstream evaluation that predicts the documents' labels from them against a bag-of-words baseline."""

import time

import streamlit as st

from embedlab import jobs
from embedlab.errors import InputError
from embedlab.probes import downstream
from embedlab.probes.similar_documents import find_similar
from embedlab.sources.docset import DocumentSet
from embedlab.train import registry
from embedlab.train.docspace import load_inferrer
from embedlab.ui import session, widgets
from embedlab.ui.entry import through_app
from embedlab.ui.item_document import open_explore_coloured_by
from embedlab.ui.training import remembered_jobs, training_runs, training_section
from embedlab.views import documents as views

through_app()
st.title("Documents")
st.caption("A vector per document, judged by what it is for: finding similar documents and predicting the "
           "documents' labels (extrinsic evaluation), next to a bag-of-words baseline.")
ws = session.workspace()

# -- 1. the documents -------------------------------------------------------------------------
corpora = ws.corpora()
if corpora.empty:
    st.info("Prepare a corpus on the Data page first: each row of a table (or line of a .txt) is a document, and "
            "a table's other columns are its labels. The shipped movie reviews carry `sentiment`; the presidential "
            "speeches `president`, `year` and `kind`.")
    st.page_link("pages/data.py", label="Data page", icon="📄")
    widgets.jobs_list("docs-other-jobs")
    st.stop()

st.header("1. Documents")
ids = corpora["id"].tolist()
names = dict(zip(corpora["id"], corpora["name"] + " · " + corpora["documents"].map("{:,} documents".format)))
active_corpus = ws.get_setting("active_corpus")
corpus_key = session.keep_widget("docs-corpus", active_corpus if active_corpus in ids else ids[0],
                                 valid=lambda v: v in ids)
if st.session_state.get(corpus_key) not in ids:  # deleted on the Data page since
    st.session_state[corpus_key] = ids[0]
corpus_id = st.selectbox("Corpus", ids, key=corpus_key, format_func=names.get)
session.remember_widget(corpus_key, corpus_id)

try:
    docset = session.cached(None, "docset", (corpus_id,), lambda: DocumentSet.of(ws.open_corpus(corpus_id)))
except InputError as exc:
    st.error(str(exc))
    st.stop()
corpus = docset.corpus
m = st.columns(4)
m[0].metric("documents", f"{len(docset.table):,}")
m[1].metric("with a vector", f"{len(docset):,}", help="Documents with at least one token after preprocessing.")
m[2].metric("tokens", f"{corpus.stats['tokens']:,}")
m[3].metric("label columns", f"{len(docset.label_columns)}")
for note in docset.notes:
    st.warning(note)
if docset.label_columns:
    st.dataframe(views.label_summary(docset.kept, docset.label_columns), hide_index=True, key="docs-labels")
else:
    st.caption("This corpus has no label columns, so there is nothing to predict: Find similar and Explore still "
               "work. Upload a table whose other columns are labels to evaluate.")
with st.expander("The first documents"):
    st.dataframe(docset.kept.drop(columns=["lines"]).head(20), hide_index=True, key="docs-preview")

# -- 2. training ------------------------------------------------------------------------------
st.header("2. Train document vectors")


def trained(status):
    # the new model is active now (training_runs did that): the picker below follows it
    st.session_state.pop("docs-model", None)
    st.session_state.get("_kept_widgets", {}).pop("docs-model", None)


with widgets.user_errors():
    training_section("documents", corpus_id, corpus.name, key="docs", jobs_key="docs_train_jobs")
training_runs("docs_train_jobs", key="docs-run", on_trained=trained)

# -- the document model the rest of the page asks about -------------------------------------------
models = ws.models_of("document")
# this corpus's models, and published ones trained on the same text prepared the same way (an instructor's)
mine = (models["corpus_id"] == corpus_id) | ((models["published"] == 1)
                                            & (models["corpus_fingerprint"] == corpus.fingerprint))
elsewhere = int((~mine).sum())
models = models[mine].reset_index(drop=True)
if elsewhere:
    st.caption(f"{elsewhere} document model(s) of other corpora are listed with their corpus (pick it above), "
               "and all of them on the Models page.")
if models.empty:
    st.info("No document model on this corpus yet: train one above (LSA takes seconds).")
    widgets.jobs_list("docs-other-jobs", exclude=tuple(remembered_jobs("docs_train_jobs")),
                      title="Other background jobs")
    st.stop()
st.divider()
model_ids = models["id"].tolist()
labels = widgets.model_labels(models)
active = session.active_model_id()
pick_key = session.keep_widget("docs-model", active if active in model_ids else model_ids[0],
                               valid=lambda v: v in model_ids)
if st.session_state.get(pick_key) not in model_ids:
    st.session_state[pick_key] = active if active in model_ids else model_ids[0]
kinds = dict(zip(models["id"], models["kind"]))
model_id = st.selectbox("Document model", model_ids, key=pick_key,
                        format_func=lambda i: f"{labels[i]} · {getattr(registry.find(kinds[i]), 'title', kinds[i])}")
session.remember_widget(pick_key, model_id)
space = session.load_space(model_id)
columns = views.label_columns(space)
st.caption(f"{space.name}: {space.count_text(len(space))} × {space.dim} dimensions, trained on "
           f"'{space.info.get('corpus_name')}'.")
for note in space.info.get("notes", []):
    if note not in docset.notes:
        st.caption(f"ℹ️ {note}")
b1, b2 = st.columns(2)
if active != model_id:
    b1.button("Make it the active model", key="docs-activate", on_click=session.set_active_model, args=(model_id,),
              help="Explore, Compare and the sidebar then show it.")
if columns:
    colour_col = b2.selectbox("Explore coloured by", columns, key="docs-explore-col")
    if b2.button(f"Explore, coloured by {colour_col}", key="docs-explore"):
        open_explore_coloured_by(model_id, colour_col)
        st.switch_page("pages/explore.py")

# -- 3. find similar --------------------------------------------------------------------------------
st.header("3. Find similar documents")
st.caption("Type or paste a text: it is preprocessed as the corpus was, embedded by the model "
           "(Doc2Vec: infer_vector; LSA: the TF-IDF and SVD transform; mean of word vectors: the same weighted "
           "mean) and compared by cosine with every document.")
query_key = session.keep_widget("docs-query", "")
query = st.text_area("Text", key=query_key, height=110,
                     placeholder="e.g. a surprisingly funny film with a clever plot and a great cast")
session.remember_widget(query_key, query)
q1, q2 = st.columns([1, 3])
k = q1.number_input("Documents", 1, 100, 10, key="docs-similar-k")
if q2.button("Find similar", key="docs-similar-go", type="primary"):
    st.session_state["docs-similar"] = (model_id, query, int(k))
asked = st.session_state.get("docs-similar")
if asked and asked[0] == model_id:
    with widgets.user_errors():
        inferrer = session.cached(model_id, "inferrer", (), lambda: load_inferrer(ws, model_id))

        def search():
            t0 = time.perf_counter()
            found = find_similar(space, inferrer, asked[1], asked[2])
            return found, (time.perf_counter() - t0) * 1000

        found, ms = session.cached(model_id, "find-similar", (asked[1], asked[2]), search)
        if found.unknown_words:
            shown = ", ".join(found.unknown_words[:40]) + (" …" if len(found.unknown_words) > 40 else "")
            st.warning(f"{len(found.unknown_words)} word(s) of the text are not known to the model and were "
                       f"ignored: {shown}")
        st.caption(f"The {len(found.table)} nearest documents by cosine similarity (found in {ms:.0f} ms).")
        st.dataframe(views.similar_table(found.table), hide_index=True, key="docs-similar-table",
                     column_config={"snippet": st.column_config.TextColumn("snippet", width="large")})

# -- 4. downstream evaluation ------------------------------------------------------------------------
st.header("4. Predict the labels (downstream evaluation)")
if not columns:
    st.info("These documents have no label columns, so there is nothing to predict.")
    st.stop()
st.caption("A logistic regression on the standardised document vectors (a ridge regression for a numeric label "
           "such as year), scored by stratified k-fold cross-validation; the same folds score the baseline, "
           f"{downstream.BASELINE} on the words themselves, in the same run.")
e1, e2, e3 = st.columns(3)
column = e1.selectbox("Label to predict", columns, key="docs-eval-col")
n_folds = e2.number_input("Folds", 2, 20, 10, key="docs-eval-folds",
                          help="Stratified k-fold (shuffled, seed 0); Pang & Lee (2004) used 10 folds.")
task = e3.radio("Predict as", ["auto", "classification", "regression"], key="docs-eval-task", horizontal=True,
                help="auto: numbers with more than "
                     f"{downstream.MAX_CLASSES_AUTO} distinct values (a year) are predicted as numbers.")
others = [i for i in model_ids if i != model_id]
compare = st.multiselect("Compare with (the same folds)", others, key="docs-eval-compare",
                         format_func=lambda i: labels[i]) if others else []
baseline = st.checkbox(f"Baseline: {downstream.BASELINE}", True, key="docs-eval-baseline")
evals = ws.get_setting("docs_eval_jobs", {}) or {}
if st.button("Evaluate", key="docs-eval-go", type="primary"):
    with widgets.user_errors():
        # the label checks run here too, so a bad choice is answered at once, not by a failed job
        downstream.label_task(space.meta[column], column, task, int(n_folds))
        args = {"model_ids": [model_id] + list(compare), "column": column, "n_folds": int(n_folds), "task": task,
                "random_state": 0, "baseline": bool(baseline), "corpus_id": corpus_id}
        job_id = jobs.submit(ws, "docs_eval", args, f"Evaluate {space.name}: predict {column}")

        def remember(current):
            kept = {m: j for m, j in (current or {}).items() if m != model_id}
            kept[model_id] = job_id
            return dict(list(kept.items())[-50:])

        # kept in the workspace, not only this session: the results survive a page switch or a restart
        evals = ws.update_setting("docs_eval_jobs", remember, {})
eval_job = evals.get(model_id)
if eval_job:
    widgets.job_panel(eval_job, "docs-eval-panel", on_done=lambda s: None)
    with widgets.user_errors():
        status = jobs.job_status(ws, eval_job)
        if status["state"] == "done":
            result = session.cached(None, "docs-eval-result", (eval_job,),
                                    lambda: downstream.DownstreamResult.from_dict(status["result"]))
            st.subheader(f"Predicting '{result.task.column}' ({result.task.task}, {len(result.task.ids):,} "
                         f"documents, {len(result.folds)} folds)")
            for note in result.notes:
                st.info(note)
            st.dataframe(views.summary_table(result), hide_index=True, key="docs-eval-summary")
            st.caption("Mean ± standard deviation over the folds (lowest–highest fold). "
                       + result.settings.get("classifier", "") + "; " + result.settings.get("folds", "") + ". "
                       + result.settings.get("baseline", ""))
            if result.reference is not None:
                st.caption(f"Published reference — {result.reference['text']} Measured here with another "
                           "classifier and features, so compare with care.")
            st.plotly_chart(views.fold_scores(result), key="docs-eval-folds-fig")
            method = st.selectbox("Method", list(result.methods), key="docs-eval-method")
            if result.task.task == "classification":
                st.plotly_chart(views.confusion_heatmap(result, method), key="docs-eval-confusion")
            else:
                st.plotly_chart(views.predicted_vs_true(result, method), key="docs-eval-scatter")
            st.download_button("Download the scores per fold (CSV)", result.table().to_csv(index=False),
                               f"{space.name}-{result.task.column}.csv", key="docs-eval-dl")
