"""What Explore adds for document spaces: hover with the document's snippet and labels, short text labels,
and the labels of a document's nearest documents (see :mod:`embedlab.ui.item_views`)."""

from __future__ import annotations

import streamlit as st

from embedlab.ui.item_views import ItemExtras
from embedlab.views import documents as views


def decorate(fig, frame, space, options) -> list:
    views.decorate_document_map(fig, frame, space)
    cols = views.label_columns(space)
    note = "Hover a point to read the start of its document"
    note += f" and its {', '.join(cols[:views.HOVER_COLUMNS])}." if cols else "."
    if cols:
        note += " Colour by → metadata column to see whether the labels separate."
    return [note]


def neighbours(space, table) -> None:
    frame, notes = views.neighbour_labels(space, table)
    for note in notes:
        st.caption(note)
    if not frame.empty:
        with st.expander("Labels of these documents"):
            st.dataframe(frame, hide_index=True, key="explore-doc-neighbour-labels")


def open_explore_coloured_by(model_id: str, column: str) -> None:
    """Make a document model active and have Explore open on its default map coloured by a label column.

    Sets what Explore's colour widgets remember (:func:`embedlab.ui.session.keep_widget`)
    and forgets its last point set (which may name another model's words);
    then call ``st.switch_page("pages/explore.py")``.
    """
    from embedlab.ui import session

    session.set_active_model(model_id)
    for key, value in (("explore-colour", "metadata"), ("explore-meta-col", column)):
        st.session_state.pop(key, None)
        session.remember_widget(key, value)
    st.session_state.pop("explore-params", None)
    st.session_state.pop("explore-isolate", None)


EXTRAS = ItemExtras(decorate=decorate, neighbours=neighbours)
