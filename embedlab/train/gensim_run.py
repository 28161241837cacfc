"""Running a gensim Word2Vec-family model over a prepared corpus file.

Shared by Word2Vec and FastText: vocabulary building, per-epoch progress and
loss, cancellation, and conversion of the result into a :class:`Space`.

gensim's reported training loss is cumulative over a ``train()`` call, kept in
float32, and racy with several workers (gensim #2735, #2743): each worker
thread starts from the model's counter and the last one to finish overwrites
it. We reset the counter at the start of every epoch, so each reading is one
epoch's loss rather than a cumulative float32 sum; with ``workers > 1`` it is
still only one worker's share, so the curve is a trend, not an exact figure.
FastText reports 0 (gensim #3228); we record ``None`` for it.
"""

from __future__ import annotations

import time
from typing import Optional

import numpy as np
from gensim.models.callbacks import CallbackAny2Vec

from embedlab.errors import Cancelled, InputError
from embedlab.progress import Progress, ShouldStop, no_progress
from embedlab.sources.corpus import Corpus
from embedlab.space import Space


#: How to read the per-epoch losses of a gensim Word2Vec-family job (shown next to the loss curve).
LOSS_NOTE = ("The loss is gensim's counter read after each epoch. It is a **trend**, not an exact value: gensim "
             "keeps it in float32 and, with several workers, threads overwrite each other's sums "
             "(gensim #2735, #2743). Use workers=1 (reproducible mode) for a clean curve.")


class EpochReporter(CallbackAny2Vec):
    """gensim callback: per-epoch loss, words/s and progress.

    Attributes
    ----------
    epoch_losses : list of float or None
        Loss of each finished epoch (``None`` when the model does not report one).
    epoch_seconds : list of float
    words_per_s : list of float
        Raw corpus words processed per second in each epoch.
    """

    def __init__(self, epochs: int, words_per_epoch: int, progress: Progress, should_stop: Optional[ShouldStop],
                 reports_loss: bool, start: float = 0.05, end: float = 0.95):
        self.epochs, self.words_per_epoch = epochs, words_per_epoch
        self.progress, self.should_stop, self.reports_loss = progress, should_stop, reports_loss
        self.start, self.end = start, end
        self.epoch_losses, self.epoch_seconds, self.words_per_s = [], [], []
        self._t0 = 0.0

    def on_epoch_begin(self, model):
        if self.reports_loss:
            model.running_training_loss = 0.0
        self._t0 = time.perf_counter()

    def on_epoch_end(self, model):
        seconds = time.perf_counter() - self._t0
        done = len(self.epoch_seconds) + 1
        self.epoch_seconds.append(seconds)
        self.words_per_s.append(self.words_per_epoch / seconds if seconds > 0 else float("nan"))
        self.epoch_losses.append(float(model.get_latest_training_loss()) if self.reports_loss else None)
        fraction = self.start + (self.end - self.start) * done / self.epochs
        self.progress(fraction, f"Epoch {done} of {self.epochs}: {self.words_per_s[-1]:,.0f} words/s",
                      epoch=done, epochs=self.epochs, epoch_losses=list(self.epoch_losses),
                      words_per_s=self.words_per_s[-1])
        if self.should_stop is not None and self.should_stop():
            raise Cancelled("Training was cancelled.")


def check_min_count(corpus: Corpus, min_count: int) -> int:
    """Raise InputError unless at least two words survive ``min_count``; return how many do."""
    surviving = corpus.surviving(min_count)
    if surviving < 2:
        top = int(corpus.counts.iloc[0]) if len(corpus.counts) else 0
        raise InputError(
            f"Only {surviving} word(s) occur at least min_count={min_count} times in '{corpus.name}' "
            f"(the most frequent word occurs {top:,} times). Lower min_count or use a larger corpus."
        )
    return surviving


def check_job(workspace, args: dict) -> None:
    """Before queueing a Word2Vec-family job: refuse a ``min_count`` that leaves fewer than two words.

    Raises
    ------
    InputError
        Unknown corpus, or nothing to train on.
    """
    if args.get("corpus_id"):
        check_min_count(workspace.open_corpus(args["corpus_id"]), int((args.get("config") or {}).get("min_count", 5)))


def train_on_corpus(model, corpus: Corpus, epochs: int, progress: Optional[Progress] = None,
                    should_stop: Optional[ShouldStop] = None, reports_loss: bool = True,
                    stream=None, recorder=None) -> EpochReporter:
    """Build the vocabulary of ``model`` from the corpus file and train it in place.

    Parameters
    ----------
    model : gensim Word2Vec, FastText or Doc2Vec, constructed without a corpus
    corpus : Corpus
    epochs : int
    progress : callable, optional
    should_stop : callable, optional
        Polled after each epoch; when it returns True, :class:`Cancelled` is raised.
    reports_loss : bool
        Whether the model's loss counter means anything.
    stream : iterable, optional
        A re-iterable corpus (``corpus_iterable``) to train on instead of the
        corpus file, e.g. Doc2Vec's ``TaggedDocument`` stream.
    recorder : embedlab.train.recording.Recorder, optional
        Record snapshots for Playback: with a ``stream``, the epochs are
        trained in stretches of it (:func:`embedlab.train.recording.train_gensim`);
        on the corpus file, in one run with snapshots taken as it goes
        (:func:`embedlab.train.recording.train_gensim_timed`).

    Returns
    -------
    EpochReporter
        With the per-epoch losses, times and words/s.
    """
    progress = progress or no_progress
    source = {"corpus_file": str(corpus.lines_file)} if stream is None else {"corpus_iterable": stream}
    progress(0.0, "Building the vocabulary")
    model.build_vocab(**source)
    reporter = EpochReporter(epochs, int(model.corpus_total_words), progress, should_stop, reports_loss)
    progress(0.05, f"Training {epochs} epochs on {model.corpus_total_words:,} words")
    if recorder is not None:
        from embedlab.train.recording import train_gensim, train_gensim_timed

        if stream is None:  # several workers: one run as without recording, snapshots taken as it goes
            train_gensim_timed(model, str(corpus.lines_file), epochs, recorder, reporter, reports_loss)
        else:  # a stream (reproducible mode, Doc2Vec): in stretches, the same jobs as one call
            train_gensim(model, stream, epochs, recorder, reporter, reports_loss, progress, should_stop)
        return reporter
    model.train(**source, total_examples=model.corpus_count, total_words=model.corpus_total_words,
                epochs=epochs, compute_loss=reports_loss, callbacks=[reporter])
    return reporter


