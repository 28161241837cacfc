"""Benchmark: embedlab's top-N models against LensKit on the same splits, and against popularity.

Run from the repo root (LensKit's venv, see ``lenskit_peer.py``, is found at
``$LENSKIT_PYTHON``, default ``/work/venvs/lenskit/bin/python``)::

    python benchmarks/bench_topn.py

For each data set and split, one split is made with embedlab's
``make_split`` and written to Parquet; embedlab's models train on its training
part in this process and LensKit's in its own venv (``lenskit_peer.py``, a
subprocess) on the very same rows. Both are judged on the same users and the
same relevant items (held-out rating ≥ 4; every held-out item of an implicit
table):

* ml-latest-small (shipped), random 20 % split and per-user temporal split
  (each user's latest 20 %);
* a synthetic table of 1,000,000 ratings (10,000 users × 5,000 items): item
  popularity follows a power law and each user picks items by popularity ×
  exp(taste · item factors), so both popularity and personal taste carry
  signal; ratings follow the same factors plus noise. Random split; 1,500
  test users (the same for both sides) are scored, because LensKit's
  per-user batch loop takes ~40 ms a user for item k-NN.

Figures: NDCG@10 of each of our families (PureSVD, implicit ALS, EASE, item
k-NN, the SVD rating model) and of LensKit's Popular, ItemKNN (implicit
feedback; its default 20 neighbours and our neighbour count), ImplicitMF (its
defaults and our settings) and EASE (our λ); per family our NDCG@10 over
LensKit's better variant; our best model over popularity; training seconds of
each. LensKit's lists are also scored with embedlab's NDCG
(``recommend.ranking_at_k``) to show the two metrics agree. Our metrics break
ties by their expected value (McSherry & Najork 2008); LensKit's lists break
them in its own order, which matters only for the popularity baseline.

The last line is JSON: ``ndcg10`` (per data set: ours and lenskit per model),
``ratio_ours_to_lenskit`` (per data set and family), ``ratio_best_to_popularity``
(per data set), ``train_seconds`` (per data set, ours and lenskit),
``ease_train_s_ml_small`` (EASE on all of ml-latest-small, target ≤ 5 s),
``metric_check_max_diff`` (LensKit's NDCG vs ours on LensKit's lists).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embedlab.probes.recommend import ranking_at_k  # noqa: E402
from embedlab.probes.topn import FAMILIES, evaluate_scorer, make_split, relevant_pattern  # noqa: E402
from embedlab.sources.ratings import RatingTable, sample_table  # noqa: E402
from embedlab.train.als import ALSConfig  # noqa: E402
from embedlab.train.ease import EASEConfig, fit_ease  # noqa: E402
from embedlab.train.interactions import fit_popularity  # noqa: E402
from embedlab.train.itemknn import ItemKNNConfig  # noqa: E402

LENSKIT_PYTHON = os.environ.get("LENSKIT_PYTHON", "/work/venvs/lenskit/bin/python")
OURS = ("puresvd", "als", "ease", "itemknn", "svd")
# our family -> LensKit's models of the same family
PEERS = {"popularity": ("pop",), "itemknn": ("itemknn", "itemknn_our_k"),
         "als": ("implicitmf", "implicitmf_our_settings"), "ease": ("ease",)}


def lenskit_models() -> dict:
    als, knn, ease = ALSConfig(), ItemKNNConfig(), EASEConfig()
    return {
        "pop": {"scorer": "pop"},
        "itemknn": {"scorer": "itemknn", "config": {"feedback": "implicit"}},
        "itemknn_our_k": {"scorer": "itemknn", "config": {"feedback": "implicit", "max_nbrs": knn.neighbours}},
        "implicitmf": {"scorer": "implicitmf"},
        "implicitmf_our_settings": {"scorer": "implicitmf", "config": {
            "embedding_size": als.factors, "regularization": als.regularization, "weight": als.alpha,
            "use_ratings": als.feedback == "ratings", "epochs": als.iterations}},
        "ease": {"scorer": "ease", "config": {"regularization": ease.regularization}},
    }


def synthetic(n_users=10_000, n_items=5_000, n_ratings=1_000_000, dim=16, seed=0) -> RatingTable:
    """A long-tailed implicit-choice table with ratings (see the module docstring)."""
    rng = np.random.default_rng(seed)
    activity = rng.lognormal(0.0, 0.8, n_users)
    n_u = np.clip(np.round(activity / activity.sum() * n_ratings), 5, 1500).astype(np.int64)
    popularity = np.log(1.0 / np.arange(1, n_items + 1) ** 0.9)[rng.permutation(n_items)]
    P = rng.normal(scale=1 / np.sqrt(dim), size=(n_users, dim)) * 1.5
    Q = rng.normal(scale=1 / np.sqrt(dim), size=(n_items, dim)) * 1.5
    us, its = [], []
    for s in range(0, n_users, 500):
        e = min(n_users, s + 500)
        logits = popularity[None, :] + 2.0 * (P[s:e] @ Q.T) + rng.gumbel(size=(e - s, n_items))
        order = np.argsort(-logits, axis=1)
        for row in range(e - s):
            chosen = order[row, :n_u[s + row]]
            us.append(np.full(len(chosen), s + row))
            its.append(chosen)
    u = np.concatenate(us).astype(np.int32)
    i = np.concatenate(its).astype(np.int32)
    taste = np.einsum("ij,ij->i", P[u], Q[i])
    bias = rng.normal(scale=0.3, size=n_items)
    r = np.clip(np.round((3.4 + 1.2 * taste + bias[i] + rng.normal(scale=0.6, size=len(u))) * 2) / 2, 0.5, 5.0)
    t = rng.integers(1_000_000_000, 1_600_000_000, size=len(u))
    return RatingTable(np.arange(n_users).astype(str), np.arange(n_items).astype(str), u, i, r, t,
                       name="synthetic-1M")


def write_split(folder: Path, table: RatingTable, split, users: np.ndarray) -> None:
    tr = split.train
    pd.DataFrame({"user_id": tr.users[tr.u], "item_id": tr.items[tr.i], "rating": tr.r}).to_parquet(
        folder / "train.parquet", index=False)
    R = relevant_pattern(split).tocoo()
    keep = np.isin(R.row, users)
    pd.DataFrame({"user_id": table.users[R.row[keep]], "item_id": table.items[R.col[keep]]}).to_parquet(
        folder / "relevant.parquet", index=False)
    pd.DataFrame({"user_id": table.users[users]}).to_parquet(folder / "users.parquet", index=False)
    (folder / "config.json").write_text(json.dumps({"n": 20, "models": lenskit_models()}))


def run_lenskit(folder: Path) -> dict:
    proc = subprocess.run([LENSKIT_PYTHON, str(ROOT / "benchmarks" / "lenskit_peer.py"), str(folder)],
                          cwd=folder, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"LensKit failed:\n{proc.stderr[-3000:]}")
    print(proc.stdout, end="")
    return json.loads((folder / "results.json").read_text())


def ndcg_of_lists(folder: Path, name: str, table: RatingTable, split, users: np.ndarray) -> float:
    """Our NDCG@10 (``ranking_at_k``) of LensKit's lists, to check the two metrics agree."""
    recs = pd.read_parquet(folder / f"recs_{name}.parquet").sort_values(["user_id", "rank"])
    item_pos = pd.Index(table.items)
    lists = {u: item_pos.get_indexer(g["item_id"].astype(str)) for u, g in recs.groupby("user_id")}
    R = relevant_pattern(split)
    values = []
    for u in users:
        rel = set(R.indices[R.indptr[u]:R.indptr[u + 1]].tolist())
        values.append(ranking_at_k(lists.get(table.users[u], []), rel, 10)[2])
    return float(np.mean(values))


