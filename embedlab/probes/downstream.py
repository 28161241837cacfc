"""Downstream (extrinsic) evaluation of document vectors: predict a label from them.

A document space is judged by what it is for. Pick a label column of the
documents (``sentiment``; ``president``, ``kind``, ``year``):

* a categorical label is predicted by a logistic regression (scikit-learn,
  L2, lbfgs) on the standardised document vectors, scored by accuracy (and
  macro-F1 with more than two classes) under stratified k-fold
  cross-validation, with a confusion matrix of the out-of-fold predictions;
* a numeric label with many values (``year``) is predicted by a ridge
  regression, scored by R² per fold, with out-of-fold predicted vs true values.

Every method -- each space given, and the bag-of-words baseline TF-IDF +
logistic (or ridge) regression on the same documents -- is scored on the very
same folds in the same run (:attr:`DownstreamResult.folds`; each method
records the test indices it was given). The baseline's TF-IDF is fitted on
each training fold only, exactly as a scikit-learn ``Pipeline(TfidfVectorizer,
LogisticRegression)`` under ``cross_val_predict``
(``tests/test_downstream.py``), but the documents are counted once, not once per fold.
The document spaces themselves were trained without labels on all documents
(transductive, as in Le & Mikolov 2014); only the classifier sees the folds.

For the shipped movie reviews the published reference is Pang & Lee (2004):
87.2 % accuracy, SVM on unigram presence features, 10-fold cross-validation.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import pandas as pd
import scipy.sparse as sp

from embedlab.errors import InputError
from embedlab.progress import Progress, no_progress
from embedlab.space import Space

#: Published reference figures, by corpus name.
REFERENCES = {
    "movie_reviews": {
        "column": "sentiment", "metric": "accuracy", "value": 0.872,
        "text": "Pang & Lee (2004): 87.2 % accuracy with an SVM on unigram presence features, 10-fold "
                "cross-validation, on these 2,000 reviews (\"A Sentimental Education\", ACL 2004, Table 2).",
    },
}
BASELINE = "TF-IDF + logistic regression"
BASELINE_REGRESSION = "TF-IDF + ridge regression"
#: A numeric column with more distinct values than this is a regression target under task="auto".
MAX_CLASSES_AUTO = 12


@dataclass
class LabelTask:
    """The label to predict, after dropping documents without one.

    Attributes
    ----------
    column : str
    task : {"classification", "regression"}
    ids : list of str, length n
        Documents kept, in order.
    y : ndarray of shape (n,)
        Class names (str) or values (float64).
    classes : list of str
        Sorted class names (classification), else empty.
    dropped : int
        Documents whose label was missing.
    notes : list of str
    """

    column: str
    task: str
    ids: list
    y: np.ndarray
    classes: list = field(default_factory=list)
    dropped: int = 0
    notes: list = field(default_factory=list)


def label_task(labels: pd.Series, column: str, task: str = "auto", n_folds: int = 10) -> LabelTask:
    """Check a label column and decide what to predict.

    Parameters
    ----------
    labels : pandas.Series
        The column's values, indexed by document id.
    column : str
        Its name (for messages).
    task : {"auto", "classification", "regression"}
        ``auto``: regression for a numeric column with more than
        :data:`MAX_CLASSES_AUTO` distinct values, else classification.
    n_folds : int
        Folds of the cross-validation, 2 to 20.

    Returns
    -------
    LabelTask

    Raises
    ------
    InputError
        Every label missing; one class only; a class with fewer documents than
        folds; a non-numeric or constant regression target; fewer documents than folds.
    """
    if task not in ("auto", "classification", "regression"):
        raise InputError("task must be 'auto', 'classification' or 'regression'.")
    if not (isinstance(n_folds, (int, np.integer)) and 2 <= n_folds <= 20):
        raise InputError(f"Choose from 2 to 20 folds; got {n_folds!r}.")
    values = labels.copy()
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        values = values.astype("string").str.strip().replace("", pd.NA)
    missing = values.isna().to_numpy()
    dropped = int(missing.sum())
    notes = []
    if dropped:
        notes.append(f"{dropped:,} of {len(values):,} documents have no '{column}' label and were left out.")
    values = values[~missing]
    if len(values) == 0:
        raise InputError(f"No document has a '{column}' label. Choose another label column.")
    numeric = pd.api.types.is_numeric_dtype(values)
    if task == "auto":
        task = "regression" if numeric and values.nunique() > MAX_CLASSES_AUTO else "classification"
    ids = [str(i) for i in values.index]
    if task == "regression":
        y = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isnan(y).any():
            raise InputError(f"'{column}' is not numeric everywhere, so it cannot be predicted as a number. "
                             "Predict it as classes instead.")
        if np.ptp(y) == 0:
            raise InputError(f"Every document has the same '{column}' ({y[0]:g}); there is nothing to predict.")
        if len(y) < 2 * n_folds:
            raise InputError(f"Only {len(y)} documents have a '{column}' label: too few for {n_folds}-fold "
                             "cross-validation. Choose fewer folds.")
        return LabelTask(column, "regression", ids, y, [], dropped, notes)
    y = values.astype(str).to_numpy()
    classes, sizes = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise InputError(f"Every labelled document has the same '{column}' ('{classes[0]}'): a classifier needs "
                         "at least two classes. Choose another label column.")
    small = [(c, int(s)) for c, s in zip(classes, sizes) if s < n_folds]
    if small:
        listed = ", ".join(f"'{c}' ({s})" for c, s in small[:8]) + (" …" if len(small) > 8 else "")
        fewest = min(s for _, s in small)
        hint = (f"Choose at most {fewest} folds" if fewest >= 2 else "Merge or drop the rarest classes")
        raise InputError(f"{len(small)} class(es) of '{column}' have fewer documents than the {n_folds} folds: "
                         f"{listed}. Stratified {n_folds}-fold cross-validation needs every class in every "
                         f"fold. {hint}, or pick a label column with larger classes.")
    return LabelTask(column, "classification", ids, y, [str(c) for c in classes], dropped, notes)


def make_folds(task: LabelTask, n_folds: int = 10, random_state: int = 0) -> list:
    """The cross-validation folds every method is scored on.

    Stratified k-fold for classes, k-fold for numbers; both shuffled with
    ``random_state`` (scikit-learn ``StratifiedKFold`` / ``KFold``).

    Returns
    -------
    list of (train, test)
        Index arrays (int64) into ``task.ids``.
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    splitter = (StratifiedKFold if task.task == "classification" else KFold)(
        n_splits=n_folds, shuffle=True, random_state=random_state)
    return [(np.asarray(tr, dtype=np.int64), np.asarray(te, dtype=np.int64))
            for tr, te in splitter.split(np.zeros(len(task.y)), task.y)]


