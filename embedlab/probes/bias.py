"""Bias probes: directions from word pairs, projections, WEAT, direct bias, hard debiasing.

Methods and sources
-------------------
- Bias direction as the first principal component of the centred definitional
  pairs, direct bias (DirectBias_c) and hard debiasing (neutralise + equalise):
  Bolukbasi, Chang, Zou, Saligrama & Kalai (2016), "Man is to Computer
  Programmer as Woman is to Homemaker? Debiasing Word Embeddings", NeurIPS;
  the authors' code is tolga-b/debiaswe (``we.doPCA``, ``debias.debias``).
- WEAT: Caliskan, Bryson & Narayanan (2017), "Semantics derived automatically
  from language corpora contain human-like biases", Science 356:183-186. A test
  is a *query* (two target sets, two attribute sets, their names) handed to a
  metric, as in WEFE (dccuchile/wefe, ``query.py``, ``metrics/WEAT.py``).
- "Lipstick on a pig" cluster check: Gonen & Goldberg (2019), "Lipstick on a
  Pig: Debiasing Methods Cover up Systematic Gender Biases in Word Embeddings
  But do not Remove Them", NAACL.

All similarities are cosines: every word vector is unit-normalised first (as
Bolukbasi et al. do), and directions are unit vectors.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

import numpy as np
import pandas as pd

from embedlab.data import bias_words
from embedlab.errors import InputError
from embedlab.space import Space

#: Default largest share of a word set that may be out of vocabulary before a test refuses to run.
MAX_MISSING = 0.2
#: Exact WEAT p-values enumerate every partition when there are at most this many.
EXACT_LIMIT = 200_000
#: Default number of sampled permutations when the exact test would be too large.
N_PERMUTATIONS = 100_000
_BATCH = 5_000


# -- parsing what users type ---------------------------------------------------------------------

def parse_words(text: str) -> list:
    """Words from free text: split on commas, whitespace and new lines; lower-cased; repeats dropped.

    Parameters
    ----------
    text : str

    Returns
    -------
    list of str
    """
    seen, out = set(), []
    for w in re.split(r"[,\s;]+", text or ""):
        w = w.strip().lower()
        if w and w not in seen:
            seen.add(w)
            out.append(w)
    return out


def parse_pairs(text: str) -> list:
    """Word pairs, one per line, written ``she - he``, ``she, he`` or ``she he``.

    Returns
    -------
    list of (str, str)

    Raises
    ------
    InputError
        A line does not hold exactly two words.
    """
    pairs = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words = _split_pair(line.lower())
        if len(words) != 2:
            raise InputError(f"Line {n} ('{line}') should hold two words, like 'she - he'. Write one pair per line.")
        pairs.append((words[0], words[1]))
    return pairs


def _split_pair(text: str) -> list:
    # Most explicit separator first, so hyphenated words survive "short-term - long-term".
    parts = [text.strip()]
    for sep in (r"\s+[-–−]\s+", r"\s*[,;/]\s*", r"\s+", r"[-–−]"):
        parts = [p for p in re.split(sep, text.strip()) if p]
        if len(parts) >= 2:
            break
    return parts


def format_pairs(pairs: Iterable) -> str:
    """The inverse of :func:`parse_pairs`: one ``a - b`` per line."""
    return "\n".join(f"{a} - {b}" for a, b in pairs)


# -- directions ----------------------------------------------------------------------------------

@dataclass
class Direction:
    """A unit direction in a space, found from word pairs.

    Attributes
    ----------
    vector : ndarray of shape (dim,)
        Unit length, float64; points from the second word of each pair towards the first.
    method : str
        ``"pca"`` or ``"mean"``.
    pairs : list of (str, str)
        The pairs used (both words in the vocabulary).
    missing : list of (str, str)
        Pairs left out because a word is out of vocabulary.
    explained_variance_ratio : ndarray of shape (n_components,)
        Share of variance of the centred pairs along each principal component
        (at most 10), whichever ``method`` made ``vector``: a first value far
        above the second means one direction really dominates.
    name : str
    """

    vector: np.ndarray
    method: str
    pairs: list
    missing: list = field(default_factory=list)
    explained_variance_ratio: np.ndarray = field(default_factory=lambda: np.zeros(0))
    name: str = ""

    def to_setting(self) -> dict:
        """A JSON-able description (pairs and method) for ``Workspace.set_setting``."""
        return {"pairs": [list(p) for p in self.pairs + self.missing], "method": self.method}


def _unit_rows(space: Space, words: Sequence[str]) -> np.ndarray:
    if not len(words):
        return np.zeros((0, space.dim))
    return space.unit[space.indices(words)].astype(np.float64)


def _normalise(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    if norm == 0:
        raise InputError("The word pairs cancel out to a zero direction. Use pairs whose words differ.")
    return v / norm


def bias_direction(space: Space, pairs: Sequence, method: str = "pca", name: str = "") -> Direction:
    """A bias direction from word pairs such as ``[("she", "he"), ("woman", "man")]``.

    ``method="pca"`` (Bolukbasi et al. 2016, ``we.doPCA``): each pair's unit
    vectors are centred on the pair's mean, and the direction is the first
    principal component of those centred vectors. ``method="mean"``: the
    normalised mean of the differences ``a - b``. Either way the sign is
    chosen so that the direction points towards the first words of the pairs.

    Parameters
    ----------
    space : Space
    pairs : sequence of (str, str)
    method : {"pca", "mean"}
    name : str

    Returns
    -------
    Direction

    Raises
    ------
    InputError
        Unknown method, no pairs, or no pair with both words in the vocabulary.
    """
    if method not in ("pca", "mean"):
        raise InputError(f"Unknown direction method '{method}'. Choose 'pca' or 'mean'.")
    pairs = [(str(a), str(b)) for a, b in pairs]
    if not pairs:
        raise InputError("Give at least one word pair, such as 'she - he'.")
    known = [(a, b) for a, b in pairs if a in space and b in space and a != b]
    missing = [(a, b) for a, b in pairs if (a, b) not in known]
    if not known:
        raise InputError(
            "None of the pairs has both words in this model's vocabulary "
            f"(missing: {', '.join(f'{a}-{b}' for a, b in missing)}). Use words the model knows.")
    first = _unit_rows(space, [a for a, _ in known])
    second = _unit_rows(space, [b for _, b in known])
    centre = (first + second) / 2
    # Rows a - c and b - c of every pair; they sum to zero, so they are already centred for PCA.
    centred = np.vstack([first - centre, second - centre])
    _, sing, vt = np.linalg.svd(centred, full_matrices=False)
    var = sing ** 2
    ratio = var / var.sum() if var.sum() > 0 else np.zeros_like(var)
    diffs = first - second
    if method == "pca":
        vector = vt[0]
    else:
        vector = diffs.mean(axis=0)
    vector = _normalise(vector)
    if float((diffs @ vector).mean()) < 0:
        vector = -vector
    return Direction(vector=vector, method=method, pairs=known, missing=missing,
                     explained_variance_ratio=ratio[:10], name=name)


def axis_vector(space: Space, spec: str, directions: Optional[dict] = None) -> np.ndarray:
    """A unit axis from what a user typed: ``"he - she"``, a single word, or a saved direction's name.

    Parameters
    ----------
    space : Space
    spec : str
        ``"a - b"`` (the difference of the two unit vectors), ``"word"``, or a key of ``directions``.
    directions : dict of str to Direction, optional

    Returns
    -------
    ndarray of shape (dim,), unit length

    Raises
    ------
    InputError
        Empty spec; UnknownWordError for a word outside the vocabulary.
    """
    spec = (spec or "").strip()
    if not spec:
        raise InputError("Give an axis: a word difference like 'he - she', a single word, or a saved direction.")
    if directions and spec in directions:
        return np.asarray(directions[spec].vector, dtype=np.float64)
    parts = _split_pair(spec.lower())
    if len(parts) == 1:
        return _normalise(_unit_rows(space, parts)[0])
    if len(parts) == 2:
        rows = _unit_rows(space, parts)
        return _normalise(rows[0] - rows[1])
    raise InputError(f"Cannot read the axis '{spec}'. Write 'a - b' (two words) or a single word.")


# -- projections ---------------------------------------------------------------------------------

def project_words(space: Space, words: Sequence[str], direction) -> tuple:
    """Projection (cosine) of each word on a direction, sorted from most positive to most negative.

    Parameters
    ----------
    space : Space
    words : sequence of str
    direction : Direction or ndarray of shape (dim,)

    Returns
    -------
    table : pandas.DataFrame
        Columns ``word`` and ``projection`` (cosine of the word's vector with
        the direction, in [-1, 1]), sorted descending.
    missing : list of str
        Words out of vocabulary (listed, not dropped silently).

    Raises
    ------
    InputError
        No word is in the vocabulary.
    """
    vector = _direction_vector(direction)
    known, missing = space.split_known(words)
    if not known:
        raise InputError(f"None of the words is in this model's vocabulary (missing: {', '.join(missing)}).")
    proj = _unit_rows(space, known) @ vector
    table = pd.DataFrame({"word": known, "projection": proj}).sort_values(
        "projection", ascending=False, kind="stable").reset_index(drop=True)
    return table, missing


def axes_projection(space: Space, words: Sequence[str], x_axis: np.ndarray, y_axis: np.ndarray) -> tuple:
    """Coordinates of words on two axes (whatlies / Parallax style "axes" plot).

    Each coordinate is the cosine of the word's vector with the axis.

    Parameters
    ----------
    space : Space
    words : sequence of str
    x_axis, y_axis : ndarray of shape (dim,)

    Returns
    -------
    table : pandas.DataFrame
        Columns ``word``, ``x``, ``y``.
    missing : list of str

    Raises
    ------
    InputError
        No word is in the vocabulary.
    """
    known, missing = space.split_known(words)
    if not known:
        raise InputError(f"None of the words is in this model's vocabulary (missing: {', '.join(missing)}).")
    rows = _unit_rows(space, known)
    return pd.DataFrame({"word": known, "x": rows @ _direction_vector(x_axis),
                         "y": rows @ _direction_vector(y_axis)}), missing


def _direction_vector(direction) -> np.ndarray:
    vector = direction.vector if isinstance(direction, Direction) else np.asarray(direction, dtype=np.float64)
    return _normalise(np.asarray(vector, dtype=np.float64))


# -- WEAT ----------------------------------------------------------------------------------------

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
    contrast = _unit_rows(space, attr_a).mean(axis=0) - _unit_rows(space, attr_b).mean(axis=0)
    return _unit_rows(space, words) @ contrast


def n_partitions(n_x: int, n_y: int) -> int:
    """Number of ways to split |X|+|Y| words into sets of sizes |X| and |Y|: C(|X|+|Y|, |X|)."""
    return math.comb(n_x + n_y, n_x)


def exact_partition_statistics(scores: np.ndarray, n_x: int) -> np.ndarray:
    """s(X_i, Y_i, A, B) for every partition of the target words into sizes n_x and n - n_x.

    Partitions are enumerated with ``itertools.combinations`` into a 0/1
    membership matrix P of shape (n_partitions, n); sums over X_i are then one
    matrix product ``P @ scores``, and s(X_i, Y_i) = 2 * sum_{X_i} - sum_all.

    Parameters
    ----------
    scores : ndarray of shape (n,)
        s(w, A, B) of the words of X ∪ Y (X first).
    n_x : int

    Returns
    -------
    ndarray of shape (C(n, n_x),), float64; entry 0 is the observed split (X = the first n_x words).
    """
    scores = np.asarray(scores, dtype=np.float64)
    n = len(scores)
    count = math.comb(n, n_x)
    combos = np.fromiter(itertools.chain.from_iterable(itertools.combinations(range(n), n_x)),
                         dtype=np.int64, count=count * n_x).reshape(count, n_x)
    membership = np.zeros((count, n), dtype=np.float64)
    np.put_along_axis(membership, combos, 1.0, axis=1)
    return 2.0 * (membership @ scores) - scores.sum()


def sampled_partition_statistics(scores: np.ndarray, n_x: int, n_permutations: int = N_PERMUTATIONS,
                                 seed: int = 0) -> np.ndarray:
    """s(X_i, Y_i, A, B) for ``n_permutations`` random equal-size partitions (with a seed).

    Each row draws random 16-bit keys and takes the words with the ``n_x``
    smallest keys as X_i; the sums over X_i are a product of the 0/1
    membership matrix with ``scores``, in batches of 5,000 rows. A row whose
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
    for start in range(0, n_permutations, _BATCH):
        rows = min(_BATCH, n_permutations - start)
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
        A set is empty or lost more than ``max_missing`` of its words (the
        message lists them), fewer than 3 target words are left, every target
        word has the same association, or ``n_permutations`` < 1,000.
    """
    if n_permutations < 1000:
        raise InputError("Use at least 1,000 permutations for a sampled WEAT p-value.")
    if not 0 <= max_missing < 1:
        raise InputError("The largest share of missing words must be between 0 and 1 (for example 0.2).")
    sets = query.sets()
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


# -- direct bias ---------------------------------------------------------------------------------

@dataclass
class DirectBiasResult:
    """The answer of :func:`direct_bias`.

    Attributes
    ----------
    value : float
        DirectBias_c, in [0, 1].
    c : float
    table : pandas.DataFrame
        Columns ``word`` and ``projection`` (signed cosine with the direction), sorted descending.
    missing : list of str
    """

    value: float
    c: float
    table: pd.DataFrame
    missing: list


def direct_bias(space: Space, words: Sequence[str], direction, c: float = 1.0,
                max_missing: float = 1.0) -> DirectBiasResult:
    """DirectBias_c = mean over neutral words w of |cos(w, g)|^c (Bolukbasi et al. 2016, section 5.2).

    Parameters
    ----------
    space : Space
    words : sequence of str
        Words that should be neutral (default list: occupations).
    direction : Direction or ndarray of shape (dim,)
        The bias direction g.
    c : float
        Strictness, > 0 (Bolukbasi et al. report c = 1).
    max_missing : float
        Refuse when more than this share of the words is out of vocabulary (default: never, they are listed).

    Returns
    -------
    DirectBiasResult

    Raises
    ------
    InputError
        ``c`` <= 0, no word in the vocabulary, or too many missing.
    """
    if c <= 0:
        raise InputError("The strictness c of DirectBias must be above 0 (Bolukbasi et al. use 1).")
    table, missing = project_words(space, words, direction)
    total = len(table) + len(missing)
    if len(missing) / total > max_missing:
        raise InputError(f"{len(missing)} of {total} neutral words are out of vocabulary ({', '.join(missing)}); "
                         f"at most {max_missing:.0%} may be. Use words this model knows.")
    value = float(np.mean(np.abs(table["projection"].to_numpy()) ** c))
    return DirectBiasResult(value=value, c=float(c), table=table, missing=missing)


# -- hard debiasing ------------------------------------------------------------------------------

@dataclass
class DebiasResult:
    """The answer of :func:`hard_debias`.

    Attributes
    ----------
    space : Space
        The new, debiased space (``info["kind"] == "debiased"``); unit-length vectors.
    direction : Direction
        The bias direction found in the original space and removed.
    n_neutralised : int
        Words projected off the direction (every word not in the gender-specific list).
    equalised : list of (str, str)
        Equalise pairs applied (both words in the vocabulary).
    missing_equalise : list of (str, str)
        Equalise pairs skipped (a word out of vocabulary, or a word already in an earlier pair).
    """

    space: Space
    direction: Direction
    n_neutralised: int
    equalised: list
    missing_equalise: list


def hard_debias(space: Space, definitional_pairs: Sequence = None, equalise_pairs: Sequence = None,
                specific_words: Iterable[str] = None, method: str = "pca", name: Optional[str] = None,
                progress=None) -> DebiasResult:
    """Hard debiasing, neutralise and equalise (Bolukbasi et al. 2016; tolga-b/debiaswe ``debias.py``).

    1. Find the bias direction g from ``definitional_pairs`` (:func:`bias_direction`).
    2. Neutralise: every unit word vector not in ``specific_words`` loses its
       component along g and is renormalised.
    3. Equalise: for each pair (a, b), with mean mu and its part nu = mu - (mu.g) g
       orthogonal to g, set a = nu + z g and b = nu - z g with z = sqrt(1 - |nu|^2)
       (sign keeping a on its original side). Afterwards every neutralised word
       is equidistant from a and b.

    The result is a *new* space; the original is not touched. FastText spaces
    become plain vector spaces (the character n-grams are not debiased).

    Parameters
    ----------
    space : Space
    definitional_pairs : sequence of (str, str), optional
        Default: :data:`bias_words.GENDER_DEFINITIONAL_PAIRS`.
    equalise_pairs : sequence of (str, str), optional
        Default: :data:`bias_words.GENDER_EQUALISE_PAIRS`.
    specific_words : iterable of str, optional
        Words that keep their component along g. Default: :data:`bias_words.GENDER_SPECIFIC`;
        the words of both pair lists are always added.
    method : {"pca", "mean"}
        How the direction is found.
    name : str, optional
        Name of the new space (default: "<original> · hard-debiased").
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    DebiasResult

    Raises
    ------
    InputError
        See :func:`bias_direction`.
    """
    report = progress or (lambda *a, **k: None)
    definitional_pairs = list(definitional_pairs if definitional_pairs is not None
                              else bias_words.GENDER_DEFINITIONAL_PAIRS)
    equalise_pairs = [(str(a), str(b)) for a, b in (equalise_pairs if equalise_pairs is not None
                                                    else bias_words.GENDER_EQUALISE_PAIRS)]
    specific = set(specific_words if specific_words is not None else bias_words.GENDER_SPECIFIC)
    specific |= {w for pair in list(definitional_pairs) + equalise_pairs for w in pair}
    report(0.05, "finding the bias direction")
    direction = bias_direction(space, definitional_pairs, method=method)
    g = direction.vector
    vecs = space.unit.copy()  # float32, a copy: the original space is left as it was
    g32 = g.astype(np.float32)
    report(0.3, "neutralising")
    neutral = np.array([w not in specific for w in space.words], dtype=bool)
    rows = np.flatnonzero(neutral)
    # In blocks, so a large pretrained space needs little memory beyond its copy.
    for start in range(0, len(rows), 50_000):
        idx = rows[start:start + 50_000]
        block = vecs[idx]
        block -= np.outer(block @ g32, g32)
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        vecs[idx] = block / norms
    report(0.7, "equalising")
    equalised, skipped, seen = [], [], set()
    for a, b in equalise_pairs:
        if a not in space or b not in space or a == b or a in seen or b in seen:
            skipped.append((a, b))
            continue
        ia, ib = space.kv.key_to_index[a], space.kv.key_to_index[b]
        mu = (vecs[ia].astype(np.float64) + vecs[ib]) / 2
        nu = mu - (mu @ g) * g
        z = math.sqrt(max(0.0, 1.0 - float(nu @ nu)))
        if float((vecs[ia] - vecs[ib]) @ g) < 0:
            z = -z
        vecs[ia], vecs[ib] = nu + z * g, nu - z * g
        equalised.append((a, b))
        seen.update((a, b))
    report(0.9, "building the new space")
    info = {
        "kind": "debiased",
        "name": name or f"{space.name} · hard-debiased",
        "corpus_name": space.info.get("corpus_name"),
        "corpus_fingerprint": space.info.get("corpus_fingerprint"),
        "params": {
            "method": "hard debias (neutralise + equalise, Bolukbasi et al. 2016)",
            "direction_method": method,
            "source_model_id": space.info.get("id"),
            "source_name": space.info.get("name"),
            "source_kind": space.kind,
            "definitional_pairs": [list(p) for p in direction.pairs],
            "equalise_pairs": [list(p) for p in equalised],
            "n_specific_words": len(specific),
            "n_neutralised": int(neutral.sum()),
        },
    }
    meta = space.meta.copy()
    new = Space.from_vectors(list(space.words), vecs, meta=meta, info=info)
    report(1.0, "done")
    return DebiasResult(space=new, direction=direction, n_neutralised=int(neutral.sum()),
                        equalised=equalised, missing_equalise=skipped)


# -- Gonen & Goldberg's cluster check ------------------------------------------------------------

@dataclass
class ClusterCheck:
    """The answer of :func:`cluster_check`.

    Attributes
    ----------
    accuracy_before : float
        How well 2-means clusters of the original vectors recover the bias labels (0.5-1).
    accuracy_after : float
        The same in the debiased space: near 1 means the bias is still recoverable.
    table : pandas.DataFrame
        Columns ``word``, ``projection`` (on the original direction), ``label`` (+1 / -1),
        ``cluster before`` and ``cluster after`` (0 / 1).
    """

    accuracy_before: float
    accuracy_after: float
    table: pd.DataFrame


def _cluster_accuracy(vectors: np.ndarray, labels: np.ndarray, seed: int) -> tuple:
    from sklearn.cluster import KMeans

    clusters = KMeans(n_clusters=2, n_init=10, random_state=seed).fit_predict(vectors)
    agree = float(np.mean(clusters == (labels > 0)))
    return max(agree, 1.0 - agree), clusters


def cluster_check(original: Space, debiased: Space, direction, n_per_side: int = 250,
                  restrict_vocab: int = 30_000, exclude: Iterable[str] = None, seed: int = 0) -> ClusterCheck:
    """Gonen & Goldberg (2019): do the most biased words still cluster by bias after debiasing?

    Takes the ``n_per_side`` words with the largest positive and the largest
    negative projection on the *original* direction (among the
    ``restrict_vocab`` most frequent words, leaving out ``exclude``, by default
    the gender-specific words that debiasing keeps), labels them by that sign,
    clusters their unit vectors with k-means (k=2, scikit-learn, ``n_init=10``)
    in each space and reports the share of words whose cluster matches their
    label (the better of the two cluster-label matchings, so 0.5 = chance).

    Parameters
    ----------
    original, debiased : Space
        Same vocabulary.
    direction : Direction or ndarray of shape (dim,)
    n_per_side : int
    restrict_vocab : int
    exclude : iterable of str, optional
    seed : int

    Returns
    -------
    ClusterCheck

    Raises
    ------
    InputError
        The spaces have different vocabularies, or fewer than 2 words on a side.
    """
    if list(original.words[:restrict_vocab]) != list(debiased.words[:restrict_vocab]):
        raise InputError("The two models have different vocabularies; compare a model with its own debiased copy.")
    exclude = set(exclude if exclude is not None else bias_words.GENDER_SPECIFIC)
    g = _direction_vector(direction)
    n = min(restrict_vocab, len(original))
    pool = np.array([i for i, w in enumerate(original.words[:n]) if w not in exclude], dtype=np.int64)
    proj = original.unit[pool].astype(np.float64) @ g
    k = min(n_per_side, int((proj > 0).sum()), int((proj < 0).sum()))
    if k < 2:
        raise InputError("Too few words lean either way along the direction to cluster; use a larger model.")
    order = np.argsort(-proj, kind="stable")
    picked = np.concatenate([order[:k], order[::-1][:k]])
    idx = pool[picked]
    labels = np.sign(proj[picked])
    acc_before, cl_before = _cluster_accuracy(original.unit[idx], labels, seed)
    acc_after, cl_after = _cluster_accuracy(debiased.unit[idx], labels, seed)
    table = pd.DataFrame({"word": [original.words[i] for i in idx], "projection": proj[picked],
                          "label": labels.astype(int), "cluster before": cl_before, "cluster after": cl_after})
    return ClusterCheck(accuracy_before=acc_before, accuracy_after=acc_after, table=table)


# -- analogy benchmark (embedlab's own evaluator, gensim-identical) ----------------------------

def analogy_accuracy(space: Space, restrict_vocab: int = 30_000) -> tuple:
    """3CosAdd accuracy on Mikolov et al.'s Google analogy set (gensim's ``questions-words.txt``).

    embedlab's batched evaluator (:func:`embedlab.probes.evaluate.evaluate_analogies`),
    which answers every question as gensim's ``KeyedVectors.evaluate_word_analogies``
    does (case-insensitive, questions with a word outside the ``restrict_vocab``
    most frequent words skipped), about ten times faster.

    Returns
    -------
    accuracy : float
        Share of questions answered correctly (0 when none could be asked).
    n_questions : int
        Questions asked.
    """
    from embedlab.probes.evaluate import evaluate_analogies

    result = evaluate_analogies(space, restrict_vocab=restrict_vocab, case_insensitive=True)
    n = int(result.totals.set_index("section").loc["all", "evaluated"])
    return (result.accuracy if n else 0.0), n


def run_analogy_job(workspace, args: dict, progress) -> dict:
    """Background job ``bias_analogy``: :func:`analogy_accuracy` of several models of a workspace.

    gensim answers one question at a time (about a minute per model of 15,000
    words on 2 cores), too long for a page script, so the Bias page runs it as a job.

    Parameters
    ----------
    workspace : Workspace
    args : dict
        ``model_ids`` (list of str) and optional ``restrict_vocab`` (int, default 30,000).
    progress : callable
        ``progress(fraction, message)``.

    Returns
    -------
    dict
        ``{"accuracy": {model_id: {"accuracy": float, "n_questions": int, "restrict_vocab": int}}}``

    Raises
    ------
    InputError
        An unknown or damaged model.
    """
    ids = [str(i) for i in args["model_ids"]]
    restrict = int(args.get("restrict_vocab", 30_000))
    out = {}
    for i, model_id in enumerate(ids):
        progress(i / len(ids), f"Google analogy questions, model {i + 1} of {len(ids)}")
        accuracy, n = analogy_accuracy(workspace.load_space(model_id), restrict_vocab=restrict)
        out[model_id] = {"accuracy": accuracy, "n_questions": n, "restrict_vocab": restrict}
    progress(1.0, "done")
    return {"accuracy": out}
