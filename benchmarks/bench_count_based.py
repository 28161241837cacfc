"""Count-based word vectors: our co-occurrence counting and GloVe against the reference glove.c, and
PPMI-SVD next to Word2Vec skip-gram, all on the shipped movie reviews prepared with default settings.

Issue 16's figures, measured in one run:

* ``cooccur_s_ours`` vs ``cooccur_s_ref``: counting with window 10, 1/d weighting, min_count 5, until the
  non-zero cells are ready for GloVe in a random order. Ours: :func:`count_cooccurrences` plus GloVe's
  shuffle of the cells; glove.c: ``vocab_count`` + ``cooccur`` + ``shuffle``. Best of two runs each,
  the corpus file in the page cache for both. Our counts are also checked cell for cell against glove.c's.
* ``glove_iter_s_ours`` vs ``glove_iter_s_ref``: seconds per iteration, 100 dimensions, 2 threads,
  x_max 100, η 0.05, on the same co-occurrences (ours, written in glove.c's binary format). Ours includes
  the exact-cost pass; glove.c's is (time of 15 iterations − time of 1) / 14, so reading the input and
  writing the vectors do not count.
* ``glove_quality``: Google analogy accuracy and WS-353 Spearman of both after 15 iterations.
* ``ppmi_svd_s``: PPMI-SVD with 300 dimensions (counting included) and its scores next to Word2Vec
  skip-gram's (300 dimensions, window 5, the app's other defaults) on the same corpus.
* peak RSS of counting, in a child process, for the corpus and for the same text repeated four times
  (same distinct pairs, four times the tokens): the table must not grow with the corpus.

glove.c is not shipped: build a copy outside the checkout (see ``../shared/peers/glove-c/README.md``) and
point ``GLOVE_C_BUILD`` at its ``build`` folder; without it the reference figures are skipped (null).

Usage: GLOVE_C_BUILD=/path/to/glove-c/build python benchmarks/bench_count_based.py
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import embedlab  # noqa: E402
# the evaluators are about to move to embedlab.probes.analogy.*: this is the one place that names them
from embedlab.probes.analogy.benchmark import builtin_pairs, evaluate_analogies, evaluate_word_pairs  # noqa: E402
from embedlab.train.cooccur import CooccurConfig, count_cooccurrences  # noqa: E402
from embedlab.train.glove import GloVeConfig, _cells, fit_glove  # noqa: E402
from embedlab.train.ppmi_svd import PPMISVDConfig, train_ppmi_svd  # noqa: E402

WINDOW, MIN_COUNT, DIM, ITERATIONS, THREADS = 10, 5, 100, 15, 2
CREC = np.dtype([("word1", "<i4"), ("word2", "<i4"), ("val", "<f8")])  # glove.c's cooccur_rec


def scores(space) -> dict:
    analogies = evaluate_analogies(space).totals.set_index("section")["accuracy"]
    return {"analogy": round(float(analogies["all"]), 4), "analogy_semantic": round(float(analogies["semantic"]), 4),
            "analogy_syntactic": round(float(analogies["syntactic"]), 4),
            "ws353": round(evaluate_word_pairs(space, builtin_pairs("WordSim-353")).spearman, 4),
            "simlex": round(evaluate_word_pairs(space, builtin_pairs("SimLex-999")).spearman, 4)}


def run_tool(args, stdin=None, stdout=None) -> tuple:
    """Run a glove.c tool; return (wall seconds, peak RSS in MB, stderr text)."""
    err = tempfile.TemporaryFile()
    fin = open(stdin, "rb") if stdin else subprocess.DEVNULL
    fout = open(stdout, "wb") if stdout else subprocess.DEVNULL
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdin=fin, stdout=fout, stderr=err)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    for fh in (fin, fout):
        if hasattr(fh, "close"):
            fh.close()
    err.seek(0)
    text = err.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} failed ({proc.returncode}): {text[-500:]}")
    return seconds, usage.ru_maxrss / 1024, text


def ours_counting(corpus) -> tuple:
    cfg = GloVeConfig(window=WINDOW, min_count=MIN_COUNT, weighting="1/d")
    t0 = time.perf_counter()
    cooc = count_cooccurrences(corpus, cfg)
    counted = time.perf_counter() - t0
    _cells(cooc, cfg, np.random.default_rng(1))
    return cooc, counted, time.perf_counter() - t0


def ref_counting(build: Path, corpus, work: Path) -> dict:
    text = str(corpus.lines_file)
    vocab, cooc, shuf = work / "vocab.txt", work / "cooc.bin", work / "cooc.shuf.bin"
    t_vocab, rss_vocab, _ = run_tool([str(build / "vocab_count"), "-min-count", str(MIN_COUNT), "-verbose", "0"],
                                     text, vocab)
    t_cooc, rss_cooc, _ = run_tool([str(build / "cooccur"), "-vocab-file", str(vocab), "-window-size", str(WINDOW),
                                    "-verbose", "0"], text, cooc)
    t_shuf, _, _ = run_tool([str(build / "shuffle"), "-seed", "1", "-verbose", "0"], cooc, shuf)
    return {"seconds": t_vocab + t_cooc + t_shuf, "vocab_count": t_vocab, "cooccur": t_cooc, "shuffle": t_shuf,
            "rss_mb": rss_cooc, "vocab": vocab, "cooc": cooc}


def same_counts(ours, ref: dict) -> float:
    """Largest |difference| between our matrix and glove.c's, cell by cell (inf when the cells differ)."""
    import scipy.sparse as sp

    words = [line.split(" ")[0] for line in ref["vocab"].read_text(encoding="utf-8").splitlines()]
    index = {w: i for i, w in enumerate(ours.words)}
    if set(words) != set(index):
        return float("inf")
    to_ours = np.array([index[w] for w in words])
    raw = np.fromfile(ref["cooc"], dtype=CREC)
    theirs = sp.csr_matrix((raw["val"], (to_ours[raw["word1"] - 1], to_ours[raw["word2"] - 1])),
                           shape=ours.matrix.shape)
    if theirs.nnz != ours.matrix.nnz:
        return float("inf")
    return float(abs(theirs - ours.matrix).max())


