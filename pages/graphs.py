"""Graphs: pick a shipped graph or upload an edge list, see its statistics, train DeepWalk / node2vec / spectral."""

import streamlit as st

from embedlab.errors import InputError
from embedlab.sources import graphs as src
from embedlab.sources.ratings import separator_name
from embedlab.store import shared_cache
from embedlab.ui import session, widgets
from embedlab.ui.entry import through_app
from embedlab.ui.training import training_runs, training_section
from embedlab.views import graph as views

through_app()
st.title("Graphs: nodes as embeddings")
st.caption("The Word2Vec that learns words from sentences learns nodes from random walks on a graph (DeepWalk, "
           "node2vec); a spectral embedding gets them from the graph Laplacian's eigenvectors instead.")

ws = session.workspace()
SEPARATORS = {"guess": None, "comma": ",", "tab": "\t", "spaces": "whitespace", "pipe |": "|", "semicolon ;": ";"}
ENCODINGS = ["detect", "utf-8", "latin-1", "cp1252", "utf-16"]
NONE = "— none —"


def use_graph(graph) -> None:
    graph_id = src.save_graph(ws, graph)  # the same content is stored once
    st.session_state["graph_id"] = graph_id
    ws.set_setting(src.CURRENT_SETTING, graph_id)


# -- 1. the graph -------------------------------------------------------------------------------
st.header("1. Graph")
source = st.radio("Source", ["Shipped graph", "Upload an edge list"], horizontal=True, key="graph-source")
if source == "Shipped graph":
    keys = list(src.SAMPLE_GRAPHS)
    key = st.selectbox("Graph", keys, format_func=lambda k: src.SAMPLE_GRAPHS[k].title, key="graph-sample")
    spec = src.SAMPLE_GRAPHS[key]
    st.markdown(spec.description)
    st.caption(f"Source: {spec.citation} Licence: {spec.licence}.")
    if st.button("Use this graph", key="graph-use-sample"):
        with widgets.user_errors():
            use_graph(shared_cache.sample_graph(key))
