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


def top_k_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Row-wise :func:`top_k`: indices of the ``k`` largest scores of each row, best first.

    Parameters
    ----------
    scores : ndarray of shape (n_rows, n)
        Entries set to ``-inf`` are never chosen while finite ones remain.
    k : int
        At most ``n``.

    Returns
    -------
    ndarray of shape (n_rows, k), int64
    """
    n = scores.shape[1]
    k = min(int(k), n)
    if k <= 0:
        return np.empty((scores.shape[0], 0), dtype=np.int64)
    # partitioning at n - k (not -scores at k - 1) avoids copying the whole score matrix
    part = np.argpartition(scores, n - k, axis=1)[:, n - k:] if k < n else np.tile(np.arange(n), (scores.shape[0], 1))
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1).astype(np.int64)


def knn_within(unit: np.ndarray, k: int, chunk_size: int = 512, progress=None) -> np.ndarray:
    """The ``k`` nearest neighbours of every row among the other rows, by cosine similarity.

    Computed as matrix products in chunks of ``chunk_size`` rows, so memory
    stays at ``chunk_size * n_words`` floats.

    Parameters
    ----------
    unit : ndarray of shape (n_words, dim)
        Unit-length vectors (see :attr:`Space.unit`).
    k : int
        Neighbours per word, at least 1 and below ``n_words``.
    chunk_size : int
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    ndarray of shape (n_words, k), int64
        Row indices into ``unit``, best first; a word is never its own neighbour.

    Raises
    ------
    InputError
        ``k`` below 1 or not below ``n_words``.
    """
    unit = np.asarray(unit, dtype=np.float32)
    n = unit.shape[0]
    if k < 1 or k >= n:
        raise InputError(f"k must be at least 1 and below the number of words compared ({n}); got {k}.")
    out = np.empty((n, k), dtype=np.int64)
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        scores = unit[start:stop] @ unit.T
        scores[np.arange(stop - start), np.arange(start, stop)] = -np.inf
        out[start:stop] = top_k_rows(scores, k)
        if progress:
            progress(stop / n, f"Nearest neighbours of {stop:,} of {n:,} words")
    return out
