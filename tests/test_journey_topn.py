"""Journey in a real browser: top-N recommenders on the shipped ml-latest-small, trained and compared.

A student picks ml-latest-small on the Ratings page, reads EASE's memory
estimate and trains EASE, then trains PureSVD with 20 factors typed into its
form; asks each for "items like Toy Story"; runs the top-N comparison (the
popularity baseline, the SVD rating model, PureSVD and EASE, each with the
settings of its form) and reads the table, the explanation and the chart;
visits Explore, where the last trained model is active, and comes back to
find the comparison and the form's settings still there. Each step asserts
what the page shows. On a failure, screenshots of each step are written to
``test-artifacts/journey-topn/``.
"""

from __future__ import annotations

import io
import re
import shutil
import time
from contextlib import contextmanager

import pandas as pd
import pytest

from streamlit_server import CHROMIUM, CHROMIUM_ARGS, ROOT, StreamlitServer, chromium_available
from test_browser import _stop_workers, assert_no_exception, click_button, download, goto_page, wait_idle, wait_text
from test_journey_state import sidebar_text

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not chromium_available(), reason=f"needs playwright and {CHROMIUM}")]

ARTIFACTS = ROOT / "test-artifacts" / "journey-topn"
JOB_MS = 120_000  # each job takes seconds; the worker's imports take a few more on a busy machine


class Steps:
    """Named steps (each one's seconds printed); on a failure, screenshots of the steps so far and of the failure."""

    def __init__(self, page):
        self.page, self.shots = page, []

    @contextmanager
    def run(self, name):
        t0 = time.perf_counter()
        try:
            yield
            assert_no_exception(self.page)
        except BaseException:
            shutil.rmtree(ARTIFACTS, ignore_errors=True)
            ARTIFACTS.mkdir(parents=True)
            for i, (step, png) in enumerate(self.shots):
                (ARTIFACTS / f"{i:02d}-{step}.png").write_bytes(png)
            try:
                self.page.screenshot(path=str(ARTIFACTS / f"{len(self.shots):02d}-{name}-FAILED.png"), full_page=True)
            except Exception:  # the browser itself may be what failed
                pass
            raise
        print(f"{name}: {time.perf_counter() - t0:.1f} s")
        self.shots.append((name, self.page.screenshot()))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("journey-topn-home")
    srv = StreamlitServer(home, env={"EMBEDLAB_SHARED": "", "EMBEDLAB_MAX_JOBS": "2"}).start()
    yield srv
    srv.stop()
    _stop_workers(home)


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        yield pg
        browser.close()


def number_box(page, label: str):
    return page.locator(f'input[aria-label="{label}"]').first


def pick_family(page, title: str) -> None:
    page.locator('[data-testid="stRadio"]').filter(has_text="Model family").get_by_text(title, exact=True).click()
    wait_idle(page)


def test_train_ease_and_puresvd_then_compare_them_with_popularity(server, page):
    steps = Steps(page)
    with steps.run("open-ratings-pick-ml-latest-small"):
        page.goto(server.url)
        wait_text(page, "Train a demo model")
        goto_page(page, "Ratings")
        click_button(page, "Use ml-latest-small")
        wait_text(page, "3. Train")
        wait_text(page, "5. Compare top-N recommenders")
    with steps.run("ease-memory-then-train"):
        pick_family(page, "EASE")
        # the memory it will take is stated before anything starts
        wait_text(page, re.compile(r"EASE on this table inverts a dense 9,066 × 9,066 item–item matrix: "
                                   r"about [\d,]+ MB of memory"))
        assert number_box(page, "regularization λ").input_value() == "300.0"
        click_button(page, "Start training")
        wait_text(page, "ease on ml-latest-small finished.", JOB_MS)
        wait_text(page, "Items like Toy Story (1995) (id 1), by EASE's item–item weight", 60_000)
        assert "ease on ml-latest-small" in sidebar_text(page)
    with steps.run("puresvd-20-factors"):
        pick_family(page, "PureSVD")
        box = number_box(page, "factors k")
        box.fill("20")
        box.press("Enter")
        wait_idle(page)
        click_button(page, "Start training")
        wait_text(page, "puresvd on ml-latest-small finished.", JOB_MS)
        wait_text(page, "Items like Toy Story (1995) (id 1), by cosine similarity of the item vectors", 60_000)
        page.wait_for_function("() => document.querySelector('[data-testid=\"stSidebarUserContent\"]')"
                               ".innerText.includes('puresvd on ml-latest-small')", timeout=30_000)
    with steps.run("run-the-comparison"):
        for model in ("Implicit ALS", "Item k-NN"):  # compare the two trained models, popularity and SVD
            page.get_by_role("button", name=f"Remove {model}").click()
            wait_idle(page)
        click_button(page, "Run the comparison")
        why = wait_text(page, "predicts held-out ratings best", JOB_MS).inner_text()
        assert why.startswith("SVD (rating model) predicts held-out ratings best (RMSE 0.")
        assert "Cremonesi, Koren & Turrin 2010" in why
        wait_text(page, "Ranking (k = 10), higher is better")  # the chart's panels
        wait_text(page, "RMSE, lower is better")
        wait_text(page, re.compile(r"PureSVD: n_factors 20, feedback ratings"))  # the form's setting was used
        table = pd.read_csv(io.BytesIO(download(page, "Download the comparison (CSV)")))
        assert table["model"].tolist() == ["Most popular", "SVD (rating model)", "PureSVD", "EASE"]
        ndcg = dict(zip(table["model"], table["NDCG@10"]))
        assert ndcg["EASE"] > 1.5 * ndcg["Most popular"] > ndcg["SVD (rating model)"]
        assert table["RMSE"].notna().tolist() == [False, True, False, False]
        assert (table["users"] > 500).all()
    with steps.run("explore-and-back"):
        goto_page(page, "Explore")
        wait_text(page, re.compile(r"puresvd on ml-latest-small: 9,066 items × 20 dimensions"), 60_000)
        goto_page(page, "Ratings")
        wait_text(page, "predicts held-out ratings best")  # the finished comparison is still shown
        wait_text(page, "Download the comparison (CSV)")
        pick_family(page, "PureSVD")
        assert number_box(page, "factors k").input_value() == "20"
