"""node2vec (Grover & Leskovec 2016): Word2Vec skip-gram on biased second-order random walks.

Like DeepWalk, but each step of a walk depends on where the walk came from:
having moved t → v, stepping back to t weighs 1/p, stepping to a node also
linked to t weighs 1, stepping further away weighs 1/q (times the edge
weight). With q < 1 the walks roam outward and the vectors group nodes of a
community (homophily); with q > 1 they stay near their start and the vectors
group nodes with similar local structure (structural equivalence) — the
node2vec paper's Figure 3 on Les Misérables. p = q = 1 is DeepWalk's walk.

The walks are :mod:`embedlab.train.walks`' numba kernels (exact rejection
sampling, no per-edge tables); the rest is :func:`embedlab.train.deepwalk.fit_walk_model`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from embedlab.progress import Progress, ShouldStop
from embedlab.space import Space
from embedlab.train.deepwalk import DeepWalkConfig, fit_walk_model
from embedlab.train.gensim_run import LOSS_NOTE
from embedlab.train.graph_family import check_walk_job, run_graph_job
from embedlab.train.params import param
from embedlab.train.registry import Family
from embedlab.train.walks import P_Q_RANGE

TITLE = "node2vec"
CITATION = ("A. Grover and J. Leskovec (2016), \"node2vec: Scalable Feature Learning for Networks\", KDD; "
            "biased second-order walks, then gensim's Word2Vec skip-gram with negative sampling.")


@dataclass
class Node2VecConfig(DeepWalkConfig):
    """DeepWalk's settings plus node2vec's return parameter ``p`` and in-out parameter ``q``.

    Attributes
    ----------
    p : float
        Return parameter: stepping straight back weighs 1/p.
    q : float
        In-out parameter: stepping to a node not linked to the previous one weighs 1/q.
    """

    p: float = param(1.0, "Return parameter: stepping straight back to the previous node weighs 1/p; a large p "
                          "rarely backtracks (node2vec §3.2.2).", *P_Q_RANGE, format="%.2f", step=0.1)
    q: float = param(0.5, "In-out parameter: stepping to a node not linked to the previous one weighs 1/q; q < 1 "
                          "roams outward (communities), q > 1 stays near the start (local structure) "
                          "(node2vec §3.2.2).", *P_Q_RANGE, format="%.2f", step=0.1)


def train_node2vec(graph, cfg: Optional[Node2VecConfig] = None, progress: Optional[Progress] = None,
                   should_stop: Optional[ShouldStop] = None, name: Optional[str] = None,
                   graph_id: Optional[str] = None) -> Space:
    """Train node2vec on a graph.

    Parameters
    ----------
    graph : Graph
    cfg : Node2VecConfig, optional
    progress, should_stop, name, graph_id : see :func:`embedlab.train.deepwalk.train_deepwalk`

    Returns
    -------
    Space
        ``kind='node2vec'``, ``info['item_kind'] == 'node'``, ``info['params']``
        holding ``p`` and ``q``; keys are node ids.

    Raises
    ------
    Cancelled
        ``should_stop()`` returned True.
    """
    cfg = cfg or Node2VecConfig()
    return fit_walk_model(graph, cfg, "node2vec", True, cfg.p, cfg.q, progress, should_stop, name, graph_id,
                          method=f"node2vec (Grover & Leskovec 2016): second-order walks with p = {cfg.p:g}, "
                                 f"q = {cfg.q:g}, then Word2Vec skip-gram with negative sampling.")


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry (kind ``node2vec``).

    ``args``: ``graph_id`` or ``sample``, ``config`` (a :class:`Node2VecConfig`
    dict), optional ``name``. Returns ``{"model_id": ..., "graph_id": ...}``.
    """
    return run_graph_job(workspace, args, progress, Node2VecConfig, train_node2vec)


FAMILY = Family(
    name="node2vec", title=TITLE, data="graph", item="node", config=Node2VecConfig, job=run_job,
    source="Grover & Leskovec 2016; walks in numba (exact rejection sampling), Word2Vec skip-gram with gensim",
    description="DeepWalk with biased second-order walks: p sets how often a walk steps back, q whether it roams "
                "outward (q < 1) or stays near where it came from (q > 1).",
    details="Having moved t → v, the walk steps to a neighbour x of v with weight w(v, x) × (1/p if x = t, 1 if x "
            "is linked to t, 1/q otherwise). p = q = 1 is DeepWalk's walk. Then Word2Vec skip-gram with negative "
            "sampling over the walks.",
    loss_note=LOSS_NOTE, reports_loss=True, check=check_walk_job, order=20)
