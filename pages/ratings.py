"""Ratings: upload or pick a rating table, train a model as a job, evaluate it, compare top-N recommenders,
explore items and users."""

import pandas as pd
import streamlit as st

from embedlab import jobs
from embedlab.errors import InputError
from embedlab.probes import recommend as rec
from embedlab.sources import ratings as src
from embedlab.store import shared_cache
from embedlab.train import registry
from embedlab.train.interactions import ItemItemModel
from embedlab.ui import session, widgets
from embedlab.ui.topn import ANCHOR, comparison_section
from embedlab.ui.entry import through_app
from embedlab.ui.tables import table_columns
from embedlab.ui.training import training_runs, training_section
from embedlab.views import ratings as views

through_app()
st.title("Ratings: users and items as embeddings")
st.caption("Factorise a user × item rating matrix into user and item vectors (the Netflix prize story), learn "
           "item vectors from each user's history with item2vec (Barkan & Koenigstein 2016), or train the models "
           "built for top-N lists (PureSVD, implicit ALS, EASE, item k-NN) and see which ranks best.")

ws = session.workspace()
SEPARATORS = {"guess": None, "comma": ",", "tab": "\t", "pipe |": "|", "semicolon ;": ";", "spaces": "whitespace",
              ":: (MovieLens 1M)": "::"}
ENCODINGS = ["detect", "utf-8", "latin-1", "cp1252", "iso-8859-15", "cp1250", "cp1251", "utf-16"]
ENCODING_HELP = ("Detection tries UTF-8, then Western European (latin-1/cp1252) unless the bytes clearly say "
                 "otherwise. MovieLens 100k's u.item is latin-1.")


def use_table(table):
    table_id = src.save_table(ws, table)
    st.session_state["ratings_table"] = table_id
    ws.set_setting("ratings_table", table_id)


# -- 1. the table ------------------------------------------------------------------
st.header("1. Rating table")
source = st.radio("Source", ["Shipped: MovieLens ml-latest-small", "Upload a file"], horizontal=True,
                  key="ratings-source")
if source.startswith("Shipped"):
    spec = src.SAMPLE_RATINGS["ml-latest-small"]
    st.markdown(f"**{spec['title']}** — {spec['citation']}")
    if st.button("Use ml-latest-small", key="ratings-use-sample"):
        with widgets.user_errors():
            use_table(shared_cache.sample_table("ml-latest-small"))  # parsed once per server, not per click
