"""Evaluating and using rating models: held-out split, RMSE/MAE, top-k ranking metrics, recommendations.

Ranking metrics follow the usual top-N protocol: for each test user, every
item they did not rate in the training part is scored, the ``k`` best are
recommended, and an item is *relevant* when the user rated it at least
``threshold`` (default 4 stars) in the test part (implicit tables: any test
item). precision@k = hits / k; recall@k = hits / relevant; NDCG@k with binary
gains, DCG = Σ 1/log2(rank+1), divided by the DCG of an ideal ranking
(Järvelin & Kekäläinen 2002). Averages are over users with at least one
relevant test item.
"""

from __future__ import annotations

import time
from typing import Callable, Optional

import numpy as np
import pandas as pd

from embedlab.errors import InputError, UnknownWordError
from embedlab.probes.neighbours import nearest_neighbours, top_k
from embedlab.progress import Progress, no_progress, scaled
from embedlab.sources.ratings import RatingTable
from embedlab.space import Space

RELEVANCE_THRESHOLD = 4.0

#: Why the popularity baseline can beat an RMSE-trained model on the ranking metrics (shown with the results).
RANKING_NOTE = ("Why can the popularity baseline beat SVD on NDCG@10? SVD is trained to predict the ratings users "
                "gave, which says little about the thousands of unrated films it must rank, so it ranks the whole "
                "catalogue poorly, while most held-out ratings are of popular films (Cremonesi, Koren & Turrin "
                "2010, \"Performance of recommender algorithms on top-N recommendation tasks\"). Models built "
                "for top-N ranking (PureSVD, implicit ALS, EASE, item k-NN) are judged against it in the top-N "
                "comparison below.")


def split_ratings(table: RatingTable, method: str = "random", test_fraction: float = 0.2, seed: int = 0) -> np.ndarray:
    """Boolean mask of the training rows of a held-out split.

    Parameters
    ----------
    table : RatingTable
    method : {"random", "latest"}
        ``random``: each rating goes to the test part with probability
        ``test_fraction``. ``latest``: each user's latest ``test_fraction`` of
        ratings by timestamp (rounded, at least one) go to the test part; users
        with a single rating keep it for training.
    test_fraction : float in (0, 1)
    seed : int

    Returns
    -------
    ndarray of shape (n_ratings,), bool
        True for training rows.

    Raises
    ------
    InputError
        Unknown method, fraction out of range, ``latest`` without timestamps.
    """
    if not 0 < test_fraction < 1:
        raise InputError("The test fraction must be above 0 and below 1.")
    if method == "random":
        return np.random.default_rng(seed).random(len(table)) >= test_fraction
    if method != "latest":
        raise InputError(f"Unknown split '{method}'. Choose 'random' or 'latest'.")
    if table.t is None:
        raise InputError("This table has no timestamp column, so there are no 'latest' ratings. Use a random split.")
    order = np.lexsort((np.arange(len(table)), table.t, table.u))
    u_sorted = table.u[order]
    n_u = np.bincount(table.u, minlength=table.n_users)
    start = np.concatenate([[0], np.cumsum(n_u)[:-1]])
    pos = np.arange(len(table)) - start[u_sorted]  # 0 = oldest
    n_test = np.where(n_u > 1, np.maximum(np.rint(n_u * test_fraction), 1), 0).astype(np.int64)
    is_test_sorted = pos >= (n_u - n_test)[u_sorted]
    train = np.ones(len(table), dtype=bool)
    train[order[is_test_sorted]] = False
    return train


def rmse(pred, truth) -> float:
    """Root mean squared error, same units as the ratings."""
    pred, truth = np.asarray(pred, float), np.asarray(truth, float)
    return float(np.sqrt(np.mean((pred - truth) ** 2)))


def mae(pred, truth) -> float:
    """Mean absolute error, same units as the ratings."""
    pred, truth = np.asarray(pred, float), np.asarray(truth, float)
    return float(np.mean(np.abs(pred - truth)))


