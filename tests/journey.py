"""What every browser journey shares: its own server and workspace, one Chromium tab, named steps that keep
screenshots, and the helpers that read what a page shows.

A journey module declares its fixtures in one line::

    server, page, steps = journey("journey-graph")

and its tests take ``server``, ``page`` and ``steps``. On a failure the
screenshots of the steps so far and of the failing one are written to
``test-artifacts/<name>/``. Without Chromium or Playwright a journey is skipped
here and fails under ``CI=true`` (``conftest.py``, ``browser_required.py``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

import embedlab
from streamlit_server import CHROMIUM, CHROMIUM_ARGS, ROOT, StreamlitServer

JOB_MS = 120_000  # a small job trains in seconds; the worker's imports take a few more on a busy machine


# -- moving around and reading a page ----------------------------------------------------------

def goto_page(page, title: str) -> None:
    """Open a page of the app by its title in the sidebar navigation."""
    page.locator(f'a[data-testid="stSidebarNavLink"]:has(span[label="{title}"])').first.click()
    wait_idle(page)


def wait_idle(page, timeout_ms: int = 60_000) -> None:
    """Wait until the script run finished (Streamlit shows a 'running' widget while it works)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=timeout_ms)


def wait_text(page, text: str, timeout_ms: int = 60_000):
    """Wait until ``text`` (substring or regex) is visible in the app; return its locator."""
    loc = page.get_by_text(text if isinstance(text, re.Pattern) else re.compile(re.escape(text))).first
    loc.wait_for(state="visible", timeout=timeout_ms)
    return loc


def click_button(page, text: str) -> None:
    """Click the (first visible) button whose label contains ``text``."""
    page.get_by_role("button", name=re.compile(re.escape(text))).first.click()
    wait_idle(page)