else:
    st.caption("CSV, TSV, pipe-, semicolon- or space-separated, with or without a header (e.g. MovieLens 100k "
               "`u.data`), optionally .gz. One rating per line. Duplicate (user, item) rows: the last one is kept.")
    up = st.file_uploader("Ratings file", key="ratings-upload")
    c1, c2, c3 = st.columns(3)
    sep = SEPARATORS[c1.selectbox("Separator", list(SEPARATORS), key="ratings-sep")]
    header = {"guess": None, "yes": True, "no": False}[c2.selectbox("Header line", ["guess", "yes", "no"],
                                                                    key="ratings-header")]
    enc = c3.selectbox("Encoding", ENCODINGS, key="ratings-enc", help=ENCODING_HELP)
    enc = None if enc == "detect" else enc
    if up is not None:
        raw = None
        with widgets.user_errors():
            raw = src.read_delimited(up.getvalue(), up.name, sep, header, enc)
        if raw is not None:
            st.caption(f"Read with fields separated by {src.separator_name(raw.separator)}, "
                       f"header line: {'yes' if raw.header else 'no'}, encoding {raw.encoding}.")
            for note in raw.notes:
                st.caption(f"ℹ️ {note}")
            st.dataframe(raw.frame.head(5), hide_index=True)
            cols = list(raw.frame.columns)
            guess = raw.guess_columns()
            none = "— none —"
            m1, m2, m3, m4 = st.columns(4)
            user = m1.selectbox("User column", cols, index=cols.index(guess["user"]), key="ratings-col-user")
            item = m2.selectbox("Item column", cols, index=cols.index(guess["item"]) if guess["item"] else 1,
                                key="ratings-col-item")
            opts = [none] + cols
            rating = m3.selectbox("Rating column (none: implicit feedback)", opts,
                                  index=opts.index(guess["rating"]) if guess["rating"] else 0, key="ratings-col-r")
            stamp = m4.selectbox("Timestamp column", opts,
                                 index=opts.index(guess["timestamp"]) if guess["timestamp"] else 0,
                                 key="ratings-col-t")
            drop_stray = st.checkbox("Leave out stray rows", True, key="ratings-stray",
                                     help="A row whose user or item id appears nowhere else and does not look like "
                                          "the other ids (a 0 where they start at 1, or text among whole numbers) "
                                          "is left out, and named in the notes.")
            i1, i2 = st.columns([3, 1])
            items_up = i1.file_uploader("Item file (optional): id → title, genres (movies.csv, u.item, ...)",
                                        key="ratings-items-upload")
            items_enc = i2.selectbox("Item file encoding", ENCODINGS, key="ratings-items-enc", help=ENCODING_HELP)
            items_enc = None if items_enc == "detect" else items_enc
            if items_up is not None:
                with widgets.user_errors():
                    meta, item_notes = src.read_item_metadata(items_up.getvalue(), items_up.name, items_enc)
                    accented = [t for t in meta["title"].astype(str) if not t.isascii()][:3]
                    st.caption(f"Item file: {len(meta):,} titles, e.g. "
                               + "; ".join(accented or meta["title"].astype(str).head(3).tolist())
                               + ". If accented letters look wrong, choose the item file's encoding.")
                    for note in item_notes:
                        st.caption(f"ℹ️ {note}")
            if st.button("Use this table", key="ratings-use-upload"):
                with widgets.user_errors():
                    table = src.build_table(raw, user, item, None if rating == none else rating,
                                            None if stamp == none else stamp,
                                            stray="drop" if drop_stray else "keep")
                    if items_up is not None:
                        meta, notes = src.read_item_metadata(items_up.getvalue(), items_up.name, items_enc)
                        src.attach_items(table, meta, notes)
                    use_table(table)

# -- stored tables: each content is stored once; delete what you no longer need (disk quota) ----------
stored = src.stored_tables(ws)
widgets.show_flash("ratings-delete")
if not stored.empty:
    with st.expander(f"Stored rating tables ({len(stored)})"):
        names = dict(zip(stored["id"], stored["name"] + " · " + stored["ratings"].map("{:,} ratings".format)))
        doomed = st.selectbox("Table", list(names), format_func=names.get, key="ratings-stored-pick")
        st.caption("Models trained on a table stay when it is deleted; their recommendations need the table and "
                   "stop working.")

        def delete_table(table_id: str) -> None:
            src.delete_table(ws, table_id)
            if st.session_state.get("ratings_table") == table_id:
                st.session_state["ratings_table"] = None

        widgets.confirm_delete("ratings-delete", doomed, "rating table", str(stored.set_index("id").loc[doomed, "name"]),
                               delete_table)

table_id = st.session_state.get("ratings_table") or ws.get_setting("ratings_table")
table = None
if table_id:
    try:
        table = session.cached(None, "rating_table", (table_id,), lambda: src.load_table(ws, table_id))
    except InputError as exc:  # a deleted table: forget it
        st.warning(str(exc))
        table_id = None
if table is None:
    st.info("Choose a rating table above to see its statistics and train a model.")
    st.stop()

# -- 2. statistics -------------------------------------------------------------------
st.header("2. Statistics")
stats = table.stats()
m = st.columns(5)
m[0].metric("users", f"{stats['users']:,}")
m[1].metric("items", f"{stats['items']:,}")
m[2].metric("ratings", f"{stats['ratings']:,}")
m[3].metric("density", f"{stats['density']:.2%}")
m[4].metric("mean rating", "implicit" if table.implicit else f"{stats['rating_mean']:.2f}")
for note in table.notes:
    if note.startswith("Left out"):  # rows the user may want back: not a footnote
        st.warning(note)
    else:
        st.caption(f"ℹ️ {note}")
