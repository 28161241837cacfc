"""Rating tables: parsers and bad input, the split, metrics with hand-computed values, SVD recovery, item2vec."""

import gzip
import math

import numpy as np
import pytest

from embedlab import config, jobs
from embedlab.errors import InputError
from embedlab.probes.recommend import (evaluate, items_like, mae, ranking_at_k, ranking_metrics, recommend, rmse,
                                       split_ratings)
from embedlab.sources.ratings import (RatingTable, attach_items, build_table, load_table, read_delimited,
                                      read_item_metadata, read_ratings, sample_table, save_table, sniff_separator)
from embedlab.store import Workspace
from embedlab.train.item2vec import Item2VecConfig, train_item2vec, write_histories
from embedlab.train.svd import (SVDConfig, fit_baseline, fit_biases, fit_svd, model_from_spaces, model_spaces,
                                save_pair)

ML = config.SAMPLE_DIR / "ml-latest-small"


@pytest.fixture(scope="module")
def ml():
    return sample_table()


def tbl(text, **kw):
    return read_ratings(text.encode("utf-8") if isinstance(text, str) else text, "t.csv", **kw)


# -- parsers -------------------------------------------------------------------------

def test_shipped_csv_with_header(ml):
    assert (ml.n_users, ml.n_items, len(ml)) == (671, 9066, 100_004)
    assert ml.t is not None and not ml.implicit
    assert ml.r.min() == 0.5 and ml.r.max() == 5.0
    first = ml.to_frame().iloc[0]
    assert (first["user"], first["item"], first["rating"], first["timestamp"]) == ("1", "31", 2.5, 1260759144)
    labels = dict(zip(ml.items, ml.item_labels()))
    assert labels["1"] == "Toy Story (1995)"
    assert "Animation" in dict(zip(ml.items, ml.item_genres()))["1"]
    st = ml.stats()
    assert st["density"] == pytest.approx(100_004 / (671 * 9066))
    hist = ml.rating_histogram()
    assert hist["count"].sum() == 100_004 and len(hist) == 10


def test_u_data_tab_separated_without_header():
    t = tbl("196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n196\t377\t4\t881250950\n")
    raw = read_delimited(b"196\t242\t3\t881250949\n186\t302\t3\t891717742\n", "u.data")
    assert raw.separator == "\t" and raw.header is False
    assert list(t.users) == ["196", "186", "22"] and list(t.items) == ["242", "302", "377"]
    assert t.r.tolist() == [3, 3, 1, 4] and t.t.tolist()[0] == 881250949


@pytest.mark.parametrize("text,sep", [
    ("1 10 5\n1 11 3\n2 10 4\n", r"\s+"),
    ("1  10   5\n1\t11 3\n2 10 4\n", r"\s+"),
    ("1|10|5\n1|11|3\n2|10|4\n", "|"),
    ("user;item;rating\n1;10;5\n1;11;3\n2;10;4\n", ";"),
    ("1::10::5::978300760\n1::11::3::978300761\n2::10::4::978300762\n", "::"),
])
def test_separators(text, sep):
    raw = read_delimited(text.encode(), "x")
    assert raw.separator == sep
    t = tbl(text)
    assert (t.n_users, t.n_items, len(t)) == (2, 2, 3) and t.r.tolist() == [5, 3, 4]


def test_gzip_upload_and_column_mapping_by_name():
    text = "ts,rating,movieId,userId\n100,4,m1,u1\n101,2,m2,u1\n102,5,m1,u2\n"
    t = read_ratings(gzip.compress(text.encode()), "r.csv.gz")
    assert list(t.users) == ["u1", "u2"] and list(t.items) == ["m1", "m2"] and t.r.tolist() == [4, 2, 5]
    assert t.t.tolist() == [100, 101, 102]


def test_explicit_mapping_and_implicit_feedback():
    t = tbl("a,x\nb,x\nb,y\n", columns={"user": "column 1", "item": "column 2", "rating": None, "timestamp": None})
    assert t.implicit and t.r.tolist() == [1, 1, 1]
    assert any("implicit" in n for n in t.notes)


def test_string_and_huge_integer_ids_are_kept_exactly():
    t = tbl("user,item,rating\n12345678901234567890123,0042,5\nalice,42,3\nalice,book 1,4\n")
    assert list(t.users) == ["12345678901234567890123", "alice"]
    assert list(t.items) == ["0042", "42", "book 1"]  # "0042" and "42" are different ids


