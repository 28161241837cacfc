"""End-to-end tests in a real browser: Playwright driving Debian's Chromium against ``streamlit run``.

Run alone with ``pytest -m browser``. The tests of this module share one
server and one browser page and run in file order (open → train the demo →
look → download ...), like a user's visit. Each step is wrapped in
``steps.run(name)``; when a step fails, screenshots of every step so far and
of the failure are written to ``test-artifacts/browser/``.

Adding a step for a new page: write ``test_<n>_<what>(page, steps)`` using the
helpers below (``goto_page``, ``click_button``, ``wait_text``, ``fill``,
``download``, ``upload``, ``plot_count``, ``assert_no_exception``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
from contextlib import contextmanager
from pathlib import Path

import pytest

from streamlit_server import CHROMIUM, CHROMIUM_ARGS, ROOT, StreamlitServer

# without Chromium or Playwright: skipped here, failed under CI=true (conftest.py, browser_required.py)
pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = ROOT / "test-artifacts" / "browser"
TRAIN_TIMEOUT_MS = 240_000  # the demo model takes ~30-60 s alone; more on a busy 2-core machine


# -- helpers (reusable by later steps) ----------------------------------------------------

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


def fill(page, label: str, value: str) -> None:
    """Type into the text input / text area labelled ``label`` and commit it (Enter / blur)."""
    box = page.get_by_label(label, exact=True).first
    box.fill(value)
    box.press("Enter") if box.evaluate("e => e.tagName") == "INPUT" else box.blur()
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


class Steps:
    """Runs named steps; on a failure, writes screenshots of all steps so far and of the failure."""

    def __init__(self, page):
        self.page = page
        self.shots: list = []

    @contextmanager
    def run(self, name: str):
        try:
            yield
            assert_no_exception(self.page)
        except BaseException:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            for i, (step, png) in enumerate(self.shots):
                (ARTIFACTS / f"{i:02d}-{step}.png").write_bytes(png)
            try:
                self.page.screenshot(path=str(ARTIFACTS / f"{len(self.shots):02d}-{name}-FAILED.png"), full_page=True)
            except Exception:  # the browser itself may be what failed
                pass
            raise
        self.shots.append((name, self.page.screenshot(full_page=True)))


# -- fixtures -------------------------------------------------------------------------------

def _stop_workers(home: Path) -> None:
    """Stop job workers the server started (they run in their own session so they survive page reloads)."""
    for status_file in home.rglob("jobs/*/status.json"):
        try:
            status = json.loads(status_file.read_text())
            if status.get("state") == "running" and status.get("pid"):
                os.killpg(int(status["pid"]), signal.SIGTERM)
        except (OSError, ValueError, ProcessLookupError, PermissionError):
            continue


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("browser-home")
    srv = StreamlitServer(home, env={"EMBEDLAB_SHARED": "", "EMBEDLAB_MAX_JOBS": "2"}).start()
    yield srv
    srv.stop()
    _stop_workers(home)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def page(server, browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


@pytest.fixture(scope="module")
def steps(page):
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS, ignore_errors=True)  # only this run's failures
    return Steps(page)


# -- the visit -------------------------------------------------------------------------------

def test_1_open_the_app(server, page, steps):
    with steps.run("open"):
        page.goto(server.url)
        wait_text(page, "Train word embeddings on real text")
        wait_text(page, "Train a demo model")


def test_2_train_the_demo_model(page, steps):
    with steps.run("train-demo"):
        click_button(page, "Train a demo model")
        wait_text(page, re.compile(r"waiting to start|Demo model on movie reviews"), 30_000)
        wait_text(page, "Active model: demo: movie reviews", TRAIN_TIMEOUT_MS)
    with steps.run("neighbours-on-home"):
        # the home page shows nearest neighbours of a few words of the new space
        wait_text(page, "Nearest neighbours of a few words")
        page.locator('[data-testid="stDataFrame"]').first.wait_for(state="attached", timeout=30_000)


def test_3_see_plots_of_the_corpus(page, steps):
    with steps.run("data-page-plots"):
        goto_page(page, "Data")
        wait_text(page, "Prepared corpora")
        page.locator(".js-plotly-plot").first.wait_for(state="visible", timeout=60_000)
        assert plot_count(page) >= 2  # most frequent words, Zipf plot


def test_4_download_an_export(page, steps):
    with steps.run("download-word-counts"):
        data = download(page, "Download word counts (TSV)")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8")), delimiter="\t"))
        words = {r[0] for r in rows[1:]}
        assert len(rows) > 1000 and {"movie", "film"} <= words, rows[:3]


def test_5_explore_page_renders(page, steps):
    with steps.run("explore"):
        goto_page(page, "Explore")
        page.locator(".js-plotly-plot").first.wait_for(state="visible", timeout=120_000)
        wait_text(page, "Trustworthiness (k=")


def test_6_box_selection_on_the_projection(page, steps):
    with steps.run("box-selection"):
        plot = page.locator(".js-plotly-plot").first
        plot.hover()
        plot.locator('.modebar-btn[data-title="Box Select"]').click()
        box = plot.locator(".nsewdrag").first.bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.6, steps=8)
        page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.7, steps=8)
        page.mouse.up()
        wait_idle(page)
        selected = wait_text(page, re.compile(r"Selected: [\d,]+ words"), 60_000).inner_text()
        assert int(re.search(r"Selected: ([\d,]+)", selected).group(1).replace(",", "")) > 0


def test_7_ask_an_analogy(page, steps):
    with steps.run("analogy"):
        goto_page(page, "Analogies")
        wait_text(page, "3CosMul", 60_000)
        wait_text(page, "Where the expected answer 'queen' ranks")
        assert page.locator('[data-testid="stDataFrame"]').count() >= 3  # both methods + expected + inputs


def test_8_run_a_weat_test(page, steps):
    with steps.run("weat"):
        goto_page(page, "Bias")
        page.get_by_role("tab", name="WEAT").click()
        wait_idle(page)
        wait_text(page, "Effect size d", 60_000)
        wait_text(page, "p-value (one-sided)")


def test_9_rating_table_and_recommendations(page, steps):
    with steps.run("ratings-upload"):
        goto_page(page, "Ratings")
        page.get_by_text("Upload a file").first.click()
        wait_idle(page)
        upload(page, ROOT / "sample_corpora" / "ml-latest-small" / "ratings.csv")
        click_button(page, "Use this table")
        wait_text(page, "3. Train", 60_000)
    with steps.run("ratings-train"):
        click_button(page, "Start training")
        wait_text(page, "Top 10 recommendations", TRAIN_TIMEOUT_MS)
        wait_text(page, "Items this user rated highest")


# -- a shared server in a real browser: private links --------------------------------------

def test_shared_server_gives_each_browser_a_private_link(browser, tmp_path_factory):
    home = tmp_path_factory.mktemp("shared-home")
    with StreamlitServer(home, env={"EMBEDLAB_SHARED": "1"}) as srv:
        a = browser.new_context().new_page()
        b = browser.new_context().new_page()
        steps = Steps(a)
        with steps.run("shared-open-two"):
            for pg in (a, b):
                pg.goto(srv.url)
                wait_text(pg, "Bookmark this page's link")
            token_a = re.search(r"[?&]ws=([^&]+)", a.url).group(1)
            token_b = re.search(r"[?&]ws=([^&]+)", b.url).group(1)
            assert token_a != token_b
            assert sorted(p.name for p in (home / "workspaces").iterdir()) == sorted([token_a, token_b])
        with steps.run("shared-link-survives-page-switch"):
            goto_page(a, "Models")
            a.wait_for_timeout(500)
            assert f"ws={token_a}" in a.url
        with steps.run("shared-bookmark"):
            c = browser.new_context().new_page()
            c.goto(f"{srv.url}/?ws={token_a}")
            wait_text(c, "Bookmark this page's link")
            assert f"ws={token_a}" in c.url and len(list((home / "workspaces").iterdir())) == 2
        with steps.run("shared-guessed-link"):
            c.goto(f"{srv.url}/?ws={'A' * 32}")
            wait_text(c, "No workspace has this link")
            assert len(list((home / "workspaces").iterdir())) == 2
        for pg in (a, b, c):
            pg.context.close()


def test_bookmarked_page_link_after_a_restart_gets_the_whole_app(browser, tmp_path_factory):
    """A fresh server whose first request is a page URL (not /) still runs it inside app.py's navigation."""
    home = tmp_path_factory.mktemp("restart-home")
    env = {"EMBEDLAB_SHARED": "1"}
    with StreamlitServer(home, env=env) as srv:
        pg = browser.new_context().new_page()
        pg.goto(srv.url)
        wait_text(pg, "Bookmark this page's link")
        token = re.search(r"[?&]ws=([^&]+)", pg.url).group(1)
        pg.context.close()
    with StreamlitServer(home, env=env) as srv:  # restarted: nobody has opened / yet
        pg = browser.new_context().new_page()
        steps = Steps(pg)
        with steps.run("bookmarked-page-first"):
            pg.goto(f"{srv.url}/models?ws={token}")
            wait_text(pg, "Active model")  # app.py's sidebar
            nav = pg.locator('[data-testid="stSidebarNav"]').inner_text()
            assert "Import / export" in nav and "Any model" in nav  # app.py's sections, not the pages/ folder
            assert f"ws={token}" in pg.url and [p.name for p in (home / "workspaces").iterdir()] == [token]
        pg.context.close()
