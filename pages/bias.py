"""Bias: define a direction from word pairs, project words on it, run WEAT, measure direct bias, hard-debias."""

import streamlit as st

from embedlab import config, jobs
from embedlab.data import bias_words
from embedlab.errors import InputError
from embedlab.probes import bias
from embedlab.ui import session, widgets
from embedlab.ui.entry import through_app
from embedlab.views import bias as views

through_app()
st.title("Bias")
st.caption("Bias directions and hard debiasing after Bolukbasi et al. (2016), WEAT after Caliskan, Bryson & "
           "Narayanan (2017), the cluster check after Gonen & Goldberg (2019). Every number is a cosine of "
           "unit-length vectors.")

space = widgets.require_space("the bias probes")
if not space.is_words:
    st.info(f"The bias probes measure words against word lists (gender pairs, occupations, the WEAT sets); the "
            f"active model '{space.name}' holds {space.nouns[1]}, so they do not apply to it. Make a word model "
            "active on the Models page.")
    st.stop()
model_id = session.active_model_id()
ws = session.workspace()
DEFAULT = "Bolukbasi et al. gender pairs"
saved = ws.get_setting("bias_directions", {}) or {}


def direction_from(pairs, method):
    return session.cached(model_id, "bias-direction", (tuple(pairs), method),
                          lambda: bias.bias_direction(space, pairs, method=method))


tab_dir, tab_proj, tab_weat, tab_debias = st.tabs(["Direction", "Projections", "WEAT", "Direct bias & hard debias"])

# -- direction ------------------------------------------------------------------------------------
direction = None
with tab_dir:
    start = st.selectbox("Start from", [DEFAULT] + sorted(saved), key="bias-start")
    spec = saved.get(start, {"pairs": bias_words.GENDER_DEFINITIONAL_PAIRS, "method": "pca"})
    left, right = st.columns([1, 1])
    with left:
        pairs_text = st.text_area("Word pairs, one per line (the direction points towards the first word)",
                                  bias.format_pairs(spec["pairs"]), height=260, key=f"bias-pairs-{start}")
        method = st.radio("Method", ["pca", "mean"], index=["pca", "mean"].index(spec.get("method", "pca")),
                          horizontal=True, key=f"bias-method-{start}",
                          format_func={"pca": "first principal component of the centred pairs (Bolukbasi)",
                                       "mean": "mean of the pair differences"}.get)
    with widgets.user_errors():
        direction = direction_from(bias.parse_pairs(pairs_text), method)
    with right:
        if direction is not None:
            ratio = direction.explained_variance_ratio
            st.metric("Variance along the first component", f"{ratio[0]:.0%}",
                      help="Share of the variance of the centred pairs along their first principal component. "
                           "Well above the second one: one direction dominates.")
            st.plotly_chart(views.explained_variance_bar(ratio), key="bias-variance")
            if direction.missing:
                st.warning("Left out (a word is not in the vocabulary): "
                           + ", ".join(f"{a} – {b}" for a, b in direction.missing))
    if direction is not None:
        c1, c2 = st.columns([3, 1])
        name = c1.text_input("Save this direction as", value="" if start == DEFAULT else start, key="bias-save-name",
                             placeholder="e.g. gender")
        if c2.button("Save direction", key="bias-save"):
            if not name.strip():
                st.error("Give the direction a name before saving it.")
            else:
                # one transaction: a direction another session saved meanwhile is kept
                saved = ws.update_setting("bias_directions",
                                          lambda stored: {**(stored or {}), name.strip(): direction.to_setting()})
                st.success(f"Saved the direction '{name.strip()}'; it is listed under 'Start from' and usable as an axis.")

if direction is None:
    for tab in (tab_proj, tab_weat, tab_debias):
        with tab:
            st.info("Define a direction on the Direction tab first.")
    st.stop()
end_labels = (direction.pairs[0][0], direction.pairs[0][1])