def test_dates_as_timestamps():
    t = tbl("u,i,r,date\n1,2,3,2020-01-01\n2,3,4,2020-01-02T00:00:00\n")
    assert t.t.tolist() == [1577836800, 1577923200]


# -- bad input -----------------------------------------------------------------------

def test_non_numeric_rating_names_the_line():
    with pytest.raises(InputError, match=r"Line 3 .*'five'.*not a number"):
        tbl("user,item,rating\n1,2,4\n1,3,five\n2,3,x\n")


def test_missing_value_names_the_line_and_column():
    with pytest.raises(InputError, match=r"Line 2 .*no rating"):
        tbl("1\t2\t4\n1\t3\t\n2\t3\t1\n")
    with pytest.raises(InputError, match=r"Line 3 .*no user"):
        tbl("user,item,rating\n1,2,4\n,3,5\n2,3,1\n")


def test_duplicates_keep_the_last_and_say_so():
    t = tbl("user,item,rating\n1,a,1\n1,b,2\n1,a,5\n2,a,3\n2,a,4\n")
    pairs = dict(zip(zip(t.users[t.u], t.items[t.i]), t.r))
    assert pairs == {("1", "a"): 5, ("1", "b"): 2, ("2", "a"): 4}
    assert any("2 duplicate" in n and "last" in n for n in t.notes)


def test_single_user_or_item_is_refused():
    with pytest.raises(InputError, match="only one user"):
        tbl("user,item,rating\n1,a,1\n1,b,2\n")
    with pytest.raises(InputError, match="only one item"):
        tbl("user,item,rating\n1,a,1\n2,a,2\n")


def test_bad_timestamp_and_unknown_column_and_one_column():
    with pytest.raises(InputError, match="Line 3 .*timestamp 'yesterday-ish'"):
        tbl("u,i,r,t\n1,a,1,100\n2,b,2,yesterday-ish\n")
    raw = read_delimited(b"u,i,r\n1,a,1\n2,b,2\n", "x.csv")
    with pytest.raises(InputError, match="no column 'rating'"):
        build_table(raw, "u", "i", "rating")
    with pytest.raises(InputError, match="mapped twice"):
        build_table(raw, "u", "u", "r")
    with pytest.raises(InputError, match="one column"):
        read_delimited(b"justoneword\nanother\n", "x.txt")


def test_latin1_u_item_file():
    flags = "|".join(["0", "0", "0", "1", "1"] + ["0"] * 14)
    lines = [f"1|Toy Story (1995)|01-Jan-1995||http://x|{flags}",
             f"2|Café Society, The (1995)|01-Jan-1995||http://x|{'|'.join(['0'] * 8 + ['1'] + ['0'] * 10)}"]
    data = ("\n".join(lines) + "\n").encode("latin-1")
    meta, notes = read_item_metadata(data, "u.item")
    assert meta.loc["2", "title"] == "Café Society, The (1995)"
    assert meta.loc["1", "genres"] == "Animation|Children's" and meta.loc["2", "genres"] == "Drama"
    assert any("not valid UTF-8" in n for n in notes)


def test_movies_csv_item_file_with_quoted_commas():
    meta, _ = read_item_metadata((ML / "movies.csv").read_bytes(), "movies.csv")
    assert meta.loc["11", "title"] == "American President, The (1995)"
    assert meta.loc["1", "genres"] == "Adventure|Animation|Children|Comedy|Fantasy"
    t = tbl("user,item,rating\n1,1,4\n2,999999999,3\n")
    attach_items(t, meta)
    assert t.item_labels().tolist() == ["Toy Story (1995)", "999999999"]
    assert any("not in the item file" in n for n in t.notes)


def test_sniffer_prefers_a_constant_count():
    assert sniff_separator(["1|A, The|x", "2|B|y"]) == "|"
    assert sniff_separator(['1,"A, The",Drama|Comedy', "2,B,Drama"]) == ","
    assert sniff_separator(["1 2 3", "4 5 6"]) == r"\s+"


