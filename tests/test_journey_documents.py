"""Journey in a real browser: labelled movie reviews in, LSA trained, the map coloured by sentiment, a text's
nearest reviews, and the downstream evaluation against the TF-IDF baseline and Pang & Lee's figure.

A student prepares the shipped movie reviews (Pang & Lee 2004, 2,000 reviews
labelled ``sentiment``) on the Data page; on the Documents page sees the
label, trains LSA (seconds) as a job, opens Explore coloured by sentiment
(each point's hover is its review's start and label), pastes a review into
"Find similar", and runs the 10-fold evaluation: LSA's accuracy next to
TF-IDF + logistic regression on the same folds and the published 87.2 %,
still there after a page switch. Every step asserts what the page shows.
Screenshots of each step are written to ``test-artifacts/journey-documents/``
on a failure.
"""

from __future__ import annotations

import re

import pytest

from journey import JOB_MS, click_button, goto_page, grid_csv, journey, wait_idle, wait_sidebar_names, wait_text

# without Chromium or Playwright: skipped here, failed under CI=true (conftest.py, browser_required.py)
pytestmark = [pytest.mark.browser, pytest.mark.slow]

server, page, steps = journey("journey-documents")


MODEL = "lsa on movie_reviews"
REVIEW = ("a clever , funny and touching film : the script is sharp , the cast is wonderful and the ending "
          "left me smiling . one of the best comedies of the year . zzqxv")


def grid(page, index: int):
    """What the ``index``-th visible dataframe shows (scrolled to the middle first: at the top edge, its toolbar
    with the CSV download sits under Streamlit's header)."""
    page.locator('[data-testid="stDataFrame"]:visible').nth(index).evaluate(
        "e => e.scrollIntoView({block: 'center'})")
    return grid_csv(page, index)


def figure_data(page) -> list:
    """``[{"name", "n", "hover"}]`` of the first plotly figure's traces, read from the figure the page drew."""
    return page.evaluate("""() => document.querySelector('.js-plotly-plot').data.map(t => ({
        name: t.name, n: (t.hovertext || []).length, hover: (t.hovertext || [])[0] || ""}))""")


def test_movie_reviews_to_lsa_explore_find_similar_and_evaluation(server, page, steps):
    with steps.run("open"):
        page.goto(server.url)
        wait_text(page, "Train a demo model")
    with steps.run("prepare-movie-reviews"):
        goto_page(page, "Data")
        wait_text(page, "2,000 English film reviews")  # the first shipped corpus, chosen already
        click_button(page, "Prepare corpus")
        wait_text(page, "Prepared corpora", JOB_MS)
    with steps.run("documents-labels"):
        goto_page(page, "Documents")
        wait_text(page, "1. Documents")
        wait_text(page, "No document model on this corpus yet")
        labels = grid(page, 0)
        assert labels.set_index("label").loc["sentiment", "values"] == "neg 1,000 · pos 1,000", labels
    with steps.run("train-lsa"):
        page.get_by_role("radio", name="LSA (TF-IDF + truncated SVD)").wait_for()
        assert page.get_by_label("dims", exact=True).first.input_value() == "100"  # the settings in the form
        click_button(page, "Start training")
        wait_text(page, re.compile(re.escape(MODEL) + r": 2,000 documents × 100 dimensions"), JOB_MS)
        wait_sidebar_names(page, MODEL)  # the finished training made it the active model
    with steps.run("explore-coloured-by-sentiment"):
        click_button(page, "Explore, coloured by sentiment")
        wait_text(page, re.compile(re.escape(MODEL) + r": 2,000 documents × 100 dimensions"))
        page.locator(".js-plotly-plot").first.wait_for(state="visible")
        wait_idle(page)
        traces = {t["name"]: t for t in figure_data(page) if t["name"] in ("neg", "pos")}
        assert set(traces) == {"neg", "pos"} and traces["neg"]["n"] + traces["pos"]["n"] == 2000, traces
        assert "sentiment: pos" in traces["pos"]["hover"] and traces["pos"]["hover"].count("<br>") >= 2
        wait_text(page, "all 2,000 documents · PCA")
        wait_text(page, "Hover a point to read the start of its document and its sentiment")
    with steps.run("find-similar"):
        goto_page(page, "Documents")
        box = page.get_by_label("Text", exact=True).first
        box.fill(REVIEW)
        box.blur()
        wait_idle(page)
        click_button(page, "Find similar")
        wait_text(page, "The 10 nearest documents by cosine similarity")
        wait_text(page, "ignored: zzqxv")
        found = grid(page, 1)  # after the label table
        assert found.columns.tolist() == ["doc_id", "cosine", "sentiment", "snippet"], found.head()
        assert len(found) == 10 and set(found["sentiment"]) <= {"neg", "pos"}
    with steps.run("evaluate-with-baseline"):
        click_button(page, "Evaluate")
        wait_text(page, "Predicting 'sentiment' (classification, 2,000 documents, 10 folds)", JOB_MS)
        wait_text(page, "Published reference — Pang & Lee (2004): 87.2 % accuracy")
        scores = grid(page, 2).set_index("method")
        assert list(scores.index) == [MODEL, "TF-IDF + logistic regression", "published: Pang & Lee (2004)"]
        for method in (MODEL, "TF-IDF + logistic regression"):  # "87.9 % ± 1.9 (84.5–91.0)"
            assert 75 < float(re.match(r"([\d.]+) %", scores.loc[method, "accuracy"]).group(1)) < 95, scores
        assert scores.loc["published: Pang & Lee (2004)", "accuracy"] == "87.2 % (reported)"
        assert page.locator(".js-plotly-plot").count() >= 2  # scores per fold, confusion matrix
    with steps.run("results-survive-a-page-switch"):
        goto_page(page, "Explore")
        goto_page(page, "Documents")
        wait_text(page, "Predicting 'sentiment' (classification, 2,000 documents, 10 folds)")
