"""Top-N recommenders (PureSVD, implicit ALS, EASE, item k-NN) and the top-N evaluation.

Hand-made matrices with a known best item per user; each model held equal to
its closed form or a brute-force computation; metrics equal hand computations
(ties, users with fewer relevant items than k) and an exhaustive average over
tie orders; the same split for every model; bad input.
"""

import itertools
import json
import math

import numpy as np
import pytest
import scipy.sparse as sp

from embedlab import config
from embedlab.errors import InputError
from embedlab.probes import topn
from embedlab.probes.recommend import ranking_at_k
from embedlab.probes.topn import (Split, evaluate_scorer, evaluate_topn, make_split, rank_block, ranking_metrics,
                                  run_topn_job)
from embedlab.sources.ratings import RatingTable, attach_items, read_item_metadata, read_ratings, save_table
from embedlab.store import Workspace
from embedlab.train import als, ease, itemknn, puresvd, registry
from embedlab.train.als import ALSConfig, confidence_matrix, fit_als
from embedlab.train.ease import EASEConfig, ease_weights, fit_ease
from embedlab.train.interactions import fit_popularity, interaction_matrix, top_k_rows
from embedlab.train.itemknn import ItemKNNConfig, fit_itemknn, knn_weights
from embedlab.train.params import Params
from embedlab.train.puresvd import PureSVDConfig, fit_puresvd

ML = config.SAMPLE_DIR / "ml-latest-small"
FAMILY_MODULES = (puresvd, als, ease, itemknn)


def csr(dense):
    return sp.csr_matrix(np.asarray(dense, dtype=bool))


def table_from(pairs, ratings=None, n_users=None, n_items=None, implicit=None):
    u = np.array([p[0] for p in pairs], dtype=np.int32)
    i = np.array([p[1] for p in pairs], dtype=np.int32)
    n_users = n_users or int(u.max()) + 1
    n_items = n_items or int(i.max()) + 1
    r = np.ones(len(u)) if ratings is None else np.asarray(ratings, dtype=float)
    return RatingTable(np.arange(n_users).astype(str), np.arange(n_items).astype(str), u, i, r, None,
                       implicit=ratings is None if implicit is None else implicit, name="hand")


# -- metrics: hand computations ---------------------------------------------------------

def one_user(scores, exclude=(), relevant=(), ks=(3,)):
    n = len(scores)
    ex = np.zeros((1, n), dtype=bool)
    ex[0, list(exclude)] = True
    rel = np.zeros((1, n), dtype=bool)
    rel[0, list(relevant)] = True
    return ranking_metrics(np.array([scores], dtype=float), csr(ex), csr(rel), ks)


def test_metrics_without_ties_and_fewer_relevant_than_k():
    # item 1 is a training item; ranked candidates: 0, 2, 3, 4, 5; relevant 2 and 5
    m = one_user([0.9, 0.8, 0.7, 0.6, 0.5, 0.4], exclude=[1], relevant=[2, 5], ks=(3, 5))
    d2, d5 = 1 / math.log2(3), 1 / math.log2(6)
    assert m["precision@3"] == pytest.approx(1 / 3)
    assert m["recall@3"] == pytest.approx(1 / 2)
    assert m["NDCG@3"] == pytest.approx(d2 / (1 + d2))  # ideal: min(2 relevant, k) hits
    assert m["MAP@3"] == pytest.approx((1 / 2) / 2)
    assert m["hit rate@3"] == 1.0
    # k = 5 = every candidate: list length 5, both relevant found at ranks 2 and 5
    assert m["precision@5"] == pytest.approx(2 / 5)
    assert m["recall@5"] == pytest.approx(1.0)
    assert m["NDCG@5"] == pytest.approx((d2 + d5) / (1 + d2))
    assert m["MAP@5"] == pytest.approx((1 / 2 + 2 / 5) / 2)
    assert m["users"] == 1


