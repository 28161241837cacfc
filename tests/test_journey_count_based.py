"""Journey in a real browser: count-based word vectors next to each other on one small corpus (issue 16).

A student prepares the Lee corpus on the Data page; on the Train page trains
GloVe (and watches its exact cost curve) and PPMI-SVD (and sees its singular values); then opens the
Methods page, measures both, and finds one row per model in the table and the
chart, and makes one of them active from its row. Every step asserts what the
page shows (the Data page's co-occurrence statistics have their AppTest in
``test_pages_count_based.py``). Small settings (16 dimensions, 5 iterations)
keep it short; on a failure, screenshots of each step go to
``test-artifacts/journey-count-based/``.
"""

from __future__ import annotations

import re
import shutil
from contextlib import contextmanager

import pytest

from streamlit_server import CHROMIUM, CHROMIUM_ARGS, ROOT, StreamlitServer
from test_browser import _stop_workers, assert_no_exception, click_button, goto_page, wait_idle, wait_text
from test_journey_items import grid_csv
from test_journey_state import choose, set_number, type_and_enter, wait_sidebar_names

# without Chromium or Playwright: skipped here, failed under CI=true (conftest.py, browser_required.py)
pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = ROOT / "test-artifacts" / "journey-count-based"
JOB_MS = 120_000  # each job takes seconds; the worker's imports take a few more on a busy machine


class Steps:
    """Named steps; on a failure, screenshots of the steps so far and of the failure."""

    def __init__(self, page):
        self.page, self.shots = page, []

    @contextmanager
    def run(self, name):
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


def chart(page, title: str):
    """The plotly chart whose text includes ``title``, once drawn."""
    loc = page.locator(".js-plotly-plot").filter(has_text=title).first
    loc.wait_for(state="visible", timeout=30_000)
    return loc


def pick_family(page, title: str) -> None:
    page.locator('[data-testid="stMain"] [data-testid="stRadio"]').filter(
        has=page.get_by_text("Model family", exact=True)).get_by_text(title, exact=True).click()
    wait_idle(page)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("journey-count-based-home")
    srv = StreamlitServer(home, env={"EMBEDLAB_SHARED": "", "EMBEDLAB_MAX_JOBS": "2"}).start()
    yield srv
    srv.stop()
    _stop_workers(home)


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        context.add_init_script("delete window.showSaveFilePicker;")  # grid_csv: the plain download
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        yield pg
        browser.close()


def test_glove_and_ppmi_svd_trained_watched_and_compared(server, page):
    steps = Steps(page)
    with steps.run("prepare-corpus"):
        page.goto(server.url)
        wait_text(page, "Train a demo model")
        goto_page(page, "Data")
        choose(page, "Corpus", "Lee background corpus")
        click_button(page, "Prepare corpus")
        wait_text(page, "Corpus 'lee_background' is ready")
    with steps.run("train-glove"):
        goto_page(page, "Train")
        pick_family(page, "GloVe")
        wait_text(page, "w_i·w̃_j")  # its objective, above the form
        set_number(page, "vector_size", 16)
        set_number(page, "iterations", 5)
        type_and_enter(page, "Model name", "glove-journey")
        click_button(page, "Start training")
        wait_text(page, "glove-journey finished", JOB_MS)
        wait_sidebar_names(page, "glove-journey")
    with steps.run("glove-cost-curve"):
        curve = chart(page, "Training cost per iteration (exact objective)")
        assert curve.locator(".scatterlayer .point").count() == 5  # one point per iteration, all drawn
        wait_text(page, "true objective")
    with steps.run("train-ppmi-svd"):
        pick_family(page, "PPMI-SVD")
        set_number(page, "vector_size", 16)
        type_and_enter(page, "Model name", "ppmi-journey")
        click_button(page, "Start training")
        wait_text(page, "ppmi-journey finished", JOB_MS)
        wait_sidebar_names(page, "ppmi-journey")
        spectrum = chart(page, "Singular values of the PPMI matrix")
        assert spectrum.locator(".barlayer .point").count() == 16
    with steps.run("methods-measure"):
        goto_page(page, "Methods")
        wait_text(page, "1. Models on this corpus")
        picked = page.locator('[data-testid="stMultiSelect"]').filter(has=page.get_by_text("Models to compare"))
        for name in ("glove-journey · GloVe", "ppmi-journey · PPMI-SVD"):  # both picked by default
            picked.get_by_text(name).wait_for(state="visible", timeout=30_000)
        click_button(page, "Measure")
        wait_text(page, re.compile(r"Measured \d+ \w+ \d\d:\d\d"), JOB_MS)
        wait_idle(page)
    with steps.run("methods-rows"):
        table = grid_csv(page, 1)  # the first grid lists the models; the second is the measured table
        assert sorted(table["model"]) == ["glove-journey", "ppmi-journey"], table
        assert sorted(table["method"]) == ["GloVe", "PPMI-SVD"]
        for column in ("analogy (semantic)", "analogy (syntactic)", "analogy (all)", "WS-353", "SimLex-999",
                       "mean Jaccard@10", "training (s)", "vocabulary"):
            assert column in table.columns, column
        scores = chart(page, "Scores (accuracy, Spearman ρ, Jaccard)")
        for name in ("glove-journey", "ppmi-journey"):
            assert scores.get_by_text(name).count() >= 1, name  # one legend entry per row
    with steps.run("open-a-row"):
        # the rows come in the methods' order, so GloVe's is the first offered; pick it all the same
        opened = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').filter(
            has=page.get_by_text("Model", exact=True)).first
        shown = opened.evaluate("e => e.innerText + [...e.querySelectorAll('input')].map(i => i.value).join(' ')")
        if "glove-journey" not in shown:
            choose(page, "Model", "glove-journey · GloVe")
        click_button(page, "Make active")
        wait_sidebar_names(page, "glove-journey")
        chart(page, "Training cost per iteration")