@dataclass
class MethodResult:
    """Scores of one method on every fold.

    Attributes
    ----------
    name : str
    scores : dict of str -> list of float
        Per fold: ``accuracy`` and (more than two classes) ``macro_f1``, or ``r2``.
    predictions : ndarray of shape (n,)
        Out-of-fold prediction of every document.
    test_indices : list of ndarray
        The test indices this method was scored on, fold by fold.
    confusion : ndarray of shape (n_classes, n_classes) or None
        Rows: true class, columns: predicted (classes in ``LabelTask.classes`` order).
    """

    name: str
    scores: dict
    predictions: np.ndarray
    test_indices: list
    confusion: Optional[np.ndarray] = None

    def mean(self, metric: str) -> float:
        return float(np.mean(self.scores[metric]))

    def std(self, metric: str) -> float:
        """Standard deviation over folds (ddof=1)."""
        return float(np.std(self.scores[metric], ddof=1))


@dataclass
class DownstreamResult:
    """Everything an evaluation page shows.

    Attributes
    ----------
    task : LabelTask
    folds : list of (train, test)
    methods : dict of str -> MethodResult
        In the order evaluated; the baseline last.
    settings : dict
        Folds, seed, classifier settings, baseline settings.
    reference : dict or None
        A published figure for this corpus and label (:data:`REFERENCES`).
    notes : list of str
    seconds : float
    """

    task: LabelTask
    folds: list
    methods: dict
    settings: dict
    reference: Optional[dict] = None
    notes: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def metrics(self) -> list:
        if self.task.task == "regression":
            return ["r2"]
        return ["accuracy", "macro_f1"] if len(self.task.classes) > 2 else ["accuracy"]

    def table(self) -> pd.DataFrame:
        """One row per method: mean, standard deviation, min and max over folds of each metric."""
        rows = []
        for name, m in self.methods.items():
            row = {"method": name}
            for metric in self.metrics:
                values = np.asarray(m.scores[metric])
                row.update({metric: values.mean(), f"{metric} sd": values.std(ddof=1),
                            f"{metric} min": values.min(), f"{metric} max": values.max()})
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """A JSON-able dict (for a background job's result); :meth:`from_dict` reverses it."""
        t = self.task
        return {
            "task": {"column": t.column, "task": t.task, "ids": list(t.ids), "y": t.y.tolist(),
                     "classes": list(t.classes), "dropped": t.dropped, "notes": list(t.notes)},
            "folds": [[tr.tolist(), te.tolist()] for tr, te in self.folds],
            "methods": {n: {"scores": {k: [float(v) for v in vs] for k, vs in m.scores.items()},
                            "predictions": m.predictions.tolist(),
                            "test_indices": [ti.tolist() for ti in m.test_indices],
                            "confusion": None if m.confusion is None else m.confusion.tolist()}
                        for n, m in self.methods.items()},
            "settings": self.settings, "reference": self.reference, "notes": list(self.notes),
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "DownstreamResult":
        t = d["task"]
        y = np.asarray(t["y"], dtype=np.float64 if t["task"] == "regression" else object)
        task = LabelTask(t["column"], t["task"], t["ids"], y.astype(str) if t["task"] != "regression" else y,
                         t["classes"], t["dropped"], t["notes"])
        methods = {n: MethodResult(n, m["scores"], np.asarray(m["predictions"]),
                                   [np.asarray(ti, dtype=np.int64) for ti in m["test_indices"]],
                                   None if m["confusion"] is None else np.asarray(m["confusion"], dtype=np.int64))
                   for n, m in d["methods"].items()}
        folds = [(np.asarray(tr, dtype=np.int64), np.asarray(te, dtype=np.int64)) for tr, te in d["folds"]]
        return cls(task, folds, methods, d["settings"], d.get("reference"), d.get("notes", []), d.get("seconds", 0.0))


# -- the models ----------------------------------------------------------------------

def _vector_model(task: str, C: float, ridge_alpha: float):
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    head = LogisticRegression(C=C, max_iter=2000) if task == "classification" else Ridge(alpha=ridge_alpha)
    return make_pipeline(StandardScaler(), head)


class FoldTfidf:
    """TF-IDF of training-fold documents, as ``TfidfVectorizer`` fitted on that fold.

    The documents are counted once (scikit-learn ``CountVectorizer``); per
    fold, words in fewer than ``min_df`` training documents are dropped and the
    smoothed idf, sublinear tf and L2 row norm are computed from the training
    rows -- what ``TfidfVectorizer(sublinear_tf=True, min_df=min_df).fit(train)``
    followed by ``transform`` gives, without tokenising again for each fold.

    Parameters
    ----------
    texts : list of str
        Documents, tokens separated by spaces.
    min_df : int
    sublinear_tf : bool
    """

    def __init__(self, texts: list, min_df: int = 2, sublinear_tf: bool = True):
        from sklearn.feature_extraction.text import CountVectorizer

        self.counts = CountVectorizer(analyzer=str.split, lowercase=False).fit_transform(texts).tocsr()
        self.counts.sort_indices()
        self.min_df, self.sublinear_tf = min_df, sublinear_tf

    def split(self, train: np.ndarray, test: np.ndarray) -> tuple:
        """(X_train, X_test): sparse TF-IDF matrices of the training and test rows."""
        tr = self.counts[train]
        df = np.bincount(tr.indices, minlength=tr.shape[1])
        keep = np.flatnonzero(df >= self.min_df)
        if len(keep) == 0:
            raise InputError(f"No word occurs in {self.min_df} training documents; the TF-IDF baseline has no "
                             "features.")
        idf = np.log((1.0 + len(train)) / (1.0 + df[keep])) + 1.0
        return self._weight(tr[:, keep], idf), self._weight(self.counts[test][:, keep], idf)

    def _weight(self, counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
        x = counts.astype(np.float64).tocsr()
        if self.sublinear_tf:
            x.data = np.log(x.data) + 1.0
        x = x @ sp.diags(idf)
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / norms) @ x)