RSS_CHILD = """
import json, sys, tempfile
sys.path.insert(0, {root!r})
from embedlab.sources.corpus import Corpus, build_corpus
from embedlab.train.cooccur import CooccurConfig, count_cooccurrences

def high_water_mb():  # VmHWM: this process's peak RSS (ru_maxrss would include the parent's before exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

count_cooccurrences(build_corpus(["a b c a b c"] * 3, tempfile.mkdtemp(), "warm-up"), CooccurConfig(min_count=1))
before = high_water_mb()
cooc = count_cooccurrences(Corpus.open({path!r}), CooccurConfig(window={window}, min_count={min_count}))
print(json.dumps({{"before_mb": before, "peak_mb": high_water_mb(), "table_mb": cooc.stats["table_bytes"] / 2**20,
                  "tokens": cooc.stats["tokens"], "nonzero": cooc.matrix.nnz, "words": len(cooc.words)}}))
"""


def counting_rss(path: Path, min_count: int = MIN_COUNT) -> dict:
    """Peak RSS of counting in a fresh process, and the same before counting (imports, numba's code)."""
    code = RSS_CHILD.format(root=str(ROOT), window=WINDOW, min_count=min_count, path=str(path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def repeated_corpus(corpus, times: int, folder: Path) -> Path:
    """The corpus's text ``times`` over: with ``min_count`` times as high, the same vocabulary and pairs,
    ``times`` as many tokens."""
    folder.mkdir(parents=True)
    text = corpus.lines_file.read_bytes()
    (folder / "corpus.txt").write_bytes(text * times)
    with open(folder / "counts.tsv", "w", encoding="utf-8") as fh:
        for word, count in corpus.counts.items():
            fh.write(f"{word}\t{count * times}\n")
    stats = {k: v * times for k, v in corpus.stats.items() if k != "vocabulary"}
    (folder / "corpus.json").write_text(json.dumps({"name": f"{corpus.name} x{times}", "fingerprint": f"x{times}",
                                                    "stats": {**stats, "vocabulary": corpus.stats["vocabulary"]}}))
    return folder


def ref_glove(build: Path, cooc, cells, work: Path, iterations: int) -> dict:
    """glove.c on our co-occurrences (in our shuffled order): wall seconds, its printed costs, W + W̃."""
    rows, cols, _, _ = cells
    m = cooc.matrix.tocsr()
    records = np.empty(rows.size, dtype=CREC)
    records["word1"], records["word2"] = rows + 1, cols + 1
    records["val"] = np.asarray(m[rows, cols]).ravel()
    records.tofile(work / "ours.shuf.bin")
    with open(work / "ours.vocab.txt", "w", encoding="utf-8") as fh:
        for w, c in zip(cooc.words, cooc.counts):
            fh.write(f"{w} {c}\n")
    save = work / f"vectors{iterations}"
    seconds, _, log = run_tool([str(build / "glove"), "-input-file", str(work / "ours.shuf.bin"),
                                "-vocab-file", str(work / "ours.vocab.txt"), "-save-file", str(save),
                                "-threads", str(THREADS), "-iter", str(iterations), "-vector-size", str(DIM),
                                "-binary", "1", "-seed", "1", "-x-max", "100", "-eta", "0.05", "-alpha", "0.75",
                                "-verbose", "2"])
    costs = [float(v) for v in re.findall(r"iter: \d+, cost: ([0-9.eE+-]+)", log)]
    n = cooc.n_words
    W = np.fromfile(f"{save}.bin", dtype=np.float64).reshape(2 * n, DIM + 1)
    return {"seconds": seconds, "costs": costs, "vectors": (W[:n, :DIM] + W[n:, :DIM]).astype(np.float32)}


def main():
    load0 = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="bench-count-based-"))
    ws = embedlab.Workspace(work / "ws")
    corpus = embedlab.prepare_sample(ws, "movie_reviews")
    build = Path(os.environ["GLOVE_C_BUILD"]) if os.environ.get("GLOVE_C_BUILD") else None
    if build is not None and not all((build / t).is_file() for t in ("vocab_count", "cooccur", "shuffle", "glove")):
        print(f"GLOVE_C_BUILD={build} does not hold vocab_count, cooccur, shuffle and glove; skipping glove.c.")
        build = None
    elif build is None:
        print("GLOVE_C_BUILD is not set: the glove.c figures are skipped (null). Build a copy outside the "
              "checkout, see ../shared/peers/glove-c/README.md.")
    print(f"corpus: movie_reviews, {corpus.stats['tokens']:,} tokens, {corpus.stats['lines']:,} lines; window "
          f"{WINDOW}, 1/d, min_count {MIN_COUNT}; machine load {load0[0]:.1f} (2 cores, shared with others)")

    # -- counting ---------------------------------------------------------------------------------------
    count_cooccurrences(embedlab.prepare_sample(ws, "lee_background"), CooccurConfig(min_count=2))  # numba cache
    runs = [ours_counting(corpus) for _ in range(2)]
    cooc = runs[-1][0]
    count_s = min(r[1] for r in runs)
    cooccur_s_ours = min(r[2] for r in runs)
    print(f"ours: {cooc.n_words:,} words, {cooc.matrix.nnz:,} non-zero cells; counting {count_s:.2f} s, "
          f"+ shuffle for GloVe = {cooccur_s_ours:.2f} s (best of 2)")
    ref_count = None
    if build is not None:
        ref_runs = [ref_counting(build, corpus, work) for _ in range(2)]
        ref_count = min(ref_runs, key=lambda r: r["seconds"])
        print(f"glove.c: vocab_count {ref_count['vocab_count']:.2f} s + cooccur {ref_count['cooccur']:.2f} s + "
              f"shuffle {ref_count['shuffle']:.2f} s = {ref_count['seconds']:.2f} s (best of 2); cooccur peak RSS "
              f"{ref_count['rss_mb']:.0f} MB")
        diff = same_counts(cooc, ref_count)
        print(f"our counts vs glove.c's, cell by cell: max |difference| = {diff:.3g} (same {cooc.matrix.nnz:,} cells)")
        print(f"ratio cooccur ours / glove.c: {cooccur_s_ours / ref_count['seconds']:.3f} (target ≤ 1.0)")
    else:
        diff = None

    rss = counting_rss(corpus.path)
    rss4 = counting_rss(repeated_corpus(corpus, 4, work / "x4"), 4 * MIN_COUNT)
    print(f"peak RSS of counting (fresh process): {rss['peak_mb']:.0f} MB ({rss['before_mb']:.0f} MB before "
          f"counting; hash table {rss['table_mb']:.0f} MB, {rss['nonzero']:,} cells); the text 4 times over "
          f"({rss4['tokens']:,} tokens, min_count {4 * MIN_COUNT}: {rss4['words']:,} words, {rss4['nonzero']:,} "
          f"cells): {rss4['peak_mb']:.0f} MB ({rss4['before_mb']:.0f} MB before)")

    # -- GloVe --------------------------------------------------------------------------------------------
    cfg = GloVeConfig(window=WINDOW, min_count=MIN_COUNT, vector_size=DIM, iterations=ITERATIONS, threads=THREADS)
    fit_glove(cooc, GloVeConfig(vector_size=4, iterations=1, min_count=MIN_COUNT, threads=THREADS))  # numba cache
    fit = fit_glove(cooc, cfg)
    glove_iter_s_ours = float(np.mean(fit.iteration_seconds))
    ours_space = embedlab.Space.from_vectors(cooc.words, fit.vectors())
    ours_scores = scores(ours_space)
    print(f"GloVe ours: {glove_iter_s_ours:.3f} s per iteration (with the exact-cost pass), cost "
          f"{fit.costs[0]:.5f} -> {fit.costs[-1]:.5f}; running cost (glove.c's measure) "
          f"{fit.running_costs[0]:.5f} -> {fit.running_costs[-1]:.5f}; scores {ours_scores}")
    glove_iter_s_ref = ref_scores = None
    if build is not None:
        cells = _cells(cooc, cfg, np.random.default_rng(cfg.seed))
        one = ref_glove(build, cooc, cells, work, 1)
        full = ref_glove(build, cooc, cells, work, ITERATIONS)
        glove_iter_s_ref = (full["seconds"] - one["seconds"]) / (ITERATIONS - 1)
        ref_scores = scores(embedlab.Space.from_vectors(cooc.words, full["vectors"]))
        print(f"GloVe glove.c: {glove_iter_s_ref:.3f} s per iteration ({full['seconds']:.1f} s for {ITERATIONS}, "
              f"{one['seconds']:.1f} s for 1); printed cost {full['costs'][0]:.5f} -> {full['costs'][-1]:.5f}; "
              f"scores {ref_scores}")
        print(f"ratio GloVe s/iteration ours / glove.c: {glove_iter_s_ours / glove_iter_s_ref:.3f} (target ≤ 1.0)")
        gaps = {k: round(abs(ours_scores[k] - ref_scores[k]), 4) for k in ("analogy", "ws353")}
        print(f"quality gap ours vs glove.c: {gaps} (target ≤ 0.02 each)")

    # -- PPMI-SVD next to Word2Vec skip-gram ---------------------------------------------------------------
    t0 = time.perf_counter()
    ppmi_space = train_ppmi_svd(corpus, PPMISVDConfig(vector_size=300))
    ppmi_svd_s = time.perf_counter() - t0
    ppmi_scores = scores(ppmi_space)
    print(f"PPMI-SVD (300-d, window 5 linear, α 0.75, p 0.5): {ppmi_svd_s:.1f} s (SVD "
          f"{ppmi_space.info['svd_seconds']:.1f} s); scores {ppmi_scores}")
    t0 = time.perf_counter()
    w2v = embedlab.train_word2vec(corpus, embedlab.Word2VecConfig(architecture="skip-gram", vector_size=300))
    w2v_s = time.perf_counter() - t0
    w2v_scores = scores(w2v)
    print(f"Word2Vec skip-gram (300-d, window 5, 5 epochs, 2 workers): {w2v_s:.1f} s; scores {w2v_scores}")

    load1 = os.getloadavg()
    print(f"machine load at the end: {load1[0]:.1f}")
    shutil.rmtree(work, ignore_errors=True)
    ratio = (lambda a, b: round(a / b, 4) if a is not None and b else None)
    print(json.dumps({
        "cooccur_s_ours": round(cooccur_s_ours, 3),
        "cooccur_s_ref": round(ref_count["seconds"], 3) if ref_count else None,
        "cooccur_ratio": ratio(cooccur_s_ours, ref_count["seconds"] if ref_count else None),
        "counts_max_abs_diff_vs_ref": diff,
        "glove_iter_s_ours": round(glove_iter_s_ours, 3),
        "glove_iter_s_ref": round(glove_iter_s_ref, 3) if glove_iter_s_ref else None,
        "glove_iter_ratio": ratio(glove_iter_s_ours, glove_iter_s_ref),
        "glove_quality": {"ours": ours_scores, "ref": ref_scores},
        "ppmi_svd_s": round(ppmi_svd_s, 2), "ppmi_svd_scores": ppmi_scores,
        "word2vec_sg_s": round(w2v_s, 2), "word2vec_sg_scores": w2v_scores,
        "cooccur_peak_rss_mb": round(rss["peak_mb"], 1), "cooccur_peak_rss_mb_4x_text": round(rss4["peak_mb"], 1),
        "cooccur_ref_peak_rss_mb": round(ref_count["rss_mb"], 1) if ref_count else None,
        "load_avg": [round(load0[0], 2), round(load1[0], 2)],
    }))


if __name__ == "__main__":
    main()
