"""Implicit ALS (Hu, Koren & Volinsky 2008) through the ``implicit`` library (CPU).

The model (stated in the UI)::

    minimise Σ_u,i c_ui (p_ui − x_u·y_i)² + λ (Σ_u ‖x_u‖² + Σ_i ‖y_i‖²)
    p_ui = 1 if u rated i else 0,   c_ui = 1 + α·r_ui

Every (user, item) cell counts, unrated ones with confidence 1 and preference
0; a rated one counts 1 + α·r (r: the rating, or 1 for clicks and binary
feedback). Alternating least squares solves for all user vectors, then all
item vectors, in closed form. The solver is Ben Frederickson's ``implicit``
(conjugate-gradient ALS, Takács, Pilászy & Tikk 2011), a well-kept library,
rather than our own code. ``implicit`` weighs a stored value c as confidence c
(it multiplies the matrix by its own ``alpha``), so we hand it 1 + α·r and
``alpha=1``, which is the paper's confidence exactly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

import numpy as np

from embedlab.errors import Cancelled, InputError
from embedlab.progress import Progress, ShouldStop, no_progress, scaled
from embedlab.sources.ratings import RatingTable
from embedlab.train.interactions import (FEEDBACK_CHOICES, FEEDBACK_HELP, FEEDBACK_LABELS, FactorScorer,
                                         check_trainable, common_info, interaction_matrix, item_space, load_for_job,
                                         save_items, user_space)
from embedlab.train.params import Params, param
from embedlab.train.registry import Family

NAME = "als"
TITLE = "Implicit ALS"
CITATION = ("Y. Hu, Y. Koren and C. Volinsky. 2008. Collaborative filtering for implicit feedback datasets. "
            "ICDM '08, 263-272. Solver: the implicit library (B. Frederickson), conjugate-gradient ALS.")
MODEL_TEXT = ("Implicit ALS (Hu, Koren & Volinsky 2008): minimise Σ c_ui (p_ui − x_u·y_i)² + λ(‖x‖² + ‖y‖²) "
              "over every user × item cell, p_ui = 1 if rated else 0, confidence c_ui = 1 + α·r_ui; solved by "
              "alternating least squares (the implicit library). Ranks items; does not predict ratings.")
VECTORS_TEXT = "Item vectors y_i and user vectors x_u: their dot product is the ALS score."


@dataclass
class ALSConfig(Params):
    """Settings of :func:`fit_als` (see each field's ``metadata['help']``)."""

    factors: int = param(64, "Length of the user and item vectors.", 1, 1000)
    regularization: float = param(30.0, "λ: L2 penalty on the vectors (Hu et al. 2008); larger is smoother. "
                                        "Default chosen on a validation split of ml-latest-small.", 0.0, 1e4,
                                  label="regularization λ", step=1.0, format="%.2f")
    alpha: float = param(1.0, "α of the confidence c = 1 + α·r given to a rated cell (Hu et al. 2008 found α = 40 "
                              "good for watching counts; 1 suits 0.5-5 star ratings).", 0.0, 1e4, label="alpha α",
                         step=0.5, format="%.2f")
    feedback: str = param("ratings", FEEDBACK_HELP + " With 'ratings' a 5-star item counts more than a 1-star one.",
                          choices=FEEDBACK_CHOICES, choice_labels=FEEDBACK_LABELS)
    iterations: int = param(15, "ALS sweeps (each solves all user vectors, then all item vectors).", 1, 200)
    seed: int = param(0, "Seed of the random starting vectors.", 0, 2**31 - 1, advanced=True)
    threads: int = param(1, "CPU threads of the solver (0: all cores; 1 keeps a shared server responsive).", 0, 64,
                         advanced=True)


def confidence_matrix(table: RatingTable, cfg: ALSConfig):
    """The matrix handed to ``implicit``: 1 + α·r on rated cells (r = rating or 1), nothing elsewhere.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n_users, n_items), float32

    Raises
    ------
    InputError
        Negative ratings with ``feedback='ratings'`` (a confidence must be positive).
    """
    X = interaction_matrix(table, cfg.feedback, np.float32)
    if X.nnz and X.data.min() < 0:
        raise InputError("This table has negative ratings, which cannot be confidences. Train ALS with "
                         "feedback='binary' (every rated item counts 1).")
    X.data = 1.0 + cfg.alpha * X.data
    return X


def fit_als(table: RatingTable, cfg: Optional[ALSConfig] = None, progress: Optional[Progress] = None,
            should_stop: Optional[ShouldStop] = None) -> FactorScorer:
    """Fit implicit ALS to a table with the ``implicit`` library.

    Parameters
    ----------
    table : RatingTable
        Explicit or implicit.
    cfg : ALSConfig, optional
    progress, should_stop : callables, optional
        ``progress`` gets the training loss of every sweep (``losses``).

    Returns
    -------
    FactorScorer
        ``P`` of shape (n_users, factors), ``Q`` of shape (n_items, factors);
        ``info``: ``losses`` (implicit's training loss per sweep), ``train_seconds``.

    Raises
    ------
    InputError
        Empty table, negative ratings with ``feedback='ratings'``.
    Cancelled
    """
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    cfg = cfg or ALSConfig()
    progress = progress or no_progress
    check_trainable(table, TITLE)
    t0 = time.perf_counter()
    C = confidence_matrix(table, cfg)
    losses = []

    def after_sweep(iteration, elapsed, loss):
        losses.append(float(loss))
        progress((iteration + 1) / cfg.iterations, f"Sweep {iteration + 1}/{cfg.iterations}: loss {loss:.5f}",
                 losses=list(losses))
        if should_stop is not None and should_stop():
            raise Cancelled("Training was cancelled.")

    # implicit asks for a single-threaded BLAS (its own threads do the parallel work) and checks it when built
    with threadpool_limits(limits=1, user_api="blas"):
        model = AlternatingLeastSquares(factors=cfg.factors, regularization=cfg.regularization, alpha=1.0,
                                        iterations=cfg.iterations, calculate_training_loss=True,
                                        num_threads=cfg.threads, random_state=cfg.seed)
        model.fit(C, show_progress=False, callback=after_sweep)
    seconds = time.perf_counter() - t0
    info = {"losses": losses, "train_seconds": seconds}
    return FactorScorer(np.asarray(model.user_factors, dtype=np.float32),
                        np.asarray(model.item_factors, dtype=np.float32), info)


def train_als(table: RatingTable, cfg: Optional[ALSConfig] = None, progress: Optional[Progress] = None,
              should_stop: Optional[ShouldStop] = None, name: Optional[str] = None,
              table_id: Optional[str] = None) -> tuple:
    """Fit :func:`fit_als` and return (item space, user space), most-rated first, labelled by title."""
    cfg = cfg or ALSConfig()
    model = fit_als(table, cfg, progress, should_stop)
    info = common_info(table, NAME, cfg, name, table_id, model.info, MODEL_TEXT, VECTORS_TEXT, CITATION)
    return item_space(table, model.Q, info), user_space(table, model.P, info)


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry (kind ``als``): train on a stored table, save the item and user spaces.

    ``args``: ``table_id``, ``config`` (an :class:`ALSConfig` dict), optional ``name``.
    Returns ``{"model_id", "users_model_id", "train_seconds"}``.
    """
    table = load_for_job(workspace, args)
    cfg = ALSConfig.from_dict(args.get("config"))
    items, users = train_als(table, cfg, scaled(progress, 0.0, 0.95), name=args.get("name"),
                             table_id=args["table_id"])
    progress(0.97, "Saving")
    out = save_items(workspace, items, users)
    out["train_seconds"] = items.info["train_seconds"]
    return out


FAMILY = Family(
    name=NAME, title=TITLE, data="ratings", item="item", config=ALSConfig, job=run_job,
    source="Hu, Koren & Volinsky 2008; solved by the implicit library",
    description="Every user × item cell counts: rated ones as preference 1 with confidence 1 + α·r, the rest as 0. "
                "Built for clicks and views; ranks items, predicts no rating.",
    details=MODEL_TEXT + " " + VECTORS_TEXT,
    loss_note="implicit reports its training loss after each ALS sweep in the progress message above; no curve is "
              "drawn.", order=40)
