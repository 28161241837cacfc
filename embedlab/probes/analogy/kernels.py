"""Compiled inner loops of the analogy solver and evaluator (numba, installed with umap-learn).

:func:`analogy_rows` answers one question: the cosines of every word with a,
b and c in one pass over the unit matrix, turned into 3CosAdd and 3CosMul
scores on the spot. BLAS handles a product with three columns poorly (about
2.7 times one matrix-vector product on 2 cores); this loop costs about one.

:func:`scan_analogies` answers a test set. Google's asks 19,544 questions
about only ~900 distinct words. Scoring each question with its own query
vector costs ``n_questions x n_vocab x dim`` multiply-adds; instead we compute
the cosines of the few distinct question words with every candidate once (one
matrix product, ``n_distinct x n_vocab x dim``), and each question's score of a
candidate is then two additions of those cosines (3CosAdd) or a product and a
quotient (3CosMul, Levy & Goldberg 2014). A compiled loop runs over the
candidates once per question keeping the best few and counting how many beat
the expected answer, so no ``n_questions x n_vocab`` score matrix is stored.
"""

from __future__ import annotations

import numba
import numpy as np

ADD, MUL = 0, 1


@numba.njit(parallel=True, fastmath=True, cache=True, nogil=True)
def _analogy_rows(unit, q, inv_norm, epsilon, add, mul):  # pragma: no cover - compiled
    n, dim = unit.shape
    qa, qb, qc = q[0], q[1], q[2]
    one, half = np.float32(1.0), np.float32(0.5)
    for i in numba.prange(n):
        row = unit[i]
        ca, cb, cc = np.float32(0.0), np.float32(0.0), np.float32(0.0)
        for j in range(dim):
            r = row[j]
            ca += r * qa[j]
            cb += r * qb[j]
            cc += r * qc[j]
        add[i] = (cb - ca + cc) * inv_norm
        mul[i] = ((cb + one) * half) * ((cc + one) * half) / ((ca + one) * half + epsilon)


