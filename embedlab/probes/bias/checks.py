"""Checks of a debiased space: Gonen & Goldberg's (2019) cluster check, and analogy accuracy before/after.

Gonen & Goldberg (2019), "Lipstick on a Pig: Debiasing Methods Cover up
Systematic Gender Biases in Word Embeddings But do not Remove Them", NAACL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd

from embedlab.data import bias_words
from embedlab.errors import InputError
from embedlab.probes.bias.direction import direction_vector
from embedlab.space import Space


@dataclass
class ClusterCheck:
    """The answer of :func:`cluster_check`.

    Attributes
    ----------
    accuracy_before : float
        How well 2-means clusters of the original vectors recover the bias labels (0.5-1).
    accuracy_after : float
        The same in the debiased space: near 1 means the bias is still recoverable.
    table : pandas.DataFrame
        Columns ``word``, ``projection`` (on the original direction), ``label`` (+1 / -1),
        ``cluster before`` and ``cluster after`` (0 / 1).
    """

    accuracy_before: float
    accuracy_after: float
    table: pd.DataFrame


def _cluster_accuracy(vectors: np.ndarray, labels: np.ndarray, seed: int) -> tuple:
    from sklearn.cluster import KMeans

    clusters = KMeans(n_clusters=2, n_init=10, random_state=seed).fit_predict(vectors)
    agree = float(np.mean(clusters == (labels > 0)))
    return max(agree, 1.0 - agree), clusters


def cluster_check(original: Space, debiased: Space, direction, n_per_side: int = 250,
                  restrict_vocab: int = 30_000, exclude: Iterable[str] = None, seed: int = 0) -> ClusterCheck:
    """Gonen & Goldberg (2019): do the most biased words still cluster by bias after debiasing?

    Takes the ``n_per_side`` words with the largest positive and the largest
    negative projection on the *original* direction (among the
    ``restrict_vocab`` most frequent words, leaving out ``exclude``, by default
    the gender-specific words that debiasing keeps), labels them by that sign,
    clusters their unit vectors with k-means (k=2, scikit-learn, ``n_init=10``)
    in each space and reports the share of words whose cluster matches their
    label (the better of the two cluster-label matchings, so 0.5 = chance).

    Parameters
    ----------
    original, debiased : Space
        Same vocabulary.
    direction : Direction or ndarray of shape (dim,)
    n_per_side : int
    restrict_vocab : int
    exclude : iterable of str, optional
    seed : int

    Returns
    -------
    ClusterCheck

    Raises
    ------
    InputError
        The spaces have different vocabularies, or fewer than 2 words on a side.
    """
    if list(original.words[:restrict_vocab]) != list(debiased.words[:restrict_vocab]):
        raise InputError("The two models have different vocabularies; compare a model with its own debiased copy.")
    exclude = set(exclude if exclude is not None else bias_words.GENDER_SPECIFIC)
    g = direction_vector(direction)
    n = min(restrict_vocab, len(original))
    pool = np.array([i for i, w in enumerate(original.words[:n]) if w not in exclude], dtype=np.int64)
    proj = original.unit[pool].astype(np.float64) @ g
    k = min(n_per_side, int((proj > 0).sum()), int((proj < 0).sum()))
    if k < 2:
        raise InputError("Too few words lean either way along the direction to cluster; use a larger model.")
    order = np.argsort(-proj, kind="stable")
    picked = np.concatenate([order[:k], order[::-1][:k]])
    idx = pool[picked]
    labels = np.sign(proj[picked])
    acc_before, cl_before = _cluster_accuracy(original.unit[idx], labels, seed)
    acc_after, cl_after = _cluster_accuracy(debiased.unit[idx], labels, seed)
    table = pd.DataFrame({"word": [original.words[i] for i in idx], "projection": proj[picked],
                          "label": labels.astype(int), "cluster before": cl_before, "cluster after": cl_after})
    return ClusterCheck(accuracy_before=acc_before, accuracy_after=acc_after, table=table)


# -- analogy benchmark (embedlab's own evaluator, gensim-identical) ----------------------------

def analogy_accuracy(space: Space, restrict_vocab: int = 30_000) -> tuple:
    """3CosAdd accuracy on Mikolov et al.'s Google analogy set (gensim's ``questions-words.txt``).

    embedlab's batched evaluator (:func:`embedlab.probes.analogy.benchmark.evaluate_analogies`),
    which answers every question as gensim's ``KeyedVectors.evaluate_word_analogies``
    does (case-insensitive, questions with a word outside the ``restrict_vocab``
    most frequent words skipped), about ten times faster.

    Returns
    -------
    accuracy : float
        Share of questions answered correctly (0 when none could be asked).
    n_questions : int
        Questions asked.
    """
    from embedlab.probes.analogy.benchmark import evaluate_analogies

    result = evaluate_analogies(space, restrict_vocab=restrict_vocab, case_insensitive=True)
    n = int(result.totals.set_index("section").loc["all", "evaluated"])
    return (result.accuracy if n else 0.0), n


def run_analogy_job(workspace, args: dict, progress) -> dict:
    """Background job ``bias_analogy``: :func:`analogy_accuracy` of several models of a workspace.

    gensim answers one question at a time (about a minute per model of 15,000
    words on 2 cores), too long for a page script, so the Bias page runs it as a job.

    Parameters
    ----------
    workspace : Workspace
    args : dict
        ``model_ids`` (list of str) and optional ``restrict_vocab`` (int, default 30,000).
    progress : callable
        ``progress(fraction, message)``.

    Returns
    -------
    dict
        ``{"accuracy": {model_id: {"accuracy": float, "n_questions": int, "restrict_vocab": int}}}``

    Raises
    ------
    InputError
        An unknown or damaged model.
    """
    ids = [str(i) for i in args["model_ids"]]
    restrict = int(args.get("restrict_vocab", 30_000))
    out = {}
    for i, model_id in enumerate(ids):
        progress(i / len(ids), f"Google analogy questions, model {i + 1} of {len(ids)}")
        accuracy, n = analogy_accuracy(workspace.load_space(model_id), restrict_vocab=restrict)
        out[model_id] = {"accuracy": accuracy, "n_questions": n, "restrict_vocab": restrict}
    progress(1.0, "done")
    return {"accuracy": out}
