"""Downstream check of any labelled space: k-nearest-neighbour classification accuracy, cross-validated.

How well do an embedding's neighbourhoods agree with the labels? Each item
is classified by a majority vote of its ``k`` nearest neighbours (scikit-
learn's :class:`~sklearn.neighbors.KNeighborsClassifier`) among the training
folds of a stratified, shuffled ``folds``-fold split
(:class:`~sklearn.model_selection.StratifiedKFold`, seeded), and the accuracy
on the held-out fold is averaged over the folds. The folds, ``k``, the metric
and the seed are reported with the score, so two embeddings are compared on
identical splits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Optional

import numpy as np

from embedlab.errors import InputError

METRICS = ("euclidean", "cosine")


@dataclass
class KnnAccuracy:
    """Cross-validated k-NN accuracy.

    Attributes
    ----------
    mean, std : float
        Accuracy (fraction correct) over the folds, and its standard deviation.
    per_fold : list of float
    k, folds, seed : int
    metric : str
    n_items, n_classes : int
        Items and classes used (after dropping unlabelled items and classes
        with fewer than ``folds`` members).
    notes : list of str
    """

    mean: float
    std: float
    per_fold: list
    k: int
    folds: int
    seed: int
    metric: str
    n_items: int
    n_classes: int
    notes: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        """One line: the score and how it was measured."""
        return (f"{100 * self.mean:.1f}% ± {100 * self.std:.1f} ({self.k}-NN, {self.metric}, "
                f"{self.folds}-fold stratified CV, seed {self.seed}; {self.n_items:,} items, {self.n_classes} classes)")


def knn_accuracy(vectors: np.ndarray, labels, k: int = 5, folds: int = 5, seed: int = 0,
                 metric: str = "euclidean") -> KnnAccuracy:
    """k-NN classification accuracy of ``labels`` from ``vectors``, by stratified k-fold cross-validation.

    Parameters
    ----------
    vectors : ndarray of shape (n_items, dim)
    labels : array-like of shape (n_items,)
        Class of each item; ``""`` or None means unlabelled (dropped).
    k : int
        Neighbours that vote.
    folds : int
        Folds of :class:`~sklearn.model_selection.StratifiedKFold` (shuffled with ``seed``).
    seed : int
    metric : {"euclidean", "cosine"}

    Returns
    -------
    KnnAccuracy

    Raises
    ------
    InputError
        Fewer than two classes with at least ``folds`` items, ``k`` or ``folds``
        out of range, unknown metric, vectors and labels of different lengths.
    """
    from sklearn.model_selection import StratifiedKFold
    from sklearn.neighbors import KNeighborsClassifier

    X = np.asarray(vectors, dtype=np.float32)
    y = np.asarray(["" if v is None else str(v) for v in labels], dtype=object)
    if X.ndim != 2 or len(X) != len(y):
        raise InputError(f"Expected one label per vector: {len(X)} vectors, {len(y)} labels.")
    if metric not in METRICS:
        raise InputError(f"metric must be one of {', '.join(METRICS)}.")
    if not (isinstance(folds, (int, np.integer)) and 2 <= folds <= 20):
        raise InputError("folds must be a whole number from 2 to 20.")
    if not (isinstance(k, (int, np.integer)) and 1 <= k <= 100):
        raise InputError("k must be a whole number from 1 to 100.")
    notes = []
    keep = y != ""
    if (~keep).any():
        notes.append(f"{int((~keep).sum()):,} unlabelled item(s) left out.")
    classes, counts = np.unique(y[keep], return_counts=True)
    small = classes[counts < folds]
    if len(small):
        keep &= ~np.isin(y, small)
        notes.append(f"{len(small)} class(es) with fewer than {folds} items left out: "
                     + ", ".join(map(str, small[:5])) + (" ..." if len(small) > 5 else "") + ".")
    X, y = X[keep], y[keep]
    n_classes = len(np.unique(y))
    if n_classes < 2:
        raise InputError(f"k-NN accuracy needs at least two classes with {folds} or more labelled items each.")
    if k > len(y) - len(y) // folds - 1:
        raise InputError(f"k={k} is too large for {len(y):,} items in {folds} folds.")
    if metric == "cosine":
        norms = np.linalg.norm(X, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        X = X / norms  # on unit vectors, Euclidean order = cosine order
    from embedlab.train.image_common import one_blas_thread

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores = []
    with one_blas_thread():  # small distance products: a second BLAS thread only waits on a shared machine
        for train, test in splitter.split(X, y):
            clf = KNeighborsClassifier(n_neighbors=k).fit(X[train], y[train])
            scores.append(float(np.mean(clf.predict(X[test]) == y[test])))
    return KnnAccuracy(float(np.mean(scores)), float(np.std(scores)), scores, int(k), int(folds), int(seed), metric,
                       int(len(y)), int(n_classes), notes)


def space_knn_accuracy(space, label_column: Optional[str] = None, **kwargs) -> KnnAccuracy:
    """:func:`knn_accuracy` of a space's vectors against one of its metadata columns.

    Parameters
    ----------
    space : Space
    label_column : str, optional
        Default ``space.info["label_column"]`` or ``"label"``.
    **kwargs
        ``k``, ``folds``, ``seed``, ``metric``.

    Raises
    ------
    InputError
        No such column; see :func:`knn_accuracy`.
    """
    col = label_column or space.info.get("label_column") or "label"
    if col not in space.meta.columns:
        raise InputError(f"The model '{space.name}' has no '{col}' column to classify.")
    return knn_accuracy(space.vectors, space.meta[col].astype(str).to_numpy(), **kwargs)


#: Short names of image embeddings in tables and figures, by model family.
_SHORT = {"image_pixels": "pixels", "image_pca": "PCA", "autoencoder": "AE"}


def embedding_name(space) -> str:
    """``pixels``, ``PCA-10``, ``AE-10`` for the image families; the model's name otherwise."""
    short = _SHORT.get(space.kind)
    if short == "pixels":
        return "pixels" if space.info.get("params", {}).get("scale", "unit") == "unit" else "pixels (standardised)"
    return f"{short}-{space.dim}" if short else space.name


