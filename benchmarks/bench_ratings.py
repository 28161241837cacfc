"""Benchmark: embedlab's SVD (biases + soft-impute) against scikit-surprise on ml-latest-small, and speed.

Run from the repo root::

    python benchmarks/bench_ratings.py

1. 5-fold cross-validation on sample_corpora/ml-latest-small/ratings.csv with
   Surprise's ``KFold(n_splits=5, shuffle=True, random_state=0)``: the same
   folds for embedlab's model (default settings, as the app trains it),
   Surprise's ``BaselineOnly`` and ``SVD`` (defaults). Held-out RMSE per fold
   and mean, with ratios.
2. Training time on all of ml-latest-small (target < 3 s).
3. A synthetic table of 1,000,000 ratings (6,000 users × 4,000 items, rank-10
   factors + biases + noise, ratings rounded to half stars in 0.5..5): training
   time (target < 30 s) and peak memory (tracemalloc peak of the fit, and the
   process's peak resident set size).

The last line is JSON with ``rmse_ours``, ``rmse_surprise_baseline``,
``rmse_surprise_svd``, ``train_small_s``, ``train_1m_s``, ``peak_mb_1m``.
"""

import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embedlab.sources.ratings import RatingTable, sample_table  # noqa: E402
from embedlab.train.svd import SVDConfig, fit_svd  # noqa: E402


def rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def cross_validate(table):
    from surprise import SVD, BaselineOnly, Dataset, Reader
    from surprise.model_selection import KFold

    frame = table.to_frame()
    data = Dataset.load_from_df(frame[["user", "item", "rating"]], Reader(rating_scale=(0.5, 5.0)))
    row_of = {(u, i): n for n, (u, i) in enumerate(zip(frame["user"], frame["item"]))}
    folds = {"ours": [], "surprise_baseline": [], "surprise_svd": [], "ours_s": [], "baseline_s": [], "svd_s": []}
    for k, (trainset, testset) in enumerate(KFold(n_splits=5, shuffle=True, random_state=0).split(data)):
        test_rows = np.array([row_of[(u, i)] for u, i, _ in testset])
        train = np.ones(len(table), dtype=bool)
        train[test_rows] = False
        t0 = time.perf_counter()
        model = fit_svd(table.subset(train), SVDConfig())
        folds["ours_s"].append(time.perf_counter() - t0)
        folds["ours"].append(rmse(model.predict(table.u[test_rows], table.i[test_rows]), table.r[test_rows]))
        truth = np.array([r for _, _, r in testset])
        for name, algo, key in (("surprise_baseline", BaselineOnly(verbose=False), "baseline_s"),
                                ("surprise_svd", SVD(random_state=0), "svd_s")):
            t0 = time.perf_counter()
            algo.fit(trainset)
            pred = np.array([p.est for p in algo.test(testset)])
            folds[key].append(time.perf_counter() - t0)
            folds[name].append(rmse(pred, truth))
        print(f"fold {k + 1}: ours {folds['ours'][-1]:.4f} (rank {model.info['rank']}, "
              f"{folds['ours_s'][-1]:.2f} s) | BaselineOnly {folds['surprise_baseline'][-1]:.4f} | "
              f"SVD {folds['surprise_svd'][-1]:.4f} ({folds['svd_s'][-1]:.2f} s)", flush=True)
    return folds


def synthetic(n_users=6000, n_items=4000, n_ratings=1_000_000, rank=10, seed=0):
    rng = np.random.default_rng(seed)
    flat = rng.choice(n_users * n_items, size=n_ratings, replace=False)
    u, i = (flat // n_items).astype(np.int32), (flat % n_items).astype(np.int32)
    P = rng.normal(scale=0.35, size=(n_users, rank))
    Q = rng.normal(scale=0.35, size=(n_items, rank))
    bu, bi = rng.normal(scale=0.3, size=n_users), rng.normal(scale=0.4, size=n_items)
    r = 3.5 + bu[u] + bi[i] + np.einsum("ij,ij->i", P[u], Q[i]) + rng.normal(scale=0.5, size=n_ratings)
    r = np.clip(np.round(r * 2) / 2, 0.5, 5.0)
    return RatingTable(np.arange(n_users).astype(str), np.arange(n_items).astype(str), u, i, r, name="synthetic-1M")


def main():
    table = sample_table("ml-latest-small")
    print(f"ml-latest-small: {table.n_users} users, {table.n_items} items, {len(table):,} ratings")
    folds = cross_validate(table)
    ours, base, svd = (float(np.mean(folds[k])) for k in ("ours", "surprise_baseline", "surprise_svd"))
    print(f"5-fold mean RMSE: ours {ours:.4f} | Surprise BaselineOnly {base:.4f} | Surprise SVD {svd:.4f}")
    print(f"ratio ours / BaselineOnly = {ours / base:.4f}; ours / SVD = {ours / svd:.4f} "
          f"({'no worse' if ours <= min(base, svd) else 'WORSE'} than the better of the two)")

    t0 = time.perf_counter()
    model = fit_svd(table, SVDConfig())
    train_small = time.perf_counter() - t0
    print(f"training on all of ml-latest-small: {train_small:.2f} s (target 3 s, ratio {train_small / 3:.2f}); "
          f"rank {model.info['rank']}, λ = {model.info['lambda']:.2f}; Surprise SVD fit+test per fold: "
          f"{np.mean(folds['svd_s']):.2f} s")

    big = synthetic()
    print(f"synthetic: {big.n_users} users × {big.n_items} items, {len(big):,} ratings")
    tracemalloc.start()
    t0 = time.perf_counter()
    model_big = fit_svd(big, SVDConfig())
    train_1m = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_mb = peak / 2**20
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"training on 1M ratings: {train_1m:.2f} s (target 30 s, ratio {train_1m / 30:.2f}); rank "
          f"{model_big.info['rank']}; peak traced memory of the fit {peak_mb:.0f} MB; process peak RSS {rss_mb:.0f} MB")
    print(json.dumps({
        "rmse_ours": round(ours, 4), "rmse_surprise_baseline": round(base, 4), "rmse_surprise_svd": round(svd, 4),
        "rmse_folds_ours": [round(x, 4) for x in folds["ours"]],
        "rmse_folds_surprise_baseline": [round(x, 4) for x in folds["surprise_baseline"]],
        "rmse_folds_surprise_svd": [round(x, 4) for x in folds["surprise_svd"]],
        "ratio_ours_to_best_surprise": round(ours / min(base, svd), 4),
        "train_small_s": round(train_small, 3), "train_1m_s": round(train_1m, 3), "peak_mb_1m": round(peak_mb, 1),
        "peak_rss_mb_process": round(rss_mb, 1), "rank_small": model.info["rank"], "rank_1m": model_big.info["rank"],
    }))


if __name__ == "__main__":
    main()
