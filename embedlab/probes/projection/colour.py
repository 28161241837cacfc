"""What to colour the points of a projection by, and which of them a search matches."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.probes.projection.points import parse_words
from embedlab.probes.projection.core import Projection
from embedlab.probes.projection.preprocess import unit_rows
from embedlab.space import Space


def kmeans_labels(X: np.ndarray, k: int, random_state: int = 0, spherical: bool = True) -> np.ndarray:
    """k-means cluster of each point (scikit-learn; MiniBatchKMeans above 10,000 points).

    Parameters
    ----------
    X : ndarray of shape (n_points, dim)
    k : int
        Number of clusters, 2 .. n_points.
    spherical : bool
        Cluster unit vectors (cosine geometry), as usual for word vectors.

    Returns
    -------
    ndarray of shape (n_points,), int, values in 0 .. k-1

    Raises
    ------
    InputError
        ``k`` out of range.
    """
    from sklearn.cluster import KMeans, MiniBatchKMeans

    n = X.shape[0]
    if not 2 <= k <= n:
        raise InputError(f"Choose between 2 and {n} clusters.")
    data = unit_rows(np.asarray(X, dtype=np.float32)) if spherical else np.asarray(X, dtype=np.float32)
    if n > 10_000:
        model = MiniBatchKMeans(n_clusters=k, random_state=random_state, n_init=3, batch_size=4096)
    else:
        model = KMeans(n_clusters=k, random_state=random_state, n_init=3)
    return model.fit_predict(data).astype(np.int64)


def parse_groups(text: str) -> dict:
    """Named groups from lines ``name: word word, word`` (one group per line).

    Raises
    ------
    InputError
        A non-empty line without ``name:``.
    """
    groups = {}
    for n, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        if ":" not in line:
            raise InputError(f"Line {n} ({line.strip()[:40]!r}) has no group name. Write groups as 'name: word word ...'.")
        name, words = line.split(":", 1)
        name = name.strip() or f"group {n}"
        groups.setdefault(name, [])
        groups[name] += [w for w in parse_words(words) if w not in groups[name]]
    return groups


def group_labels(words: Sequence[str], groups: dict, other: str = "other") -> np.ndarray:
    """Group name of each word (first group that lists it), ``other`` for the rest.

    Returns
    -------
    ndarray of shape (n_points,), object (str)
    """
    lookup = {}
    for name, members in groups.items():
        for w in members:
            lookup.setdefault(w, name)
    return np.array([lookup.get(w, other) for w in words], dtype=object)


#: Longest regular expression accepted in a search.
MAX_PATTERN = 200
#: Seconds one regular-expression search may take over all the words together.
REGEX_SECONDS = 1.0


def search_mask(words: Sequence[str], pattern: str, regex: bool = False,
                seconds: float = REGEX_SECONDS) -> np.ndarray:
    """Which words match a substring (case-insensitive) or a regular expression.

    A regular expression runs under the ``regex`` package with a time budget
    shared by all the words (``timeout=`` of each search is what is left) and
    with the GIL released, so a pattern that backtracks catastrophically
    (``(a|aa)+$``) ends with a message instead of holding the server.

    Parameters
    ----------
    words : sequence of str
    pattern : str
        At most :data:`MAX_PATTERN` characters.
    regex : bool
    seconds : float
        Time budget of a regular-expression search, in seconds.

    Returns
    -------
    ndarray of shape (n_points,), bool

    Raises
    ------
    InputError
        An invalid or too long regular expression (the message says where),
        or one that ran out of time.
    """
    import time

    import regex as regex_module

    if not pattern:
        return np.zeros(len(words), dtype=bool)
    if len(pattern) > MAX_PATTERN:
        raise InputError(f"The search is {len(pattern):,} characters long; keep it under {MAX_PATTERN}.")
    if regex:
        try:
            rx = regex_module.compile(pattern, regex_module.IGNORECASE | regex_module.VERSION0)
        except (regex_module.error, OverflowError, RecursionError) as exc:
            raise InputError(f"The regular expression {pattern!r} is not valid: {exc}. "
                             "Fix it, or untick 'regex' to search for the text as typed.") from None
        deadline = time.monotonic() + seconds
        out = np.zeros(len(words), dtype=bool)
        try:
            for i, w in enumerate(words):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                out[i] = rx.search(w, timeout=left, concurrent=True) is not None
        except TimeoutError:
            raise InputError(f"The regular expression {pattern!r} took longer than {seconds:g} s over "
                             f"{len(words):,} words and was stopped; it probably backtracks (nested repeats "
                             "such as (a+)+ or (a|aa)+). Simplify it.") from None
        return out
    p = pattern.lower()
    return np.array([p in w.lower() for w in words], dtype=bool)


def colour_values(space: Space, projection: Projection, by: str, k_clusters: int = 8, groups: Optional[dict] = None,
                  column: Optional[str] = None) -> tuple[np.ndarray, bool]:
    """What to colour each point of a projection by.

    Parameters
    ----------
    by : {"none", "cluster", "frequency", "metadata", "group", "overlap"}
        k-means cluster of the original vectors, log10 of the word count,
        a metadata column of ``space.meta`` (``column``; numeric columns with
        more than 20 values, or named in ``space.info["continuous_columns"]``,
        are a continuous scale), user-defined groups, or the per-point k-NN overlap.

    Returns
    -------
    (values, continuous) : (ndarray of shape (n_points,), bool)

    Raises
    ------
    InputError
        Unknown choice or metadata column.
    """
    idx = projection.indices
    if by == "none":
        return np.array(["point"] * len(idx), dtype=object), False
    if by == "cluster":
        labels = kmeans_labels(space.vectors[idx], int(k_clusters))
        return np.array([f"cluster {c + 1}" for c in labels], dtype=object), False
    if by == "frequency":
        return np.log10(np.maximum(space.counts[idx].astype(np.float64), 1.0)), True
    if by == "overlap":
        return projection.frame["knn overlap"].to_numpy(dtype=np.float64), True
    if by == "group":
        return group_labels(projection.frame["word"].tolist(), groups or {}), False
    if by == "metadata":
        if column is None or column not in space.meta.columns:
            raise InputError(f"This model has no metadata column {column!r}.")
        values = space.meta[column].iloc[idx]
        # a space may declare a numeric column a scale whatever its number of values (a node's degree)
        scale = column in (space.info.get("continuous_columns") or ())
        if pd.api.types.is_numeric_dtype(values) and (scale or values.nunique() > 20):
            return values.to_numpy(dtype=np.float64), True
        # multi-valued genres like "Action|Comedy": colour by the first
        return np.array([str(v).split("|")[0] if pd.notna(v) else "—" for v in values], dtype=object), False
    raise InputError(f"Unknown colouring {by!r}.")


def metadata_columns(space: Space) -> list:
    """Metadata columns worth colouring by (not ``count``/``label``)."""
    return [c for c in space.meta.columns if c not in ("count", "label")]