else:
    st.caption("One edge per line: two node ids, optionally a weight (CSV, TSV, spaces, pipe or semicolon; with or "
               "without a header; `#` and `%` comment lines skipped; .gz and .zip fine). Ids are text: '7' and "
               "'007' are two nodes. Self-loops and zero weights are dropped, duplicate edges merged, isolated "
               f"nodes and components reported. At most {src.max_nodes():,} nodes and {src.max_edges():,} edges.")
    up = st.file_uploader("Edge list", key="graph-upload")
    c1, c2, c3, c4 = st.columns(4)
    sep = SEPARATORS[c1.selectbox("Separator", list(SEPARATORS), key="graph-sep")]
    header = {"guess": None, "yes": True, "no": False}[c2.selectbox("Header line", ["guess", "yes", "no"],
                                                                    key="graph-header")]
    enc = c3.selectbox("Encoding", ENCODINGS, key="graph-enc")
    enc = None if enc == "detect" else enc
    directed = c4.toggle("Directed", key="graph-directed",
                         help="Directed: an edge a → b is walked from a to b only. Undirected: a b and b a are "
                              "one edge.")
    if up is not None:
        raw = None
        with widgets.user_errors():
            raw = src.read_edge_table(up.getvalue(), up.name, sep, header, enc)
        if raw is not None:
            st.caption(f"Read with fields separated by {separator_name(raw.separator)}, header line: "
                       f"{'yes' if raw.header else 'no'}, encoding {raw.encoding}; {len(raw.frame):,} lines.")
            for note in raw.notes:
                st.caption(f"ℹ️ {note}")
            st.dataframe(raw.frame.head(5), hide_index=True)
            cols = list(raw.frame.columns)
            guess = src.guess_edge_columns(raw)
            m1, m2, m3 = st.columns(3)
            s_col = m1.selectbox("Source column", cols, index=cols.index(guess["source"]), key="graph-col-source")
            t_col = m2.selectbox("Target column", cols, index=cols.index(guess["target"]), key="graph-col-target")
            options = [NONE] + cols
            w_col = m3.selectbox("Weight column (none: unweighted)", options,
                                 index=options.index(guess["weight"]) if guess["weight"] else 0,
                                 key="graph-col-weight")
            if guess["weight"] and w_col == guess["weight"] and not raw.header:
                m3.caption(f"'{w_col}' holds numbers, so it is read as the weight; choose none if it is something "
                           "else (a time, an id).")
            st.markdown("**Node attributes** (optional): a file with a node id column and any other columns "
                        "(a class to predict, a name to show).")
            a1, a2 = st.columns([3, 1])
            attr_up = a1.file_uploader("Attribute file", key="graph-attr-upload")
            attr_enc = a2.selectbox("Attribute file encoding", ENCODINGS, key="graph-attr-enc")
            attr_enc = None if attr_enc == "detect" else attr_enc
            attr_raw, id_col, label_col = None, None, None
            if attr_up is not None:
                with widgets.user_errors():
                    attr_raw = src.read_attribute_table(attr_up.getvalue(), attr_up.name, encoding=attr_enc)
                if attr_raw is not None:
                    acols = list(attr_raw.frame.columns)
                    st.dataframe(attr_raw.frame.head(5), hide_index=True)
                    b1, b2 = st.columns(2)
                    id_col = b1.selectbox("Node id column", acols, index=acols.index(src.guess_id_column(attr_raw)),
                                          key="graph-attr-id")
                    label_options = ["guess"] + [c for c in acols if c != id_col] + [NONE]
                    label_col = b2.selectbox("Display-label column (the name shown for a node)", label_options,
                                             key="graph-attr-label",
                                             help="guess: a column called name, title or label whose values are "
                                                  "mostly distinct; none: the node id.")
            name = st.text_input("Graph name", up.name, key=f"graph-name-{up.name}")
            if st.button("Use this graph", key="graph-use-upload", type="primary"):
                with widgets.user_errors():
                    graph = src.build_graph(raw, s_col, t_col, None if w_col == NONE else w_col, directed,
                                            name=name.strip() or up.name)
                    if attr_raw is not None:
                        attrs, attr_notes = src.attributes_from_table(attr_raw, id_col)
                        label = None if label_col in ("guess", NONE) else label_col
                        src.attach_attributes(graph, attrs, attr_notes, label_column=label,
                                              guess_label=label_col != NONE)
                    use_graph(graph)

# -- stored graphs: each content once; delete what you no longer need (disk quota) --------------
stored = src.stored_graphs(ws)
widgets.show_flash("graph-delete")
if not stored.empty:
    with st.expander(f"Stored graphs ({len(stored)})"):
        names = {i: f"{n} · {v:,} nodes, {e:,} edges" for i, n, v, e in
                 zip(stored["id"], stored["name"], stored["nodes"], stored["edges"])}
        current = st.session_state.get("graph_id") or ws.get_setting(src.CURRENT_SETTING)
        ids = list(names)
        pick = st.selectbox("Graph", ids, format_func=names.get, key="graph-stored-pick")
        b1, b2 = st.columns(2)
        if pick != current and b1.button("Show this graph", key="graph-stored-use"):
            st.session_state["graph_id"] = pick
            ws.set_setting(src.CURRENT_SETTING, pick)
            st.rerun()
        st.caption("Models trained on a graph stay when it is deleted, and Explore still draws their edges; "
                   "evaluating them needs the graph again.")

        def delete(graph_id: str) -> None:
            src.delete_graph(ws, graph_id)
            if st.session_state.get("graph_id") == graph_id:
                st.session_state["graph_id"] = None

        with b2:
            widgets.confirm_delete("graph-delete", pick, "graph", str(stored.set_index("id").loc[pick, "name"]),
                                   delete)

