"""AppTests of the top-N recommenders on the Ratings page: training each model, the comparison, bad input.

Real data: the first ratings of the shipped ml-latest-small (with titles), as
a table with ratings and as implicit feedback (the rating column left out);
a hand-made table for the bad-input cases (a user who rated every item, a
catalogue smaller than k).
"""

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from embedlab import config, jobs
from embedlab.sources.ratings import RatingTable, attach_items, read_item_metadata, read_ratings, save_table
from embedlab.store import Workspace
from embedlab.train import ease, registry

from conftest import ROOT

ML = ROOT / "sample_corpora" / "ml-latest-small"
TRAIN_TIMEOUT = 300


def ml_head(n_lines: int, implicit: bool = False) -> RatingTable:
    """The first ``n_lines`` ratings of ml-latest-small with their titles (implicit: without the rating column)."""
    lines = (ML / "ratings.csv").read_text(encoding="utf-8").splitlines()[:n_lines + 1]
    table = read_ratings("\n".join(lines).encode(), "ml-head.csv", columns={"rating": None} if implicit else None)
    meta, notes = read_item_metadata((ML / "movies.csv").read_bytes(), "movies.csv")
    return attach_items(table, meta, notes)


def _page(table: RatingTable = None) -> AppTest:
    if table is not None:
        ws = Workspace(config.home())
        ws.set_setting("ratings_table", save_table(ws, table))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/ratings.py").run()
    assert not at.exception, at.exception
    return at


def _wait(job_id: str) -> dict:
    status = jobs.SCHEDULER.wait(Workspace(config.home()).root, job_id, timeout=TRAIN_TIMEOUT)
    assert status["state"] == "done", status.get("error")
    return status


#: The tables of the page, in order: (the comparison), items like …, recommendations, rated highest
#: (AppTest does not give an st.dataframe's key back).
LAST = {"ratings-like-table": -3, "ratings-recs": -2, "ratings-top": -1}


def _frame(at, key):
    if key == "ratings-topn-table":
        (found,) = [d.value for d in at.dataframe if "NDCG@10" in d.value.columns]
        return found
    return at.dataframe[LAST[key]].value


#: family -> (a widget of its form, the score column of its recommendations)
FORMS = {"puresvd": ("n_factors", "score p_u·q_i"), "als": ("regularization", "score p_u·q_i"),
         "ease": ("regularization", "score x_u·B"), "itemknn": ("neighbours", "summed similarity")}


@pytest.mark.slow
def test_every_top_n_model_trains_from_the_page_on_an_implicit_table():
    table = ml_head(3000, implicit=True)
    assert table.implicit
    at = _page(table)
    ws = Workspace(config.home())
    titles = {registry.family(f).title for f in FORMS}  # the radio shows the families' titles
    assert titles <= set(at.radio(key="ratings-family").options)
    for family, (field, _) in FORMS.items():
        at.radio(key="ratings-family").set_value(family).run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert at.number_input(key=f"ratings-{family}-{field}").value is not None  # its own form
        assert any(m.value.startswith(f"**{registry.family(family).title}**") for m in at.markdown)
        if family == "ease":  # the memory it will take, before anything is started
            n = table.n_items
            assert any(f"dense {n:,} × {n:,} item–item matrix: about" in i.value for i in at.info)
        at.button(key="ratings-start").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
    started = ws.get_setting("ratings_train_jobs")
    assert len(started) == 4
    trained = {}
    for job_id in started:
        status = _wait(job_id)
        trained[status["kind"]] = status["result"]["model_id"]
    at.run()
    assert not at.exception, at.exception
    # the comparison on an implicit table: no rating model offered, no threshold
    assert "SVD (rating model)" not in at.multiselect(key="ratings-topn-models").options
    assert not [n for n in at.number_input if n.key == "ratings-topn-threshold"]
    for family, (_, score) in FORMS.items():
        at.selectbox(key="ratings-model-pick").set_value(trained[family]).run()
        assert not at.exception and not at.error, (family, [e.value for e in at.error])
        like = _frame(at, "ratings-like-table")
        assert len(like) >= 3 and set(like["title"]) <= set(table.item_meta["title"]), family
        (asked,) = [c.value for c in at.caption if c.value.startswith("Items like **")]
        assert asked.split("**")[1] not in set(like["title"])  # the item itself is not among its likes
        recs = _frame(at, "ratings-recs")
        assert len(recs) == 10 and score in recs.columns, (family, recs.columns)
        assert not set(recs["item"]) & set(_frame(at, "ratings-top")["item"])  # nothing the user rated
        assert ws.load_space(trained[family]).info["item_kind"] == "item"
    at.switch_page("pages/explore.py").run()  # the last one is active: Explore opens on its titled items
    assert not at.exception, at.exception
    assert any(f"{table.n_items:,} items ×" in c.value for c in at.caption)