# -- projections -----------------------------------------------------------------------------------
with tab_proj:
    words_text = st.text_area("Target words", ", ".join(bias_words.OCCUPATIONS), height=120, key="bias-targets")
    with widgets.user_errors():
        table, missing = bias.project_words(space, bias.parse_words(words_text), direction)
        st.plotly_chart(views.projection_bar(table, labels=end_labels), key="bias-bar")
        if missing:
            st.caption("Not in the vocabulary: " + ", ".join(missing))
        st.download_button("Download projections (CSV)", table.to_csv(index=False), "projections.csv", "text/csv")

    st.subheader("Axes plot")
    st.caption("x and y are word differences ('she - he': she on the right, as in the bar chart above), single "
               "words, or saved directions.")
    a1, a2 = st.columns(2)
    x_spec = a1.text_input("x axis", "she - he", key="bias-x")
    y_spec = a2.text_input("y axis", "rich - poor", key="bias-y")
    axis_words = st.text_area("Words to place", ", ".join(bias_words.OCCUPATIONS[:30]), key="bias-axis-words")
    with widgets.user_errors():
        named = {}
        for key in {x_spec.strip(), y_spec.strip()} & set(saved):
            named[key] = direction_from([tuple(p) for p in saved[key]["pairs"]], saved[key]["method"])
        xy, missing = bias.axes_projection(space, bias.parse_words(axis_words), bias.axis_vector(space, x_spec, named),
                                           bias.axis_vector(space, y_spec, named))
        st.plotly_chart(views.axes_scatter(xy, x_spec, y_spec), key="bias-axes")
        if missing:
            st.caption("Not in the vocabulary: " + ", ".join(missing))

# -- WEAT ------------------------------------------------------------------------------------------
OWN = "Write your own"
query = None
with tab_weat:
    shipped_cover = session.cached(model_id, "weat-coverage", (), lambda: {
        name: bias.coverage(space, bias.WeatQuery.shipped(name)) for name in bias_words.WEAT_TESTS})
    runnable = [name for name, share in shipped_cover.items() if share >= 1 - bias.MAX_MISSING]
    options = list(bias_words.WEAT_TESTS) + [OWN]
    test = st.selectbox("Test (Caliskan et al. 2017; the share is the worst-covered set's words in this model)",
                        options, index=options.index(runnable[0]) if runnable else 0, key="bias-weat-test",
                        format_func=lambda n: n if n == OWN else f"{n} · {shipped_cover[n]:.0%} of words known")
    base = bias.WeatQuery.shipped(test) if test != OWN else bias.WeatQuery(([], []), ([], []))
    cols = st.columns(4)
    roles = ["Target X", "Target Y", "Attribute A", "Attribute B"]
    names = list(base.target_names) + list(base.attribute_names)
    sets = list(base.targets) + list(base.attributes)
    typed_names, typed_sets = [], []
    for i, col in enumerate(cols):
        typed_names.append(col.text_input(roles[i], names[i] if test != OWN else roles[i],
                                          key=f"bias-weat-name-{i}-{test}"))
        typed_sets.append(bias.parse_words(col.text_area("words", ", ".join(sets[i]), height=180,
                                                         key=f"bias-weat-set-{i}-{test}")))
    p1, p2, p3 = st.columns(3)
    n_perm = int(p1.number_input("Permutations (when not exact)", 1_000, 1_000_000, bias.N_PERMUTATIONS, 10_000,
                                 key="bias-weat-nperm"))
    seed = int(p2.number_input("Seed", 0, 2**31 - 1, 0, key="bias-weat-seed"))
    max_missing = p3.slider("Largest share of a set that may be missing", 0.0, 0.9, bias.MAX_MISSING, 0.05,
                            key="bias-weat-missing")
    query = bias.WeatQuery(targets=(typed_sets[0], typed_sets[1]), attributes=(typed_sets[2], typed_sets[3]),
                           target_names=tuple(typed_names[:2]), attribute_names=tuple(typed_names[2:]), name=test)
    weat_key = (test, tuple(map(tuple, typed_sets)), tuple(typed_names), n_perm, seed, max_missing)
    with widgets.user_errors():
        result = session.cached(model_id, "weat", weat_key, lambda: bias.weat(
            space, query, n_permutations=n_perm, seed=seed, max_missing=max_missing))
        m = st.columns(4)
        m[0].metric("Test statistic s(X, Y, A, B)", f"{result.statistic:.3f}")
        m[1].metric("Effect size d", f"{result.effect_size:.2f}", help="Caliskan et al.'s d; std with ddof=1.")
        m[2].metric("p-value (one-sided)", f"{result.p_value:.3g}")
        m[3].metric("Partitions", f"{result.n_partitions:,}", help=(
            "exact: every equal-size partition enumerated" if result.method == "exact"
            else f"sampled: random partitions, seed {result.seed}"))
        st.caption(f"p-value {result.method}: " + (
            "all partitions of X ∪ Y enumerated." if result.method == "exact"
            else f"{result.n_partitions:,} random partitions with seed {result.seed}."))
        for set_name, words in result.missing.items():
            if words:
                st.warning(f"{set_name}: not in the vocabulary, left out: {', '.join(words)}")
        st.plotly_chart(views.weat_null_histogram(result.null, result.statistic, result.p_value, result.method),
                        key="bias-weat-hist")
        st.plotly_chart(views.weat_word_scores(result.word_scores, typed_names[2:]), key="bias-weat-words")
        st.download_button("Download word associations (CSV)", result.word_scores.to_csv(index=False),
                           "weat_words.csv", "text/csv")