g = st.columns(3)
g[0].plotly_chart(views.rating_histogram(table.rating_histogram()), key="ratings-hist")
g[1].plotly_chart(views.long_tail(table.user_counts(), "user"), key="ratings-tail-users")
g[2].plotly_chart(views.long_tail(table.item_counts(), "item"), key="ratings-tail-items")

# -- 3. training -----------------------------------------------------------------------
st.header("3. Train")


def trained(status):
    # the freshly trained model is active (training_runs did that); the item picker below follows it
    st.session_state["ratings_model"] = status["result"]["model_id"]
    st.session_state.pop("ratings-model-pick", None)


family, config = training_section("ratings", table_id, table.name, key="ratings", jobs_key="ratings_train_jobs")
kind = family.name
training_runs("ratings_train_jobs", key="ratings-run", on_trained=trained)

# -- 4. evaluation ----------------------------------------------------------------------
st.header("4. Evaluate on held-out ratings")
if kind in ("svd", "item2vec"):
    st.caption(f"Ranking metrics: the top 10 unrated items per user; an item is relevant when the held-out rating is "
               f"≥ {rec.RELEVANCE_THRESHOLD:g} (implicit tables: any held-out item). Baselines: the global mean "
               "(ranking by popularity) and μ + b_u + b_i.")
    e = st.columns(3)
    methods = ["random", "latest"] if table.t is not None else ["random"]
    method = e[0].selectbox("Split", methods, key="ratings-split",
                            format_func={"random": "random ratings", "latest": "each user's latest ratings"}.get)
    fraction = e[1].slider("Held-out fraction", 0.05, 0.5, 0.2, key="ratings-fraction")
    curve_on = e[2].checkbox("RMSE against the number of factors", value=kind == "svd", key="ratings-curve",
                             disabled=kind != "svd")
    if st.button("Evaluate", key="ratings-evaluate"):
        with widgets.user_errors():
            args = {"table_id": table_id, "kind": kind, "config": config, "method": method,
                    "test_fraction": fraction,
                    "factors": [1, 2, 5, 10, 20, 40, 80, 150] if (curve_on and kind == "svd") else None}
            st.session_state["ratings_eval_job"] = jobs.submit(ws, "ratings_eval", args, f"Evaluate {kind}")
            # kept in the workspace, not only this session: the results survive a page switch or a reload
            ws.set_setting("ratings_eval_job", {"table_id": table_id, "job_id": st.session_state["ratings_eval_job"]})
else:  # the top-N models rank without predicting ratings: section 5 judges them
    st.caption(f"{family.title} ranks items and predicts no rating: compare it with the other recommenders in "
               f"[5. Compare top-N recommenders](#{ANCHOR}). Pick SVD or item2vec above to evaluate them "
               "here.")
eval_job = st.session_state.get("ratings_eval_job")
if not eval_job:
    remembered = ws.get_setting("ratings_eval_job") or {}
    eval_job = remembered.get("job_id") if remembered.get("table_id") == table_id else None
if eval_job:
    widgets.job_panel(eval_job, "ratings-eval-panel", on_done=lambda s: None)
    with widgets.user_errors():
        status = jobs.job_status(ws, eval_job)
        if status["state"] == "done":
            result = status["result"]
            metrics = pd.DataFrame(result["metrics"])
            st.dataframe(metrics, hide_index=True, key="ratings-metrics")
            if any(str(row["model"]).startswith("SVD") for row in result["metrics"]):
                st.caption(rec.RANKING_NOTE)
                st.markdown(f"[→ Compare top-N recommenders](#{ANCHOR})")
            st.download_button("Download the metrics (CSV)", metrics.to_csv(index=False), "rating_metrics.csv",
                               key="ratings-metrics-dl")
            if result.get("curve"):
                baseline = next((r["RMSE"] for r in result["metrics"] if r["model"].startswith("μ")), None)
                st.plotly_chart(views.rmse_curve(pd.DataFrame(result["curve"]), baseline), key="ratings-curve-fig")
                st.caption("Training RMSE keeps falling as k grows; held-out RMSE stops improving: with λ chosen on "
                           "validation data the shrinkage keeps the extra factors from fitting noise, without it "
                           "(λ = 0) they do.")

