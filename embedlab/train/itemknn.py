"""Item k-NN: cosine similarity of the items' rating columns, the classic neighbourhood recommender.

The model (stated in the UI)::

    sim(i, j) = x_i · x_j / (‖x_i‖ ‖x_j‖)         (x_i: item i's column of the user × item matrix)
    W[i, j] = sim(i, j) if i is among the k items most similar to j, else 0
    score(u, j) = Σ_i x_ui W[i, j]

as the item-based top-N recommender of Deshpande & Karypis (2004) (after
Sarwar et al. 2001): keep each item's k most similar items, and score a
candidate by the summed similarity of the user's items among them. The
similarities are computed for a block of items at a time (one sparse
product), so memory stays at one dense block, not the n × n matrix.

Item vectors for Explore are the rows of the full cosine matrix
S = X̃ᵀX̃ (X̃: X with unit-length columns) reduced to ``dim`` coordinates by a
truncated SVD, computed from the SVD of X̃ without forming S
(:func:`cosine_item_vectors`); the pruned W is what scores, and W is saved with
the model (k entries per item), so "items like X" and a user's
recommendations use the model's own neighbours.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

import numpy as np
import scipy.sparse as sp

from embedlab.errors import Cancelled
from embedlab.progress import Progress, ShouldStop, no_progress, scaled
from embedlab.sources.ratings import RatingTable
from embedlab.train.interactions import (FEEDBACK_CHOICES, FEEDBACK_HELP, FEEDBACK_LABELS, ItemItemModel,
                                         ItemItemScorer, check_trainable, common_info, interaction_matrix,
                                         item_space, load_for_job, save_items, top_k_rows)
from embedlab.train.params import Params, param
from embedlab.train.registry import Family

NAME = "itemknn"
TITLE = "Item k-NN"
CITATION = ("M. Deshpande and G. Karypis. 2004. Item-based top-N recommendation algorithms. ACM TOIS 22(1), "
            "143-177; B. Sarwar, G. Karypis, J. Konstan and J. Riedl. 2001. Item-based collaborative filtering "
            "recommendation algorithms. WWW '01.")
MODEL_TEXT = ("Item k-NN (Deshpande & Karypis 2004): sim(i, j) = cosine of the items' columns of the user × item "
              "matrix; each item keeps its k most similar items; score(u, j) = Σ_i x_ui · sim(i, j) over the user's "
              "items i among j's neighbours. Ranks items; does not predict ratings.")
VECTORS_TEXT = ("Item vectors: the rows of the item–item cosine matrix reduced by a truncated SVD (for Explore and "
                "neighbours); recommendations and \"items like X\" use the k nearest neighbours kept per item. "
                "Item k-NN has no user vectors.")


@dataclass
class ItemKNNConfig(Params):
    """Settings of :func:`fit_itemknn` (see each field's ``metadata['help']``)."""

    neighbours: int = param(50, "k: similar items kept per item; fewer is more local (50 was best of 20-200 on a "
                                "validation split of ml-latest-small).", 1, 2000, label="neighbours k")
    feedback: str = param("binary", FEEDBACK_HELP, choices=FEEDBACK_CHOICES, choice_labels=FEEDBACK_LABELS)
    dim: int = param(64, "Dimensions of the item vectors shown in Explore (rows of the item–item cosine matrix "
                         "reduced by a truncated SVD).", 2, 512, advanced=True)
    seed: int = param(0, "Seed of the randomized SVD that makes the item vectors for Explore.", 0, 2**31 - 1,
                      advanced=True)


def knn_weights(X: sp.csr_matrix, k: int, block_entries: int = 8_000_000,
                should_stop: Optional[ShouldStop] = None, progress: Optional[Progress] = None) -> sp.csr_matrix:
    """The pruned item–item cosine matrix W of a user × item matrix.

    Parameters
    ----------
    X : scipy.sparse matrix of shape (n_users, n)
    k : int
        Neighbours kept per item (column of W); fewer when an item has fewer
        items with a positive similarity.
    block_entries : int
        Dense entries computed at a time (memory ≈ 4 bytes × this).

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n, n), float32
        ``W[i, j] = cos(x_i, x_j)`` when i is one of the k items most similar
        to j (i ≠ j, similarity > 0), else 0. Ties at the k-th place go to the
        lower item index.
    """
    progress = progress or no_progress
    X = sp.csc_matrix(X, dtype=np.float32)
    n = X.shape[1]
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=0)).ravel())
    Xn = (X @ sp.diags(1.0 / np.where(norms > 0, norms, 1.0))).tocsr().astype(np.float32)
    XnT = Xn.T.tocsr()
    k = int(min(k, max(n - 1, 1)))
    step = max(1, block_entries // max(n, 1))
    rows, cols, vals = [], [], []
    for c0 in range(0, n, step):
        c1 = min(n, c0 + step)
        # rows = items c0..c1, columns = every item: their cosine similarities
        S = (XnT[c0:c1] @ Xn).toarray()
        S[np.arange(c1 - c0), np.arange(c0, c1)] = -np.inf  # an item is not its own neighbour
        top, v, _ = top_k_rows(S, k)
        keep = v > 0
        rows.append(top[keep])
        cols.append(np.broadcast_to(np.arange(c0, c1)[:, None], top.shape)[keep])
        vals.append(v[keep])
        if should_stop is not None and should_stop():
            raise Cancelled("Training was cancelled.")
        progress(c1 / n, f"Similarities of {c1:,} / {n:,} items")
    W = sp.csr_matrix((np.concatenate(vals).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n, n))
    W.sort_indices()
    return W


def fit_itemknn(table: RatingTable, cfg: Optional[ItemKNNConfig] = None, progress: Optional[Progress] = None,
                should_stop: Optional[ShouldStop] = None) -> ItemItemScorer:
    """Fit item k-NN to a table.

    Parameters
    ----------
    table : RatingTable
        Explicit or implicit.
    cfg : ItemKNNConfig, optional
    progress, should_stop : callables, optional

    Returns
    -------
    ItemItemScorer
        ``X`` (training matrix, users × items) and ``W`` (scipy.sparse CSR of
        shape (n_items, n_items)); ``info``: ``neighbours_kept`` (non-zeros of
        W), ``train_seconds``.

    Raises
    ------
    InputError
        An empty table.
    Cancelled
    """
    cfg = cfg or ItemKNNConfig()
    progress = progress or no_progress
    check_trainable(table, TITLE)
    t0 = time.perf_counter()
    X = interaction_matrix(table, cfg.feedback, np.float32)
    W = knn_weights(X, cfg.neighbours, should_stop=should_stop, progress=progress)
    seconds = time.perf_counter() - t0
    progress(1.0, f"Done: {table.n_items:,} items in {seconds:.1f} s")
    stored = ItemItemModel("itemknn", np.asarray(table.items).astype(str), cfg.feedback, W=W)
    return ItemItemScorer(X, W, {"neighbours_kept": int(W.nnz), "train_seconds": seconds}, stored=stored)


def cosine_item_vectors(X: sp.spmatrix, dim: int, seed: int = 0) -> np.ndarray:
    """The rows of the item–item cosine matrix S = X̃ᵀX̃ reduced to ``dim`` coordinates, without forming S.

    With X̃ = U Σ Vᵀ (X with unit-length columns; scikit-learn's randomized
    SVD), S = V Σ² Vᵀ, so the truncated SVD of S has the same vectors and
    row i's coordinates on them are (V Σ²)[i] — what
    :func:`~embedlab.train.interactions.reduce_rows` would give for S itself
    (up to the randomized SVD's accuracy) at the cost of an SVD of the sparse X.

    Parameters
    ----------
    X : scipy.sparse matrix of shape (n_users, n_items)
    dim : int
    seed : int

    Returns
    -------
    ndarray of shape (n_items, dim'), float32, dim' = min(dim, n_users - 1, n_items - 1) (at least 1)
    """
    from sklearn.utils.extmath import randomized_svd

    X = sp.csc_matrix(X, dtype=np.float64)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=0)).ravel())
    Xn = X @ sp.diags(1.0 / np.where(norms > 0, norms, 1.0))
    k = int(max(1, min(dim, X.shape[0] - 1, X.shape[1] - 1)))
    _, s, Vt = randomized_svd(Xn, k, n_oversamples=10, n_iter=4, random_state=seed)
    return (Vt.T * s ** 2).astype(np.float32)


