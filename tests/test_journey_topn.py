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

import pandas as pd
import pytest

from journey import JOB_MS, click_button, download, goto_page, journey, pick_family, sidebar_text, wait_idle, wait_text
from streamlit_server import CHROMIUM, chromium_available

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not chromium_available(), reason=f"needs playwright and {CHROMIUM}")]

server, page, steps = journey("journey-topn")


def number_box(page, label: str):
    return page.locator(f'input[aria-label="{label}"]').first


def test_train_ease_and_puresvd_then_compare_them_with_popularity(server, page, steps):
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
