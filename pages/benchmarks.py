"""Benchmarks: the Google analogy set, WordSim-353 / SimLex-999, your own test files, and sweeps."""

import hashlib

import streamlit as st

from embedlab import config, jobs
from embedlab.probes.analogy import benchmark
from embedlab.probes.analogy.sweep import SWEEP_PARAMS, sweep_table
from embedlab.ui import background, session, widgets
from embedlab.ui.entry import through_app
from embedlab.views.analogy import pairs_scatter, section_accuracy_figure, sweep_figure

through_app()
st.title("📏 Benchmarks")
space = widgets.require_space("the benchmarks")
model_id = session.active_model_id()
if not space.is_words:
    st.info(f"The analogy and word-similarity test sets are made of English words; the active model "
            f"'{space.name}' holds {space.nouns[1]}, so they do not apply to it. Make a word model active on the "
            "Models page (sweeps below train new word models).")
tab_google, tab_pairs, tab_sweep = st.tabs(["Analogy test set", "Word similarity", "Sweeps"])


def _digest(upload) -> str:
    return hashlib.sha1(upload.getvalue()).hexdigest() if upload is not None else "builtin"


with tab_google:
    st.caption("Accuracy as gensim's `evaluate_word_analogies` computes it (question for question), with every "
               "question, its prediction and the expected answer's rank shown.")
    upload = st.file_uploader("Your own analogy questions (questions-words.txt format; optional)", type=["txt"],
                              key="bm-analogy-upload")
    cols = st.columns(3)
    restrict = cols[0].number_input("restrict_vocab", 1, 10_000_000, 300_000, step=10_000, key="bm-restrict",
                                    help="Only the most frequent words take part; questions with other words are skipped.")
    case_insensitive = cols[1].checkbox("Case-insensitive", True, key="bm-case")
    method = cols[2].radio("Method", ["3CosAdd", "3CosMul"], horizontal=True, key="bm-method")
    params = (int(restrict), case_insensitive, method, _digest(upload))
    done = st.session_state.setdefault("bm-evaluated", set())
    pressed = st.button("Evaluate", type="primary", key="bm-run")
    if pressed:
        done.add((model_id, params))
    result = None
    if (model_id, params) in done:
        with widgets.user_errors():
            bar = st.empty()

            def compute():
                questions = (benchmark.parse_analogies(upload.getvalue(), upload.name) if upload is not None
                             else benchmark.google_analogies())
                return benchmark.evaluate_analogies(space, questions, int(restrict), case_insensitive, method,
                                                   progress=widgets.streamlit_progress(bar.progress(0.0)))

            def job_args():
                args = {"model_id": model_id, "restrict_vocab": int(restrict), "case_insensitive": case_insensitive,
                        "method": method}
                if upload is not None:
                    args.update(questions=session.workspace().stage_upload(upload.name, upload.getvalue()),
                                questions_name=upload.name)
                return args

            # a large model scans many candidate words per question: a background job, not the server's thread
            small = min(int(restrict), len(space)) * space.dim <= config.inline_limit("analogy_cells")
            result = background.cached_or_background(
                model_id, "analogy-eval", params, small, compute, "analogy_eval", job_args,
                f"Analogy benchmark ({method}) of {space.name}",
                lambda status: benchmark.load_evaluation(status["result"]["folder"]), start=pressed)
            bar.empty()
    if result is not None:
        with widgets.user_errors():
            for note in result.notes:
                st.info(note)
            totals = result.totals.set_index("section")
            m = st.columns(4)
            for col, key in zip(m[:3], ("all", "semantic", "syntactic")):
                row = totals.loc[key]
                col.metric(f"{key.capitalize()} accuracy",
                           "—" if row["evaluated"] == 0 else f"{100 * row['accuracy']:.1f}%",
                           help=f"{row['correct']} of {row['evaluated']} answered questions")
            m[3].metric("Skipped (OOV)", f"{int(totals.loc['all', 'skipped (OOV)']):,}",
                        help=f"of {int(totals.loc['all', 'questions']):,} questions")
            st.plotly_chart(section_accuracy_figure(result.sections), key="bm-sections")
            st.dataframe(result.sections, hide_index=True, width="stretch")
            query = st.text_input("Search questions (any word, or a section name)", "", key="bm-search")
            status = st.multiselect("Show", ["correct", "wrong", "skipped: OOV"], ["correct", "wrong"],
                                    key="bm-status")
            table = result.questions[result.questions["status"].isin(status)]
            if query.strip():
                q = query.strip().lower()
                hit = False
                for col in ("section", "a", "b", "c", "expected", "predicted"):
                    hit = hit | table[col].astype(str).str.lower().str.contains(q, regex=False)
                table = table[hit]
            st.caption(f"{len(table):,} questions")
            st.dataframe(table, hide_index=True, width="stretch")
            st.download_button("Download all questions (CSV)", result.questions.to_csv(index=False),
                               file_name=f"analogies_{method}.csv", mime="text/csv", key="bm-download")