def test_metrics_with_a_tie_straddling_the_cut():
    # rank 1: item 0; ranks 2-4: items 1, 2, 3 tied; the relevant item 3 is in the tie
    m = one_user([1.0, 0.5, 0.5, 0.5, 0.0], relevant=[3], ks=(1, 2, 3))
    d2, d3 = 1 / math.log2(3), 1 / math.log2(4)
    assert m["hit rate@1"] == 0 and m["NDCG@1"] == 0
    assert m["precision@2"] == pytest.approx(1 / 6)  # expected hits 1/3 over 2 slots
    assert m["recall@2"] == pytest.approx(1 / 3)
    assert m["NDCG@2"] == pytest.approx(d2 / 3)
    assert m["MAP@2"] == pytest.approx(1 / 6)  # 1/3 of the time at rank 2, precision 1/2 there
    assert m["hit rate@2"] == pytest.approx(1 / 3)
    assert m["NDCG@3"] == pytest.approx((d2 + d3) / 3)
    assert m["MAP@3"] == pytest.approx((1 / 2 + 1 / 3) / 3)  # at rank 2, 3 or 4 with equal chance
    assert m["hit rate@3"] == pytest.approx(2 / 3)


def test_metrics_with_two_relevant_items_in_one_tie():
    # items 0, 1, 2 tied on top, 0 and 1 relevant: of the 6 orders, 2 give AP 1, 2 give 1/2, 2 give 1/4
    m = one_user([0.5, 0.5, 0.5, 0.1], relevant=[0, 1], ks=(1, 2))
    assert m["precision@2"] == pytest.approx(2 / 3)
    assert m["NDCG@2"] == pytest.approx(2 / 3)
    assert m["MAP@2"] == pytest.approx((2 * 1 + 2 * 0.5 + 2 * 0.25) / 6)
    assert m["hit rate@2"] == 1.0  # any two of the three hold a relevant item
    assert m["hit rate@1"] == pytest.approx(2 / 3)


def _plain(order, exclude, relevant, k):
    """Realised metrics of one ordered list (no ties): precision, recall, NDCG, AP, hit."""
    cand = [j for j in order if j not in exclude]
    top = cand[:k]
    gains = np.array([1.0 if j in relevant else 0.0 for j in top])
    disc = 1 / np.log2(np.arange(2, len(top) + 2))
    ideal = (1 / np.log2(np.arange(2, min(len(relevant), k) + 2))).sum()
    prec_at = np.cumsum(gains) / np.arange(1, len(top) + 1)
    return (gains.sum() / max(len(top), 1), gains.sum() / len(relevant), (gains * disc).sum() / ideal,
            (prec_at * gains).sum() / min(len(relevant), k), float(gains.sum() > 0))


def test_tie_aware_metrics_equal_the_average_over_every_order_of_the_ties():
    rng = np.random.default_rng(3)
    n_items, n_users, ks = 7, 6, (1, 2, 3, 5)
    S = rng.integers(0, 3, size=(n_users, n_items)).astype(float)  # scores 0, 1, 2: many ties
    ex = np.zeros((n_users, n_items), dtype=bool)
    rel = np.zeros((n_users, n_items), dtype=bool)
    for u in range(n_users):
        picks = rng.permutation(n_items)
        ex[u, picks[:u % 3]] = True
        rel[u, picks[3:3 + 1 + u % 3]] = True
    out = rank_block(S.copy(), csr(ex), csr(rel), ks)
    for u in range(n_users):
        exclude, relevant = set(np.flatnonzero(ex[u])), set(np.flatnonzero(rel[u]))
        orders = [p for p in itertools.permutations(range(n_items)) if np.all(np.diff(S[u, list(p)]) <= 0)]
        for k in ks:
            brute = np.mean([_plain(p, exclude, relevant, k) for p in orders], axis=0)
            got = [out[f"{m}@{k}"][u] for m in ("precision", "recall", "NDCG", "MAP", "hit rate")]
            assert got == pytest.approx(brute.tolist(), abs=1e-12), (u, k)


def test_without_ties_the_metrics_equal_ranking_at_k():
    rng = np.random.default_rng(0)
    S = rng.random((40, 30))
    ex = rng.random((40, 30)) < 0.2
    rel = (rng.random((40, 30)) < 0.15) & ~ex
    out = rank_block(S.copy(), csr(ex), csr(rel), (10,))
    for u in np.flatnonzero(rel.any(axis=1)):
        ranked = [j for j in np.argsort(-S[u]) if not ex[u, j]]
        p, r, n = ranking_at_k(ranked, set(np.flatnonzero(rel[u])), 10)
        assert (out["precision@10"][u], out["recall@10"][u], out["NDCG@10"][u]) == pytest.approx((p, r, n))


