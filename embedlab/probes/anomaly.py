"""Anomaly detection on images: what a model of the normal images cannot reconstruct is unusual.

Protocol (stated with every result):

1. *Normal* images are those whose label is not held out (for example every
   digit but one). They are split, stratified by label and seeded, into a
   training part and a test part (``test_fraction``).
2. Each detector is fitted on the training part only and scores **every**
   image; a higher score means more unusual:

   * ``autoencoder``: mean squared reconstruction error of an autoencoder
     (:mod:`embedlab.train.autoencoder`, Hinton & Salakhutdinov 2006; its use
     for anomalies: Japkowicz, Myers & Gluck 1995, Sakurada & Yairi 2014);
   * ``pca``: mean squared error of the projection onto the leading principal
     components and back (:mod:`embedlab.train.image_pca`);
   * baselines on the same features (the scaled pixels):
     ``isolation_forest``, scikit-learn's :class:`~sklearn.ensemble.IsolationForest`
     (Liu, Ting & Zhou 2008), score = −``score_samples``; and
     ``knn_distance``, the distance to the k-th nearest training image
     (Ramaswamy, Rastogi & Shim 2000), scikit-learn's
     :class:`~sklearn.neighbors.NearestNeighbors` (a training image does not
     count itself).
3. ROC AUC (scikit-learn's ``roc_auc_score``) separates the held-out images
   (positives) from the *test* normal images (negatives); training images are
   left out of it, since detectors have seen them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.progress import Progress, ShouldStop, no_progress, scaled
from embedlab.sources.images import ImageSet
from embedlab.train.image_common import check_hidden_sizes, hidden_sizes
from embedlab.train.params import Params, param

METHODS = ("autoencoder", "pca", "isolation_forest", "knn_distance")
METHOD_TITLES = {"autoencoder": "Autoencoder reconstruction error", "pca": "PCA reconstruction error",
                 "isolation_forest": "IsolationForest (baseline)", "knn_distance": "k-th nearest-neighbour distance "
                                                                                   "(baseline)"}
#: The detectors as a sentence names them.
METHOD_NAMES = {"autoencoder": "the autoencoder's reconstruction error", "pca": "PCA's reconstruction error",
                "isolation_forest": "the IsolationForest baseline",
                "knn_distance": "the baseline distance to the k-th nearest training image"}
ROLES = ("train", "normal (test)", "held out")


@dataclass
class AnomalyConfig(Params):
    """Settings of :func:`detect_anomalies`.

    Attributes
    ----------
    test_fraction : float
        Share of the normal images kept out of training to measure false alarms.
    pca_components : int
    ae_bottleneck : int
    ae_hidden_sizes : tuple of int
    ae_epochs : int
    ae_activation : str
    n_estimators : int
        Trees of the IsolationForest.
    knn_k : int
        Which nearest neighbour's distance is the score.
    seed : int
        Split, autoencoder and IsolationForest seed.
    """

    test_fraction: float = param(0.3, "Share of the normal images kept out of training; the ROC AUC compares them "
                                      "with the held-out ones.", 0.05, 0.9, step=0.05, format="%.2f")
    pca_components: int = param(10, "Principal components of the PCA detector (its reconstruction error is the "
                                    "score).", 1, 1000)
    ae_bottleneck: int = param(10, "Bottleneck units of the autoencoder detector.", 1, 1024)
    ae_hidden_sizes: tuple = param((64,), "Encoder layers of the autoencoder detector, e.g. [64] (mirrored in the "
                                          "decoder).", advanced=True)
    ae_epochs: int = param(150, "Epochs of the autoencoder detector.", 1, 2000)
    ae_activation: str = param("tanh", "Activation of the autoencoder's hidden layers.",
                               choices=("tanh", "relu", "logistic"), advanced=True)
    n_estimators: int = param(100, "Trees of the IsolationForest baseline (Liu, Ting & Zhou 2008; scikit-learn).",
                              10, 1000, advanced=True)
    knn_k: int = param(5, "The score of the k-NN baseline is the distance to the k-th nearest training image "
                          "(Ramaswamy et al. 2000).", 1, 100, advanced=True)
    seed: int = param(0, "Seed of the split, the autoencoder and the IsolationForest.", 0, 2**31 - 1, advanced=True)

    def __post_init__(self):
        self.ae_hidden_sizes = hidden_sizes(self.ae_hidden_sizes)
        super().__post_init__()

    def check(self) -> None:
        check_hidden_sizes(self.ae_hidden_sizes, "ae_hidden_sizes")

    def autoencoder_config(self):
        from embedlab.train.autoencoder import AutoencoderConfig

        return AutoencoderConfig(bottleneck=self.ae_bottleneck, hidden_sizes=tuple(self.ae_hidden_sizes),
                                 activation=self.ae_activation, epochs=self.ae_epochs, seed=self.seed)


@dataclass
class AnomalyResult:
    """Scores of every image under each detector, and how well they find the held-out images.

    Attributes
    ----------
    ids, labels : ndarray of shape (n_images,), str
    role : ndarray of shape (n_images,), str
        ``train``, ``normal (test)`` or ``held out``.
    scores : dict of str -> ndarray of shape (n_images,), float64
        Higher = more unusual.
    roc_auc : dict of str -> float or None
        None when nothing is held out.
    held_out : list of str
    config : dict
    seconds : dict of str -> float
        Fitting and scoring time of each detector.
    ae_loss_curve : list of float
        The autoencoder's mean squared error per epoch (empty when not run).
    notes : list of str
    """

    ids: np.ndarray
    labels: np.ndarray
    role: np.ndarray
    scores: dict
    roc_auc: dict
    held_out: list
    config: dict
    seconds: dict = field(default_factory=dict)
    ae_loss_curve: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def methods(self) -> list:
        return list(self.scores)

    def protocol(self) -> str:
        """One paragraph saying what was trained on what and what the AUC measures."""
        n = {r: int(np.sum(self.role == r)) for r in ROLES}
        held = ", ".join(self.held_out) if self.held_out else "nothing"
        return (f"Held out: {held}. Detectors were fitted on {n['train']:,} normal images and scored every image; "
                f"ROC AUC separates the {n['held out']:,} held-out images from {n['normal (test)']:,} normal images "
                f"not used in training ({100 * self.config.get('test_fraction', 0):.0f}% of the normal ones, "
                f"seed {self.config.get('seed')}).")

    def ranking(self, method: str, n: int = 20, include_train: bool = False) -> pd.DataFrame:
        """The ``n`` most unusual images under ``method``: DataFrame(rank, id, label, role, score).

        Raises
        ------
        InputError
            ``method`` was not run.
        """
        s = self._scores(method)
        rows = np.arange(len(s)) if include_train else np.flatnonzero(self.role != "train")
        order = rows[np.argsort(-s[rows], kind="stable")][:n]
        return pd.DataFrame({"rank": np.arange(1, len(order) + 1), "id": self.ids[order], "label": self.labels[order],
                             "role": self.role[order], "score": s[order], "row": order})

    def histogram(self, method: str, bins: int = 30) -> pd.DataFrame:
        """Counts of normal (test) and held-out scores on shared bins: DataFrame(left, right, normal, held_out)."""
        s = self._scores(method)
        normal, held = s[self.role == "normal (test)"], s[self.role == "held out"]
        both = np.concatenate([normal, held])
        edges = np.histogram_bin_edges(both if len(both) else s, bins=bins)
        return pd.DataFrame({"left": edges[:-1], "right": edges[1:], "normal": np.histogram(normal, edges)[0],
                             "held_out": np.histogram(held, edges)[0]})

    def verdict(self) -> str:
        """One plain sentence: which detector separated the held-out images best, and by how much.

        Says so when a baseline (IsolationForest, the k-th neighbour distance)
        beats the reconstruction errors, as the k-NN distance does on the digits.
        """
        scored = {m: a for m, a in self.roc_auc.items() if a is not None}
        if not scored:
            return "Nothing was held out, so no detector can be scored; the ranking shows the most unusual images."
        order = sorted(scored, key=scored.get, reverse=True)
        best = order[0]
        name = METHOD_NAMES[best]
        text = f"{name[0].upper() + name[1:]} separated the held-out images best (ROC AUC {scored[best]:.3f})"
        reconstruction = [m for m in order if m in ("autoencoder", "pca")]
        if best in ("isolation_forest", "knn_distance") and reconstruction:
            r = reconstruction[0]
            text += (f": a baseline beat {METHOD_NAMES[r]} ({scored[r]:.3f}). What a model of the normal images "
                     "cannot reconstruct is unusual, but here plain distance between pixels finds the held-out "
                     "images more reliably")
        elif len(order) > 1:
            text += f", ahead of {METHOD_NAMES[order[1]]} ({scored[order[1]]:.3f})"
        return text + "."

    def summary(self) -> pd.DataFrame:
        """One row per detector: method, title, roc_auc, seconds."""
        return pd.DataFrame({"method": self.methods, "title": [METHOD_TITLES.get(m, m) for m in self.methods],
                             "roc_auc": [self.roc_auc.get(m) for m in self.methods],
                             "seconds": [self.seconds.get(m) for m in self.methods]})

    def _scores(self, method: str) -> np.ndarray:
        if method not in self.scores:
            raise InputError(f"The detector '{method}' was not run; choose one of {', '.join(self.scores)}.")
        return np.asarray(self.scores[method], dtype=np.float64)

    def to_dict(self) -> dict:
        """JSON-able form (a background job's result)."""
        return {"ids": self.ids.tolist(), "labels": self.labels.tolist(), "role": self.role.tolist(),
                "scores": {m: np.asarray(s, dtype=np.float64).tolist() for m, s in self.scores.items()},
                "roc_auc": self.roc_auc, "held_out": list(self.held_out), "config": self.config,
                "seconds": self.seconds, "ae_loss_curve": list(self.ae_loss_curve), "notes": list(self.notes)}

    @classmethod
    def from_dict(cls, d: dict) -> "AnomalyResult":
        return cls(np.asarray(d["ids"], dtype=object).astype(str), np.asarray(d["labels"], dtype=object).astype(str),
                   np.asarray(d["role"], dtype=object).astype(str),
                   {m: np.asarray(s, dtype=np.float64) for m, s in d["scores"].items()}, dict(d["roc_auc"]),
                   list(d["held_out"]), dict(d["config"]), dict(d.get("seconds", {})),
                   list(d.get("ae_loss_curve", [])), list(d.get("notes", [])))


def split_normal(labels: np.ndarray, normal: np.ndarray, test_fraction: float, seed: int) -> np.ndarray:
    """Training rows among the normal ones, stratified by label where every label has two or more images.

    Returns
    -------
    ndarray of shape (n_images,), bool
        True for the rows to train on.
    """
    from sklearn.model_selection import train_test_split

    rows = np.flatnonzero(normal)
    if len(rows) < 4:
        raise InputError(f"Only {len(rows)} normal image(s): anomaly detection needs at least four to train and "
                         "test on. Hold out fewer labels.")
    lab = labels[rows]
    _, counts = np.unique(lab, return_counts=True)
    strat = lab if counts.min() >= 2 and len(counts) < len(rows) * test_fraction else None
    train_rows, _ = train_test_split(rows, test_size=test_fraction, random_state=seed, stratify=strat)
    mask = np.zeros(len(labels), dtype=bool)
    mask[train_rows] = True
    return mask


def knn_distance_scores(X_train: np.ndarray, X: np.ndarray, k: int, is_train: np.ndarray) -> np.ndarray:
    """Distance of each row of ``X`` to its k-th nearest row of ``X_train`` (a training row skips itself).

    Parameters
    ----------
    X_train : ndarray of shape (n_train, n_features)
    X : ndarray of shape (n, n_features)
    k : int
    is_train : ndarray of shape (n,), bool
        Rows of ``X`` that are in ``X_train`` (their nearest neighbour at distance 0 is themselves).

    Returns
    -------
    ndarray of shape (n,), float64
    """
    from sklearn.neighbors import NearestNeighbors

    k = min(int(k), len(X_train) - 1)
    nn = NearestNeighbors(n_neighbors=k + 1).fit(X_train)
    dist, _ = nn.kneighbors(X)
    return np.where(is_train, dist[:, k], dist[:, k - 1]).astype(np.float64)


def detect_anomalies(images: ImageSet, held_out: Sequence[str] = (), cfg: Optional[AnomalyConfig] = None,
                     methods: Sequence[str] = METHODS, progress: Optional[Progress] = None,
                     should_stop: Optional[ShouldStop] = None) -> AnomalyResult:
    """Train detectors on the normal images and score every image (see the module's protocol).

    Parameters
    ----------
    images : ImageSet
    held_out : sequence of str
        Labels treated as anomalies (never trained on). Empty: every image is
        normal, only the most unusual ones are shown and no ROC AUC is given.
    cfg : AnomalyConfig, optional
    methods : sequence of str
        A subset of :data:`METHODS`.
    progress : callable, optional
        The autoencoder reports per epoch.
    should_stop : callable, optional
        Polled between detectors and after each autoencoder epoch.

    Returns
    -------
    AnomalyResult

    Raises
    ------
    InputError
        Unknown method or label, a set without labels when labels are held
        out, every label held out, too few normal images, an autoencoder
        bottleneck not smaller than the input.
    """
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import roc_auc_score

    from embedlab.errors import Cancelled
    from embedlab.train.autoencoder import AutoencoderFit
    from embedlab.train.image_common import one_blas_thread
    from embedlab.train.image_pca import PCAFit

    cfg = cfg or AnomalyConfig()
    progress = progress or no_progress
    methods = list(dict.fromkeys(methods))
    bad = [m for m in methods if m not in METHODS]
    if bad or not methods:
        raise InputError(f"Unknown detector(s) {', '.join(bad) or '(none chosen)'}; choose from {', '.join(METHODS)}.")
    held_out = [str(h) for h in held_out]
    labels = images.labels
    if held_out:
        if not images.has_labels:
            raise InputError("This image set has no labels, so no label can be held out. Upload a labels CSV, or "
                             "run without holding anything out.")
        unknown = [h for h in held_out if h not in set(labels.tolist())]
        if unknown:
            raise InputError(f"No image has the label(s) {', '.join(unknown)}. Labels: "
                             f"{', '.join(sorted(set(labels.tolist()) - {''})[:20])}.")
    anomalous = np.isin(labels, held_out) if held_out else np.zeros(len(images), dtype=bool)
    if anomalous.all():
        raise InputError("Every image is held out; keep at least one label as normal.")
    train = split_normal(labels, ~anomalous, cfg.test_fraction, cfg.seed)
    role = np.where(train, "train", np.where(anomalous, "held out", "normal (test)")).astype(object)
    X = images.features()
    Xtr = X[train]
    if "autoencoder" in methods:
        cfg.autoencoder_config().check_input(X.shape[1])
    n_train = int(train.sum())
    if "pca" in methods and cfg.pca_components > min(n_train, X.shape[1]):
        raise InputError(f"pca_components must be at most {min(n_train, X.shape[1])} here (training images and pixel "
                         f"values per image); got {cfg.pca_components}.")
    scores, seconds, curve = {}, {}, []
    weights = {"autoencoder": 0.7, "pca": 0.05, "isolation_forest": 0.15, "knn_distance": 0.1}
    total = sum(weights[m] for m in methods)
    done = 0.0
    for m in methods:
        if should_stop is not None and should_stop():
            raise Cancelled("Anomaly detection was cancelled.")
        share = weights[m] / total
        sub = scaled(progress, done, done + share)
        sub(0.0, f"Fitting {METHOD_TITLES[m]}")
        t0 = time.perf_counter()
        if m == "autoencoder":
            fit = AutoencoderFit(cfg.autoencoder_config()).fit(Xtr, sub, should_stop)
            scores[m] = fit.reconstruction_error(X)
            curve = list(fit.mse_curve_)
        elif m == "pca":
            scores[m] = PCAFit(cfg.pca_components, cfg.seed).fit(Xtr).reconstruction_error(X)
        elif m == "isolation_forest":
            forest = IsolationForest(n_estimators=cfg.n_estimators, random_state=cfg.seed).fit(Xtr)
            scores[m] = -forest.score_samples(X).astype(np.float64)
        else:
            with one_blas_thread():
                scores[m] = knn_distance_scores(Xtr, X, cfg.knn_k, train)
        seconds[m] = time.perf_counter() - t0
        done += share
    evaluate = role != "train"
    truth = anomalous[evaluate]
    roc = {}
    for m, s in scores.items():
        roc[m] = float(roc_auc_score(truth, s[evaluate])) if held_out and truth.any() and (~truth).any() else None
    notes = []
    if not held_out:
        notes.append("Nothing was held out: every image counts as normal, so there is no ROC AUC; the ranking shows "
                     "the most unusual test images.")
    progress(1.0, "Anomaly scores ready")
    return AnomalyResult(images.ids.copy(), labels.copy(), role, scores, roc, held_out, cfg.to_dict(), seconds, curve,
                         notes)


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry (kind ``image_anomaly``, in :data:`embedlab.jobs.TASKS`).

    ``args``: ``images_id`` (or ``sample``), ``held_out`` (list of labels),
    ``config`` (an :class:`AnomalyConfig` dict), optional ``methods``;
    ``job_folder`` (set by the worker). The scores of every image go to
    ``<job_folder>/anomaly.json`` (too large for the job's status file, which
    every job list reads); the result names it.

    Returns
    -------
    dict
        ``images_id``, ``file`` (the path of :meth:`AnomalyResult.to_dict` as JSON), ``roc_auc``, ``held_out``.
    """
    import json
    from pathlib import Path

    from embedlab.train.image_common import job_imageset

    images = job_imageset(workspace, args)
    cfg = AnomalyConfig.from_dict(args.get("config", {}))
    result = detect_anomalies(images, args.get("held_out", ()), cfg, args.get("methods") or METHODS, progress)
    path = Path(args["job_folder"]) / "anomaly.json"
    path.write_text(json.dumps(result.to_dict()), encoding="utf-8")
    return {"images_id": images.id, "file": str(path), "roc_auc": result.roc_auc, "held_out": list(result.held_out)}


def load_result(status: dict) -> AnomalyResult:
    """The :class:`AnomalyResult` of a finished ``image_anomaly`` job (from its status).

    Raises
    ------
    InputError
        The job's result file is gone (its job was removed from the list).
    """
    import json
    from pathlib import Path

    path = Path((status.get("result") or {}).get("file", ""))
    try:
        return AnomalyResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"The scores of this anomaly run are gone ({exc}); run it again.") from exc
