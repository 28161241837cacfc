"""Hyper-parameter sweeps: several Word2Vec models that differ in one setting, each scored.

"How do I choose the dimensionality?" answered on the user's own corpus: train
one model per value of ``vector_size`` (or ``window``, ``min_count``,
``epochs``, skip-gram vs CBOW, negative sampling vs hierarchical softmax),
save each into the workspace, and score each on the Google analogy set
(3CosAdd accuracy, as gensim's ``evaluate_word_analogies``), WordSim-353 and
SimLex-999 (Spearman). Runs as the background job kind ``"sweep"``.
"""

from __future__ import annotations

from typing import Optional

import pandas as pd

from embedlab.errors import Cancelled, InputError
from embedlab.progress import Progress, no_progress, scaled
from embedlab.train.word2vec import Word2VecConfig, train_word2vec

#: Parameters a sweep may vary; None means "any whole number the config accepts".
SWEEP_PARAMS = {
    "vector_size": None,
    "window": None,
    "min_count": None,
    "epochs": None,
    "architecture": ("skip-gram", "cbow"),
    "objective": ("negative", "hierarchical"),
}
MAX_VALUES = 8
SCORE_COLUMNS = ("analogy accuracy", "semantic accuracy", "syntactic accuracy", "WordSim-353 Spearman",
                 "SimLex-999 Spearman")


def sweep_configs(base: Optional[dict], param: str, values) -> list:
    """The configs of a sweep, validated before anything is trained.

    Parameters
    ----------
    base : dict, optional
        :class:`Word2VecConfig` fields shared by every model.
    param : str
        A key of :data:`SWEEP_PARAMS`.
    values : sequence
        2 to 8 distinct values (whole numbers for numeric parameters).

    Returns
    -------
    list of Word2VecConfig

    Raises
    ------
    InputError
        Unknown parameter, too few/many or repeated values, or a value the
        config rejects (the message names it).
    """
    if param not in SWEEP_PARAMS:
        raise InputError(f"A sweep can vary {', '.join(SWEEP_PARAMS)}; not '{param}'.")
    values = list(values)
    if not 2 <= len(values) <= MAX_VALUES:
        raise InputError(f"Give between 2 and {MAX_VALUES} values to compare; got {len(values)}.")
    if len(set(map(str, values))) != len(values):
        raise InputError("Each value should appear once.")
    configs = []
    for value in values:
        if SWEEP_PARAMS[param] is None:
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise InputError(f"{param} takes whole numbers; '{value}' is not one.") from None
        elif value not in SWEEP_PARAMS[param]:
            raise InputError(f"{param} must be one of {', '.join(SWEEP_PARAMS[param])}; got '{value}'.")
        configs.append(Word2VecConfig.from_dict({**(base or {}), param: value}))
    return configs


def score_space(space, progress: Optional[Progress] = None) -> dict:
    """Google analogy accuracy (3CosAdd; total, semantic, syntactic) and WordSim/SimLex Spearman of one space."""
    from embedlab.probes.analogy.benchmark import builtin_pairs, evaluate_analogies, evaluate_word_pairs

    progress = progress or no_progress
    analogies = evaluate_analogies(space, progress=scaled(progress, 0.0, 0.9))
    totals = analogies.totals.set_index("section")
    out = {
        "analogy accuracy": float(totals.loc["all", "accuracy"]),
        "semantic accuracy": float(totals.loc["semantic", "accuracy"]),
        "syntactic accuracy": float(totals.loc["syntactic", "accuracy"]),
        "analogies answered": int(totals.loc["all", "evaluated"]),
    }
    for name in ("WordSim-353", "SimLex-999"):
        result = evaluate_word_pairs(space, builtin_pairs(name))
        out[f"{name} Spearman"] = result.spearman
        out[f"{name} pairs"] = result.evaluated
    progress(1.0, "Scored")
    return out


def run_sweep(workspace, corpus_id: str, param: str, values, base: Optional[dict] = None,
              name: Optional[str] = None, progress: Optional[Progress] = None, should_stop=None) -> dict:
    """Train, save and score one Word2Vec model per value of ``param``.

    Returns
    -------
    dict
        ``param``, ``corpus_name`` and ``rows``: one JSON-able dict per model
        with the value, ``model_id``, ``vocabulary``, ``train seconds`` and the
        scores of :func:`score_space`.

    Raises
    ------
    InputError
        See :func:`sweep_configs`; unknown corpus.
    """
    progress = progress or no_progress
    configs = sweep_configs(base, param, values)
    corpus = workspace.open_corpus(corpus_id)
    rows = []
    n = len(configs)
    for i, cfg in enumerate(configs):
        value = getattr(cfg, param)
        step = scaled(progress, i / n, (i + 1) / n)
        train_progress = scaled(step, 0.0, 0.8)

        def report(fraction, message="", _value=value, _report=train_progress, **details):
            _report(fraction, f"{param}={_value}: {message}")

        label = f"{name or corpus.name} · {param}={value}"
        space = train_word2vec(corpus, cfg, report, should_stop, name=label)
        model_id = workspace.save_space(space, label)
        scores = score_space(space, scaled(step, 0.8, 1.0))
        rows.append({param: value, "model_id": model_id, "vocabulary": len(space),
                     "train seconds": space.info.get("train_seconds"), **scores})
        progress((i + 1) / n, f"{i + 1} of {n} models trained and scored", sweep_rows=rows)
        if should_stop is not None and should_stop():
            raise Cancelled()
    return {"param": param, "corpus_name": corpus.name, "rows": rows}


def sweep_table(result: dict) -> pd.DataFrame:
    """The score table of a finished sweep (one row per model)."""
    return pd.DataFrame(result.get("rows", []))


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry (kind ``"sweep"``).

    ``args``: ``corpus_id``, ``param``, ``values``, optional ``base`` (config dict) and ``name``.
    """
    return run_sweep(workspace, args["corpus_id"], args["param"], args["values"], args.get("base"),
                     args.get("name"), progress)
