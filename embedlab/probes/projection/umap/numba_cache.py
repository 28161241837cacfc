"""numba's on-disk cache for umap-learn's and pynndescent's compiled functions.

Kept apart from the warm-up so that the k-NN search can switch the cache on
without importing the warm-up (which imports the projectors).
"""

from __future__ import annotations

import importlib
import logging

_LOG = logging.getLogger(__name__)

# not umap.layouts: the layout is ours (embedlab.probes.projection.umap.layout), and umap-learn compiles a serial and a
# parallel twin of its epoch function that numba's disk cache cannot tell apart
_CACHED_MODULES = ("umap.umap_", "umap.spectral", "umap.utils", "umap.distances", "umap.sparse",
                   "pynndescent.pynndescent_", "pynndescent.rp_trees", "pynndescent.utils", "pynndescent.distances",
                   "pynndescent.sparse", "pynndescent.graph_utils")
_DISK_CACHE = {"done": False, "enabled": 0, "errors": []}


def enable_numba_disk_cache() -> int:
    """Make umap-learn's numba functions cache their compiled code on disk (once per process).

    Most of umap-learn's (and some of pynndescent's) jitted functions are compiled without ``cache=True``,
    so every new process pays the compilation again. Numba's
    ``Dispatcher.enable_caching`` turns the on-disk cache on for them (in
    ``__pycache__`` next to umap-learn, or ``NUMBA_CACHE_DIR`` when set), so a
    restarted app loads machine code instead of compiling it.

    This uses numba internals (``numba.core.caching.NullCache``,
    ``numba.core.registry.CPUDispatcher``, ``Dispatcher.enable_caching``;
    pinned by ``tests/test_project.py``). A failure costs only speed, so it
    does not stop the app: it is logged and kept in :func:`disk_cache_status`.

    Returns
    -------
    int
        How many functions had their cache switched on.
    """
    if _DISK_CACHE["done"]:
        return 0
    _DISK_CACHE["done"] = True
    import warnings

    # a few functions (pynndescent's nn_descent) hold ctypes pointers and cannot be cached; numba then
    # compiles them as before and says so on every compile
    warnings.filterwarnings("ignore", message="Cannot cache compiled function")
    count = 0
    for name in _CACHED_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:  # umap-learn or pynndescent reorganised: record it, compile as before
            _record(f"cannot import {name}: {exc!r}")
            continue
        count += enable_caching_in(module)
    _DISK_CACHE["enabled"] += count
    return count


def enable_caching_in(module) -> int:
    """Switch numba's disk cache on for the uncached jitted functions defined in ``module``; return how many."""
    try:
        from numba.core.caching import NullCache
        from numba.core.registry import CPUDispatcher
    except ImportError as exc:
        _record(f"numba internals moved (numba.core.caching.NullCache / numba.core.registry.CPUDispatcher): {exc!r}")
        return 0
    count = 0
    for obj in list(vars(module).values()):
        if isinstance(obj, CPUDispatcher) and isinstance(getattr(obj, "_cache", None), NullCache) \
                and obj.__module__ == module.__name__:
            try:
                obj.enable_caching()
                count += 1
            except Exception as exc:  # one function that cannot be cached compiles as before
                _record(f"{module.__name__}.{getattr(obj, '__name__', obj)}: enable_caching failed: {exc!r}")
    return count


def _record(message: str) -> None:
    _DISK_CACHE["errors"].append(message)
    _LOG.warning("numba disk cache: %s", message)


def disk_cache_status() -> dict:
    """``done`` (tried in this process), ``enabled`` (functions switched to the disk cache), ``errors`` (messages)."""
    return {"done": _DISK_CACHE["done"], "enabled": _DISK_CACHE["enabled"], "errors": list(_DISK_CACHE["errors"])}
