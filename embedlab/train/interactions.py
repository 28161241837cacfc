"""Shared pieces of the top-N model families: the user × item matrix, scorers and the saved spaces.

Every top-N family (PureSVD, implicit ALS, EASE, item k-NN) trains on the
sparse user × item matrix of a :class:`~embedlab.sources.ratings.RatingTable`
(:func:`interaction_matrix`) and returns a *scorer*: an object whose
``scores(users)`` gives a dense block of scores, one row per user, one column
per item, higher = recommend first. The top-N evaluation
(:mod:`embedlab.probes.topn`) needs nothing else, so every family is judged by
the same code on the same split.

For Explore, neighbours and "items like X", each family also gives item
vectors (factors, or the rows of its item–item matrix reduced by a truncated
SVD) saved as an item :class:`~embedlab.space.Space` labelled by title, with a
user space where the model has user vectors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import scipy.sparse as sp

from embedlab.errors import InputError
from embedlab.sources.ratings import RatingTable
from embedlab.space import Space

FEEDBACK_CHOICES = ("ratings", "binary")
FEEDBACK_HELP = ("What a rated item counts as: 'ratings' uses the rating value, 'binary' counts every rated item as 1 "
                 "(tables without a rating column are binary either way).")


def interaction_matrix(table: RatingTable, feedback: str = "ratings", dtype=np.float32) -> sp.csr_matrix:
    """The user × item matrix of a table, missing entries as zeros.

    Parameters
    ----------
    table : RatingTable
    feedback : {"ratings", "binary"}
        ``ratings``: the rating values; ``binary``: 1 for every rated item.
        Implicit tables are all ones either way.
    dtype : numpy dtype

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n_users, n_items)
        Sorted indices, no duplicates (a table holds each (user, item) once).

    Raises
    ------
    InputError
        Unknown ``feedback``.
    """
    if feedback not in FEEDBACK_CHOICES:
        raise InputError(f"feedback must be 'ratings' or 'binary'; got {feedback!r}.")
    values = np.ones(len(table), dtype=dtype) if (feedback == "binary" or table.implicit) else table.r.astype(dtype)
    X = sp.csr_matrix((values, (table.u.astype(np.int64), table.i.astype(np.int64))),
                      shape=(table.n_users, table.n_items), dtype=dtype)
    X.sum_duplicates()
    X.sort_indices()
    return X


def check_trainable(table: RatingTable, family: str) -> None:
    """Refuse a table with nothing to learn from (no ratings, or a single user or item).

    Raises
    ------
    InputError
    """
    if len(table) == 0:
        raise InputError(f"The training part of '{table.name}' has no ratings, so {family} has nothing to learn. "
                         "Use a larger table or a smaller test fraction.")
    if table.n_users < 2 or table.n_items < 2:
        raise InputError(f"{family} needs at least two users and two items; '{table.name}' has {table.n_users} "
                         f"user(s) and {table.n_items} item(s).")


def top_k_rows(S: np.ndarray, k: int) -> tuple:
    """The ``k`` largest entries of every row, best first, ties broken towards the lower column index.

    Parameters
    ----------
    S : ndarray of shape (n_rows, n_cols)
        No NaN (``-inf`` is fine: it ranks last).
    k : int
        1 to n_cols.

    Returns
    -------
    indices : ndarray of shape (n_rows, k), int64
    values : ndarray of shape (n_rows, k), S.dtype
    n_tied : ndarray of shape (n_rows,), int64
        How many entries of the row equal its k-th value, inside the top k or not
        (what a tie-aware metric needs to know about the boundary).
    """
    S = np.asarray(S)
    n_rows, n_cols = S.shape
    k = int(min(max(k, 1), n_cols))
    if k < n_cols:
        from embedlab.probes.neighbours import top_k_values

        # the k-th value is the same whichever of several tied entries a selection keeps
        kth = top_k_values(S, k)[1][:, -1]
    else:
        kth = S.min(axis=1)
    above = S > kth[:, None]
    tied = S == kth[:, None]
    need = k - above.sum(axis=1)
    n_tied = tied.sum(axis=1)
    chosen = above | tied
    crowded = np.flatnonzero(n_tied > need)  # rows whose tie at the k-th value does not all fit
    if len(crowded):
        sub = tied[crowded]
        first = sub & (np.cumsum(sub, axis=1, dtype=np.int32) <= need[crowded, None])
        chosen[crowded] = above[crowded] | first
    cols = np.nonzero(chosen)[1].reshape(n_rows, k)  # ascending column order within each row
    vals = np.take_along_axis(S, cols, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")  # stable: equal scores keep the lower column first
    return (np.take_along_axis(cols, order, axis=1).astype(np.int64), np.take_along_axis(vals, order, axis=1),
            n_tied.astype(np.int64))


# -- scorers --------------------------------------------------------------------------

@dataclass
class FactorScorer:
    """Scores as dot products of user and item factors: ``P[users] @ Q.T``.

    Attributes
    ----------
    P : ndarray of shape (n_users, k)
    Q : ndarray of shape (n_items, k)
    info : dict
    """

    P: np.ndarray
    Q: np.ndarray
    info: dict = field(default_factory=dict)

    @property
    def n_items(self) -> int:
        return int(self.Q.shape[0])

    def scores(self, users: np.ndarray) -> np.ndarray:
        """ndarray of shape (len(users), n_items), float32."""
        P = np.asarray(self.P[np.asarray(users)], dtype=np.float32)
        return P @ np.asarray(self.Q, dtype=np.float32).T


@dataclass
class ItemItemScorer:
    """Scores through an item–item weight matrix: ``X[users] @ W`` (EASE, item k-NN).

    Attributes
    ----------
    X : scipy.sparse.csr_matrix of shape (n_users, n_items)
        The training interactions the model reads a user's history from.
    W : ndarray or scipy.sparse matrix of shape (n_w, n_w)
        ``W[a, b]``: how much having item ``items[a]`` speaks for item ``items[b]``.
    items : ndarray of shape (n_w,), int, or None
        The items W covers (None: all, n_w = n_items); the others score 0.
    info : dict
    """

    X: sp.csr_matrix
    W: object
    info: dict = field(default_factory=dict)
    items: Optional[np.ndarray] = None

    @property
    def n_items(self) -> int:
        return int(self.X.shape[1])

    def scores(self, users: np.ndarray) -> np.ndarray:
        """ndarray of shape (len(users), n_items), float32."""
        Xu = self.X[np.asarray(users)]
        if self.items is not None:
            Xu = Xu[:, self.items]
        part = Xu @ self.W
        part = np.asarray(part.toarray() if sp.issparse(part) else part, dtype=np.float32)
        if self.items is None:
            return part
        out = np.zeros((part.shape[0], self.n_items), dtype=np.float32)
        out[:, self.items] = part
        return out

    def item_vectors(self, dim: int, seed: int = 0) -> np.ndarray:
        """Rows of W reduced by :func:`reduce_rows`, zero for items W does not cover: (n_items, dim')."""
        reduced = reduce_rows(self.W, dim, seed)
        if self.items is None:
            return reduced
        out = np.zeros((self.n_items, reduced.shape[1]), dtype=np.float32)
        out[self.items] = reduced
        return out


@dataclass
class PopularityScorer:
    """Every user gets the same scores: how often each item was rated in training (the usual top-N baseline).

    Attributes
    ----------
    counts : ndarray of shape (n_items,)
    """

    counts: np.ndarray
    info: dict = field(default_factory=dict)

    @property
    def n_items(self) -> int:
        return int(len(self.counts))

    def scores(self, users: np.ndarray) -> np.ndarray:
        """ndarray of shape (len(users), n_items), float32."""
        return np.tile(np.asarray(self.counts, dtype=np.float32), (len(users), 1))


def fit_popularity(table: RatingTable) -> PopularityScorer:
    """The most-popular baseline: items ranked by their number of ratings in ``table``."""
    return PopularityScorer(table.item_counts().astype(np.float32), {"train_seconds": 0.0})


# -- vectors and spaces -----------------------------------------------------------------

def reduce_rows(W, dim: int, seed: int = 0) -> np.ndarray:
    """The rows of a matrix reduced to ``dim`` coordinates by a truncated SVD.

    With ``W ≈ U Σ Vᵀ`` (scikit-learn's randomized SVD, Halko, Martinsson &
    Tropp 2011), row i's coordinates on the top ``dim`` right singular vectors
    are ``(U Σ)[i]``, as scikit-learn's ``TruncatedSVD.fit_transform``: the
    best rank-``dim`` picture of each row (least squares), so cosines between
    the reduced rows approximate those of the full rows.

    Parameters
    ----------
    W : ndarray or sparse matrix of shape (n, m)
    dim : int
        At most ``min(n, m) - 1`` is used.
    seed : int

    Returns
    -------
    ndarray of shape (n, dim'), float32, with dim' = min(dim, n - 1, m - 1) (at least 1).
    """
    from sklearn.utils.extmath import randomized_svd

    n, m = W.shape
    k = int(max(1, min(dim, n - 1, m - 1)))
    U, s, _ = randomized_svd(W, k, n_oversamples=10, n_iter=4, random_state=seed)
    return (U * s).astype(np.float32)


def item_space(table: RatingTable, vectors: np.ndarray, info: dict) -> Space:
    """An item space, most-rated item first, keys = item ids, meta ``label`` (title), ``genres``, ``count``.

    Parameters
    ----------
    table : RatingTable
    vectors : ndarray of shape (n_items, dim)
        In the table's dense item order.
    info : dict
        Must hold ``kind`` and ``name``; ``role`` and ``item_kind`` are added.
    """
    from embedlab.train.svd import item_meta

    order = np.argsort(-table.item_counts(), kind="stable")
    return Space.from_vectors(table.items[order], np.asarray(vectors)[order], item_meta(table, order),
                              {**info, "role": "items", "item_kind": "item"})


def user_space(table: RatingTable, vectors: np.ndarray, info: dict) -> Space:
    """A user space, most active user first (keys = user ids, meta ``label``, ``count``, ``mean_rating``)."""
    from embedlab.train.svd import user_meta

    order = np.argsort(-table.user_counts(), kind="stable")
    return Space.from_vectors(table.users[order], np.asarray(vectors)[order], user_meta(table, order),
                              {**info, "kind": f"{info['kind']}-users", "name": f"{info['name']} (users)",
                               "role": "users", "item_kind": "user"})


def common_info(table: RatingTable, kind: str, cfg, name: Optional[str], table_id: Optional[str],
                fit_info: dict, model_text: str, vectors_text: str, citation: str) -> dict:
    """The ``info`` shared by a family's item and user spaces (JSON-able)."""
    return {"kind": kind, "name": name or f"{kind} on {table.name}", "params": cfg.to_dict(),
            "corpus_name": table.name, "table_id": table_id, "implicit": bool(table.implicit),
            "rating_min": float(table.r.min()), "rating_max": float(table.r.max()),
            "train_seconds": fit_info.get("train_seconds"), "fit": _jsonable(fit_info), "model": model_text,
            "vectors": vectors_text, "citation": citation, "scoring": "dot"}


def _jsonable(info: dict) -> dict:
    out = {}
    for k, v in info.items():
        if isinstance(v, np.generic):
            v = v.item()
        elif isinstance(v, np.ndarray):
            v = v.tolist()
        out[k] = v
    return out


def save_items(workspace, items: Space, users: Optional[Space] = None) -> dict:
    """Save an item space (and its user space first, when there is one, as svd's ``save_pair``).

    Returns
    -------
    dict
        ``{"model_id": ...}`` plus ``users_model_id`` when a user space was saved.
    """
    if users is not None:
        from embedlab.train.svd import save_pair

        return save_pair(workspace, items, users)
    return {"model_id": workspace.save_space(items)}


def load_for_job(workspace, args: dict):
    """The table named by a job's ``table_id`` (raises InputError when unknown)."""
    from embedlab.sources.ratings import load_table

    if "table_id" not in args:
        raise InputError("No rating table was given. Pick or upload a table first.")
    return load_table(workspace, args["table_id"])

