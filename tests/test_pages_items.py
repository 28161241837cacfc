"""AppTests for item-aware spaces and issue 13 items 5-11 on the pages: what each page shows.

An item space of real MovieLens titles (vectors drawn at random around a few
genre centres, so "like" films are near each other), rating and item files
built from the shipped ml-latest-small as MovieLens 100k writes them.
"""

import json

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from embedlab import Space, Workspace, config, jobs
from embedlab.probes import bias
from embedlab.sources.ratings import load_table, sample_table, save_table

from conftest import ROOT
from test_items_fixes import ACCENTED, u_data, u_item

ML = ROOT / "sample_corpora" / "ml-latest-small"


def title_space(n: int = 60) -> Space:
    """The ``n`` most rated films of ml-latest-small, with their titles, plus two films sharing a title."""
    movies = pd.read_csv(ML / "movies.csv").set_index("movieId")
    counts = pd.read_csv(ML / "ratings.csv")["movieId"].value_counts().head(n)
    titles = movies.loc[counts.index, "title"].tolist() + ["Chasing Amy (1997)", "Chasing Amy (1997)"]
    keys = [str(i) for i in counts.index] + ["900001", "900002"]
    genres = movies.loc[counts.index, "genres"].str.split("|").str[0].tolist() + ["Drama", "Drama"]
    rng = np.random.default_rng(0)
    centres = {g: rng.standard_normal(16) for g in set(genres)}
    vectors = np.array([centres[g] + 0.3 * rng.standard_normal(16) for g in genres])
    meta = pd.DataFrame({"count": list(counts.to_numpy()) + [2, 1], "label": titles, "genres": genres})
    return Space.from_vectors(keys, vectors, meta=meta, info={"item_kind": "item", "kind": "svd", "name": "films"})


def _open(page: str, space: Space = None) -> AppTest:
    if space is not None:
        ws = Workspace(config.home())
        ws.set_setting("active_model", ws.save_space(space, space.name))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def _table_with(at, *columns):
    tables = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert tables, f"no table with columns {columns}: {[list(d.value.columns) for d in at.dataframe]}"
    return tables[0]


# -- 13.5 / 15: Explore on an item space ------------------------------------------------------------

def test_explore_searches_titles_and_lists_neighbours_by_title():
    space = title_space()
    at = _open("explore", space)
    assert any("62 items × 16 dimensions" in c.value for c in at.caption)
    stars = [t for t in space.labels if "star" in t.lower()]
    at.text_input(key="explore-search").set_value("Star").run()
    assert not at.exception, at.exception
    assert any(f"**{len(stars)} titles match**" in m.value for m in at.markdown)
    found = _table_with(at, "title", "id")
    assert sorted(found["title"]) == sorted(stars)
    at.text_input(key="explore-search").set_value("Star Wars: Episode IV").run()
    assert any("**1 title matches**" in m.value for m in at.markdown)

    # text labels: only those that fit, and every one a title
    at.toggle(key="explore-labels").set_value(True).run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    labelled = [t for t in spec["data"] if t.get("mode") == "text"][0]["text"]
    assert 0 < len(labelled) <= len(space) and set(labelled) <= set(space.labels)

    at.text_input(key="explore-nn-word").set_value("Star Wars: Episode IV - A New Hope (1977)").run()
    assert not at.exception, at.exception
    table = _table_with(at, "title", "cosine")
    assert table.columns.tolist() == ["title", "cosine", "frequency rank", "id"]
    assert set(table["title"]) <= set(space.labels)
    assert "Star Wars: Episode IV - A New Hope (1977)" not in set(table["title"])
    assert any("Nearest items of **Star Wars: Episode IV - A New Hope (1977)** (id 260)" in c.value for c in at.caption)
    at.text_input(key="explore-nn-word").set_value("Chasing Amy (1997)").run()
    assert any("is the title of 2 items" in e.value and "[id 900001]" in e.value for e in at.error)
    at.text_input(key="explore-nn-word").set_value("Star").run()
    assert any("No item of this model has the title or id 'Star'" in e.value and "Star Wars" in e.value
               for e in at.error)


def test_analogies_and_word_only_pages_on_an_item_space():
    space = title_space()
    at = _open("analogies", space)
    assert not at.error, [e.value for e in at.error]  # examples are the model's own titles
    answers = _table_with(at, "title", "score")
    assert answers.columns.tolist()[:4] == ["rank", "title", "score", "frequency rank"]
    at.text_input(key="ar-expr").set_value('"Toy Story (1995)" + "Aladdin (1992)" - (x').run()
    assert any("Brackets such as '(' are not supported" in e.value for e in at.error)
    at.switch_page("pages/benchmarks.py").run()
    assert any("do not apply to it" in i.value for i in at.info)
    at.switch_page("pages/bias.py").run()
    assert any("do not apply to it" in i.value for i in at.info) and not at.exception


