"""Every page runs inside app.py's navigation, whichever URL a visitor opens first."""

from __future__ import annotations

import streamlit as st


def through_app() -> None:
    """Rerun through app.py when Streamlit ran this page on its own (call first thing in every page).

    Streamlit still honours the old ``pages/`` directory convention until the
    entry script has called ``st.navigation`` once in the server's life. So on
    a freshly (re)started server, a visitor whose first request is a page URL
    (a bookmarked ``/explore?ws=...``) gets that page script alone: no
    navigation sections, no sidebar, and so does everyone after them until
    somebody opens ``/``. Switching that convention off and rerunning hands
    the same URL to app.py, whose ``st.navigation`` runs the same page.

    Streamlit offers no public switch for that mode (its documented way out is
    to have no ``pages/`` folder beside the entry script), so this sets the
    flag ``st.navigation`` itself sets; ``tests/test_pins.py`` fails loudly
    when a Streamlit upgrade moves it.
    """
    from streamlit.runtime import Runtime
    from streamlit.runtime.pages_manager import PagesManager

    # Only on a real server: AppTest (a mock Runtime) re-creates the "fresh server" state on every run,
    # where a rerun would drop the widget event that started the run.
    if PagesManager.uses_pages_directory and Runtime.exists() and type(Runtime.instance()) is Runtime:
        PagesManager.uses_pages_directory = False
        st.rerun()