def image_embeddings_accuracy(workspace, images_id: str, model_ids=(), k: int = 5, folds: int = 5, seed: int = 0,
                              progress=None) -> list:
    """k-NN accuracy of an image set's labels on its raw pixels and on each given image model, on the same folds.

    Parameters
    ----------
    workspace : Workspace
    images_id : str
        The stored image set (its labels are the classes; its pixels, scaled
        to [0, 1], are the baseline).
    model_ids : sequence of str
        Models trained on that set (their keys are its image ids).
    k, folds, seed : int
        See :func:`knn_accuracy`.
    progress : callable, optional

    Returns
    -------
    list of dict
        One per embedding: ``embedding``, ``model``, ``model_id``, ``dims``, ``mean``, ``std``, ``per_fold``,
        ``folds``, ``k``, ``seed``, ``metric``, ``n_items``, ``n_classes``, ``notes``.

    Raises
    ------
    InputError
        The set has too few labelled classes; a model whose items are not this set's images.
    """
    from embedlab.progress import no_progress
    from embedlab.sources.images import load_imageset

    progress = progress or no_progress
    images = load_imageset(workspace, images_id)
    labels = dict(zip(images.ids.tolist(), images.labels.tolist()))
    todo = [("pixels", "raw pixels scaled to 0-1 (no model)", None, images.ids.tolist(), images.features())]
    for model_id in model_ids:
        space = workspace.load_space(model_id)
        if sum(1 for w in space.words if w in labels) < len(space) / 2:
            raise InputError(f"The model '{space.name}' was not trained on the image set '{images.name}'.")
        todo.append((embedding_name(space), space.name, model_id, list(space.words), space.vectors))
    rows = []
    for j, (short, model, model_id, keys, vectors) in enumerate(todo):
        progress(j / len(todo), f"k-NN accuracy of {short}")
        result = knn_accuracy(vectors, [labels.get(str(w), "") for w in keys], k=k, folds=folds, seed=seed)
        rows.append({"embedding": short, "model": model, "model_id": model_id, "dims": int(vectors.shape[1]),
                     **result.to_dict()})
    progress(1.0, "k-NN accuracy ready")
    return rows


def run_job(workspace, args: dict, progress) -> dict:
    """Background job ``image_knn_accuracy`` (:data:`embedlab.jobs.TASKS`): :func:`image_embeddings_accuracy`.

    ``args``: ``images_id``, ``model_ids``, ``k``, ``folds``, ``seed``. Returns ``{"rows": [...]}``.
    """
    return {"rows": image_embeddings_accuracy(workspace, args["images_id"], args.get("model_ids") or (),
                                              int(args.get("k", 5)), int(args.get("folds", 5)),
                                              int(args.get("seed", 0)), progress)}