# -- 5. top-N comparison ----------------------------------------------------------------------
comparison_section(table, table_id)

# -- 6. explore ---------------------------------------------------------------------------
st.header("6. Explore items and users")
models = ws.models()
models = models[(models["status"] == "ready") & models["kind"].isin([f.name for f in registry.families("ratings")])]
if models.empty:
    st.info("Train a model above; its item vectors then also work on the Explore page (labelled by title).")
    st.stop()
ids = models["id"].tolist()
current = st.session_state.get("ratings_model") or session.active_model_id()
pick = st.selectbox("Item model", ids, index=ids.index(current) if current in ids else 0, key="ratings-model-pick",
                    format_func={i: f"{n} · {k}" for (i, n), k in zip(widgets.model_labels(models).items(),
                                                                      models["kind"])}.get)
items = session.load_space(pick)
if items.info.get("model"):
    st.caption(items.info["model"])
if items.info.get("vectors"):
    st.caption(items.info["vectors"])
if session.active_model_id() != pick:
    st.button("Make it the active model (Explore, analogies)", key="ratings-activate",
              on_click=session.set_active_model, args=(pick,))
with widgets.user_errors():
    owner = items.info.get("table_id") or table_id
    t_items = session.cached(None, "rating_table", (owner,), lambda: src.load_table(ws, owner))
    users = session.load_space(items.info["users_model_id"]) if items.info.get("users_model_id") else None
    item_item = None
    if items.info.get("scoring") == "item-item":  # EASE, item k-NN: their own item–item weights, saved with them
        item_item = session.cached(pick, "item_item", (), lambda: ItemItemModel.load(ws, pick))
    elif users is None:
        raise InputError("This model has no user vectors saved with it; train it again on this page.")
    x1, x2 = st.columns(2)
    with x1:
        st.subheader("Items like …")
        query = st.text_input("Item title or id", "Toy Story" if "ml-latest" in items.info.get("corpus_name", "")
                              else items.labels[0], key="ratings-like")
        k = st.slider("How many", 5, 30, 10, key="ratings-like-k")
        # 20 ratings suits MovieLens; a small table may have few such items: then the 10th most rated sets it
        tenth = int(sorted(items.counts, reverse=True)[min(9, len(items) - 1)]) if len(items) else 1
        min_r = st.slider("Only items with at least this many ratings", 1, 100, max(1, min(20, tenth)),
                          key="ratings-like-min")
        # a problem here (an unknown title) must not hide the recommendations beside it
        with widgets.user_errors():
            like = session.cached(pick, "items_like", (query, k, min_r),
                                  lambda: rec.items_like(items, query, k, min_r, item_item, t_items))
            found = like.attrs.get("query")
            if found is not None:
                st.caption(f"Items like **{items.labels_of([found])[0]}** (id {found}), {like.attrs['by']}")
            st.dataframe(like, hide_index=True, key="ratings-like-table", column_config=table_columns(items))
    with x2:
        st.subheader("Recommendations for a user")
        user = st.selectbox("User", rec.user_choices(users, t_items), key="ratings-user")
        recs, top = session.cached(pick, "recommend", (user,),
                                   lambda: rec.recommend(items, users, t_items, user, 10, item_item))
        st.markdown("**Top 10 recommendations** (unrated items)")
        if recs.attrs.get("note"):
            st.info(recs.attrs["note"])
        st.dataframe(recs, hide_index=True, key="ratings-recs", column_config=table_columns(items))
        st.markdown("**Items this user rated highest**")
        st.dataframe(top, hide_index=True, key="ratings-top", column_config=table_columns(items))
