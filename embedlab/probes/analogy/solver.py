"""Analogies (a : b :: c : ?), odd one out and similarity, with their work shown.

Two ways to answer an analogy (Levy & Goldberg, "Linguistic Regularities in
Sparse and Explicit Word Representations", CoNLL 2014):

* **3CosAdd** (Mikolov et al. 2013): the word d maximising
  ``cos(d, b) - cos(d, a) + cos(d, c)``. We report it as the cosine between d
  and the unit offset vector ``b̂ - â + ĉ``, which ranks words identically
  (it is the same sum divided by a constant) and is what gensim's
  ``most_similar(positive=[b, c], negative=[a])`` shows.
* **3CosMul**: the word d maximising
  ``cos'(d, b) · cos'(d, c) / (cos'(d, a) + ε)`` with cosines shifted to
  [0, 1] by ``cos' = (cos + 1) / 2`` and ``ε = 0.001`` as in the paper
  (gensim's ``most_similar_cosmul`` uses ε = 1e-6).

gensim silently drops the input words from the answers (Nissim et al., 2019,
"Fair is better than sensational"); here that is a visible toggle, and when the
inputs are excluded the result says where each input word would have ranked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.probes.neighbours import top_k
from embedlab.probes.subwords import subword_note
from embedlab.space import Space

#: The ε of 3CosMul (Levy & Goldberg 2014, section 5).
EPSILON = 1e-3
METHODS = ("3CosAdd", "3CosMul")
MAX_K = 1000


def _clean(word, role: str, space: Optional[Space] = None) -> str:
    """The key meant by what was typed for ``role`` (a label is resolved to its key when ``space`` is given)."""
    word = "" if word is None else str(word).strip()
    if not word:
        raise InputError(f"Type a word for {role}.")
    return word if space is None else space.resolve(word, oov_ok=True)


def _check_k(k: int) -> int:
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= MAX_K:
        raise InputError(f"Ask for between 1 and {MAX_K} answers; got {k!r}.")
    return int(k)


def _unit(vector: np.ndarray) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    if norm == 0:
        raise InputError("One of the words has an all-zero vector, so it has no direction to compare.")
    return vector / norm


def word_vectors(space: Space, words: Sequence[str]) -> np.ndarray:
    """Unit vectors of ``words``, ndarray of shape (len(words), dim), float32.

    FastText spaces build out-of-vocabulary words from character n-grams.

    Raises
    ------
    UnknownWordError
        A word is not in the vocabulary (and cannot be built from subwords).
    """
    return np.stack([_unit(space.vector(w)) for w in words]) if len(words) else np.zeros((0, space.dim), np.float32)


def analogy_scores(space: Space, a: str, b: str, c: str, epsilon: float = EPSILON) -> dict:
    """3CosAdd and 3CosMul scores of every key as the answer to a : b :: c : ?.

    One pass over the unit matrix (:func:`embedlab.probes.analogy.kernels.analogy_rows`):
    the cosines to a, b and c of each row are combined into both scores at once.

    Parameters
    ----------
    space : Space
    a, b, c : str
        Words (FastText: out-of-vocabulary words are built from subwords).
    epsilon : float
        ε of 3CosMul.

    Returns
    -------
    dict
        ``{"3CosAdd": ndarray of shape (n_words,), "3CosMul": ndarray of shape (n_words,)}``, float32.

    Raises
    ------
    UnknownWordError
        An input word is unknown.
    """
    from embedlab.probes.analogy.kernels import analogy_rows  # imports numba: only when needed

    add, mul = analogy_rows(space.unit, word_vectors(space, [a, b, c]), epsilon)
    return {"3CosAdd": add, "3CosMul": mul}


def rank_of(scores: np.ndarray, value: float, exclude: Sequence[int] = ()) -> int:
    """1-based rank a score ``value`` takes among ``scores`` (ties count in its favour), skipping ``exclude``."""
    above = int(np.count_nonzero(scores > value))
    if len(exclude):
        ex = np.unique(np.asarray(exclude, dtype=np.int64))
        above -= int(np.count_nonzero(scores[ex] > value))
    return above + 1


@dataclass
class AnalogyResult:
    """The answer to a : b :: c : ? under 3CosAdd and 3CosMul.

    Attributes
    ----------
    a, b, c : str
    exclude_inputs : bool
        Whether the input words were removed from the answers.
    answers : dict of str -> pandas.DataFrame
        Per method: columns ``rank``, ``word`` (the key), ``label`` (a labelled
        space only), ``score``, ``frequency rank``, ``input word`` (the word is
        a, b or c), ``from subwords``; best first.
    inputs : pandas.DataFrame
        One row per input word: ``role``, ``word``, ``from subwords``, and per
        method the rank and score it would take if the inputs were included
        (``3CosAdd rank``, ``3CosAdd score``, ...). Rank is None for a word built
        from subwords (it is not a candidate).
    expected : pandas.DataFrame or None
        When an expected answer was given: one row per method with ``method``,
        ``word``, ``rank`` (among the candidates actually ranked), ``score``,
        ``from subwords``.
    notes : list of str
        Sentences for the user (e.g. "'king' would have been first").
    """

    a: str
    b: str
    c: str
    exclude_inputs: bool
    answers: dict
    inputs: pd.DataFrame
    expected: Optional[pd.DataFrame] = None
    notes: list = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """Both methods' answers in one table with a ``method`` column (for downloads)."""
        return pd.concat([t.assign(method=m) for m, t in self.answers.items()], ignore_index=True)

    def top(self, method: str = "3CosAdd") -> Optional[str]:
        """The best answer under ``method`` (None when there is none)."""
        table = self.answers[method]
        return None if table.empty else str(table["word"].iloc[0])


