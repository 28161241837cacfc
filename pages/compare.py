"""Compare two models: neighbourhood overlap, side-by-side neighbours, Procrustes map, run-to-run stability."""

import streamlit as st

from embedlab import jobs
from embedlab.probes import compare
from embedlab.train.seeds import MAX_SEEDS
from embedlab.train.word2vec import EXPLAIN, Word2VecConfig
from embedlab.ui import session, widgets
from embedlab.ui.entry import through_app
from embedlab.views import compare as views

through_app()
MAX_COMPARED = 10_000  # about 10 s for Jaccard@k on a busy 2-core server (benchmarks/bench_compare.py)

st.title("Compare models")
st.caption("Two models trained differently (skip-gram vs CBOW, window 2 vs 10, two seeds, before/after debiasing) "
           "learn different spaces. Which words keep their neighbours, and which words move?")

ws = session.workspace()
models = ws.models()
ready = models[models["status"] == "ready"]
ids = ready["id"].tolist()
names = widgets.model_labels(ready)  # repeated names told apart
labels = {i: f"{names[i]} · {k} · {n} words · {d}-d"
          for i, k, n, d in zip(ready["id"], ready["kind"], ready["vocab_size"], ready["dim"])}

pair_tab, stability_tab = st.tabs(["Two models", "Run-to-run stability"])

# -- two models ------------------------------------------------------------------------
def pair_section():
    if len(ids) < 2:
        st.info("Comparing needs at least two models. Train another one on the Train page, "
                "or train several seeds in the *Run-to-run stability* tab.")
        return
    c1, c2 = st.columns(2)
    id_a = c1.selectbox("Model A", ids, index=1, format_func=labels.get, key="compare-a")
    id_b = c2.selectbox("Model B", ids, index=0, format_func=labels.get, key="compare-b")
    c3, c4 = st.columns(2)
    k = int(c3.number_input("k (neighbours per word)", 1, 100, 10, key="compare-k",
                            help="Jaccard@k compares each word's k nearest neighbours in the two models."))
    n_words = int(c4.number_input("Words compared", 50, MAX_COMPARED, 5000, step=500, key="compare-n",
                                  help="The most frequent words both models know; neighbours are searched "
                                       "among these words only."))
    if id_a == id_b:
        st.warning("Model A and model B are the same model: every overlap will be 1.")
    overlap = None
    with widgets.user_errors():
        space_a, space_b = session.load_space(id_a), session.load_space(id_b)
        with st.spinner("Finding every shared word's neighbours in both models…"):
            overlap = session.cached(id_a, "compare-jaccard", (id_b, k, n_words),
                                     lambda: compare.jaccard_at_k(space_a, space_b, k, n_words))
    if overlap is None:
        return
    m1, m2, m3 = st.columns(3)
    m1.metric("Shared words compared", f"{len(overlap.words):,}")
    m2.metric(f"Mean Jaccard@{k}", f"{overlap.mean:.3f}")
    m3.metric("Identical neighbourhoods", f"{(overlap.jaccard == 1).mean():.1%}")
    st.plotly_chart(views.jaccard_histogram(overlap), key="compare-hist")
    t1, t2 = st.columns(2)
    t1.markdown("**Changed most** (lowest Jaccard@k)")
    t1.dataframe(overlap.most_changed(20), hide_index=True, key="compare-most")
    t2.markdown("**Changed least** (highest Jaccard@k)")
    t2.dataframe(overlap.least_changed(20), hide_index=True, key="compare-least")
    st.download_button("Download Jaccard@k of every word (CSV)", overlap.table().to_csv(index=False),
                       file_name=f"jaccard_at_{k}.csv", mime="text/csv", key="compare-dl-jaccard")

    st.subheader("One word in both models")
    word = st.text_input("Query word", value=overlap.words[0], key="compare-word").strip()
    if word:
        with widgets.user_errors():
            table = compare.side_by_side(space_a, space_b, word, k)
            st.caption("Neighbours found in both lists are in **green**.")
            st.dataframe(views.highlight_shared(table), hide_index=True, key="compare-side")

    st.subheader("Aligned map")
    st.caption("Model B is rotated onto model A by orthogonal Procrustes (Schönemann 1966), fitted on the "
               "compared words after unit-normalising, centring and unit-normalising both models' vectors. "
               "One PCA of both models' aligned vectors draws each word twice, joined by a line.")
    with widgets.user_errors():
        alignment = session.cached(id_a, "compare-procrustes", (id_b, n_words),
                                   lambda: compare.procrustes_align(space_a, space_b, n_words))
        how = st.radio("Words on the map", ["Most frequent", "Moved most", "Words I type"], horizontal=True,
                       key="compare-map-how")
        if how == "Words I type":
            typed = st.text_input("Words (separated by spaces or commas)", key="compare-map-words")
            chosen = [w for w in typed.replace(",", " ").split() if w]
        elif len(alignment.words) <= 10:
            chosen = alignment.words
        else:
            n_map = st.slider("How many words", 10, min(1000, len(alignment.words)),
                              min(200, len(alignment.words)), key="compare-map-n")
            chosen = (alignment.words[:n_map] if how == "Most frequent"
                      else alignment.table()["word"].head(n_map).tolist())
        if chosen:
            projection = compare.joint_projection(alignment, chosen)
            st.plotly_chart(views.joint_scatter(projection), key="compare-map")
        st.plotly_chart(views.displacement_histogram(alignment.displacement), key="compare-disp")
        st.markdown("**Moved most after alignment**")
        st.dataframe(alignment.table().head(50), hide_index=True, key="compare-moved")
        st.download_button("Download displacement of every word (CSV)", alignment.table().to_csv(index=False),
                           file_name="procrustes_displacement.csv", mime="text/csv", key="compare-dl-disp")