def test_coverage_popular_share_and_a_user_with_fewer_candidates_than_k():
    # 10 items; popularity from the training pattern; user 1 rated all but two items
    ex = np.zeros((2, 10), dtype=bool)
    ex[1, 2:] = True
    ex[0, 9] = True
    rel = np.zeros((2, 10), dtype=bool)
    rel[0, [0, 5]] = True
    rel[1, 1] = True
    S = np.tile(np.arange(10, 0, -1, dtype=float), (2, 1))  # item 0 best
    m = ranking_metrics(S, csr(ex), csr(rel), ks=(3,), popularity=np.arange(10, 0, -1))
    # user 0 sees 0, 1, 2; user 1 can only be shown items 0 and 1
    assert m["coverage@3"] == pytest.approx(3 / 10)
    assert m["popular share@3"] == pytest.approx(2 / 5)  # item 0 is the single most popular (10 %)
    assert m["precision@3"] == pytest.approx((1 / 3 + 1 / 2) / 2)
    assert m["hit rate@3"] == 1.0
    idx, vals, tied = top_k_rows(np.array([[1.0, 3.0, 3.0, 0.0, 3.0]]), 2)
    assert idx.tolist() == [[1, 2]] and tied.tolist() == [3]  # ties go to the lower index


def test_k_larger_than_the_catalogue_is_refused():
    with pytest.raises(InputError, match="larger than the catalogue"):
        one_user([0.3, 0.2, 0.1], relevant=[0], ks=(4,))
    table = table_from([(u, i) for u in range(4) for i in range(3) if (u + i) % 3])
    with pytest.raises(InputError, match="larger than the catalogue"):
        evaluate_topn(table, models=["ease"], ks=(10,))


# -- hand-made data with a known best item per user -----------------------------------

def clustered():
    """3 groups of 4 items; group A is rated by 9 users, B and C by 5 each. Every user rated their group's
    4 items but one (their held-out test item), so the best unrated item of each user is known, while
    popularity would push group A's items on everyone."""
    pairs, train = [], []
    sizes = {0: 9, 1: 5, 2: 5}
    u = 0
    for g, n in sizes.items():
        for j in range(n):
            for i in range(4):
                pairs.append((u, 4 * g + i))
                train.append(i != j % 4)
            u += 1
    table = table_from(pairs)
    mask = np.array(train)
    return table, Split(table.subset(mask), table.subset(~mask), mask, "hand", 0.25, 0)


@pytest.mark.parametrize("fit,cfg", [
    (fit_puresvd, PureSVDConfig(n_factors=3)),
    (fit_als, ALSConfig(factors=3, regularization=0.01, iterations=20)),
    (fit_ease, EASEConfig(regularization=1.0)),
    (fit_itemknn, ItemKNNConfig(neighbours=3)),
])
def test_every_family_puts_the_held_out_item_first(fit, cfg):
    table, split = clustered()
    m = evaluate_scorer(fit(split.train, cfg), split, ks=(1,))
    assert m["users"] == table.n_users
    assert m["hit rate@1"] == 1.0 and m["NDCG@1"] == 1.0
    assert evaluate_scorer(fit_popularity(split.train), split, ks=(1,))["hit rate@1"] < 0.6


# -- each model against its closed form or a brute-force computation -------------------

@pytest.mark.parametrize("shape", [(60, 25), (15, 40)])  # more users than items (Cholesky), fewer (Woodbury)
def test_ease_equals_the_closed_form(shape):
    rng = np.random.default_rng(1)
    X = sp.csr_matrix((rng.random(shape) < 0.3).astype(np.float32))
    lam = 7.0
    G = (X.T @ X).toarray().astype(np.float64) + lam * np.eye(shape[1])
    P = np.linalg.inv(G)
    expected = np.eye(shape[1]) - P / np.diag(P)[None, :]  # Steck 2019, B = I − P·diag(1/diag(P))
    B = ease_weights(X, lam)
    assert np.abs(B - expected).max() < 1e-5
    assert np.all(np.diag(B) == 0)


def test_ease_scores_are_x_times_b_and_unrated_items_score_zero():
    table = table_from([(0, 0), (0, 1), (1, 1), (1, 2), (2, 0), (2, 2), (3, 1)], n_items=5)
    model = fit_ease(table, EASEConfig(regularization=2.0))
    X = interaction_matrix(table, "binary").toarray().astype(np.float64)
    P = np.linalg.inv(X[:, :3].T @ X[:, :3] + 2.0 * np.eye(3))
    B = np.eye(3) - P / np.diag(P)[None, :]
    assert model.scores(np.arange(4))[:, :3] == pytest.approx(X[:, :3] @ B, abs=1e-5)
    assert np.all(model.scores(np.arange(4))[:, 3:] == 0)
    assert model.info["items_solved"] == 3


