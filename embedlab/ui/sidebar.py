"""The sidebar shown on every page: the active model and how to change it."""

from __future__ import annotations

import streamlit as st

from embedlab import config
from embedlab.train import registry
from embedlab.ui import session
from embedlab.ui.widgets import model_labels

#: Key of the sidebar's model picker. It mirrors the workspace setting, which owns the active model.
KEY = "sidebar-active-model"


def _picked() -> None:
    # on_change runs before the script: the page and this sidebar then both see the new model
    session.set_active_model(st.session_state[KEY])


def render() -> None:
    """Show the active model and a picker for the workspace's models.

    The picker never writes back a value of its own: before it is drawn its
    state is set from the workspace setting, so a model made active anywhere
    else (Models, Ratings, a finished training) shows here, and a choice made
    here goes to the setting through :func:`embedlab.ui.session.set_active_model`.
    """
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
        labels = model_labels(ready)
        st.session_state[KEY] = current if current in ids else None
        st.selectbox("Active model", ids, format_func=labels.get, key=KEY, on_change=_picked,
                     label_visibility="collapsed", placeholder="Pick a model")
        if current in ids:
            row = ready[ready["id"] == current].iloc[0]
            # the picker cuts a long name short; here it wraps
            st.markdown(f"**{labels[current]}**")
            family = registry.find(row["kind"])
            st.caption(f"{family.title if family else row['kind']} · {int(row['dim'])} dimensions · "
                       f"{int(row['vocab_size']):,} {family.item if family else 'word'}s · "
                       f"data: {row['corpus_name'] or '—'}")
