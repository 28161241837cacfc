"""numba's on-disk cache for umap-learn's and pynndescent's compiled functions.

Kept apart from the warm-up so that the k-NN search can switch the cache on
without importing the warm-up (which imports the projectors).
"""

from __future__ import annotations

# not umap.layouts: the layout is ours (embedlab.probes.projection.umap.layout), and umap-learn compiles a serial and a
# parallel twin of its epoch function that numba's disk cache cannot tell apart
_CACHED_MODULES = ("umap.umap_", "umap.spectral", "umap.utils", "umap.distances", "umap.sparse",
                   "pynndescent.pynndescent_", "pynndescent.rp_trees", "pynndescent.utils", "pynndescent.distances",
                   "pynndescent.sparse", "pynndescent.graph_utils")
_DISK_CACHE = {"done": False}


def enable_numba_disk_cache() -> int:
    """Make umap-learn's numba functions cache their compiled code on disk (once per process).

    Most of umap-learn's (and some of pynndescent's) jitted functions are compiled without ``cache=True``,
    so every new process pays the compilation again. Numba's
    ``Dispatcher.enable_caching`` turns the on-disk cache on for them (in
    ``__pycache__`` next to umap-learn, or ``NUMBA_CACHE_DIR`` when set), so a
    restarted app loads machine code instead of compiling it.

    Returns
    -------
    int
        How many functions had their cache switched on.
    """
    if _DISK_CACHE["done"]:
        return 0
    _DISK_CACHE["done"] = True
    import importlib
    import warnings

    # a few functions (pynndescent's nn_descent) hold ctypes pointers and cannot be cached; numba then
    # compiles them as before and says so on every compile
    warnings.filterwarnings("ignore", message="Cannot cache compiled function")

    try:
        from numba.core.caching import NullCache
        from numba.core.registry import CPUDispatcher
    except Exception:  # pragma: no cover - numba internals moved
        return 0
    count = 0
    for name in _CACHED_MODULES:
        try:
            module = importlib.import_module(name)
        except Exception:
            continue
        for obj in list(vars(module).values()):
            if isinstance(obj, CPUDispatcher) and isinstance(getattr(obj, "_cache", None), NullCache) \
                    and obj.__module__ == name:
                try:
                    obj.enable_caching()
                    count += 1
                except Exception:
                    pass
    return count