def test_ease_over_the_item_limit_is_refused_with_the_memory(monkeypatch, tmp_path):
    table = table_from([(u, i) for u in range(6) for i in range(12) if (u * 7 + i) % 3])
    monkeypatch.setattr(ease, "MAX_ITEMS", 10)
    with pytest.raises(InputError, match=r"12 × 12 item–item matrix: about [\d.]+ GB"):
        fit_ease(table)
    # the job refuses before anything is built
    ws = Workspace(tmp_path / "ws")
    table_id = save_table(ws, table)
    monkeypatch.setattr(ease, "ease_weights", lambda *a, **k: pytest.fail("EASE was built anyway"))
    with pytest.raises(InputError, match="allows EASE up to 10 items"):
        ease.run_job(ws, {"table_id": table_id, "config": {}}, lambda *a, **k: None)
    assert ease.ease_memory_bytes(20_000) > 1.6e9
    # in a comparison the other models still run, and a note says why EASE is missing
    result = evaluate_topn(table, ["ease", {"family": "puresvd", "config": {"n_factors": 2}}], ks=(2,))
    assert [r["family"] for r in result["rows"]] == ["popularity", "puresvd"]
    assert result["notes"][0].startswith("EASE was left out: EASE needs a dense 12 × 12")


def test_puresvd_equals_the_truncated_svd():
    rng = np.random.default_rng(2)
    R = np.where(rng.random((12, 9)) < 0.5, rng.integers(1, 6, (12, 9)), 0).astype(float)
    pairs = list(zip(*np.nonzero(R)))
    table = table_from(pairs, ratings=R[np.nonzero(R)], n_users=12, n_items=9, implicit=False)
    U, s, Vt = np.linalg.svd(R)
    expected = (U[:, :3] * s[:3]) @ Vt[:3]
    model = fit_puresvd(table, PureSVDConfig(n_factors=3, power_iterations=10))
    assert model.scores(np.arange(12)) == pytest.approx(expected, abs=1e-4)
    assert model.info["rank"] == 3


def test_item_knn_equals_brute_force_cosine_top_k():
    rng = np.random.default_rng(4)
    X = (rng.random((30, 9)) < 0.35).astype(float)
    norms = np.linalg.norm(X, axis=0)
    cos = (X.T @ X) / np.outer(np.where(norms > 0, norms, 1), np.where(norms > 0, norms, 1))
    expected = np.zeros_like(cos)
    for j in range(9):
        order = sorted((i for i in range(9) if i != j and cos[i, j] > 0), key=lambda i: (-cos[i, j], i))[:3]
        expected[order, j] = cos[order, j]
    W = knn_weights(sp.csr_matrix(X), 3, block_entries=40)  # several blocks
    assert W.toarray() == pytest.approx(expected, abs=1e-6)


def test_als_confidence_is_one_plus_alpha_r():
    table = table_from([(0, 0), (0, 1), (1, 1)], ratings=[5.0, 1.0, 3.0], implicit=False)
    C = confidence_matrix(table, ALSConfig(alpha=10.0, feedback="ratings")).toarray()
    assert C.tolist() == [[51.0, 11.0], [0.0, 31.0]]
    C = confidence_matrix(table, ALSConfig(alpha=10.0, feedback="binary")).toarray()
    assert C.tolist() == [[11.0, 11.0], [0.0, 11.0]]
    negative = table_from([(0, 0), (1, 1)], ratings=[-2.0, 3.0], implicit=False)
    with pytest.raises(InputError, match="negative ratings"):
        confidence_matrix(negative, ALSConfig(feedback="ratings"))


# -- configs -----------------------------------------------------------------------------

@pytest.mark.parametrize("module", FAMILY_MODULES)
def test_each_module_declares_a_ratings_family_with_a_documented_form(module):
    family = registry.family(module.NAME)
    assert family is module.FAMILY and family.title == module.TITLE
    assert (family.data, family.item, family.arg) == ("ratings", "item", "table_id")
    assert family.job_function() is module.run_job and module.MODEL_TEXT in family.details
    assert [f.name for f in registry.families("ratings")][:2] == ["svd", "item2vec"]  # the rating models first
    rows = family.config.describe()
    assert issubclass(family.config, Params) and rows["help"].map(bool).all()
    assert all((r["min"] is not None and r["max"] is not None) or r["choices"] for _, r in rows.iterrows())
    cfg = family.config()
    assert family.config.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


