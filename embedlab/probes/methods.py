"""Predictive and count-based word vectors trained on one corpus, measured side by side (the "Methods" view).

Levy, Goldberg & Dagan (2015, "Improving Distributional Similarity with
Lessons Learned from Word Embeddings", TACL 3) showed that, given the same
corpus and comparable settings, PPMI-SVD is not far from word2vec and that
much of the difference between methods lies in their hyper-parameters. This
module lets a student measure that on their own corpus: Word2Vec skip-gram
and CBOW (Mikolov et al. 2013), FastText (Bojanowski et al. 2017), GloVe
(Pennington, Socher & Manning 2014) and PPMI-SVD, each an ordinary model of
the workspace, compared on

* training time and vocabulary;
* the Google analogy set (Mikolov et al. 2013), semantic / syntactic / all,
  with 3CosAdd as gensim answers it (:mod:`embedlab.probes.analogy.benchmark`);
* WordSim-353 (Finkelstein et al. 2002) and SimLex-999 (Hill, Reichart &
  Korhonen 2015), Spearman's ρ;
* how much their spaces agree: the mean Jaccard@k of every word's k nearest
  neighbours against each other model (:mod:`embedlab.probes.compare`), over
  the most frequent words that every compared model has.

:func:`missing_requests` says which of the five methods a corpus has no model
of yet, with settings chosen to compare like for like (:data:`METHODS`);
:func:`compare_methods` measures; :func:`run_job` is the background job that
measures and keeps the result in the workspace (:func:`stored_comparison`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.probes.compare import jaccard_rows, neighbour_sets, shared_vocabulary
from embedlab.progress import Progress, no_progress, scaled

#: Every model of the comparison has this many dimensions (Word2Vec's default), so that no method wins by size.
DIMENSIONS = 100
#: Neighbours per word for Jaccard@k, and words compared (the most frequent that every model has).
JACCARD_K = 10
JACCARD_WORDS = 5000
#: Workspace setting holding the last comparison of a corpus (``SETTING + corpus id``) and the per-model scores.
SETTING = "methods:"
SCORES_SETTING = "methods-scores"


@dataclass(frozen=True)
class Method:
    """One method of the comparison: the model family, the settings it is trained with, how its models are found.

    Attributes
    ----------
    key : str
    title : str
        What the table calls it.
    family : str
        The model family (job kind, ``Space.kind``).
    config : dict
        The settings :func:`missing_requests` trains it with (the rest are the family's defaults).
    match : dict
        Parameters a model of ``family`` must have to count as this method (skip-gram vs CBOW).
    why : str
        Why these settings, for the page.
    """

    key: str
    title: str
    family: str
    config: dict
    match: dict = field(default_factory=dict)
    why: str = ""


METHODS = (
    Method("skip-gram", "Word2Vec skip-gram", "word2vec",
           {"architecture": "skip-gram", "vector_size": DIMENSIONS, "window": 5, "min_count": 5, "epochs": 5},
           {"architecture": "skip-gram"}, "gensim's defaults: window 5, negative sampling with 5 noise words, "
                                          "5 epochs."),
    Method("cbow", "Word2Vec CBOW", "word2vec",
           {"architecture": "cbow", "vector_size": DIMENSIONS, "window": 5, "min_count": 5, "epochs": 5},
           {"architecture": "cbow"}, "As skip-gram, predicting the word from its averaged context."),
    Method("fasttext", "FastText", "fasttext",
           {"vector_size": DIMENSIONS, "window": 5, "min_count": 5, "epochs": 5}, {},
           "Skip-gram with character 3- to 6-grams (Bojanowski et al. 2017)."),
    Method("glove", "GloVe", "glove",
           {"vector_size": DIMENSIONS, "window": 10, "min_count": 5, "iterations": 15, "x_max": 10.0}, {},
           "glove.c's demo settings for a small corpus: window 10 with 1/d weighting, x_max 10 (the paper's 100 "
           "leaves most pairs of a corpus this size with almost no weight), 15 iterations."),
    Method("ppmi_svd", "PPMI-SVD", "ppmi_svd",
           {"vector_size": DIMENSIONS, "window": 5, "weighting": "linear", "min_count": 5, "cds_alpha": 0.75,
            "eig_weight": 0.5}, {},
           "Levy et al. (2015)'s recommendations: window 5 weighted as word2vec's dynamic window, context "
           "smoothing α = 0.75, eigenvalue weight p = 0.5."),
)
BY_KEY = {m.key: m for m in METHODS}
FAMILIES = tuple(dict.fromkeys(m.family for m in METHODS))


def method_of(kind: str, params: Optional[dict]) -> Optional[str]:
    """The key of the method a model belongs to (its family and, for Word2Vec, its architecture), or None."""
    params = params or {}
    for m in METHODS:
        if m.family == kind and all(params.get(k, v) == v for k, v in m.match.items()):
            return m.key
    return None


def corpus_models(workspace, corpus) -> pd.DataFrame:
    """The workspace's word models trained on ``corpus`` by one of the five methods, newest first.

    Parameters
    ----------
    workspace : Workspace
    corpus : Corpus

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``name``, ``kind``, ``method`` (a key of :data:`BY_KEY`),
        ``method title``, ``train_seconds``, ``vocab_size``, ``dim``, ``created_at``.
    """
    models = workspace.models()
    cols = ["id", "name", "kind", "method", "method title", "train_seconds", "vocab_size", "dim", "created_at"]
    if models.empty:
        return pd.DataFrame(columns=cols)
    mine = models[(models["corpus_fingerprint"] == corpus.fingerprint) & (models["status"] == "ready")
                  & models["kind"].isin(FAMILIES)].copy()
    import json

    mine["method"] = [method_of(k, json.loads(p) if isinstance(p, str) else p)
                      for k, p in zip(mine["kind"], mine["params"])]
    mine = mine[mine["method"].notna()]
    mine["method title"] = [BY_KEY[m].title for m in mine["method"]]
    return mine.sort_values("created_at", ascending=False)[cols].reset_index(drop=True)


def default_selection(models: pd.DataFrame) -> list:
    """The newest model of each method, in :data:`METHODS` order (ids)."""
    newest = models.drop_duplicates("method")  # ``models`` is newest first
    order = {m.key: i for i, m in enumerate(METHODS)}
    return newest.assign(o=newest["method"].map(order)).sort_values("o")["id"].tolist()


def missing_requests(corpus, models: pd.DataFrame) -> list:
    """The training jobs that would give ``corpus`` one model of every method it lacks.

    Returns
    -------
    list of (kind, args, title)
        For :func:`embedlab.jobs.submit`: the family name, ``{"corpus_id", "config", "name"}`` and the title
        (also the model's name, e.g. "GloVe · movie_reviews").
    """
    have = set(models["method"]) if len(models) else set()
    out = []
    for m in METHODS:
        if m.key not in have:
            name = f"{m.title} · {corpus.name}"
            out.append((m.family, {"corpus_id": corpus.id, "config": dict(m.config), "name": name}, name))
    return out


# -- measuring -----------------------------------------------------------------------------------

def model_scores(space, progress: Optional[Progress] = None) -> dict:
    """A word space's benchmark scores: Google analogy (semantic, syntactic, all; 3CosAdd), WS-353, SimLex-999.

    Returns
    -------
    dict
        ``analogy (semantic)``, ``analogy (syntactic)``, ``analogy (all)`` (accuracy over answered questions,
        NaN when none), ``analogy answered`` (questions with every word known), ``analogy questions``,
        ``WS-353``, ``SimLex-999`` (Spearman's ρ; NaN when fewer than two pairs are known) and their
        ``… OOV`` rates.
    """
    from embedlab.probes.analogy.benchmark import builtin_pairs, evaluate_analogies, evaluate_word_pairs

    progress = progress or no_progress
    totals = evaluate_analogies(space, progress=scaled(progress, 0.0, 0.9)).totals.set_index("section")
    out = {f"analogy ({part})": _num(totals.loc[part, "accuracy"]) if part in totals.index else float("nan")
           for part in ("semantic", "syntactic", "all")}
    out["analogy answered"] = int(totals.loc["all", "evaluated"])
    out["analogy questions"] = int(totals.loc["all", "questions"])
    for name in ("WordSim-353", "SimLex-999"):
        res = evaluate_word_pairs(space, builtin_pairs(name))
        column = "WS-353" if name == "WordSim-353" else name
        out[column] = _num(res.spearman)
        out[f"{column} OOV"] = float(res.oov_rate)
    progress(1.0, "Scored")
    return out


def _num(value) -> float:
    value = float(value)
    return value if value == value else float("nan")


@dataclass
class MethodsComparison:
    """The measured comparison of several models of one corpus.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per model: ``model`` (its name, told apart when repeated), ``method``, ``training (s)``,
        ``co-occurrences`` (count-based: counted in how long, or reused), ``vocabulary``, ``dimensions``,
        the scores of :func:`model_scores`, ``mean Jaccard@10`` (against the other models) and ``id``.
    jaccard : pandas.DataFrame of shape (n_models, n_models)
        Mean Jaccard@k of every two models (index and columns: ``model``).
    k : int
    words_compared : int
        Words whose neighbourhoods were compared (the most frequent that every model has).
    notes : list of str
    """

    table: pd.DataFrame
    jaccard: pd.DataFrame
    k: int = JACCARD_K
    words_compared: int = 0
    notes: list = field(default_factory=list)
    finished_at: float = 0.0

    def to_dict(self) -> dict:
        """JSON-able (NaN as None), for a workspace setting."""
        def clean(records):
            return [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in records]

        return {"table": clean(self.table.to_dict("records")), "jaccard": self.jaccard.to_numpy().tolist(),
                "k": self.k, "words_compared": self.words_compared, "notes": list(self.notes),
                "finished_at": self.finished_at}

    @classmethod
    def from_dict(cls, data: dict) -> "MethodsComparison":
        table = pd.DataFrame(data.get("table") or []).fillna(value=np.nan)
        names = table["model"].tolist() if "model" in table else []
        jaccard = pd.DataFrame(np.asarray(data.get("jaccard") or np.zeros((0, 0)), dtype=np.float64).reshape(
            len(names), len(names)), index=names, columns=names)
        return cls(table, jaccard, int(data.get("k", JACCARD_K)), int(data.get("words_compared", 0)),
                   list(data.get("notes") or []), float(data.get("finished_at", 0.0)))


def _distinct_names(names: list, ids: list) -> list:
    return [n if names.count(n) == 1 else f"{n} #{i[:4]}" for n, i in zip(names, ids)]


def compare_methods(workspace, model_ids: Sequence[str], k: int = JACCARD_K, n_words: int = JACCARD_WORDS,
                    progress: Optional[Progress] = None, known_scores: Optional[dict] = None) -> MethodsComparison:
    """Measure several word models of one corpus side by side (see the module docstring).

    Parameters
    ----------
    workspace : Workspace
    model_ids : sequence of str
        One to twelve word models.
    k : int
        Neighbours per word for Jaccard@k.
    n_words : int
        Words whose neighbourhoods are compared: the ``n_words`` most frequent that every model has.
    progress : callable, optional
    known_scores : dict, optional
        ``{model id: model_scores(...)}`` measured before (models do not change once saved); filled in
        with the models measured now.

    Returns
    -------
    MethodsComparison

    Raises
    ------
    InputError
        No model, more than twelve, an unknown model, a model whose items are not words, or fewer than
        k + 1 words shared by all models.
    """
    progress = progress or no_progress
    ids = list(dict.fromkeys(model_ids))
    if not ids:
        raise InputError("Pick at least one model to measure.")
    if len(ids) > 12:
        raise InputError("Compare at most twelve models at once.")
    known = known_scores if known_scores is not None else {}
    records = [workspace.model_record(i) for i in ids]
    names = _distinct_names([r["name"] for r in records], ids)
    spaces, rows = [], []
    step = 0.7 / len(ids)
    for n, (model_id, record, name) in enumerate(zip(ids, records, names)):
        part = scaled(progress, n * step, (n + 1) * step)
        part(0.0, f"Scoring {name}")
        space = workspace.load_space(model_id)
        space.require_words("The methods comparison")
        spaces.append(space)
        scores = known.get(model_id) or model_scores(space, part)
        known[model_id] = scores
        info = space.info
        method = method_of(space.kind, info.get("params"))
        cooc = info.get("cooccur") or {}
        counted = ("" if not cooc else "reused (counted before)" if cooc.get("reused")
                   else f"counted in {float(cooc.get('count_seconds', float('nan'))):.1f} s")
        rows.append({"model": name, "method": BY_KEY[method].title if method else space.kind,
                     "training (s)": _num(record.get("train_seconds") if record.get("train_seconds") is not None
                                          else float("nan")),
                     "co-occurrences": counted, "vocabulary": int(len(space)), "dimensions": int(space.dim),
                     **scores, "id": model_id})
    notes = []
    matrix = np.full((len(ids), len(ids)), np.nan)
    np.fill_diagonal(matrix, 1.0)
    words_compared = 0
    if len(spaces) >= 2:
        words = shared_vocabulary(spaces, n_words)
        if len(words) <= k:
            raise InputError(f"The models share only {len(words)} words, too few for Jaccard@{k}. Compare models "
                             "trained on the same corpus.")
        words_compared = len(words)
        step = 0.3 / len(spaces)
        neighbours = [neighbour_sets(s, words, k, scaled(progress, 0.7 + i * step, 0.7 + (i + 1) * step))
                      for i, s in enumerate(spaces)]
        for i in range(len(spaces)):
            for j in range(i + 1, len(spaces)):
                matrix[i, j] = matrix[j, i] = float(jaccard_rows(neighbours[i], neighbours[j]).mean())
        notes.append(f"Jaccard@{k} over the {words_compared:,} most frequent words that all {len(spaces)} models "
                     "have.")
    else:
        notes.append("Add a second model to see how much their nearest neighbours agree (Jaccard@10).")
    off = matrix.copy()
    np.fill_diagonal(off, np.nan)
    with np.errstate(all="ignore"):
        means = [float(np.nanmean(row)) if np.isfinite(row).any() else float("nan") for row in off]
    table = pd.DataFrame(rows)
    table.insert(table.columns.get_loc("id"), f"mean Jaccard@{k}", means)
    progress(1.0, "Compared")
    return MethodsComparison(table, pd.DataFrame(matrix, index=names, columns=names), int(k), words_compared, notes,
                             time.time())


# -- the background job and its stored result ---------------------------------------------------------

def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background job ``methods``: :func:`compare_methods`, kept in the workspace for the corpus.

    ``args``: ``corpus_id``, ``model_ids``, optional ``k`` and ``n_words``. Per-model scores are kept
    too (setting :data:`SCORES_SETTING`), so adding a model measures only the new one's benchmarks.
    Returns ``{"corpus_id", "models"}``.
    """
    known = dict(workspace.get_setting(SCORES_SETTING, {}) or {})
    result = compare_methods(workspace, args["model_ids"], int(args.get("k", JACCARD_K)),
                             int(args.get("n_words", JACCARD_WORDS)), progress, known_scores=known)
    alive = set(workspace.models()["id"])
    workspace.set_setting(SCORES_SETTING, {i: s for i, s in known.items() if i in alive})
    workspace.set_setting(SETTING + str(args["corpus_id"]), result.to_dict())
    return {"corpus_id": args["corpus_id"], "models": len(result.table)}


def stored_comparison(workspace, corpus_id: str) -> Optional[MethodsComparison]:
    """The last comparison measured for a corpus (it survives a restart), or None."""
    data = workspace.get_setting(SETTING + str(corpus_id))
    if not data:
        return None
    try:
        return MethodsComparison.from_dict(data)
    except (KeyError, ValueError, TypeError):
        return None