graph_id = st.session_state.get("graph_id") or ws.get_setting(src.CURRENT_SETTING)
graph = None
if graph_id:
    try:
        graph = session.cached(None, "graph", (graph_id,), lambda: src.load_graph(ws, graph_id))
    except InputError as exc:  # deleted elsewhere: forget it
        st.warning(str(exc))
if graph is None:
    st.info("Choose a graph above to see its statistics and train a model.")
    st.stop()

# -- 2. statistics ------------------------------------------------------------------------------
st.header(f"2. Statistics: {graph.name}")
stats = session.cached(None, "graph-stats", (graph_id,), graph.stats)
m = st.columns(5)
m[0].metric("nodes", f"{stats['nodes']:,}")
m[1].metric("edges", f"{stats['edges']:,}")
m[2].metric("density", f"{stats['density']:.4f}" if stats["density"] >= 1e-4 else f"{stats['density']:.2e}")
m[3].metric("components", f"{stats['components']:,}")
m[4].metric("isolated nodes", f"{stats['isolated_nodes']:,}")
shown_above = source == "Shipped graph" and graph.source == f"sample:{st.session_state.get('graph-sample')}"
if graph.citation and not shown_above:
    st.caption(f"Source: {graph.citation}" + (f" Licence: {graph.licence}." if graph.licence else ""))
for note in graph.notes:
    st.caption(f"ℹ️ {note}")
with st.expander("All figures"):
    st.dataframe(views.stats_table(stats), hide_index=True)
    d1, d2 = st.columns(2)  # the files are made when a button is pressed, not on every run
    d1.download_button("Edge list (CSV)", lambda: graph.to_frames()[0].to_csv(index=False), f"{graph.name}-edges.csv",
                       key="graph-dl-edges", help="Node ids as read, after self-loops were dropped and duplicates "
                                                  "merged.")
    d2.download_button("Nodes and attributes (CSV)", lambda: graph.to_frames()[1].to_csv(index=False),
                       f"{graph.name}-nodes.csv", key="graph-dl-nodes")
g1, g2 = st.columns(2)
g1.plotly_chart(views.degree_distribution_figure(graph.degree_distribution(), graph.directed), key="graph-degrees")
g2.plotly_chart(views.component_sizes_figure(graph.component_sizes()), key="graph-components")
if graph.n_nodes <= views.MAX_PICTURE_NODES:
    colourings = ["nothing"] + graph.attribute_columns() + ["degree", "Louvain community"]
    default = graph.label_column if graph.label_column in colourings else "nothing"
    colour_by = st.selectbox("Colour the picture by", colourings, key=session.keep_widget(
        f"graph-picture-colour-{graph_id}", default, valid=colourings.__contains__))
    session.remember_widget(f"graph-picture-colour-{graph_id}", colour_by)

    def picture():
        if colour_by == "nothing":
            return views.graph_picture(graph)
        if colour_by == "degree":
            return views.graph_picture(graph, graph.degrees(), "degree")
        if colour_by == "Louvain community":
            from embedlab.probes.graph_eval import louvain_communities

            return views.graph_picture(graph, [f"c{c + 1}" for c in louvain_communities(graph)], "community")
        return views.graph_picture(graph, graph.node_meta[colour_by].to_numpy(), colour_by)

    st.plotly_chart(session.cached(None, "graph-picture", (graph_id, colour_by), picture), key="graph-picture")
else:
    st.caption(f"The force-directed picture is drawn for graphs of at most {views.MAX_PICTURE_NODES:,} nodes; this "
               f"one has {graph.n_nodes:,}. Train a model and draw its edges over a projection on Explore instead.")

# -- 3. training --------------------------------------------------------------------------------
st.header("3. Train")
st.caption("DeepWalk and node2vec report two stages: the random walks, then Word2Vec's epochs. Nodes without edges "
           "get no vector.")
with widgets.user_errors():
    training_section("graph", graph_id, graph.name, key="graph", jobs_key="graph_train_jobs")
training_runs("graph_train_jobs", key="graph-run")
st.page_link("pages/graph_eval.py", label="Evaluate a trained model (node classification, link prediction)",
             icon="🎯")
