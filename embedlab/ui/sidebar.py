"""The sidebar shown on every page: the active model and how to change it."""

from __future__ import annotations

import streamlit as st

from embedlab import config
from embedlab.ui import session


def render() -> None:
    """Show the active model and a picker for the workspace's models."""
    ws = session.workspace()
    models = ws.models()
    ready = models[models["status"] == "ready"]
    with st.sidebar:
        st.markdown("### Active model")
        if config.shared_mode():
            st.caption("Bookmark this page's link: it is the private key to your workspace.")
        current = session.active_model_id()
        if current is not None and current not in set(ready["id"]):
            name = models.loc[models["id"] == current, "name"]
            st.warning(f"The active model '{name.iloc[0] if len(name) else current}' is damaged and cannot be "
                       "opened. Pick another one, or delete it on the Models page.")
        if ready.empty:
            st.caption("No model yet: train one on the Home or Train page.")
            return
        ids = ready["id"].tolist()
        labels = dict(zip(ready["id"], ready["published"].map({1: "📌 ", 0: ""}) + ready["name"] + " · "
                          + ready["kind"] + " · " + ready["vocab_size"].astype(str) + " words"))
        index = ids.index(current) if current in ids else None
        choice = st.selectbox("Active model", ids, index=index, format_func=labels.get, key="sidebar-active-model",
                              label_visibility="collapsed", placeholder="Pick a model")
        if choice != current and choice is not None:
            session.set_active_model(choice)
            st.rerun()
        if choice is not None:
            row = ready[ready["id"] == choice].iloc[0]
            st.caption(f"{row['kind']} · {int(row['dim'])} dimensions · corpus: {row['corpus_name'] or '—'}")
