"""AppTest for the Ratings page: pick the shipped table -> stats -> train (job) -> evaluate -> explore."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from embedlab import config, jobs
from embedlab.sources.ratings import sample_table, save_table
from embedlab.store import Workspace
from embedlab.train.svd import SVDConfig, save_pair, train_svd

ROOT = Path(__file__).resolve().parent.parent


def _page():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/ratings.py").run()
    assert not at.exception, at.exception
    return at


def test_pick_sample_shows_stats_and_citation():
    at = _page()
    assert any("Harper" in m.value and "Konstan" in m.value for m in at.markdown)
    at.button(key="ratings-use-sample").click().run()
    assert not at.exception, at.exception
    values = {m.label: m.value for m in at.metric}
    assert values["users"] == "671" and values["items"] == "9,066" and values["ratings"] == "100,004"
    assert not at.error
    # the table was stored in the workspace for the worker
    ws = Workspace(config.home())
    table_id = ws.get_setting("ratings_table")
    assert (ws.root / "tables" / table_id / "ratings.parquet").is_file()


def test_train_button_runs_a_job_that_saves_item_and_user_spaces():
    at = _page()
    at.button(key="ratings-use-sample").click().run()
    at.slider(key="ratings-svd-n_factors").set_value(10).run()
    at.button(key="ratings-start").click().run()
    assert not at.exception, at.exception
    ws = Workspace(config.home())
    (job_id,) = ws.get_setting("ratings_train_jobs")
    status = jobs.SCHEDULER.wait(ws.root, job_id, timeout=300)
    assert status["state"] == "done", status.get("error")
    items = ws.load_space(status["result"]["model_id"])
    users = ws.load_space(status["result"]["users_model_id"])
    assert items.kind == "svd" and users.kind == "svd-users"
    assert items.dim <= 10 and len(items) == 9066 and len(users) == 671
    assert {"label", "genres", "count", "bias"} <= set(items.meta.columns)


def test_explore_items_like_and_recommendations():
    ws = Workspace(config.home())
    table = sample_table()
    table_id = save_table(ws, table)
    items, users = train_svd(table, SVDConfig(n_factors=20), table_id=table_id)
    ids = save_pair(ws, items, users)
    ws.set_setting("ratings_table", table_id)
    ws.set_setting("active_model", ids["model_id"])
    at = _page()
    assert not at.error, [e.value for e in at.error]
    like = at.dataframe[0].value  # items like …
    # Toy Story's neighbours are mostly family films (about 1 in 12 of the films with 20+ ratings is)
    family = like["genres"].str.contains("Animation|Children").sum()
    assert len(like) == 10 and family >= 3, like
    recs = at.dataframe[1].value  # recommendations
    top = at.dataframe[2].value  # rated highest
    assert len(recs) == 10 and len(top) == 10
    assert not set(recs["item"]) & set(top["item"])  # never recommend what the user rated
    at.text_input(key="ratings-like").set_value("no such film xyz").run()
    assert any("No item has the id or title" in e.value for e in at.error)
    # the item space is a normal Space: the Explore page opens with it active
    at.switch_page("pages/explore.py").run()
    assert not at.exception


@pytest.mark.slow
def test_evaluate_job_shows_metrics_and_curve():
    ws = Workspace(config.home())
    ws.set_setting("ratings_table", save_table(ws, sample_table()))
    at = _page()
    at.slider(key="ratings-svd-n_factors").set_value(10).run()
    at.button(key="ratings-evaluate").click().run()
    job_id = at.session_state["ratings_eval_job"]
    status = jobs.SCHEDULER.wait(ws.root, job_id, timeout=600)
    assert status["state"] == "done", status.get("error")
    at.run()
    metrics = at.dataframe[0].value  # no model yet: the metrics are the only table
    assert len(metrics) == 3 and "NDCG@10" in metrics.columns
    svd_rmse, bias_rmse = metrics["RMSE"].iloc[2], metrics["RMSE"].iloc[1]
    assert svd_rmse < bias_rmse
    assert len(at.get("plotly_chart")) >= 4


def test_use_this_table_twice_stores_it_once_and_delete_names_it():
    at = _page()
    at.button(key="ratings-use-sample").click().run()
    at.button(key="ratings-use-sample").click().run()
    assert not at.exception, at.exception
    ws = Workspace(config.home())
    (table_id,) = [p.name for p in (ws.root / "tables").iterdir()]
    at.button(key="ratings-delete-ask").click().run()
    yes = at.button(key="ratings-delete-yes")
    assert "ml-latest-small" in yes.label  # the question names the table
    yes.click().run()
    assert not at.exception, at.exception
    assert not (ws.root / "tables" / table_id).exists() and ws.get_setting("ratings_table") is None
    assert any("Choose a rating table" in i.value for i in at.info)
    assert any("Deleted the rating table 'ml-latest-small'" in s.value for s in at.success)