def test_table_roundtrip_in_workspace(ml):
    ws = Workspace(config.home())
    table_id = save_table(ws, ml)
    back = load_table(ws, table_id)
    assert np.array_equal(back.users[back.u], ml.users[ml.u]) and np.array_equal(back.r, ml.r)
    assert np.array_equal(back.t, ml.t) and back.item_labels()[0] == ml.item_labels()[0]
    assert not [p for p in (ws.root / "tables").iterdir() if p.name.startswith(".partial")]
    with pytest.raises(InputError, match="no rating table"):
        load_table(ws, "nope")


# -- split and metrics ----------------------------------------------------------------

def test_random_split(ml):
    train = split_ratings(ml, "random", 0.2, seed=1)
    assert abs((~train).mean() - 0.2) < 0.01
    assert np.array_equal(train, split_ratings(ml, "random", 0.2, seed=1))


def test_latest_split_holds_out_each_users_latest():
    t = tbl("u,i,r,t\n1,a,1,30\n1,b,2,10\n1,c,3,20\n1,d,4,40\n2,a,5,5\n3,a,1,1\n3,b,2,2\n")
    train = split_ratings(t, "latest", 0.25)
    test_pairs = set(zip(t.users[t.u[~train]], t.items[t.i[~train]]))
    assert test_pairs == {("1", "d"), ("3", "b")}  # user 2 has one rating: kept for training
    with pytest.raises(InputError, match="no timestamp"):
        split_ratings(tbl("u,i,r\n1,a,1\n2,b,2\n"), "latest")


def test_rmse_mae_by_hand():
    assert rmse([1, 2, 3], [1, 2, 5]) == pytest.approx(math.sqrt(4 / 3))
    assert mae([1, 2, 3], [2, 2, 5]) == pytest.approx(1.0)


def test_ranking_at_k_by_hand():
    # hits at ranks 1 and 3 of 3 recommendations; 4 relevant items
    p, r, n = ranking_at_k([7, 8, 9], {7, 9, 1, 2}, k=3)
    assert p == pytest.approx(2 / 3) and r == pytest.approx(2 / 4)
    dcg = 1 + 1 / math.log2(4)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert n == pytest.approx(dcg / idcg)
    assert ranking_at_k([5, 6], {6}, k=2)[2] == pytest.approx(1 / math.log2(3))


def test_ranking_metrics_skip_training_items_and_irrelevant_users():
    t = tbl("u,i,r\n1,a,5\n1,b,5\n1,c,2\n2,a,5\n2,c,1\n")
    train = t.subset(np.array([True, False, False, True, False]))
    test = t.subset(np.array([False, True, True, False, True]))
    scores = np.array([10.0, 1.0, 5.0])  # a (rated in training, so skipped) > c > b
    out = ranking_metrics(lambda u: scores, train, test, k=1, threshold=4)
    # user 1: top-1 unrated is c (not relevant: rated 2) -> 0 hits; user 2 has no relevant test item
    assert out == {"precision@1": 0.0, "recall@1": 0.0, "NDCG@1": 0.0, "users": 1}
    out = ranking_metrics(lambda u: -scores, train, test, k=1, threshold=4)
    assert out["precision@1"] == 1.0 and out["NDCG@1"] == 1.0


# -- models ---------------------------------------------------------------------------

def _synthetic(n_users=300, n_items=200, rank=3, noise=0.1, density=0.3, seed=0):
    rng = np.random.default_rng(seed)
    P, Q = rng.normal(size=(n_users, rank)), rng.normal(size=(n_items, rank))
    clean = 3 + P @ Q.T
    mask = rng.random((n_users, n_items)) < density
    u, i = np.nonzero(mask)
    r = clean[u, i] + rng.normal(scale=noise, size=len(u))
    table = RatingTable(np.arange(n_users).astype(str), np.arange(n_items).astype(str), u.astype(np.int32),
                        i.astype(np.int32), r, name="synthetic")
    return table, clean


def test_svd_recovers_a_low_rank_matrix_to_within_the_noise():
    noise = 0.1
    table, clean = _synthetic(noise=noise)
    train = split_ratings(table, "random", 0.2, seed=3)
    # run soft-impute to convergence (the app's defaults stop earlier, which is enough on MovieLens);
    # the biases take up a rank-2 part, so the factors need rank > 3
    model = fit_svd(table.subset(train), SVDConfig(n_factors=10, tol=1e-6, path_iter=30, max_iter=100))
    held_u, held_i = table.u[~train], table.i[~train]
    err_clean = rmse(model.predict(held_u, held_i), clean[held_u, held_i])
    assert err_clean < noise, model.info  # closer to the truth than the noise is
    assert rmse(model.predict(held_u, held_i), table.r[~train]) < 1.5 * noise
    assert model.info["rank"] >= 3
    # the whole matrix, unobserved entries included
    full = model.mu + model.bu[:, None] + model.bi[None, :] + model.P @ model.Q.T
    assert rmse(full, clean) < noise
    biases = fit_baseline(table.subset(train))
    assert rmse(biases.predict(held_u, held_i), table.r[~train]) > 5 * noise


