"""One walk step of bench_graph.py, in a process of its own: embedlab's walks or a peer's, timed, peak memory measured.

Run by ``benchmarks/bench_graph.py`` (never imported): with embedlab's ``.venv``
for ``--impl ours``, with the peer venv (see that file) for ``--impl pecanpy-*``.
It reads a graph as compressed rows (``.npz``: ``indptr``, ``indices``,
``data``), runs a tiny warm-up so that neither side pays numba's compiler in the
timed call, resets the kernel's peak-RSS counter (``/proc/self/clear_refs``),
runs the walk step once, and prints one JSON line: ``seconds``,
``peak_mb`` (peak resident memory during the step above the resident memory
before it), ``walks``, ``tokens``.

The step is "walks ready for Word2Vec": embedlab writes them to the text file
its gensim ``corpus_file`` training reads; pecanpy returns them as lists of
node-id strings, which its ``embed`` hands to gensim.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path


def _status(key: str) -> int:
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:  # not Linux, or not allowed: the peak then includes the load and warm-up
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--impl", required=True, choices=["ours", "pecanpy-sparseotf", "pecanpy-precomp"])
    ap.add_argument("--npz", required=True)
    ap.add_argument("--walks", type=int, default=10)
    ap.add_argument("--length", type=int, default=80, help="nodes per walk, the start included")
    ap.add_argument("--p", type=float, default=1.0)
    ap.add_argument("--q", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    import numpy as np

    raw = np.load(args.npz)
    indptr, indices, data = raw["indptr"], raw["indices"], raw["data"]
    n = len(indptr) - 1
    out = {"impl": args.impl, "nodes": n}
    if args.impl == "ours":
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        import numba

        from embedlab.train.walks import WalkGraph, generate_walks, write_walks

        numba.set_num_threads(args.workers)
        wg = WalkGraph.from_csr(indptr, indices, data)
        generate_walks(wg, np.arange(min(n, 100)), 5, args.p, args.q, True, args.seed)  # load the compiled code
        with tempfile.TemporaryDirectory() as tmp:
            _reset_peak()
            before = _status("VmRSS")
            t0 = time.perf_counter()
            facts = write_walks(wg, Path(tmp) / "walks.txt", args.walks, args.length, args.p, args.q, True,
                                args.seed)
            seconds = time.perf_counter() - t0
            peak = _status("VmHWM")
            out.update(walks=facts["walks"], tokens=facts["tokens"],
                       file_mb=(Path(tmp) / "walks.txt").stat().st_size / 2**20)
    else:
        import numba
        from pecanpy import pecanpy as pp

        numba.set_num_threads(args.workers)
        cls = pp.SparseOTF if args.impl == "pecanpy-sparseotf" else pp.PreComp
        g = cls(p=args.p, q=args.q, workers=args.workers, verbose=False, random_state=args.seed)
        g.set_node_ids([str(i) for i in range(n)])
        g.indptr = indptr.astype(np.uint32)  # what pecanpy's own read_npz makes
        g.indices = indices.astype(np.uint32)
        g.data = data.astype(np.float32)
        t0 = time.perf_counter()
        # compiles pecanpy's per-graph closures (and builds PreComp's alias tables): not in the timed call
        g.simulate_walks(num_walks=1, walk_length=2)
        out["warmup_s"] = time.perf_counter() - t0
        _reset_peak()
        before = _status("VmRSS")
        t0 = time.perf_counter()
        # pecanpy's walk_length counts steps: walk_length=79 gives 80 nodes, like --length 80 here
        walks = g.simulate_walks(num_walks=args.walks, walk_length=args.length - 1)
        seconds = time.perf_counter() - t0
        peak = _status("VmHWM")
        out.update(walks=len(walks), tokens=sum(len(w) for w in walks))
    out.update(seconds=seconds, peak_mb=max(peak - before, 0) / 2**20)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