def test_word_model_analogy_bracket_message(hand_space):
    from conftest import ROYAL

    at = _open("analogies", hand_space(ROYAL))
    at.text_input(key="ar-expr").set_value("(king - man").run()
    errors = [e.value for e in at.error if "Brackets" in e.value]
    assert errors and "'(king'" not in errors[0]


# -- 13.6 / 13.7: a u.data with trailing tabs, a stray row and a latin-1 u.item -----------------------------

def test_ratings_upload_with_trailing_tabs_stray_row_and_latin1_items():
    ratings = u_data(stray="0\t1\t5\t881250949\n")
    rated = pd.read_csv(ML / "ratings.csv", nrows=3000)["movieId"].unique()
    titles = pd.read_csv(ML / "movies.csv").set_index("movieId")["title"]
    items = {int(i): titles.get(i, f"film {i}") for i in rated}
    items[int(rated[0])] = ACCENTED
    at = _open("ratings")
    at.radio(key="ratings-source").set_value("Upload a file").run()
    at.file_uploader(key="ratings-upload").set_value(("u.data", ratings, "text/plain")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("fields separated by tab" in c.value for c in at.caption)
    at.selectbox(key="ratings-sep").set_value("tab").run()
    assert not at.error, [e.value for e in at.error]
    at.file_uploader(key="ratings-items-upload").set_value(("u.item", u_item(items), "text/plain")).run()
    assert any(ACCENTED in c.value for c in at.caption)  # the preview shows the accented title intact
    at.button(key="ratings-use-upload").click().run()
    assert not at.exception, at.exception
    assert any("Left out 1 stray row(s)" in w.value and "user '0'" in w.value for w in at.warning)
    ws = Workspace(config.home())
    table = load_table(ws, ws.get_setting("ratings_table"))
    assert len(table) == 3000 and "0" not in set(table.users)
    assert table.item_meta.loc[str(rated[0]), "title"] == ACCENTED
    assert {m.label: m.value for m in at.metric}["ratings"] == "3,000"


# -- 13.8: a corpus CSV without text ------------------------------------------------------------------

def test_data_page_refuses_a_csv_without_text_at_upload():
    at = _open("data")
    at.radio[0].set_value("Upload a file").run()
    data = (ML / "ratings.csv").read_bytes()[:3000]
    at.file_uploader[0].set_value(("ratings.csv", data[:data.rindex(b"\n") + 1], "text/csv")).run()
    assert not at.exception, at.exception
    assert any("no column with text" in e.value and "'userId'" in e.value for e in at.error)
    assert not at.selectbox or all(s.label != "Text column" for s in at.selectbox)


# -- 13.10: evaluation results survive a page switch --------------------------------------------------

@pytest.mark.slow
def test_evaluation_results_survive_a_new_session():
    ws = Workspace(config.home())
    table = sample_table()
    ws.set_setting("ratings_table", save_table(ws, table.subset(table.u < 80)))
    at = _open("ratings")
    at.slider(key="ratings-factors").set_value(5).run()
    at.checkbox(key="ratings-curve").set_value(False).run()
    at.button(key="ratings-evaluate").click().run()
    job_id = at.session_state["ratings_eval_job"]
    assert jobs.SCHEDULER.wait(ws.root, job_id, timeout=300)["state"] == "done"
    fresh = _open("ratings")  # a new session: nothing in session state
    metrics = _table_with(fresh, "NDCG@10")
    assert len(metrics) == 3
    assert any("Cremonesi, Koren & Turrin 2010" in c.value for c in fresh.caption)


# -- 13.9: the before/after block names its WEAT test ----------------------------------------------------

def test_bias_before_after_names_and_picks_its_weat_test(lee_space):
    ws = Workspace(config.home())
    model_id = ws.save_space(lee_space, "lee")
    ws.set_setting("active_model", model_id)
    original = ws.load_space(model_id)
    made = bias.hard_debias(original, bias.bias_direction(original, bias.parse_pairs("she - he\nher - his")).pairs,
                            [("she", "he")])
    ws.save_space(made.space, "lee debiased")
    at = _open("bias")
    assert at.text_input(key="bias-x").value == "she - he"
    tab_test = at.selectbox(key="bias-weat-test").value
    assert any(f"WEAT below: **{tab_test}**" in c.value for c in at.caption)
    other = next(o for o in at.selectbox(key="bias-ba-weat").options if o != at.selectbox(key="bias-ba-weat").value
                 and not o.startswith("the one"))
    at.selectbox(key="bias-ba-weat").set_value(other).run()
    assert not at.exception, at.exception
    assert any(f"WEAT below: **{other}**" in c.value for c in at.caption)