def solve_analogy(space: Space, a: str, b: str, c: str, k: int = 10, exclude_inputs: bool = True,
                  expected: Optional[str] = None, epsilon: float = EPSILON) -> AnalogyResult:
    """Answer a : b :: c : ? with 3CosAdd and 3CosMul side by side.

    Parameters
    ----------
    space : Space
    a, b, c : str
        "a is to b as c is to ?" (``man : king :: woman : ?`` → queen). Keys
        or, in a labelled space, labels (movie titles; see :meth:`Space.resolve`).
    k : int
        Answers per method, 1 to 1000.
    exclude_inputs : bool
        Remove a, b and c from the answers (what gensim always does). When
        True, the result still says where each input word would have ranked.
    expected : str, optional
        The answer the user expects; its rank and score are reported under
        each method.
    epsilon : float
        ε of 3CosMul (Levy & Goldberg 2014 use 0.001).

    Returns
    -------
    AnalogyResult

    Raises
    ------
    InputError
        An empty word or ``k`` out of range.
    UnknownWordError
        A word (input or expected) is not in the vocabulary and cannot be
        built from subwords; the message lists close spellings.
    """
    a, b, c = _clean(a, "a", space), _clean(b, "b", space), _clean(c, "c", space)
    k = _check_k(k)
    labelled = space.has_labels
    labels = space.labels
    scores = analogy_scores(space, a, b, c, epsilon)
    roles = [("a", a), ("b", b), ("c", c)]
    input_idx = sorted({space.kv.key_to_index[w] for _, w in roles if w in space})
    input_words = {w for _, w in roles}
    exclude = input_idx if exclude_inputs else []

    answers = {}
    notes = [n for n in (subword_note(space, w) for w in dict.fromkeys([a, b, c])) if n]
    input_rows = [{"role": r, "word": w, "from subwords": space.is_from_subwords(w)} for r, w in roles]
    if labelled:
        for row in input_rows:
            row["label"] = space.labels_of([row["word"]])[0]
    for method in METHODS:
        s = scores[method]
        best = top_k(s, k, exclude)
        answers[method] = pd.DataFrame({
            "rank": np.arange(1, len(best) + 1),
            "word": [space.words[i] for i in best],
            "score": s[best].astype(np.float64),
            "frequency rank": best + 1,
            "input word": [space.words[i] in input_words for i in best],
            "from subwords": np.zeros(len(best), dtype=bool),
        })
        if labelled:
            answers[method].insert(2, "label", [labels[i] for i in best])
        for row in input_rows:
            w = row["word"]
            if w in space:
                i = space.kv.key_to_index[w]
                row[f"{method} rank"] = rank_of(s, float(s[i]))
                row[f"{method} score"] = float(s[i])
            else:
                row[f"{method} rank"] = None
                row[f"{method} score"] = None
        if exclude_inputs and input_idx:
            overall = int(np.argmax(s))
            if overall in input_idx:
                notes.append(f"{method}: the input word '{labels[overall]}' would have been the first answer "
                             f"(score {float(s[overall]):.3f}) had the input words not been excluded.")
    inputs = pd.DataFrame(input_rows)
    if labelled:
        inputs = inputs[["role", "word", "label"] + [c for c in inputs.columns if c not in ("role", "word", "label")]]
    for method in METHODS:
        inputs[f"{method} rank"] = inputs[f"{method} rank"].astype("Int64")

    expected_table = None
    if expected is not None and str(expected).strip():
        d = _clean(expected, "the expected answer", space)
        vec = _unit(space.vector(d))  # raises UnknownWordError for an unknown expected answer
        q = word_vectors(space, [a, b, c])
        cos = q @ vec
        offset = q[1] - q[0] + q[2]
        norm = float(np.linalg.norm(offset)) or 1.0
        own = {"3CosAdd": float((cos[1] - cos[0] + cos[2]) / norm),
               "3CosMul": float(((cos[1] + 1) / 2) * ((cos[2] + 1) / 2) / ((cos[0] + 1) / 2 + epsilon))}
        rows = []
        for method in METHODS:
            s = scores[method]
            if d in space:
                i = space.kv.key_to_index[d]
                value = float(s[i])
                rank = None if (exclude_inputs and i in input_idx) else rank_of(s, value, exclude)
            else:
                value = own[method]
                rank = rank_of(s, value, exclude)
            rows.append({"method": method, "word": d, **({"label": space.labels_of([d])[0]} if labelled else {}),
                         "rank": rank, "score": value, "from subwords": space.is_from_subwords(d)})
        expected_table = pd.DataFrame(rows)
        expected_table["rank"] = expected_table["rank"].astype("Int64")
        if space.is_from_subwords(d):
            notes.append(subword_note(space, d) + " It is not a candidate answer; its rank is where it would stand.")
        if d in input_words and exclude_inputs:
            notes.append(f"The expected answer '{space.labels_of([d])[0]}' is one of the input words, which are "
                         "excluded; switch on 'include input words' to rank it.")
    return AnalogyResult(a, b, c, bool(exclude_inputs), answers, inputs, expected_table, notes)


