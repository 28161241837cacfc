"""item2vec: Word2Vec over each user's item history (Barkan & Koenigstein 2016).

Every user's rated items become one "sentence" (ordered by timestamp when the
table has one, else by file order) and gensim's skip-gram with negative
sampling learns item vectors from co-occurrence, as Airbnb (listing
embeddings) and Spotify do. The paper treats a history as a set, so the
default window is wide. Item2vec does not predict ratings; it is evaluated by
ranking metrics only. A user's vector is the mean of the unit vectors of the
items they rated (those at or above ``min_rating`` when set).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from types import SimpleNamespace
from typing import Optional

import numpy as np

from embedlab.errors import InputError
from embedlab.progress import Progress, ShouldStop, no_progress, scaled
from embedlab.sources.ratings import RatingTable
from embedlab.space import Space
from embedlab.train.gensim_run import train_on_corpus


@dataclass
class Item2VecConfig:
    """Settings of :func:`train_item2vec` (gensim Word2Vec, skip-gram, negative sampling).

    Attributes
    ----------
    vector_size : int
    window : int
        Context window in items; wide because a history is a set (Barkan & Koenigstein).
    min_count : int
        Items rated fewer times are left out of the space.
    negative : int
    epochs : int
    min_rating : float or None
        Only items rated at least this count as a user's history (None: all rated items).
    seed : int
    workers : int
    """

    vector_size: int = 32
    window: int = 20
    min_count: int = 2
    negative: int = 5
    epochs: int = 10
    min_rating: Optional[float] = None
    seed: int = 1
    workers: int = 1

    def __post_init__(self):
        for name, lo, hi in (("vector_size", 2, 1000), ("window", 1, 1000), ("min_count", 1, 100_000),
                             ("negative", 1, 50), ("epochs", 1, 500)):
            v = getattr(self, name)
            if not (isinstance(v, (int, np.integer)) and lo <= v <= hi):
                raise InputError(f"{name} must be a whole number from {lo} to {hi}; got {v!r}.")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "Item2VecConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (values or {}).items() if k in names})


def history_mask(table: RatingTable, min_rating: Optional[float]) -> np.ndarray:
    """Rows that count as history: all, or those rated at least ``min_rating``."""
    if min_rating is None or table.implicit:
        return np.ones(len(table), dtype=bool)
    return table.r >= min_rating


def write_histories(table: RatingTable, path, min_rating: Optional[float] = None) -> int:
    """Write one line per user: the dense indices of their items, oldest first.

    Tokens are dense item indices (not the raw ids, which may contain spaces).
    Lines are cut at 10,000 tokens (gensim's ``corpus_file`` limit).

    Returns
    -------
    int
        Number of lines written.
    """
    mask = history_mask(table, min_rating)
    u, i = table.u[mask], table.i[mask]
    t = table.t[mask] if table.t is not None else np.arange(len(u))
    order = np.lexsort((np.arange(len(u)), t, u))
    u, i = u[order], i[order]
    bounds = np.flatnonzero(np.diff(u)) + 1
    lines = 0
    with open(path, "w", encoding="utf-8") as fh:
        for chunk in np.split(i, bounds):
            for s in range(0, len(chunk), 10_000):
                piece = chunk[s:s + 10_000]
                if len(piece) > 1:
                    fh.write(" ".join(map(str, piece.tolist())) + "\n")
                    lines += 1
    return lines


def user_vectors(table: RatingTable, item_vectors: np.ndarray, known: np.ndarray,
                 min_rating: Optional[float] = None) -> np.ndarray:
    """Mean unit item vector of each user's history.

    Parameters
    ----------
    item_vectors : ndarray of shape (n_items, dim)
        In the table's dense item order (rows of unknown items are ignored).
    known : ndarray of shape (n_items,), bool

    Returns
    -------
    ndarray of shape (n_users, dim), float32 (zeros for users with no known item)
    """
    unit = item_vectors / np.maximum(np.linalg.norm(item_vectors, axis=1, keepdims=True), 1e-12)
    mask = history_mask(table, min_rating) & known[table.i]
    out = np.zeros((table.n_users, item_vectors.shape[1]))
    np.add.at(out, table.u[mask], unit[table.i[mask]])
    n = np.bincount(table.u[mask], minlength=table.n_users)[:, None]
    return (out / np.maximum(n, 1)).astype(np.float32)


def train_item2vec(table: RatingTable, cfg: Optional[Item2VecConfig] = None, progress: Optional[Progress] = None,
                   should_stop: Optional[ShouldStop] = None, name: Optional[str] = None,
                   table_id: Optional[str] = None) -> tuple:
    """Train item2vec and return (item space, user space).

    Returns
    -------
    (Space, Space)
        Items (``kind='item2vec'``, keys = item ids, meta ``label``, ``genres``,
        ``count``) and users (``kind='item2vec-users'``).

    Raises
    ------
    InputError
        Fewer than two items are rated ``min_count`` times by users with two or more items.
    """
    from gensim.models import Word2Vec

    from embedlab.train.svd import item_meta, user_meta

    cfg = cfg or Item2VecConfig()
    progress = progress or no_progress
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="item2vec-") as tmp:
        lines = Path(tmp) / "histories.txt"
        n_lines = write_histories(table, lines, cfg.min_rating)
        counts = np.bincount(table.i[history_mask(table, cfg.min_rating)], minlength=table.n_items)
        if n_lines == 0 or int((counts >= cfg.min_count).sum()) < 2:
            raise InputError(f"Too few items are rated at least min_count={cfg.min_count} times by users with two or "
                             "more items for item2vec. Lower min_count (or min_rating), or use a larger table.")
        model = Word2Vec(vector_size=cfg.vector_size, window=cfg.window, min_count=cfg.min_count, sg=1, hs=0,
                         negative=cfg.negative, sample=0, epochs=cfg.epochs, seed=cfg.seed, workers=cfg.workers)
        reporter = train_on_corpus(model, SimpleNamespace(lines_file=lines), cfg.epochs,
                                   scaled(progress, 0.0, 0.9), should_stop, reports_loss=True)
    kv = model.wv
    known_idx = np.array([int(k) for k in kv.index_to_key], dtype=np.int64)
    vec = np.zeros((table.n_items, cfg.vector_size), dtype=np.float32)
    vec[known_idx] = kv.vectors
    known = np.zeros(table.n_items, dtype=bool)
    known[known_idx] = True
    P = user_vectors(table, vec, known, cfg.min_rating)
    seconds = time.perf_counter() - t0
    name = name or f"item2vec on {table.name}"
    common = {"params": cfg.to_dict(), "corpus_name": table.name, "table_id": table_id, "train_seconds": seconds,
              "epoch_losses": reporter.epoch_losses, "implicit": table.implicit,
              "rating_min": float(table.r.min()), "rating_max": float(table.r.max()),
              "model": ("item2vec (Barkan & Koenigstein 2016): skip-gram with negative sampling over each user's "
                        "item history; user vector = mean unit vector of the user's items")}
    # most-rated first, only items that made it into the vocabulary
    order = np.array([o for o in np.argsort(-table.item_counts(), kind="stable") if known[o]], dtype=np.int64)
    items = Space.from_vectors(table.items[order], vec[order], item_meta(table, order),
                               {**common, "kind": "item2vec", "name": name, "role": "items",
                                "item_kind": "item"})
    u_order = np.argsort(-table.user_counts(), kind="stable")
    users = Space.from_vectors(table.users[u_order], P[u_order], user_meta(table, u_order),
                               {**common, "kind": "item2vec-users", "name": f"{name} (users)", "role": "users",
                                "item_kind": "user"})
    progress(1.0, f"Done: {len(items):,} items in {seconds:.1f} s")
    return items, users


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry (kind ``item2vec``): train on a stored table and save the two spaces.

    ``args``: ``table_id``, ``config`` (an :class:`Item2VecConfig` dict), optional ``name``.
    """
    from embedlab.sources.ratings import load_table
    from embedlab.train.svd import save_pair

    table = load_table(workspace, args["table_id"])
    cfg = Item2VecConfig.from_dict(args.get("config", {}))
    items, users = train_item2vec(table, cfg, scaled(progress, 0.0, 0.95), name=args.get("name"),
                                  table_id=args["table_id"])
    progress(0.97, "Saving")
    return save_pair(workspace, items, users)
