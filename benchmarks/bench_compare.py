"""Comparing two models: Jaccard@10 over 20,000 shared words, and Procrustes alignment.

Issue 7 names no speed target; the baseline is the obvious per-word loop:
gensim's ``KeyedVectors.most_similar(word, topn=k)`` for each word in each
space (restricted to the shared words by building KeyedVectors of just those
words) and a Python set Jaccard. The loop is timed on the first
``--baseline-words`` words and extrapolated linearly to all words (it is
linear in the number of query words); embedlab's batched matrix-product path
(:func:`embedlab.probes.compare.jaccard_at_k`) is timed on all of them. Both
check they agree on the words the baseline covered.

Vectors are random normal (100-d, 20,000 words); the cost does not depend on
what the vectors mean. B is A rotated plus noise, so neighbourhoods overlap
partly, as between two trained models.

Usage: python benchmarks/bench_compare.py [--words N] [--dim D] [--k K] [--baseline-words M]
"""

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from embedlab.probes import compare  # noqa: E402
from embedlab.space import Space  # noqa: E402


def baseline(a: Space, b: Space, words, k: int, m: int):
    """Per-word gensim most_similar + set Jaccard on the first ``m`` words; (seconds, jaccards)."""
    from gensim.models import KeyedVectors

    def restricted(space):
        kv = KeyedVectors(space.dim)
        kv.add_vectors(words, space.vectors[space.indices(words)])
        return kv

    ka, kb = restricted(a), restricted(b)
    t0 = time.perf_counter()
    out = []
    for w in words[:m]:
        na = {x for x, _ in ka.most_similar(w, topn=k)}
        nb = {x for x, _ in kb.most_similar(w, topn=k)}
        out.append(len(na & nb) / len(na | nb))
    return time.perf_counter() - t0, np.array(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=20_000)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--baseline-words", type=int, default=1_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(args.words)]
    xa = rng.normal(size=(args.words, args.dim)).astype(np.float32)
    q, _ = np.linalg.qr(rng.normal(size=(args.dim, args.dim)))
    xb = (xa + rng.normal(scale=0.5, size=xa.shape)) @ q
    a, b = Space.from_vectors(words, xa), Space.from_vectors(words, xb)
    print(f"{args.words:,} shared words, {args.dim}-d, k = {args.k}")

    t0 = time.perf_counter()
    overlap = compare.jaccard_at_k(a, b, k=args.k)
    ours = time.perf_counter() - t0
    print(f"embedlab jaccard_at_k (batched, chunks of 512 rows): {ours:.2f} s, mean Jaccard@{args.k} "
          f"{overlap.mean:.3f}")

    m = min(args.baseline_words, args.words)
    base_s, base_j = baseline(a, b, overlap.words, args.k, m)
    base_full = base_s * args.words / m
    agree = float(np.mean(np.isclose(base_j, overlap.jaccard[:m])))
    print(f"baseline gensim most_similar loop: {base_s:.2f} s for {m:,} words -> {base_full:.1f} s extrapolated "
          f"to {args.words:,}; agreement with embedlab on those words: {agree:.1%}")
    print(f"ratio baseline / embedlab: {base_full / ours:.1f}x")

    t0 = time.perf_counter()
    alignment = compare.procrustes_align(a, b)
    procrustes_s = time.perf_counter() - t0
    print(f"orthogonal Procrustes over {len(alignment.words):,} words: {procrustes_s:.2f} s, "
          f"mean displacement {alignment.displacement.mean():.3f}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {peak_mb:.0f} MB")
    print(json.dumps({"n_words": args.words, "dim": args.dim, "k": args.k, "jaccard_seconds": round(ours, 3),
                      "baseline_seconds_extrapolated": round(base_full, 2), "speedup_vs_baseline":
                      round(base_full / ours, 2), "baseline_agreement": round(agree, 4),
                      "procrustes_seconds": round(procrustes_s, 3), "peak_rss_mb": round(peak_mb)}))


if __name__ == "__main__":
    main()