def compare(label: str, table: RatingTable, method: str, max_users=None) -> dict:
    split = make_split(table, method, 0.2, seed=0)
    R = relevant_pattern(split)
    users = np.flatnonzero(np.diff(R.indptr) > 0)
    if max_users is not None and len(users) > max_users:
        users = np.sort(np.random.default_rng(0).choice(users, max_users, replace=False))
    print(f"\n== {label}: {table.n_users:,} users × {table.n_items:,} items, {len(table):,} ratings; {method} split "
          f"(train {len(split.train):,}, test {len(split.test):,}); {len(users):,} users scored", flush=True)
    ours, seconds = {}, {}
    pop = evaluate_scorer(fit_popularity(split.train), split, (10,), users=users)
    ours["popularity"], seconds["popularity"] = pop["NDCG@10"], 0.0
    for family in OURS:
        _, fit, _ = FAMILIES[family]
        t0 = time.perf_counter()
        _, scorer = fit(split.train, {}, None)
        seconds[family] = time.perf_counter() - t0
        ours[family] = evaluate_scorer(scorer, split, (10,), users=users)["NDCG@10"]
        del scorer
        print(f"ours {family:10s}: NDCG@10 {ours[family]:.4f}, train {seconds[family]:.2f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-topn-") as tmp:
        folder = Path(tmp)
        write_split(folder, table, split, users)
        lk = run_lenskit(folder)
        check = {name: ndcg_of_lists(folder, name, table, split, users) for name in lenskit_models()}
    theirs = {name: lk[name]["ndcg10"] for name in lenskit_models()}
    diff = max(abs(check[n] - theirs[n]) for n in theirs)
    print(f"LensKit's NDCG@10 vs ours on LensKit's lists: largest difference {diff:.2e}")
    ratios = {}
    for family, peers in PEERS.items():
        best_peer = max(peers, key=lambda n: theirs[n])
        ratios[family] = ours[family] / theirs[best_peer]
        print(f"{family:10s}: ours {ours[family]:.4f} / LensKit {best_peer} {theirs[best_peer]:.4f} = "
              f"{ratios[family]:.3f} ({'≥' if ratios[family] >= 1 else 'BELOW'} LensKit)")
    best = max(OURS, key=lambda f: ours[f])
    ratio_pop = ours[best] / ours["popularity"]
    print(f"best ({best}) / popularity = {ours[best]:.4f} / {ours['popularity']:.4f} = {ratio_pop:.2f} "
          f"(target ≥ 1.5; LensKit's Popular: {theirs['pop']:.4f})")
    return {"ndcg10": {"ours": _round(ours), "lenskit": _round(theirs)}, "ratio_ours_to_lenskit": _round(ratios),
            "ratio_best_to_popularity": round(ratio_pop, 3), "best": best, "metric_check_max_diff": diff,
            "train_seconds": {"ours": _round(seconds, 3),
                              "lenskit": {n: round(lk[n]["train_seconds"], 3) for n in lenskit_models()}},
            "lenskit_version": lk["lenskit_version"]}