def ranking_at_k(ranked, relevant, k: int = 10) -> tuple:
    """precision@k, recall@k and NDCG@k (binary gains) for one user.

    Parameters
    ----------
    ranked : sequence of int
        Recommended items, best first (only the first ``k`` count).
    relevant : set of int
        Relevant items (non-empty).
    k : int

    Returns
    -------
    (float, float, float)
    """
    relevant = set(relevant)
    if not relevant:
        raise InputError("A user needs at least one relevant item to be scored.")
    top = list(ranked)[:k]
    gains = np.array([1.0 if x in relevant else 0.0 for x in top])
    hits = gains.sum()
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = float((gains * discounts[:len(gains)]).sum())
    idcg = float(discounts[:min(len(relevant), k)].sum())
    return hits / k, hits / len(relevant), dcg / idcg


def ranking_metrics(score_fn: Callable[[int], np.ndarray], train: RatingTable, test: RatingTable, k: int = 10,
                    threshold: Optional[float] = RELEVANCE_THRESHOLD) -> dict:
    """Mean precision@k, recall@k and NDCG@k over test users with a relevant item.

    Parameters
    ----------
    score_fn : callable
        ``score_fn(u)`` -> ndarray of shape (n_items,), higher = recommend first.
    train, test : RatingTable
        Same users and items (dense indices), disjoint rows.
    k : int
    threshold : float or None
        A test rating ≥ threshold is relevant; None (or an implicit table): every test item.

    Returns
    -------
    dict
        ``precision@k``, ``recall@k``, ``NDCG@k``, ``users`` (how many were scored).
    """
    rel_mask = np.ones(len(test), dtype=bool) if (threshold is None or test.implicit) else test.r >= threshold
    tu, ti = test.u[rel_mask], test.i[rel_mask]
    order = np.argsort(tu, kind="stable")
    tu, ti = tu[order], ti[order]
    users, starts = np.unique(tu, return_index=True)
    ends = np.append(starts[1:], len(tu))
    tr_order = np.argsort(train.u, kind="stable")
    tr_u, tr_i = train.u[tr_order], train.i[tr_order]
    tr_start = np.searchsorted(tr_u, users, "left")
    tr_end = np.searchsorted(tr_u, users, "right")
    p, r, n = [], [], []
    for j, user in enumerate(users):
        best = top_k(score_fn(int(user)), k, exclude=tr_i[tr_start[j]:tr_end[j]])
        a, b, c = ranking_at_k(best, set(ti[starts[j]:ends[j]].tolist()), k)
        p.append(a)
        r.append(b)
        n.append(c)
    if not users.size:
        return {f"precision@{k}": float("nan"), f"recall@{k}": float("nan"), f"NDCG@{k}": float("nan"), "users": 0}
    return {f"precision@{k}": float(np.mean(p)), f"recall@{k}": float(np.mean(r)), f"NDCG@{k}": float(np.mean(n)),
            "users": int(len(users))}