def _score(task: LabelTask, truth: np.ndarray, predicted: np.ndarray) -> dict:
    from sklearn.metrics import accuracy_score, f1_score, r2_score

    if task.task == "regression":
        return {"r2": float(r2_score(truth, predicted))}
    out = {"accuracy": float(accuracy_score(truth, predicted))}
    if len(task.classes) > 2:
        out["macro_f1"] = float(f1_score(truth, predicted, labels=task.classes, average="macro", zero_division=0))
    return out


def cross_validate(features, task: LabelTask, folds: list, name: str, C: float = 1.0, baseline_C: float = 10.0,
                   ridge_alpha: float = 1.0, progress: Optional[Progress] = None) -> MethodResult:
    """Score one method on the given folds.

    Parameters
    ----------
    features : ndarray of shape (n, dim) or FoldTfidf
        Document vectors (standardised, then logistic/ridge regression with
        ``C``/``ridge_alpha``), or the TF-IDF baseline (logistic regression
        with ``baseline_C``, ridge with ``ridge_alpha``).
    task : LabelTask
    folds : list of (train, test)
    name : str
    C, baseline_C : float
        Inverse L2 strength of the logistic regression (scikit-learn ``C``).
    ridge_alpha : float
        L2 strength of the ridge regression.
    progress : callable, optional

    Returns
    -------
    MethodResult
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression, Ridge

    progress = progress or no_progress
    y = task.y
    predictions = np.empty(len(y), dtype=y.dtype)
    scores: dict = {}
    tested = []
    for f, (train, test) in enumerate(folds):
        progress(f / len(folds), f"{name}: fold {f + 1} of {len(folds)}")
        if isinstance(features, FoldTfidf):
            x_train, x_test = features.split(train, test)
            model = (LogisticRegression(C=baseline_C, max_iter=2000) if task.task == "classification"
                     else Ridge(alpha=ridge_alpha))
        else:
            x_train, x_test = features[train], features[test]
            model = _vector_model(task.task, C, ridge_alpha)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x_train, y[train])
        predictions[test] = model.predict(x_test)
        tested.append(np.asarray(test, dtype=np.int64))
        for metric, value in _score(task, y[test], predictions[test]).items():
            scores.setdefault(metric, []).append(value)
    confusion = None
    if task.task == "classification":
        from sklearn.metrics import confusion_matrix

        confusion = confusion_matrix(y, predictions, labels=task.classes)
    progress(1.0, f"{name}: done")
    return MethodResult(name, scores, predictions, tested, confusion)


def evaluate(spaces, column: str, texts: Optional[dict] = None, n_folds: int = 10, task: str = "auto",
             random_state: int = 0, C: float = 1.0, baseline_C: float = 10.0, ridge_alpha: float = 1.0,
             min_df: int = 2, progress: Optional[Progress] = None) -> DownstreamResult:
    """Predict a label column from document vectors, against the TF-IDF baseline, on the same folds.

    Parameters
    ----------
    spaces : Space or dict of str -> Space
        Document spaces (keys = document ids, labels in ``meta``); several
        spaces are compared on the documents they all have.
    column : str
        A label column of the (first) space's ``meta``.
    texts : dict of str -> str, optional
        Each document's preprocessed text (tokens joined by spaces), by id,
        for the baseline; None: no baseline.
    n_folds : int
        2 to 20 (10 by default, as Pang & Lee 2004).
    task : {"auto", "classification", "regression"}
    random_state : int
        Seed of the fold shuffle.
    C : float
        Logistic regression on the standardised vectors (scikit-learn ``C``, default 1).
    baseline_C : float
        Logistic regression on TF-IDF (default 10: unit-length TF-IDF rows need
        a weaker penalty than standardised vectors).
    ridge_alpha : float
        Ridge regression, both for vectors and for TF-IDF.
    min_df : int
        The baseline's TF-IDF drops words in fewer training documents.
    progress : callable, optional

    Returns
    -------
    DownstreamResult

    Raises
    ------
    InputError
        Unknown column; see :func:`label_task` for the label checks.
    """
    t0 = time.perf_counter()
    progress = progress or no_progress
    if isinstance(spaces, Space):
        spaces = {spaces.name: spaces}
    if not spaces:
        raise InputError("Choose at least one document model to evaluate.")
    first = next(iter(spaces.values()))
    if column not in first.meta.columns or column in ("count", "label"):
        offered = [c for c in first.info.get("label_columns", []) if c in first.meta]
        raise InputError(f"The documents have no label column '{column}'. "
                         + (f"Choose one of: {', '.join(offered)}." if offered else
                            "This corpus has no label columns; prepare it from a table with labels."))
    ids = pd.Index(first.words)
    for space in list(spaces.values())[1:]:
        ids = ids.intersection(pd.Index(space.words), sort=False)
    notes = []
    missing_in_some = len(first) - len(ids)
    if missing_in_some:
        notes.append(f"{missing_in_some:,} documents are not in every model and were left out.")
    empty = max(int(s.info.get("empty_documents", 0)) for s in spaces.values())
    if empty:
        notes.append(f"{empty:,} document(s) of the corpus were empty after preprocessing and have no vector.")
    labels = first.meta.loc[ids, column]
    lt = label_task(labels, column, task, n_folds)
    folds = make_folds(lt, n_folds, random_state)
    settings = {"n_folds": n_folds, "random_state": random_state, "C": C, "baseline_C": baseline_C,
                "ridge_alpha": ridge_alpha, "min_df": min_df,
                "classifier": ("standardised vectors, then logistic regression (scikit-learn, L2, lbfgs)"
                               if lt.task == "classification" else "standardised vectors, then ridge regression"),
                "folds": ("stratified " if lt.task == "classification" else "") + f"{n_folds}-fold, shuffled"}
    n_methods = len(spaces) + (texts is not None)
    methods = {}
    for i, (name, space) in enumerate(spaces.items()):
        x = np.asarray(space.vectors[space.indices(lt.ids)], dtype=np.float64)
        methods[name] = cross_validate(x, lt, folds, name, C, baseline_C, ridge_alpha,
                                       _sub(progress, i, n_methods))
    if texts is not None:
        missing = [i for i in lt.ids if i not in texts]
        if missing:
            raise InputError(f"{len(missing)} documents have no text for the baseline (e.g. '{missing[0]}').")
        baseline = BASELINE if lt.task == "classification" else BASELINE_REGRESSION
        settings["baseline"] = (f"{baseline}: TF-IDF (sublinear tf, smoothed idf, min_df={min_df}, fitted on each "
                                "training fold) then " + (f"logistic regression C={baseline_C:g}"
                                                          if lt.task == "classification"
                                                          else f"ridge alpha={ridge_alpha:g}"))
        tfidf = FoldTfidf([texts[i] for i in lt.ids], min_df=min_df)
        methods[baseline] = cross_validate(tfidf, lt, folds, baseline, C, baseline_C, ridge_alpha,
                                           _sub(progress, n_methods - 1, n_methods))
    corpus = first.info.get("corpus_name")
    ref = REFERENCES.get(corpus)
    reference = ref if ref and ref["column"] == column and lt.task == "classification" else None
    progress(1.0, "Evaluation finished")
    return DownstreamResult(lt, folds, methods, settings, reference, lt.notes + notes, time.perf_counter() - t0)


def _sub(progress: Progress, i: int, n: int) -> Progress:
    from embedlab.progress import scaled

    return scaled(progress, i / n, (i + 1) / n)


def document_texts(workspace, space: Space, corpus_id: Optional[str] = None) -> dict:
    """The preprocessed text of each document of a document space, by id, from its stored corpus.

    Parameters
    ----------
    workspace : Workspace
    space : Space
        A document space.
    corpus_id : str, optional
        A corpus of ``workspace`` to read instead of the one the space names,
        when it holds the same text prepared the same way (same fingerprint):
        a model an instructor published names a corpus of the instructor's
        workspace, and a student who prepared the same corpus evaluates it on theirs.

    Raises
    ------
    InputError
        The space is not a document space, its corpus was deleted, or
        ``corpus_id`` holds other text.
    """
    from embedlab.sources.docset import DocumentSet

    if space.info.get("item_kind") != "document":
        raise InputError("This is not a document model; downstream evaluation needs document vectors.")
    if corpus_id:
        corpus = workspace.open_corpus(corpus_id)
        if corpus.fingerprint != space.info.get("corpus_fingerprint"):
            raise InputError(f"'{space.name}' was not trained on the text of '{corpus.name}' (or not with the same "
                             "preprocessing), so the TF-IDF baseline cannot use it. Pick the model's own corpus.")
    else:
        corpus_id = space.info.get("corpus_id")
        if not corpus_id:
            raise InputError("This model does not say which corpus it was trained on, so the TF-IDF baseline "
                             "cannot be computed.")
        corpus = workspace.open_corpus(corpus_id)
    docset = DocumentSet.of(corpus)
    return dict(zip(docset.ids, docset.texts()))


def run_eval_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry: :func:`evaluate` stored document models against the baseline.

    ``args``: ``model_ids`` (list, compared on the same folds), ``column``,
    optional ``n_folds`` (10), ``task`` ("auto"), ``random_state`` (0),
    ``baseline`` (True), ``corpus_id`` (the corpus whose text the baseline
    reads, see :func:`document_texts`), ``C``, ``baseline_C``, ``ridge_alpha``.
    Returns :meth:`DownstreamResult.to_dict`.
    """
    spaces = {}
    for model_id in args["model_ids"]:
        space = workspace.load_space(model_id)
        if space.info.get("item_kind") != "document":
            raise InputError(f"'{space.name}' is not a document model; choose document models to evaluate.")
        spaces[space.name if space.name not in spaces else f"{space.name} ({model_id})"] = space
    first = next(iter(spaces.values()))
    texts = document_texts(workspace, first, args.get("corpus_id")) if args.get("baseline", True) else None
    result = evaluate(spaces, args["column"], texts, int(args.get("n_folds", 10)), args.get("task", "auto"),
                      int(args.get("random_state", 0)), float(args.get("C", 1.0)),
                      float(args.get("baseline_C", 10.0)), float(args.get("ridge_alpha", 1.0)), progress=progress)
    return result.to_dict()
