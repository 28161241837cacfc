"""Explore: project the space to 2-D/3-D (PCA, UMAP, t-SNE), see its distortion, search, select, export."""

import streamlit as st

from embedlab import config
from embedlab.probes import projection as P
from embedlab.probes.neighbours import nearest_neighbours, neighbours_of_words
from embedlab.probes.projection.umap.warmup import warm_up_status
from embedlab.ui import background, session, widgets
from embedlab.ui.item_views import extras
from embedlab.ui.entry import through_app
from embedlab.ui.tables import table_columns
from embedlab.views import scatter
from embedlab.views.selection import selected_words
from embedlab.views.tables import for_display

through_app()
st.title("Explore")
space = widgets.require_space("Explore")
model_id = session.active_model_id()
noun, nouns = space.nouns
item_extras = extras(space)  # what this kind of item adds (edges, snippets, thumbnails)
wording = P.top_wording(space)  # "most frequent" words; a random sample of documents (whose count is a length)
st.caption(f"{space.name}: {space.count_text(len(space))} × {space.dim} dimensions.")

tab_map, tab_nn = st.tabs(["Projection", "Nearest neighbours"])

# ---------------------------------------------------------------- neighbours
with tab_nn:
    c1, c2 = st.columns([3, 1])
    example = space.labels[min(50, len(space) - 1)]
    query = c1.text_input(f"{space.label_nouns[0].capitalize()} or id" if space.has_labels else "Word",
                          key="explore-nn-word", placeholder=f"e.g. {example}")
    k_nn = c2.number_input("Neighbours", 1, 100, 10, key="explore-nn-k")
    if query.strip():
        with widgets.user_errors():
            table = session.cached(model_id, "nn", (query.strip(), int(k_nn)),
                                   lambda: nearest_neighbours(space, query.strip(), int(k_nn)))
            if space.has_labels:
                st.caption(f"Nearest {nouns} of **{space.label(table.attrs['query'])}** "
                           f"(id {table.attrs['query']}), by cosine similarity")
            st.dataframe(for_display(space, table), hide_index=True,
                         column_config=table_columns(space, wide=True))
            if item_extras.neighbours is not None:
                item_extras.neighbours(space, table)

# ---------------------------------------------------------------- projection
METHOD_NAMES = {"pca": "PCA", "umap": "UMAP", "tsne": "t-SNE"}
#: The projection form's widgets, by the name of the param each one sets.
FORM_KEYS = {"source": "explore-source", "n_top": "explore-n", "pasted": "explore-pasted",
             "queries": "explore-queries", "k_hood": "explore-hood-k", "method": "explore-method",
             "dims": "explore-dims", "sph": "explore-spherize", "metric": "explore-metric", "nn": "explore-umap-nn",
             "md": "explore-umap-md", "ep": "explore-umap-epochs", "perp": "explore-perp", "dk": "explore-dk",
             "seed": "explore-seed"}
