"""Compile UMAP's numba code before a user's first UMAP, without stalling the server.

That code is our fuzzy graph and layout optimiser (:mod:`embedlab.probes.projection.umap.graph`,
:mod:`embedlab.probes.projection.umap.layout`), then pynndescent's NN-descent, the k-NN
search above the exact graph's size limit (whose import alone compiles for 17 s).

The first UMAP fit in a fresh Python process spends tens of seconds in numba's
JIT compiler. Compiling at server start in a thread of the server process would
move that wait off the user's first request, but numba's compiler holds the GIL
for long stretches, and with the GIL held every page of every visitor stalls
(measured: page loads timing out under a classroom's load). So a child process
compiles, by fitting tiny UMAPs through the app's own code paths, into numba's
on-disk cache; the server process then only loads the machine code from disk.

``python -m embedlab.probes.projection.umap.warmup`` runs the child's part on its own: the
README's install command does it once, so even the first start of a new
install finds the cache filled.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from typing import Optional

import numpy as np

from embedlab import config

_LOG = logging.getLogger(__name__)
_STATE = {"thread": None, "seconds": None, "compile_seconds": None, "umap_seconds": None, "error": None}
_LOCK = threading.Lock()
CHILD_TIMEOUT_S = 900


def fit_tiny_umaps() -> None:
    """Fit UMAP on 300 random points through the app's code paths, compiling (or loading) every specialisation.

    Same dtypes and options as :class:`embedlab.probes.projection.UMAP` in the app:
    precomputed exact k-NN graph, float32, PCA init, 2-D and 3-D, threaded
    (no seed) and single-threaded (seeded).
    """
    from embedlab.probes.projection.knn import exact_knn
    from embedlab.probes.projection.reducers import UMAP

    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 16)).astype(np.float32)
    knn = exact_knn(X, 15, "cosine")
    for k in (2, 3):
        UMAP(n_components=k, n_neighbors=15, knn=knn).fit(X)
    UMAP(n_components=2, n_neighbors=15, knn=knn, random_state=0).fit(X)


def compile_nndescent() -> None:
    """Compile pynndescent's NN-descent, the k-NN search above the exact graph's size limit, in this process.

    Parts of it cannot be cached on disk (they take functions as arguments),
    so this compiles at every start. It runs after UMAP's warm-up, at normal
    priority: a compiling thread at low priority holding the GIL would stall
    every other thread of the server (priority inversion); at normal priority
    it shares the GIL in 5 ms slices.
    """
    from embedlab.probes.projection.knn import KNN_METRICS, knn_graph

    rng = np.random.default_rng(0)
    for metric in KNN_METRICS:
        knn_graph(rng.standard_normal((600, 16)).astype(np.float32), 16, metric, method="nndescent")


def _child_env() -> dict:
    root = str(config.PROJECT_ROOT)
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}


def _warm_up() -> None:
    start = time.perf_counter()
    try:
        child = subprocess.run([sys.executable, "-m", __name__], env=_child_env(), stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
        _STATE["compile_seconds"] = time.perf_counter() - start
        if child.returncode != 0:
            raise RuntimeError(f"compiling child exited with {child.returncode}: {child.stderr.strip()[-500:]}")
        fit_tiny_umaps()  # now loads machine code from the disk cache: seconds, mostly outside the GIL
        _STATE["umap_seconds"] = time.perf_counter() - start
        compile_nndescent()
        _STATE["seconds"] = time.perf_counter() - start
    except Exception as exc:  # warm-up is an optimisation; a failure must not break the app, but it is told
        _STATE["error"] = repr(exc)
        _LOG.warning("UMAP warm-up failed; the first UMAP will compile instead", exc_info=True)


def warm_up_umap(block: bool = False) -> Optional[threading.Thread]:
    """Start compiling UMAP's numba code, once per process (a daemon thread waiting on a child process).

    Holds no user data, so one module-level thread per process is right. Set
    ``EMBEDLAB_UMAP_WARMUP=0`` to switch it off (the test suite does, so page
    tests do not spend CPU on it).

    Parameters
    ----------
    block : bool
        Wait for the warm-up to finish (it runs even when switched off).

    Returns
    -------
    threading.Thread, or None when switched off
    """
    if config.umap_warmup() is False and not block:
        return None
    with _LOCK:
        if _STATE["thread"] is None:
            _STATE["thread"] = threading.Thread(target=_warm_up, name="embedlab-umap-warm-up", daemon=True)
            _STATE["thread"].start()
        thread = _STATE["thread"]
    if block:
        thread.join()
    return thread


def warm_up_status() -> dict:
    """Where :func:`warm_up_umap` is.

    Returns
    -------
    dict
        ``started``, ``done`` (bools); ``compile_seconds`` (the child
        process), ``umap_seconds`` (until UMAP is ready in this process) and
        ``seconds`` (all of it, NN-descent included), wall-clock seconds or
        None; ``error``, a message or None.
    """
    thread = _STATE["thread"]
    return {"started": thread is not None, "done": thread is not None and not thread.is_alive(),
            **{key: _STATE[key] for key in ("seconds", "compile_seconds", "umap_seconds", "error")}}


if __name__ == "__main__":
    # the child: compile at low CPU priority, so visitors' pages and jobs come first
    try:
        os.nice(10)
    except (AttributeError, OSError):
        pass
    import warnings

    # numba's NumbaWarnings about caching and umap-learn's about n_jobs are expected here and would fill the
    # server log; errors are not silenced: they end the child with a traceback the server records
    warnings.simplefilter("ignore")
    # the imported module, not __main__'s copy
    from embedlab.probes.projection.umap.numba_cache import enable_numba_disk_cache as cache_pynndescent
    from embedlab.probes.projection.umap.warmup import fit_tiny_umaps as fit

    t0 = time.perf_counter()
    fit()
    print(f"UMAP's numba code compiled into the disk cache in {time.perf_counter() - t0:.1f} s")
    cache_pynndescent()  # imports pynndescent, whose import compiles its distances: into the cache too
    print(f"pynndescent's numba code compiled into the disk cache in {time.perf_counter() - t0:.1f} s")
    from embedlab.probes.projection.umap.numba_cache import disk_cache_status

    problems = disk_cache_status()["errors"]
    if problems:  # the server keeps stderr as the warm-up's error
        sys.exit("numba disk cache: " + "; ".join(problems))