def test_biases_by_hand_without_shrinkage():
    u, i, r = np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([5.0, 3.0, 4.0])
    mu, bu, bi = fit_biases(u, i, r, 2, 2, reg_u=0, reg_i=0, epochs=50)
    assert mu == pytest.approx(4.0)
    assert np.allclose(mu + bu[u] + bi[i], r, atol=1e-6)  # 3 ratings, 4 free parameters: an exact fit


def test_svd_beats_biases_on_movielens_holdout(ml):
    train = split_ratings(ml, "random", 0.2, seed=0)
    model = fit_svd(ml.subset(train), SVDConfig(n_factors=20))
    base = fit_baseline(ml.subset(train))
    te_u, te_i, te_r = ml.u[~train], ml.i[~train], ml.r[~train]
    assert rmse(model.predict(te_u, te_i), te_r) < rmse(base.predict(te_u, te_i), te_r) - 0.005
    assert model.predict(te_u, te_i).min() >= 0.5 and model.predict(te_u, te_i).max() <= 5.0


def test_spaces_roundtrip_predict_the_same(ml):
    small = ml.subset(ml.u < 60)
    model = fit_svd(small, SVDConfig(n_factors=8))
    items, users = model_spaces(small, model, "svd", {})
    ws = Workspace(config.home())
    ids = save_pair(ws, items, users)
    items2, users2 = ws.load_space(ids["model_id"]), ws.load_space(ids["users_model_id"])
    assert items2.info["users_model_id"] == ids["users_model_id"]
    assert items2.words[0] == small.items[np.argmax(small.item_counts())]  # most rated first
    again = model_from_spaces(items2, users2, small)
    assert np.allclose(again.predict(small.u, small.i), model.predict(small.u, small.i), atol=1e-4)
    recs, top = recommend(items2, users2, small, "1", 5)
    rated = set(small.items[small.i[small.users[small.u] == "1"]])
    assert len(recs) == 5 and not set(recs["item"]) & rated
    assert top["rating"].is_monotonic_decreasing and set(top["item"]) <= rated
    with pytest.raises(InputError, match="no user"):
        recommend(items2, users2, small, "no-such-user")
    like = items_like(items2, "toy story", 3)
    assert len(like) == 3 and "Toy Story (1995)" not in set(like["title"])


def test_write_histories_orders_by_time(tmp_path):
    t = tbl("u,i,r,t\n1,a,1,30\n1,b,2,10\n1,c,3,20\n2,a,5,5\n2,c,5,1\n3,b,1,1\n")
    n = write_histories(t, tmp_path / "h.txt")
    lines = (tmp_path / "h.txt").read_text().split("\n")
    idx = {k: str(v) for v, k in enumerate(t.items)}
    assert n == 2  # user 3 has a single item: no context
    assert lines[0].split() == [idx["b"], idx["c"], idx["a"]] and lines[1].split() == [idx["c"], idx["a"]]


def test_item2vec_spaces(ml):
    items, users = train_item2vec(ml, Item2VecConfig(vector_size=16, epochs=2, min_count=5))
    assert items.kind == "item2vec" and users.kind == "item2vec-users"
    assert set(items.words) <= set(ml.items) and len(users) == 671
    assert (items.counts >= 5).all() and items.meta.loc["1", "label"] == "Toy Story (1995)"
    assert np.isfinite(users.vectors).all()
    with pytest.raises(InputError, match="min_count"):
        train_item2vec(ml.subset(ml.u < 3), Item2VecConfig(min_count=100))


