"""The whole projection probe: project a point set and measure its distortion."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.probes.projection.distortion import knn_overlap, trustworthiness
from embedlab.probes.projection.knn import knn_graph
from embedlab.probes.projection.points import PointSet, frequency_order
from embedlab.probes.projection.preprocess import spherize
from embedlab.probes.projection.reducers import PCA, TSNE, UMAP
from embedlab.space import Space

METHODS = ("pca", "umap", "tsne")
TSNE_LIMIT = 20_000


@dataclass
class Projection:
    """A projection of a point set, with its distortion.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per point: ``word`` (the key), ``label`` (display name:
        :attr:`Space.labels`, the key when there is none), ``x``, ``y`` (``z``
        in 3-D), ``frequency rank`` (1 = most frequent), ``count``,
        ``knn overlap`` (share in [0, 1]).
    indices : ndarray of shape (n_points,)
        Rows of ``space.vectors``.
    method : str
    params : dict
    n_components : int
    explained_variance_ratio : ndarray of shape (n_components,) or None (PCA only)
    trustworthiness : float or None
    trust_k : int
    trust_points : int
        Points the trustworthiness was computed on (a sample above ``sample_size``).
    seconds : float
        Time spent on the projection itself (without the k-NN graph and the distortion).
    """

    frame: pd.DataFrame
    indices: np.ndarray
    method: str
    params: dict
    n_components: int
    explained_variance_ratio: Optional[np.ndarray]
    trustworthiness: Optional[float]
    trust_k: int
    trust_points: int
    seconds: float

    @property
    def coords(self) -> np.ndarray:
        """ndarray of shape (n_points, n_components), float32."""
        return self.frame[["x", "y", "z"][: self.n_components]].to_numpy(dtype=np.float32)


def project(space: Space, points: PointSet, method: str = "pca", n_components: int = 2, spherize_first: bool = False,
            n_neighbors: int = 15, min_dist: float = 0.1, metric: str = "cosine", perplexity: float = 30.0,
            random_state: Optional[int] = 0, distortion_k: int = 10, trust_sample: int = 3000,
            knn: Optional[tuple] = None, n_epochs: Optional[int] = None,
            progress: Optional[Callable] = None) -> Projection:
    """Project a point set of ``space`` to 2-D or 3-D and measure the distortion.

    Parameters
    ----------
    space : Space
    points : PointSet
    method : {"pca", "umap", "tsne"}
    n_components : {2, 3}
    spherize_first : bool
        Centre and unit-normalise the vectors first (:func:`spherize`).
    n_neighbors, min_dist, metric : UMAP parameters (``metric`` also for t-SNE and the distortion).
    perplexity : t-SNE parameter.
    random_state : int or None
    distortion_k : int
        ``k`` of the trustworthiness and the per-point k-NN overlap.
    trust_sample : int
        Trustworthiness is computed on a random sample of this many points above it.
    knn : tuple (indices, distances), optional
        Cached :func:`knn_graph` of the (spherized) points with at least
        ``max(n_neighbors, distortion_k + 1)`` columns (for UMAP; else
        ``distortion_k + 1``); reused by UMAP and the k-NN overlap. Computed
        when not given.
    n_epochs : int or None
        UMAP's optimisation epochs (see :class:`UMAP`); fewer is faster and a
        little less faithful.
    progress : callable, optional

    Returns
    -------
    Projection

    Raises
    ------
    InputError
        Unknown method, too few points for the method, parameters out of range.
    """
    report = progress or (lambda *a, **kw: None)
    if method not in METHODS:
        raise InputError(f"Unknown projection {method!r}; choose one of {', '.join(METHODS)}.")
    idx = np.asarray(points.indices, dtype=np.int64)
    if len(idx) < 5:
        raise InputError(f"Only {len(idx)} points were chosen; a projection needs at least 5. Choose more words.")
    X = np.asarray(space.vectors[idx], dtype=np.float32)
    if spherize_first:
        X = spherize(X)
    evr = None
    if method == "tsne" and len(idx) > TSNE_LIMIT:
        raise InputError(f"t-SNE of {len(idx):,} points would take many minutes; choose at most {TSNE_LIMIT:,} "
                         "points for t-SNE, or use UMAP, which handles the whole vocabulary.")
    need = min(max(int(n_neighbors) if method == "umap" else 0, distortion_k + 1), len(idx))
    if knn is None or knn[0].shape[1] < need or knn[0].shape[0] != len(idx):
        report(0.1, f"nearest neighbours of {len(idx):,} points")
        knn = knn_graph(X, need, metric, random_state=random_state)
    report(0.3, f"{method.upper()} of {len(idx):,} points")
    start = time.perf_counter()
    if method == "pca":
        model = PCA(n_components)
        Y = model.fit_transform(X)
        evr = model.explained_variance_ratio_
    elif method == "umap":
        Y = UMAP(n_components, n_neighbors=int(n_neighbors), min_dist=min_dist, metric=metric,
                 random_state=random_state, knn=knn, n_epochs=n_epochs).fit_transform(
            X, progress=lambda f, message: report(0.3 + 0.5 * f, message))
    else:
        Y = TSNE(n_components, perplexity=perplexity, metric=metric, random_state=random_state).fit_transform(X)
    seconds = time.perf_counter() - start
    report(0.8, "measuring distortion")
    k = int(min(distortion_k, max((min(len(idx), trust_sample) - 1) // 2, 1)))
    trust, trust_n = trustworthiness(X, Y, k=k, metric=metric, sample_size=trust_sample, random_state=0)
    overlap = knn_overlap(X, Y, k=k, metric=metric, knn_original=knn)
    words = [space.words[i] for i in idx]
    frame = pd.DataFrame({"word": words})
    labels = space.labels
    frame["label"] = [labels[i] for i in idx]
    Yr = np.round(Y.astype(np.float64), 4)
    for j, c in enumerate(["x", "y", "z"][:n_components]):
        frame[c] = Yr[:, j].astype(np.float32)
    order = frequency_order(space)
    rank = np.empty(len(space), dtype=np.int64)
    rank[order] = np.arange(1, len(space) + 1)
    frame["frequency rank"] = rank[idx]
    frame["count"] = space.counts[idx]
    frame["knn overlap"] = overlap
    report(1.0, "done")
    params = {"spherize": spherize_first, "metric": metric, "random_state": random_state}
    if method == "umap":
        params.update(n_neighbors=int(n_neighbors), min_dist=float(min_dist), n_epochs=n_epochs)
    elif method == "tsne":
        params.update(perplexity=float(perplexity))
    return Projection(frame, idx, method, params, n_components, evr, trust, k, trust_n, seconds)


# -- a large UMAP / t-SNE as a background job ---------------------------------------------------------

def run_projection_job(workspace, args: dict, progress: Callable) -> dict:
    """Background job ``projection``: :func:`project` a point set of a workspace model; the result is saved beside the job.

    The Explore page runs this for UMAP and t-SNE above
    :func:`embedlab.config.inline_limit` ``("projection_points")`` points: tens
    of seconds of numba and BLAS work that would otherwise run in the web
    server's process.

    Parameters
    ----------
    workspace : Workspace
    args : dict
        ``model_id``; ``indices`` (rows of the space), ``description``,
        ``queries``; ``method``, ``dims``, ``spherize``, ``metric``,
        ``n_neighbors``, ``min_dist``, ``perplexity``, ``distortion_k``,
        ``random_state``, ``n_epochs``; ``job_folder`` (set by the worker).
    progress : callable

    Returns
    -------
    dict
        ``points``, ``seconds`` and ``folder`` (read back by :func:`load_projection`).
    """
    import json
    from pathlib import Path

    space = workspace.load_space(args["model_id"])
    idx = np.asarray(args["indices"], dtype=np.int64)
    if len(idx) and (idx.min() < 0 or idx.max() >= len(space)):
        raise InputError("The points do not belong to this model; choose them again.")
    points = PointSet(idx, str(args.get("description", "")), queries=list(args.get("queries", [])))
    result = project(space, points, args["method"], int(args["dims"]), spherize_first=bool(args["spherize"]),
                     n_neighbors=int(args["n_neighbors"]), min_dist=float(args["min_dist"]), metric=args["metric"],
                     perplexity=float(args["perplexity"]), distortion_k=int(args["distortion_k"]),
                     random_state=args.get("random_state"), n_epochs=args.get("n_epochs"), progress=progress)
    folder = Path(args["job_folder"])
    result.frame.to_parquet(folder / "projection.parquet", index=False)
    np.save(folder / "projection-indices.npy", result.indices, allow_pickle=False)
    facts = {"method": result.method, "params": result.params, "n_components": result.n_components,
             "explained_variance_ratio": None if result.explained_variance_ratio is None
             else [float(v) for v in result.explained_variance_ratio],
             "trustworthiness": result.trustworthiness, "trust_k": result.trust_k,
             "trust_points": result.trust_points, "seconds": result.seconds}
    (folder / "projection.json").write_text(json.dumps(facts, default=float), encoding="utf-8")
    return {"points": int(len(idx)), "seconds": float(result.seconds), "folder": str(folder)}


def load_projection(folder) -> Projection:
    """Read back what :func:`run_projection_job` saved in a job's folder.

    Raises
    ------
    InputError
        The files are missing (the job was removed).
    """
    import json
    from pathlib import Path

    folder = Path(folder)
    try:
        facts = json.loads((folder / "projection.json").read_text(encoding="utf-8"))
        frame = pd.read_parquet(folder / "projection.parquet")
        indices = np.load(folder / "projection-indices.npy", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise InputError(f"The saved projection is gone ({exc}); project again.") from exc
    evr = facts.get("explained_variance_ratio")
    return Projection(frame, indices, facts["method"], facts["params"], int(facts["n_components"]),
                      None if evr is None else np.asarray(evr), facts["trustworthiness"], int(facts["trust_k"]),
                      int(facts["trust_points"]), float(facts["seconds"]))
