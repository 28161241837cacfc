"""Journey in a real browser: MovieLens-100k-style files in, an SVD trained, titles searched and asked about.

A person brings a ``u.data`` whose lines end with a tab (and a stray "0" row at
the end) and a latin-1 ``u.item``, both written here from the shipped
ml-latest-small the way MovieLens 100k writes them; trains a small SVD on the
Ratings page; then on Explore searches the map by title and asks for the
nearest neighbours of a title. Every step asserts what the page shows (the
separator read, the stray row named, the accented title intact, titles in the
answers), not only that it rendered. Shares the helpers of ``test_browser.py``.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from journey import click_button, goto_page, grid_csv, journey, select_option, wait_idle, wait_text
from streamlit_server import CHROMIUM, ROOT, chromium_available

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not chromium_available(), reason=f"needs playwright and {CHROMIUM}")]

server, page, steps = journey("journey-items")


ML = ROOT / "sample_corpora" / "ml-latest-small"
N_RATINGS = 3000
ACCENTED = "Man Bites Dog (C'est arrivé près de chez vous) (1992)"  # ml-latest-small's id 3266
STAR_WARS = "Star Wars (1977)"  # MovieLens 100k's title of ml-latest-small's id 260
TRAIN_TIMEOUT_MS = 120_000


def write_files(folder):
    """u.data (tab-separated, a tab at the end of every line but the first, a stray user 0) and u.item."""
    ratings = pd.read_csv(ML / "ratings.csv", nrows=N_RATINGS)
    lines = [f"{r.userId}\t{r.movieId}\t{r.rating:g}\t{r.timestamp}" for r in ratings.itertuples()]
    lines = lines[:1] + [ln + "\t" for ln in lines[1:]] + ["0\t260\t5\t881250949"]
    (folder / "u.data").write_text("\n".join(lines) + "\n", encoding="ascii")
    movies = pd.read_csv(ML / "movies.csv").set_index("movieId")["title"]
    movies[260], movies[1196], movies[1210] = STAR_WARS, "Empire Strikes Back, The (1980)", "Return of the Jedi (1983)"
    assert movies[3266] == ACCENTED
    flags = "|".join(["0"] * 19)
    rows = [f"{i}|{t}|01-Jan-1995||http://us.imdb.com/|{flags}" for i, t in movies.items()]
    (folder / "u.item").write_bytes(("\n".join(rows) + "\n").encode("latin-1", errors="replace"))
    return folder / "u.data", folder / "u.item"


def test_movielens_100k_files_to_titles_on_explore(server, page, steps, tmp_path):
    u_data, u_item = write_files(tmp_path)
    with steps.run("open-ratings"):
        page.goto(server.url)
        wait_text(page, "Train a demo model")
        goto_page(page, "Ratings")
        page.get_by_text("Upload a file").first.click()
        wait_idle(page)
    with steps.run("upload-u-data-trailing-tab"):
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(u_data))
        wait_idle(page)
        wait_text(page, "fields separated by tab")  # guessed; the trailing tabs do not break it
        wait_text(page, re.compile(r"2,999 line\(s\) end with an extra tab"))
        select_option(page, "Separator", "tab")  # set by hand: the same
        wait_text(page, "fields separated by tab")
        assert page.get_by_text("Expected 4 fields").count() == 0
    with steps.run("upload-latin1-u-item"):
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').nth(1).set_input_files(str(u_item))
        wait_idle(page)
        # the preview shows the first accented titles and the encoding: latin-1, not cp1250 (where è is č)
        wait_text(page, "Misérables, Les (1995)")
        wait_text(page, "read as latin-1")
        click_button(page, "Use this table")
        wait_text(page, "3. Train")
        wait_text(page, re.compile(r"Left out 1 stray row\(s\): line 3,001 \(user '0'\)"))
    with steps.run("train-svd"):
        page.get_by_role("button", name=re.compile(r"^Start training$")).first.click()
        wait_text(page, "Top 10 recommendations", TRAIN_TIMEOUT_MS)
    with steps.run("explore-search-by-title"):
        goto_page(page, "Explore")
        page.locator(".js-plotly-plot").first.wait_for(state="visible", timeout=60_000)
        wait_text(page, re.compile(r"svd on u\.data: [\d,]+ items × \d+ dimensions"))
        box = page.get_by_label(re.compile(r"^Search titles")).first
        box.fill("Star")
        box.press("Enter")
        wait_idle(page)
        found = wait_text(page, re.compile(r"\d+ titles? match")).inner_text()
        assert int(re.search(r"(\d+) titles? match", found).group(1)) >= 1
        shown = grid_csv(page, 0)
        assert STAR_WARS in set(shown["title"]) and "id" in shown.columns, shown.head()
        assert all("star" in t.lower() for t in shown["title"])
        box.fill("arrivé")
        box.press("Enter")
        wait_idle(page)
        wait_text(page, "1 title matches")
        assert grid_csv(page, 0)["title"].tolist() == [ACCENTED]  # the accented title intact
    with steps.run("neighbours-of-a-title"):
        page.get_by_role("tab", name="Nearest neighbours").click()
        wait_idle(page)
        title_box = page.get_by_label("Title or id").first
        title_box.fill(STAR_WARS)
        title_box.press("Enter")
        wait_idle(page)
        wait_text(page, f"Nearest items of {STAR_WARS} (id 260)")
        assert page.get_by_text("not in the vocabulary").count() == 0
        neighbours = grid_csv(page, 0)
        assert neighbours.columns.tolist() == ["title", "cosine", "frequency rank", "id"]
        titles = pd.read_csv(ML / "movies.csv")["title"]
        assert len(neighbours) == 10 and set(neighbours["title"]) <= set(titles) | {
            "Empire Strikes Back, The (1980)", "Return of the Jedi (1983)"}
        assert STAR_WARS not in set(neighbours["title"])
        title_box.fill(ACCENTED)
        title_box.press("Enter")
        wait_idle(page)
        wait_text(page, f"Nearest items of {ACCENTED} (id 3266)")