def train_itemknn(table: RatingTable, cfg: Optional[ItemKNNConfig] = None, progress: Optional[Progress] = None,
                  should_stop: Optional[ShouldStop] = None, name: Optional[str] = None,
                  table_id: Optional[str] = None) -> tuple:
    """Fit :func:`fit_itemknn` and return (item space, None): rows of W reduced by a truncated SVD.

    Returns
    -------
    (Space, None)
        Item k-NN has no user vectors.
    """
    cfg = cfg or ItemKNNConfig()
    progress = progress or no_progress
    model = fit_itemknn(table, cfg, scaled(progress, 0.0, 0.85), should_stop)
    progress(0.9, f"Reducing the rows of the cosine matrix to {cfg.dim} dimensions for Explore")
    vectors = cosine_item_vectors(model.X, cfg.dim, cfg.seed)
    info = common_info(table, NAME, cfg, name, table_id, model.info, MODEL_TEXT, VECTORS_TEXT, CITATION)
    info["scoring"] = "item-item"
    space = item_space(table, vectors, info)
    space.attachments = model.stored.attachments()  # W: each item's k neighbours, for recommendations later
    return space, None


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry (kind ``itemknn``): train on a stored table, save the item space.

    ``args``: ``table_id``, ``config`` (an :class:`ItemKNNConfig` dict), optional ``name``.
    Returns ``{"model_id", "train_seconds"}``.
    """
    table = load_for_job(workspace, args)
    cfg = ItemKNNConfig.from_dict(args.get("config"))
    items, _ = train_itemknn(table, cfg, scaled(progress, 0.0, 0.95), name=args.get("name"),
                             table_id=args["table_id"])
    progress(0.97, "Saving")
    out = save_items(workspace, items)
    out["train_seconds"] = items.info["train_seconds"]
    return out


FAMILY = Family(
    name=NAME, title=TITLE, data="ratings", item="item", config=ItemKNNConfig, job=run_job,
    source="Deshpande & Karypis 2004; Sarwar et al. 2001",
    description="The classic neighbourhood recommender: each item keeps its k most similar items (cosine of who "
                "rated them), and a user's candidates score by the similarity of the items they rated. Ranks items, "
                "predicts no rating.",
    details=MODEL_TEXT + " " + VECTORS_TEXT,
    loss_note="Item k-NN computes similarities once, not in epochs: there is no loss curve.", order=60)