def analogy_rows(unit: np.ndarray, q: np.ndarray, epsilon: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """3CosAdd and 3CosMul scores of every row of ``unit`` for one question a : b :: c : ?.

    3CosAdd is ``(cos(w, b) - cos(w, a) + cos(w, c)) / |b - a + c|`` (the
    cosine with the offset vector, as gensim's ``most_similar``); 3CosMul is
    ``cos'(w, b) cos'(w, c) / (cos'(w, a) + epsilon)`` with ``cos' = (cos + 1) / 2``
    (Levy & Goldberg 2014). Sums are reassociated for speed (float32, as BLAS does).

    Parameters
    ----------
    unit : ndarray of shape (n_words, dim), float32
        Unit-length rows.
    q : ndarray of shape (3, dim)
        Unit vectors of a, b and c.
    epsilon : float

    Returns
    -------
    add, mul : ndarray of shape (n_words,), float32
    """
    unit = np.asarray(unit, dtype=np.float32)
    q = np.ascontiguousarray(q, dtype=np.float32)
    norm = float(np.linalg.norm(q[1].astype(np.float64) - q[0] + q[2]))
    add = np.empty(unit.shape[0], dtype=np.float32)
    mul = np.empty(unit.shape[0], dtype=np.float32)
    _analogy_rows(unit, q, np.float32(1.0 / norm if norm > 0 else 1.0), np.float32(epsilon), add, mul)
    return add, mul


@numba.njit(parallel=True, cache=True, nogil=True)
def _scan(cos, col0, ra, rb, rc, xa, xb, xc, xe, expected, scale, method, epsilon, top_idx, top_val,
          n_above):  # pragma: no cover - compiled
    n_cols = cos.shape[1]
    width = top_idx.shape[1]
    one, half = np.float32(1.0), np.float32(0.5)
    eps = np.float32(epsilon)
    minus_inf = np.float32(-np.inf)
    for q in numba.prange(ra.shape[0]):
        a, b, c = cos[ra[q]], cos[rb[q]], cos[rc[q]]
        s = np.empty(n_cols, dtype=np.float32)
        # branch-free loops over the block, so that the compiler vectorises them
        if method == 0:
            sc = np.float32(scale[q])
            for j in range(n_cols):
                s[j] = (b[j] + c[j] - a[j]) * sc
        else:
            for j in range(n_cols):
                s[j] = ((b[j] + one) * half) * ((c[j] + one) * half) / ((a[j] + one) * half + eps)
        for x in (xa[q], xb[q], xc[q]):  # the three input words are not candidates
            if col0 <= x < col0 + n_cols:
                s[x - col0] = minus_inf
        bar = np.float32(expected[q])
        above = 0
        for j in range(n_cols):
            above += s[j] > bar
        je = xe[q] - col0
        if 0 <= je < n_cols and s[je] > bar:  # the expected answer is not above itself
            above -= 1
        n_above[q] += above
        # keep the best `width`, best first; most stretches of 64 cannot beat the current last place
        worst = top_val[q, width - 1]
        for start in range(0, n_cols, 64):
            stop = min(start + 64, n_cols)
            hits = 0
            for j in range(start, stop):
                hits += s[j] > worst
            if hits == 0:
                continue
            for j in range(start, stop):
                v = s[j]
                if v > worst:  # strict: of equal scores the lower index stays ahead
                    p = width - 1
                    while p > 0 and top_val[q, p - 1] < v:
                        top_val[q, p] = top_val[q, p - 1]
                        top_idx[q, p] = top_idx[q, p - 1]
                        p -= 1
                    top_val[q, p] = v
                    top_idx[q, p] = col0 + j
                    worst = top_val[q, width - 1]


def scan_analogies(unit: np.ndarray, ia: np.ndarray, ib: np.ndarray, ic: np.ndarray, ie: np.ndarray,
                   method: str = "3CosAdd", epsilon: float = 1e-3, top_n: int = 6,
                   block_bytes: int = 64 * 1024 * 1024, progress=None):
    """Best candidates, their scores, and the expected answer's rank and score for each question.

    Candidates are all rows of ``unit`` except the question's three input
    words. 3CosAdd scores are cos(w, b) + cos(w, c) - cos(w, a) divided by
    ``|b + c - a|`` of the unit vectors, i.e. the cosine of ``w`` with the
    normalised query vector (gensim's ``most_similar`` score); 3CosMul scores
    are ``cos'(w, b) cos'(w, c) / (cos'(w, a) + epsilon)`` with
    ``cos' = (cos + 1) / 2`` (Levy & Goldberg 2014).

    Parameters
    ----------
    unit : ndarray of shape (n_vocab, dim), float32
        Unit-length rows (rows of zeros or NaN never win).
    ia, ib, ic, ie : ndarray of shape (n_questions,), int64
        Rows of ``a``, ``b``, ``c`` and the expected answer.
    method : {"3CosAdd", "3CosMul"}
    epsilon : float
        3CosMul's epsilon.
    top_n : int
        How many best candidates to keep per question.
    block_bytes : int
        Memory for the cosine table: the vocabulary is scanned in column blocks of this size.
    progress : callable, optional
        ``progress(fraction)`` after each block.

    Returns
    -------
    top_idx : ndarray of shape (n_questions, top_n), int64
        Best first; -1 where fewer than ``top_n`` candidates had a finite score.
    top_val : ndarray of shape (n_questions, top_n), float64
        Their scores (-inf where ``top_idx`` is -1).
    expected_rank : ndarray of shape (n_questions,), float64
        1 + the number of candidates scoring above the expected answer; NaN
        when the expected answer is an input word or its score is not finite.
    expected_score : ndarray of shape (n_questions,), float64
    """
    unit = np.ascontiguousarray(unit, dtype=np.float32)
    n_vocab = unit.shape[0]
    idx = [np.asarray(x, dtype=np.int64) for x in (ia, ib, ic, ie)]
    n_q = len(idx[0])
    distinct, inverse = np.unique(np.concatenate(idx[:3]), return_inverse=True)
    ra, rb, rc = (np.ascontiguousarray(inverse[i * n_q:(i + 1) * n_q]) for i in range(3))
    queries = unit[distinct]

    # the expected answer's score, from the same cosines the scan uses (its own small product)
    answers = unit[idx[3]]
    cos_e = np.stack([np.einsum("ij,ij->i", queries[r], answers) for r in (ra, rb, rc)]).astype(np.float64)
    if method == "3CosAdd":
        query = (unit[idx[1]].astype(np.float64) + unit[idx[2]] - unit[idx[0]])
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = 1.0 / np.linalg.norm(query, axis=1)
        expected = (cos_e[1] + cos_e[2] - cos_e[0]) * scale
        code = ADD
    else:
        scale = np.ones(n_q)
        expected = ((cos_e[1] + 1) * 0.5) * ((cos_e[2] + 1) * 0.5) / ((cos_e[0] + 1) * 0.5 + epsilon)
        code = MUL
    is_input = (idx[3] == idx[0]) | (idx[3] == idx[1]) | (idx[3] == idx[2])
    expected = np.where(is_input | ~np.isfinite(expected), np.inf, expected)  # counts nothing as above it

    top_idx = np.full((n_q, top_n), -1, dtype=np.int64)
    top_val = np.full((n_q, top_n), -np.inf)
    n_above = np.zeros(n_q, dtype=np.int64)
    block = max(1, int(block_bytes) // (4 * max(len(distinct), 1)))
    for col0 in range(0, n_vocab, block):
        cos = queries @ unit[col0:col0 + block].T
        _scan(cos, col0, ra, rb, rc, idx[0], idx[1], idx[2], idx[3], expected, scale, code, float(epsilon),
               top_idx, top_val, n_above)
        if progress is not None:
            progress(min(col0 + block, n_vocab) / n_vocab)
    finite = np.isfinite(expected)
    expected_rank = np.where(finite, n_above + 1.0, np.nan)
    return top_idx, top_val, expected_rank, np.where(finite, expected, np.nan)