# -- odd one out and similarity ---------------------------------------------------------------

_QUOTED_OR_WORD = re.compile(r'"([^"]*)"|“([^”]*)”|([^\s,]+)')


def split_terms(text: str) -> list:
    """Split typed text into terms: by spaces and commas, except inside double quotes.

    ``good bad, ugly`` → ``["good", "bad", "ugly"]``;
    ``"Star Wars (1977)" "Return of the Jedi (1983)"`` → the two titles.
    """
    return [next(g for g in m.groups() if g is not None).strip() for m in _QUOTED_OR_WORD.finditer(text or "")]


def _words(words, what: str, at_least: int, space: Optional[Space] = None) -> list:
    if isinstance(words, str):
        words = split_terms(words)
    out = []
    for w in words:
        w = str(w).strip()
        if w and space is not None:
            w = space.resolve(w, oov_ok=True)
        if w and w not in out:
            out.append(w)
    if len(out) < at_least:
        noun = "words" if space is None or space.is_words else space.nouns[1]
        raise InputError(f"{what} needs at least {at_least} different {noun}; got {len(out)}."
                         + ("" if space is None or space.is_words else
                            " Put a title that has spaces or commas in double quotes."))
    return out


def doesnt_match(space: Space, words) -> pd.DataFrame:
    """Odd one out: rank words by cosine to the mean of their unit vectors.

    Same method as gensim's ``KeyedVectors.doesnt_match`` / ``rank_by_centrality``
    (mean of unit vectors, normalised), but unknown words raise instead of being
    dropped with a log warning.

    Parameters
    ----------
    space : Space
    words : sequence of str, or a string of words separated by spaces/commas
        At least three distinct words (labels in double quotes, see :func:`split_terms`).

    Returns
    -------
    pandas.DataFrame
        Columns ``word``, ``label`` (a labelled space only), ``cosine to mean``, ``odd one out`` (True for the
        last row only), ``from subwords``; most central first.

    Raises
    ------
    InputError
        Fewer than three words. UnknownWordError for an unknown word.
    """
    words = _words(words, "Odd one out", 3, space)
    vecs = word_vectors(space, words)
    mean = vecs.mean(axis=0)
    mean = mean / (np.linalg.norm(mean) or 1.0)
    cos = vecs @ mean
    order = np.argsort(-cos, kind="stable")
    table = pd.DataFrame({
        "word": [words[i] for i in order],
        "cosine to mean": cos[order].astype(np.float64),
        "odd one out": [False] * (len(words) - 1) + [True],
        "from subwords": [space.is_from_subwords(words[i]) for i in order],
    })
    if space.has_labels:
        table.insert(1, "label", space.labels_of(table["word"]))
    return table


