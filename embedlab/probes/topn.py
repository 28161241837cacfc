"""Top-N evaluation: every model ranks the whole catalogue for every test user, on one shared split.

The protocol, as LensKit and ``implicit`` report it:

* **Split** (:func:`make_split`, the same rows for every model): a random 20 %
  of the ratings, or each user's latest 20 % by timestamp
  (:func:`embedlab.probes.recommend.split_ratings`).
* **Candidates**: for each test user, every item they did not rate in the
  training part. **Relevant**: a test item rated at least ``threshold``
  (4 stars by default; every test item of an implicit table). Users with no
  relevant test item are not scored.
* **Metrics at k** (k = 10 and 20), averaged over the scored users, with
  binary gains and the rank discount 1/log2(rank + 1):

  - precision@k = hits / list length (k, or fewer candidates when the user
    rated almost everything);
  - recall@k = hits / relevant;
  - NDCG@k = DCG / ideal DCG, the ideal list holding min(relevant, k) hits
    (Järvelin & Kekäläinen 2002);
  - MAP@k: mean over users of Σ_{hit at rank p ≤ k} precision@p / min(relevant, k);
  - hit rate@k: share of users with at least one hit;
  - coverage@k: share of the catalogue recommended to at least one user;
  - popular share@k: share of recommended slots taken by the 10 % most rated
    items of the training part (popularity bias).

* **Ties** (several items with the same score, e.g. popularity counts, or the
  zero score of every item a neighbourhood model cannot reach) are scored
  by the *expected* value of each metric over all orders of the tied items
  (McSherry & Najork 2008, "Computing information retrieval performance
  measures efficiently in the presence of tied scores", ECIR). Breaking ties
  by item order instead would reward a model for the file's order, which on
  MovieLens follows popularity. Coverage and popular share describe the lists
  as shown, ties broken towards the lower item index.

Scores are computed for blocks of users at once (one matrix product per
block) and ranked with one partial sort per block: 600 users × 9,000 items
take well under a second per model.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Optional

import numpy as np
import scipy.sparse as sp
from scipy.special import gammaln

from embedlab.errors import InputError
from embedlab.probes.recommend import RELEVANCE_THRESHOLD, mae, rmse, split_ratings
from embedlab.progress import Progress, no_progress, scaled
from embedlab.sources.ratings import RatingTable
from embedlab.train.interactions import fit_popularity, top_k_rows

KS = (10, 20)
POPULAR_FRACTION = 0.1
METRICS = ("precision", "recall", "NDCG", "MAP", "hit rate")
CITATION = ("P. Cremonesi, Y. Koren and R. Turrin. 2010. Performance of recommender algorithms on top-N "
            "recommendation tasks. RecSys '10, 39-46.")


# -- the split ----------------------------------------------------------------------------

@dataclass
class Split:
    """One held-out split of a table, shared by every model of a comparison.

    Attributes
    ----------
    train, test : RatingTable
        Same users and items (dense indices) as the table, disjoint rows.
    train_mask : ndarray of shape (n_ratings,), bool
        True for the table's training rows.
    method : {"random", "latest"}
    test_fraction : float
    seed : int
    """

    train: RatingTable
    test: RatingTable
    train_mask: np.ndarray
    method: str
    test_fraction: float
    seed: int

    @property
    def fingerprint(self) -> str:
        """SHA-1 of the training mask: two results with the same fingerprint used the same split."""
        return hashlib.sha1(np.packbits(self.train_mask).tobytes() + str(len(self.train_mask)).encode()).hexdigest()

    def describe(self) -> dict:
        """JSON-able facts: method, fraction, seed, sizes and fingerprint."""
        return {"method": self.method, "test_fraction": self.test_fraction, "seed": self.seed,
                "train": int(len(self.train)), "test": int(len(self.test)), "fingerprint": self.fingerprint}


def make_split(table: RatingTable, method: str = "random", test_fraction: float = 0.2, seed: int = 0) -> Split:
    """Split a table once for a whole comparison.

    Parameters
    ----------
    table : RatingTable
    method : {"random", "latest"}
        ``random``: each rating is held out with probability ``test_fraction``;
        ``latest``: each user's latest ``test_fraction`` of ratings by timestamp.
    test_fraction : float in (0, 1)
    seed : int

    Returns
    -------
    Split

    Raises
    ------
    InputError
        See :func:`~embedlab.probes.recommend.split_ratings`; a side left empty.
    """
    mask = split_ratings(table, method, test_fraction, seed)
    if mask.all() or not mask.any():
        raise InputError("The split left no ratings on one side. Use a larger table or another test fraction.")
    return Split(table.subset(mask), table.subset(~mask), mask, method, float(test_fraction), int(seed))


def pattern(table: RatingTable, mask: Optional[np.ndarray] = None) -> sp.csr_matrix:
    """The (user, item) pairs of a table (optionally only rows in ``mask``) as a boolean CSR matrix."""
    u, i = table.u, table.i
    if mask is not None:
        u, i = u[mask], i[mask]
    M = sp.csr_matrix((np.ones(len(u), dtype=bool), (u.astype(np.int64), i.astype(np.int64))),
                      shape=(table.n_users, table.n_items))
    M.sort_indices()
    return M


def relevant_pattern(split: Split, threshold: Optional[float] = RELEVANCE_THRESHOLD) -> sp.csr_matrix:
    """Relevant test pairs: rated at least ``threshold`` (all test pairs for implicit tables or ``None``)."""
    test = split.test
    keep = None if (threshold is None or test.implicit) else test.r >= threshold
    return pattern(test, keep)


# -- metrics of one block of users ------------------------------------------------------

def _rows_cols(M: sp.csr_matrix):
    rows = np.repeat(np.arange(M.shape[0]), np.diff(M.indptr))
    return rows, M.indices


def rank_block(S: np.ndarray, exclude: sp.csr_matrix, relevant: sp.csr_matrix, ks=KS) -> dict:
    """Tie-aware top-N metrics of a block of users from their score rows.

    Parameters
    ----------
    S : ndarray of shape (n_users, n_items)
        Scores, higher = better. Overwritten: excluded items become -inf
        (NaN scores are treated as -inf too).
    exclude : scipy.sparse CSR of shape (n_users, n_items)
        Items not to recommend (the user's training items).
    relevant : scipy.sparse CSR of shape (n_users, n_items)
        Relevant held-out items (any that are also excluded are ignored).
    ks : sequence of int
        Cut-offs, each from 1 to n_items.

    Returns
    -------
    dict
        ``"relevant"``: ndarray (n_users,) of relevant counts; ``"lists"``:
        ndarray (n_users, max k) of recommended items as shown (−1 where the
        user has fewer candidates); for each metric m in :data:`METRICS` and
        k in ``ks``, ``f"{m}@{k}"``: ndarray (n_users,) (NaN for users without
        a relevant item).
    """
    n_users, n_items = S.shape
    K = int(max(ks))
    if np.isnan(S).any():
        S[np.isnan(S)] = -np.inf
    er, ec = _rows_cols(exclude)
    S[er, ec] = -np.inf
    n_cand = n_items - np.diff(exclude.indptr)
    if exclude.nnz and relevant.nnz:
        relevant = sp.csr_matrix(relevant - relevant.multiply(exclude), dtype=bool)
        relevant.eliminate_zeros()
        relevant.sort_indices()
    idx, vals, n_tied_K = top_k_rows(S, K)
    vK = vals[:, -1]
    # position p (0-based) belongs to the tie group of value vals[p]: `above` items score higher
    # (all inside the top K), `size` items share the value (counted over the whole row at the boundary)
    above = (vals[:, None, :] > vals[:, :, None]).sum(axis=2)
    size = np.where(vals > vK[:, None], (vals[:, None, :] == vals[:, :, None]).sum(axis=2), n_tied_K[:, None])
    rr, rc = _rows_cols(relevant)
    s_rel = S[rr, rc]
    n_rel = np.bincount(rr, minlength=n_users)
    hits_in_group = np.zeros((n_users, K))
    hits_above = np.zeros((n_users, K))
    np.add.at(hits_in_group, rr, (s_rel[:, None] == vals[rr]).astype(np.float64))
    np.add.at(hits_above, rr, (s_rel[:, None] > vals[rr]).astype(np.float64))
    expected = hits_in_group / size  # probability that the item shown at p is relevant
    pos = np.arange(K)
    discount = 1.0 / np.log2(pos + 2.0)
    cum_discount = np.cumsum(discount)
    # given a relevant item at p, each earlier slot of its tie group is relevant with prob (r - 1) / (g - 1)
    before = (pos[None, :] - above) * (hits_in_group - 1) / np.maximum(size - 1, 1)
    ap_terms = expected * (hits_above + 1 + before) / (pos + 1.0)
    scored = n_rel > 0
    out = {"relevant": n_rel, "lists": np.where(np.isfinite(vals), idx, -1)}
    for k in ks:
        k = int(k)
        hits = expected[:, :k].sum(axis=1)
        length = np.minimum(k, n_cand)
        ideal = cum_discount[np.minimum(np.maximum(n_rel, 1), k) - 1]
        # hit rate: sure when a relevant item scores above the k-th value; else the chance that the
        # m slots the boundary tie group gets in the top k miss all of its r relevant items (hypergeometric)
        g, r, m = size[:, k - 1], hits_in_group[:, k - 1], k - above[:, k - 1]
        fits = g - r >= m
        miss = np.where(fits, np.exp(gammaln(g - r + 1) - gammaln(np.where(fits, g - r - m, 0) + 1)
                                     - gammaln(g + 1) + gammaln(g - m + 1)), 0.0)
        hit = np.where(hits_above[:, k - 1] > 0, 1.0, 1.0 - miss)
        values = {"precision": hits / np.maximum(length, 1), "recall": hits / np.maximum(n_rel, 1),
                  "NDCG": (expected[:, :k] * discount[:k]).sum(axis=1) / ideal,
                  "MAP": ap_terms[:, :k].sum(axis=1) / np.minimum(np.maximum(n_rel, 1), k), "hit rate": hit}
        for name, v in values.items():
            out[f"{name}@{k}"] = np.where(scored, v, np.nan)
    return out


def ranking_metrics(S: np.ndarray, exclude: sp.csr_matrix, relevant: sp.csr_matrix, ks=KS,
                    popularity: Optional[np.ndarray] = None) -> dict:
    """Mean tie-aware top-N metrics of a full score matrix (small problems and tests).

    Parameters
    ----------
    S : ndarray of shape (n_users, n_items)
        Not modified.
    exclude, relevant : scipy.sparse CSR of shape (n_users, n_items)
    ks : sequence of int
    popularity : ndarray of shape (n_items,), optional
        Training counts that define the popular items; default: ``exclude``'s column counts.

    Returns
    -------
    dict
        ``f"{metric}@{k}"`` means over users with a relevant item, plus
        ``f"coverage@{k}"``, ``f"popular share@{k}"`` and ``users``.
    """
    _check_ks(ks, S.shape[1])
    exclude, relevant = sp.csr_matrix(exclude), sp.csr_matrix(relevant)
    users = np.flatnonzero(np.diff(relevant.indptr) > 0)
    block = rank_block(np.array(S[users], dtype=np.float64), exclude[users], relevant[users], ks)
    if popularity is None:
        popularity = np.diff(exclude.tocsc().indptr)
    return _summarise([block], ks, S.shape[1], popularity)


def _check_ks(ks, n_items: int) -> None:
    for k in ks:
        if not (isinstance(k, (int, np.integer)) and 1 <= k):
            raise InputError(f"k must be a whole number of at least 1; got {k!r}.")
        if k > n_items:
            raise InputError(f"k = {k} is larger than the catalogue ({n_items:,} items): a top-{k} list cannot "
                             f"be filled. Choose k ≤ {n_items:,}.")


def popular_items(popularity: np.ndarray, fraction: float = POPULAR_FRACTION) -> np.ndarray:
    """Boolean mask of the ``fraction`` most rated items (at least one; ties towards the lower index)."""
    n = len(popularity)
    top = np.argsort(-np.asarray(popularity), kind="stable")[:max(1, int(np.ceil(fraction * n)))]
    mask = np.zeros(n, dtype=bool)
    mask[top] = True
    return mask


def _summarise(blocks: list, ks, n_items: int, popularity: np.ndarray) -> dict:
    popular = popular_items(popularity)
    lists = np.concatenate([b["lists"] for b in blocks]) if blocks else np.empty((0, max(ks)), dtype=np.int64)
    out = {}
    for k in ks:
        for m in METRICS:
            v = np.concatenate([b[f"{m}@{k}"] for b in blocks]) if blocks else np.empty(0)
            out[f"{m}@{k}"] = float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")
        shown = lists[:, :k]
        shown = shown[shown >= 0]
        out[f"coverage@{k}"] = float(len(np.unique(shown)) / n_items)
        out[f"popular share@{k}"] = float(popular[shown].mean()) if len(shown) else float("nan")
    out["users"] = int(len(lists))
    return out


def evaluate_scorer(scorer, split: Split, ks=KS, threshold: Optional[float] = RELEVANCE_THRESHOLD,
                    block_entries: int = 4_000_000, progress: Optional[Progress] = None,
                    users: Optional[np.ndarray] = None) -> dict:
    """Top-N metrics of a trained scorer on a split (blocks of users, one matrix product each).

    Parameters
    ----------
    scorer : object
        ``scorer.scores(users)`` -> ndarray of shape (len(users), n_items).
    split : Split
    ks : sequence of int
    threshold : float or None
        Relevance threshold on test ratings (ignored for implicit tables).
    block_entries : int
        Score entries held at once (memory ≈ 8 bytes × this, plus the scorer's own).
    users : ndarray of int, optional
        Score only these users (those of them with a relevant test item); default: every such user.

    Returns
    -------
    dict
        As :func:`ranking_metrics`, plus ``eval_seconds``.

    Raises
    ------
    InputError
        A k larger than the catalogue; no test user with a relevant item.
    """
    progress = progress or no_progress
    t0 = time.perf_counter()
    n_items = split.train.n_items
    _check_ks(ks, n_items)
    relevant = relevant_pattern(split, threshold)
    exclude = pattern(split.train)
    has_relevant = np.diff(relevant.indptr) > 0
    if users is None:
        users = np.flatnonzero(has_relevant)
    else:
        users = np.unique(np.asarray(users, dtype=np.int64))
        users = users[has_relevant[users]]
    if not len(users):
        raise InputError("No test user has a relevant item (a test rating ≥ the threshold), so nothing can be "
                         "scored. Lower the threshold or use a larger test fraction.")
    step = max(1, block_entries // max(n_items, 1))
    blocks = []
    for s in range(0, len(users), step):
        chunk = users[s:s + step]
        S = np.asarray(scorer.scores(chunk), dtype=np.float64)
        blocks.append(rank_block(S, exclude[chunk], relevant[chunk], ks))
        progress(min(1.0, (s + len(chunk)) / len(users)), f"Ranked {s + len(chunk):,} / {len(users):,} users")
    out = _summarise(blocks, ks, n_items, split.train.item_counts())
    out["eval_seconds"] = time.perf_counter() - t0
    return out


# -- the models of a comparison ---------------------------------------------------------

@dataclass
class RatingScorer:
    """Ranks by a rating model's predicted rating μ + b_u + b_i (+ p_u·q_i), unclipped (ties stay ties)."""

    model: object

    def scores(self, users: np.ndarray) -> np.ndarray:
        m = self.model
        users = np.asarray(users)
        S = m.mu + m.bu[users][:, None] + m.bi[None, :]
        if m.P is not None and m.P.shape[1]:
            S = S + np.asarray(m.P[users], dtype=np.float64) @ np.asarray(m.Q, dtype=np.float64).T
        return S


def _fit_svd(train, config, progress):
    from embedlab.train.svd import SVDConfig, fit_svd

    model = fit_svd(train, SVDConfig.from_dict(config), progress)
    return model, RatingScorer(model)


def _fit_biases(train, config, progress):
    from embedlab.train.svd import fit_baseline

    t0 = time.perf_counter()
    model = fit_baseline(train, "biases")
    model.info = {"train_seconds": time.perf_counter() - t0}
    return model, RatingScorer(model)


def _family_fit(module_name: str, fit_name: str, config_name: str):
    def fit(train, config, progress):
        import importlib

        module = importlib.import_module(module_name)
        scorer = getattr(module, fit_name)(train, getattr(module, config_name).from_dict(config), progress)
        return None, scorer
    return fit


#: Families a comparison can include: key -> (label, fit(train, config, progress) -> (rating model or None,
#: scorer), predicts ratings). The popularity baseline is always added first.
FAMILIES = {
    "puresvd": ("PureSVD", _family_fit("embedlab.train.puresvd", "fit_puresvd", "PureSVDConfig"), False),
    "als": ("Implicit ALS", _family_fit("embedlab.train.als", "fit_als", "ALSConfig"), False),
    "ease": ("EASE", _family_fit("embedlab.train.ease", "fit_ease", "EASEConfig"), False),
    "itemknn": ("Item k-NN", _family_fit("embedlab.train.itemknn", "fit_itemknn", "ItemKNNConfig"), False),
    "svd": ("SVD (rating model)", _fit_svd, True),
    "biases": ("μ + b_u + b_i", _fit_biases, True),
}
DEFAULT_MODELS = ("svd", "puresvd", "als", "ease", "itemknn")


def _specs(models) -> list:
    specs = []
    for m in models if models is not None else DEFAULT_MODELS:
        spec = {"family": m} if isinstance(m, str) else dict(m)
        if spec.get("family") not in FAMILIES:
            raise InputError(f"Unknown model family {spec.get('family')!r}. Choose from: {', '.join(FAMILIES)}.")
        specs.append(spec)
    return specs


def model_settings(spec: dict) -> dict:
    """The full settings a comparison trains a model with: its config (defaults filled in), or {} for the biases.

    Raises
    ------
    InputError
        A value out of range (the message names the setting).
    """
    from embedlab.train.registry import find

    family = find(spec["family"])
    if family is None:
        return {}
    try:
        return family.make_config(spec.get("config")).to_dict()
    except InputError as exc:
        raise InputError(f"{FAMILIES[spec['family']][0]}: {exc}") from None


def plan_topn(table: RatingTable, models=None, ks=KS, popularity: bool = True) -> list:
    """Check a comparison before it is queued; return what will be left out and why.

    Parameters
    ----------
    table : RatingTable
    models, ks, popularity : see :func:`evaluate_topn`

    Returns
    -------
    list of str
        Notes: rating models on an implicit table, EASE over its item limit
        (with the memory it would take).

    Raises
    ------
    InputError
        No model chosen, an unknown family or a bad setting, no k, or a k
        larger than the catalogue.
    """
    specs = _specs(models)
    if not specs and not popularity:
        raise InputError("Choose at least one model to compare.")
    if not len(ks):
        raise InputError("Choose at least one k (the length of the top-N lists).")
    _check_ks(ks, table.n_items)
    notes = []
    for spec in specs:
        label, _, predicts = FAMILIES[spec["family"]]
        label = spec.get("label") or label
        model_settings(spec)
        if predicts and table.implicit:
            notes.append(f"{label} needs ratings; this table is implicit feedback, so it will be left out.")
        elif spec["family"] == "ease":
            from embedlab.train.ease import memory_note

            try:
                memory_note(table)
            except InputError as exc:
                notes.append(f"{label} will be left out: {exc}")
    return notes


def evaluate_topn(table: RatingTable, models=None, method: str = "random", test_fraction: float = 0.2,
                  seed: int = 0, ks=KS, threshold: Optional[float] = RELEVANCE_THRESHOLD,
                  progress: Optional[Progress] = None, popularity: bool = True) -> dict:
    """Train every chosen model and the popularity baseline on one split and compare them.

    Parameters
    ----------
    table : RatingTable
        Explicit or implicit. Rating models (``svd``, ``biases``) are skipped,
        with a note, on implicit tables.
    models : sequence, optional
        Family keys of :data:`FAMILIES` or dicts ``{"family", "config", "label"}``;
        default :data:`DEFAULT_MODELS`.
    method, test_fraction, seed : see :func:`make_split`
    ks : sequence of int
        Cut-offs (default 10 and 20), each at most the catalogue size.
    threshold : float or None
        Relevance threshold on test ratings.
    popularity : bool
        Include the most-popular baseline (first row).

    Returns
    -------
    dict (JSON-able)
        ``rows``: one dict per model (``model``, ``family``, ``RMSE``, ``MAE``
        (None unless the model predicts ratings), every ``metric@k``,
        ``coverage@k``, ``popular share@k``, ``users``, ``train seconds``,
        ``eval seconds``, ``settings`` (its config)); ``chart``: long-format rows
        (``model``, ``metric``, ``value``) of the ranking metrics at the first k,
        and the RMSE rows; ``explanation``: one sentence on why the RMSE winner
        and the ranking winner differ; ``split``: :meth:`Split.describe`; ``ks``,
        ``threshold``, ``notes``.

    Raises
    ------
    InputError
        Bad split settings, k larger than the catalogue, an unknown family or
        setting, nothing to compare. A model that refuses the table (e.g. EASE
        over its item limit) is left out with a note instead.
    """
    progress = progress or no_progress
    specs = _specs(models)
    ks = tuple(sorted({int(k) for k in ks})) if len(ks) else ()
    plan_topn(table, specs, ks, popularity)
    split = make_split(table, method, test_fraction, seed)
    explicit = not table.implicit
    notes = []
    rows = []
    n_steps = len(specs) + 1

    def add(label, family, rating_model, scorer, train_seconds, step, settings):
        metrics = evaluate_scorer(scorer, split, ks, threshold,
                                  progress=scaled(progress, (step + 0.8) / n_steps, (step + 1) / n_steps))
        row = {"model": label, "family": family, "RMSE": None, "MAE": None}
        if rating_model is not None and explicit:
            pred = rating_model.predict(split.test.u, split.test.i)
            row.update(RMSE=rmse(pred, split.test.r), MAE=mae(pred, split.test.r))
        row.update({k: v for k, v in metrics.items() if k != "eval_seconds"})
        row["train seconds"] = float(train_seconds)
        row["eval seconds"] = float(metrics["eval_seconds"])
        row["settings"] = settings
        rows.append(row)

    if popularity:
        progress(0.0, "Popularity baseline")
        add("Most popular", "popularity", None, fit_popularity(split.train), 0.0, 0, {})
    for step, spec in enumerate(specs, start=1):
        label, fit, predicts = FAMILIES[spec["family"]]
        label = spec.get("label") or label
        if predicts and not explicit:
            notes.append(f"{label} needs ratings; this table is implicit feedback, so it was left out.")
            continue
        settings = model_settings(spec)
        progress(step / n_steps, f"Training {label}")
        t0 = time.perf_counter()
        try:
            rating_model, scorer = fit(split.train, settings,
                                       scaled(progress, step / n_steps, (step + 0.8) / n_steps))
        except InputError as exc:  # one model refusing the table (e.g. EASE's item limit) leaves the others
            notes.append(f"{label} was left out: {exc}")
            continue
        add(label, spec["family"], rating_model, scorer, time.perf_counter() - t0, step, settings)
        del scorer  # EASE's n × n matrix goes before the next model is trained
    if not rows:
        raise InputError("Every model was left out: " + " ".join(notes))
    progress(1.0, "Evaluated")
    k0 = int(ks[0])
    return {"rows": rows, "chart": chart_data(rows, k0), "explanation": explain_winners(rows, k0),
            "split": split.describe(), "ks": [int(k) for k in ks],
            "threshold": None if not explicit else threshold, "notes": notes, "citation": CITATION}


def chart_data(rows: list, k: int = 10) -> dict:
    """Figures for the comparison chart: ranking metrics at ``k`` and RMSE, long format.

    Returns
    -------
    dict
        ``ranking``: rows ``{"model", "metric", "value"}`` for precision, recall,
        NDCG, MAP, hit rate at k; ``rmse``: rows ``{"model", "RMSE"}`` for models
        that predict ratings.
    """
    ranking = [{"model": r["model"], "metric": f"{m}@{k}", "value": r.get(f"{m}@{k}")} for r in rows for m in METRICS]
    errors = [{"model": r["model"], "RMSE": r["RMSE"]} for r in rows if r.get("RMSE") is not None]
    return {"ranking": ranking, "rmse": errors}


def explain_winners(rows: list, k: int = 10) -> str:
    """One sentence on the RMSE winner and the NDCG@k winner (Cremonesi, Koren & Turrin 2010).

    Returns
    -------
    str
    """
    key = f"NDCG@{k}"
    ranked = [r for r in rows if r.get(key) is not None and np.isfinite(r[key])]
    if not ranked:
        return "No model could be scored."
    best = max(ranked, key=lambda r: r[key])
    rated = [r for r in rows if r.get("RMSE") is not None]
    if not rated:
        popular = next((r for r in ranked if r.get("family") == "popularity"), None)
        if popular is not None and popular is not best and popular[key] > 0:
            return (f"{best['model']} ranks best ({key} {best[key]:.3f}, {best[key] / popular[key]:.1f} × the "
                    f"most-popular list's {popular[key]:.3f}): it learns from each user's own items which of the "
                    "unrated ones they go on to pick, beyond the films everybody rates; no model here predicts "
                    "ratings, so there is no RMSE to compare (an implicit table, or no rating model chosen).")
        return (f"{best['model']} ranks best ({key} {best[key]:.3f}); no model here predicts ratings, so there is "
                "no RMSE to compare (an implicit table, or no rating model chosen).")
    low = min(rated, key=lambda r: r["RMSE"])
    if low["model"] == best["model"]:
        return (f"{low['model']} wins on both RMSE ({low['RMSE']:.3f}) and {key} ({best[key]:.3f}) here, unlike "
                "the usual finding of Cremonesi, Koren & Turrin (2010) that the two rankings of models differ.")
    return (f"{low['model']} predicts held-out ratings best (RMSE {low['RMSE']:.3f}) yet ranks worse than "
            f"{best['model']} ({key} {low[key]:.3f} vs {best[key]:.3f}): RMSE is measured only on the items users "
            "chose to rate, while a top-N list is judged on which of all their unrated items they go on to rate, "
            "and a model fitted to rating error ignores the missing ratings, the strongest hint of what users pick "
            "(Cremonesi, Koren & Turrin 2010).")


def run_topn_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry (kind ``topn_eval``): :func:`evaluate_topn` on a stored table.

    ``args``: ``table_id``; optional ``models`` (family keys or ``{"family", "config", "label"}``
    dicts), ``method``, ``test_fraction``, ``seed``, ``ks``, ``threshold``, ``popularity``.
    Returns the dict of :func:`evaluate_topn` plus ``seconds`` and ``table_id``.
    """
    from embedlab.sources.ratings import load_table

    table = load_table(workspace, args["table_id"])
    t0 = time.perf_counter()
    threshold = args.get("threshold", RELEVANCE_THRESHOLD)
    out = evaluate_topn(table, args.get("models"), args.get("method", "random"),
                        float(args.get("test_fraction", 0.2)), int(args.get("seed", 0)),
                        tuple(int(k) for k in args.get("ks", KS)),
                        None if threshold is None else float(threshold), progress,
                        popularity=bool(args.get("popularity", True)))
    out["seconds"] = time.perf_counter() - t0
    out["table_id"] = args["table_id"]
    return out