def test_evaluate_svd_reports_both_baselines_and_a_curve(ml):
    small = ml.subset(ml.u < 200)
    out = evaluate(small, "svd", {"n_factors": 10}, "latest", 0.2, factors=[1, 5])
    names = [r["model"] for r in out["metrics"]]
    assert names[0].startswith("global mean") and names[1] == "μ + b_u + b_i" and names[2].startswith("SVD")
    assert out["metrics"][0]["RMSE"] > out["metrics"][1]["RMSE"]
    assert [c["factors"] for c in out["curve"]] == [1, 5]
    assert all(0 <= r["NDCG@10"] <= 1 for r in out["metrics"])
    import json
    json.dumps(out)  # a job result must be JSON


def test_item2vec_job_through_the_worker(ml):
    ws = Workspace(config.home())
    table_id = save_table(ws, ml.subset(ml.u < 100))
    job = jobs.submit(ws, "item2vec", {"table_id": table_id, "config": {"epochs": 2, "vector_size": 8}}, "i2v")
    status = jobs.SCHEDULER.wait(ws.root, job, timeout=300)
    assert status["state"] == "done", status.get("error")
    assert ws.load_space(status["result"]["model_id"]).kind == "item2vec"
    # SVD on an implicit table fails with a message, not a traceback
    implicit = tbl("a,x\nb,x\nb,y\n")
    job = jobs.submit(ws, "svd", {"table_id": save_table(ws, implicit)}, "svd")
    status = jobs.SCHEDULER.wait(ws.root, job, timeout=300)
    assert status["state"] == "failed" and "implicit" in status["error"]


def test_zipped_rating_table_is_read():
    import io
    import zipfile

    from conftest import ROOT

    ratings = (ROOT / "sample_corpora" / "ml-latest-small" / "ratings.csv").read_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ml/ratings.csv", ratings)
    raw = read_delimited(buf.getvalue(), "ml.zip")
    assert len(raw.frame) == 100_004 and list(raw.frame.columns)[:3] == ["userId", "movieId", "rating"]


# -- stored tables: once per content, within the quota, deletable -----------------------------------------

def test_same_table_is_stored_once_and_can_be_deleted(ml):
    from embedlab.sources.ratings import delete_table, stored_tables

    ws = Workspace(config.home())
    first = save_table(ws, ml)
    again = save_table(ws, sample_table())  # "Use this table" once more: same content
    assert again == first and len(list((ws.root / "tables").iterdir())) == 1
    other = save_table(ws, read_ratings(b"u,i,r\n1,a,5\n2,a,3\n2,b,4\n", "small.csv"))
    assert other != first
    assert stored_tables(ws)["id"].tolist() == [other, first]
    ws.set_setting("ratings_table", first)
    delete_table(ws, first)
    assert not (ws.root / "tables" / first).exists() and ws.get_setting("ratings_table") is None
    with pytest.raises(InputError, match="no rating table"):
        load_table(ws, first)
    with pytest.raises(InputError, match="no rating table"):
        delete_table(ws, first)


def test_saving_a_table_checks_the_quota(ml):
    ws = Workspace(config.home(), quota=200_000)  # 100,004 ratings need more than 200 KB
    with pytest.raises(InputError, match="disk limit"):
        save_table(ws, ml)
    assert not (ws.root / "tables").exists() or not list((ws.root / "tables").iterdir())


def test_cold_svd_step_equals_scikit_learns_randomized_svd():
    from sklearn.utils.extmath import randomized_svd

    from embedlab.train.svd import _svd_step

    rng = np.random.default_rng(0)
    # rank 6 with a clear gap, plus noise: the top 6 singular triplets are well defined
    M = (rng.normal(size=(300, 6)) * [40, 30, 20, 15, 10, 8]) @ rng.normal(size=(6, 200)) + rng.normal(size=(300, 200))
    U, s, Vt = _svd_step(M, 6, np.zeros((200, 0)), np.random.default_rng(1))
    U2, s2, Vt2 = randomized_svd(M, 6, n_oversamples=10, n_iter=2, random_state=1)
    np.testing.assert_allclose(s, s2, rtol=1e-6)
    np.testing.assert_allclose(np.abs(np.sum(U * U2, axis=0)), 1, atol=1e-6)  # same vectors up to sign
    np.testing.assert_allclose(np.abs(np.sum(Vt * Vt2, axis=1)), 1, atol=1e-6)


def test_no_private_library_api_is_imported():
    import ast

    from conftest import ROOT

    private = []
    for path in sorted((ROOT / "embedlab").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in (
                    "sklearn", "scipy", "gensim", "numpy", "pandas", "umap", "plotly"):
                private += [f"{path.name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert not private, private