def select_option(page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label``."""
    page.get_by_label(label).first.click()
    page.get_by_role("option", name=re.compile(re.escape(option))).first.click()
    wait_idle(page)


def upload(page, path) -> None:
    """Put a file into the (first) file uploader on the page."""
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
    wait_idle(page)


def download(page, text: str, timeout_ms: int = 30_000) -> bytes:
    """Click a download button by its label; return the downloaded bytes."""
    with page.expect_download(timeout=timeout_ms) as info:
        page.get_by_role("button", name=re.compile(re.escape(text))).first.click()
    return Path(info.value.path()).read_bytes()


def plot_count(page) -> int:
    """How many plotly figures are drawn on the page."""
    return page.locator(".js-plotly-plot").count()


def assert_no_exception(page) -> None:
    """Fail when the app shows a Python traceback (an uncaught exception is a bug)."""
    shown = page.locator('[data-testid="stException"]')
    assert shown.count() == 0, shown.first.inner_text()[:2000]


def _stop_workers(home: Path) -> None:
    """Stop job workers the server started (they run in their own session so they survive page reloads)."""
    for status_file in home.rglob("jobs/*/status.json"):
        try:
            status = json.loads(status_file.read_text())
            if status.get("state") == "running" and status.get("pid"):
                os.killpg(int(status["pid"]), signal.SIGTERM)
        except (OSError, ValueError, ProcessLookupError, PermissionError):
            continue




class Steps:
    """Named steps (each one's seconds printed); on a failure, screenshots of the steps so far and of the
    failure in ``artifacts``."""

    def __init__(self, page, artifacts: Path):
        self.page, self.artifacts, self.shots = page, Path(artifacts), []

    @contextmanager
    def run(self, name: str):
        start = time.perf_counter()
        try:
            yield
            assert_no_exception(self.page)
        except BaseException:
            self.artifacts.mkdir(parents=True, exist_ok=True)
            for i, (step, png) in enumerate(self.shots):
                (self.artifacts / f"{i:02d}-{step}.png").write_bytes(png)
            try:
                self.page.screenshot(path=str(self.artifacts / f"{len(self.shots):02d}-{name}-FAILED.png"),
                                     full_page=True)
            except Exception:  # the browser itself may be what failed
                pass
            raise
        print(f"{name}: {time.perf_counter() - start:.1f} s")
        self.shots.append((name, self.page.screenshot(full_page=True)))


def journey(name: str, env: dict | None = None, samples: tuple = (), open_home: bool = False):
    """Module-scoped fixtures ``(server, page, steps)`` for the journey ``name``.

    Parameters
    ----------
    name : str
        Names the workspace folder and ``test-artifacts/<name>/``.
    env : dict, optional
        More environment for the server (``EMBEDLAB_SHARED`` is empty and ``EMBEDLAB_MAX_JOBS`` 2 unless set).
    samples : tuple of str
        Shipped corpora prepared in the workspace before the server starts (when the Data page is not the journey).
    open_home : bool
        Open the app and wait for Home before the first test.
    """
    artifacts = ROOT / "test-artifacts" / name

    @pytest.fixture(scope="module")
    def server(tmp_path_factory):
        home = tmp_path_factory.mktemp(f"{name}-home")
        for sample in samples:
            embedlab.prepare_sample(embedlab.Workspace(home), sample)
        srv = StreamlitServer(home, env={"EMBEDLAB_SHARED": "", "EMBEDLAB_MAX_JOBS": "2", **(env or {})}).start()
        yield srv
        srv.stop()
        _stop_workers(home)

    @pytest.fixture(scope="module")
    def page(server):
        from playwright.sync_api import sync_playwright

        shutil.rmtree(artifacts, ignore_errors=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
            context.add_init_script("delete window.showSaveFilePicker;")  # a grid's CSV: a plain download
            pg = context.new_page()
            pg.set_default_timeout(60_000)
            if open_home:
                pg.goto(server.url)
                wait_text(pg, "Train a demo model")
            yield pg
            browser.close()

    @pytest.fixture(scope="module")
    def steps(page):
        return Steps(page, artifacts)

    return server, page, steps


# -- what a page shows ------------------------------------------------------------------------------

def sidebar_text(page) -> str:
    return page.locator('[data-testid="stSidebarUserContent"]').inner_text()


PICKER_JS = """([name]) => {
    const box = document.querySelector('[data-testid="stSidebarUserContent"] [data-testid="stSelectbox"]');
    if (!box) return false;
    const shown = box.innerText + [...box.querySelectorAll("input")].map(i => i.value).join(" ");
    const under = document.querySelector('[data-testid="stSidebarUserContent"]').innerText;
    return shown.includes(name) && under.includes(name);
}"""


def wait_sidebar_names(page, name: str, timeout_ms: int = 30_000) -> None:
    """Wait until the sidebar's picker shows ``name`` as the active model, with the full name under it."""
    page.wait_for_function(PICKER_JS, arg=[name], timeout=timeout_ms)


def explore_caption_names(page, name: str) -> None:
    goto_page(page, "Explore")
    wait_text(page, re.compile(re.escape(name) + r": [\d,]+ (words|items) × \d+ dimensions"), 60_000)


def grid_csv(page, index: int = 0) -> pd.DataFrame:
    """What the ``index``-th visible Streamlit dataframe shows, through its own "Download as CSV" button.

    The grid is drawn on a canvas, so its cells are not in the DOM; the
    toolbar's download writes exactly the rows and columns shown.
    """
    grid = page.locator('[data-testid="stDataFrame"]:visible').nth(index)
    grid.wait_for(state="visible", timeout=30_000)
    grid.hover()
    with page.expect_download(timeout=30_000) as info:
        grid.get_by_role("button", name="Download as CSV").click()
    return pd.read_csv(Path(info.value.path()), dtype=str)


def chart(page, title: str):
    """The plotly chart whose text includes ``title``, once drawn."""
    loc = page.locator(".js-plotly-plot").filter(has_text=title).first
    loc.wait_for(state="visible", timeout=30_000)
    return loc


# -- what a person does ------------------------------------------------------------------------------

def choose(page, label: str, option: str, scope=None) -> None:
    """Pick ``option`` in the selectbox labelled exactly ``label`` (in ``scope``, default the main area)."""
    scope = scope or page.locator('[data-testid="stMain"]')
    scope.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text(label, exact=True)).first.click()
    page.get_by_role("option", name=re.compile(re.escape(option))).first.click()
    wait_idle(page)


def choose_in_sidebar(page, option: str) -> None:
    box = page.locator('[data-testid="stSidebarUserContent"] [data-testid="stSelectbox"]')
    # the picker sits below the navigation: scroll the sidebar first, as a click that scrolls closes the list
    box.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box.click()
    page.get_by_role("option", name=re.compile(re.escape(option))).first.click()
    wait_idle(page)


def set_number(page, label: str, value) -> None:
    box = page.locator('[data-testid="stMain"]').get_by_label(label, exact=True).first
    box.fill(str(value))
    box.press("Tab")  # commit without Enter
    wait_idle(page)


def type_and_enter(page, label: str, text: str) -> None:
    box = page.locator('[data-testid="stMain"]').get_by_label(label, exact=True).first
    box.fill(text)
    box.press("Enter")
    wait_idle(page)


def pick_family(page, title: str) -> None:
    """Choose a model family in a training section's "Model family" radio."""
    page.locator('[data-testid="stMain"] [data-testid="stRadio"]').filter(
        has=page.get_by_text("Model family", exact=True)).get_by_text(title, exact=True).click()
    wait_idle(page)