@pytest.mark.parametrize("cls,bad", [
    (PureSVDConfig, {"n_factors": 0}), (PureSVDConfig, {"feedback": "stars"}), (ALSConfig, {"alpha": -1}),
    (ALSConfig, {"iterations": 2.5}), (EASEConfig, {"regularization": 0.0}), (ItemKNNConfig, {"neighbours": True}),
    (ItemKNNConfig, {"neighbours": "50"}),
])
def test_bad_settings_are_refused(cls, bad):
    with pytest.raises(InputError):
        cls.from_dict(bad)


def test_a_whole_number_given_to_a_float_setting_becomes_a_float():
    assert isinstance(EASEConfig.from_dict({"regularization": 5}).regularization, float)
    with pytest.raises(InputError, match="n_factors must be a whole number; got 20.5"):
        PureSVDConfig.from_dict({"n_factors": 20.5})


# -- the comparison ----------------------------------------------------------------------

def small_ml(n_lines=4000, implicit=False):
    """The first ratings of ml-latest-small (real data, about 30 users), with titles."""
    lines = (ML / "ratings.csv").read_text(encoding="utf-8").splitlines()[:n_lines + 1]
    columns = {"rating": None} if implicit else None
    table = read_ratings("\n".join(lines).encode(), "ml-head.csv", columns=columns)
    meta, notes = read_item_metadata((ML / "movies.csv").read_bytes(), "movies.csv")
    return attach_items(table, meta, notes)


FAST = [{"family": "puresvd", "config": {"n_factors": 8}}, {"family": "als", "config": {"factors": 8}},
        {"family": "ease", "config": {"regularization": 50}}, {"family": "itemknn", "config": {"neighbours": 20}},
        {"family": "svd", "config": {"n_factors": 5, "n_lambdas": 4}}, "biases"]


def test_every_model_is_trained_and_judged_on_the_same_split(monkeypatch):
    table = small_ml()
    seen = {}
    for key, (label, fit, predicts) in list(topn.FAMILIES.items()):
        def recording(train, cfg, progress, _fit=fit, _key=key):
            seen[_key] = (train.u.copy(), train.i.copy())
            return _fit(train, cfg, progress)
        monkeypatch.setitem(topn.FAMILIES, key, (label, recording, predicts))
    result = evaluate_topn(table, FAST, method="latest", seed=3)
    split = make_split(table, "latest", 0.2, seed=3)
    assert result["split"]["fingerprint"] == split.fingerprint
    assert set(seen) == {"puresvd", "als", "ease", "itemknn", "svd", "biases"}
    for u, i in seen.values():
        assert np.array_equal(u, split.train.u) and np.array_equal(i, split.train.i)
    assert len({r["users"] for r in result["rows"]}) == 1  # every model scored for the same users
    rows = {r["family"]: r for r in result["rows"]}
    assert rows["popularity"]["model"] == "Most popular"
    assert rows["svd"]["RMSE"] is not None and rows["ease"]["RMSE"] is None
    assert {c["model"] for c in result["chart"]["rmse"]} == {"SVD (rating model)", "μ + b_u + b_i"}
    assert len(result["chart"]["ranking"]) == 5 * len(result["rows"])
    assert "Cremonesi" in result["explanation"]


def test_implicit_tables_work_for_every_top_n_model():
    table = small_ml(implicit=True)
    assert table.implicit
    result = evaluate_topn(table, FAST, ks=(10, 20))
    families = [r["family"] for r in result["rows"]]
    assert families == ["popularity", "puresvd", "als", "ease", "itemknn"]
    assert len(result["notes"]) == 2 and "needs ratings" in result["notes"][0]
    assert result["threshold"] is None and result["chart"]["rmse"] == []
    assert all(0 <= r["NDCG@10"] <= 1 and 0 <= r["hit rate@20"] <= 1 for r in result["rows"])
    assert "no model here predicts ratings" in result["explanation"]