def evaluate(table: RatingTable, kind: str = "svd", config: Optional[dict] = None, method: str = "random",
             test_fraction: float = 0.2, k: int = 10, threshold: float = RELEVANCE_THRESHOLD,
             factors: Optional[list] = None, seed: int = 0, progress: Optional[Progress] = None) -> dict:
    """Train on a held-out split and compare with the two baselines.

    Parameters
    ----------
    table : RatingTable
    kind : {"svd", "item2vec"}
    config : dict, optional
        :class:`~embedlab.train.svd.SVDConfig` or :class:`~embedlab.train.item2vec.Item2VecConfig` fields.
    method, test_fraction, seed : see :func:`split_ratings`
    k, threshold : see :func:`ranking_metrics`
    factors : list of int, optional
        When given (SVD only), also the held-out RMSE for each number of
        factors, at the λ chosen for the main model.

    Returns
    -------
    dict (JSON-able)
        ``metrics``: list of rows (model, RMSE, MAE, precision@k, recall@k,
        NDCG@k; RMSE/MAE are None for item2vec and implicit tables);
        ``curve``: rows (factors, rank, train RMSE, test RMSE, test RMSE (λ = 0)); ``split``: sizes.
    """
    from embedlab.train.item2vec import Item2VecConfig, train_item2vec
    from embedlab.train.svd import SVDConfig, fit_baseline, fit_svd

    progress = progress or no_progress
    mask = split_ratings(table, method, test_fraction, seed)
    train, test = table.subset(mask), table.subset(~mask)
    if len(test) == 0 or len(train) == 0:
        raise InputError("The split left no ratings on one side. Use a larger table or another test fraction.")
    rows = []
    explicit = not table.implicit
    popularity = np.bincount(train.i, minlength=table.n_items).astype(float)

    def add(name, model=None, score_fn=None):
        row = {"model": name, "RMSE": None, "MAE": None}
        if model is not None and explicit:
            pred = model.predict(test.u, test.i)
            row.update(RMSE=rmse(pred, test.r), MAE=mae(pred, test.r))
        row.update(ranking_metrics(score_fn, train, test, k, threshold))
        rows.append(row)

    progress(0.02, "Baselines")
    mean_model = fit_baseline(train, "mean")
    # the global mean ranks every item the same: rank by popularity instead, the usual top-N baseline
    add("global mean (ranking: most rated)", mean_model, lambda u: popularity)
    bias_model = fit_baseline(train, "biases")
    add("μ + b_u + b_i", bias_model, lambda u: bias_model.scores(u))
    curve = []
    if kind == "svd":
        if not explicit:
            raise InputError("SVD needs ratings; this table is implicit feedback. Evaluate item2vec instead.")
        cfg = SVDConfig.from_dict(config or {})
        model = fit_svd(train, cfg, scaled(progress, 0.05, 0.5))
        add(f"SVD (k ≤ {cfg.n_factors}, rank {model.info['rank']})", model, lambda u: model.scores(u))
        lam = model.info.get("lambda")
        for j, f in enumerate(factors or []):
            c = SVDConfig.from_dict({**cfg.to_dict(), "n_factors": int(f), "shrinkage": lam or 0.0})
            m = fit_svd(train, c)
            # λ = 0 (rank truncation only, "hard impute") shows what the shrinkage protects against
            m0 = fit_svd(train, SVDConfig.from_dict({**c.to_dict(), "shrinkage": 0.0, "max_iter": 15}))
            curve.append({"factors": int(f), "rank": m.info["rank"],
                          "train RMSE": rmse(m.predict(train.u, train.i), train.r),
                          "test RMSE": rmse(m.predict(test.u, test.i), test.r),
                          "test RMSE (λ = 0)": rmse(m0.predict(test.u, test.i), test.r)})
            progress(0.5 + 0.45 * (j + 1) / len(factors), f"{f} factors: test RMSE {curve[-1]['test RMSE']:.4f}",
                     curve=list(curve))
    elif kind == "item2vec":
        cfg = Item2VecConfig.from_dict(config or {})
        items, _ = train_item2vec(train, cfg, scaled(progress, 0.05, 0.9))
        from embedlab.train.item2vec import user_vectors

        vec = np.zeros((table.n_items, items.dim), dtype=np.float32)
        pos = pd.Index(table.items).get_indexer(pd.Index(items.words))
        vec[pos] = items.vectors
        known = np.zeros(table.n_items, dtype=bool)
        known[pos] = True
        P = user_vectors(train, vec, known, cfg.min_rating)
        unit = vec / np.maximum(np.linalg.norm(vec, axis=1, keepdims=True), 1e-12)
        add("item2vec (cosine to the user's mean item)", None,
            lambda u: np.where(known, unit @ P[u], -np.inf))
    else:
        raise InputError(f"Unknown model kind '{kind}'. Choose 'svd' or 'item2vec'.")
    progress(1.0, "Evaluated")
    return {"metrics": rows, "curve": curve, "k": k, "threshold": None if not explicit else threshold,
            "split": {"method": method, "test_fraction": test_fraction, "train": int(len(train)),
                      "test": int(len(test)), "seed": seed}}


