"""Matrix factorisation of a rating table: biases plus a soft-impute low-rank fit.

The model (stated in the UI)::

    r̂_ui = μ + b_u + b_i + p_u · q_i

* μ is the global mean rating; b_u, b_i are user and item biases fitted by
  alternating least squares with shrinkage (``reg_u``, ``reg_i``), as in
  Surprise's ``BaselineOnly`` (Koren 2010, "Factor in the neighbors", §2.1).
* The factors fit the residuals x_ui = r_ui − μ − b_u − b_i of the observed
  ratings by **soft-impute** (Mazumder, Hastie & Tibshirani 2010, "Spectral
  regularization algorithms for learning large incomplete matrices", JMLR 11):
  minimise ½ Σ_observed (x_ui − z_ui)² + λ ‖Z‖_* over matrices Z of rank at most
  ``n_factors``. Each iteration takes the SVD of the sparse-plus-low-rank matrix
  P_Ω(X − Z) + Z (never densified) with scikit-learn's randomized SVD (Halko,
  Martinsson & Tropp 2011) and soft-thresholds its singular values by λ.
  λ is chosen on a validation split (10 % of the ratings) along a decreasing
  path with warm starts; then the model is refitted on all ratings.
* Z = U diag(d) Vᵀ; user vectors p_u = U_u √d and item vectors q_i = V_i √d,
  so p_u · q_i = z_ui. Predictions are clipped to the rating scale.

On ``ml-latest-small`` this beats Surprise's BaselineOnly and SVD on the same
5 folds (``benchmarks/bench_ratings.py``).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, fields
from typing import Optional

import numpy as np
import pandas as pd
import scipy.sparse as sp

from embedlab.errors import Cancelled, InputError
from embedlab.progress import Progress, ShouldStop, no_progress, scaled
from embedlab.sources.ratings import RatingTable
from embedlab.space import Space
from embedlab.train.registry import Family

from sklearn.utils.extmath import randomized_svd

MODEL_TEXT = ("r̂(u,i) = μ + b_u + b_i + p_u·q_i — μ: global mean; b_u, b_i: user and item biases (regularised ALS, "
              "as Surprise's BaselineOnly); p_u, q_i: user and item factor vectors from soft-impute "
              "(Mazumder, Hastie & Tibshirani 2010): the rank-≤k matrix Z = P Qᵀ minimising "
              "½ Σ_observed (r − μ − b_u − b_i − z)² + λ‖Z‖_* (nuclear norm), with λ chosen on a 10 % validation "
              "split; predictions clipped to the rating scale.")


@dataclass
class SVDConfig:
    """Settings of :func:`fit_svd`.

    Attributes
    ----------
    n_factors : int
        Largest rank k of the factor part (the shrinkage λ may use fewer).
    reg_u, reg_i : float
        Shrinkage of the user and item biases (Surprise's defaults 15 and 10).
    bias_epochs : int
        ALS passes for the biases.
    shrinkage : float or None
        λ of soft-impute; None chooses it on a validation split.
    n_lambdas : int
        Length of the λ path tried when choosing λ.
    max_iter : int
        Soft-impute iterations of the final fit.
    path_iter : int
        Soft-impute iterations per λ on the validation path (warm-started).
    tol : float
        Stop iterating when the relative change of Z (Frobenius) is below this.
    validation_fraction : float
    seed : int
    """

    n_factors: int = field(default=40, metadata={
        "label": "Number of factors k (largest rank)", "widget": "slider", "min": 2, "max": 200,
        "help": "Largest rank of the factor part; the shrinkage λ chosen on validation data may use fewer."})
    reg_u: float = field(default=15.0, metadata={
        "help": "Shrinkage of the user biases towards 0 (Surprise's default 15).", "min": 0.0, "max": 1000.0,
        "advanced": True})
    reg_i: float = field(default=10.0, metadata={
        "help": "Shrinkage of the item biases towards 0 (Surprise's default 10).", "min": 0.0, "max": 1000.0,
        "advanced": True})
    bias_epochs: int = field(default=10, metadata={
        "help": "Alternating least-squares passes for the biases.", "min": 1, "max": 100, "advanced": True})
    shrinkage: Optional[float] = field(default=None, metadata={
        "label": "shrinkage λ", "help": "λ of soft-impute (nuclear-norm penalty); empty: chosen on a validation "
                                         "split.", "min": 0.0, "advanced": True})
    n_lambdas: int = field(default=16, metadata={
        "help": "How many values of λ the validation path tries.", "min": 2, "max": 100, "advanced": True})
    max_iter: int = field(default=15, metadata={
        "help": "Soft-impute iterations of the final fit.", "min": 1, "max": 500, "advanced": True})
    path_iter: int = field(default=5, metadata={
        "help": "Soft-impute iterations per λ on the validation path (warm-started).", "min": 1, "max": 100,
        "advanced": True})
    tol: float = field(default=1e-4, metadata={
        "help": "Stop iterating when Z changes by less than this (relative, Frobenius norm).", "min": 0.0,
        "max": 0.1, "format": "%.0e", "advanced": True})
    validation_fraction: float = field(default=0.1, metadata={
        "help": "Share of the ratings held out to choose λ.", "min": 0.01, "max": 0.49, "advanced": True})
    seed: int = field(default=0, metadata={
        "help": "Seed of the validation split and the randomized SVD.", "min": 0, "max": 2**31 - 1,
        "advanced": True})

    def __post_init__(self):
        if not 1 <= int(self.n_factors) <= 1000:
            raise InputError(f"The number of factors must be from 1 to 1000; got {self.n_factors}.")
        if self.reg_u < 0 or self.reg_i < 0:
            raise InputError("The bias shrinkage must not be negative.")
        if self.shrinkage is not None and self.shrinkage < 0:
            raise InputError("The shrinkage λ must not be negative.")
        if not 0 < self.validation_fraction < 0.5:
            raise InputError("The validation fraction must be above 0 and below 0.5.")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "SVDConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (values or {}).items() if k in names})


@dataclass
class RatingModel:
    """A fitted rating model (biases and, for SVD, factors).

    Attributes
    ----------
    mu : float
        Global mean rating.
    bu : ndarray of shape (n_users,)
    bi : ndarray of shape (n_items,)
    P : ndarray of shape (n_users, k) or None
        User factors.
    Q : ndarray of shape (n_items, k) or None
        Item factors.
    lo, hi : float
        Rating scale used to clip predictions.
    info : dict
        λ, validation curve, iterations, seconds.
    """

    mu: float
    bu: np.ndarray
    bi: np.ndarray
    P: Optional[np.ndarray] = None
    Q: Optional[np.ndarray] = None
    lo: float = -np.inf
    hi: float = np.inf
    info: dict = None

    def predict(self, u: np.ndarray, i: np.ndarray, clip: bool = True) -> np.ndarray:
        """Predicted ratings for pairs (u[j], i[j]): ndarray of shape (n_pairs,)."""
        u = np.asarray(u)
        i = np.asarray(i)
        pred = self.mu + self.bu[u] + self.bi[i]
        if self.P is not None and self.P.shape[1]:
            pred = pred + _pair_dots(self.P, self.Q, u, i)
        return np.clip(pred, self.lo, self.hi) if clip else pred

    def scores(self, u: int) -> np.ndarray:
        """Predicted rating of every item for one user, shape (n_items,), unclipped."""
        s = self.mu + self.bu[u] + self.bi
        if self.P is not None and self.P.shape[1]:
            s = s + self.Q @ self.P[u]
        return s


def _pair_dots(P: np.ndarray, Q: np.ndarray, u: np.ndarray, i: np.ndarray, chunk: int = 8192) -> np.ndarray:
    """Σ_k P[u_j, k] Q[i_j, k] for each pair, in cache-sized chunks (float32 products, float64 result)."""
    P = np.asarray(P, dtype=np.float32)
    Q = np.asarray(Q, dtype=np.float32)
    out = np.empty(len(u), dtype=np.float64)
    for s in range(0, len(u), chunk):
        e = s + chunk
        out[s:e] = np.einsum("ij,ij->i", P[u[s:e]], Q[i[s:e]])
    return out


def _observed_dots(A: np.ndarray, B: np.ndarray, indptr: np.ndarray, cols: np.ndarray,
                   block_entries: int = 4_000_000) -> np.ndarray:
    """Entries of A Bᵀ at the positions of a CSR pattern (``indptr``, ``cols``).

    Computes dense row blocks of A Bᵀ (float32, at most ``block_entries`` at a
    time, 16 MB) with BLAS and picks the observed entries: on rating matrices
    with more than ~1 % density this is several times faster than gathering
    the factor rows of every observed pair.

    Returns
    -------
    ndarray of shape (nnz,), float64
    """
    A = np.asarray(A, dtype=np.float32)
    Bt = np.ascontiguousarray(np.asarray(B, dtype=np.float32).T)
    n_rows, n_cols = A.shape[0], Bt.shape[1]
    step = max(1, block_entries // max(n_cols, 1))
    out = np.empty(len(cols), dtype=np.float64)
    for r0 in range(0, n_rows, step):
        r1 = min(r0 + step, n_rows)
        s, e = indptr[r0], indptr[r1]
        if s == e:
            continue
        local_rows = np.repeat(np.arange(r1 - r0), np.diff(indptr[r0:r1 + 1]))
        out[s:e] = (A[r0:r1] @ Bt)[local_rows, cols[s:e]]
    return out


def fit_biases(u: np.ndarray, i: np.ndarray, r: np.ndarray, n_users: int, n_items: int, reg_u: float = 15.0,
               reg_i: float = 10.0, epochs: int = 10) -> tuple:
    """Regularised user and item biases by alternating least squares.

    Minimises Σ (r_ui − μ − b_u − b_i)² + reg_u Σ b_u² + reg_i Σ b_i², one
    closed-form update of all b_u then all b_i per epoch, as Surprise's
    ``BaselineOnly(bsl_options={'method': 'als'})`` (Koren 2010).

    Parameters
    ----------
    u, i : ndarray of shape (n_ratings,), int
    r : ndarray of shape (n_ratings,), float
    n_users, n_items : int

    Returns
    -------
    (float, ndarray of shape (n_users,), ndarray of shape (n_items,))
        μ, b_u, b_i.
    """
    mu = float(r.mean())
    bu = np.zeros(n_users)
    bi = np.zeros(n_items)
    nu = np.bincount(u, minlength=n_users)
    ni = np.bincount(i, minlength=n_items)
    dev = r - mu
    for _ in range(max(1, epochs)):
        bi = np.bincount(i, weights=dev - bu[u], minlength=n_items) / (reg_i + ni)
        bu = np.bincount(u, weights=dev - bi[i], minlength=n_users) / (reg_u + nu)
    return mu, bu, bi


class _SparsePlusLowRank:
    """The matrix S + A Bᵀ as an operator (S sparse CSR, A, B thin) for randomized SVD.

    Only ``@`` with dense blocks is needed, so the (possibly huge) dense matrix
    is never formed.
    """

    __array_ufunc__ = None  # make ``ndarray @ self`` call __rmatmul__
    ndim = 2

    def __init__(self, S, A, B, ST=None):
        self.S, self.A, self.B = S, A, B
        self._ST = ST
        self.shape = S.shape
        self.dtype = np.dtype(np.float64)

    @property
    def T(self):
        ST = self._ST if self._ST is not None else self.S.T.tocsr()
        return _SparsePlusLowRank(ST, self.B, self.A, ST=self.S)

    def __matmul__(self, X):
        return self.S @ X + self.A @ (self.B.T @ X)

    def __rmatmul__(self, X):
        return (self._transposed_S() @ X.T).T + (X @ self.A) @ self.B.T

    def _transposed_S(self):
        if self._ST is None:
            self._ST = self.S.T.tocsr()
        return self._ST


def soft_impute(u, i, x, shape, lam: float, rank: int, init=None, max_iter: int = 12, tol: float = 1e-3,
                seed: int = 0, should_stop: Optional[ShouldStop] = None, accelerate: bool = True) -> tuple:
    """Soft-impute (Mazumder, Hastie & Tibshirani 2010) for the observed entries ``x``.

    Parameters
    ----------
    u, i : ndarray of shape (n_obs,), int
        Row and column of each observed entry.
    x : ndarray of shape (n_obs,)
        Observed values.
    shape : (int, int)
    lam : float
        Soft threshold λ applied to the singular values.
    rank : int
        Largest rank kept.
    init : (U, d, V) or None
        Warm start.
    accelerate : bool
        Nesterov momentum on the proximal-gradient steps (Yao & Kwok 2015);
        many fewer iterations when λ is small.

    Returns
    -------
    (U, d, V, iterations)
        U of shape (n_rows, r), d of shape (r,), V of shape (n_cols, r), r ≤ rank.
    """
    n_rows, n_cols = shape
    if init is None:
        U, d, V = np.zeros((n_rows, 0)), np.zeros(0), np.zeros((n_cols, 0))
    else:
        U, d, V = init
    # one CSR pattern reused every iteration; only its data changes
    order = np.lexsort((i, u))
    su, si, sx = u[order], i[order], x[order]
    S = sp.csr_matrix((sx.astype(np.float64), (su, si)), shape=shape)
    S.sum_duplicates()
    S.sort_indices()
    cols = S.indices
    target = S.data.copy()
    # the transpose has a fixed pattern too: build it once, then only permute the data
    ST = sp.csr_matrix((np.arange(S.nnz, dtype=np.float64), S.indices, S.indptr), shape=shape).T.tocsr()
    to_t = ST.data.astype(np.int64)
    k = min(rank, min(shape) - 1) if min(shape) > 1 else 1
    rng = np.random.default_rng(seed)
    it = 0
    prev = None
    for it in range(1, max_iter + 1):
        # Nesterov extrapolation Y = Z_k + θ (Z_k − Z_{k−1}) (accelerated proximal gradient, as in
        # Yao & Kwok 2015's accelerated soft-impute): Y stays low rank, [U_k U_{k−1}] diag(...) [V_k V_{k−1}]ᵀ
        theta = (it - 1) / (it + 2) if accelerate and prev is not None else 0.0
        if theta > 0:
            A = np.hstack([U * ((1 + theta) * d), prev[0] * (-theta * prev[1])])
            B = np.hstack([V, prev[2]])
        else:
            A, B = U * d, V
        z = _observed_dots(A, B, S.indptr, cols) if A.shape[1] else 0.0
        S.data = target - z
        ST.data = S.data[to_t]
        op = _SparsePlusLowRank(S, A, B, ST=ST)
        U1, s, Vt = _svd_step(op, k, V, rng)
        d1 = np.maximum(s - lam, 0.0)
        keep = d1 > 0
        U1, d1, V1 = U1[:, keep], d1[keep], Vt[keep].T
        change = _relative_change(U, d, V, U1, d1, V1)
        prev = (U, d, V)
        U, d, V = U1, d1, V1
        if should_stop is not None and should_stop():
            raise Cancelled("Training was cancelled.")
        if change < tol:
            break
    S.data = target
    return U, d, V, it


def _svd_step(op, k: int, V_prev: np.ndarray, rng, oversample: int = 10) -> tuple:
    """Top-k SVD of ``op`` (n_rows × n_cols) by a randomized range finder (Halko, Martinsson & Tropp 2011).

    Cold (no previous factors): ``k + oversample`` Gaussian columns and two
    power iterations, each QR-normalised (Algorithm 4.4), the method of
    scikit-learn's ``randomized_svd`` (held equal to it by the tests), which
    cannot be called here: its input check refuses an operator. Warm: the
    range finder seeded with the previous right singular vectors plus
    ``oversample`` random columns, without power iterations, as in the
    softImpute R package: soft-impute's own iterations refine the subspace, so
    one pass per iteration is enough and costs 2 products with ``op`` instead
    of 6.
    """
    from scipy import linalg

    n_cols = op.shape[1]
    if V_prev.shape[1] == 0:
        Q, _ = linalg.qr(op @ rng.standard_normal((n_cols, k + oversample)), mode="economic", check_finite=False)
        for _ in range(2):
            Z, _ = linalg.qr((Q.T @ op).T, mode="economic", check_finite=False)
            Q, _ = linalg.qr(op @ Z, mode="economic", check_finite=False)
    else:
        extra = max(k + oversample - V_prev.shape[1], 1)
        omega = np.hstack([V_prev[:, :k], rng.standard_normal((n_cols, extra))])
        Q, _ = linalg.qr(op @ omega, mode="economic", check_finite=False)
    B = Q.T @ op  # (k + p) × n_cols, wide: SVD it through the small Gram matrix B Bᵀ
    w, Ug = linalg.eigh(B @ B.T, check_finite=False)
    order = np.argsort(w)[::-1][:k]
    s = np.sqrt(np.maximum(w[order], 0.0))
    Ug = Ug[:, order]
    Vt = (Ug.T @ B) / np.where(s > 0, s, 1.0)[:, None]
    return Q @ Ug, s, Vt


def _relative_change(U0, d0, V0, U1, d1, V1) -> float:
    """‖Z1 − Z0‖_F² / ‖Z0‖_F² computed from the thin factors (as in softImpute's R code)."""
    n0 = float(np.sum(d0 ** 2))
    n1 = float(np.sum(d1 ** 2))
    if n0 == 0:
        return np.inf if n1 > 0 else 0.0
    cross = float(np.sum((U0.T @ U1) * np.outer(d0, d1) * (V0.T @ V1)))
    return max(n0 + n1 - 2 * cross, 0.0) / n0


def _rmse(a, b) -> float:
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def fit_svd(table: RatingTable, cfg: Optional[SVDConfig] = None, progress: Optional[Progress] = None,
            should_stop: Optional[ShouldStop] = None) -> RatingModel:
    """Fit biases + soft-impute factors to a rating table.

    Parameters
    ----------
    table : RatingTable
    cfg : SVDConfig, optional
    progress : callable, optional
    should_stop : callable, optional

    Returns
    -------
    RatingModel
        ``info`` holds ``lambda``, ``rank`` (factors actually used), the
        validation curve ``path`` (λ, rank, validation RMSE) and ``train_seconds``.
    """
    from threadpoolctl import threadpool_limits

    # one BLAS thread: the products are small and memory-bound, several threads only spin on a
    # shared machine (measured 10x slower under load), and results become reproducible
    with threadpool_limits(limits=1, user_api="blas"):
        return _fit_svd(table, cfg or SVDConfig(), progress or no_progress, should_stop)


def _fit_svd(table, cfg, progress, should_stop) -> RatingModel:
    t0 = time.perf_counter()
    u = table.u.astype(np.int64)
    i = table.i.astype(np.int64)
    r = table.r.astype(np.float64)
    shape = (table.n_users, table.n_items)
    path = []
    lam = cfg.shrinkage
    init = None
    if lam is None:
        rng = np.random.default_rng(cfg.seed)
        val = rng.random(len(r)) < cfg.validation_fraction
        tr = ~val
        progress(0.02, "Fitting biases on the training part")
        mu, bu, bi = fit_biases(u[tr], i[tr], r[tr], *shape, cfg.reg_u, cfg.reg_i, cfg.bias_epochs)
        x = r[tr] - mu - bu[u[tr]] - bi[i[tr]]
        base_val = mu + bu[u[val]] + bi[i[val]]
        lo, hi = float(r.min()), float(r.max())
        best_rmse = _rmse(np.clip(base_val, lo, hi), r[val])
        path.append({"lambda": None, "rank": 0, "val_rmse": best_rmse})
        # λ_max: the largest singular value of the residuals — above it the fit is zero
        S0 = sp.csr_matrix((x, (u[tr], i[tr])), shape=shape)
        lam_max = float(randomized_svd(S0, 1, n_oversamples=5, n_iter=4, random_state=cfg.seed)[1][0])
        lambdas = lam_max * np.geomspace(0.5, 0.002, cfg.n_lambdas)
        best_lam, best_state, worse = None, None, 0
        for j, lam_j in enumerate(lambdas):
            init = soft_impute(u[tr], i[tr], x, shape, lam_j, cfg.n_factors, init, cfg.path_iter, cfg.tol,
                               cfg.seed, should_stop)[:3]
            Uj, dj, Vj = init
            pred = base_val + (_pair_dots(Uj * dj, Vj, u[val], i[val]) if len(dj) else 0)
            score = _rmse(np.clip(pred, lo, hi), r[val])
            path.append({"lambda": float(lam_j), "rank": int(len(dj)), "val_rmse": score})
            progress(0.05 + 0.6 * (j + 1) / len(lambdas),
                     f"λ = {lam_j:.2f}: rank {len(dj)}, validation RMSE {score:.4f}", path=list(path))
            if score < best_rmse - 1e-6:
                best_rmse, best_lam, best_state, worse = score, float(lam_j), init, 0
            else:
                worse += 1
                if worse >= 1:  # the validation curve is U-shaped along the path
                    break
        # the loss sums over ratings: keep the same balance of fit and penalty on the full data
        lam = best_lam * np.sqrt(len(r) / tr.sum()) if best_lam is not None else None
        init = best_state
    progress(0.7, "Fitting on all ratings")
    mu, bu, bi = fit_biases(u, i, r, *shape, cfg.reg_u, cfg.reg_i, cfg.bias_epochs)
    lo, hi = float(r.min()), float(r.max())
    if lam is None:  # the validation split preferred no factors at all
        U, d, V, iters = np.zeros((shape[0], 0)), np.zeros(0), np.zeros((shape[1], 0)), 0
    else:
        x = r - mu - bu[u] - bi[i]
        U, d, V, iters = soft_impute(u, i, x, shape, lam, cfg.n_factors, init, cfg.max_iter, cfg.tol, cfg.seed,
                                     should_stop)
    root = np.sqrt(d)
    seconds = time.perf_counter() - t0
    info = {"lambda": None if lam is None else float(lam), "rank": int(len(d)), "path": path,
            "iterations_final": int(iters), "train_seconds": seconds, "singular_values": d.tolist()}
    progress(1.0, f"Done: rank {len(d)} in {seconds:.1f} s")
    return RatingModel(mu, bu, bi, U * root, V * root, lo, hi, info)


def fit_baseline(table_or_arrays, kind: str = "biases", reg_u: float = 15.0, reg_i: float = 10.0,
                 epochs: int = 10) -> RatingModel:
    """The two baselines: ``"mean"`` (global mean) or ``"biases"`` (μ + b_u + b_i).

    Parameters
    ----------
    table_or_arrays : RatingTable
    kind : {"mean", "biases"}
    """
    t = table_or_arrays
    u, i, r = t.u.astype(np.int64), t.i.astype(np.int64), t.r.astype(np.float64)
    lo, hi = float(r.min()), float(r.max())
    if kind == "mean":
        return RatingModel(float(r.mean()), np.zeros(t.n_users), np.zeros(t.n_items), lo=lo, hi=hi, info={})
    mu, bu, bi = fit_biases(u, i, r, t.n_users, t.n_items, reg_u, reg_i, epochs)
    return RatingModel(mu, bu, bi, lo=lo, hi=hi, info={})


# -- spaces ---------------------------------------------------------------------------

def item_meta(table: RatingTable, order: np.ndarray, bias: Optional[np.ndarray] = None) -> pd.DataFrame:
    """Meta table of the item space in ``order``: ``count``, ``label`` (title), ``genres`` (+ ``bias``)."""
    counts = table.item_counts()
    meta = pd.DataFrame({"count": counts[order], "label": table.item_labels()[order].astype(str),
                         "genres": table.item_genres()[order].astype(str)},
                        index=pd.Index(table.items[order], name="word"))
    if bias is not None:
        meta["bias"] = bias[order]
    return meta


def user_meta(table: RatingTable, order: np.ndarray, bias: Optional[np.ndarray] = None) -> pd.DataFrame:
    """Meta table of the user space: ``count`` (ratings), ``label``, ``mean_rating`` (+ ``bias``)."""
    counts = table.user_counts()
    sums = np.bincount(table.u, weights=table.r, minlength=table.n_users)
    meta = pd.DataFrame({"count": counts[order], "label": np.char.add("user ", table.users[order].astype(str)),
                         "mean_rating": (sums / np.maximum(counts, 1))[order]},
                        index=pd.Index(table.users[order], name="word"))
    if bias is not None:
        meta["bias"] = bias[order]
    return meta


def model_spaces(table: RatingTable, model: RatingModel, kind: str, params: dict, name: Optional[str] = None,
                 table_id: Optional[str] = None) -> tuple:
    """The item space and the user space of a fitted model, most-rated first.

    Keys are the original ids as strings; biases are a ``bias`` meta column and
    μ and the rating scale are in ``info``, so a saved pair of spaces can predict
    ``μ + b_u + b_i + p_u·q_i`` again without any pickle.

    Returns
    -------
    (Space, Space)
        Items (``kind``) and users (``kind + '-users'``).
    """
    name = name or f"{kind} on {table.name}"
    item_order = np.argsort(-table.item_counts(), kind="stable")
    user_order = np.argsort(-table.user_counts(), kind="stable")
    common = {"params": params, "corpus_name": table.name, "table_id": table_id, "global_mean": model.mu,
              "rating_min": model.lo, "rating_max": model.hi, "implicit": table.implicit,
              "train_seconds": (model.info or {}).get("train_seconds"), "fit": model.info or {},
              "model": MODEL_TEXT if kind == "svd" else None}
    items = Space.from_vectors(table.items[item_order], model.Q[item_order],
                               item_meta(table, item_order, model.bi), {**common, "kind": kind, "name": name,
                                                                         "role": "items", "item_kind": "item"})
    users = Space.from_vectors(table.users[user_order], model.P[user_order],
                               user_meta(table, user_order, model.bu), {**common, "kind": f"{kind}-users",
                                                                         "name": f"{name} (users)", "role": "users",
                                                                         "item_kind": "user"})
    return items, users


def model_from_spaces(items: Space, users: Space, table: RatingTable) -> RatingModel:
    """Rebuild a :class:`RatingModel` in ``table``'s dense indices from saved spaces.

    Users/items of the table that the spaces do not know get zero vectors and biases.
    """
    def aligned(space, ids):
        pos = pd.Index(space.words).get_indexer(pd.Index(ids))
        vec = np.zeros((len(ids), space.dim))
        bias = np.zeros(len(ids))
        ok = pos >= 0
        vec[ok] = space.vectors[pos[ok]]
        if "bias" in space.meta:
            bias[ok] = space.meta["bias"].to_numpy(np.float64)[pos[ok]]
        return vec, bias

    Q, bi = aligned(items, table.items)
    P, bu = aligned(users, table.users)
    info = items.info
    return RatingModel(float(info.get("global_mean", 0.0)), bu, bi, P, Q, float(info.get("rating_min", -np.inf)),
                       float(info.get("rating_max", np.inf)), {})


def train_svd(table: RatingTable, cfg: Optional[SVDConfig] = None, progress: Optional[Progress] = None,
              should_stop: Optional[ShouldStop] = None, name: Optional[str] = None,
              table_id: Optional[str] = None) -> tuple:
    """Fit :func:`fit_svd` and return (item space, user space); see :func:`model_spaces`."""
    cfg = cfg or SVDConfig()
    model = fit_svd(table, cfg, progress, should_stop)
    return model_spaces(table, model, "svd", cfg.to_dict(), name, table_id)


def save_pair(workspace, items: Space, users: Space) -> dict:
    """Save the user space, then the item space pointing at it (``info['users_model_id']``).

    The item space is the one the other pages use; it is saved last so that a
    registered item model always has its users model.
    """
    users_id = workspace.save_space(users)
    items.info["users_model_id"] = users_id
    items_id = workspace.save_space(items)
    return {"model_id": items_id, "users_model_id": users_id}


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry (kind ``svd``): train on a stored table and save the two spaces.

    ``args``: ``table_id``, ``config`` (an :class:`SVDConfig` dict), optional ``name``.
    Returns ``{"model_id", "users_model_id", "rank", "lambda"}``.
    """
    from embedlab.sources.ratings import load_table

    table = load_table(workspace, args["table_id"])
    cfg = SVDConfig.from_dict(args.get("config", {}))
    if table.implicit:
        raise InputError("This table has no ratings (implicit feedback): SVD would only see 1s. "
                         "Train item2vec instead, or map a rating column.")
    progress(0.0, "Reading the table")
    items, users = train_svd(table, cfg, scaled(progress, 0.0, 0.95), name=args.get("name"),
                             table_id=args["table_id"])
    progress(0.97, "Saving")
    out = save_pair(workspace, items, users)
    out.update(rank=items.info["fit"]["rank"], **{"lambda": items.info["fit"]["lambda"]})
    return out


FAMILY = Family(
    name="svd", title="SVD", data="ratings", item="item", config=SVDConfig, job=run_job,
    source="Koren 2010 (biases); Mazumder, Hastie & Tibshirani 2010 (soft-impute); scikit-learn's randomized SVD",
    description="Biases plus soft-impute factors: user and item vectors whose dot product predicts a rating.",
    details=MODEL_TEXT, order=10)