def test_a_user_who_rated_every_item():
    # user 0 rated all 6 items; 2 of them are held out, so those two are user 0's only candidates
    pairs = [(0, i) for i in range(6)] + [(u, i) for u in range(1, 8) for i in range(6) if (u + i) % 2]
    table = table_from(pairs)
    mask = np.random.default_rng(1).random(len(pairs)) > 0.3
    mask[:6] = [True, False, True, True, False, True]
    split = Split(table.subset(mask), table.subset(~mask), mask, "hand", 0.3, 1)
    for module in FAMILY_MODULES:
        scorer = getattr(module, f"fit_{module.NAME}")(split.train, None)
        m = evaluate_scorer(scorer, split, ks=(3,), users=np.array([0]))
        assert m["users"] == 1 and m["hit rate@3"] == 1.0
        assert m["precision@3"] == 1.0 and m["recall@3"] == 1.0  # a list of 2: both held-out items
        assert m["coverage@3"] == pytest.approx(2 / 6)


def test_jobs_save_labelled_item_spaces_and_the_comparison(tmp_path):
    ws = Workspace(tmp_path / "ws")
    table = small_ml(2500)
    table_id = save_table(ws, table)
    configs = {"puresvd": {"n_factors": 8}, "als": {"factors": 8, "iterations": 5}, "ease": {"dim": 8},
               "itemknn": {"neighbours": 10, "dim": 8}}
    for module in FAMILY_MODULES:
        out = module.run_job(ws, {"table_id": table_id, "config": configs[module.NAME], "name": module.TITLE},
                             lambda *a, **k: None)
        items = ws.load_space(out["model_id"])
        assert items.info["item_kind"] == "item" and items.kind == module.NAME
        assert items.info["citation"] == module.CITATION and items.info["vectors"]
        assert "Toy Story (1995)" in set(items.meta["label"])
        assert len(items) == table.n_items and items.dim == 8
        assert ("users_model_id" in out) == (module.NAME in ("puresvd", "als"))
        if "users_model_id" in out:
            assert ws.load_space(out["users_model_id"]).info["item_kind"] == "user"
    result = run_topn_job(ws, {"table_id": table_id, "models": FAST[:4], "ks": [5, 10]}, lambda *a, **k: None)
    assert [r["model"] for r in result["rows"]] == ["Most popular", "PureSVD", "Implicit ALS", "EASE", "Item k-NN"]
    assert result["ks"] == [5, 10] and result["table_id"] == table_id
    from embedlab.views.topn import topn_figure, topn_table

    frame = topn_table(result)
    assert list(frame.columns[:4]) == ["model", "RMSE", "MAE", "precision@5"] and len(frame) == 5
    assert len(topn_figure(result).data) == 5


def test_unknown_family_and_empty_training_part():
    table = small_ml(500)
    with pytest.raises(InputError, match="Unknown model family"):
        evaluate_topn(table, ["word2vec"])
    empty = table.subset(np.zeros(len(table), dtype=bool))
    for module in FAMILY_MODULES:
        with pytest.raises(InputError, match="no ratings"):
            getattr(module, f"fit_{module.NAME}")(empty, None)


@pytest.mark.slow
def test_on_ml_latest_small_ease_beats_popularity_and_svd_wins_only_rmse():
    from embedlab.sources.ratings import sample_table

    result = evaluate_topn(sample_table(), models=["svd", "ease"])
    rows = {r["family"]: r for r in result["rows"]}
    assert rows["ease"]["NDCG@10"] >= 1.5 * rows["popularity"]["NDCG@10"]
    assert rows["svd"]["NDCG@10"] < rows["ease"]["NDCG@10"]
    assert rows["svd"]["RMSE"] < 0.95
    assert result["explanation"].startswith("SVD (rating model) predicts held-out ratings best")
    assert rows["ease"]["users"] > 500


# -- using a saved model: recommendations and "items like X" for every family ----------------------------

def saved(ws, module, table_id, config):
    out = module.run_job(ws, {"table_id": table_id, "config": config, "name": module.TITLE}, lambda *a, **k: None)
    items = ws.load_space(out["model_id"])
    users = ws.load_space(out["users_model_id"]) if "users_model_id" in out else None
    return items, users


def exact_ease(table, lam):
    """EASE's B in float64 by the Woodbury identity (few users): the ground truth for the saved model."""
    X = interaction_matrix(table, "binary").toarray().astype(np.float64)
    K = X @ X.T + lam * np.eye(len(X))
    P = (np.eye(X.shape[1]) - X.T @ np.linalg.solve(K, X)) / lam
    B = np.eye(X.shape[1]) - P / np.diag(P)[None, :]
    return X, B


