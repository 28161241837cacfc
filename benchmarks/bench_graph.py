"""Benchmark: node2vec walks against pecanpy's, training time, and node classification against spectral embedding.

Run from the repo root (the peer needs its own venv, see below)::

    python benchmarks/bench_graph.py

Graphs
    * a stochastic block model (planted partition, ``embedlab.sources.graphs.planted_partition``):
      100,000 nodes in 20 equal blocks, 1,000,000 node pairs drawn with half of
      them inside a block (mixing 0.5), self-loops dropped and repeats merged
      (about 999,000 edges), seed 0;
    * the largest shipped real graph: the MovieLens co-rating graph (2,245
      movies, 17,443 weighted edges, genres as labels).

Figures, each measured in this run
    1. ``walks_s``: node2vec walks, 10 per node, 80 nodes long, p = 1, q = 0.5,
       two threads, with embedlab (numba, written to the text file gensim
       trains from) and ``walks_s_peer`` with **pecanpy** 2.0.9 (numba; walks
       returned as lists of node-id strings, what its ``embed`` hands to
       gensim), in the mode its README recommends for the graph: ``SparseOTF``
       above 10,000 nodes, ``PreComp`` below. Each runs in a fresh process
       (``benchmarks/graph_walk_step.py``) after a warm-up, so neither pays
       numba's compiler in the timed call; pecanpy's one-off per-graph compile
       and PreComp's alias tables are left out of its time (reported as
       ``peer_warmup_s``). We compare against pecanpy rather than the
       pure-Python ``node2vec`` package: the issue names pecanpy as the
       alternative when we write the walks ourselves, and it is the faster peer.
       Walks on weighted graphs use the weights on both sides.
    2. ``walk_peak_mb`` / ``walk_peak_mb_peer``: peak resident memory of the
       walk step above the memory before it (Linux ``VmHWM`` after
       ``clear_refs``), in the same processes.
    3. ``train_s``: embedlab's node2vec end to end (walks + Word2Vec skip-gram,
       128 dimensions, window 10, 1 epoch, 2 workers; the app's defaults with
       q = 0.5).
    4. Node-classification micro-F1 (one-vs-rest logistic regression,
       ``embedlab.probes.graph_eval.classification_report``) of node2vec
       against a spectral embedding of the same graph (Laplacian eigenmaps):
       on the SBM's blocks (10 % of nodes labelled, 3 splits, spectral with 32
       dimensions, enough for 20 blocks) and on the MovieLens genres
       (multi-label, 50 % labelled, 5 splits, spectral with 128 dimensions).

The peer venv (pecanpy 2.0.9 pins numpy < 2 through nptyping, so it cannot
live beside our numpy 2 pin)::

    python3 -m venv ~/.cache/embedlab-bench/peer-venv
    ~/.cache/embedlab-bench/peer-venv/bin/pip install -r benchmarks/requirements-graph-peer.txt

(or set ``EMBEDLAB_GRAPH_PEER_PYTHON`` to a python that has pecanpy).

``--real-only`` measures the real graph only (a few minutes instead of the
SBM's ~50 on a shared machine): its JSON line holds the ``*_real`` keys and
``"sbm": "not run"``.
The last line is JSON with ``walks_s``, ``walks_s_peer``, ``walks_ratio``,
``train_s``, ``micro_f1_node2vec_sbm``, ``micro_f1_spectral_sbm``,
``micro_f1_node2vec_real``, ``micro_f1_spectral_real``, ``walk_peak_mb``,
``walk_peak_mb_peer`` and the same figures for the real graph.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embedlab.probes.graph_eval import classification_report  # noqa: E402
from embedlab.sources.graphs import planted_partition, sample_graph  # noqa: E402
from embedlab.train.node2vec import Node2VecConfig, train_node2vec  # noqa: E402

PEER = Path(os.environ.get("EMBEDLAB_GRAPH_PEER_PYTHON",
                           Path.home() / ".cache/embedlab-bench/peer-venv/bin/python"))
WALKS = dict(walks=10, length=80, p=1.0, q=0.5, seed=0, workers=2)


def walk_step(python, impl, npz):
    cmd = [str(python), str(ROOT / "benchmarks" / "graph_walk_step.py"), "--impl", impl, "--npz", str(npz)]
    for k, v in WALKS.items():
        cmd += [f"--{k}", str(v)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=3600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare_walks(graph, label, tmp):
    indptr, indices, weights = graph.csr(weighted=True)
    npz = Path(tmp) / f"{label}.npz"
    np.savez(npz, indptr=indptr, indices=indices, data=weights)
    mode = "pecanpy-sparseotf" if graph.n_nodes > 10_000 else "pecanpy-precomp"
    ours = walk_step(sys.executable, "ours", npz)
    peer = walk_step(PEER, mode, npz)
    assert ours["tokens"] == peer["tokens"], (ours, peer)  # the same walks: same count, same length
    ratio = ours["seconds"] / peer["seconds"]
    print(f"[{label}] node2vec walks (10 per node, 80 long, p=1, q=0.5, 2 threads, {ours['tokens']:,} nodes): "
          f"embedlab {ours['seconds']:.2f} s (peak +{ours['peak_mb']:.0f} MB, {ours['file_mb']:.0f} MB of text) | "
          f"{mode} {peer['seconds']:.2f} s (peak +{peer['peak_mb']:.0f} MB; its one-off compile/tables "
          f"{peer['warmup_s']:.1f} s not counted) | ratio {ratio:.3f} ({'≤ 1.0' if ratio <= 1 else 'ABOVE 1.0'})",
          flush=True)
    return ours, peer, mode


def node2vec_and_classify(graph, label, column, share, repeats, baseline_dim):
    cfg = Node2VecConfig(walks_per_node=10, walk_length=80, p=1.0, q=0.5, vector_size=128, window=10, epochs=1,
                         workers=2, seed=0)
    t0 = time.perf_counter()
    space = train_node2vec(graph, cfg)
    train_s = time.perf_counter() - t0
    print(f"[{label}] node2vec training (walks + Word2Vec, 128-d, window 10, 1 epoch, 2 workers): {train_s:.1f} s "
          f"(walks {space.info['walk_seconds']:.1f} s, Word2Vec {np.sum(space.info['epoch_seconds']):.1f} s at "
          f"{np.mean(space.info['words_per_s']):,.0f} words/s)", flush=True)
    t0 = time.perf_counter()
    table = classification_report(graph, space, column, labelled_share=share, repeats=repeats, seed=0,
                                  baseline_dim=baseline_dim)
    print(f"[{label}] node classification by '{column}' ({share:.0%} labelled, {repeats} splits, "
          f"{'multi-label' if table.attrs['multilabel'] else 'single-label'}, {time.perf_counter() - t0:.0f} s):")
    for _, row in table.iterrows():
        print(f"    {row['model']:<48} micro-F1 {row['micro-F1']:.4f} ± {row['micro-F1 sd']:.4f}   "
              f"macro-F1 {row['macro-F1']:.4f}")
    n2v, spec = table.loc[0, "micro-F1"], table.loc[1, "micro-F1"]
    print(f"[{label}] micro-F1 node2vec / spectral = {n2v / spec:.3f}", flush=True)
    return train_s, table


def main(real_only: bool = False):
    if not PEER.exists():
        sys.exit(f"The peer's python {PEER} is missing; create the peer venv as this file's docstring says.")
    versions = subprocess.run([str(PEER), "-c", "from importlib.metadata import version as v; "
                               "print(*(v(p) for p in ('pecanpy', 'numba', 'numpy')))"],
                              capture_output=True, text=True).stdout.strip()
    print(f"peer: pecanpy, numba, numpy {versions}; machine: {os.cpu_count()} cores, shared with other work, "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    real = sample_graph("movielens-corating")
    sbm = None if real_only else planted_partition(100_000, 20, 1_000_000, mixing=0.5, seed=0)
    print(("SBM: not run (--real-only)" if sbm is None else
           f"SBM: {sbm.n_nodes:,} nodes, {sbm.n_edges:,} edges, 20 blocks")
          + f"; real: {real.name}, {real.n_nodes:,} nodes, {real.n_edges:,} edges", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        if sbm is not None:
            ours, peer, mode = compare_walks(sbm, "SBM", tmp)
        ours_r, peer_r, mode_r = compare_walks(real, "MovieLens", tmp)
    if sbm is not None:
        train_s, sbm_table = node2vec_and_classify(sbm, "SBM", "block", 0.1, 3, 32)
    train_r, real_table = node2vec_and_classify(real, "MovieLens", "genres", 0.5, 5, None)
    figures = {"sbm": "not run"} if sbm is None else {
        "walks_s": round(ours["seconds"], 3), "walks_s_peer": round(peer["seconds"], 3),
        "walks_ratio": round(ours["seconds"] / peer["seconds"], 4), "peer": f"pecanpy 2.0.9 {mode[8:]}",
        "peer_warmup_s": round(peer["warmup_s"], 1),
        "walk_peak_mb": round(ours["peak_mb"], 1), "walk_peak_mb_peer": round(peer["peak_mb"], 1),
        "train_s": round(train_s, 2),
        "micro_f1_node2vec_sbm": round(float(sbm_table.loc[0, "micro-F1"]), 4),
        "micro_f1_spectral_sbm": round(float(sbm_table.loc[1, "micro-F1"]), 4),
        "sbm_nodes": sbm.n_nodes, "sbm_edges": sbm.n_edges}
    print(json.dumps({
        **figures,
        "walks_s_real": round(ours_r["seconds"], 3), "walks_s_peer_real": round(peer_r["seconds"], 3),
        "walks_ratio_real": round(ours_r["seconds"] / peer_r["seconds"], 4), "peer_real": f"pecanpy 2.0.9 {mode_r[8:]}",
        "walk_peak_mb_real": round(ours_r["peak_mb"], 1), "walk_peak_mb_peer_real": round(peer_r["peak_mb"], 1),
        "train_s_real": round(train_r, 2),
        "micro_f1_node2vec_real": round(float(real_table.loc[0, "micro-F1"]), 4),
        "micro_f1_spectral_real": round(float(real_table.loc[1, "micro-F1"]), 4),
        "macro_f1_node2vec_real": round(float(real_table.loc[0, "macro-F1"]), 4),
        "macro_f1_spectral_real": round(float(real_table.loc[1, "macro-F1"]), 4),
        "real_nodes": real.n_nodes, "real_edges": real.n_edges,
    }))


if __name__ == "__main__":
    main(real_only="--real-only" in sys.argv[1:])
