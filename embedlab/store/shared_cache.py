"""One server-wide cache of read-only data: published models and shipped samples, shared by every session.

Thirty students opening the instructor's published 100,000 × 300 model would
otherwise each hold their own copy (and its unit-length twin): ~7 GB. These
files are the same for everyone and never change once written, so one copy
serves every session.

Nothing per-user can enter it: :meth:`ReadOnlyCache.get_or_load` caches only
what is read from, or computed on, paths inside a shared server's published
area (``<home>/published``) or the shipped samples (``sample_corpora/``), keyed
by those paths (probe results of a published model are keyed by the probe's
parameters too, see :func:`embedlab.ui.session.cached`); anything else is
loaded and returned uncached. Keys include the files' modification times, so a file replaced on
disk is read again. Callers must treat what they get as read-only.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable, Optional

from embedlab import config
from embedlab.memory import BytesLRU, nbytes


def read_only_roots() -> list:
    """Folders whose files are the same for every visitor: the published area, the shipped samples (ours and
    gensim's test data, where the Lee corpus lives)."""
    from gensim.test.utils import datapath

    return [(config.home() / "published").resolve(), config.SAMPLE_DIR.resolve(), Path(datapath("")).resolve()]


def shared_cache_bytes() -> int:
    """Bytes the shared cache may hold (``EMBEDLAB_SHARED_CACHE_MB``, default 1024)."""
    return int(float(os.environ.get("EMBEDLAB_SHARED_CACHE_MB", "1024")) * 1024 * 1024)


def _stamp(path: Path) -> tuple:
    """Modification times (ns) of a file, or of the files directly in a folder."""
    if path.is_dir():
        return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in path.iterdir() if p.is_file()))
    return (path.stat().st_mtime_ns,)


class ReadOnlyCache:
    """A byte-bounded cache of objects read from read-only files, shared by all sessions of a server.

    Parameters
    ----------
    limit : int, optional
        Bytes (default :func:`shared_cache_bytes`).
    """

    def __init__(self, limit: Optional[int] = None):
        self._limit = limit
        self._lru = BytesLRU(shared_cache_bytes() if limit is None else limit)
        self._lock = threading.Lock()
        self._loading: dict = {}

    @staticmethod
    def shareable(path) -> bool:
        """True when ``path`` lies in a read-only root (:func:`read_only_roots`)."""
        resolved = Path(path).resolve()
        return any(resolved.is_relative_to(root) for root in read_only_roots())

    def get_or_load(self, what: str, path, load: Callable[[], object]):
        """The object read from ``path`` by ``load()``, read once for every session while the files are unchanged.

        Parameters
        ----------
        what : str
            What ``load`` makes (part of the key: one file may give several objects).
        path : path-like
            The file or folder ``load`` reads.
        load : callable
            Reads and returns the object; called at most once per key at a time
            (sessions asking meanwhile wait for it rather than read a copy each).
        """
        if not self.shareable(path):
            return load()  # per-user data never enters the shared cache
        key = (what, str(Path(path).resolve()), _stamp(Path(path)))
        value = self._lru.get(key)
        if value is not None:
            return value
        with self._lock:
            key_lock = self._loading.setdefault(key, threading.Lock())
        with key_lock:
            value = self._lru.get(key)
            if value is None:
                value = load()
                self._lru.limit = shared_cache_bytes() if self._limit is None else self._limit
                self._lru.put(key, value)
        with self._lock:
            self._loading.pop(key, None)
        return value

    def peek(self, what: str, path):
        """What :meth:`get_or_load` holds for (what, path) now, or None (nothing is loaded)."""
        if not self.shareable(path):
            return None
        return self._lru.get((what, str(Path(path).resolve()), _stamp(Path(path))))

    def total(self) -> int:
        """Bytes held now."""
        return self._lru.total()

    def __len__(self) -> int:
        return len(self._lru)

    def clear(self) -> None:
        for key in self._lru.keys():
            self._lru.pop(key)


#: The server's one shared cache (module level on purpose: it holds only read-only, shared data).
SHARED = ReadOnlyCache()


def sample_documents(key: str):
    """:func:`embedlab.sources.samples.sample_documents` read once per server (read-only: do not change it)."""
    from embedlab.sources import samples

    if key not in samples.SAMPLES:
        return samples.sample_documents(key)  # its message names the known samples
    return SHARED.get_or_load("documents", samples.SAMPLES[key].locate(), lambda: samples.sample_documents(key))


def sample_table(key: str = "ml-latest-small"):
    """:func:`embedlab.sources.ratings.sample_table` read once per server (read-only: do not change it)."""
    from embedlab.sources import ratings

    if key not in ratings.SAMPLE_RATINGS:
        return ratings.sample_table(key)
    path = config.SAMPLE_DIR / ratings.SAMPLE_RATINGS[key]["ratings"]
    return SHARED.get_or_load("rating table", path.parent, lambda: ratings.sample_table(key))


__all__ = ["ReadOnlyCache", "SHARED", "nbytes", "read_only_roots", "sample_documents", "sample_table",
           "shared_cache_bytes"]


def sample_graph(key: str):
    """:func:`embedlab.sources.graphs.sample_graph` built once per server when it comes from shipped files (the
    MovieLens co-rating graph, about a second to build); networkx's own small graphs are built each time (read-only:
    do not change it)."""
    from embedlab.sources import graphs

    if key == "movielens-corating":
        folder = config.SAMPLE_DIR / "ml-latest-small"
        return SHARED.get_or_load("graph", folder, lambda: graphs.sample_graph(key))
    return graphs.sample_graph(key)
