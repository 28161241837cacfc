"""Import speed of embedlab's safe vector readers vs gensim's load_word2vec_format.

Writes a random vocabulary (default 30,000 words × 300 dimensions) as word2vec
text and binary with gensim, then reads each file with
``embedlab.sources.vectors.read_vectors_path`` (validating every row: duplicates,
NaN/inf, row length) and with gensim ``KeyedVectors.load_word2vec_format``.
Baseline: gensim. The last line is JSON.

    python benchmarks/bench_vectors.py [--words 30000] [--dim 300]
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gensim.models import KeyedVectors  # noqa: E402

from embedlab.sources.vectors import read_vectors_path  # noqa: E402


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=30_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    kv = KeyedVectors(args.dim)
    kv.add_vectors([f"w{i}" for i in range(args.words)], rng.standard_normal((args.words, args.dim), dtype=np.float32))
    out = {"words": args.words, "dim": args.dim}
    with tempfile.TemporaryDirectory() as tmp:
        for binary in (False, True):
            kind = "binary" if binary else "text"
            path = Path(tmp) / f"vectors.{kind}"
            kv.save_word2vec_format(str(path), binary=binary)
            ours, space = best_of(lambda: read_vectors_path(path, fmt=f"word2vec-{kind}"), args.repeat)
            theirs, ref = best_of(lambda: KeyedVectors.load_word2vec_format(str(path), binary=binary), args.repeat)
            assert space.words == ref.index_to_key and np.array_equal(space.vectors, ref.vectors)
            mb = path.stat().st_size / 2**20
            print(f"{kind:6s} {mb:7.1f} MB  embedlab {ours:6.2f} s  gensim {theirs:6.2f} s  "
                  f"ratio embedlab/gensim {ours / theirs:.2f}")
            out.update({f"{kind}_mb": round(mb, 1), f"{kind}_s": round(ours, 3), f"gensim_{kind}_s": round(theirs, 3),
                        f"{kind}_ratio": round(ours / theirs, 3)})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
