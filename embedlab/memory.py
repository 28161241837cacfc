"""What a cached object weighs in memory, and a least-recently-used cache bounded in bytes.

Session caches and the server's shared read-only cache are bounded by what
their entries weigh, not by how many there are: one 100,000 × 300 space (plus
its unit-length copy) weighs as much as thousands of small results.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections import OrderedDict
from typing import Callable, Hashable, Optional

import numpy as np
import pandas as pd

#: Bytes assumed per cell of an object (string) column: a short str object plus its pointer.
_OBJECT_CELL = 64
#: Elements of a long list/dict measured one by one; the rest are extrapolated from them.
_SAMPLE = 200


def space_nbytes(space) -> int:
    """Bytes held by a :class:`~embedlab.space.Space`: vectors, its unit-length copy once made, FastText
    n-grams, the metadata table and the word index (about 100 bytes per word)."""
    kv = space.kv
    total = int(np.asarray(kv.vectors).nbytes)
    unit = getattr(space, "_unit", None)  # Space.unit, made on first use: doubles the space
    if unit is not None:
        total += int(unit.nbytes)
    for name in ("vectors_vocab", "vectors_ngrams"):
        arr = getattr(kv, name, None)
        if isinstance(arr, np.ndarray):
            total += int(arr.nbytes)
    return total + frame_nbytes(space.meta) + 100 * len(kv.index_to_key)


def frame_nbytes(frame) -> int:
    """Bytes of a DataFrame/Series/Index: numeric buffers exactly, object cells at ~64 bytes each."""
    if isinstance(frame, pd.Index):
        frame = frame.to_series()
    usage = frame.memory_usage(index=True, deep=False)
    total = int(usage.sum()) if isinstance(usage, pd.Series) else int(usage)
    columns = [frame] if isinstance(frame, pd.Series) else [frame[c] for c in frame.columns]
    n_object = sum(1 for c in columns if c.dtype == object or pd.api.types.is_string_dtype(c.dtype))
    return total + n_object * len(frame) * _OBJECT_CELL


def nbytes(obj, _depth: int = 0, _seen: Optional[set] = None) -> int:
    """Approximate bytes held by ``obj``: arrays, frames, spaces, figures, containers and dataclasses of them.

    Shared objects are counted once; long containers are sampled. An
    estimate for bounding caches, not an exact accounting.
    """
    seen = set() if _seen is None else _seen
    if id(obj) in seen or _depth > 6:
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return int(obj.nbytes) if obj.dtype != object else obj.size * _OBJECT_CELL
    if isinstance(obj, (pd.DataFrame, pd.Series, pd.Index)):
        return frame_nbytes(obj)
    if isinstance(obj, (str, bytes, bytearray)):
        return sys.getsizeof(obj)
    if isinstance(obj, (int, float, bool, type(None), complex)):
        return 32
    if type(obj).__name__ == "Space" and hasattr(obj, "kv"):
        return space_nbytes(obj)
    if isinstance(obj, dict):
        return _sized_items(list(obj.items()), _depth, seen) + sys.getsizeof(obj)
    if isinstance(obj, (list, tuple, set, frozenset)):
        return _sized_items(list(obj), _depth, seen) + sys.getsizeof(obj)
    if hasattr(obj, "to_plotly_json"):  # a plotly figure: its data arrays
        return nbytes(obj.to_plotly_json(), _depth + 1, seen)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return sum(nbytes(getattr(obj, f.name), _depth + 1, seen) for f in dataclasses.fields(obj)) + 64
    if hasattr(obj, "__dict__"):
        return nbytes(vars(obj), _depth + 1, seen) + 64
    return sys.getsizeof(obj)


def _sized_items(items: list, depth: int, seen: set) -> int:
    if len(items) <= _SAMPLE:
        return sum(nbytes(x, depth + 1, seen) for x in items)
    step = len(items) / _SAMPLE
    sample = [items[int(i * step)] for i in range(_SAMPLE)]
    return int(sum(nbytes(x, depth + 1, seen) for x in sample) * len(items) / _SAMPLE)


class BytesLRU:
    """A least-recently-used cache bounded by the bytes its values weigh (thread-safe).

    Parameters
    ----------
    limit : int
        Bytes. The newest entry is kept even when it alone is over the limit
        (the page that asked for it is using it); older ones are evicted first.
    measure : callable, optional
        ``measure(value) -> bytes``; default :func:`nbytes`. Entries are
        measured again when the cache is trimmed, so a value that grew (a
        space whose unit-length copy was made) is counted at its new size.
    """

    def __init__(self, limit: int, measure: Callable = nbytes):
        self.limit = int(limit)
        self._measure = measure
        self._items: OrderedDict = OrderedDict()
        self._sizes: dict = {}
        self._lock = threading.RLock()

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def keys(self) -> list:
        with self._lock:
            return list(self._items)

    def get(self, key: Hashable, default=None):
        """The value (marked as just used), or ``default``."""
        with self._lock:
            if key not in self._items:
                return default
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value) -> None:
        """Store ``value`` and evict the least recently used entries until the total fits the limit."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            self._sizes[key] = self._measure(value)
            self.trim()

    def pop(self, key: Hashable, default=None):
        with self._lock:
            self._sizes.pop(key, None)
            return self._items.pop(key, default)

    def total(self) -> int:
        """Bytes held now (every entry measured again)."""
        with self._lock:
            for key, value in self._items.items():
                self._sizes[key] = self._measure(value)
            return sum(self._sizes.values())

    def trim(self) -> None:
        with self._lock:
            total = self.total()
            while total > self.limit and len(self._items) > 1:
                key, _ = self._items.popitem(last=False)
                total -= self._sizes.pop(key, 0)
