"""Models: every model in the workspace; make one active, rename or delete it (instructors: publish it)."""

import dataclasses
import datetime as dt

import pandas as pd
import streamlit as st

from embedlab.train import registry
from embedlab.ui import session
from embedlab.ui.entry import through_app
from embedlab.ui.training import trained_model_figures
from embedlab.ui.widgets import confirm_delete, jobs_list, model_labels, show_flash, user_errors

through_app()
st.title("Models")
ws = session.workspace()
show_flash("models-delete")
jobs_list("models-jobs")
models = ws.models()
if models.empty:
    st.info("No models yet. Train one on the Home or Train page.")
    st.stop()

families = {f.name: f for f in registry.families()}
table = models.assign(
    family=[families[k].title if k in families else k for k in models["kind"]],
    created=[dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M") for t in models["created_at"]],
    train_s=models["train_seconds"].round(1),
    shared=models["published"].map({1: "published", 0: ""}),
)[["name", "family", "kind", "corpus_name", "vocab_size", "dim", "train_s", "created", "status", "shared", "id"]]
st.dataframe(table, hide_index=True, column_config={"train_s": "training (s)", "corpus_name": "data"})
damaged = models[models["status"] == "damaged"]
if not damaged.empty:
    st.warning(f"{len(damaged)} model(s) have damaged or missing files and cannot be opened: "
               f"{', '.join(damaged['name'])}. Delete them.")

names = model_labels(models)
labels = {i: f"{names[i]} · {k} · {s}" for i, k, s in zip(models["id"], models["kind"], models["status"])}
model_id = st.selectbox("Model", models["id"].tolist(), format_func=labels.get)
record = ws.model_record(model_id)
is_damaged = model_id in set(damaged["id"])
read_only = bool(record["published"])
family = families.get(record["kind"])
if family is not None:
    st.caption(f"{family.title} ({family.source}): {family.description}")
if read_only:
    st.caption("📌 Published by the instructor for everyone: read-only. You can make it active and explore it.")
with st.expander("Parameters"):
    if family is not None and record["params"]:
        meaning = {f.name: registry.field_help(f)["help"] for f in dataclasses.fields(family.config)}
        st.dataframe(pd.DataFrame({"parameter": list(record["params"]),
                                   "value": [str(v) for v in record["params"].values()],
                                   "meaning": [meaning.get(k, "") for k in record["params"]]}), hide_index=True)
    else:
        st.json(record["params"])
if not is_damaged:
    with st.expander("How it trained", expanded=family is not None and family.name in ("glove", "ppmi_svd")):
        trained_model_figures(model_id, key="models-figures", skip_loss=False)

c1, c2, c3 = st.columns(3)
with c1:
    is_active = session.active_model_id() == model_id
    st.button("Make active", disabled=is_damaged or is_active, on_click=session.set_active_model, args=(model_id,),
              help="This is the active model." if is_active else "Explore, Analogies, Bias ... then use this model.")
with c2:
    new_name = st.text_input("New name", record["name"], disabled=read_only)
    if st.button("Rename", disabled=read_only):
        with user_errors():
            ws.rename_model(model_id, new_name)
            session.forget_space(model_id)
            st.rerun()
with c3:
    def delete(doomed: str) -> None:
        ws.delete_model(doomed)  # clears the active-model setting when it named this model
        session.forget_space(doomed)

    confirm_delete("models-delete", model_id, "model", names[model_id], delete, disabled=read_only)

if session.is_instructor():
    st.subheader("Publish (instructor)")
    st.caption("A published model is copied to a shared area that every workspace on this server lists, read-only.")
    with user_errors():
        if not read_only and st.button("Publish to everyone", disabled=is_damaged):
            ws.publish_model(model_id)
            st.success(f"Published '{record['name']}': every visitor now sees it in their model list.")
        if read_only and st.button("Unpublish"):
            ws.unpublish_model(model_id)
            session.forget_space(model_id)
            st.rerun()