def space_from_model(model, kind: str, params: dict, corpus: Corpus, reporter: EpochReporter,
                     seconds: float, name: Optional[str] = None) -> Space:
    """Wrap a trained gensim model's vectors as a :class:`Space` with its training facts."""
    kv = model.wv
    counts = np.array([kv.get_vecattr(w, "count") for w in kv.index_to_key], dtype=np.int64)
    import pandas as pd

    meta = pd.DataFrame({"count": counts}, index=pd.Index(kv.index_to_key, name="word"))
    info = {
        "kind": kind, "name": name or f"{kind} on {corpus.name}", "params": params,
        "corpus_name": corpus.name, "corpus_fingerprint": corpus.fingerprint, "corpus_id": corpus.id,
        "train_seconds": seconds, "epoch_losses": reporter.epoch_losses, "epoch_seconds": reporter.epoch_seconds,
        "words_per_s": reporter.words_per_s,
        "loss_note": ("per-epoch loss from gensim's counter, reset each epoch; with workers > 1 gensim's "
                      "counter is racy, so read it as a trend") if reporter.reports_loss else
                     "gensim does not report a training loss for this model (FastText's is always 0: gensim #3228)",
    }
    return Space(kv, meta=meta, info=info)


def fit_gensim(model_cls, kind: str, cfg, corpus: Corpus, progress: Optional[Progress] = None,
               should_stop: Optional[ShouldStop] = None, name: Optional[str] = None,
               reports_loss: bool = True, recorder=None) -> Space:
    """Train a gensim Word2Vec-family model from a config and wrap it as a :class:`Space`.

    Parameters
    ----------
    model_cls : type
        ``gensim.models.Word2Vec`` or ``gensim.models.FastText``.
    kind : str
        ``info['kind']`` of the result.
    cfg : Word2VecConfig or a subclass
        Has ``min_count``, ``epochs``, ``gensim_kwargs()`` and ``to_dict()``.
    corpus, progress, should_stop, name : see :func:`train_on_corpus`
    reports_loss : bool
        False for FastText (gensim #3228): losses are recorded as ``None``.
    recorder : embedlab.train.recording.Recorder, optional
        Record snapshots for Playback; they are attached to the space.

    In reproducible mode (one worker) gensim reads the corpus as a stream
    (``corpus_iterable``), recorded or not, so a recorded run gives the
    vectors of an unrecorded one (``corpus_file`` mode draws its random
    numbers differently). With several workers it reads the corpus file,
    recorded or not.

    Raises
    ------
    InputError
        Fewer than two words survive ``min_count``.
    """
    check_min_count(corpus, cfg.min_count)
    t0 = time.perf_counter()
    model = model_cls(**cfg.gensim_kwargs())
    stream = None
    if model.workers == 1:
        from gensim.models.word2vec import LineSentence

        stream = LineSentence(str(corpus.lines_file))
    reporter = train_on_corpus(model, corpus, cfg.epochs, progress, should_stop, reports_loss=reports_loss,
                               stream=stream, recorder=recorder)
    space = space_from_model(model, kind, cfg.to_dict(), corpus, reporter, time.perf_counter() - t0, name)
    if recorder is not None:
        recorder.attach(space)
    if progress:
        progress(1.0, "Training finished")
    return space


def run_training_job(workspace, args: dict, progress: Progress, config_cls, train) -> dict:
    """Background-job body shared by the trainers: train on a stored corpus and save the model.

    ``args``: ``corpus_id`` (a stored corpus) or ``sample`` (a shipped corpus key,
    prepared with default preprocessing first), ``config`` (a ``config_cls`` dict),
    optional ``name``. Returns ``{"model_id": ..., "corpus_id": ...}``.
    """
    from embedlab.progress import scaled

    if args.get("sample"):
        corpus = workspace.add_sample_corpus(args["sample"], progress=scaled(progress, 0.0, 0.2))
        progress = scaled(progress, 0.2, 1.0)
    else:
        corpus = workspace.open_corpus(args["corpus_id"])
    cfg = config_cls.from_dict(args.get("config", {}))
    from embedlab.train.recording import recorder_for

    recorder = recorder_for(workspace, args)  # args["record"]: snapshots for Playback
    space = train(corpus, cfg, progress, name=args.get("name"), **({"recorder": recorder} if recorder else {}))
    if recorder is not None:
        recorder.summarise(space, progress)  # Playback's alignment and measures, once, here in the job
    return {"model_id": workspace.save_space(space), "corpus_id": corpus.id}
