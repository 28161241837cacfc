"""Random walks on a graph for DeepWalk and node2vec, compiled with numba.

* **DeepWalk** (Perozzi, Al-Rfou & Skiena 2014, "DeepWalk: Online Learning of
  Social Representations", KDD): a first-order walk; the next node is a
  neighbour of the current one, drawn uniformly, or in proportion to the edge
  weight on a weighted graph.
* **node2vec** (Grover & Leskovec 2016, "node2vec: Scalable Feature Learning
  for Networks", KDD, §3.2.2): a second-order walk. Having just moved
  t → v, the walk moves on to a neighbour x of v with probability
  proportional to α(t, x) · w(v, x), where α = 1/p when x = t (return),
  1 when x is linked to t (as the reference code does: an edge x → t), and
  1/q otherwise (move outward). Small q makes walks wander away from where
  they started (depth-first-like); large q keeps them local.

The node2vec paper precomputes one alias table per edge (O(Σ deg²) memory);
pecanpy (Liu & Krishnan 2021) computes the distribution on the fly per step
(O(deg v) time per step). We sample by **rejection** instead (as KnightKing,
Yang et al. SOSP 2019): propose x from v's first-order distribution w(v, ·)
(one binary search in the row's cumulative weights), accept it with
probability α(t, x) / max(1/p, 1, 1/q), one binary search in x's sorted
neighbour list. The result is exact, costs O(log deg) per proposal and
needs no memory beyond the graph's compressed rows; the expected number of
proposals per step is at most max(1/p, 1, 1/q) / min(1/p, 1, 1/q), which is
why p and q are bounded (0.1 to 10).

Randomness: every walk has its own splitmix64 stream (Steele, Lea & Flood
2014) seeded from (seed, walk number), so walks are the same for a given seed
whatever the number of threads and however they are scheduled.

Walks are generated in chunks and written straight to a text file (one walk
per line, nodes as dense indices) that gensim's ``corpus_file`` mode reads,
so memory stays bounded by the chunk, not by walks × length.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

import numpy as np
from numba import njit, prange

from embedlab.errors import Cancelled
from embedlab.progress import Progress, ShouldStop, no_progress

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53

#: Largest ratio max(1/p, 1, 1/q) / min(1/p, 1, 1/q): the bound on expected rejections per step.
P_Q_RANGE = (0.1, 10.0)


@njit(cache=True, nogil=True)
def _mix(z):
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True)
def _uniform(state):
    state = state + _GOLDEN
    return state, float(_mix(state) >> np.uint64(11)) * _TO_UNIT


@njit(cache=True, nogil=True)
def _pick(indptr, indices, cumw, weighted, v, u):
    lo = indptr[v]
    hi = indptr[v + 1]
    if not weighted:
        k = lo + np.int64(u * (hi - lo))
        if k >= hi:
            k = hi - 1
        return indices[k]
    target = u * cumw[hi - 1]
    a = lo
    b = hi - 1
    while a < b:
        m = (a + b) >> 1
        if cumw[m] > target:
            b = m
        else:
            a = m + 1
    return indices[a]


@njit(cache=True, nogil=True)
def _linked(indptr, indices, x, t):
    """True when the edge x -> t exists (binary search in x's sorted row)."""
    a = indptr[x]
    b = indptr[x + 1]
    while a < b:
        m = (a + b) >> 1
        if indices[m] < t:
            a = m + 1
        else:
            b = m
    return a < indptr[x + 1] and indices[a] == t


@njit(parallel=True, cache=True, nogil=True)
def _walks(indptr, indices, cumw, weighted, starts, walk_length, inv_p, inv_q, second_order, seed, offset, out):
    amax = max(inv_p, max(1.0, inv_q))
    for i in prange(starts.shape[0]):
        state = _mix(np.uint64(seed) * _GOLDEN + np.uint64(offset + i))
        v = starts[i]
        out[i, 0] = v
        prev = -1
        for j in range(1, walk_length):
            if indptr[v + 1] == indptr[v]:
                break
            if second_order and prev >= 0:
                while True:
                    state, u = _uniform(state)
                    x = _pick(indptr, indices, cumw, weighted, v, u)
                    state, r = _uniform(state)
                    if x == prev:
                        alpha = inv_p
                    elif _linked(indptr, indices, x, prev):
                        alpha = 1.0
                    else:
                        alpha = inv_q
                    if r * amax < alpha:
                        break
            else:
                state, u = _uniform(state)
                x = _pick(indptr, indices, cumw, weighted, v, u)
            out[i, j] = x
            prev = v
            v = x


@njit(cache=True, nogil=True)
def _format(walks, buf):
    """Write walks (rows, -1 padded) as text lines of decimal indices; return the bytes used."""
    pos = 0
    for i in range(walks.shape[0]):
        n = 0
        while n < walks.shape[1] and walks[i, n] >= 0:
            n += 1
        if n < 2:  # a walk that never left its start holds no context
            continue
        for j in range(n):
            x = walks[i, j]
            start = pos
            if x == 0:
                buf[pos] = 48
                pos += 1
            while x > 0:
                buf[pos] = 48 + x % 10
                x //= 10
                pos += 1
            a = start
            b = pos - 1
            while a < b:
                tmp = buf[a]
                buf[a] = buf[b]
                buf[b] = tmp
                a += 1
                b -= 1
            buf[pos] = 32 if j < n - 1 else 10
            pos += 1
    return pos


@dataclass
class WalkGraph:
    """A graph as the walk kernels read it (compressed sparse rows).

    Attributes
    ----------
    indptr : ndarray of shape (n_nodes + 1,), int64
    indices : ndarray of shape (nnz,), int32
        Neighbours of each row, sorted.
    cumw : ndarray of shape (nnz,), float64
        Running sum of the weights within each row (empty when unweighted).
    weighted : bool
    """

    indptr: np.ndarray
    indices: np.ndarray
    cumw: np.ndarray
    weighted: bool

    @property
    def n_nodes(self) -> int:
        return len(self.indptr) - 1

    @classmethod
    def from_csr(cls, indptr, indices, weights=None) -> "WalkGraph":
        """From compressed rows (indices sorted within each row); ``weights`` None or all equal: unweighted."""
        indptr = np.ascontiguousarray(indptr, dtype=np.int64)
        indices = np.ascontiguousarray(indices, dtype=np.int32)
        if weights is None or len(weights) == 0 or np.all(weights == weights[0]):
            return cls(indptr, indices, np.zeros(1, dtype=np.float64), False)
        w = np.asarray(weights, dtype=np.float64)
        total = np.cumsum(w)
        before = np.concatenate([[0.0], total])[indptr[:-1]]
        cumw = total - np.repeat(before, np.diff(indptr))
        return cls(indptr, indices, cumw, True)

    @classmethod
    def from_graph(cls, graph, weighted: bool = True) -> "WalkGraph":
        """From a :class:`~embedlab.sources.graphs.Graph` (its weights used when ``weighted`` and it has them)."""
        indptr, indices, weights = graph.csr(weighted)
        return cls.from_csr(indptr, indices, weights if (weighted and graph.weighted) else None)


def check_p_q(p: float, q: float) -> None:
    """Raise InputError unless p and q lie in :data:`P_Q_RANGE`."""
    from embedlab.errors import InputError

    lo, hi = P_Q_RANGE
    for name, value in (("p", p), ("q", q)):
        if not (isinstance(value, (int, float)) and lo <= float(value) <= hi):
            raise InputError(f"{name} must be from {lo} to {hi}; got {value!r}. Outside that range the walk "
                             "rejects so many proposed steps that it slows to a crawl.")


def generate_walks(wg: WalkGraph, starts, walk_length: int, p: float = 1.0, q: float = 1.0,
                   second_order: bool = False, seed: int = 0, offset: int = 0) -> np.ndarray:
    """Walks from the given start nodes.

    Parameters
    ----------
    wg : WalkGraph
    starts : array-like of shape (n_walks,), int
        Start node of each walk.
    walk_length : int
        Nodes per walk, the start included.
    p, q : float
        node2vec's return and in-out parameters (used when ``second_order``).
    second_order : bool
        False: DeepWalk's first-order walk. True: node2vec's biased walk
        (with p = q = 1 it has DeepWalk's distribution, drawn another way).
    seed : int
    offset : int
        Number of the first walk in the seed's stream (walk ``i`` uses stream
        ``offset + i``), so walks made in chunks equal walks made at once.

    Returns
    -------
    ndarray of shape (n_walks, walk_length), int32
        Dense node indices; a walk that reaches a node with no way out (a sink
        of a directed graph, an isolated node) stops there and the rest of
        its row is -1.
    """
    if second_order:
        check_p_q(p, q)
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    out = np.full((len(starts), int(walk_length)), -1, dtype=np.int32)
    if len(starts):
        _walks(wg.indptr, wg.indices, wg.cumw, wg.weighted, starts, int(walk_length), 1.0 / float(p), 1.0 / float(q),
               bool(second_order), np.int64(seed), np.int64(offset), out)
    return out


def format_walks(walks: np.ndarray) -> bytes:
    """Walks as text: one line per walk of two or more nodes, dense indices separated by spaces."""
    walks = np.ascontiguousarray(walks, dtype=np.int32)
    top = int(walks.max()) if walks.size else 0
    width = len(str(max(top, 1))) + 1
    buf = np.empty(walks.size * width + 1, dtype=np.uint8)
    used = _format(walks, buf)
    return buf[:used].tobytes()


def write_walks(wg: WalkGraph, path, walks_per_node: int, walk_length: int, p: float = 1.0, q: float = 1.0,
                second_order: bool = False, seed: int = 0, progress: Optional[Progress] = None,
                should_stop: Optional[ShouldStop] = None, chunk: int = 50_000) -> dict:
    """Generate ``walks_per_node`` walks from every node that has a way out and write them to ``path``.

    Each round starts one walk from every such node, in a fresh random order
    (DeepWalk shuffles the nodes each pass). Work is done in chunks of
    ``chunk`` walks; progress and ``should_stop`` are checked after each.

    Returns
    -------
    dict
        ``walks`` (lines written), ``tokens`` (nodes written), ``seconds``,
        ``started`` (nodes walks start from).

    Raises
    ------
    Cancelled
        ``should_stop()`` returned True.
    """
    progress = progress or no_progress
    t0 = time.perf_counter()
    out_deg = np.diff(wg.indptr)
    starts = np.flatnonzero(out_deg > 0)
    rng = np.random.default_rng(seed)
    total = walks_per_node * len(starts)
    done = lines = tokens = 0
    with open(path, "wb") as fh:
        for r in range(walks_per_node):
            order = rng.permutation(starts)
            for c in range(0, len(order), chunk):
                part = order[c:c + chunk]
                walks = generate_walks(wg, part, walk_length, p, q, second_order, seed, r * wg.n_nodes + c)
                lengths = (walks >= 0).sum(axis=1)
                lines += int((lengths >= 2).sum())
                tokens += int(lengths[lengths >= 2].sum())
                fh.write(format_walks(walks))
                done += len(part)
                progress(done / max(total, 1), f"Walks: {done:,} of {total:,}", walks_done=done, walks_total=total)
                if should_stop is not None and should_stop():
                    raise Cancelled("Training was cancelled.")
    return {"walks": lines, "tokens": tokens, "seconds": time.perf_counter() - t0, "started": int(len(starts))}
