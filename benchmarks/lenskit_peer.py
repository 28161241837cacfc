"""LensKit's side of ``bench_topn.py``: run in LensKit's own venv, on split files the benchmark wrote.

LensKit 2025.8 needs pandas < 3 and PyTorch, so it cannot live beside
embedlab's pins (pandas 3.1); it gets a venv outside the checkout::

    python3.11 -m venv /work/venvs/lenskit
    /work/venvs/lenskit/bin/python -m pip install -r benchmarks/lenskit-requirements.txt

and ``bench_topn.py`` runs this file there as a subprocess::

    /work/venvs/lenskit/bin/python benchmarks/lenskit_peer.py SPLIT_DIR

``SPLIT_DIR`` holds ``train.parquet`` (user_id, item_id, rating),
``users.parquet`` (user_id: whom to recommend for), ``relevant.parquet``
(user_id, item_id: the relevant held-out items) and ``config.json``
(``{"n": 20, "models": {name: {"scorer": ..., "config": {...}}}}``). For each
model this trains a ``topn_pipeline`` (training items are never recommended),
recommends ``n`` items to every user with ``lenskit.batch.recommend``
(one process), and measures NDCG@10 with LensKit's own ``NDCG`` (rank weight
1/log2(rank + 1), ``LogRankWeight(offset=1)``, the discount embedlab uses).
It writes ``recs_<name>.parquet`` (user_id, item_id, rank) and ``results.json``
(train and recommend seconds, NDCG@10 per model). Nothing here imports embedlab.
"""

import json
import sys
import time
from pathlib import Path


def scorer_for(kind: str, config: dict):
    from lenskit.als import ImplicitMFScorer
    from lenskit.basic import PopScorer
    from lenskit.knn import EASEScorer, ItemKNNScorer

    classes = {"pop": PopScorer, "itemknn": ItemKNNScorer, "implicitmf": ImplicitMFScorer, "ease": EASEScorer}
    return classes[kind](**config)


def main(folder: str) -> None:
    import pandas as pd
    from lenskit.batch import recommend
    from lenskit.data import ItemListCollection, from_interactions_df
    from lenskit.metrics import NDCG, RunAnalysis
    from lenskit.metrics.ranking import LogRankWeight
    from lenskit.pipeline import topn_pipeline

    import lenskit

    folder = Path(folder)
    config = json.loads((folder / "config.json").read_text())
    train = pd.read_parquet(folder / "train.parquet")
    users = pd.read_parquet(folder / "users.parquet")["user_id"].tolist()
    relevant = pd.read_parquet(folder / "relevant.parquet")
    data = from_interactions_df(train, user_col="user_id", item_col="item_id", rating_col="rating")
    truth = ItemListCollection.from_df(relevant, ["user_id"])
    results = {"lenskit_version": lenskit.__version__}
    for name, spec in config["models"].items():
        pipe = topn_pipeline(scorer_for(spec["scorer"], spec.get("config", {})), n=config["n"])
        t0 = time.perf_counter()
        pipe.train(data)
        train_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        recs = recommend(pipe, users, n=config["n"], n_jobs=1)
        rec_s = time.perf_counter() - t0
        analysis = RunAnalysis()
        analysis.add_metric(NDCG(n=10, weight=LogRankWeight(offset=1)), "NDCG@10")
        scores = analysis.measure(recs, truth).list_metrics()
        frame = recs.to_df()
        frame[["user_id", "item_id", "rank"]].to_parquet(folder / f"recs_{name}.parquet", index=False)
        results[name] = {"train_seconds": train_s, "recommend_seconds": rec_s,
                         "ndcg10": float(scores["NDCG@10"].mean()), "users": int(len(scores))}
        print(f"lenskit {name}: train {train_s:.2f} s, recommend {rec_s:.1f} s, "
              f"NDCG@10 {results[name]['ndcg10']:.4f}", flush=True)
    (folder / "results.json").write_text(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1])
