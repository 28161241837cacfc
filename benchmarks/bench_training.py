"""Training throughput: embedlab's Word2Vec path against calling gensim directly.

Issue 2's target: the app trains at ≥ 95% of the words/s of
``gensim.models.Word2Vec(corpus_file=...)`` with the same corpus file and
parameters. Both runs use movie_reviews.csv prepared with default settings and
the app's default Word2Vec configuration (skip-gram, 100-d, 5 epochs,
2 workers, loss on). Runs alternate (gensim, app, gensim, app, ...) and the
best of each is kept, so a busy neighbour process hurts both alike. The full
background-job path (worker process start, training, saving) is timed once
for information.

Usage: python benchmarks/bench_training.py [--repeats N]
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import embedlab  # noqa: E402
from embedlab import Word2VecConfig, jobs  # noqa: E402
from embedlab.train.word2vec import train_word2vec  # noqa: E402


def gensim_direct(corpus, cfg):
    from gensim.models import Word2Vec

    t0 = time.perf_counter()
    model = Word2Vec(corpus_file=str(corpus.lines_file), compute_loss=True, **cfg.gensim_kwargs())
    seconds = time.perf_counter() - t0
    return model.corpus_total_words * cfg.epochs / seconds


def app_path(corpus, cfg):
    t0 = time.perf_counter()
    train_word2vec(corpus, cfg)
    seconds = time.perf_counter() - t0
    return corpus.stats["tokens"] * cfg.epochs / seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ws = embedlab.Workspace(tempfile.mkdtemp(prefix="bench-training-"))
    corpus = embedlab.prepare_sample(ws, "movie_reviews")
    cfg = Word2VecConfig()
    print(f"corpus: movie_reviews, {corpus.stats['tokens']:,} tokens; config: {cfg.to_dict()}")
    ours, theirs = [], []
    for i in range(args.repeats):
        theirs.append(gensim_direct(corpus, cfg))
        ours.append(app_path(corpus, cfg))
        print(f"run {i + 1}: gensim {theirs[-1]:,.0f} words/s, embedlab {ours[-1]:,.0f} words/s")
    t0 = time.perf_counter()
    job_id = jobs.submit(ws, "word2vec", {"corpus_id": corpus.id, "config": cfg.to_dict()}, "bench")
    status = jobs.SCHEDULER.wait(ws.root, job_id, timeout=900)
    job_seconds = time.perf_counter() - t0
    job_wps = corpus.stats["tokens"] * cfg.epochs / job_seconds
    best_ours, best_theirs = max(ours), max(theirs)
    ratio = best_ours / best_theirs
    print(f"gensim direct (best of {args.repeats}): {best_theirs:,.0f} words/s")
    print(f"embedlab train_word2vec (best of {args.repeats}): {best_ours:,.0f} words/s")
    print(f"ratio embedlab / gensim: {ratio:.3f} (target ≥ 0.95)")
    print(f"background job end to end ({status['state']}, incl. worker start and saving): {job_seconds:.1f} s, "
          f"{job_wps:,.0f} words/s, ratio {job_wps / best_theirs:.3f}")
    print(json.dumps({"words_per_s_app": round(best_ours), "words_per_s_gensim": round(best_theirs),
                      "ratio": round(ratio, 4), "words_per_s_job_end_to_end": round(job_wps),
                      "job_seconds": round(job_seconds, 2)}))


if __name__ == "__main__":
    main()
