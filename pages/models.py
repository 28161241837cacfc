"""Models: every model in the workspace; make one active, rename or delete it (instructors: publish it)."""

import datetime as dt

import streamlit as st

from embedlab.ui import session
from embedlab.ui.entry import through_app
from embedlab.ui.widgets import user_errors

through_app()
st.title("Models")
ws = session.workspace()
models = ws.models()
if models.empty:
    st.info("No models yet. Train one on the Home or Train page.")
    st.stop()

table = models.assign(
    created=[dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M") for t in models["created_at"]],
    train_s=models["train_seconds"].round(1),
    shared=models["published"].map({1: "published", 0: ""}),
)[["name", "kind", "corpus_name", "vocab_size", "dim", "train_s", "created", "status", "shared", "id"]]
st.dataframe(table, hide_index=True, column_config={"train_s": "training (s)", "corpus_name": "corpus"})
damaged = models[models["status"] == "damaged"]
if not damaged.empty:
    st.warning(f"{len(damaged)} model(s) have damaged or missing files and cannot be opened: "
               f"{', '.join(damaged['name'])}. Delete them.")

labels = dict(zip(models["id"], models["name"] + " · " + models["kind"] + " · " + models["status"]
                  + models["published"].map({1: " · published", 0: ""})))
model_id = st.selectbox("Model", models["id"].tolist(), format_func=labels.get)
record = ws.model_record(model_id)
read_only = bool(record["published"])
if read_only:
    st.caption("📌 Published by the instructor for everyone: read-only. You can make it active and explore it.")
with st.expander("Parameters"):
    st.json(record["params"])

c1, c2, c3 = st.columns(3)
with c1:
    if st.button("Make active", disabled=labels[model_id].endswith("damaged")):
        session.set_active_model(model_id)
        st.rerun()
with c2:
    new_name = st.text_input("New name", record["name"], disabled=read_only)
    if st.button("Rename", disabled=read_only):
        with user_errors():
            ws.rename_model(model_id, new_name)
            session.forget_space(model_id)
            st.rerun()
with c3:
    confirm = st.checkbox("Yes, delete it", disabled=read_only)
    if st.button("Delete", disabled=not confirm or read_only):
        ws.delete_model(model_id)
        session.forget_space(model_id)
        if session.active_model_id() == model_id:
            session.set_active_model(None)
        st.rerun()

if session.is_instructor():
    st.subheader("Publish (instructor)")
    st.caption("A published model is copied to a shared area that every workspace on this server lists, read-only.")
    with user_errors():
        if not read_only and st.button("Publish to everyone", disabled=labels[model_id].endswith("damaged")):
            ws.publish_model(model_id)
            st.success(f"Published '{record['name']}': every visitor now sees it in their model list.")
        if read_only and st.button("Unpublish"):
            ws.unpublish_model(model_id)
            session.forget_space(model_id)
            st.rerun()
