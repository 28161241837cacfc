"""Pins: the third-party internals embedlab relies on, and the warning policy of the test suite.

The Streamlit internal (``embedlab/ui/entry.py``; numba's, behind the UMAP disk
cache, are pinned in ``tests/test_project.py``).

Streamlit has no public switch for its legacy ``pages/`` directory mode: the
documented way out is to have no folder named ``pages/`` beside the entry
script. Until embedlab's pages move (``pages/`` -> another name, with every
``st.Page``/``switch_page`` path), ``through_app()`` sets the flag that
``st.navigation`` itself sets. These tests fail loudly when Streamlit moves or
renames it, rather than letting bookmarked page links silently lose the app's
navigation after an upgrade.
"""

import inspect
import warnings

import pytest

import streamlit
from streamlit.runtime import Runtime
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner

from conftest import ROOT

WHAT_TO_DO = (f"Streamlit {streamlit.__version__} changed PagesManager.uses_pages_directory, which "
              "embedlab/ui/entry.py:through_app() sets. Check what a page URL opened first on a fresh server does "
              "now (tests/test_browser.py::test_bookmarked_page_link_after_a_restart_gets_the_whole_app), then fix "
              "through_app(), or rename pages/ so the legacy mode never starts.")


def test_the_legacy_pages_flag_is_still_where_through_app_sets_it():
    assert "uses_pages_directory" in vars(PagesManager), WHAT_TO_DO
    saved = PagesManager.uses_pages_directory
    try:
        PagesManager.uses_pages_directory = None
        PagesManager(str(ROOT / "app.py"))  # a fresh server: the flag comes from pages/ beside app.py
        assert PagesManager.uses_pages_directory is True, WHAT_TO_DO
    finally:
        PagesManager.uses_pages_directory = saved


def test_the_script_runner_and_navigation_still_read_and_clear_it():
    # the runner picks the legacy page script while the flag is set; st.navigation clears it (what we imitate)
    assert "PagesManager.uses_pages_directory" in inspect.getsource(script_runner), WHAT_TO_DO
    from streamlit.commands import navigation

    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation.navigation), WHAT_TO_DO
    assert callable(Runtime.exists) and callable(Runtime.instance), WHAT_TO_DO


def test_our_deprecation_warnings_fail_the_tests():
    # pytest.ini turns DeprecationWarning/FutureWarning raised from embedlab's modules into errors
    code = compile("import warnings\nwarnings.warn('old API', DeprecationWarning)", "embedlab/fake.py", "exec")
    with pytest.raises(DeprecationWarning, match="old API"):
        exec(code, {"__name__": "embedlab.fake"})
    code = compile("import warnings\nwarnings.warn('later', FutureWarning)", "embedlab/fake.py", "exec")
    with pytest.raises(FutureWarning):
        exec(code, {"__name__": "embedlab.fake"})
    with warnings.catch_warnings(record=True) as seen:  # a third party's deprecation is only reported
        warnings.simplefilter("default")
        exec(compile("import warnings\nwarnings.warn('theirs', DeprecationWarning)", "x.py", "exec"),
             {"__name__": "somelib.module"})
    assert [str(w.message) for w in seen] == ["theirs"]
