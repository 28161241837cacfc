"""PureSVD (Cremonesi, Koren & Turrin 2010): a truncated SVD of the rating matrix, missing entries as zeros.

The model (stated in the UI)::

    R ≈ U Σ Vᵀ (rank k),   score(u, i) = (U Σ Vᵀ)_ui = r_u · V V_iᵀ

Unlike a rating model fitted to the observed ratings only, PureSVD reads every
unrated entry as 0: "not rated" is evidence too. It predicts no rating (its
values are small where nothing was rated), but ranks the whole catalogue far
better than rating-error models do — the point of Cremonesi, Koren & Turrin
(2010), "Performance of recommender algorithms on top-N recommendation
tasks", RecSys. The SVD is scikit-learn's randomized SVD (Halko, Martinsson &
Tropp 2011) of the sparse matrix. User vectors U√Σ and item vectors V√Σ
multiply to the scores.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

import numpy as np

from embedlab.errors import Cancelled
from embedlab.progress import Progress, ShouldStop, no_progress, scaled
from embedlab.sources.ratings import RatingTable
from embedlab.train.interactions import (FEEDBACK_CHOICES, FEEDBACK_HELP, FEEDBACK_LABELS, FactorScorer,
                                         check_trainable, common_info, interaction_matrix, item_space, load_for_job,
                                         save_items, user_space)
from embedlab.train.params import Params, param
from embedlab.train.registry import Family

NAME = "puresvd"
TITLE = "PureSVD"
CITATION = ("P. Cremonesi, Y. Koren and R. Turrin. 2010. Performance of recommender algorithms on top-N "
            "recommendation tasks. RecSys '10, 39-46.")
MODEL_TEXT = ("PureSVD (Cremonesi, Koren & Turrin 2010): R ≈ U Σ Vᵀ, the rank-k truncated SVD of the user × item "
              "matrix with every unrated entry read as 0; score(u, i) = (U Σ Vᵀ)_ui. Ranks items; does not "
              "predict ratings.")
VECTORS_TEXT = "Item vectors V√Σ and user vectors U√Σ: their dot product is the PureSVD score."


@dataclass
class PureSVDConfig(Params):
    """Settings of :func:`fit_puresvd` (see each field's ``metadata['help']``)."""

    n_factors: int = param(50, "Singular vectors kept (Cremonesi et al. 2010 report 50 on MovieLens; more factors "
                               "reach further into the long tail).", 1, 1000, label="factors k")
    feedback: str = param("ratings", FEEDBACK_HELP + " Cremonesi et al. use the ratings.", choices=FEEDBACK_CHOICES,
                          choice_labels=FEEDBACK_LABELS)
    power_iterations: int = param(4, "Power iterations of the randomized SVD (Halko et al. 2011): more are slower "
                                     "and closer to the exact SVD.", 0, 30, advanced=True)
    seed: int = param(0, "Seed of the randomized SVD's random start.", 0, 2**31 - 1, advanced=True)


def fit_puresvd(table: RatingTable, cfg: Optional[PureSVDConfig] = None, progress: Optional[Progress] = None,
                should_stop: Optional[ShouldStop] = None) -> FactorScorer:
    """Fit PureSVD to a table.

    Parameters
    ----------
    table : RatingTable
        Explicit or implicit (no rating column: every rated entry is 1).
    cfg : PureSVDConfig, optional
    progress, should_stop : callables, optional

    Returns
    -------
    FactorScorer
        ``P`` of shape (n_users, k) = U√Σ, ``Q`` of shape (n_items, k) = V√Σ;
        ``info``: ``rank`` (k actually used: at most min(n_users, n_items) − 1),
        ``singular_values``, ``train_seconds``, ``notes``.

    Raises
    ------
    InputError
        An empty table or one with a single user or item.
    Cancelled
    """
    from sklearn.utils.extmath import randomized_svd

    cfg = cfg or PureSVDConfig()
    progress = progress or no_progress
    check_trainable(table, TITLE)
    t0 = time.perf_counter()
    X = interaction_matrix(table, cfg.feedback, np.float64)
    k = int(min(cfg.n_factors, min(X.shape) - 1))
    notes = []
    if k < cfg.n_factors:
        notes.append(f"{cfg.n_factors} factors asked, but the matrix is {X.shape[0]} × {X.shape[1]}: kept {k}.")
    progress(0.1, f"Truncated SVD of the {X.shape[0]:,} × {X.shape[1]:,} matrix, {k} factors")
    U, s, Vt = randomized_svd(X, k, n_oversamples=10, n_iter=cfg.power_iterations, random_state=cfg.seed)
    if should_stop is not None and should_stop():
        raise Cancelled("Training was cancelled.")
    root = np.sqrt(s)
    seconds = time.perf_counter() - t0
    progress(1.0, f"Done: {k} factors in {seconds:.1f} s")
    info = {"rank": k, "singular_values": s.tolist(), "train_seconds": seconds, "notes": notes}
    return FactorScorer((U * root).astype(np.float32), (Vt.T * root).astype(np.float32), info)


def train_puresvd(table: RatingTable, cfg: Optional[PureSVDConfig] = None, progress: Optional[Progress] = None,
                  should_stop: Optional[ShouldStop] = None, name: Optional[str] = None,
                  table_id: Optional[str] = None) -> tuple:
    """Fit :func:`fit_puresvd` and return (item space, user space), most-rated first, labelled by title."""
    cfg = cfg or PureSVDConfig()
    model = fit_puresvd(table, cfg, progress, should_stop)
    info = common_info(table, NAME, cfg, name, table_id, model.info, MODEL_TEXT, VECTORS_TEXT, CITATION)
    return item_space(table, model.Q, info), user_space(table, model.P, info)


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry (kind ``puresvd``): train on a stored table, save the item and user spaces.

    ``args``: ``table_id``, ``config`` (a :class:`PureSVDConfig` dict), optional ``name``.
    Returns ``{"model_id", "users_model_id", "rank", "train_seconds"}``.
    """
    table = load_for_job(workspace, args)
    cfg = PureSVDConfig.from_dict(args.get("config"))
    items, users = train_puresvd(table, cfg, scaled(progress, 0.0, 0.95), name=args.get("name"),
                                 table_id=args["table_id"])
    progress(0.97, "Saving")
    out = save_items(workspace, items, users)
    out.update(rank=items.info["fit"]["rank"], train_seconds=items.info["train_seconds"])
    return out


FAMILY = Family(
    name=NAME, title=TITLE, data="ratings", item="item", config=PureSVDConfig, job=run_job,
    source="Cremonesi, Koren & Turrin 2010; scikit-learn's randomized SVD",
    description="A truncated SVD of the user × item matrix with every unrated entry read as 0: ranks the whole "
                "catalogue (top-N), predicts no rating.",
    details=MODEL_TEXT + " " + VECTORS_TEXT,
    loss_note="PureSVD is one truncated SVD, not trained in epochs: there is no loss curve.", order=30)
