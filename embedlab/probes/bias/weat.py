"""WEAT: the Word Embedding Association Test of Caliskan, Bryson & Narayanan (2017).

"Semantics derived automatically from language corpora contain human-like
biases", Science 356:183-186. A test is a *query* (two target sets, two
attribute sets, their names) handed to a metric, as in WEFE
(dccuchile/wefe, ``query.py``, ``metrics/WEAT.py``). The permutation p-value is
exact (every partition) when the partitions are few, else sampled.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from embedlab.data import bias_words
from embedlab.errors import InputError
from embedlab.probes.bias.direction import unit_rows
from embedlab.space import Space

#: Default largest share of a word set that may be out of vocabulary before a test refuses to run.
MAX_MISSING = 0.2
#: Exact WEAT p-values enumerate every partition when there are at most this many.
EXACT_LIMIT = 200_000
#: Default number of sampled permutations when the exact test would be too large.
N_PERMUTATIONS = 100_000
#: Most words one set of a WEAT may hold (Caliskan et al.'s sets have 8 to 32).
MAX_SET_WORDS = 1_000
_BATCH = 5_000
#: Bytes of working memory one batch of partitions may take (exact or sampled).
CHUNK_BYTES = 8 << 20


@dataclass
class WeatQuery:
    """A WEAT question: two target sets X, Y and two attribute sets A, B (WEFE's ``Query``).

    Attributes
    ----------
    targets : (list of str, list of str)
        X and Y, e.g. flowers and insects.
    attributes : (list of str, list of str)
        A and B, e.g. pleasant and unpleasant.
    target_names, attribute_names : (str, str)
    name : str
    """

    targets: tuple
    attributes: tuple
    target_names: tuple = ("X", "Y")
    attribute_names: tuple = ("A", "B")
    name: str = "custom WEAT"

    @classmethod
    def shipped(cls, name: str) -> "WeatQuery":
        """One of Caliskan et al.'s original tests (see :data:`embedlab.data.bias_words.WEAT_TESTS`).

        Raises
        ------
        InputError
            Unknown name.
        """
        try:
            spec = bias_words.WEAT_TESTS[name]
        except KeyError:
            raise InputError(f"There is no shipped WEAT test '{name}'. Choose one of: "
                             f"{'; '.join(bias_words.WEAT_TESTS)}.") from None
        return cls(targets=tuple(list(s) for s in spec["targets"]),
                   attributes=tuple(list(s) for s in spec["attributes"]),
                   target_names=tuple(spec["target_names"]), attribute_names=tuple(spec["attribute_names"]),
                   name=name)

    def sets(self) -> dict:
        """``{set name: words}`` for X, Y, A, B in that order."""
        names = list(self.target_names) + list(self.attribute_names)
        if len(set(names)) < 4:
            names = [f"{role}: {n}" for role, n in zip("XYAB", names)]
        return dict(zip(names, list(self.targets) + list(self.attributes)))


@dataclass
class WeatResult:
    """The answer of :func:`weat`.

    Attributes
    ----------
    query : WeatQuery
    statistic : float
        s(X, Y, A, B) = sum over x of s(x, A, B) minus sum over y of s(y, A, B).
    effect_size : float
        Caliskan's d: (mean_x s(x,A,B) - mean_y s(y,A,B)) / std_{w in X∪Y} s(w,A,B), std with ddof=1.
    p_value : float
        One-sided permutation p-value (see :func:`weat`).
    method : str
        ``"exact"`` (all partitions enumerated) or ``"sampled"``.
    n_partitions : int
        Partitions enumerated (exact) or permutations drawn (sampled).
    seed : int or None
        Seed of the sampled test (None for exact).
    null : ndarray of shape (n_partitions,)
        The test statistic of every partition enumerated or drawn.
    word_scores : pandas.DataFrame
        Columns ``word``, ``set`` and ``association`` (s(w, A, B)) for the target words used.
    missing : dict of str to list of str
        Out-of-vocabulary words of each set (set name -> words).
    used : dict of str to list of str
        Words each set actually used.
    """

    query: WeatQuery
    statistic: float
    effect_size: float
    p_value: float
    method: str
    n_partitions: int
    seed: Optional[int]
    null: np.ndarray
    word_scores: pd.DataFrame
    missing: dict
    used: dict

    def summary(self) -> dict:
        """The headline numbers as a flat, JSON-able dict."""
        return {"test": self.query.name, "statistic": float(self.statistic), "effect size": float(self.effect_size),
                "p-value": float(self.p_value), "p-value method": self.method, "partitions": int(self.n_partitions),
                "seed": self.seed, "words missing": sum(len(v) for v in self.missing.values())}


def coverage(space: Space, query: WeatQuery) -> float:
    """The smallest share, over the four sets of ``query``, of words in the vocabulary (0-1).

    A WEAT runs with the default settings when ``coverage >= 1 - MAX_MISSING``.
    """
    shares = []
    for words in query.sets().values():
        known, unknown = space.split_known(words)
        shares.append(len(known) / max(1, len(known) + len(unknown)))
    return float(min(shares))


def association(space: Space, words: Sequence[str], attr_a: Sequence[str], attr_b: Sequence[str]) -> np.ndarray:
    """s(w, A, B) = mean_a cos(w, a) - mean_b cos(w, b) for each word (Caliskan et al. 2017).

    Parameters
    ----------
    space : Space
    words, attr_a, attr_b : sequence of str, all in the vocabulary

    Returns
    -------
    ndarray of shape (len(words),), float64
    """
    # mean_a cos(w,a) = w . mean_a(a) for unit vectors: one matrix-vector product per word set.
    contrast = unit_rows(space, attr_a).mean(axis=0) - unit_rows(space, attr_b).mean(axis=0)
    return unit_rows(space, words) @ contrast


def n_partitions(n_x: int, n_y: int) -> int:
    """Number of ways to split |X|+|Y| words into sets of sizes |X| and |Y|: C(|X|+|Y|, |X|)."""
    return math.comb(n_x + n_y, n_x)


def exact_partition_statistics(scores: np.ndarray, n_x: int, chunk_bytes: int = CHUNK_BYTES) -> np.ndarray:
    """s(X_i, Y_i, A, B) for every partition of the target words into sizes n_x and n - n_x.

    Partitions are enumerated with ``itertools.combinations`` in batches: each
    batch is an index array of shape (rows, n_x), at most ``chunk_bytes``
    bytes, whose gathered scores sum to the sum over X_i; then
    s(X_i, Y_i) = 2 * sum_{X_i} - sum_all. Memory is the output (8 bytes per
    partition) plus one batch, whatever n is.

    Parameters
    ----------
    scores : ndarray of shape (n,)
        s(w, A, B) of the words of X ∪ Y (X first).
    n_x : int
    chunk_bytes : int
        Largest batch, in bytes.

    Returns
    -------
    ndarray of shape (C(n, n_x),), float64; entry 0 is the observed split (X = the first n_x words).
    """
    scores = np.asarray(scores, dtype=np.float64)
    n = len(scores)
    count = math.comb(n, n_x)
    total = scores.sum()
    out = np.empty(count, dtype=np.float64)
    rows = max(1, int(chunk_bytes) // (8 * max(n_x, 1)))
    combos = itertools.combinations(range(n), n_x)
    for start in range(0, count, rows):
        take = min(rows, count - start)
        idx = np.fromiter(itertools.chain.from_iterable(itertools.islice(combos, take)), dtype=np.int64,
                          count=take * n_x).reshape(take, n_x)
        out[start:start + take] = 2.0 * scores[idx].sum(axis=1) - total
    return out


def sampled_partition_statistics(scores: np.ndarray, n_x: int, n_permutations: int = N_PERMUTATIONS,
                                 seed: int = 0) -> np.ndarray:
    """s(X_i, Y_i, A, B) for ``n_permutations`` random equal-size partitions (with a seed).

    Each row draws random 16-bit keys and takes the words with the ``n_x``
    smallest keys as X_i; the sums over X_i are a product of the 0/1
    membership matrix with ``scores``, in batches of up to 5,000 rows and
    :data:`CHUNK_BYTES` bytes. A row whose
    keys tie at the threshold (about 1 in 1,000 for 50 words) is drawn again
    with 64-bit keys; as the keys are exchangeable, every subset of size
    ``n_x`` stays equally likely.

    Parameters
    ----------
    scores : ndarray of shape (n,)
    n_x : int
    n_permutations : int
    seed : int

    Returns
    -------
    ndarray of shape (n_permutations,), float64

    Raises
    ------
    InputError
        ``n_x`` is not between 1 and n - 1.
    """
    scores = np.asarray(scores, dtype=np.float64)
    n = len(scores)
    if not 0 < n_x < n:
        raise InputError("Both target sets need at least one word.")
    rng = np.random.default_rng(seed)
    total = scores.sum()
    weights = np.column_stack([scores, np.ones(n)])
    out = np.empty(n_permutations, dtype=np.float64)
    # a batch holds 16-bit keys and a float64 membership matrix: 10 bytes per word and row
    batch = max(1, min(_BATCH, CHUNK_BYTES // (10 * n)))
    for start in range(0, n_permutations, batch):
        rows = min(batch, n_permutations - start)
        # Raw random bytes as 16-bit keys: half the cost of float keys, and a threshold per row
        # (np.partition) is cheaper than argpartition's indices.
        keys = np.frombuffer(rng.bytes(rows * n * 2), dtype=np.uint16).reshape(rows, n)
        threshold = np.partition(keys, n_x - 1, axis=1)[:, n_x - 1:n_x]
        # One product gives both the sum over X_i and the size of X_i (to catch ties at the threshold).
        sums_counts = (keys <= threshold).astype(np.float64) @ weights
        sums = sums_counts[:, 0]
        bad = np.flatnonzero(sums_counts[:, 1] != n_x)
        if len(bad):
            pos = np.argpartition(rng.random((len(bad), n)), n_x - 1, axis=1)[:, :n_x]
            sums[bad] = scores[pos].sum(axis=1)
        out[start:start + rows] = 2.0 * sums - total
    return out


def _check_sets(space: Space, sets: dict, max_missing: float) -> tuple:
    used, missing, problems = {}, {}, []
    for name, words in sets.items():
        words = [str(w) for w in words]
        known, unknown = space.split_known(words)
        used[name], missing[name] = known, unknown
        total = len(known) + len(unknown)
        if total == 0:
            problems.append(f"'{name}' is empty")
        elif not known:
            problems.append(f"'{name}' has no word in the vocabulary (missing: {', '.join(unknown)})")
        elif len(unknown) / total > max_missing:
            problems.append(f"'{name}' lost {len(unknown)} of {total} words ({len(unknown) / total:.0%}) to the "
                            f"vocabulary: {', '.join(unknown)}")
    return used, missing, problems


def weat(space: Space, query: WeatQuery, n_permutations: int = N_PERMUTATIONS, seed: int = 0,
         exact_limit: int = EXACT_LIMIT, max_missing: float = MAX_MISSING) -> WeatResult:
    """The Word Embedding Association Test (Caliskan, Bryson & Narayanan 2017).

    - association s(w, A, B) = mean_a cos(w, a) - mean_b cos(w, b);
    - test statistic s(X, Y, A, B) = sum_x s(x, A, B) - sum_y s(y, A, B);
    - effect size d = (mean_x s(x, A, B) - mean_y s(y, A, B)) / std_{w in X ∪ Y} s(w, A, B),
      the standard deviation with ddof=1 (sample std; WEFE uses ddof=0, which
      gives a slightly larger d);
    - one-sided permutation p-value: the share of partitions (X_i, Y_i) of
      X ∪ Y into sets of sizes |X|, |Y| with s(X_i, Y_i, A, B) >= s(X, Y, A, B).
      *Exact* when C(|X|+|Y|, |X|) <= ``exact_limit`` (all partitions
      enumerated; the observed one counts, so p >= 1/C); otherwise *sampled*
      from ``n_permutations`` random partitions drawn with ``seed``, as
      (1 + #{s_i >= s}) / (1 + n_permutations) (Phipson & Smyth 2010: never 0).
      Caliskan et al. write the probability with a strict ">"; ">=" differs
      only on ties and is the usual conservative choice.

    Parameters
    ----------
    space : Space
    query : WeatQuery
    n_permutations : int
        Random partitions for the sampled test (at least 1,000).
    seed : int
        Seed of the sampled test.
    exact_limit : int
        Largest number of partitions enumerated exactly.
    max_missing : float
        Largest share (0-1) of any set that may be out of vocabulary;
        beyond it the test refuses to run. Default 0.2.

    Returns
    -------
    WeatResult

    Raises
    ------
    InputError
        A set is empty, holds more than :data:`MAX_SET_WORDS` words, or lost
        more than ``max_missing`` of its words (the message lists them), fewer
        than 3 target words are left, every target word has the same
        association, or ``n_permutations`` < 1,000; the space's items are not
        words (movies, users, ...), which WEAT's word lists cannot name.
    """
    space.require_words("WEAT")
    if n_permutations < 1000:
        raise InputError("Use at least 1,000 permutations for a sampled WEAT p-value.")
    if not 0 <= max_missing < 1:
        raise InputError("The largest share of missing words must be between 0 and 1 (for example 0.2).")
    sets = query.sets()
    too_big = [f"'{name}' has {len(words):,}" for name, words in sets.items() if len(words) > MAX_SET_WORDS]
    if too_big:
        raise InputError("The WEAT cannot run: " + "; ".join(too_big) + f" words. A set may hold at most "
                         f"{MAX_SET_WORDS:,} words (Caliskan et al.'s sets have 8 to 32); use a smaller sample.")
    used, missing, problems = _check_sets(space, sets, max_missing)
    if problems:
        raise InputError("The WEAT cannot run: " + "; ".join(problems) +
                         f". At most {max_missing:.0%} of a set may be missing: replace the missing words with "
                         "words this model knows, or raise the allowed share.")
    names = list(sets)
    x_words, y_words, a_words, b_words = (used[n] for n in names)
    if len(x_words) + len(y_words) < 3:
        raise InputError("WEAT needs at least 3 target words in X and Y together (its effect size uses a std).")
    targets = x_words + y_words
    scores = association(space, targets, a_words, b_words)
    s_x, s_y = scores[: len(x_words)], scores[len(x_words):]
    statistic = float(s_x.sum() - s_y.sum())
    spread = float(np.std(scores, ddof=1))
    if spread == 0:
        raise InputError("Every target word has the same association with A and B, so the effect size is undefined.")
    effect = float((s_x.mean() - s_y.mean()) / spread)
    count = n_partitions(len(x_words), len(y_words))
    # Ties between a partition and the observed split differ only by float rounding.
    tol = 1e-9 * max(1.0, float(np.abs(scores).sum()))
    if count <= exact_limit:
        null = exact_partition_statistics(scores, len(x_words))
        p_value = float(np.mean(null >= statistic - tol))
        method, used_seed, n_done = "exact", None, count
    else:
        null = sampled_partition_statistics(scores, len(x_words), n_permutations, seed)
        p_value = float((1 + np.sum(null >= statistic - tol)) / (1 + n_permutations))
        method, used_seed, n_done = "sampled", int(seed), int(n_permutations)
    word_scores = pd.DataFrame({"word": targets,
                                "set": [names[0]] * len(x_words) + [names[1]] * len(y_words),
                                "association": scores})
    return WeatResult(query=query, statistic=statistic, effect_size=effect, p_value=p_value, method=method,
                      n_partitions=n_done, seed=used_seed, null=null, word_scores=word_scores,
                      missing=missing, used=used)