with tab_map:
    isolate = st.session_state.get("explore-isolate")
    # The picture is drawn from the stored params; the form shows them too. Its widgets' state is gone after
    # a visit to another page (Streamlit forgets widgets a run did not draw), so it is put back from the params
    # here, the one place, before the form is drawn: Project then redraws the same picture.
    defaults = dict(source="most frequent", n_top=min(2000, len(space)), pasted="", queries="", k_hood=30,
                    method="pca", dims=2, sph=False, metric="cosine", nn=15, md=0.1, perp=30.0, dk=10, ep=None,
                    seed=False)
    params = st.session_state.get("explore-params") or defaults
    shown = {**params, "n_top": min(max(int(params["n_top"]), 5), len(space)), "perp": int(params["perp"]),
             "ep": "auto" if params.get("ep") is None else int(params["ep"])}
    for name, key in FORM_KEYS.items():
        session.keep_widget(key, shown.get(name, defaults[name]))
    with st.form("explore-form"):
        c1, c2, c3 = st.columns(3)
        source = c1.radio("Points", ["most frequent", "pasted words", "neighbourhood"], key="explore-source",
                          format_func=lambda s: wording["source"] if s == "most frequent" else s,
                          help=f"The first N ({wording['source']}), a list you paste, or query words with their "
                               "nearest neighbours.")
        n_top = c1.number_input(wording["n"], 5, len(space), step=500, key="explore-n")
        pasted = c1.text_area(f"Pasted {space.label_nouns[1] if space.has_labels else 'words'}", key="explore-pasted",
                              height=80, placeholder=(f"one {space.label_nouns[0]} or id per line"
                                                      if space.has_labels else "king queen man woman ..."))
        queries = c1.text_input("Query words (neighbourhood)" if space.is_words and not space.has_labels
                                else f"Query {space.label_nouns[1]} (neighbourhood; separate with ;)",
                                key="explore-queries",
                                placeholder="good bad" if not space.has_labels else space.labels[0])
        k_hood = c1.number_input("Neighbours per query word", 1, 500, key="explore-hood-k")
        method = c2.selectbox("Projection", list(METHOD_NAMES), format_func=METHOD_NAMES.get, key="explore-method")
        dims = c2.radio("Dimensions", [2, 3], horizontal=True, key="explore-dims")
        sph = c2.checkbox("Spherize (centre and unit-normalise first)", key="explore-spherize")
        metric = c2.selectbox("Metric (UMAP, t-SNE, distortion)", list(P.KNN_METRICS), key="explore-metric")
        nn = c3.slider("UMAP n_neighbors", 2, 100, key="explore-umap-nn")
        md = c3.slider("UMAP min_dist", 0.0, 1.0, step=0.05, key="explore-umap-md")
        epochs = c3.selectbox("UMAP epochs", ["auto", 50, 100, 200, 500], key="explore-umap-epochs",
                              help="Optimisation epochs of the layout; auto = 500 up to 10,000 points, else 200 "
                                   "(umap-learn's choice). Fewer is faster and a little less faithful: on 10,000 "
                                   "words 100 epochs took 0.4 s instead of 1.6 s, trustworthiness 0.816 instead "
                                   "of 0.822.")
        perp = c3.slider("t-SNE perplexity", 2, 100, key="explore-perp")
        dk = c3.number_input("Distortion k", 2, 30, key="explore-dk",
                             help="k of the trustworthiness and of the per-point k-NN overlap.")
        seed_on = c3.checkbox("Reproducible (seed 0)", key="explore-seed",
                              help="Same picture every time; UMAP then runs on one core and takes longer.")
        submitted = st.form_submit_button("Project", type="primary")
    if submitted:
        st.session_state["explore-isolate"] = isolate = None
        st.session_state["explore-params"] = params = dict(
            source=source, n_top=int(n_top), pasted=pasted, queries=queries, k_hood=int(k_hood), method=method,
            dims=int(dims), sph=bool(sph), metric=metric, nn=int(nn), md=float(md), perp=float(perp), dk=int(dk),
            ep=None if epochs == "auto" else int(epochs), seed=bool(seed_on))

    result = None
    with widgets.user_errors():
        if isolate:
            points = P.choose_keys(space, isolate, f"{len(isolate):,} isolated {nouns}")
        elif params["source"] == "pasted words":
            points = P.choose_words(space, params["pasted"])
        elif params["source"] == "neighbourhood":
            points = P.choose_neighbourhood(space, params["queries"], params["k_hood"])
        else:
            points = P.choose_top(space, params["n_top"])
        if points.unknown:
            st.warning(f"Not in the vocabulary (left out): {', '.join(points.unknown[:50])}"
                       + (" ..." if len(points.unknown) > 50 else ""))
        knn_k = min(max(31, params["nn"], params["dk"] + 1), len(points.indices))
        knn_key = (points.key, params["sph"], params["metric"], knn_k)

        seed = 0 if params["seed"] else None
        # the most frequent words of a published model are the same for a whole class: one projection for all
        untyped = not isolate and params["source"] == "most frequent"

        slot = st.empty()  # a progress bar while a projection is computed, not when it comes from the cache

        def knn_graph(report):
            # one k-NN graph per point set, wide enough for any n_neighbors up to 30: reused by
            # every projection of these points (UMAP, and the k-NN overlap of all methods)
            X = space.vectors[points.indices]
            return P.knn_graph(P.spherize(X) if params["sph"] else X, knn_k, params["metric"], random_state=seed,
                               progress=lambda f, message: report(0.3 * f, message))

        def compute():
            report = widgets.streamlit_progress(
                slot.progress(0.0, text=f"{METHOD_NAMES[params['method']]} of {len(points.indices):,} points"))
            knn = session.cached(model_id, "explore-knn", knn_key, lambda: knn_graph(report), shared=untyped)
            return P.project(space, points, params["method"], params["dims"], spherize_first=params["sph"],
                             n_neighbors=params["nn"], min_dist=params["md"], metric=params["metric"],
                             perplexity=params["perp"], distortion_k=params["dk"], knn=knn, random_state=seed,
                             n_epochs=params.get("ep"), progress=report)

        proj_key = (points.key, params["method"], params["dims"], params["sph"], params["metric"], params["dk"], seed) + (
            (params["nn"], params["md"], params.get("ep")) if params["method"] == "umap" else (params["perp"],) if params["method"] == "tsne" else ())
        warm = warm_up_status()
        if params["method"] == "umap" and warm["started"] and not warm["done"] and warm["umap_seconds"] is None:
            st.caption("UMAP's compiled code is still warming up in the background; the first UMAP may take a little longer.")
        # a large UMAP / t-SNE is tens of seconds of compiled work: a background job, not the server's thread
        small = params["method"] == "pca" or len(points.indices) <= config.inline_limit("projection_points")

        def job_args():
            return dict(model_id=model_id, indices=[int(i) for i in points.indices], description=points.description,
                        queries=list(points.queries), method=params["method"], dims=params["dims"],
                        spherize=params["sph"], metric=params["metric"], n_neighbors=params["nn"],
                        min_dist=params["md"], perplexity=params["perp"], distortion_k=params["dk"],
                        random_state=seed, n_epochs=params.get("ep"))

        try:
            result = background.cached_or_background(
                model_id, "explore-projection", proj_key, small, compute, "projection", job_args,
                f"{METHOD_NAMES[params['method']]} of {len(points.indices):,} points of {space.name}",
                lambda status: P.load_projection(status["result"]["folder"]),
                start=bool(submitted) or st.session_state.pop("explore-start-job", False), shared=untyped)
        finally:
            slot.empty()

    if result is not None:
        frame = result.frame
        # -- colour, labels, search (live; no re-projection)
        c1, c2, c3 = st.columns([2, 2, 3])
        meta_cols = P.metadata_columns(space)
        options = ["none", "cluster", "frequency", "overlap", "group"] + (["metadata"] if meta_cols else [])
        names = {"none": "nothing", "cluster": "k-means cluster", "frequency": wording["frequency"],
                 "overlap": "k-NN overlap (distortion)", "group": "my groups", "metadata": "metadata column"}
        colour_by = c1.selectbox("Colour by", options, format_func=names.get,
                                 key=session.keep_widget("explore-colour", "none", valid=options.__contains__))
        session.remember_widget("explore-colour", colour_by)
        k_clusters = column = None
        groups = {}
        if colour_by == "cluster":
            k_clusters = c1.slider("k (clusters)", 2, 30, key=session.keep_widget("explore-k-clusters", 8))
            session.remember_widget("explore-k-clusters", k_clusters)
        elif colour_by == "metadata":
            column = c1.selectbox("Column", meta_cols, key=session.keep_widget(
                "explore-meta-col", meta_cols[0], valid=meta_cols.__contains__))
            session.remember_widget("explore-meta-col", column)
        elif colour_by == "group":
            gtext = c1.text_area("Groups, one per line: name: word word ...",
                                 key=session.keep_widget("explore-groups", ""),
                                 placeholder="positive: good great fine\nnegative: bad awful poor")
            session.remember_widget("explore-groups", gtext)
            with widgets.user_errors():
                groups = P.parse_groups(gtext)
        labels_on = c2.toggle("Text labels", value=len(frame) <= 300, key="explore-labels",
                              help="Only labels that fit without overlapping are written, most frequent first "
                                   f"(at most {scatter.MAX_TEXT_LABELS}; {scatter.MAX_TEXT_LABELS_3D} in 3-D). "
                                   "Zoom does not add labels: select a region and isolate it to label more.")
        pattern = c3.text_input(f"Search {space.label_nouns[1]} (substring)" if space.has_labels
                                else "Search (substring)", key="explore-search")
        use_regex = c3.checkbox("regular expression", key="explore-regex")
        extra_options = item_extras.controls(space, c2) if item_extras.controls is not None else {}

        colour, continuous = None, False
        with widgets.user_errors():
            if colour_by != "none":
                colour, continuous = session.cached(
                    model_id, "explore-colour", (proj_key, colour_by, k_clusters, column, tuple(sorted((k, tuple(v)) for k, v in groups.items()))),
                    lambda: P.colour_values(space, result, colour_by, k_clusters or 8, groups, column))
        matches = None
        with widgets.user_errors():
            if pattern:
                # labels are what a reader types (titles); an id typed in full finds its item too
                matches = P.search_mask(frame["label"].tolist(), pattern, regex=use_regex)
                if space.has_labels:
                    matches |= (frame["word"] == pattern.strip()).to_numpy()

        # -- distortion and variance
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("Points", f"{len(frame):,}")
        m2.metric(f"Trustworthiness (k={result.trust_k})", f"{result.trustworthiness:.3f}",
                  help="scikit-learn trustworthiness: 1 = no false neighbours in the picture."
                  + (f" Computed on a random sample of {result.trust_points:,} points." if result.trust_points < len(frame) else ""))
        m3.metric(f"Mean k-NN overlap (k={result.trust_k})", f"{float(frame['knn overlap'].mean()):.2f}",
                  help="Share of each point's nearest neighbours in the original space (cosine) that are also its nearest in the picture.")
        m4.metric("Projection time", f"{result.seconds:.2f} s")
        if result.trust_points < len(frame):
            st.caption(f"Trustworthiness computed on a random sample of {result.trust_points:,} of {len(frame):,} points.")

        fig = scatter.scatter_figure(frame, result.n_components, colour=colour, continuous=continuous,
                                     colour_title=names[colour_by], labels=labels_on, highlight=matches,
                                     method=result.method, explained_variance_ratio=result.explained_variance_ratio,
                                     marked=points.queries)
        if item_extras.decorate is not None:
            for note in item_extras.decorate(fig, frame, space, extra_options) or []:
                st.caption(note)
        chart_key = f"explore-chart-{abs(hash(proj_key)) % 10**9}"
        if result.n_components == 2:
            event = st.plotly_chart(fig, key=chart_key, on_select="rerun", selection_mode=("box", "lasso"))
            chosen = selected_words(event.selection if event else None, frame, scatter.trace_rows(fig))
        else:
            st.plotly_chart(fig, key=chart_key)
            chosen = []
        if item_extras.after_chart is not None:
            item_extras.after_chart(chart_key, frame, space, extra_options)
        st.caption(f"{points.description} · {METHOD_NAMES[result.method]} · "
                   + ", ".join(f"{k}={v}" for k, v in result.params.items()))
        if result.explained_variance_ratio is not None:
            st.plotly_chart(scatter.explained_variance_figure(result.explained_variance_ratio), key="explore-evr")

        if matches is not None:
            found = frame.loc[matches, ["word", "label", "frequency rank"]]
            verb = "matches" if len(found) == 1 else "match"
            st.markdown(f"**{space.count_text(len(found), labels=True)} {verb}** `{pattern}`")
            st.dataframe(for_display(space, found.head(1000)) if space.has_labels else found.head(1000),
                         hide_index=True, height=200, column_config=table_columns(space, wide=True))

        # -- selection: box/lasso in 2-D, or pick from the table (works in 3-D too)
        with st.expander("Pick points from a table" + (" (3-D has no box/lasso selection)" if result.n_components == 3 else ""),
                         expanded=result.n_components == 3):
            shown = frame.loc[matches] if matches is not None else frame
            table = for_display(space, shown[["word", "label", "frequency rank", "knn overlap"]].head(5000))
            picked = st.dataframe(table,
                                  hide_index=True, on_select="rerun", selection_mode="multi-row",
                                  key=f"explore-pick-{chart_key}", height=250,
                                  column_config=table_columns(space, wide=True))
            rows = picked.selection.rows if picked else []
            chosen = chosen + [w for w in shown["word"].iloc[list(rows)].tolist() if w not in chosen]
        if chosen:
            st.markdown(f"**Selected: {space.count_text(len(chosen))}** — their nearest neighbours in the original "
                        "space")
            with widgets.user_errors():
                st.dataframe(for_display(space, neighbours_of_words(space, chosen[:200], 5)), hide_index=True,
                             height=300, column_config=table_columns(space, wide=True))
            if len(chosen) >= 5 and st.button("Isolate selection (re-project only these)", key="explore-isolate-btn"):
                st.session_state["explore-isolate"] = chosen
                st.session_state["explore-start-job"] = True  # a large selection is projected by a job
                st.rerun()
        if isolate and st.button("Back to the full point set", key="explore-unisolate"):
            st.session_state["explore-isolate"] = None
            st.rerun()

        # -- export
        d1, d2 = st.columns(2)
        d1.download_button("Coordinates (CSV)", lambda: scatter.export_csv(frame, colour, names[colour_by]),
                           file_name=f"{space.name}-{result.method}.csv", mime="text/csv", key="explore-dl-csv")
        d2.download_button("Figure (HTML)", lambda: scatter.export_html(fig),
                           file_name=f"{space.name}-{result.method}.html", mime="text/html", key="explore-dl-html",
                           disabled=len(frame) > 20_000,
                           help="Stand-alone page with plotly.js embedded." if len(frame) <= 20_000 else
                           "Figures above 20,000 points are too big for an HTML export; export the CSV instead.")