def test_saved_ease_and_item_knn_score_a_user_exactly_as_their_full_matrices(tmp_path):
    from embedlab.probes.recommend import items_like, recommend, user_choices
    from embedlab.train.interactions import ItemItemModel

    ws = Workspace(tmp_path / "ws")
    table = small_ml(2500)
    table_id = save_table(ws, table)
    a = int(np.flatnonzero(table.items == "1")[0])  # Toy Story
    for module, cfg in ((ease, {"regularization": 50.0, "dim": 8}), (itemknn, {"neighbours": 10, "dim": 8})):
        items, users = saved(ws, module, table_id, cfg)
        assert users is None and items.info["scoring"] == "item-item"
        stored = ItemItemModel.load(ws, items.info["id"])
        if module is ease:
            X, W = exact_ease(table, 50.0)  # B (the saved model keeps only λ and diag(P))
            row = W[a]  # B[a, j]: a's weight in j's score
        else:
            X = interaction_matrix(table, "binary").toarray().astype(np.float64)
            W = fit_itemknn(table, ItemKNNConfig(neighbours=10)).W.toarray()
            row = W[:, a]  # a's own k neighbours
        Xs = stored.matrix(table)
        close = {"rel": 1e-6, "abs": 1e-8}  # diag(P) was kept from the float32 training
        for u in (0, 7, table.n_users - 1):
            assert stored.user_scores(Xs, u) == pytest.approx(X[u] @ W, **close)
        # the page's recommendations: the 10 best scores of x_u·B (x_u·W), rated items left out
        user = user_choices(None, table)[0]  # the most active user
        u = int(np.flatnonzero(table.users == user)[0])
        S = X[u] @ W
        S[table.i[table.u == u]] = -np.inf
        recs, top = recommend(items, None, table, user, 10, stored)
        assert recs.iloc[:, 1].to_numpy() == pytest.approx(np.sort(S)[::-1][:10], **close)
        assert not set(recs["item"]) & set(table.items[table.i[table.u == u]])
        like = items_like(items, "Toy Story", 5, 1, stored, table)
        assert like.attrs["query"] == "1" and "1" not in set(like["item"])
        assert like.iloc[:, 1].to_numpy() == pytest.approx(np.sort(np.delete(row, a))[::-1][:5], **close)
        assert set(like["title"]) <= set(items.labels)


def test_puresvd_and_als_recommend_by_the_dot_product_they_were_trained_for(tmp_path):
    from embedlab.probes.recommend import recommend

    ws = Workspace(tmp_path / "ws")
    table = small_ml(2500)
    table_id = save_table(ws, table)
    for module, cfg in ((puresvd, {"n_factors": 8}), (als, {"factors": 8, "iterations": 5})):
        items, users = saved(ws, module, table_id, cfg)
        assert items.info["scoring"] == "dot"
        user = users.words[3]
        pu = users.vector(user).astype(np.float64)
        unrated = ~np.isin(items.words, table.items[table.i[table.u == int(np.flatnonzero(table.users == user)[0])]])
        scores = items.vectors.astype(np.float64) @ pu
        recs, _ = recommend(items, users, table, user, 10)
        assert list(recs.columns[:2]) == ["title", "score p_u·q_i"]
        assert recs["score p_u·q_i"].to_numpy() == pytest.approx(np.sort(scores[unrated])[::-1][:10], rel=1e-6)
        assert set(recs["item"]) <= set(np.asarray(items.words)[unrated])
        # not the cosine: PureSVD's and ALS's scores grow with an item's vector length (popularity)
        cosine = scores / np.linalg.norm(items.vectors, axis=1)
        by_cosine = np.asarray(items.words)[unrated][np.argsort(-cosine[unrated], kind="stable")[:10]]
        assert set(by_cosine) != set(recs["item"])


def test_a_user_who_rated_every_item_gets_no_recommendations_and_a_note(tmp_path):
    from embedlab.probes.recommend import recommend
    from embedlab.train.interactions import ItemItemModel

    pairs = [(0, i) for i in range(6)] + [(u, i) for u in range(1, 8) for i in range(6) if (u + i) % 2]
    table = table_from(pairs)
    ws = Workspace(tmp_path / "ws")
    table_id = save_table(ws, table)
    for module, cfg in ((puresvd, {"n_factors": 2}), (ease, {"dim": 2}), (itemknn, {"dim": 2}),
                        (als, {"factors": 2})):
        items, users = saved(ws, module, table_id, cfg)
        stored = ItemItemModel.load(ws, items.info["id"]) if users is None else None
        recs, top = recommend(items, users, table, "0", 10, stored)
        assert recs.empty and "User 0 has rated every item" in recs.attrs["note"]
        assert len(top) == 6
        recs, _ = recommend(items, users, table, "1", 10, stored)
        assert len(recs) == 3  # user 1 rated 3 of the 6 items