def _round(d: dict, digits: int = 4) -> dict:
    return {k: round(float(v), digits) for k, v in d.items()}


def main():
    print("Machine: 2 cores shared with other developers; timings are indicative.")
    small = sample_table("ml-latest-small")
    t0 = time.perf_counter()
    fit_ease(small, EASEConfig())
    ease_small = time.perf_counter() - t0
    print(f"EASE on all of ml-latest-small ({small.n_items:,} items): {ease_small:.2f} s "
          f"(target 5 s, ratio {ease_small / 5:.2f})", flush=True)
    results = {"ml-latest-small/random": compare("ml-latest-small", small, "random"),
               "ml-latest-small/temporal": compare("ml-latest-small", small, "latest")}
    big = synthetic()
    results["synthetic-1M/random"] = compare("synthetic-1M", big, "random", max_users=1500)
    print(json.dumps({
        "ndcg10": {k: v["ndcg10"] for k, v in results.items()},
        "ratio_ours_to_lenskit": {k: v["ratio_ours_to_lenskit"] for k, v in results.items()},
        "ratio_best_to_popularity": {k: v["ratio_best_to_popularity"] for k, v in results.items()},
        "best_model": {k: v["best"] for k, v in results.items()},
        "train_seconds": {k: v["train_seconds"] for k, v in results.items()},
        "ease_train_s_ml_small": round(ease_small, 3),
        "metric_check_max_diff": max(v["metric_check_max_diff"] for v in results.values()),
        "lenskit_version": results["ml-latest-small/random"]["lenskit_version"],
    }))


if __name__ == "__main__":
    main()