with pair_tab:
    pair_section()

# -- stability ----------------------------------------------------------------------------
with stability_tab:
    st.caption("Train the same settings with different seeds and see which words keep their neighbours from run to "
               "run. A word whose neighbourhood is unstable says little in any one run (Antoniak & Mimno 2018).")
    pending = st.session_state.pop("compare-seeds-result", None)
    if pending:
        st.session_state["compare-stability-models"] = pending
    if "compare-stability-models" in st.session_state:  # a model may have been deleted meanwhile
        st.session_state["compare-stability-models"] = [i for i in st.session_state["compare-stability-models"]
                                                        if i in ids]
    chosen_ids = st.multiselect("Models (same settings, different seeds)", ids, format_func=labels.get,
                                key="compare-stability-models")
    s1, s2 = st.columns(2)
    sk = int(s1.number_input("k (neighbours per word)", 1, 100, 10, key="compare-stability-k"))
    sn = int(s2.number_input("Words compared", 50, MAX_COMPARED, 5000, step=500, key="compare-stability-n"))
    if len(chosen_ids) >= 2:
        differ = compare.differing_settings([ws.model_record(i)["params"] for i in chosen_ids])
        if differ:
            st.warning(f"These models differ by more than their seed ({', '.join(differ)}), so this measures "
                       "those differences too, not only run-to-run noise.")
        with widgets.user_errors():
            with st.spinner("Comparing every pair of models…"):
                result = session.cached(chosen_ids[0], "compare-stability", (tuple(chosen_ids), sk, sn),
                                        lambda: compare.stability([ws.load_space(i) for i in chosen_ids], sk, sn))
            st.metric(f"Mean Jaccard@{sk} over {len(result.pairs)} pairs", f"{result.mean.mean():.3f}")
            st.plotly_chart(views.stability_histogram(result), key="compare-stability-hist")
            table = result.table()
            u1, u2 = st.columns(2)
            u1.markdown("**Least stable words**")
            u1.dataframe(table.head(20), hide_index=True, key="compare-stability-least")
            u2.markdown("**Most stable words**")
            u2.dataframe(table.iloc[::-1].head(20), hide_index=True, key="compare-stability-most")
            st.markdown("**Stability by frequency band**")
            st.dataframe(views.stability_by_frequency(result), hide_index=True, key="compare-stability-bands")
            st.download_button("Download stability of every word (CSV)", table.to_csv(index=False),
                               file_name=f"stability_jaccard_at_{sk}.csv", mime="text/csv",
                               key="compare-dl-stability")
    else:
        st.info("Pick at least two models, or train several seeds below.")

    with st.expander("Train one setting with several seeds", expanded=len(chosen_ids) < 2):
        corpora = ws.corpora()
        if corpora.empty:
            st.info("There is no corpus yet: prepare one on the Data page.")
        else:
            corpus_names = dict(zip(corpora["id"], corpora["name"] + " · " + corpora["tokens"].astype(str) + " tokens"))
            with st.form("compare-seeds-form", enter_to_submit=False):  # a training starts on its button only
                corpus_id = st.selectbox("Corpus", corpora["id"].tolist(), format_func=corpus_names.get)
                f1, f2, f3 = st.columns(3)
                arch = f1.selectbox("Architecture", ["skip-gram", "cbow"], help=EXPLAIN["architecture"])
                dim = f2.number_input("vector_size", 10, 300, 100, help=EXPLAIN["vector_size"])
                window = f3.number_input("window", 1, 20, 5, help=EXPLAIN["window"])
                f4, f5, f6 = st.columns(3)
                min_count = f4.number_input("min_count", 1, 1000, 5, help=EXPLAIN["min_count"])
                epochs = f5.number_input("epochs", 1, 50, 5, help=EXPLAIN["epochs"])
                n_seeds = f6.number_input("Seeds", 2, MAX_SEEDS, 3, help="How many models to train; seeds 1, 2, 3, …")
                st.caption("Each seed trains with one worker thread (reproducible mode), so the models differ only by "
                           "their seed, not by thread scheduling. That is slower than training with several threads.")
                submitted = st.form_submit_button("Train the seeds")
            if submitted:
                with widgets.user_errors():
                    cfg = Word2VecConfig(architecture=arch, vector_size=int(dim), window=int(window),
                                         min_count=int(min_count), epochs=int(epochs), reproducible=True)
                    seeds = list(range(1, int(n_seeds) + 1))
                    name = f"{arch} {int(dim)}-d w{int(window)} on {corpora.set_index('id').loc[corpus_id, 'name']}"
                    st.session_state["compare-seeds-job"] = jobs.submit(
                        ws, "seeds", {"corpus_id": corpus_id, "config": cfg.to_dict(), "seeds": seeds, "name": name},
                        title=f"{len(seeds)} seeds of {name}")
        job_id = st.session_state.get("compare-seeds-job")
        if job_id:
            def _done(status):
                st.session_state["compare-seeds-result"] = status.get("result", {}).get("model_ids", [])

            widgets.job_panel(job_id, key=f"compare-seeds-{job_id}", on_done=_done)
