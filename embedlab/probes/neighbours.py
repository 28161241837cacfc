"""Nearest neighbours by cosine similarity."""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

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


def top_k_values(scores: np.ndarray, k: int, block: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest entries of every row of a score matrix, best first.

    Faster than a row-wise ``argpartition`` on wide matrices: one vectorised
    pass splits each row into groups of ``block`` columns and takes each
    group's maximum; the ``k`` groups with the largest maxima must hold the
    ``k`` best entries, and only those few candidates are sorted. Entries set to ``-inf`` (exclusions) are never preferred to finite ones.

    Parameters
    ----------
    scores : ndarray of shape (n_rows, n_cols)
    k : int
        1 to n_cols.
    block : int

    Returns
    -------
    indices : ndarray of shape (n_rows, k), int64
    values : ndarray of shape (n_rows, k), scores.dtype
    """
    scores = np.asarray(scores)
    n_rows, n_cols = scores.shape
    k = int(min(max(k, 1), n_cols))
    n_groups = n_cols // block
    if n_groups <= 4 * k:
        if k < n_cols:
            cand = np.argpartition(scores, n_cols - k, axis=1)[:, n_cols - k:]
        else:
            cand = np.broadcast_to(np.arange(n_cols), (n_rows, n_cols))
    else:
        # group g = columns g, g + n_groups, g + 2 n_groups, ...: its maximum is an elementwise
        # maximum of ``block`` contiguous slices, which vectorises far better than short reductions
        s0, s1 = scores.strides
        slices = np.lib.stride_tricks.as_strided(scores, (n_rows, block, n_groups), (s0, n_groups * s1, s1),
                                                 writeable=False)
        group_max = slices.max(axis=1)
        best = np.argpartition(group_max, n_groups - k, axis=1)[:, n_groups - k:]
        cand = (best[:, :, None] + n_groups * np.arange(block)).reshape(n_rows, k * block)
        if n_groups * block < n_cols:  # the tail beyond the last full slice is always a candidate
            tail = np.broadcast_to(np.arange(n_groups * block, n_cols), (n_rows, n_cols - n_groups * block))
            cand = np.concatenate([cand, tail], axis=1)
    values = np.take_along_axis(scores, cand, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(cand, order, axis=1).astype(np.int64, copy=False), np.take_along_axis(values, order, axis=1)


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
        A key, a display label (a movie title: see :meth:`Space.resolve`), or
        for FastText spaces any word (its vector is built from subwords).
    k : int
        How many neighbours, at least 1.
    restrict : int, optional
        Only search the ``restrict`` most frequent keys.

    Returns
    -------
    pandas.DataFrame
        Columns ``word`` (the key), ``label`` (only for a labelled space: the
        display label), ``cosine`` (in [-1, 1]) and ``frequency rank`` (1 = most
        frequent), best first. ``attrs['query']`` is the key that was looked up;
        ``attrs['from_subwords']`` is True when ``word`` is out of vocabulary and its vector was built
        from subwords (FastText); ``attrs['note']`` then says so for the page (else None).

    Raises
    ------
    UnknownWordError
        ``word`` is not in the vocabulary (the message lists close spellings or labels).
    AmbiguousLabelError
        ``word`` is the label of several items.
    InputError
        ``k`` below 1.
    """
    if k < 1:
        raise InputError("Ask for at least one neighbour.")
    word = space.resolve(word, oov_ok=True)
    vector = space.vector(word)
    scores = similarities(space, vector)
    if restrict:
        scores = scores[:restrict]
    exclude = [space.kv.key_to_index[word]] if word in space and (not restrict or space.index(word) < restrict) else []
    best = top_k(scores, k, exclude)
    table = neighbour_table(space, best, scores[best])
    table.attrs["query"] = word
    # FastText: the query word's vector may be built from character n-grams; say so with the table
    table.attrs["from_subwords"] = space.is_from_subwords(word)
    table.attrs["note"] = subword_note(space, word)
    return table


def neighbour_table(space: Space, indices: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    """A neighbours table for given key indices and their scores.

    Columns ``word`` (key), ``label`` (only when the space has display labels), ``cosine``, ``frequency rank``.
    """
    table = pd.DataFrame({
        "word": [space.words[i] for i in indices],
        "cosine": np.asarray(scores, dtype=np.float64),
        "frequency rank": np.asarray(indices, dtype=np.int64) + 1,
    })
    if space.has_labels:
        labels = space.labels
        table.insert(1, "label", [labels[i] for i in indices])
    return table


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
    k = min(int(k), scores.shape[1])
    if k <= 0:
        return np.empty((scores.shape[0], 0), dtype=np.int64)
    return top_k_values(scores, k)[0]


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



def batch_nearest(space: Space, vectors: np.ndarray, k: int = 10, exclude=None, chunk_bytes: int = 64 << 20):
    """Nearest keys of many query vectors at once (one matrix product per chunk + argpartition).

    Parameters
    ----------
    space : Space
    vectors : array-like of shape (n_queries, dim)
        Query vectors (need not be unit length; zero rows score 0 everywhere).
    k : int
        Neighbours per query, at least 1.
    exclude : None, array-like of shape (n_queries,) or sequence of sequences of int
        Key indices to leave out per query (e.g. the query word itself; -1 for none).
    chunk_bytes : int
        Largest score block held in memory at once.

    Returns
    -------
    indices : ndarray of shape (n_queries, k'), int64
        Best first; k' = min(k, n_words).
    scores : ndarray of shape (n_queries, k'), float32
        Cosine similarities (-inf where fewer than k' keys were left).

    Raises
    ------
    InputError
        ``k`` below 1 or vectors of the wrong width.
    """
    if k < 1:
        raise InputError("Ask for at least one neighbour.")
    q = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    if q.shape[1] != space.dim:
        raise InputError(f"The query vectors have {q.shape[1]} dimensions; this space has {space.dim}.")
    norms = np.linalg.norm(q, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    q = q / norms
    unit_t = space.unit.T
    n = unit_t.shape[1]
    k = min(int(k), n)
    if exclude is not None and not isinstance(exclude, np.ndarray) and len(exclude) and np.ndim(exclude[0]) > 0:
        exclude_lists = [np.asarray(e, dtype=np.int64) for e in exclude]
        exclude_flat = None
    else:
        exclude_lists = None
        exclude_flat = None if exclude is None else np.asarray(exclude, dtype=np.int64)
    out_idx = np.empty((len(q), k), dtype=np.int64)
    out_scores = np.empty((len(q), k), dtype=np.float32)
    chunk = max(1, chunk_bytes // (4 * n))
    for start in range(0, len(q), chunk):
        stop = min(start + chunk, len(q))
        scores = q[start:stop] @ unit_t
        rows = np.arange(stop - start)
        if exclude_flat is not None:
            sel = exclude_flat[start:stop]
            ok = sel >= 0
            scores[rows[ok], sel[ok]] = -np.inf
        elif exclude_lists is not None:
            for r in rows:
                scores[r, exclude_lists[start + r]] = -np.inf
        out_idx[start:stop], out_scores[start:stop] = top_k_values(scores, k)
    return out_idx, out_scores


def neighbours_of_words(space: Space, words: Sequence[str], k: int = 5) -> pd.DataFrame:
    """For each word, its ``k`` nearest neighbours in the original space (cosine), one row per pair.

    Parameters
    ----------
    words : sequence of str
        Keys (or labels: see :meth:`Space.resolve`).

    Returns
    -------
    pandas.DataFrame
        Columns ``word``, ``neighbour``, ``cosine``, ``frequency rank`` (of the neighbour); a labelled
        space adds ``label`` and ``neighbour label`` after the key they belong to.
    """
    frames = []
    for w in words:
        i = space.index(w)
        scores = space.unit @ space.unit[i]
        best = top_k(scores, k, exclude=[i])
        t = neighbour_table(space, best, scores[best]).rename(columns={"word": "neighbour",
                                                                       "label": "neighbour label"})
        if space.has_labels:
            t.insert(0, "label", space.labels[i])
        t.insert(0, "word", space.words[i])
        frames.append(t)
    if not frames:
        columns = ["word", "neighbour", "cosine", "frequency rank"]
        if space.has_labels:
            columns = ["word", "label", "neighbour", "neighbour label", "cosine", "frequency rank"]
        return pd.DataFrame({c: [] for c in columns})
    return pd.concat(frames, ignore_index=True)