def run_eval_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry (kind ``ratings_eval``): :func:`evaluate` on a stored table.

    ``args``: ``table_id``, ``kind``, ``config``, ``method``, ``test_fraction``, ``factors``.
    """
    from embedlab.sources.ratings import load_table

    table = load_table(workspace, args["table_id"])
    t0 = time.perf_counter()
    out = evaluate(table, args.get("kind", "svd"), args.get("config"), args.get("method", "random"),
                   float(args.get("test_fraction", 0.2)), int(args.get("k", 10)),
                   float(args.get("threshold", RELEVANCE_THRESHOLD)), args.get("factors"), int(args.get("seed", 0)),
                   progress)
    out["seconds"] = time.perf_counter() - t0
    out["table_id"] = args["table_id"]
    return out


# -- using a trained pair of spaces ---------------------------------------------------

def find_item(space: Space, query: str) -> str:
    """The key of an item given its id, its title, or part of its title (most rated first).

    A title or id is looked up as :meth:`Space.resolve` does (exact title,
    title in any case, id, title without its year); failing that, the most
    rated item whose title contains the query is taken, so "Toy Story" finds
    "Toy Story (1995)" rather than its sequels.

    Raises
    ------
    AmbiguousLabelError
        The exact title belongs to several items (the message lists their ids).
    InputError
        Nothing matches (the message lists close titles).
    """
    query = str(query).strip()
    try:
        return space.resolve(query)
    except UnknownWordError as exc:
        suggestions = exc.suggestions
    if space.has_labels and query:
        folded = query.casefold()
        labels = space.labels
        order = np.argsort(-space.counts, kind="stable") if space.counts.any() else np.arange(len(space))
        for row in order:
            if folded in labels[row].casefold():
                return space.words[row]
    hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
    raise InputError(f"No item has the id or title '{query}'. Type part of a title, e.g. 'Toy Story'.{hint}")


def items_like(space: Space, query: str, k: int = 10, min_ratings: int = 1, item_item=None,
               table: Optional[RatingTable] = None) -> pd.DataFrame:
    """Items most like an item given by id or title, with titles and genres.

    By default the nearest items by cosine of the item vectors. Items with few
    ratings have short, noisy vectors whose direction says little (cosine
    ignores length), so ``min_ratings`` leaves them out of the answers. Rating
    spaces are stored most-rated first, so this is ``restrict`` of
    :func:`~embedlab.probes.neighbours.nearest_neighbours`.

    An item–item model (EASE, item k-NN: ``item_item`` given, with the
    ``table`` it was trained on) answers with its own item–item weights
    instead of its reduced vectors: item k-NN with the k neighbours it keeps
    for the item (cosine of the items' rating columns; fewer than ``k`` rows
    when fewer pass ``min_ratings``), EASE with the item's row of B (how much
    having rated it raises each other item's score).

    Parameters
    ----------
    space : Space
    query : str
        An item id, title or part of a title (see :func:`find_item`).
    k : int
    min_ratings : int
    item_item : ItemItemModel, optional
        :meth:`embedlab.train.interactions.ItemItemModel.load` of the space's model.
    table : RatingTable, optional
        Needed with ``item_item`` (EASE reads the training matrix from it).

    Returns
    -------
    pandas.DataFrame
        ``title`` (when the items have titles), the score (``cosine``, or
        ``weight B[x, j]`` for EASE), ``ratings`` (count), ``genres`` (when
        known) and ``item`` (the id), best first: the columns a reader needs
        first come first, so a narrow table clips the genres and the id, not
        the score. ``attrs['query']`` is the item's id, ``attrs['by']`` says
        what the score is.
    """
    key = find_item(space, query)
    restrict = int((space.counts >= min_ratings).sum()) if min_ratings > 1 else None
    if restrict is not None and restrict < 2:
        raise InputError(f"Fewer than two items have at least {min_ratings} ratings. Lower the minimum.")
    if item_item is not None:
        return _items_like_item_item(space, key, k, restrict, item_item, table)
    found = nearest_neighbours(space, key, k, restrict=restrict)
    out = _labelled(space, found.drop(columns=["label"], errors="ignore").rename(columns={"word": "item"}), "item")
    out = out.drop(columns=["frequency rank"])
    out = out[[c for c in ("title", "cosine", "ratings", "genres", "item") if c in out.columns]]
    out.attrs["query"] = key
    out.attrs["by"] = "by cosine similarity of the item vectors"
    return out


def _items_like_item_item(space: Space, key: str, k: int, restrict: Optional[int], model, table) -> pd.DataFrame:
    if table is None:
        raise InputError("This model's items are compared through the rating table it was trained on; pick it.")
    pos = pd.Index(model.items).get_indexer(pd.Index(space.words))  # space order -> the model's order
    a = int(pos[space.index(key)])
    if a < 0:
        raise InputError(f"The item {key} was not rated in this model's training data, so it has no neighbours.")
    weights = model.item_weights(model.matrix(table), a)
    scores = np.where(pos >= 0, weights[np.maximum(pos, 0)], -np.inf)
    if restrict:
        scores[restrict:] = -np.inf
    scores[space.index(key)] = -np.inf
    if model.method != "ease":
        scores[scores <= 0] = -np.inf  # only the k neighbours the model keeps
    best = top_k(scores, k)
    name = "weight B[x, j]" if model.method == "ease" else "cosine"
    out = _labelled(space, pd.DataFrame({"item": [space.words[j] for j in best], name: scores[best]}), "item")
    out = out[[c for c in ("title", name, "ratings", "genres", "item") if c in out.columns]]
    out.attrs["query"] = key
    out.attrs["by"] = ("by EASE's item–item weight B[x, j]: how much having rated it raises each item's score"
                       if model.method == "ease" else
                       "among the neighbours item k-NN keeps for it, by cosine of the items' rating columns")
    return out


def _labelled(space: Space, frame: pd.DataFrame, col: str) -> pd.DataFrame:
    meta = space.meta.reindex(frame[col].astype(str))
    out = frame.copy()
    if space.has_labels:
        out.insert(1, "title", space.labels_of(frame[col].astype(str)))
    if "genres" in meta:
        out.insert(2, "genres", meta["genres"].to_numpy())
    out["ratings"] = meta["count"].to_numpy()
    return out


def user_choices(users: Optional[Space], table: RatingTable, limit: int = 2000) -> list:
    """User ids to pick from, most active first: the model's user space, or the table's users (item–item models).

    Returns
    -------
    list of str
        At most ``limit`` ids.
    """
    if users is not None:
        return list(users.words[:limit])
    order = np.argsort(-table.user_counts(), kind="stable")[:limit]
    return [str(x) for x in np.asarray(table.users)[order]]


def recommend(items: Space, users: Optional[Space], table: RatingTable, user: str, n: int = 10,
              item_item=None) -> tuple:
    """A user's top-``n`` recommendations and the items they rated highest.

    How items are scored depends on the model (``items.kind`` and ``info["scoring"]``):

    * SVD: the predicted rating μ + b_u + b_i + p_u·q_i (biases from the
      ``bias`` meta columns, μ from ``info``), clipped to the rating scale;
    * PureSVD, implicit ALS (``scoring == "dot"``): the dot product p_u·q_i
      of the user's and the item's vectors, the score they were trained for;
    * EASE, item k-NN (``item_item`` given): the user's row of the table
      times the model's item–item matrix, x_u·B or x_u·W
      (:class:`~embedlab.train.interactions.ItemItemModel`);
    * item2vec: the cosine of the user's vector and each item's.

    Items the user rated are never recommended; a user who rated every item
    gets an empty list (``attrs['note']`` says so).

    Parameters
    ----------
    items : Space
    users : Space or None
        The model's user space (None for EASE and item k-NN).
    table : RatingTable
        The table the model was trained on (what the user rated).
    user : str
    n : int
    item_item : ItemItemModel, optional

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Recommendations (``title``, the score, ``ratings``, ``genres``, ``item``)
        and the user's top-``n`` rated items (``title``, ``rating``, ``genres``, ``item``):
        the columns a reader needs first come first.

    Raises
    ------
    InputError
        Unknown user; a model without user vectors and without ``item_item``.
    """
    user = str(user).strip()
    user_ids = pd.Index(np.asarray(table.users).astype(str))
    if item_item is not None:
        if user not in user_ids:
            raise InputError(f"There is no user '{user}' in this rating table. Pick a user id from the list.")
        model = item_item
        X = model.matrix(table)
        raw = model.user_scores(X, int(user_ids.get_loc(user)))
        pos = pd.Index(model.items).get_indexer(pd.Index(items.words))
        scores = np.where(pos >= 0, raw[np.maximum(pos, 0)], -np.inf)
        score_name = "score x_u·B" if model.method == "ease" else "summed similarity"
    else:
        if users is None:
            raise InputError("This model has no user vectors saved with it; train it again on the Ratings page.")
        if user not in users:
            raise InputError(f"There is no user '{user}' in this model. Pick a user id from the list.")
        pu = users.vector(user).astype(np.float64)
        if items.kind == "svd":
            bias_i = items.meta["bias"].to_numpy(np.float64) if "bias" in items.meta else 0.0
            bias_u = float(users.meta.loc[user, "bias"]) if "bias" in users.meta else 0.0
            scores = (float(items.info.get("global_mean", 0.0)) + bias_u + bias_i
                      + items.vectors.astype(np.float64) @ pu)
            scores = np.clip(scores, items.info.get("rating_min", -np.inf), items.info.get("rating_max", np.inf))
            score_name = "predicted rating"
        elif items.info.get("scoring") == "dot":
            scores = items.vectors.astype(np.float64) @ pu  # PureSVD, ALS: the score they were trained for
            score_name = "score p_u·q_i"
        else:
            from embedlab.probes.neighbours import similarities

            scores = similarities(items, pu).astype(np.float64)
            score_name = "cosine"
    u_idx = int(user_ids.get_loc(user)) if user in user_ids else -1
    rated = table.i[table.u == u_idx] if u_idx >= 0 else np.empty(0, dtype=np.int64)
    rated_keys = np.asarray(table.items)[rated].astype(str)
    exclude = pd.Index(items.words).get_indexer(pd.Index(rated_keys))
    best = top_k(scores, n, exclude=exclude[exclude >= 0])
    rec = pd.DataFrame({"item": [items.words[j] for j in best], score_name: scores[best]})
    rec = _labelled(items, rec, "item")
    rec = rec[[c for c in ("title", score_name, "ratings", "genres", "item") if c in rec.columns]]
    if rec.empty:
        rec.attrs["note"] = (f"User {user} has rated every item this model knows ({len(rated):,} ratings): there is "
                             "nothing left to recommend.")
    r = table.r[table.u == u_idx] if u_idx >= 0 else np.empty(0)
    order = np.argsort(-r, kind="stable")[:n]
    labels = table.item_labels()[rated[order]]
    genres = table.item_genres()[rated[order]]
    top_rated = pd.DataFrame({"title": labels, "rating": r[order], "genres": genres, "item": rated_keys[order]})
    return rec, top_rated
