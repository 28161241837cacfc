"""Data: choose a shipped corpus or upload one, preprocess it, and look at its statistics."""

import streamlit as st

from embedlab import config, jobs
from embedlab.errors import InputError
from embedlab.sources.documents import guess_text_column, read_documents, table_columns
from embedlab.sources.preprocess import PreprocessConfig
from embedlab.sources.samples import SAMPLES
from embedlab.sources.uploads import check_size
from embedlab.store import shared_cache
from embedlab.ui import session
from embedlab.ui.cooccurrences import cooccurrence_section
from embedlab.ui.entry import through_app
from embedlab.ui.widgets import confirm_delete, job_panel, show_flash, streamlit_progress, user_errors
from embedlab.views.corpus import top_words_bar, top_words_table, zipf_plot

through_app()
ENCODINGS = ["detect automatically", "utf-8", "latin-1", "cp1252", "utf-16", "iso-8859-15", "cp1251", "shift_jis"]

st.title("Data")
ws = session.workspace()
show_flash("data-delete")

source = st.radio("Source", ["Shipped corpus", "Upload a file"], horizontal=True)
raw = None
upload, column, encoding = None, None, None
if source == "Shipped corpus":
    key = st.selectbox("Corpus", list(SAMPLES), format_func=lambda k: SAMPLES[k].title)
    st.caption(f"{SAMPLES[key].description} Source: {SAMPLES[key].citation} Licence: {SAMPLES[key].licence}.")
else:
    upload = st.file_uploader(
        "Text corpus: .txt (one document or sentence per line), .csv/.tsv (pick the text column), "
        ".zip of .txt files, or any of these .gz-compressed",
        type=["txt", "csv", "tsv", "zip", "gz"])
    encoding = st.selectbox("Encoding", ENCODINGS)
    enc = None if encoding == ENCODINGS[0] else encoding
    if upload is not None and upload.name.lower().removesuffix(".gz").endswith((".csv", ".tsv")):
        with user_errors():
            check_size(upload.size, f"'{upload.name}'")
            columns = table_columns(upload.getvalue(), upload.name, enc)
            guess = guess_text_column(columns)
            column = st.selectbox("Text column", columns, index=columns.index(guess) if guess in columns else 0)
with st.form("prepare"):
    st.markdown("**Preprocessing**")
    c1, c2, c3 = st.columns(3)
    lowercase = c1.checkbox("lower-case", True)
    accents = c1.checkbox("strip accents", True)
    punct = c2.checkbox("drop punctuation", True)
    numbers = c2.checkbox("drop numbers", True)
    stop = c3.checkbox("remove stop-words", False, help="Word2Vec usually learns better with them kept.")
    phrases = c3.checkbox("detect phrases (new york → new_york)", False, help="gensim Phrases, one pass.")
    min_len = st.number_input("minimum token length", 1, 50, 1)
    submitted = st.form_submit_button("Prepare corpus", type="primary")

if submitted:
    with user_errors():
        cfg = PreprocessConfig(lowercase=lowercase, strip_accents=accents, drop_punctuation=punct,
                               drop_numbers=numbers, min_token_len=int(min_len), remove_stopwords=stop,
                               phrases=phrases)
        if source == "Shipped corpus":
            size = SAMPLES[key].locate().stat().st_size
        else:
            if upload is None:
                raise InputError("Choose a file to upload first.")
            check_size(upload.size, f"'{upload.name}'")
            size = upload.size
        if size > config.inline_limit("corpus_bytes"):
            # preprocessing a large corpus takes long enough to hold up the server: a background job
            args = {"preprocess": cfg.to_dict()}
            if source == "Shipped corpus":
                args["sample"] = key
            else:
                args.update(upload=ws.stage_upload(upload.name, upload.getvalue()), name=upload.name,
                            text_column=column, encoding=enc)
            title = f"Prepare the corpus {key if source == 'Shipped corpus' else upload.name}"
            st.session_state["data-prepare-job"] = jobs.submit(ws, "prepare_corpus", args, title)
        else:
            raw = (shared_cache.sample_documents(key) if source == "Shipped corpus"
                   else read_documents(upload.getvalue(), upload.name, text_column=column, encoding=enc))
            bar = st.progress(0.0, text="Preparing")
            corpus = ws.add_corpus(raw.documents, raw.name, cfg, notes=raw.notes, progress=streamlit_progress(bar))
            bar.empty()
            ws.set_setting("active_corpus", corpus.id)
            st.success(f"Corpus '{corpus.name}' is ready: {corpus.stats['tokens']:,} tokens. Train on it on the "
                       "Train page.")


def _prepared(status):
    ws.set_setting("active_corpus", status["result"]["corpus_id"])
    st.session_state.pop("data-prepare-job", None)
    st.toast(f"Corpus '{status['result']['name']}' is ready: {status['result']['tokens']:,} tokens.")


if st.session_state.get("data-prepare-job"):
    job_panel(st.session_state["data-prepare-job"], key="data-prepare", on_done=_prepared)

corpora = ws.corpora()
if corpora.empty:
    st.info("No corpus prepared yet. Pick one above and press **Prepare corpus**.")
    st.stop()

st.divider()
st.subheader("Prepared corpora")
ids = corpora["id"].tolist()
active = ws.get_setting("active_corpus")
labels = dict(zip(corpora["id"], corpora["name"] + " · " + corpora["tokens"].map("{:,} tokens".format)))
chosen = st.selectbox("Corpus", ids, index=ids.index(active) if active in ids else 0, format_func=labels.get)
if chosen != active:
    ws.set_setting("active_corpus", chosen)

with user_errors():
    corpus = ws.open_corpus(chosen)
    for note in corpus.notes:
        st.warning(note)
    s = corpus.stats
    m = st.columns(4)
    m[0].metric("documents", f"{s['documents']:,}")
    m[1].metric("lines", f"{s['lines']:,}", help="Documents longer than 10,000 tokens are split into several lines.")
    m[2].metric("tokens", f"{s['tokens']:,}")
    m[3].metric("vocabulary", f"{s['vocabulary']:,}")
    st.caption("Preprocessing: " + ", ".join(f"{k}={v}" for k, v in corpus.preprocess.items()))

    left, right = st.columns(2)
    with left:
        n = st.slider("most frequent words", 10, 100, 30)
        st.plotly_chart(top_words_bar(corpus, n))
    with right:
        st.plotly_chart(zipf_plot(corpus))
        min_count = st.number_input("min_count", 1, 1_000_000, 5)
        st.metric(f"words occurring ≥ {min_count} times", f"{corpus.surviving(int(min_count)):,}")
        st.dataframe(corpus.survivors_table(), hide_index=True,
                     column_config={"share of tokens kept": st.column_config.ProgressColumn(min_value=0, max_value=1)})
    st.dataframe(top_words_table(corpus, n), hide_index=True)
    st.download_button("Download word counts (TSV)", data=(corpus.path / "counts.tsv").read_bytes(),
                       file_name=f"{corpus.name}-counts.tsv", mime="text/tab-separated-values")
    confirm_delete("data-delete", chosen, "corpus", corpus.name, ws.delete_corpus)

st.divider()
with user_errors():
    cooccurrence_section(ws.open_corpus(chosen), key="data-cooc")
