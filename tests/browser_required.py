"""Browser tests run or say why not: skipped on a machine without Chromium or Playwright, FAILED under CI.

A test marked ``browser`` needs Playwright and Chromium (see ``streamlit_server.py``).
On a developer's machine without them it is skipped with the reason; under
``CI=true`` the same test fails, so a CI image that lost its browser cannot pass
with the end-to-end tests silently left out. ``conftest.py`` installs the hook.
"""

import os

import pytest

from streamlit_server import browser_missing


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.hookimpl(tryfirst=True)  # before any skipif mark of the test itself is looked at
def pytest_runtest_setup(item):
    if item.get_closest_marker("browser") is None:
        return
    reason = browser_missing()
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"CI=true, and browser tests cannot run: {reason}.", pytrace=False)
    pytest.skip(f"browser test: {reason}")
