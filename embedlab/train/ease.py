"""EASE (Steck 2019): the closed-form item–item model.

The model (stated in the UI)::

    minimise ‖X − X B‖²_F + λ ‖B‖²_F   subject to diag(B) = 0
    P = (XᵀX + λI)⁻¹,   B = I − P · diag(1 / diag(P)),   score(u, ·) = x_u B

X is the user × item matrix (1 for a rated item by default, as in Steck's
paper). The solution is one inverse of the dense item × item Gram matrix, so
its memory grows with the square of the catalogue: :func:`ease_memory_bytes`
states it before training and catalogues over :data:`MAX_ITEMS` are refused.
Items nobody rated in the training data are left out of the inverse (their
rows and columns of XᵀX are zero, so they would score 0 anyway).

P is computed exactly by the cheaper of two routes: with fewer users than
items, the Woodbury identity turns the n × n inverse into a users × users one;
otherwise a Cholesky factorisation and inversion in place (LAPACK
``spotrf``/``spotri``, float32; the Gram matrix is symmetric positive definite
for λ > 0, and in place it needs one n × n matrix instead of three).

Item vectors for Explore are the rows of B reduced to ``dim`` coordinates by a
truncated SVD (B itself, n × n, is what scores): items whose weights point at
the same other items end up close. B is not saved (ml-latest-small's is 330
MB); the saved model keeps λ and diag(P), from which one user's scores or one
item's row of B are rebuilt exactly by one sparse linear solve
(:class:`~embedlab.train.interactions.ItemItemModel`).

Steck, H. 2019. Embarrassingly shallow autoencoders for sparse data. WWW '19, 3251-3257.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

import numpy as np
import scipy.sparse as sp

from embedlab.errors import Cancelled, InputError
from embedlab.progress import Progress, ShouldStop, no_progress, scaled
from embedlab.sources.ratings import RatingTable
from embedlab.train.interactions import (FEEDBACK_CHOICES, FEEDBACK_HELP, FEEDBACK_LABELS, ItemItemModel,
                                         ItemItemScorer, check_trainable, common_info, interaction_matrix,
                                         item_space, load_for_job, save_items)
from embedlab.train.params import Params, param
from embedlab.train.registry import Family

NAME = "ease"
TITLE = "EASE"
CITATION = "H. Steck. 2019. Embarrassingly shallow autoencoders for sparse data. WWW '19, 3251-3257."
MODEL_TEXT = ("EASE (Steck 2019): B = I − P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹, the item–item weights "
              "that best rebuild each user's row from their other items (diag(B) = 0); score(u, ·) = x_u B. Ranks "
              "items; does not predict ratings.")
VECTORS_TEXT = ("Item vectors: the rows of EASE's item–item weight matrix B reduced by a truncated SVD (for Explore "
                "and neighbours). Recommendations and \"items like X\" use B itself, rebuilt row by row from the "
                "saved λ and diag(P). EASE has no user vectors.")

#: Largest catalogue (items rated in the training data) EASE accepts: a dense float32
#: 15,000 × 15,000 matrix is 0.9 GB (up to about 2 GB with the work space), and inverting
#: it directly takes about 3·10¹² operations (a minute or two on two cores).
MAX_ITEMS = 15_000


@dataclass
class EASEConfig(Params):
    """Settings of :func:`fit_ease` (see each field's ``metadata['help']``)."""

    regularization: float = param(300.0, "λ added to the diagonal of XᵀX; larger shrinks the item–item weights. "
                                         "Steck (2019) tunes it per data set; 300 was best of 50-1000 on a "
                                         "validation split of ml-latest-small.", 1.0, 1e7, label="regularization λ",
                                  step=50.0, format="%.1f")
    feedback: str = param("binary", FEEDBACK_HELP + " Steck (2019) uses binary data.", choices=FEEDBACK_CHOICES,
                          choice_labels=FEEDBACK_LABELS)
    dim: int = param(64, "Dimensions of the item vectors shown in Explore (rows of B reduced by a truncated SVD).",
                     2, 512, advanced=True)
    seed: int = param(0, "Seed of the randomized SVD that reduces B for Explore.", 0, 2**31 - 1, advanced=True)


def ease_memory_bytes(n_items: int, n_users: Optional[int] = None) -> int:
    """Memory EASE needs: the float32 n × n matrix plus the work space of the route taken.

    Parameters
    ----------
    n_items : int
        Items rated in the training data.
    n_users : int, optional
        Users; with fewer users than items, the Woodbury route adds a float64
        users × users matrix and a float32 users × items one.

    Returns
    -------
    int
        Bytes: 4·n² (+10 % for blocks) [+ 8·u² + 4·u·n].
    """
    n = int(n_items)
    extra = 0
    if n_users is not None and n_users < n:
        extra = 8 * n_users * n_users + 4 * n_users * n
    return int(4 * n * n * 1.1) + extra


def check_size(n_items: int, n_users: Optional[int] = None) -> None:
    """Refuse a catalogue over :data:`MAX_ITEMS`, with the memory it would take.

    Raises
    ------
    InputError
    """
    if n_items > MAX_ITEMS:
        gb = ease_memory_bytes(n_items, n_users) / 1e9
        raise InputError(f"EASE needs a dense {n_items:,} × {n_items:,} item–item matrix: about {gb:.1f} GB of "
                         f"memory and ~{n_items ** 3 / 1e12:.0f}·10¹² operations. This server allows EASE up to "
                         f"{MAX_ITEMS:,} items ({ease_memory_bytes(MAX_ITEMS) / 1e9:.1f} GB). Use item k-NN or "
                         "implicit ALS for this catalogue, or keep only items rated by several users.")


def memory_note(table: RatingTable) -> str:
    """What training EASE on ``table`` will take, shown before training (refuses a catalogue over the limit).

    Raises
    ------
    InputError
        More than :data:`MAX_ITEMS` rated items (the message gives the memory it would take).
    """
    n = int((table.item_counts() > 0).sum())
    check_size(n, table.n_users)
    need = ease_memory_bytes(n, table.n_users)
    return (f"EASE on this table inverts a dense {n:,} × {n:,} item–item matrix: about {_size(need)} of memory while "
            f"training (this server allows up to {MAX_ITEMS:,} items, {_size(ease_memory_bytes(MAX_ITEMS))}).")


def _size(nbytes: int) -> str:
    return f"{nbytes / 1e9:.1f} GB" if nbytes >= 1e9 else f"{nbytes / 1e6:,.0f} MB"


def check_job(workspace, args: dict) -> None:
    """The family's pre-queue check: refuse a table whose catalogue is over :data:`MAX_ITEMS` (raises InputError)."""
    memory_note(load_for_job(workspace, args))


def preview_job(workspace, args: dict) -> str:
    """The family's preview: :func:`memory_note` for the job's table."""
    return memory_note(load_for_job(workspace, args))


def gram(X: sp.csr_matrix, dtype=np.float32, block_entries: int = 8_000_000) -> np.ndarray:
    """XᵀX as a dense (n_items, n_items) array, built in column blocks (sparse × dense products).

    Each block costs nnz(X) × block multiply-adds and at most ``block_entries``
    dense entries of X, so the memory beyond the result stays small.
    """
    n_users, n = X.shape
    G = np.empty((n, n), dtype=dtype)
    XT = X.T.tocsr()
    Xc = X.tocsc()
    step = max(1, block_entries // max(n_users, 1))
    for c0 in range(0, n, step):
        c1 = min(n, c0 + step)
        G[:, c0:c1] = XT @ Xc[:, c0:c1].toarray()
    return G


def _symmetrise_lower(M: np.ndarray, block: int = 1024) -> None:
    """Copy the lower triangle of M over its upper triangle, in place, one block of rows at a time."""
    n = M.shape[0]
    for r0 in range(0, n, block):
        r1 = min(n, r0 + block)
        diag = M[r0:r1, r0:r1]
        diag[...] = np.tril(diag) + np.tril(diag, -1).T
        if r1 < n:
            M[r0:r1, r1:] = M[r1:, r0:r1].T


def ease_weights(X: sp.csr_matrix, lam: float, should_stop: Optional[ShouldStop] = None,
                 return_diag: bool = False):
    """EASE's B for a user × item matrix: ``I − P·diag(1/diag(P))``, ``P = (XᵀX + λI)⁻¹``.

    Two exact routes to P, whichever is cheaper:

    * more items than users (``n > n_users``): the Woodbury identity
      ``(λI + XᵀX)⁻¹ = (I − Xᵀ (λI + XXᵀ)⁻¹ X) / λ`` needs only a
      users × users inverse and sparse × dense products
      (O(n_users³ + nnz·n_users + nnz·n) instead of O(n³)) — on ml-latest-small's
      671 users and 9,066 items over a hundred times fewer operations;
    * otherwise a Cholesky factorisation and inversion of the n × n Gram
      matrix in place (LAPACK ``spotrf``/``spotri``).

    Parameters
    ----------
    X : scipy.sparse matrix of shape (n_users, n)
    lam : float
        λ > 0.
    return_diag : bool
        Also return diag(P), what a saved model needs to score a user later
        (:class:`~embedlab.train.interactions.ItemItemModel`).

    Returns
    -------
    B : ndarray of shape (n, n), float32
        Zero diagonal; ``B[i, j]`` is the weight of item i in the score of item j.
    diag_p : ndarray of shape (n,), float64
        Only with ``return_diag``.

    Raises
    ------
    InputError
        The Gram matrix is not positive definite (cannot happen for λ > 0 up to rounding).
    """
    X = sp.csr_matrix(X, dtype=np.float32)
    n_users, n = X.shape
    M = _inverse_woodbury(X, lam) if n > n_users else _inverse_cholesky(X, lam)
    if should_stop is not None and should_stop():
        raise Cancelled("Training was cancelled.")
    d = np.diagonal(M).copy()
    M /= -d[None, :]
    M[np.diag_indices_from(M)] = 0.0
    return (M, d.astype(np.float64)) if return_diag else M


def _inverse_woodbury(X: sp.csr_matrix, lam: float) -> np.ndarray:
    """(XᵀX + λI)⁻¹ as (I − Xᵀ (λI + XXᵀ)⁻¹ X) / λ, float32, n × n.

    The users × users matrix λI + XXᵀ is inverted in float64 (Cholesky); its
    product with the sparse X is a sparse × dense product (nnz × n_users).
    """
    from scipy.linalg import cho_factor, cho_solve

    n_users, n = X.shape
    K = (X @ X.T).toarray().astype(np.float64)
    K[np.diag_indices_from(K)] += lam
    K_inv = cho_solve(cho_factor(K, check_finite=False), np.eye(n_users), check_finite=False)
    XT = X.T.tocsr()
    C = np.asarray(XT @ K_inv.astype(np.float32), dtype=np.float32)  # Xᵀ (λI + XXᵀ)⁻¹, n × n_users
    M = np.asarray(XT @ np.ascontiguousarray(C.T), dtype=np.float32)  # Xᵀ (λI + XXᵀ)⁻¹ X, n × n (symmetric)
    M *= np.float32(-1.0 / lam)
    M[np.diag_indices_from(M)] += np.float32(1.0 / lam)
    return M


def _inverse_cholesky(X: sp.csr_matrix, lam: float) -> np.ndarray:
    """(XᵀX + λI)⁻¹ by a Cholesky factorisation and inversion in place, float32, n × n."""
    from scipy.linalg import lapack

    M = gram(X)
    M[np.diag_indices_from(M)] += np.float32(lam)
    # M is symmetric and C-ordered: M.T is the same matrix in Fortran order, so LAPACK works on it in place;
    # its "upper" triangle is M's lower one
    c, info = lapack.spotrf(M.T, lower=0, overwrite_a=1, clean=0)
    if info != 0:
        raise InputError(f"EASE's Gram matrix is not positive definite (LAPACK info {info}). Raise λ.")
    inv, info = lapack.spotri(c, lower=0, overwrite_c=1)
    if info != 0:
        raise InputError(f"EASE's Gram matrix could not be inverted (LAPACK info {info}). Raise λ.")
    if not np.shares_memory(inv, M):  # LAPACK wrappers copy when they must; keep working on the result
        M = np.ascontiguousarray(inv.T)
    _symmetrise_lower(M)
    return M


def fit_ease(table: RatingTable, cfg: Optional[EASEConfig] = None, progress: Optional[Progress] = None,
             should_stop: Optional[ShouldStop] = None) -> ItemItemScorer:
    """Fit EASE to a table.

    Parameters
    ----------
    table : RatingTable
        Explicit or implicit.
    cfg : EASEConfig, optional
    progress, should_stop : callables, optional

    Returns
    -------
    ItemItemScorer
        ``X`` (the training matrix, users × items) and ``W`` = B as an
        ndarray of shape (n, n), float32, over the n items rated in training
        (``items``; None when that is every item: the others score 0).
        ``info``: ``items_solved``, ``memory_bytes``, ``train_seconds``.

    Raises
    ------
    InputError
        More than :data:`MAX_ITEMS` rated items (message gives the memory), an empty table.
    Cancelled
    """
    cfg = cfg or EASEConfig()
    progress = progress or no_progress
    check_trainable(table, TITLE)
    t0 = time.perf_counter()
    X = interaction_matrix(table, cfg.feedback, np.float32)
    active = np.flatnonzero(np.diff(X.tocsc().indptr) > 0)
    check_size(len(active), table.n_users)
    n = table.n_items
    memory = ease_memory_bytes(len(active), table.n_users)
    progress(0.05, f"Inverting the {len(active):,} × {len(active):,} item Gram matrix ({memory / 1e6:,.0f} MB)")
    B, diag_p = ease_weights(X[:, active], cfg.regularization, should_stop, return_diag=True)
    seconds = time.perf_counter() - t0
    progress(1.0, f"Done: {len(active):,} items in {seconds:.1f} s")
    info = {"items_solved": int(len(active)), "memory_bytes": memory,
            "train_seconds": seconds}
    stored = ItemItemModel("ease", np.asarray(table.items)[active].astype(str), cfg.feedback, cfg.regularization,
                           diag_p=diag_p)
    return ItemItemScorer(X, B, info, items=None if len(active) == n else active, stored=stored)


def train_ease(table: RatingTable, cfg: Optional[EASEConfig] = None, progress: Optional[Progress] = None,
               should_stop: Optional[ShouldStop] = None, name: Optional[str] = None,
               table_id: Optional[str] = None) -> tuple:
    """Fit :func:`fit_ease` and return (item space, None): rows of B reduced by a truncated SVD.

    Returns
    -------
    (Space, None)
        EASE has no user vectors.
    """
    cfg = cfg or EASEConfig()
    progress = progress or no_progress
    model = fit_ease(table, cfg, scaled(progress, 0.0, 0.85), should_stop)
    progress(0.9, f"Reducing the rows of B to {cfg.dim} dimensions for Explore")
    vectors = model.item_vectors(cfg.dim, cfg.seed)
    info = common_info(table, NAME, cfg, name, table_id, model.info, MODEL_TEXT, VECTORS_TEXT, CITATION)
    info["scoring"] = "item-item"
    space = item_space(table, vectors, info)
    space.attachments = model.stored.attachments()  # λ and diag(P): a user's scores later, without B
    return space, None


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry (kind ``ease``): train on a stored table, save the item space.

    ``args``: ``table_id``, ``config`` (an :class:`EASEConfig` dict), optional ``name``.
    Returns ``{"model_id", "items_solved", "train_seconds"}``.

    Raises
    ------
    InputError
        The catalogue is over :data:`MAX_ITEMS` (before anything is allocated).
    """
    table = load_for_job(workspace, args)
    cfg = EASEConfig.from_dict(args.get("config"))
    check_size(int((table.item_counts() > 0).sum()), table.n_users)
    items, _ = train_ease(table, cfg, scaled(progress, 0.0, 0.95), name=args.get("name"), table_id=args["table_id"])
    progress(0.97, "Saving")
    out = save_items(workspace, items)
    out.update(items_solved=items.info["fit"]["items_solved"], train_seconds=items.info["train_seconds"])
    return out


FAMILY = Family(
    name=NAME, title=TITLE, data="ratings", item="item", config=EASEConfig, job=run_job, source="Steck 2019",
    description="The closed-form item–item model: the weights that best rebuild each user's row from their other "
                "items, in one matrix inverse. Ranks items, predicts no rating; memory grows with the catalogue "
                "squared.",
    details=MODEL_TEXT + " " + VECTORS_TEXT,
    loss_note="EASE is solved in closed form (one matrix inverse), not in epochs: there is no loss curve.",
    check=check_job, preview=preview_job, order=50)
