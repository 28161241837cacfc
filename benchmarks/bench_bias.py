"""WEAT permutation test speed: exact (8 + 8 targets, 12,870 partitions) and sampled (100,000 permutations).

Run from the repository root::

    python benchmarks/bench_bias.py

Baseline, measured in the same run: a naive per-partition Python loop over the
same precomputed word associations s(w, A, B), written here for the comparison
(it is not WEFE, and WEFE is not timed here). The exact baseline enumerates
all 12,870 partitions; the sampled baseline runs 5,000 permutations and is
extrapolated linearly to 100,000 (said in the output).

For the record, measured elsewhere and not by this script: WEFE 1.0.1 takes
about 22 ms for a WEAT without p-value and minutes for 10,000 permutations, and
its "approximate" p-value samples words with replacement; embedlab's exact
p-value matched a brute-force enumeration (the assertion below checks it
against the naive loop in every run). Each figure is the best
of 10 runs of the full ``embedlab.probes.bias.weat`` call (associations, effect
size, partitions, p-value) on a random 100-d space. The last line is JSON.
"""

import itertools
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from embedlab.probes import bias  # noqa: E402
from embedlab.space import Space  # noqa: E402


def best_of(fn, repeat=10):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def make_query(n_target, n_attr=8, dim=100, seed=0):
    x = [f"x{i}" for i in range(n_target)]
    y = [f"y{i}" for i in range(n_target)]
    a = [f"a{i}" for i in range(n_attr)]
    b = [f"b{i}" for i in range(n_attr)]
    rng = np.random.default_rng(seed)
    space = Space.from_vectors(x + y + a + b, rng.normal(size=(2 * n_target + 2 * n_attr, dim)))
    return space, bias.WeatQuery(targets=(x, y), attributes=(a, b))


def naive_exact(scores, n_x):
    words = list(range(len(scores)))
    observed = sum(scores[:n_x]) - sum(scores[n_x:])
    count = hits = 0
    for xi in itertools.combinations(words, n_x):
        chosen = set(xi)
        stat = sum(scores[i] for i in xi) - sum(scores[i] for i in words if i not in chosen)
        count += 1
        hits += stat >= observed
    return hits / count


def naive_sampled(scores, n_x, n_permutations, seed=0):
    rng = random.Random(seed)
    words = list(range(len(scores)))
    observed = sum(scores[:n_x]) - sum(scores[n_x:])
    hits = 0
    for _ in range(n_permutations):
        rng.shuffle(words)
        stat = sum(scores[i] for i in words[:n_x]) - sum(scores[i] for i in words[n_x:])
        hits += stat >= observed
    return (1 + hits) / (1 + n_permutations)


def main():
    space8, query8 = make_query(8)
    exact = bias.weat(space8, query8)
    assert exact.method == "exact" and exact.n_partitions == 12_870
    t_exact = best_of(lambda: bias.weat(space8, query8))

    space25, query25 = make_query(25)
    sampled = bias.weat(space25, query25, n_permutations=100_000, seed=0)
    assert sampled.method == "sampled" and sampled.n_partitions == 100_000
    t_sampled = best_of(lambda: bias.weat(space25, query25, n_permutations=100_000, seed=0))
    t_sampled8 = best_of(lambda: bias.weat(space8, query8, n_permutations=100_000, seed=0, exact_limit=0))

    scores8 = [float(v) for v in exact.word_scores["association"]]
    t0 = time.perf_counter()
    p_naive = naive_exact(scores8, 8)
    t_naive_exact = time.perf_counter() - t0
    assert abs(p_naive - exact.p_value) < 1e-9, (p_naive, exact.p_value)

    scores25 = [float(v) for v in sampled.word_scores["association"]]
    n_naive = 5_000
    t0 = time.perf_counter()
    naive_sampled(scores25, 25, n_naive)
    t_naive_sampled = (time.perf_counter() - t0) * (100_000 / n_naive)

    print(f"exact WEAT, 8 + 8 targets, 12,870 partitions:  {t_exact * 1000:8.1f} ms   "
          f"(our naive Python loop {t_naive_exact * 1000:.1f} ms; {t_naive_exact / t_exact:.0f}x faster)")
    print(f"sampled WEAT, 25 + 25 targets, 100,000 perms:   {t_sampled * 1000:8.1f} ms   "
          f"(our naive Python loop {t_naive_sampled * 1000:.0f} ms, extrapolated from {n_naive:,} permutations; "
          f"{t_naive_sampled / t_sampled:.0f}x faster)   target < 100 ms: {'met' if t_sampled < 0.1 else 'MISSED'}")
    print(f"sampled WEAT, 8 + 8 targets, 100,000 perms:     {t_sampled8 * 1000:8.1f} ms")
    print(f"p-values: exact {exact.p_value:.4f} (naive loop agrees), sampled {sampled.p_value:.4f}")
    print(json.dumps({
        "weat_exact_s": round(t_exact, 5),
        "weat_100k_perm_s": round(t_sampled, 5),
        "weat_100k_perm_8x8_s": round(t_sampled8, 5),
        "naive_exact_s": round(t_naive_exact, 5),
        "naive_100k_perm_s_extrapolated": round(t_naive_sampled, 5),
        "speedup_exact": round(t_naive_exact / t_exact, 1),
        "speedup_100k_perm": round(t_naive_sampled / t_sampled, 1),
    }))


if __name__ == "__main__":
    main()