# -- direct bias and hard debias ---------------------------------------------------------------------
with tab_debias:
    st.subheader("Direct bias")
    n1, n2 = st.columns([3, 1])
    neutral_text = n1.text_area("Neutral words", ", ".join(bias_words.NEUTRAL_WORDS), height=100,
                                key="bias-neutral")
    c = n2.number_input("Strictness c", 0.1, 5.0, 1.0, 0.1, key="bias-c")
    neutral = bias.parse_words(neutral_text)
    with widgets.user_errors():
        db = bias.direct_bias(space, neutral, direction, c=c)
        st.metric(f"DirectBias (c = {c:g})", f"{db.value:.3f}",
                  help="Mean |cos(w, g)|^c over the neutral words (Bolukbasi et al. 2016): 0 = no bias.")
        if db.missing:
            st.caption("Not in the vocabulary: " + ", ".join(db.missing))

    st.subheader("Hard debias (neutralise + equalise)")
    if space.kind == "debiased":
        source_id = space.info.get("params", {}).get("source_model_id")
        st.info("The active model is already a debiased copy; the comparison below is with its original.")
    else:
        source_id = model_id
        eq_text = st.text_area("Equalise pairs", bias.format_pairs(bias_words.GENDER_EQUALISE_PAIRS), height=150,
                               key="bias-equalise")
        new_name = st.text_input("Name of the new model", f"{space.name} · hard-debiased", key="bias-new-name")
        st.caption("The definitional pairs and method of the Direction tab define what is removed. Every word "
                   f"except {len(bias_words.GENDER_SPECIFIC)} gender-specific ones (and the pairs' words) is "
                   "neutralised. The original model is kept.")
        def debiased(summary):
            st.session_state["bias-compare"] = summary["model_id"]
            st.session_state["bias-debias-done"] = {**summary, "source": model_id}

        if st.button("Create debiased model", type="primary", key="bias-debias"):
            with widgets.user_errors():
                if len(space) > config.inline_limit("debias_words"):
                    # every vector rewritten and a copy saved: a background job for a large space
                    st.session_state["bias-debias-job"] = jobs.submit(ws, "debias", {
                        "model_id": model_id, "definitional_pairs": [list(p) for p in direction.pairs],
                        "equalise_pairs": [list(p) for p in bias.parse_pairs(eq_text)],
                        "method": direction.method, "name": new_name}, f"Hard-debias {space.name}")
                else:
                    with st.spinner("Debiasing..."):
                        made = bias.hard_debias(space, direction.pairs, bias.parse_pairs(eq_text),
                                                method=direction.method, name=new_name)
                        debiased({"model_id": ws.save_space(made.space, new_name), "name": new_name,
                                  "n_neutralised": made.n_neutralised, "equalised": len(made.equalised),
                                  "missing_equalise": made.missing_equalise})
        if st.session_state.get("bias-debias-job"):
            widgets.job_panel(st.session_state["bias-debias-job"], key="bias-debias-panel",
                              on_done=lambda status: (debiased(status["result"]),
                                                      st.session_state.pop("bias-debias-job", None)))
        summary = st.session_state.get("bias-debias-done")
        if summary and summary.get("source") == model_id:
            st.success(f"Created '{summary['name']}': {summary['n_neutralised']:,} words neutralised, "
                       f"{summary['equalised']} pairs equalised. It is in the Models list.")
            if summary["missing_equalise"]:
                st.caption("Equalise pairs skipped (word missing or repeated): "
                           + ", ".join(f"{a} – {b}" for a, b in summary["missing_equalise"]))

    models = ws.models()
    if space.kind == "debiased":
        pairs_of_models = [(source_id, model_id)] if source_id in set(models["id"]) else []
    else:
        children = [r["id"] for _, r in models[models["kind"] == "debiased"].iterrows()
                    if ws.model_record(r["id"])["params"].get("source_model_id") == model_id]
        pairs_of_models = [(model_id, cid) for cid in children]
    if not pairs_of_models:
        st.caption("No debiased copy of this model yet: create one above to compare before and after.")
        st.stop()
    labels = dict(zip(models["id"], models["name"]))
    default = st.session_state.get("bias-compare")
    ids = [p[1] for p in pairs_of_models]
    chosen = st.selectbox("Compare with", ids, index=ids.index(default) if default in ids else 0,
                          format_func=labels.get, key="bias-compare-pick")
    original_id, debiased_id = next(p for p in pairs_of_models if p[1] == chosen)

    st.subheader("Before and after")
    with widgets.user_errors():
        original = session.load_space(original_id)
        debiased = session.load_space(debiased_id)
        params = debiased.info.get("params", {})
        removed = session.cached(original_id, "bias-direction",
                                 (tuple(map(tuple, params.get("definitional_pairs", []))),
                                  params.get("direction_method", "pca")),
                                 lambda: bias.bias_direction(original, [tuple(p) for p in params["definitional_pairs"]],
                                                             method=params.get("direction_method", "pca")))
        st.caption("Measured along the direction removed: " + ", ".join(f"{a} – {b}" for a, b in removed.pairs))
        before, _ = bias.project_words(original, bias.parse_words(words_text), removed)
        after, _ = bias.project_words(debiased, bias.parse_words(words_text), removed)
        st.plotly_chart(views.before_after_projections(before, after), key="bias-before-after")

        # which WEAT test the comparison reuses is said, and can be changed, here
        ba_options = ["weat-tab"] + list(bias_words.WEAT_TESTS)
        ba_test = st.selectbox("WEAT test compared before and after", ba_options, key="bias-ba-weat",
                               format_func=lambda n: (f"the one on the WEAT tab: {query.name}" if n == "weat-tab"
                                                      else n))
        if ba_test == "weat-tab":
            ba_query, ba_key = query, weat_key
        else:
            ba_query = bias.WeatQuery.shipped(ba_test)
            ba_key = (ba_test, tuple(map(tuple, list(ba_query.targets) + list(ba_query.attributes))),
                      tuple(list(ba_query.target_names) + list(ba_query.attribute_names)), n_perm, seed, max_missing)
        st.caption(f"WEAT below: **{ba_query.name}** — {ba_query.target_names[0]} vs {ba_query.target_names[1]}, "
                   f"{ba_query.attribute_names[0]} vs {ba_query.attribute_names[1]} "
                   f"({n_perm:,} permutations when not exact, seed {seed}).")
        col_b, col_a = st.columns(2)
        for col, sp, sid, label in ((col_b, original, original_id, "Original"), (col_a, debiased, debiased_id,
                                                                                 "Debiased")):
            with col:
                st.markdown(f"**{label}** — {labels.get(sid, sid)}")
                dbv = bias.direct_bias(sp, neutral, removed, c=c)
                st.metric(f"DirectBias (c = {c:g})", f"{dbv.value:.3f}")
                try:
                    w = session.cached(sid, "weat", ba_key, lambda sp=sp: bias.weat(
                        sp, ba_query, n_permutations=n_perm, seed=seed, max_missing=max_missing))
                    st.metric(f"WEAT effect size ({ba_query.name.split(':')[0]})", f"{w.effect_size:.2f}")
                    st.metric("WEAT p-value", f"{w.p_value:.3g}")
                except InputError:
                    st.caption(f"WEAT ({ba_query.name}) cannot run on this model: see the WEAT tab.")
                known = (ws.get_setting("bias_analogy", {}) or {}).get(sid)
                if known:
                    st.metric("Google analogy accuracy (3CosAdd)", f"{known['accuracy']:.1%}",
                              help=f"{known['n_questions']:,} questions within the {known['restrict_vocab']:,} "
                                   "most frequent words")

        def remember_accuracy(status):
            ws.update_setting("bias_analogy", lambda stored: {**(stored or {}), **status["result"]["accuracy"]})

        job_key = f"bias-analogy-job-{debiased_id}"
        if st.session_state.get(job_key):
            widgets.job_panel(st.session_state[job_key], key=job_key, on_done=remember_accuracy)
        elif st.button("Compute the analogy accuracy of both (background job, about a minute per model)",
                       key="bias-analogy"):
            st.session_state[job_key] = jobs.submit(ws, "bias_analogy", {"model_ids": [original_id, debiased_id]},
                                                    title="Analogy accuracy before and after debiasing")
            st.rerun()

        st.subheader("Lipstick on a pig? (Gonen & Goldberg 2019)")
        n_side = st.slider("Most biased words per side", 20, 500, 250, 10, key="bias-gg-n")
        check = session.cached(debiased_id, "cluster-check", (original_id, n_side), lambda: bias.cluster_check(
            original, debiased, removed, n_per_side=n_side))
        g1, g2 = st.columns(2)
        g1.metric("Cluster accuracy, original", f"{check.accuracy_before:.0%}")
        g2.metric("Cluster accuracy, debiased", f"{check.accuracy_after:.0%}",
                  help="k-means (k=2) on the debiased vectors of the most biased words of the original: "
                       "far above 50% means the bias is still recoverable from the neighbours.")
        st.caption(f"{len(check.table) // 2} most {end_labels[0]}-leaning and {end_labels[1]}-leaning words of the "
                   "original (gender-specific words left out), clustered with k-means (k=2); 50% = chance.")
        st.dataframe(check.table, hide_index=True, height=250)
