"""Nearest neighbours by cosine similarity."""

from __future__ import annotations

from typing import Iterable, Optional

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.probes.subwords import subword_note
from embedlab.space import Space


def top_k(scores: np.ndarray, k: int, exclude: Iterable[int] = ()) -> np.ndarray:
    """Indices of the ``k`` largest scores, best first, skipping ``exclude``.

    Parameters
    ----------
    scores : ndarray of shape (n,)
    k : int
    exclude : iterable of int

    Returns
    -------
    ndarray of shape (min(k, n - len(exclude)),), int64
    """
    scores = np.array(scores, dtype=np.float64, copy=True)
    exclude = list(exclude)
    if exclude:
        scores[exclude] = -np.inf
    n_valid = int(np.isfinite(scores).sum())
    k = min(k, n_valid)
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return part[np.argsort(-scores[part], kind="stable")].astype(np.int64)


def similarities(space: Space, vector: np.ndarray) -> np.ndarray:
    """Cosine similarity of ``vector`` (shape (dim,)) to every key: ndarray of shape (n_words,)."""
    norm = float(np.linalg.norm(vector))
    if norm == 0:
        return np.zeros(len(space), dtype=np.float32)
    return space.unit @ (np.asarray(vector, dtype=np.float32) / norm)


def nearest_neighbours(space: Space, word: str, k: int = 10, restrict: Optional[int] = None) -> pd.DataFrame:
    """The ``k`` keys most similar to ``word`` by cosine similarity (the word itself excluded).

    Parameters
    ----------
    space : Space
    word : str
        A key, or for FastText spaces any word (its vector is built from subwords).
    k : int
        How many neighbours, at least 1.
    restrict : int, optional
        Only search the ``restrict`` most frequent keys.

    Returns
    -------
    pandas.DataFrame
        Columns ``word``, ``cosine`` (in [-1, 1]) and ``frequency rank`` (1 = most frequent), best first.
        ``attrs['from_subwords']`` is True when ``word`` is out of vocabulary and its vector was built
        from subwords (FastText); ``attrs['note']`` then says so for the page (else None).

    Raises
    ------
    UnknownWordError
        ``word`` is not in the vocabulary (the message lists close spellings).
    InputError
        ``k`` below 1.
    """
    if k < 1:
        raise InputError("Ask for at least one neighbour.")
    vector = space.vector(word)
    scores = similarities(space, vector)
    if restrict:
        scores = scores[:restrict]
    exclude = [space.kv.key_to_index[word]] if word in space and (not restrict or space.index(word) < restrict) else []
    best = top_k(scores, k, exclude)
    table = neighbour_table(space, best, scores[best])
    # FastText: the query word's vector may be built from character n-grams; say so with the table
    table.attrs["from_subwords"] = space.is_from_subwords(word)
    table.attrs["note"] = subword_note(space, word)
    return table


def neighbour_table(space: Space, indices: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    """A neighbours table for given key indices and their scores."""
    return pd.DataFrame({
        "word": [space.words[i] for i in indices],
        "cosine": np.asarray(scores, dtype=np.float64),
        "frequency rank": np.asarray(indices, dtype=np.int64) + 1,
    })