with tab_pairs:
    st.caption("Spearman correlation between human similarity judgements and cosine similarity "
               "(as gensim's `evaluate_word_pairs`).")
    choice = st.radio("Test set", ["WordSim-353", "SimLex-999", "Upload my own"], horizontal=True, key="bm-pairs")
    pairs_upload = None
    if choice == "Upload my own":
        pairs_upload = st.file_uploader("Tab-separated word1, word2, score; # starts a comment",
                                        type=["txt", "tsv"], key="bm-pairs-upload")
    with widgets.user_errors():
        if choice != "Upload my own" or pairs_upload is not None:
            def compute_pairs():
                pairs = (benchmark.builtin_pairs(choice) if pairs_upload is None
                         else benchmark.parse_word_pairs(pairs_upload.getvalue(), pairs_upload.name))
                return benchmark.evaluate_word_pairs(space, pairs, int(restrict), case_insensitive)

            res = session.cached(model_id, "pairs-eval", (choice, _digest(pairs_upload), int(restrict),
                                                          case_insensitive), compute_pairs)
            m = st.columns(3)
            m[0].metric("Spearman ρ", "—" if res.spearman != res.spearman else f"{res.spearman:.3f}")
            m[1].metric("Pearson r", "—" if res.pearson != res.pearson else f"{res.pearson:.3f}")
            m[2].metric("Out of vocabulary", f"{100 * res.oov_rate:.1f}%", help=f"{res.oov} of {res.oov + res.evaluated} pairs")
            st.plotly_chart(pairs_scatter(res.pairs, f"{res.name}: human score vs cosine"), key="bm-scatter")
            st.dataframe(res.pairs, hide_index=True, width="stretch")

with tab_sweep:
    st.caption("Train several Word2Vec models on one corpus that differ in one hyper-parameter, in the background, "
               "and plot each benchmark score against it.")
    ws = session.workspace()
    corpora = ws.corpora()
    if corpora.empty:
        st.info("There is no prepared corpus yet: prepare one on the Data page first.")
    else:
        names = dict(zip(corpora["id"], corpora["name"] + " (" + corpora["tokens"].astype(str) + " tokens)"))
        corpus_id = st.selectbox("Corpus", list(names), format_func=names.get, key="sw-corpus")
        param = st.selectbox("Parameter to vary", list(SWEEP_PARAMS), key="sw-param")
        if SWEEP_PARAMS[param] is None:
            defaults = {"vector_size": "25, 50, 100, 200", "window": "2, 5, 10", "min_count": "2, 5, 10",
                        "epochs": "1, 5, 10"}[param]
            raw = st.text_input("Values (comma-separated)", defaults, key=f"sw-values-{param}")
            values = [v.strip() for v in raw.split(",") if v.strip()]
        else:
            values = list(SWEEP_PARAMS[param])
            st.write("Values: " + ", ".join(values))
        epochs = st.number_input("epochs (for every model, unless swept)", 1, 50, 5, key="sw-epochs")
        if st.button("Start sweep", key="sw-start"):
            with widgets.user_errors():
                from embedlab.probes.analogy.sweep import sweep_configs

                base = {} if param == "epochs" else {"epochs": int(epochs)}
                sweep_configs(base, param, values)  # validate before queueing
                st.session_state["sw-job"] = jobs.submit(
                    ws, "sweep", {"corpus_id": corpus_id, "param": param, "values": values, "base": base},
                    f"Sweep of {param} on {corpora.set_index('id').loc[corpus_id, 'name']}")
    job_id = st.session_state.get("sw-job")
    if job_id:
        widgets.job_panel(job_id, key=f"sw-panel-{job_id}", on_done=lambda status: None)  # rerun to plot
        with widgets.user_errors():
            status = jobs.job_status(session.workspace(), job_id)
            rows = (status.get("result") or {}).get("rows") or status.get("details", {}).get("sweep_rows")
            if rows:
                table = sweep_table({"rows": rows})
                swept = status["args"]["param"]
                st.plotly_chart(sweep_figure(table, swept), key="sw-figure")
                st.dataframe(table, hide_index=True, width="stretch")
