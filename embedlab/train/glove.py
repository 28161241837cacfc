"""GloVe word vectors (Pennington, Socher & Manning 2014, "GloVe: Global Vectors for Word
Representation", EMNLP), trained with our own numba code.

GloVe fits word vectors w_i, context vectors w̃_j and biases b_i, b̃_j to the
log co-occurrence counts (:mod:`embedlab.train.cooccur`) by weighted least
squares over the non-zero cells (the paper's eq. 8)::

    J = Σ_{X_ij > 0} f(X_ij) (w_i · w̃_j + b_i + b̃_j − log X_ij)²,
    f(x) = min(1, (x / x_max)^α).

As the reference implementation (``glove.c``, stanfordnlp/GloVe) does it:
the non-zero cells are shuffled once, then each iteration visits every cell
and takes one AdaGrad step (Duchi, Hazan & Singer 2011) on its term; the
gradient components of the vectors are clipped to ±``grad_clip`` and scaled
by the learning rate, the biases' steps are not (glove.c's choice); squared
gradients start at 1; parameters start uniform in ±0.5/d. With several
threads each takes a contiguous share of the shuffled cells and they update
the shared parameters without locks (Hogwild, as glove.c).

Differences from glove.c, on purpose:

* float32 parameters and squared gradients (glove.c uses double); the cost
  sums are float64;
* the cost recorded per iteration is J at the parameters the iteration
  ended with, computed by a second (read-only) pass: the exact objective,
  not glove.c's running sum of each cell's error before its own update
  (that one is kept too, as ``running_costs``, to compare with glove.c);
* a non-finite error stops training with an :class:`InputError` (glove.c
  skips the update and carries on).

Word vectors are W + W̃ (the paper's choice, glove.c's ``-model 2``) or W.
``benchmarks/bench_count_based.py`` trains glove.c on the same co-occurrences
and compares speed, cost and benchmark scores.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Optional

import numba
import numpy as np
from numba import njit, prange

from embedlab.errors import Cancelled, InputError
from embedlab.progress import Progress, ShouldStop, no_progress, scaled
from embedlab.sources.corpus import Corpus
from embedlab.space import Space
from embedlab.train.registry import Family
from embedlab.train.cooccur import (MAX_SEED, WEIGHTING_HELP, WEIGHTING_LABELS, WEIGHTINGS, WINDOW_HELP, CooccurConfig,
                                    Cooccurrences, check_before_queue, cooccurrences, count_based_space, megabytes,
                                    memory_limit_bytes, run_count_job)
from embedlab.train.params import param

SOURCE = ("Pennington, Socher & Manning (2014), GloVe: Global Vectors for Word Representation, EMNLP; "
          "reference implementation glove.c (stanfordnlp/GloVe)")
OUTPUTS = ("word+context", "word")
# fast-math without 'nnan'/'ninf', so the divergence check still sees NaN and infinity
_FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}
# A cost this many times the initial one (all predictions near 0) means the steps blew up: with AdaGrad's
# unscaled first step and glove.c's unscaled bias steps, learning rates above about 0.3 do that, long
# before anything overflows to NaN.
DIVERGED = 10.0


@dataclass
class GloVeConfig(CooccurConfig):
    """Hyper-parameters of GloVe: the counting settings of
    :class:`~embedlab.train.cooccur.CooccurConfig` plus the model's.

    Attributes
    ----------
    vector_size : int
        Dimensions d of w_i and w̃_j.
    iterations : int
        Passes over the non-zero cells.
    learning_rate : float
        AdaGrad's initial step η.
    x_max : float
        Counts at or above x_max get full weight.
    alpha : float
        Exponent α of the weighting function.
    output : {"word+context", "word"}
        W + W̃ or W.
    grad_clip : float
        Clip of each gradient component.
    threads : int
    reproducible : bool
        One thread: the same seed gives identical vectors.
    seed : int
        Seed of the initial vectors and of the shuffle (and of a sampled window).
    """

    window: int = param(10, WINDOW_HELP, 1, 50)
    weighting: str = param("1/d", WEIGHTING_HELP, choices=WEIGHTINGS, choice_labels=WEIGHTING_LABELS)
    seed: int = param(1, "Seed of the initial vectors and of the shuffle of the cells (glove.c -seed).", 0, MAX_SEED,
                      advanced=True)
    vector_size: int = param(100, "Dimensions of the word and context vectors (glove.c -vector-size; the paper used "
                                  "50 to 300).", 1, 1000)
    iterations: int = param(15, "Passes over all non-zero co-occurrences (glove.c -iter; its demo uses 15, the paper "
                                "50-100 for large corpora).", 1, 1000)
    learning_rate: float = param(0.05, "AdaGrad's initial learning rate η (glove.c -eta, default 0.05); each "
                                       "parameter's steps then shrink with its squared gradients (Duchi et al. 2011). "
                                       "Above about 0.3 training can blow up.", 1e-4, 100.0, format="%.4f",
                                 step=0.01)
    x_max: float = param(100.0, "Co-occurrences counted x_max times or more get full weight; rarer ones weigh "
                                "(x/x_max)^α (Pennington et al. 2014 use 100; glove.c's demo uses 10 for a small "
                                "corpus).", 1e-3, 1e9, step=10.0)
    alpha: float = param(0.75, "Exponent α of the weighting f(x) = (x/x_max)^α below x_max (Pennington et al. 2014 "
                               "found 3/4 better than 1).", 0.0, 1.0, step=0.05, advanced=True)
    output: str = param("word+context", "word+context: W + W̃, the sum of the word and context vectors, the paper's "
                                        "choice (glove.c -model 2); word: W alone (-model 1).", choices=OUTPUTS,
                        choice_labels={"word+context": "W + W̃ (word + context)", "word": "W (word only)"})
    grad_clip: float = param(100.0, "Each gradient component is clipped to ±this before the AdaGrad step (glove.c "
                                    "-grad-clip, default 100).", 1e-6, 1e30, step=10.0, advanced=True)
    threads: int = param(2, "Threads updating the vectors at once without locks (Hogwild, as glove.c -threads); runs "
                            "then differ slightly.", 1, 64, advanced=True)
    reproducible: bool = param(False, "One thread and the seed: identical vectors on every run.",
                               label="reproducible (1 thread + seed)")

    @property
    def effective_threads(self) -> int:
        return 1 if self.reproducible else int(self.threads)


#: Under GloVe's cost curve on the Train page.
LOSS_NOTE = ("The curve is GloVe's **true objective** J = Σ f(X_ij)(w_i·w̃_j + b_i + b̃_j − log X_ij)², "
             "computed exactly at the end of each iteration by a separate pass over the co-occurrences and divided "
             "by their number (glove.c's scale). Unlike Word2Vec's loss, a gensim counter that is only a trend, "
             "every point is the cost of the vectors as they are: it should fall at every iteration; if it rises, "
             "the learning rate is too high.")


# -- the kernels ----------------------------------------------------------------------------------

@njit(fastmath=_FASTMATH, parallel=True, cache=True, nogil=True)
def _adagrad_pass(rows, cols, log_x, weight, W, C, GW, GC, eta, clip, n_blocks, running, bad):
    """One pass over the (shuffled) cells; block b of ``n_blocks`` contiguous shares per thread.

    W, C: (n_words, d + 1) word and context vectors with the bias in column
    d; GW, GC their squared-gradient sums. ``running[b]``: Σ ½ f·e² of block
    b before each cell's update (glove.c's figure); ``bad[b]``: index + 1 of
    the first cell whose error was not finite (0 when none).
    """
    n = rows.shape[0]
    d = W.shape[1] - 1
    for b in prange(n_blocks):
        cost = 0.0
        for p in range(b * n // n_blocks, (b + 1) * n // n_blocks):
            i = rows[p]
            j = cols[p]
            wi = W[i]
            cj = C[j]
            e = wi[d] + cj[d] - log_x[p]
            for k in range(d):
                e += wi[k] * cj[k]
            fe = weight[p] * e
            if not (math.isfinite(e) and math.isfinite(fe)):
                bad[b] = p + 1
                break
            cost += 0.5 * np.float64(fe) * np.float64(e)
            gwi = GW[i]
            gcj = GC[j]
            for k in range(d):
                g_w = min(max(fe * cj[k], -clip), clip) * eta
                g_c = min(max(fe * wi[k], -clip), clip) * eta
                wi[k] -= g_w / math.sqrt(gwi[k])
                cj[k] -= g_c / math.sqrt(gcj[k])
                gwi[k] += g_w * g_w
                gcj[k] += g_c * g_c
            wi[d] -= fe / math.sqrt(gwi[d])
            cj[d] -= fe / math.sqrt(gcj[d])
            gwi[d] += fe * fe
            gcj[d] += fe * fe
        running[b] = cost


@njit(fastmath=_FASTMATH, parallel=True, cache=True, nogil=True)
def _cost(rows, cols, log_x, weight, W, C, n_blocks, out):
    """``out[b]``: Σ ½ f(X) (w_i·w̃_j + b_i + b̃_j − log X)² over block b's cells (float64)."""
    n = rows.shape[0]
    d = W.shape[1] - 1
    for b in prange(n_blocks):
        cost = 0.0
        for p in range(b * n // n_blocks, (b + 1) * n // n_blocks):
            wi = W[rows[p]]
            cj = C[cols[p]]
            e = wi[d] + cj[d] - log_x[p]
            for k in range(d):
                e += wi[k] * cj[k]
            cost += 0.5 * np.float64(weight[p]) * np.float64(e) * np.float64(e)
        out[b] = cost


# -- training ---------------------------------------------------------------------------------------

@dataclass
class GloVeFit:
    """The parameters GloVe learned and how it got there.

    Attributes
    ----------
    W, C : ndarray of shape (n_words, vector_size), float32
        Word and context vectors (w_i, w̃_j).
    b, b_tilde : ndarray of shape (n_words,), float32
        Word and context biases.
    costs : list of float
        After each iteration, J / (2 · nonzero): the exact objective at the
        iteration's end parameters, per non-zero cell, on glove.c's scale
        (½ f·e² per cell).
    running_costs : list of float
        glove.c's printed figure: the mean of ½ f·e² of each cell just before
        its own update during the iteration.
    iteration_seconds : list of float
    initial_cost : float
        The same measure at the initial parameters.
    """

    W: np.ndarray
    C: np.ndarray
    b: np.ndarray
    b_tilde: np.ndarray
    costs: list
    running_costs: list
    iteration_seconds: list
    initial_cost: float
    threads: int

    def vectors(self, output: str = "word+context") -> np.ndarray:
        """W + W̃ or W, ndarray of shape (n_words, vector_size), float32."""
        return (self.W + self.C) if output == "word+context" else self.W.copy()


@njit(cache=True, nogil=True)
def _shuffled_cells(indptr, indices, data, seed, x_max, alpha):
    """The non-zero cells of a CSR matrix in a random order, with log X and f(X) = min(1, (X/x_max)^α).

    A Fisher–Yates permutation from a xorshift generator (Marsaglia 2003),
    then one pass over the matrix in storage order that writes each cell to
    its shuffled place: reads stay sequential, only the writes jump.
    """
    n = data.shape[0]
    order = np.arange(n).astype(np.int32)  # half the bytes of int64 for the random swaps to touch
    s = np.uint64(seed)
    for i in range(n - 1, 0, -1):
        s ^= s << np.uint64(13)
        s ^= s >> np.uint64(7)
        s ^= s << np.uint64(17)
        j = np.int64(((s >> np.uint64(32)) * np.uint64(i + 1)) >> np.uint64(32))  # uniform in [0, i] (Lemire)
        order[i], order[j] = order[j], order[i]
    rows = np.empty(n, dtype=np.int32)
    cols = np.empty(n, dtype=np.int32)
    log_x = np.empty(n, dtype=np.float32)
    weight = np.empty(n, dtype=np.float32)
    for r in range(indptr.shape[0] - 1):
        for k in range(indptr[r], indptr[r + 1]):
            p = order[k]
            x = data[k]
            rows[p] = r
            cols[p] = indices[k]
            log_x[p] = math.log(x)
            weight[p] = 1.0 if x >= x_max else (x / x_max) ** alpha
    return rows, cols, log_x, weight


def _cells(cooc: Cooccurrences, cfg: GloVeConfig, rng) -> tuple:
    """The non-zero cells in one random order: rows, cols (int32), log X and f(X) (float32), each of shape
    (nonzero,)."""
    m = cooc.matrix.tocsr()
    return _shuffled_cells(m.indptr.astype(np.int64), m.indices.astype(np.int32), m.data.astype(np.float64),
                           np.uint64(rng.integers(1, 2 ** 63)), float(cfg.x_max), float(cfg.alpha))


def memory_needed(n_words: int, vector_size: int, nonzero: int) -> int:
    """Bytes GloVe's training holds: W, W̃ and their squared gradients (float32, a bias column each) and the
    shuffled cells (rows, columns, log X, f(X); the order and the CSR copy while shuffling)."""
    return 4 * 4 * n_words * (vector_size + 1) + nonzero * (4 + 4 + 4 + 4 + 8 + 8 + 8)


def check_job(workspace, args: dict) -> None:
    """Before a GloVe job is queued: enough words, ``vector_size`` below the vocabulary, memory
    (:func:`~embedlab.train.cooccur.check_before_queue`). Raises InputError."""
    check_before_queue(workspace, args, GloVeConfig, "GloVe", memory_needed)


def fit_glove(cooc: Cooccurrences, cfg: Optional[GloVeConfig] = None, progress: Optional[Progress] = None,
              should_stop: Optional[ShouldStop] = None, memory_limit: Optional[int] = None,
              recorder=None) -> GloVeFit:
    """Fit GloVe to co-occurrence counts (see the module docstring).

    Parameters
    ----------
    cooc : Cooccurrences
        ``cooc.matrix`` of shape (n_words, n_words), non-negative.
    cfg : GloVeConfig, optional
    progress : callable, optional
        ``progress(fraction, message, iteration=, iterations=, costs=,
        running_costs=, seconds=, epoch=, epochs=, epoch_losses=,
        loss_exact=True, loss_name="cost", loss_unit="iteration")`` after
        each iteration (``epoch_losses`` repeats ``costs`` under the name the
        Train page's curve reads).
    should_stop : callable, optional
        Polled after each iteration; True raises :class:`Cancelled`.
    memory_limit : int, optional
        Bytes (default :func:`~embedlab.train.cooccur.memory_limit_bytes`).
    recorder : embedlab.train.recording.Recorder, optional
        Bound to ``cooc``'s words: each iteration's pass is cut into
        ``recorder.stops(nonzero)`` consecutive stretches of the shuffled
        cells, with a snapshot after each (one thread: the same updates in
        the same order as one pass); its loss is glove.c's running cost of
        the stretch.

    Returns
    -------
    GloVeFit

    Raises
    ------
    InputError
        ``vector_size`` not below the vocabulary; the training state would
        not fit in the memory limit; training diverged (the error of a cell
        became NaN or infinite, or the cost rose above ``DIVERGED`` times its
        initial value: the learning rate is too high) -- nothing is kept.
    Cancelled
    """
    cfg = cfg or GloVeConfig()
    progress = progress or no_progress
    limit = memory_limit_bytes() if memory_limit is None else int(memory_limit)
    n_words, d, nnz = cooc.n_words, int(cfg.vector_size), int(cooc.matrix.nnz)
    if d >= n_words:
        raise InputError(f"vector_size={d} is not below the vocabulary size ({n_words:,} words): each word would "
                         f"get a dimension of its own. Choose fewer dimensions (at most {n_words - 1}) or lower "
                         "min_count / use a larger corpus.")
    if nnz == 0:
        raise InputError("There are no co-occurrences to fit.")
    if nnz >= 2 ** 31:
        raise InputError(f"{nnz:,} non-zero co-occurrences are more than this GloVe can index (2^31). Raise "
                         "min_count or use a smaller window.")
    needed = memory_needed(n_words, d, nnz)
    if needed > limit:
        raise InputError(f"GloVe on {n_words:,} words × {d} dimensions with {nnz:,} non-zero co-occurrences would "
                         f"need about {megabytes(needed)}, more than the limit of {megabytes(limit)} "
                         "(EMBEDLAB_MAX_MATRIX_MB). Raise min_count, use a smaller window or fewer dimensions.")
    rng = np.random.default_rng(cfg.seed)
    rows, cols, log_x, weight = _cells(cooc, cfg, rng)
    W = ((rng.random((n_words, d + 1), dtype=np.float32) - np.float32(0.5)) / np.float32(d))
    C = ((rng.random((n_words, d + 1), dtype=np.float32) - np.float32(0.5)) / np.float32(d))
    GW = np.ones_like(W)
    GC = np.ones_like(C)
    threads = min(cfg.effective_threads, numba.config.NUMBA_NUM_THREADS)
    n_blocks = cfg.effective_threads  # blocks, not threads, fix the arithmetic: 1 block is one ordered pass
    eta, clip = np.float32(cfg.learning_rate), np.float32(cfg.grad_clip)
    running = np.zeros(n_blocks)
    bad = np.zeros(n_blocks, dtype=np.int64)
    sums = np.zeros(max(threads, 1))
    costs, running_costs, seconds = [], [], []
    if recorder is not None:
        def outputs(r):  # the recorded rows of the vectors the model will save
            return (W[r, :d] + C[r, :d]) if cfg.output == "word+context" else W[r, :d]

        recorder.loss_label = "glove.c's running cost (½ f·e² per cell) since the previous snapshot"
        recorder.capture(outputs, 0.0)
    before = numba.get_num_threads()
    numba.set_num_threads(threads)  # per calling thread; restored below
    try:
        _cost(rows, cols, log_x, weight, W, C, len(sums), sums)
        initial = float(sums.sum()) / nnz
        for it in range(1, cfg.iterations + 1):
            t0 = time.perf_counter()
            start, running_sum = 0, 0.0
            for stop in (recorder.stops(nnz) if recorder is not None else (nnz,)):
                _adagrad_pass(rows[start:stop], cols[start:stop], log_x[start:stop], weight[start:stop], W, C, GW,
                              GC, eta, clip, n_blocks, running, bad)
                running_sum += float(running.sum())
                if recorder is not None and not bad.any():
                    recorder.capture(outputs, it - 1 + stop / nnz, loss=float(running.sum()) / (stop - start))
                start = stop
            if bad.any() or not (np.isfinite(W).all() and np.isfinite(C).all()):
                raise InputError(
                    f"GloVe diverged in iteration {it}: the error of a co-occurrence became NaN or infinite. The "
                    f"learning rate {cfg.learning_rate:g} is far too high (glove.c's default is 0.05); lower it "
                    "(or grad_clip) and train again. Nothing was saved.")
            _cost(rows, cols, log_x, weight, W, C, len(sums), sums)
            seconds.append(time.perf_counter() - t0)
            costs.append(float(sums.sum()) / nnz)
            running_costs.append(running_sum / nnz)
            if not math.isfinite(costs[-1]) or costs[-1] > DIVERGED * initial:
                raise InputError(
                    f"GloVe diverged in iteration {it}: the cost rose from {initial:.4g} to {costs[-1]:.4g}. The "
                    f"learning rate {cfg.learning_rate:g} is too high (glove.c's default is 0.05; above about 0.3 "
                    "training can blow up); lower it and train again. Nothing was saved.")
            # epoch/epochs/epoch_losses are what the Train page's curve reads; loss_exact and loss_name say
            # that this is the objective itself (drawn as such), not a gensim-style trend
            progress(it / cfg.iterations, f"Iteration {it} of {cfg.iterations}: cost {costs[-1]:.4f} "
                     f"({seconds[-1]:.2f} s)", iteration=it, iterations=cfg.iterations, costs=list(costs),
                     running_costs=list(running_costs), seconds=seconds[-1], epoch=it, epochs=cfg.iterations,
                     epoch_losses=list(costs), loss_exact=True, loss_name="cost", loss_unit="iteration")
            if should_stop is not None and should_stop():
                raise Cancelled("Training was cancelled.")
    finally:
        numba.set_num_threads(before)
    return GloVeFit(W[:, :d].copy(), C[:, :d].copy(), W[:, d].copy(), C[:, d].copy(), costs, running_costs, seconds,
                    initial, threads)


def train_glove(corpus: Corpus, cfg: Optional[GloVeConfig] = None, progress: Optional[Progress] = None,
                should_stop: Optional[ShouldStop] = None, name: Optional[str] = None, workspace=None,
                recorder=None) -> Space:
    """Train GloVe word vectors on a prepared corpus.

    Parameters
    ----------
    corpus : Corpus
    cfg : GloVeConfig, optional
    progress : callable, optional
        ``progress(fraction, message, **details)``: counting takes the first
        20 %; after each iteration ``details`` carry ``iteration``,
        ``iterations``, ``costs`` (the exact cost after each iteration so
        far; also as ``epoch_losses``), ``running_costs`` and ``seconds``
        (see :func:`fit_glove`).
    should_stop : callable, optional
        Polled between chunks of counting and after each iteration.
    name : str, optional
    workspace : Workspace, optional
        When given, the co-occurrence counts are read from / kept with the
        corpus (:func:`~embedlab.train.cooccur.cooccurrences`).
    recorder : embedlab.train.recording.Recorder, optional
        Record snapshots for Playback (see :func:`fit_glove`); attached to the space.

    Returns
    -------
    Space
        ``kind='glove'``; ``info`` holds the parameters, ``costs`` (also as
        ``epoch_losses``, the key the Train page draws), ``running_costs``,
        ``initial_cost``, ``iteration_seconds`` and the counting facts. Words
        that never co-occurred with another vocabulary word get no vector.

    Raises
    ------
    InputError
        Empty vocabulary, memory limit, ``vector_size`` not below the
        vocabulary, divergence (see :func:`fit_glove`).
    Cancelled
    """
    cfg = cfg or GloVeConfig()
    progress = progress or no_progress
    t0 = time.perf_counter()
    cooc = cooccurrences(corpus, cfg, workspace, scaled(progress, 0.0, 0.2), should_stop)
    keep = np.diff(cooc.matrix.indptr) > 0
    if recorder is not None:
        stretches = len(recorder.stops(cooc.matrix.nnz))
        recorder.bind(cooc.words, cooc.counts, 1 + cfg.iterations * stretches, cfg.vector_size, eligible=keep)
    fit = fit_glove(cooc, cfg, scaled(progress, 0.2, 0.99), should_stop, recorder=recorder)
    cost_note = ("cost: ½ Σ f(X)(w·w̃ + b + b̃ − log X)² over the non-zero co-occurrences, divided by their "
                 "number, at the end of each iteration (glove.c prints the running version, kept as running_costs)")
    space = count_based_space(fit.vectors(cfg.output)[keep], cooc, keep, "glove", cfg, corpus,
                              time.perf_counter() - t0, name, costs=fit.costs, epoch_losses=fit.costs,
                              running_costs=fit.running_costs, initial_cost=fit.initial_cost,
                              iteration_seconds=fit.iteration_seconds, threads=fit.threads, loss_note=cost_note,
                              loss_exact=True, loss_name="cost", loss_unit="iteration")
    if recorder is not None:
        recorder.attach(space)
    progress(1.0, "Training finished")
    return space


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry: train GloVe on a stored corpus and save the model.

    ``args``: ``corpus_id`` (or ``sample``), ``config`` (a :class:`GloVeConfig`
    dict), optional ``name``. Returns ``{"model_id": ..., "corpus_id": ...}``.
    """
    return run_count_job(workspace, args, progress, GloVeConfig, train_glove)


#: What the model-family registry needs to list GloVe (the data kind it trains on, its settings, its job).
FAMILY = Family(
    name="glove", title="GloVe", data="corpus", item="word", config=GloVeConfig, job=run_job, source=SOURCE,
    description="Count how often words occur near each other, then fit vectors whose dot products predict the "
                "log counts (weighted least squares).",
    details="J = Σ f(X_ij) (w_i·w̃_j + b_i + b̃_j − log X_ij)² over the non-zero co-occurrences X_ij, with "
            "f(x) = min(1, (x/x_max)^α), minimised by AdaGrad one co-occurrence at a time; the word vectors are "
            "W + W̃. The counts are kept with the corpus, so another GloVe or PPMI-SVD model with the same window "
            "does not count again.",
    loss_note=LOSS_NOTE, reports_loss=True, check=check_job, order=30)


def warm_up() -> float:
    """Compile the counting and GloVe kernels (or load them from numba's disk cache) on a tiny corpus.

    For an install or server-start step: the first GloVe or PPMI-SVD job
    then does not wait for numba's compiler (about 10-25 s on 2 cores).

    Returns
    -------
    float
        Seconds taken.
    """
    import tempfile

    from embedlab.sources.corpus import build_corpus

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="embedlab-glove-warm-up-") as folder:
        corpus = build_corpus(["a b c d e f a b c d"] * 20, folder, "warm-up")
        train_glove(corpus, GloVeConfig(vector_size=2, iterations=1, min_count=1))
    return time.perf_counter() - t0