def similarity(space: Space, w1: str, w2: str) -> float:
    """Cosine similarity of two words, in [-1, 1].

    Raises
    ------
    InputError
        An empty word. UnknownWordError for an unknown word.
    """
    v = word_vectors(space, [_clean(w1, "the first word", space), _clean(w2, "the second word", space)])
    return float(v[0] @ v[1])


@dataclass
class SetSimilarity:
    """Similarity of two word sets.

    Attributes
    ----------
    cosine_of_means : float
        Cosine between the means of the two sets' unit vectors.
    mean_pairwise : float
        Mean cosine over all (word of set 1, word of set 2) pairs.
    pairs : pandas.DataFrame
        Matrix of pairwise cosines, index set 1, columns set 2.
    """

    cosine_of_means: float
    mean_pairwise: float
    pairs: pd.DataFrame


def set_similarity(space: Space, words1, words2) -> SetSimilarity:
    """Similarity of two word sets: cosine of mean unit vectors, and mean pairwise cosine.

    gensim's ``n_similarity`` averages the raw (unnormalised) vectors; we average
    unit vectors so that frequent words with long vectors do not dominate.

    Raises
    ------
    InputError
        An empty set. UnknownWordError for an unknown word.
    """
    s1, s2 = _words(words1, "The first set", 1, space), _words(words2, "The second set", 1, space)
    v1, v2 = word_vectors(space, s1), word_vectors(space, s2)
    m1, m2 = v1.mean(axis=0), v2.mean(axis=0)
    n1, n2 = float(np.linalg.norm(m1)), float(np.linalg.norm(m2))
    cosm = float(m1 @ m2 / (n1 * n2)) if n1 > 0 and n2 > 0 else 0.0
    pairs = v1 @ v2.T
    return SetSimilarity(cosm, float(pairs.mean()), pd.DataFrame(pairs.astype(np.float64), index=space.labels_of(s1),
                                                                 columns=space.labels_of(s2)))