@pytest.mark.slow
def test_the_comparison_table_with_rmse_and_the_explanation_survives_a_new_session():
    at = _page(ml_head(9000))
    at.multiselect(key="ratings-topn-models").set_value(["popularity", "svd", "puresvd", "ease"]).run()
    at.button(key="ratings-topn-run").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    _wait(at.session_state["ratings_topn_job"])
    fresh = _page()  # a new session: the finished job is found through the workspace
    table = _frame(fresh, "ratings-topn-table")
    assert table["model"].tolist() == ["Most popular", "SVD (rating model)", "PureSVD", "EASE"]
    assert table["RMSE"].notna().tolist() == [False, True, False, False]  # only the rating model predicts
    assert {"NDCG@10", "MAP@20", "coverage@10", "popular share@20"} <= set(table.columns)
    (why,) = [i.value for i in fresh.info if "Cremonesi" in i.value]
    assert why.startswith("SVD (rating model) predicts held-out ratings best")
    (figure,) = [f for f in (json.loads(c.proto.spec) for c in fresh.get("plotly_chart"))
                 if any("Ranking (k = 10)" in a.get("text", "") for a in f["layout"].get("annotations", []))]
    assert {t["name"] for t in figure["data"] if t.get("name")} == set(table["model"])
    assert any("the same split for every model" in c.value for c in fresh.caption)
    assert any("**EASE**: regularization 300" in c.value for c in fresh.caption)


def everything_table() -> RatingTable:
    """Eight films, six users; user 'u0' rated every one of them."""
    rng = np.random.default_rng(0)
    pairs = [(0, i) for i in range(8)] + [(u, i) for u in range(1, 6) for i in range(8) if (u * 3 + i) % 4]
    u = np.array([p[0] for p in pairs], dtype=np.int32)
    i = np.array([p[1] for p in pairs], dtype=np.int32)
    return RatingTable(np.array([f"u{k}" for k in range(6)]), np.array([str(k + 1) for k in range(8)]), u, i,
                       rng.integers(1, 6, len(u)).astype(float), None, name="hand-made")


def test_bad_input_k_over_the_catalogue_ease_over_its_limit_and_a_user_with_every_item(monkeypatch):
    table = everything_table()
    monkeypatch.setattr(ease, "MAX_ITEMS", 5)
    at = _page(table)
    ws = Workspace(config.home())
    # k = 10 and 20 do not fit 8 items: said at once, and the comparison cannot start
    assert any("k = 10 is larger than the catalogue (8 items)" in e.value for e in at.error)
    assert at.button(key="ratings-topn-run").disabled
    at.multiselect(key="ratings-topn-ks").set_value([1, 5]).run()
    assert not [e for e in at.error if "catalogue" in e.value] and not at.button(key="ratings-topn-run").disabled
    # EASE over the (lowered) item limit: the comparison will leave it out, training refuses it, with the memory
    assert any(w.value.startswith("EASE will be left out: EASE needs a dense 8 × 8 item–item matrix: about")
               for w in at.warning)
    at.radio(key="ratings-family").set_value("ease").run()
    assert any("GB of memory" in e.value and "allows EASE up to 5 items" in e.value for e in at.error)
    at.button(key="ratings-start").click().run()
    assert not at.exception, at.exception
    assert ws.get_setting("ratings_train_jobs", []) == [] and jobs.list_jobs(ws) == []
    # a user who rated every item: no recommendations, and the page says why
    at.radio(key="ratings-family").set_value("puresvd").run()
    at.button(key="ratings-start").click().run()
    _wait(ws.get_setting("ratings_train_jobs")[0])
    at.run()
    assert at.selectbox(key="ratings-user").value == "u0"  # the most active user comes first
    assert any("User u0 has rated every item this model knows (8 ratings)" in i.value for i in at.info)
    assert _frame(at, "ratings-recs").empty and len(_frame(at, "ratings-top")) == 8
    at.selectbox(key="ratings-user").set_value("u1").run()
    assert len(_frame(at, "ratings-recs")) == 8 - int((table.u == 1).sum())
