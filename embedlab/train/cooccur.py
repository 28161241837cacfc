"""Word–context co-occurrence counts of a prepared corpus: the matrix that count-based methods factorise.

PPMI-SVD (:mod:`embedlab.train.ppmi_svd`) and GloVe (:mod:`embedlab.train.glove`)
both start here. The corpus's line file is streamed in chunks of lines; each
chunk's tokens become vocabulary ids (words below ``min_count`` are removed
*before* windowing, as GloVe's ``cooccur`` and word2vec do), and a numba
kernel adds every pair of words at most ``window`` positions apart, within a
line, to an open-addressing hash table keyed by the pair. The table holds one
slot per distinct pair, so memory grows with the number of distinct pairs, not
with the length of the corpus; it is refused, with an estimate, before it
outgrows :func:`memory_limit_bytes`.

Counting follows GloVe's reference ``cooccur.c`` (Pennington, Socher &
Manning 2014): a symmetric window, each pair at distance d weighted 1/d
(``weighting="1/d"``) or 1 (``"none"``). ``"linear"`` weights a pair
(window − d + 1) / window, which is what word2vec's dynamic window gives in
expectation (Levy, Goldberg & Dagan 2015, §3.1); ``dynamic_window=True``
instead draws each centre word's window size uniformly from 1..window as
word2vec and hyperwords' ``corpus2pairs.py`` do (seeded, so repeatable). With
the fixed window the matrix is symmetric, and only pairs (a, b) with a ≤ b are
stored while counting; the sampled window makes it asymmetric.

Counts are kept with the corpus (``<corpus>/cooccur/<key>/``, key = corpus
fingerprint + counting settings), so GloVe and PPMI-SVD trained on the same
corpus with the same window count once (:func:`cooccurrences`).
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import os
import time
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numba import njit

from embedlab.errors import Cancelled, InputError
from embedlab.progress import Progress, ShouldStop, no_progress
from embedlab.sources.corpus import Corpus
from embedlab.train.params import Params, param

FORMAT_VERSION = 1
CACHE_DIR = "cooccur"  # inside the corpus folder
TOP_PAIRS_KEPT = 100  # heaviest pairs written beside the counts, for the statistics
WEIGHTINGS = ("1/d", "none", "linear")
DEFAULT_LIMIT_MB = 2048
_CHUNK_BYTES = 1 << 21  # lines read per step: progress, Cancel and the memory projection happen between steps
_MAX_LOAD = 0.7  # linear probing stays quick below this fill
_EMPTY = -1
_MULT = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing (Knuth, TAOCP vol. 3, 6.4)
_SLOT_BYTES = 16  # int64 key + float64 sum
# while the CSR matrix is built, each stored pair is two entries (row, column, sum) sorted by column, then
# two (column, sum) in the matrix; the hash table is freed between the two
_PAIR_BYTES = 2 * (4 + 4 + 8)
_CSR_BYTES = 2 * (4 + 8)


def memory_limit_bytes() -> int:
    """Largest co-occurrence table (and GloVe training state) accepted, in bytes.

    ``EMBEDLAB_MAX_MATRIX_MB`` (default 2048); a job that would need more is
    refused with the estimate and what to change.
    """
    raw = os.environ.get("EMBEDLAB_MAX_MATRIX_MB", "").strip()
    mb = float(raw) if raw else float(DEFAULT_LIMIT_MB)
    return int(mb * 1024 * 1024)


def megabytes(n_bytes: float) -> str:
    """``n_bytes`` as "123 MB" (mebibytes), for messages."""
    return f"{n_bytes / (1024 * 1024):,.0f} MB" if n_bytes >= 1024 * 1024 else f"{n_bytes / (1024 * 1024):,.1f} MB"


# -- settings -----------------------------------------------------------------------------------

#: One-line explanations shared by the configs that count (a model config may change the default, not the meaning).
WINDOW_HELP = ("Context words counted on each side of a word, within a line (GloVe's cooccur -window-size; "
               "Levy, Goldberg & Dagan 2015 compare 2, 5 and 10).")
WEIGHTING_HELP = ("Weight of a pair d words apart: 1/d as GloVe's cooccur (Pennington et al. 2014), none (1), or "
                  "linear (window−d+1)/window, word2vec's dynamic window in expectation (Levy et al. 2015, §3.1).")
WEIGHTING_LABELS = {"1/d": "1/d (GloVe)", "none": "none", "linear": "linear (word2vec)"}
DYNAMIC_HELP = ("Draw each word's window size uniformly from 1..window, as word2vec and hyperwords do "
                "(Levy et al. 2015 'dyn'); seeded, so repeatable, but the matrix is no longer symmetric.")
MIN_COUNT_HELP = ("Words that occur fewer times are dropped before windowing (GloVe's vocab_count -min-count, "
                  "word2vec's min_count).")
MAX_SEED = 2 ** 31 - 1


@dataclass
class CooccurConfig(Params):
    """How co-occurrences are counted (see the module docstring).

    Attributes
    ----------
    window : int
        Context words on each side, 1 to 50.
    weighting : {"1/d", "none", "linear"}
    dynamic_window : bool
        Sample each centre word's window size (word2vec's dynamic window).
    min_count : int
        Smallest corpus frequency of a vocabulary word.
    seed : int
        Seed of the window sampling (used only with ``dynamic_window``).

    Raises
    ------
    InputError
        A value out of range (a window of 0 says that it counts nothing).
    """

    window: int = param(10, WINDOW_HELP, 1, 50)
    weighting: str = param("1/d", WEIGHTING_HELP, choices=WEIGHTINGS, choice_labels=WEIGHTING_LABELS)
    dynamic_window: bool = param(False, DYNAMIC_HELP, advanced=True)
    min_count: int = param(5, MIN_COUNT_HELP, 1, 1_000_000)
    seed: int = param(1, "Seed of the random numbers (window sampling, initial vectors, shuffling).", 0, MAX_SEED,
                      advanced=True)

    def __post_init__(self):
        if isinstance(self.window, numbers.Integral) and not isinstance(self.window, bool) and self.window == 0:
            raise InputError("window must be at least 1: a window of 0 counts no pairs at all.")
        super().__post_init__()

    def counting(self) -> "CooccurConfig":
        """The counting part of this config (for subclasses that add a model's settings)."""
        return CooccurConfig(window=self.window, weighting=self.weighting, dynamic_window=self.dynamic_window,
                             min_count=self.min_count, seed=self.seed)

    def counting_dict(self) -> dict:
        """The settings that change the counts (the seed only with a sampled window)."""
        out = {"window": int(self.window), "weighting": self.weighting, "dynamic_window": bool(self.dynamic_window),
               "min_count": int(self.min_count)}
        if self.dynamic_window:
            out["seed"] = int(self.seed)
        return out

    def cache_key(self, fingerprint: str) -> str:
        """Folder name of these counts of the corpus with ``fingerprint`` (16 hex characters)."""
        text = json.dumps({"v": FORMAT_VERSION, "corpus": fingerprint, **self.counting_dict()}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# -- the result ---------------------------------------------------------------------------------

@dataclass
class Cooccurrences:
    """A co-occurrence matrix with its vocabulary.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix of shape (n_words, n_words), float64
        ``matrix[i, j]``: weighted count of context word j around word i
        (sorted column indices, no explicit zeros).
    words : list of str, length n_words
        Vocabulary, most frequent first.
    counts : ndarray of shape (n_words,), int64
        Corpus frequency of each word.
    config : dict
        :meth:`CooccurConfig.counting_dict`.
    stats : dict
        ``tokens`` (read), ``tokens_in_vocabulary``, ``lines``, ``pairs_added``
        (window positions counted), ``nonzero``, ``density``, ``seconds``,
        ``table_bytes`` (largest hash table).
    corpus_fingerprint : str
    """

    matrix: sp.csr_matrix
    words: list
    counts: np.ndarray
    config: dict
    stats: dict
    corpus_fingerprint: str = ""
    corpus_name: str = ""

    @property
    def n_words(self) -> int:
        return len(self.words)

    @property
    def symmetric(self) -> bool:
        return not self.config.get("dynamic_window", False)

    def summary(self) -> dict:
        """Figures for the page: words, non-zero pairs, density, total weight, tokens counted."""
        n = self.n_words
        return {"words": n, "non-zero pairs": int(self.matrix.nnz),
                "density": float(self.matrix.nnz / (n * n)) if n else float("nan"),
                "total weight": float(self.matrix.data.sum()), "tokens": int(self.stats.get("tokens", 0)),
                "tokens in vocabulary": int(self.stats.get("tokens_in_vocabulary", 0)),
                "seconds": float(self.stats.get("seconds", float("nan")))}

    def top_pairs(self, n: int = 20) -> pd.DataFrame:
        """The ``n`` heaviest pairs (each unordered pair once when the matrix is symmetric).

        Returns
        -------
        pandas.DataFrame
            Columns ``word``, ``context``, ``count`` (weighted), heaviest first.
        """
        coo = self.matrix.tocoo()
        keep = coo.row <= coo.col if self.symmetric else np.ones(coo.nnz, dtype=bool)
        rows, cols, vals = coo.row[keep], coo.col[keep], coo.data[keep]
        n = max(0, min(int(n), vals.size))
        if 0 < n < vals.size:  # the n heaviest without sorting millions of pairs; ties at the cut all stay
            cut = np.partition(vals, vals.size - n)[vals.size - n]
            heavy = np.flatnonzero(vals >= cut)
            rows, cols, vals = rows[heavy], cols[heavy], vals[heavy]
        order = np.lexsort((cols, rows, -vals))[:n]  # heaviest first; ties in matrix order
        return pd.DataFrame({"word": [self.words[i] for i in rows[order]],
                             "context": [self.words[j] for j in cols[order]], "count": vals[order]})

    def block(self, words) -> pd.DataFrame:
        """Counts among a few chosen words, for a heat-map ("the matrix being factorised").

        Parameters
        ----------
        words : sequence of str
            At most 50 words of the vocabulary.

        Returns
        -------
        pandas.DataFrame of shape (len(words), len(words))
            Rows: words; columns: contexts.

        Raises
        ------
        InputError
            A word is not in the vocabulary, or more than 50 words.
        """
        words = [str(w) for w in words]
        if len(words) > 50:
            raise InputError("Pick at most 50 words for the heat-map.")
        index = {w: i for i, w in enumerate(self.words)}
        unknown = [w for w in words if w not in index]
        if unknown:
            raise InputError(f"Not in the co-occurrence vocabulary (min_count={self.config.get('min_count')}): "
                             f"{', '.join(unknown)}.")
        ids = np.array([index[w] for w in words], dtype=np.int64)
        sub = self.matrix[ids][:, ids].toarray()
        return pd.DataFrame(sub, index=pd.Index(words, name="word"), columns=pd.Index(words, name="context"))

    # -- files ------------------------------------------------------------------------------------
    def save(self, folder) -> None:
        """Write ``indptr.npy``, ``indices.npy``, ``data.npy``, ``words.parquet`` and ``cooccur.json``."""
        folder = Path(folder)
        m = self.matrix
        np.save(folder / "indptr.npy", np.asarray(m.indptr, dtype=np.int64), allow_pickle=False)
        np.save(folder / "indices.npy", np.asarray(m.indices, dtype=np.int32), allow_pickle=False)
        np.save(folder / "data.npy", np.asarray(m.data, dtype=np.float64), allow_pickle=False)
        pd.DataFrame({"word": self.words, "count": np.asarray(self.counts, dtype=np.int64)}).to_parquet(
            folder / "words.parquet", index=False)
        top = self.top_pairs(TOP_PAIRS_KEPT)
        facts = {"format": FORMAT_VERSION, "config": self.config, "stats": self.stats, "shape": list(m.shape),
                 "nnz": int(m.nnz), "corpus_fingerprint": self.corpus_fingerprint, "corpus_name": self.corpus_name,
                 # what the Data page shows, readable without loading the matrix
                 "summary": self.summary(),
                 "top_pairs": {"word": top["word"].tolist(), "context": top["context"].tolist(),
                               "count": [float(v) for v in top["count"]]}}
        (folder / "cooccur.json").write_text(json.dumps(facts, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, folder) -> "Cooccurrences":
        """Read counts written by :meth:`save` (never unpickles).

        Raises
        ------
        InputError
            Missing, truncated or inconsistent files.
        """
        folder = Path(folder)
        try:
            facts = json.loads((folder / "cooccur.json").read_text(encoding="utf-8"))
            indptr = np.load(folder / "indptr.npy", allow_pickle=False)
            indices = np.load(folder / "indices.npy", allow_pickle=False)
            data = np.load(folder / "data.npy", allow_pickle=False)
            words = pd.read_parquet(folder / "words.parquet")
        except (OSError, ValueError, KeyError) as exc:
            raise InputError(f"The stored co-occurrence counts in '{folder}' are damaged ({exc}).") from exc
        n = len(words)
        shape = tuple(facts.get("shape", ()))
        if (facts.get("format") != FORMAT_VERSION or shape != (n, n) or indptr.shape != (n + 1,)
                or indices.shape != data.shape or indptr[-1] != indices.size or indices.size != facts.get("nnz")
                or (indices.size and (indices.min() < 0 or indices.max() >= n))):
            raise InputError(f"The stored co-occurrence counts in '{folder}' are inconsistent; they will be counted "
                             "again.")
        matrix = sp.csr_matrix((data, indices, indptr), shape=(n, n))
        return cls(matrix, words["word"].astype(str).tolist(), words["count"].to_numpy(np.int64), facts["config"],
                   facts.get("stats", {}), facts.get("corpus_fingerprint", ""), facts.get("corpus_name", ""))


# -- vocabulary and memory ----------------------------------------------------------------------

def vocabulary(corpus: Corpus, min_count: int) -> tuple[list, np.ndarray]:
    """The corpus's words with at least ``min_count`` occurrences, most frequent first.

    Returns
    -------
    words : list of str
    counts : ndarray of shape (n_words,), int64

    Raises
    ------
    InputError
        Fewer than two words survive.
    """
    counts = corpus.counts
    keep = counts.to_numpy() >= min_count
    if int(keep.sum()) < 2:
        top = int(counts.iloc[0]) if len(counts) else 0
        raise InputError(
            f"Only {int(keep.sum())} word(s) occur at least min_count={min_count} times in '{corpus.name}' "
            f"(the most frequent word occurs {top:,} times), so there is no vocabulary to count pairs of. "
            "Lower min_count or use a larger corpus.")
    return [str(w) for w in counts.index[keep]], counts.to_numpy()[keep].astype(np.int64)


def table_bytes_for(distinct_pairs: int) -> int:
    """Peak bytes of counting ``distinct_pairs`` stored pairs: the hash table, then the CSR build."""
    return max((1 << _bits_for(distinct_pairs)) * _SLOT_BYTES + distinct_pairs * _PAIR_BYTES,
               distinct_pairs * (_PAIR_BYTES + _CSR_BYTES))


def _bits_for(distinct_pairs: int) -> int:
    return max(10, math.ceil(math.log2(max(distinct_pairs, 1) / _MAX_LOAD)))


def _refuse(needed: int, limit: int, what: str) -> InputError:
    return InputError(
        f"{what} would need about {megabytes(needed)} of memory, more than the limit of {megabytes(limit)} "
        "(EMBEDLAB_MAX_MATRIX_MB). Raise min_count (fewer words), use a smaller window, or a smaller corpus.")


# -- the counting kernels -------------------------------------------------------------------------

@njit(inline="always")
def _add(table, sums, shift, key, weight):
    """Add ``weight`` to ``key``'s slot (linear probing); return 1 when the key is new.

    Slot h is ``table[2h]`` (the key, -1 when empty) next to ``sums[2h + 1]``
    (a float64 view of the same memory): one cache line serves both.
    """
    mask = np.int64(table.shape[0] // 2 - 1)
    h = np.int64((np.uint64(key) * _MULT) >> np.uint64(shift))
    while True:
        k = table[2 * h]
        if k == key:
            sums[2 * h + 1] += weight
            return 0
        if k == _EMPTY:
            table[2 * h] = key
            sums[2 * h + 1] = weight
            return 1
        h = (h + np.int64(1)) & mask


@njit(cache=True, nogil=True)
def _count_lines(ids, starts, line, table, shift, used, max_used, n_words, weights, dynamic, rng, buf):
    """Count the pairs of lines ``line, line+1, ...`` of a chunk into the table.

    ``ids``: the chunk's token ids (-1: not in the vocabulary); line k is
    ``ids[starts[k]:starts[k+1]]``. Stops before a line that could push the
    table past ``max_used`` slots. Returns (next line, slots used, pairs added).
    """
    sums = table.view(np.float64)
    window = weights.shape[0] - 1
    n_lines = starts.shape[0] - 1
    added = 0
    while line < n_lines:
        m = 0
        for p in range(starts[line], starts[line + 1]):
            if ids[p] >= 0:
                buf[m] = ids[p]
                m += 1
        if used + m * window * (2 if dynamic else 1) > max_used:
            break
        if dynamic:
            # word2vec's reduced window: each centre word looks 1..window words to either side, at random
            for p in range(m):
                s = rng[0]
                s ^= s << np.uint64(13)
                s ^= s >> np.uint64(7)
                s ^= s << np.uint64(17)
                rng[0] = s
                reach = 1 + np.int64((s >> np.uint64(33)) % np.uint64(window))
                a = np.int64(buf[p]) * n_words
                for q in range(max(0, p - reach), min(m, p + reach + 1)):
                    if q != p:
                        used += _add(table, sums, shift, a + buf[q], weights[abs(p - q)])
                        added += 1
        else:
            # symmetric: the pair (p, q) adds to X[a, b] and X[b, a]; stored once, as the pair with a <= b
            for p in range(m):
                a = buf[p]
                for q in range(max(0, p - window), p):
                    b = buf[q]
                    w = weights[p - q]
                    if a == b:
                        used += _add(table, sums, shift, np.int64(a) * n_words + a, 2.0 * w)
                    elif a < b:
                        used += _add(table, sums, shift, np.int64(a) * n_words + b, w)
                    else:
                        used += _add(table, sums, shift, np.int64(b) * n_words + a, w)
                    added += 1
        line += 1
    return line, used, added


@njit(cache=True, nogil=True)
def _rehash(table, new_table, shift):
    sums = table.view(np.float64)
    new_sums = new_table.view(np.float64)
    for h in range(table.shape[0] // 2):
        if table[2 * h] != _EMPTY:
            _add(new_table, new_sums, shift, table[2 * h], sums[2 * h + 1])


@njit(cache=True, nogil=True)
def _by_column(table, n_words, mirror):
    """The table's entries ordered by column (a stable counting sort), and the row pointers of the CSR matrix.

    With ``mirror`` the table holds the pairs a <= b of a symmetric matrix and
    both (a, b) and (b, a) are written. Returns (indptr, rows, cols, sums).
    """
    sums = table.view(np.float64)
    row_len = np.zeros(n_words + 1, dtype=np.int64)
    col_len = np.zeros(n_words + 1, dtype=np.int64)
    for h in range(table.shape[0] // 2):
        k = table[2 * h]
        if k != _EMPTY:
            a = k // n_words
            b = k - a * n_words
            row_len[a + 1] += 1
            col_len[b + 1] += 1
            if mirror and a != b:
                row_len[b + 1] += 1
                col_len[a + 1] += 1
    indptr = np.cumsum(row_len)
    nnz = indptr[-1]
    rows = np.empty(nnz, dtype=np.int32)
    cols = np.empty(nnz, dtype=np.int32)
    vals = np.empty(nnz, dtype=np.float64)
    fill = np.cumsum(col_len)[:-1].copy()
    for h in range(table.shape[0] // 2):
        k = table[2 * h]
        if k != _EMPTY:
            a = k // n_words
            b = k - a * n_words
            v = sums[2 * h + 1]
            i = fill[b]
            rows[i], cols[i], vals[i] = a, b, v
            fill[b] += 1
            if mirror and a != b:
                i = fill[a]
                rows[i], cols[i], vals[i] = b, a, v
                fill[a] += 1
    return indptr, rows, cols, vals


@njit(cache=True, nogil=True)
def _by_row(indptr, rows, cols, vals):
    """CSR indices and data: a stable counting sort by row of entries already ordered by column, so the
    columns of every row come out sorted without comparing them."""
    nnz = rows.shape[0]
    indices = np.empty(nnz, dtype=np.int32)
    data = np.empty(nnz, dtype=np.float64)
    fill = indptr[:-1].copy()
    for i in range(nnz):
        r = rows[i]
        j = fill[r]
        indices[j] = cols[i]
        data[j] = vals[i]
        fill[r] += 1
    return indices, data


class _Ids(dict):
    """word -> vocabulary id; any other word -> -1."""

    def __missing__(self, key):
        return -1


def _weights(window: int, weighting: str) -> np.ndarray:
    d = np.arange(window + 1, dtype=np.float64)
    if weighting == "1/d":
        w = 1.0 / np.maximum(d, 1.0)
    elif weighting == "linear":
        w = (window - d + 1.0) / window
    else:
        w = np.ones(window + 1)
    w[0] = 0.0
    return w


class _Table:
    """The growing hash table of pair sums, refused before it outgrows the memory limit."""

    def __init__(self, limit: int, what: str, worst: int):
        self.limit, self.what = limit, what
        self.bits = min(20, _bits_for(worst))
        if (2 << self.bits) * 8 > limit:
            raise _refuse(table_bytes_for(worst), limit, f"Counting {what}")
        self.table = np.full(2 << self.bits, _EMPTY, dtype=np.int64)
        self.used = 0
        self.peak_bytes = self.table.nbytes

    @property
    def shift(self) -> int:
        return 64 - self.bits

    @property
    def max_used(self) -> int:
        return int(_MAX_LOAD * (1 << self.bits))

    def grow(self, need_slots: int = 0) -> None:
        bits = self.bits + 1
        while int(_MAX_LOAD * (1 << bits)) < self.used + need_slots:
            bits += 1
        new_bytes = (2 << bits) * 8
        # old and new tables live together while rehashing
        if self.table.nbytes + new_bytes > self.limit:
            raise _refuse(max(table_bytes_for(self.used), self.table.nbytes + new_bytes), self.limit,
                          f"Counting {self.what} already holds {self.used:,} distinct pairs and")
        table = np.full(2 << bits, _EMPTY, dtype=np.int64)
        _rehash(self.table, table, 64 - bits)
        self.table, self.bits = table, bits
        self.peak_bytes = max(self.peak_bytes, self.table.nbytes)


def _projected_pairs(history: list, total_tokens: int) -> Optional[float]:
    """Distinct pairs at the end, from the growth so far (Heaps' law: pairs ∝ tokens^β, β fitted on the
    second half of the chunks read, kept in [0.3, 1])."""
    if len(history) < 2:
        return None
    t1, d1 = history[(len(history) - 1) // 2]
    t2, d2 = history[-1]
    if t2 <= t1 or d1 <= 0 or d2 <= d1:
        return float(d2)
    beta = min(1.0, max(0.3, math.log(d2 / d1) / math.log(t2 / t1)))
    return d2 * (total_tokens / t2) ** beta


def _chunks(path: Path, ids_of: dict):
    """Yield (ids, starts, characters) per chunk of lines: token ids (int32, -1 when not in the vocabulary)
    and line starts (int64, n_lines + 1)."""
    with open(path, encoding="utf-8") as fh:
        while True:
            chunk = fh.readlines(_CHUNK_BYTES)
            if not chunk:
                return
            split = [line.split() for line in chunk]
            starts = np.zeros(len(split) + 1, dtype=np.int64)
            np.cumsum(np.fromiter(map(len, split), dtype=np.int64, count=len(split)), out=starts[1:])
            ids = np.fromiter(map(ids_of.__getitem__, chain.from_iterable(split)), dtype=np.int32,
                              count=int(starts[-1]))
            yield ids, starts, sum(map(len, chunk))


def _prefetched(chunks):
    """Iterate ``chunks`` with the next one read in a thread while the caller counts this one.

    The counting kernel releases the GIL, so reading and tokenising (Python)
    overlap with counting (numba); at most two chunks exist at once.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="cooccur-read") as pool:
        pending = pool.submit(next, chunks, None)
        while True:
            item = pending.result()
            if item is None:
                return
            pending = pool.submit(next, chunks, None)
            yield item


def count_cooccurrences(corpus: Corpus, cfg: Optional[CooccurConfig] = None, progress: Optional[Progress] = None,
                        should_stop: Optional[ShouldStop] = None,
                        memory_limit: Optional[int] = None) -> Cooccurrences:
    """Count word–context co-occurrences of a prepared corpus, streaming its line file.

    Parameters
    ----------
    corpus : Corpus
    cfg : CooccurConfig, optional
    progress : callable, optional
        ``progress(fraction, message)`` after each chunk of about 2 MB of text.
    should_stop : callable, optional
        Polled between chunks; True raises :class:`~embedlab.errors.Cancelled`.
    memory_limit : int, optional
        Bytes the table may take (default :func:`memory_limit_bytes`).

    Returns
    -------
    Cooccurrences

    Raises
    ------
    InputError
        Fewer than two words survive ``min_count``; no two vocabulary words
        occur within ``window`` of each other; the table would outgrow the
        memory limit (refused with the estimate, as early as the growth so far
        allows: after each chunk the final size is projected with Heaps' law).
    Cancelled
        ``should_stop`` returned True.
    """
    cfg = (cfg or CooccurConfig()).counting()
    progress = progress or no_progress
    limit = memory_limit_bytes() if memory_limit is None else int(memory_limit)
    words, counts = vocabulary(corpus, cfg.min_count)
    n_words = len(words)
    in_vocab = int(counts.sum())
    # the worst case: every window position a new pair, but never more than all pairs of words
    worst = min(in_vocab * cfg.window * (2 if cfg.dynamic_window else 1),
                n_words * n_words if cfg.dynamic_window else n_words * (n_words + 1) // 2)
    check_growth = table_bytes_for(worst) > limit
    t0 = time.perf_counter()
    weights = _weights(cfg.window, cfg.weighting)
    rng = np.array([(int(cfg.seed) * int(_MULT) + 1) % (1 << 64) or 1], dtype=np.uint64)  # xorshift: never 0
    what = f"'{corpus.name}' (vocabulary {n_words:,} words at min_count={cfg.min_count}, window {cfg.window})"
    table = _Table(limit, what, worst)
    size = max(corpus.lines_file.stat().st_size, 1)
    done = tokens = tokens_in = lines = added = 0
    history = []
    buf = np.empty(10_000, dtype=np.int32)
    progress(0.0, f"Counting co-occurrences of {n_words:,} words, window {cfg.window}")
    chunks = _prefetched(_chunks(corpus.lines_file, _Ids(zip(words, range(n_words)))))
    try:
        for ids, starts, n_chars in chunks:
            n_lines = starts.size - 1
            longest = int(np.diff(starts).max()) if n_lines else 0
            if longest > buf.size:
                buf = np.empty(longest, dtype=np.int32)
            line = 0
            while line < n_lines:
                line, table.used, n_added = _count_lines(ids, starts, line, table.table, table.shift, table.used,
                                                         table.max_used, n_words, weights, cfg.dynamic_window, rng, buf)
                added += n_added
                if line < n_lines:  # the next line might not fit: make room for its worst case first
                    table.grow(int(np.count_nonzero(ids[starts[line]:starts[line + 1]] >= 0)) * cfg.window * 2)
            done += n_chars
            lines += n_lines
            tokens += int(starts[-1])
            tokens_in += int(np.count_nonzero(ids >= 0))
            history.append((tokens_in, table.used))
            if check_growth and tokens_in < in_vocab:
                projected = _projected_pairs(history, in_vocab)
                if projected is not None and table_bytes_for(int(projected)) > limit:
                    raise _refuse(table_bytes_for(int(projected)), limit,
                                  f"After {tokens_in / in_vocab:.0%} of the corpus, counting {what} is on course for "
                                  f"about {int(projected):,} distinct pairs, which")
            progress(0.95 * min(done / size, 1.0), f"Counted {tokens:,} tokens: {table.used:,} distinct pairs so far")
            if should_stop is not None and should_stop():
                raise Cancelled("Counting was cancelled.")
    finally:
        chunks.close()  # stops the reader thread now, not when the traceback is freed

    if table.used == 0:
        raise InputError(
            f"No two words of the vocabulary ({n_words:,} words at min_count={cfg.min_count}) occur within "
            f"{cfg.window} words of each other on a line of '{corpus.name}'. Lower min_count, widen the window or "
            "use a larger corpus.")
    final = max(table.table.nbytes + table.used * _PAIR_BYTES, table.used * (_PAIR_BYTES + _CSR_BYTES))
    if final > limit:
        raise _refuse(final, limit, f"Counting {what}")
    progress(0.96, "Building the sparse matrix")
    indptr, rows, cols, vals = _by_column(table.table, np.int64(n_words), not cfg.dynamic_window)
    peak = table.peak_bytes
    del table  # before the second sort: the table and both copies of the entries never live at once
    indices, data = _by_row(indptr, rows, cols, vals)
    del rows, cols, vals
    matrix = sp.csr_matrix((data, indices, indptr), shape=(n_words, n_words))
    seconds = time.perf_counter() - t0
    stats = {"tokens": tokens, "tokens_in_vocabulary": tokens_in, "lines": lines, "pairs_added": added,
             "nonzero": int(matrix.nnz), "density": float(matrix.nnz / (n_words * n_words)),
             "seconds": seconds, "table_bytes": int(peak)}
    progress(1.0, f"Counted {matrix.nnz:,} non-zero pairs in {seconds:.1f} s")
    return Cooccurrences(matrix, words, counts, cfg.counting_dict(), stats, corpus.fingerprint, corpus.name)


# -- stored with the corpus ----------------------------------------------------------------------

def cache_folder(corpus: Corpus) -> Path:
    return Path(corpus.path) / CACHE_DIR


def load_cached(corpus: Corpus, cfg: CooccurConfig) -> Optional[Cooccurrences]:
    """The stored counts of ``corpus`` with these settings, or None when not counted yet (or damaged)."""
    folder = cache_folder(corpus) / cfg.cache_key(corpus.fingerprint)
    if not (folder / "cooccur.json").is_file():
        return None
    try:
        cooc = Cooccurrences.load(folder)
    except InputError:
        return None
    if cooc.corpus_fingerprint != corpus.fingerprint or cooc.config != cfg.counting_dict():
        return None
    return cooc


def describe_counting(config: dict) -> str:
    """Counting settings in a few words: "window 10 · 1/d · min_count 5" (a :meth:`CooccurConfig.counting_dict`)."""
    text = (f"window {config.get('window')} · {WEIGHTING_LABELS.get(config.get('weighting'), config.get('weighting'))}"
            f" · min_count {config.get('min_count')}")
    return text + (f" · dynamic window (seed {config.get('seed')})" if config.get("dynamic_window") else "")


@dataclass
class StoredCounts:
    """Co-occurrence counts kept with a corpus, read lazily: figures without loading the matrix, and only the
    rows a heat-map needs (memory-mapped).

    Attributes
    ----------
    folder : Path
        ``<corpus>/cooccur/<key>/``.
    facts : dict
        Its ``cooccur.json``.
    """

    folder: Path
    facts: dict

    @property
    def config(self) -> dict:
        """The counting settings (:meth:`CooccurConfig.counting_dict`)."""
        return dict(self.facts.get("config") or {})

    @property
    def nnz(self) -> int:
        return int(self.facts.get("nnz", 0))

    def describe(self) -> str:
        return describe_counting(self.config)

    def summary(self) -> dict:
        """As :meth:`Cooccurrences.summary` (read from the facts; counted before phase 2: from the matrix)."""
        if "summary" in self.facts:
            return dict(self.facts["summary"])
        return Cooccurrences.load(self.folder).summary()

    def top_pairs(self, n: int = 20) -> pd.DataFrame:
        """As :meth:`Cooccurrences.top_pairs`, for ``n`` up to :data:`TOP_PAIRS_KEPT`."""
        top = self.facts.get("top_pairs")
        if top is None or n > TOP_PAIRS_KEPT:
            return Cooccurrences.load(self.folder).top_pairs(n)
        return pd.DataFrame(top).head(int(n)).reset_index(drop=True)

    def disk_bytes(self) -> int:
        """Bytes its files take on disk."""
        return sum(p.stat().st_size for p in self.folder.iterdir() if p.is_file())

    def delete(self) -> None:
        """Remove these counts from the corpus (a later model with the same settings counts again)."""
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)

    def words(self) -> list:
        """The vocabulary, most frequent first."""
        try:
            return pd.read_parquet(self.folder / "words.parquet", columns=["word"])["word"].astype(str).tolist()
        except (OSError, ValueError, KeyError) as exc:
            raise InputError(f"The stored co-occurrence counts in '{self.folder}' are damaged ({exc}); count them "
                             "again.") from exc

    def block(self, words) -> pd.DataFrame:
        """Counts among a few chosen words (as :meth:`Cooccurrences.block`), reading only their rows.

        Parameters
        ----------
        words : sequence of str
            At most 50 words of the vocabulary (a repeated word counts once).

        Returns
        -------
        pandas.DataFrame of shape (n, n)
            Rows: words; columns: context words.

        Raises
        ------
        InputError
            No word, more than 50, a word outside the vocabulary (named), or damaged files.
        """
        words = list(dict.fromkeys(str(w) for w in words))
        if not words:
            raise InputError("Name at least one word for the heat-map.")
        if len(words) > 50:
            raise InputError("Pick at most 50 words for the heat-map.")
        vocab = self.words()
        index = {w: i for i, w in enumerate(vocab)}
        unknown = [w for w in words if w not in index]
        if unknown:
            raise InputError(f"Not in the co-occurrence vocabulary (min_count={self.config.get('min_count')}): "
                             f"{', '.join(unknown)}.")
        ids = np.array([index[w] for w in words], dtype=np.int64)
        damaged = InputError(f"The stored co-occurrence counts in '{self.folder}' are damaged; count them again.")
        try:
            indptr = np.load(self.folder / "indptr.npy", mmap_mode="r", allow_pickle=False)
            indices = np.load(self.folder / "indices.npy", mmap_mode="r", allow_pickle=False)
            data = np.load(self.folder / "data.npy", mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise damaged from exc
        if indptr.shape != (len(vocab) + 1,) or indices.shape != data.shape:
            raise damaged
        out = np.zeros((ids.size, ids.size))
        order = np.argsort(ids)
        for r, i in enumerate(ids):
            lo, hi = int(indptr[i]), int(indptr[i + 1])
            if not 0 <= lo <= hi <= indices.size:
                raise damaged
            cols, vals = np.asarray(indices[lo:hi]), np.asarray(data[lo:hi])
            at = np.searchsorted(ids[order], cols).clip(0, ids.size - 1)
            hit = ids[order][at] == cols
            np.add.at(out[r], order[at[hit]], vals[hit])
        return pd.DataFrame(out, index=pd.Index(words, name="word"), columns=pd.Index(words, name="context"))


def find_stored(corpus: Corpus, cfg: CooccurConfig) -> Optional[StoredCounts]:
    """The counts of ``corpus`` with ``cfg``'s counting settings kept with the corpus, or None (not counted yet)."""
    folder = cache_folder(corpus) / cfg.cache_key(corpus.fingerprint)
    try:
        facts = json.loads((folder / "cooccur.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if facts.get("corpus_fingerprint") != corpus.fingerprint or facts.get("config") != cfg.counting_dict():
        return None
    return StoredCounts(folder, facts)


def stored_counts(corpus: Corpus) -> list:
    """Every set of counts kept with ``corpus`` (:class:`StoredCounts`), newest first."""
    found = []
    folder = cache_folder(corpus)
    if not folder.is_dir():
        return found
    for entry in folder.iterdir():
        if entry.name.startswith("."):
            continue
        try:
            facts = json.loads((entry / "cooccur.json").read_text(encoding="utf-8"))
            stamp = (entry / "cooccur.json").stat().st_mtime
        except (OSError, ValueError):
            continue
        if facts.get("corpus_fingerprint") == corpus.fingerprint and isinstance(facts.get("config"), dict):
            found.append((stamp, StoredCounts(entry, facts)))
    return [s for _, s in sorted(found, key=lambda item: -item[0])]


def check_before_queue(workspace, args: dict, config_cls, title: str, memory_needed) -> None:
    """What a count-based family checks before its job is queued (its ``Family.check``).

    Refuses, each time saying what to change: a ``min_count`` that leaves fewer
    than two words; ``vector_size`` not below the vocabulary; a model whose
    memory (``memory_needed(n_words, vector_size, nonzero)``, with the
    non-zero count of counts already kept for these settings, else 0: the
    parameters alone) exceeds :func:`memory_limit_bytes`. Counting itself is
    checked as it goes (the job refuses, with its projection, after the first
    chunks).

    Raises
    ------
    InputError
    """
    if not args.get("corpus_id"):
        return
    corpus = workspace.open_corpus(args["corpus_id"])
    cfg = config_cls.from_dict(args.get("config"))
    words, _ = vocabulary(corpus, cfg.min_count)
    n, d = len(words), int(cfg.vector_size)
    if d >= n:
        raise InputError(f"vector_size={d} is not below the vocabulary: only {n:,} words occur at least "
                         f"min_count={cfg.min_count} times in '{corpus.name}'. Choose fewer dimensions (at most "
                         f"{n - 1}), or lower min_count / use a larger corpus for a larger vocabulary.")
    stored = find_stored(corpus, cfg)
    needed, limit = memory_needed(n, d, stored.nnz if stored else 0), memory_limit_bytes()
    if needed > limit:
        part = "" if stored else " for its vectors alone (before counting the co-occurrences)"
        raise InputError(f"{title} on {n:,} words × {d} dimensions would need about {megabytes(needed)}{part}, more "
                         f"than the limit of {megabytes(limit)} (EMBEDLAB_MAX_MATRIX_MB). Raise min_count (fewer "
                         "words) or choose fewer dimensions.")


def cooccurrences(corpus: Corpus, cfg: Optional[CooccurConfig] = None, workspace=None,
                  progress: Optional[Progress] = None, should_stop: Optional[ShouldStop] = None,
                  memory_limit: Optional[int] = None) -> Cooccurrences:
    """The co-occurrence counts of a corpus: read from its folder when counted before, else counted.

    With a ``workspace`` the new counts are written next to the corpus
    (``<corpus>/cooccur/<key>/``) through :meth:`Workspace.write_atomically`,
    after a disk-quota check; without one they are not kept.

    Parameters
    ----------
    corpus : Corpus
    cfg : CooccurConfig, optional
        Only the counting settings matter (a GloVe or PPMI-SVD config will do).
    workspace : Workspace, optional
    progress, should_stop, memory_limit : see :func:`count_cooccurrences`

    Returns
    -------
    Cooccurrences
        ``stats["reused"]`` is True when read from disk.

    Raises
    ------
    InputError, Cancelled
        See :func:`count_cooccurrences`; also the workspace's disk quota.
    """
    cfg = (cfg or CooccurConfig()).counting()
    progress = progress or no_progress
    cached = load_cached(corpus, cfg)
    if cached is not None:
        cached.stats["reused"] = True
        progress(1.0, f"Reusing the stored co-occurrence counts ({cached.matrix.nnz:,} non-zero pairs)")
        return cached
    cooc = count_cooccurrences(corpus, cfg, progress, should_stop, memory_limit)
    cooc.stats["reused"] = False
    if workspace is not None:
        from embedlab.store.workspace import remove_dead_partials

        folder = cache_folder(corpus)
        remove_dead_partials(folder)  # a killed job's half-written counts (Workspace.recover does it at start too)
        m = cooc.matrix
        workspace.check_quota(m.indptr.nbytes + m.indices.nbytes + m.data.nbytes, "Storing the co-occurrence counts")
        key = cfg.cache_key(corpus.fingerprint)
        try:
            workspace.write_atomically(folder, key, cooc.save)
        except OSError:
            if not (folder / key / "cooccur.json").is_file():  # else another job stored the same counts first
                raise
    return cooc


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry: count (or find) the co-occurrences of a stored corpus.

    ``args``: ``corpus_id``, ``config`` (a :class:`CooccurConfig` dict).
    Returns ``{"corpus_id", "cooccur_key", "nonzero", "words", "reused"}``.
    """
    corpus = workspace.open_corpus(args["corpus_id"])
    cfg = CooccurConfig.from_dict(args.get("config"))
    cooc = cooccurrences(corpus, cfg, workspace, progress)
    return {"corpus_id": corpus.id, "cooccur_key": cfg.cache_key(corpus.fingerprint), "nonzero": int(cooc.matrix.nnz),
            "words": cooc.n_words, "reused": bool(cooc.stats.get("reused"))}


# -- shared by the count-based model families --------------------------------------------------------

def count_based_space(vectors: np.ndarray, cooc: Cooccurrences, keep: np.ndarray, kind: str, cfg, corpus: Corpus,
                      seconds: float, name: Optional[str] = None, **facts):
    """Wrap a count-based model's word vectors as a :class:`~embedlab.space.Space`.

    Parameters
    ----------
    vectors : ndarray of shape (n_kept, dim)
        One row per kept word, in vocabulary order.
    cooc : Cooccurrences
        The counts the model was fitted to.
    keep : ndarray of shape (n_words,), bool
        Vocabulary words that got a vector (a word that never co-occurred
        with another vocabulary word has none).
    kind : str
        ``info['kind']``.
    cfg : a config with ``to_dict()``
    corpus : Corpus
    seconds : float
        Training time including counting (or reading the stored counts).
    name : str, optional
    **facts
        Added to ``info`` (losses, singular values, ...).
    """
    from embedlab.space import Space

    words = [w for w, k in zip(cooc.words, keep) if k]
    meta = pd.DataFrame({"count": cooc.counts[keep]}, index=pd.Index(words, name="word"))
    info = {"kind": kind, "name": name or f"{kind} on {corpus.name}", "params": cfg.to_dict(),
            "corpus_name": corpus.name, "corpus_fingerprint": corpus.fingerprint, "corpus_id": corpus.id,
            "train_seconds": seconds,
            "cooccur": {"nonzero": int(cooc.matrix.nnz), "density": float(cooc.stats.get("density", float("nan"))),
                        "count_seconds": float(cooc.stats.get("seconds", float("nan"))),
                        "reused": bool(cooc.stats.get("reused", False)), **cooc.config},
            "dropped_words": int((~keep).sum()), **facts}
    return Space.from_vectors(words, vectors, meta=meta, info=info)


def run_count_job(workspace, args: dict, progress: Progress, config_cls, train) -> dict:
    """Background-job body of the count-based trainers: train on a stored corpus and save the model.

    ``args``: ``corpus_id`` (a stored corpus) or ``sample`` (a shipped corpus
    key, prepared with default preprocessing first), ``config`` (a
    ``config_cls`` dict), optional ``name``. The co-occurrence counts are
    kept with the corpus for the next model. Returns ``{"model_id": ...,
    "corpus_id": ...}``.
    """
    from embedlab.progress import scaled

    if args.get("sample"):
        from embedlab import prepare_sample

        corpus = prepare_sample(workspace, args["sample"], progress=scaled(progress, 0.0, 0.2))
        progress = scaled(progress, 0.2, 1.0)
    else:
        corpus = workspace.open_corpus(args["corpus_id"])
    cfg = config_cls.from_dict(args.get("config", {}))
    from embedlab.train.recording import recorder_for

    recorder = recorder_for(workspace, args)  # args["record"]: snapshots for Playback (GloVe)
    space = train(corpus, cfg, progress, name=args.get("name"), workspace=workspace,
                  **({"recorder": recorder} if recorder else {}))
    if recorder is not None:
        recorder.summarise(space, progress)  # Playback's alignment and measures, once, here in the job
    return {"model_id": workspace.save_space(space), "corpus_id": corpus.id}
