"""The workspace's current image set, as the pages that follow the Images page's choice read it."""

from __future__ import annotations

import streamlit as st

from embedlab.sources.images import CURRENT_SETTING, ImageSet, load_imageset
from embedlab.ui import session, widgets


def current_image_set(advice: str) -> ImageSet:
    """The current image set, loaded once per session; without one, ``advice``, a link to the Images page and a stop.

    A set deleted or damaged since it was chosen is said (``InputError`` shown) before the advice.
    """
    ws = session.workspace()
    set_id = ws.get_setting(CURRENT_SETTING)
    images = None
    if set_id:
        with widgets.user_errors():
            images = session.cached(None, "imageset", (set_id,), lambda: load_imageset(ws, set_id))
    if images is None:
        st.info(advice)
        st.page_link("pages/images.py", label="Images page", icon="🖼️")
        st.stop()
    return images
