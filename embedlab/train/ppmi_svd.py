"""PPMI-SVD word vectors (Levy, Goldberg & Dagan 2015, "Improving Distributional Similarity with
Lessons Learned from Word Embeddings", TACL 3).

From the co-occurrence counts X (:mod:`embedlab.train.cooccur`), with row sums
#(w) and column sums #(c):

* **PMI with context-distribution smoothing** (their §3.2):
  PMI_α(w, c) = log X_wc − log #(w) − log( #(c)^α / Σ_c' #(c')^α ).
  α = 1 is plain PMI, log( X_wc · D / (#(w) #(c)) ); α = 0.75 raises rare
  contexts' probabilities, as word2vec's negative sampling does.
* **Shifted positive PMI** (Levy & Goldberg 2014): max(PMI_α − log k, 0);
  k = 1 is PPMI. Only positive cells are kept, so the matrix stays as sparse
  as X.
* **Truncated SVD** of that matrix, M ≈ U_d Σ_d V_dᵀ, with scikit-learn's
  randomized SVD (Halko, Martinsson & Tropp 2011) or scipy's ARPACK ``svds``.
* **Word vectors** W = U_d · Σ_d^p, with the eigenvalue weight p (their §3.3:
  p = 0.5 or 0 beat the "correct" p = 1 on similarity tasks); optionally
  W + C with C = V_d · Σ_d^p, each row-normalised first, as hyperwords'
  ``EnsembleEmbedding`` does.

The formulas follow hyperwords (``representations/explicit.py``,
``representations/embedding.py``), the authors' code.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

import numpy as np
import scipy.sparse as sp

from embedlab.errors import Cancelled, InputError
from embedlab.progress import Progress, ShouldStop, no_progress, scaled
from embedlab.sources.corpus import Corpus
from embedlab.space import Space
from embedlab.train.registry import Family
from embedlab.train.cooccur import (MAX_SEED, WEIGHTING_HELP, WEIGHTING_LABELS, WEIGHTINGS, WINDOW_HELP, CooccurConfig,
                                    Cooccurrences, check_before_queue, cooccurrences, count_based_space, megabytes,
                                    memory_limit_bytes, run_count_job)
from embedlab.train.params import param

SOURCE = ("Levy, Goldberg & Dagan (2015), Improving Distributional Similarity with Lessons Learned from Word "
          "Embeddings, TACL 3; hyperwords (the authors' code)")
SOLVERS = ("randomized", "arpack")


@dataclass
class PPMISVDConfig(CooccurConfig):
    """Hyper-parameters of PPMI-SVD: the counting settings of
    :class:`~embedlab.train.cooccur.CooccurConfig` plus the model's.

    Attributes
    ----------
    vector_size : int
        Dimensions d kept from the SVD.
    cds_alpha : float
        Context-distribution smoothing exponent α in [0, 1].
    shift : float
        k of the shift log k (1: no shift).
    eig_weight : float
        p in W = U Σ^p, in [0, 1].
    add_context : bool
        W + C (row-normalised) instead of W.
    solver : {"randomized", "arpack"}
    svd_iterations : int
        Power iterations of the randomized SVD.
    seed : int
        Seed of the randomized SVD (and of the window sampling).
    """

    window: int = param(5, WINDOW_HELP, 1, 50)
    weighting: str = param("linear", WEIGHTING_HELP, choices=WEIGHTINGS, choice_labels=WEIGHTING_LABELS)
    seed: int = param(1, "Seed of the randomized SVD's random start (and of a sampled window).", 0, MAX_SEED,
                      advanced=True)
    vector_size: int = param(300, "Dimensions d kept from the truncated SVD (Levy et al. 2015 used 500).", 1, 1000)
    cds_alpha: float = param(0.75, "Context-distribution smoothing: context counts are raised to α before "
                                   "normalising, which lifts rare contexts as word2vec's negative sampling does; 1 "
                                   "turns it off (Levy et al. 2015, §3.2).", 0.0, 1.0, step=0.05, label="cds α")
    shift: float = param(1.0, "k of the shift: keep max(PMI − log k, 0), the shifted PPMI that matches word2vec with "
                              "k negative samples (Levy & Goldberg 2014); 1 means plain PPMI.", 1.0, 100.0, step=1.0,
                         label="shift k")
    eig_weight: float = param(0.5, "p in W = U·Σ^p: 1 keeps the singular values, 0.5 (symmetric) and 0 often do "
                                   "better on similarity (Levy et al. 2015, §3.3).", 0.0, 1.0, step=0.1,
                              label="eigenvalue weight p")
    add_context: bool = param(False, "Use W + C, the word plus the context vectors (C = V·Σ^p, each row-normalised), "
                                     "as GloVe does (Levy et al. 2015, §3.3; hyperwords' EnsembleEmbedding).",
                              label="W + C (add context vectors)")
    solver: str = param("randomized", "randomized: scikit-learn's randomized SVD (Halko, Martinsson & Tropp 2011), "
                                      "fast; arpack: scipy's svds (Lanczos), exact but slower for many dimensions.",
                        choices=SOLVERS, advanced=True)
    svd_iterations: int = param(5, "Power iterations of the randomized SVD: more are slower and closer to the exact "
                                   "SVD (scikit-learn's n_iter).", 1, 50, advanced=True)


def ppmi(matrix, cds_alpha: float = 0.75, shift: float = 1.0) -> sp.csr_matrix:
    """Shifted positive PMI with context-distribution smoothing (see the module docstring).

    Parameters
    ----------
    matrix : scipy.sparse matrix of shape (n_words, n_contexts)
        Non-negative co-occurrence counts.
    cds_alpha : float
        α, the exponent of the context counts.
    shift : float
        k ≥ 1; log k is subtracted before clipping at 0.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n_words, n_contexts), float64
        max(PMI_α − log k, 0), only the positive cells stored.

    Raises
    ------
    InputError
        Negative counts, or ``shift`` below 1.
    """
    X = sp.csr_matrix(matrix, dtype=np.float64, copy=True)
    X.eliminate_zeros()
    if X.nnz and X.data.min() < 0:
        raise InputError("Co-occurrence counts cannot be negative.")
    if not shift >= 1:
        raise InputError("shift (k) must be at least 1.")
    row_sums = np.asarray(X.sum(axis=1)).ravel()
    col_sums = np.asarray(X.sum(axis=0)).ravel()
    col_smoothed = np.where(col_sums > 0, col_sums, 1.0) ** cds_alpha * (col_sums > 0)  # 0 ** 0 would be 1
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    X.data = (np.log(X.data) - np.log(row_sums[rows]) - np.log(col_smoothed[X.indices])
              + np.log(col_smoothed.sum()) - np.log(shift))
    X.data[X.data < 0] = 0.0
    X.eliminate_zeros()
    return X


def truncated_svd(matrix, k: int, solver: str = "randomized", n_iter: int = 5, seed: int = 1) -> tuple:
    """The k largest singular triplets of a sparse matrix, largest first, signs fixed.

    Parameters
    ----------
    matrix : scipy.sparse matrix of shape (m, n)
    k : int
        1 ≤ k < min(m, n).
    solver : {"randomized", "arpack"}
    n_iter : int
        Power iterations (randomized only).
    seed : int

    Returns
    -------
    U : ndarray of shape (m, k)
    s : ndarray of shape (k,)
        Singular values, descending.
    Vt : ndarray of shape (k, n)

    Raises
    ------
    InputError
        k out of range or unknown solver.
    """
    from sklearn.utils.extmath import randomized_svd, svd_flip

    m, n = matrix.shape
    if not 1 <= k < min(m, n):
        raise InputError(f"The SVD can keep 1 to {min(m, n) - 1} dimensions of a {m:,} × {n:,} matrix; got {k}.")
    if solver == "randomized":
        U, s, Vt = randomized_svd(matrix, n_components=k, n_iter=n_iter, random_state=seed)
    elif solver == "arpack":
        from scipy.sparse.linalg import svds

        v0 = np.random.default_rng(seed).uniform(-1, 1, min(m, n))
        U, s, Vt = svds(sp.csr_matrix(matrix, dtype=np.float64), k=k, v0=v0, solver="arpack")
        order = np.argsort(-s, kind="stable")
        U, s, Vt = U[:, order], s[order], Vt[order]
        U, Vt = svd_flip(U, Vt)
    else:
        raise InputError(f"solver must be one of {', '.join(SOLVERS)}; got {solver!r}.")
    return U, s, Vt


def _unit_rows(a: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(a, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return a / norms


def memory_needed(n_words: int, vector_size: int, nonzero: int) -> int:
    """Bytes of the SVD: U and V with the randomized range finder's oversampling, a few float64 copies of each,
    and two copies of the sparse PPMI matrix (at most ``nonzero`` cells)."""
    return 8 * (n_words * 2) * (vector_size + 10) * 4 + nonzero * 12 * 2


def check_job(workspace, args: dict) -> None:
    """Before a PPMI-SVD job is queued: enough words, ``vector_size`` below the vocabulary, memory
    (:func:`~embedlab.train.cooccur.check_before_queue`). Raises InputError."""
    check_before_queue(workspace, args, PPMISVDConfig, "PPMI-SVD", memory_needed)


def fit_ppmi_svd(cooc: Cooccurrences, cfg: Optional[PPMISVDConfig] = None, progress: Optional[Progress] = None,
                 should_stop: Optional[ShouldStop] = None, memory_limit: Optional[int] = None) -> tuple:
    """PPMI-SVD word vectors from co-occurrence counts.

    Parameters
    ----------
    cooc : Cooccurrences
    cfg : PPMISVDConfig, optional
    progress : callable, optional
    should_stop : callable, optional
        Polled between the PPMI and the SVD; True raises :class:`Cancelled`.
    memory_limit : int, optional
        Bytes (default :func:`~embedlab.train.cooccur.memory_limit_bytes`).

    Returns
    -------
    vectors : ndarray of shape (n_kept, vector_size), float32
        Rows of the words whose PPMI row is not empty, in vocabulary order.
    keep : ndarray of shape (n_words,), bool
    facts : dict
        ``singular_values`` (descending), ``ppmi_nonzero``,
        ``ppmi_frobenius_sq`` (so Σ s² / that is the share of the matrix the
        d dimensions capture), ``svd_seconds``.

    Raises
    ------
    InputError
        ``vector_size`` not below the number of words with a PPMI row; the
        SVD would not fit in the memory limit.
    """
    cfg = cfg or PPMISVDConfig()
    progress = progress or no_progress
    limit = memory_limit_bytes() if memory_limit is None else int(memory_limit)
    progress(0.0, "Computing the PPMI matrix")
    M = ppmi(cooc.matrix, cfg.cds_alpha, cfg.shift)
    keep = np.diff(M.indptr) > 0
    n = int(keep.sum())
    if cfg.vector_size >= n:
        raise InputError(f"vector_size={cfg.vector_size} is not below the vocabulary: only {n:,} words have a "
                         f"positive PMI with some context. Choose fewer dimensions (at most {max(n - 1, 1)}), or "
                         "lower min_count / use a larger corpus for a larger vocabulary.")
    # U and V with the oversampled range finder, a few float64 copies of each
    needed = memory_needed(cooc.n_words, cfg.vector_size, M.nnz)
    if needed > limit:
        raise InputError(f"The SVD of a {cooc.n_words:,}-word PPMI matrix to {cfg.vector_size} dimensions would need "
                         f"about {megabytes(needed)}, more than the limit of {megabytes(limit)} "
                         "(EMBEDLAB_MAX_MATRIX_MB). Choose fewer dimensions or raise min_count.")
    if should_stop is not None and should_stop():
        raise Cancelled("Training was cancelled.")
    progress(0.1, f"Truncated SVD ({cfg.solver}) of a {M.shape[0]:,} × {M.shape[1]:,} matrix with {M.nnz:,} "
                  f"positive cells to {cfg.vector_size} dimensions")
    t0 = time.perf_counter()
    # float32 halves the memory traffic of the sparse products, which are most of the time
    U, s, Vt = truncated_svd(M.astype(np.float32), cfg.vector_size, cfg.solver, cfg.svd_iterations, cfg.seed)
    svd_seconds = time.perf_counter() - t0
    weight = s ** cfg.eig_weight
    W = U * weight
    if cfg.add_context:
        W = _unit_rows(W) + _unit_rows(Vt.T * weight)
    facts = {"singular_values": [float(v) for v in s], "ppmi_nonzero": int(M.nnz),
             "ppmi_frobenius_sq": float(np.dot(M.data, M.data)), "factorised": "the PPMI matrix",
             "svd_seconds": svd_seconds}
    progress(1.0, f"SVD done in {svd_seconds:.1f} s")
    return W[keep].astype(np.float32), keep, facts


def train_ppmi_svd(corpus: Corpus, cfg: Optional[PPMISVDConfig] = None, progress: Optional[Progress] = None,
                   should_stop: Optional[ShouldStop] = None, name: Optional[str] = None,
                   workspace=None) -> Space:
    """Train PPMI-SVD word vectors on a prepared corpus.

    Parameters
    ----------
    corpus : Corpus
    cfg : PPMISVDConfig, optional
    progress : callable, optional
        ``progress(fraction, message)``: counting takes the first 60 %.
    should_stop : callable, optional
        Polled between chunks of counting and before the SVD.
    name : str, optional
    workspace : Workspace, optional
        When given, the co-occurrence counts are read from / kept with the
        corpus (:func:`~embedlab.train.cooccur.cooccurrences`).

    Returns
    -------
    Space
        ``kind='ppmi_svd'``; ``info`` holds the parameters, the singular
        values, the PPMI matrix's size and the counting facts.

    Raises
    ------
    InputError
        Empty vocabulary, memory limit, ``vector_size`` not below the
        vocabulary (see :func:`fit_ppmi_svd`).
    """
    cfg = cfg or PPMISVDConfig()
    progress = progress or no_progress
    t0 = time.perf_counter()
    cooc = cooccurrences(corpus, cfg, workspace, scaled(progress, 0.0, 0.6), should_stop)
    vectors, keep, facts = fit_ppmi_svd(cooc, cfg, scaled(progress, 0.6, 0.99), should_stop)
    space = count_based_space(vectors, cooc, keep, "ppmi_svd", cfg, corpus, time.perf_counter() - t0, name,
                              **facts)
    progress(1.0, "Training finished")
    return space


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry: train PPMI-SVD on a stored corpus and save the model.

    ``args``: ``corpus_id`` (or ``sample``), ``config`` (a :class:`PPMISVDConfig`
    dict), optional ``name``. Returns ``{"model_id": ..., "corpus_id": ...}``.
    """
    return run_count_job(workspace, args, progress, PPMISVDConfig, train_ppmi_svd)


#: What the model-family registry needs to list PPMI-SVD (the data kind it trains on, its settings, its job).
FAMILY = Family(
    name="ppmi_svd", title="PPMI-SVD", data="corpus", item="word", config=PPMISVDConfig, job=run_job, source=SOURCE,
    description="Count how often words occur near each other, weigh the counts by positive PMI, and keep the "
                "top singular vectors of that matrix.",
    details="PPMI(w, c) = max(log X_wc − log #(w) − log(#(c)^α / Σ_c' #(c')^α) − log k, 0); the truncated SVD "
            "PPMI ≈ U Σ Vᵀ gives the word vectors W = U·Σ^p. The counts are kept with the corpus, so another "
            "PPMI-SVD or GloVe model with the same window does not count again.",
    loss_note="PPMI-SVD has no epochs and no loss: the SVD is computed directly. When it has trained, the plot of "
              "its singular values shows how many dimensions matter.",
    check=check_job, order=40)
