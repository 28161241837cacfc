"""Which points to project: the most frequent keys, a pasted list, or query words and their neighbours."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from embedlab.errors import InputError
from embedlab.probes.neighbours import top_k
from embedlab.space import Space


@dataclass
class PointSet:
    """Which keys of a space to project.

    Attributes
    ----------
    indices : ndarray of shape (n_points,), int64
        Rows of ``space.vectors``.
    description : str
        For captions, e.g. "5,000 most frequent words".
    unknown : list of str
        Words that were asked for but are not in the vocabulary.
    queries : list of str
        Query words of a neighbourhood point set (to mark them in the figure).
    """

    indices: np.ndarray
    description: str
    unknown: list = field(default_factory=list)
    queries: list = field(default_factory=list)

    @property
    def key(self) -> tuple:
        """A hashable identity, for caches."""
        return (self.description, hash(np.asarray(self.indices, dtype=np.int64).tobytes()), len(self.indices))


def frequency_order(space: Space) -> np.ndarray:
    counts = space.counts
    return np.argsort(-counts, kind="stable") if counts.any() else np.arange(len(space))


def choose_top(space: Space, n: int) -> PointSet:
    """The ``n`` most frequent keys (all of them when ``n`` >= the vocabulary).

    Raises
    ------
    InputError
        ``n`` below 1.
    """
    if n < 1:
        raise InputError("Choose at least one word.")
    n = min(int(n), len(space))
    return PointSet(frequency_order(space)[:n].astype(np.int64), f"{n:,} most frequent words")


def parse_words(text: str) -> list:
    """Split pasted text into words: by commas, semicolons, whitespace or new lines; repeats dropped."""
    seen, words = set(), []
    for w in re.split(r"[,;\s]+", text or ""):
        w = w.strip()
        if w and w not in seen:
            seen.add(w)
            words.append(w)
    return words


def choose_words(space: Space, words: Iterable[str] | str) -> PointSet:
    """A pasted word list; words not in the vocabulary are reported in ``unknown``.

    Raises
    ------
    InputError
        No word of the list is in the vocabulary.
    """
    if isinstance(words, str):
        words = parse_words(words)
    known, unknown = space.split_known(list(words))
    if not known:
        hint = f" Not in the vocabulary: {', '.join(unknown[:20])}." if unknown else ""
        raise InputError("None of the pasted words is in this model's vocabulary." + hint +
                         " Paste words separated by spaces, commas or new lines.")
    return PointSet(space.indices(known), f"{len(known):,} pasted words", unknown=unknown)


def choose_neighbourhood(space: Space, queries: Iterable[str] | str, k: int = 20) -> PointSet:
    """Each query word plus its ``k`` nearest neighbours (cosine), without repeats.

    Raises
    ------
    InputError
        No query word is in the vocabulary, or ``k`` below 1.
    """
    if isinstance(queries, str):
        queries = parse_words(queries)
    if k < 1:
        raise InputError("Ask for at least one neighbour per query word.")
    known, unknown = space.split_known(list(queries))
    if not known:
        raise InputError("None of the query words is in this model's vocabulary"
                         + (f" ({', '.join(unknown[:20])})" if unknown else "") + ". Try other words.")
    q_idx = space.indices(known)
    chosen, seen = [], set()
    for i in q_idx:
        scores = space.unit @ space.unit[i]
        for j in [int(i)] + top_k(scores, k, exclude=[int(i)]).tolist():
            if j not in seen:
                seen.add(j)
                chosen.append(j)
    return PointSet(np.array(chosen, dtype=np.int64), f"{len(known)} query words + {k} neighbours each",
                    unknown=unknown, queries=known)
