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
user space where the model has user vectors. The item–item models (EASE,
item k-NN) have no user vectors and their n × n matrix is too large to keep;
they keep the little they need to score one user later
(:class:`ItemItemModel`, saved as the model's attachments).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd
import scipy.sparse as sp

from embedlab.errors import InputError
from embedlab.sources.ratings import RatingTable
from embedlab.space import Space

FEEDBACK_CHOICES = ("ratings", "binary")
FEEDBACK_HELP = ("What a rated item counts as: 'ratings' uses the rating value, 'binary' counts every rated item as 1 "
                 "(tables without a rating column are binary either way).")
FEEDBACK_LABELS = {"ratings": "rating values", "binary": "rated = 1"}


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
    stored : ItemItemModel, optional
        What the saved model keeps to score a user later without W's n × n entries.
    """

    X: sp.csr_matrix
    W: object
    info: dict = field(default_factory=dict)
    items: Optional[np.ndarray] = None
    stored: Optional["ItemItemModel"] = None

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


# -- item–item models after training --------------------------------------------------

#: Folder of a model's attachments that holds its :class:`ItemItemModel`.
ITEM_ITEM_DIR = "item_item"


@dataclass
class ItemItemModel:
    """What an item–item model keeps after training to score one user or relate one item.

    EASE's weight matrix B and item k-NN's similarity matrix are n × n; the
    saved model keeps only what rebuilds a row of them exactly, next to the
    rating table it was trained on:

    * item k-NN: the pruned similarity matrix W itself (sparse: k entries per
      item); a user's scores are ``x_u W``, an item's neighbours its column;
    * EASE: λ and diag(P), P = (XᵀX + λI)⁻¹ (n numbers). With
      B = I − P·diag(1/diag(P)) and P symmetric, a user's scores are
      ``x_u B = x_u − (P x_u) / diag(P)`` and item a's row is
      ``B[a, j] = −(P e_a)_j / P_jj`` (j ≠ a), so one linear solve with
      XᵀX + λI gives either: conjugate gradients on the sparse X, never the
      n × n matrix (Hestenes & Stiefel 1952; scipy's ``cg`` with a Jacobi
      preconditioner).

    Attributes
    ----------
    method : {"ease", "itemknn"}
    items : ndarray of shape (n,), str
        Item ids, in the order of the arrays below.
    feedback : {"ratings", "binary"}
        How a user's row x_u is read from the table (as in training).
    regularization : float
        EASE's λ.
    diag_p : ndarray of shape (n,), float64, or None
        EASE's diag(P).
    W : scipy.sparse.csr_matrix of shape (n, n), or None
        Item k-NN's pruned similarities: ``W[i, j]`` = cos(i, j) when i is one of j's k nearest.
    """

    method: str
    items: np.ndarray
    feedback: str
    regularization: float = 0.0
    diag_p: Optional[np.ndarray] = None
    W: Optional[sp.csr_matrix] = None

    def attachments(self) -> dict:
        """The model as :attr:`Space.attachments` (``.npy`` arrays and a JSON file; no pickle)."""
        out = {f"{ITEM_ITEM_DIR}/model.json": {"method": self.method, "feedback": self.feedback,
                                               "regularization": float(self.regularization)},
               f"{ITEM_ITEM_DIR}/items.npy": np.asarray(self.items).astype(str)}
        if self.diag_p is not None:
            out[f"{ITEM_ITEM_DIR}/diag_p.npy"] = np.asarray(self.diag_p, dtype=np.float64)
        if self.W is not None:
            W = sp.csr_matrix(self.W)
            out.update({f"{ITEM_ITEM_DIR}/W_data.npy": W.data.astype(np.float32),
                        f"{ITEM_ITEM_DIR}/W_indices.npy": W.indices.astype(np.int32),
                        f"{ITEM_ITEM_DIR}/W_indptr.npy": W.indptr.astype(np.int64)})
        return out

    @classmethod
    def load(cls, workspace, model_id: str) -> "ItemItemModel":
        """Read a model's :class:`ItemItemModel` from its attachments.

        Raises
        ------
        InputError
            The model was saved without them (trained before they were kept): train it again.
        """
        import json

        def path(name: str) -> Path:
            return workspace.attachment(model_id, f"{ITEM_ITEM_DIR}/{name}")

        spec = json.loads(path("model.json").read_text(encoding="utf-8"))
        items = np.load(path("items.npy"), allow_pickle=False)
        model = cls(spec["method"], items, spec["feedback"], float(spec.get("regularization", 0.0)))
        if model.method == "ease":
            model.diag_p = np.load(path("diag_p.npy"), allow_pickle=False)
        else:
            data, indices, indptr = (np.load(path(f"W_{part}.npy"), allow_pickle=False)
                                     for part in ("data", "indices", "indptr"))
            model.W = sp.csr_matrix((data, indices, indptr), shape=(len(items), len(items)))
        return model

    @property
    def nbytes(self) -> int:
        """Bytes held (for a session's memory budget)."""
        W = self.W
        return int(self.items.nbytes + (0 if self.diag_p is None else self.diag_p.nbytes)
                   + (0 if W is None else W.data.nbytes + W.indices.nbytes + W.indptr.nbytes))

    def matrix(self, table: RatingTable) -> sp.csr_matrix:
        """The table's user × item matrix with columns in :attr:`items` order, read as in training.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (table.n_users, n), float64

        Raises
        ------
        InputError
            The table lacks items the model was trained on (another table).
        """
        pos = pd.Index(np.asarray(table.items).astype(str)).get_indexer(np.asarray(self.items).astype(str))
        if (pos < 0).any():
            raise InputError(f"The rating table '{table.name}' lacks {int((pos < 0).sum()):,} of the items this model "
                             "was trained on, so it cannot score its users. Use the table it was trained on.")
        return interaction_matrix(table, self.feedback, np.float64)[:, pos].tocsr()

    def user_scores(self, X: sp.csr_matrix, u: int) -> np.ndarray:
        """Scores of every item for user ``u`` (a row of ``X``, from :meth:`matrix`): x_u W or x_u B.

        Returns
        -------
        ndarray of shape (n,), float64
        """
        x = np.asarray(X[u].toarray(), dtype=np.float64).ravel()
        if self.method != "ease":
            return np.asarray(self.W.T.astype(np.float64) @ x).ravel()  # x_u W
        if not x.any():
            return np.zeros_like(x)
        return x - self._solve(X, x) / self.diag_p

    def item_weights(self, X: sp.csr_matrix, a: int) -> np.ndarray:
        """How much having item ``a`` speaks for each item: k-NN's W[a, ·] column of a's neighbours, EASE's B[a, ·].

        For item k-NN the answer is a's own neighbour list (``W[:, a]``: the k
        items most similar to a, by cosine); for EASE the row ``B[a, ·]`` (a's
        weight in every other item's score). Item a itself gets 0.

        Returns
        -------
        ndarray of shape (n,), float64
        """
        if self.method != "ease":
            w = np.asarray(self.W[:, a].toarray(), dtype=np.float64).ravel()
        else:
            e = np.zeros(len(self.items))
            e[a] = 1.0
            w = -self._solve(X, e) / self.diag_p
        w[a] = 0.0
        return w

    def _solve(self, X: sp.csr_matrix, b: np.ndarray) -> np.ndarray:
        """(XᵀX + λI)⁻¹ b by preconditioned conjugate gradients on the sparse X."""
        from scipy.sparse.linalg import LinearOperator, cg

        lam = float(self.regularization)
        XT = X.T.tocsr()
        n = X.shape[1]
        A = LinearOperator((n, n), matvec=lambda v: XT @ (X @ v) + lam * v, dtype=np.float64)
        jacobi = 1.0 / (np.asarray(X.multiply(X).sum(axis=0)).ravel() + lam)
        M = LinearOperator((n, n), matvec=lambda v: jacobi * v, dtype=np.float64)
        y, info = cg(A, b, rtol=1e-10, atol=0.0, maxiter=5000, M=M)
        if info != 0:
            raise InputError("EASE's scores for this user did not converge; train the model again with a larger λ.")
        return y


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