def test_item_knn_vectors_are_the_rows_of_the_cosine_matrix_reduced():
    rng = np.random.default_rng(5)
    X = sp.csr_matrix((rng.random((40, 12)) < 0.4).astype(float))
    D = X.toarray()
    Xn = D / np.linalg.norm(D, axis=0)
    values, vectors = np.linalg.eigh(Xn.T @ Xn)  # S = X̃ᵀX̃ is symmetric: its SVD is its eigen-decomposition
    top = np.argsort(-values)[:4]
    expected = vectors[:, top] * values[top]  # rows of S on its top 4 singular vectors: (U Σ) of S
    got = itemknn.cosine_item_vectors(X, 4)
    assert np.abs(got) == pytest.approx(np.abs(expected), abs=1e-4)  # a singular vector's sign is arbitrary


# -- EASE's memory before training and the comparison's checks -------------------------------------------

def test_ease_states_its_memory_before_training_and_submit_refuses_over_the_limit(monkeypatch, tmp_path):
    from embedlab import jobs

    ws = Workspace(tmp_path / "ws")
    table = small_ml(2500)
    table_id = save_table(ws, table)
    n = int((table.item_counts() > 0).sum())
    note = ease.FAMILY.run_preview(ws, {"table_id": table_id, "config": {}})
    mb = ease.ease_memory_bytes(n, table.n_users) / 1e6
    assert f"dense {n:,} × {n:,} item–item matrix: about {mb:,.0f} MB" in note
    monkeypatch.setattr(ease, "MAX_ITEMS", n - 1)
    monkeypatch.setattr(jobs, "SCHEDULER", None)  # nothing may be queued
    gb = ease.ease_memory_bytes(n, table.n_users) / 1e9
    for call in (lambda: ease.FAMILY.run_preview(ws, {"table_id": table_id}),
                 lambda: jobs.submit(ws, "ease", {"table_id": table_id, "config": {}, "name": "x"}, "x")):
        with pytest.raises(InputError, match=f"about {gb:.1f} GB of memory.*allows EASE up to {n - 1:,} items"):
            call()
    assert jobs.list_jobs(ws) == []


def test_the_comparison_is_checked_before_it_is_queued(monkeypatch):
    table = small_ml(500)
    with pytest.raises(InputError, match=f"k = 1000 is larger than the catalogue \\({table.n_items:,} items\\)"):
        topn.plan_topn(table, ["ease"], (10, 1000))
    with pytest.raises(InputError, match="Choose at least one model"):
        topn.plan_topn(table, [], (10,), popularity=False)
    with pytest.raises(InputError, match="at least one k"):
        topn.plan_topn(table, ["ease"], ())
    with pytest.raises(InputError, match="PureSVD: n_factors must be from 1 to 1000; got 0"):
        topn.plan_topn(table, [{"family": "puresvd", "config": {"n_factors": 0}}], (10,))
    assert topn.plan_topn(table, ["ease", "svd"], (10,)) == []
    implicit = small_ml(500, implicit=True)
    assert topn.plan_topn(implicit, ["svd", "ease"], (10,)) == [
        "SVD (rating model) needs ratings; this table is implicit feedback, so it will be left out."]
    monkeypatch.setattr(ease, "MAX_ITEMS", 10)
    (note,) = topn.plan_topn(table, ["ease"], (10,))
    assert note.startswith("EASE will be left out: EASE needs a dense") and "GB of memory" in note


def test_the_comparison_without_popularity_and_with_each_models_settings():
    table = small_ml(1500)
    result = evaluate_topn(table, [{"family": "puresvd", "config": {"n_factors": 4}}], ks=(20, 5),
                           popularity=False)
    (row,) = result["rows"]
    assert row["family"] == "puresvd" and result["ks"] == [5, 20]  # sorted: the chart uses the first
    assert row["settings"] == PureSVDConfig(n_factors=4).to_dict()
    from embedlab.views.topn import settings_text, split_text

    assert settings_text(result) == ("Settings — **PureSVD**: n_factors 4, feedback ratings, power_iterations 4, "
                                     "seed 0.")
    train = result["split"]["train"]
    assert split_text(result).startswith(f"Held out: a random 20% of the ratings (seed 0): {train:,} training")
