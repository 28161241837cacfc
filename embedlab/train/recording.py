"""Recording a space while it trains: snapshots of chosen items' vectors, for Playback (issue 21).

A :class:`Recorder` is handed to a trainer (``recorder=``); the trainer calls
it at regular points and it keeps the vectors of a chosen set of items (by
default the 300 most frequent words plus any words the user lists, at most
:data:`MAX_ITEMS`): once before training, then ``steps_per_epoch`` times per
epoch (the last at the epoch's end). The snapshots are saved with the model as
attachments (:data:`SNAPSHOTS`, :data:`FINAL`, :data:`FACTS`) and played back by
:mod:`embedlab.probes.playback`.

What is recorded, per family (:data:`RECORDABLE`)
-------------------------------------------------
* Word2Vec: the word vectors (gensim ``wv``).
* FastText: the word vectors the model saves (each word's own vector averaged
  with its character n-grams', computed for the recorded words exactly as
  gensim's ``adjust_vectors`` does).
* GloVe: the vectors the model saves (W + W̃, or W; see ``output``).
* Doc2Vec: the word vectors when words are trained (PV-DM, or PV-DBOW with
  ``train_words``), else the document vectors (the first documents, or the
  ids listed).

gensim with several workers: one run, snapshots taken as it goes
----------------------------------------------------------------
With several worker threads no run is reproducible, and stretches (below)
would cost an idle thread at every stretch's end and a corpus read through
Python: :func:`train_gensim_timed` trains Word2Vec and FastText as they train
unrecorded (one ``corpus_file`` run) while a thread copies the recorded rows.

gensim in reproducible mode, and Doc2Vec: snapshots inside an epoch, with the learning-rate schedule kept
---------------------------------------------------------------------------------------------------------
gensim calls its callbacks once per epoch, so an epoch is trained in several
shorter ``train()`` calls over consecutive stretches of the corpus (one
iterator per epoch, read stretch by stretch: ``corpus_iterable`` chunks).
gensim's learning rate falls linearly from ``alpha`` to ``min_alpha`` over the
whole run, set per job of ``batch_words`` (10,000) words from the fraction of
sentences already handed out::

    alpha(e, s) = alpha - (alpha - min_alpha) * (e + s / n_sentences) / epochs

Each stretch is trained with ``epochs=1``, ``total_examples`` = its sentences,
``start_alpha = alpha(e, first sentence)`` and ``end_alpha = alpha(e, sentence
after its last)``, so inside it gensim interpolates linearly between the two:
the same piecewise-linear line, point for point. Stretches end only where a
job of the uninterrupted run ends (its batching replayed from the sentence
lengths), so every job holds the same sentences, gets the same learning rate
and draws the same random numbers (gensim seeds each job from the model's
generator). A snapshot therefore falls at the job boundary nearest to each
requested fraction of the epoch's words (a corpus of fewer jobs than
requested snapshots per epoch gets fewer, and the facts say so). In
reproducible mode (one worker) a recorded run gives bit-for-bit the vectors of
an unrecorded one (``tests/test_recording.py``); for that both read the corpus
as a stream (gensim's ``corpus_file`` mode draws its random numbers
differently). gensim's loss counter is reset by every ``train()`` call, so a
stretch's loss is read after it and an epoch's is their sum.

GloVe: an iteration's pass over the shuffled cells is cut into consecutive
stretches of cells, each one call of the same kernel: with one thread
(reproducible) the updates are the same, in the same order, as one pass.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

from embedlab.errors import Cancelled, InputError
from embedlab.train.params import Params, param

#: Most items one recording may hold (the playback payload and the disk both grow with it).
MAX_ITEMS = 2_000
#: Default number of most frequent words recorded.
DEFAULT_TOP = 300
#: Most snapshots per epoch (or GloVe iteration).
MAX_STEPS = 100
#: Most snapshots in one recording (the initial one included).
MAX_SNAPSHOTS = 1_000
#: Largest recording held in a worker's memory and written to disk, in bytes.
MAX_RECORDING_BYTES = 500 * 1024 * 1024
#: Longest list of items a user may type, in characters.
MAX_LIST_CHARS = 100_000

#: Attachment names (see :attr:`embedlab.space.Space.attachments`).
SNAPSHOTS = "playback/snapshots.npy"
FINAL = "playback/final.npy"
FACTS = "playback/recording.json"

#: Families that can record, with what they record.
RECORDABLE = {
    "word2vec": "word vectors",
    "fasttext": "word vectors (own vector averaged with the character n-grams', as saved)",
    "glove": "word vectors (as saved: W + W̃ or W)",
    "doc2vec": "word vectors when words are trained (PV-DM, or PV-DBOW with train_words), else document vectors",
}


@dataclass
class RecordRequest(Params):
    """What to record while a model trains.

    Attributes
    ----------
    steps_per_epoch : int
        Snapshots per epoch (GloVe: per iteration), the last at its end.
    top : int
        The ``top`` most frequent words (documents: the first ``top`` documents).
    items : tuple of str
        More words (or document ids) to record.
    precision : {"float16", "float32"}
        How the snapshots are stored (the final one is always kept in float32).
    """

    steps_per_epoch: int = param(10, "Snapshots per epoch: 10 takes one every 10 % of the words; gensim trains each "
                                 "stretch as one shorter train() call.", 1, MAX_STEPS)
    top: int = param(DEFAULT_TOP, "The most frequent words recorded (documents: the first ones).", 0, MAX_ITEMS)
    items: tuple = param((), "More words (or document ids) to record.")
    precision: str = param("float16", "float16 halves the disk a recording takes; float32 keeps every bit.",
                           choices=("float16", "float32"))

    def check(self) -> None:
        items = self.items
        if isinstance(items, str):
            items = parse_items(items)
        self.items = tuple(dict.fromkeys(str(w).strip() for w in items if str(w).strip()))
        asked = self.top + len(self.items)
        if asked > MAX_ITEMS:
            raise InputError(f"You asked to record up to {asked:,} items ({self.top:,} most frequent + "
                             f"{len(self.items):,} listed); the limit is {MAX_ITEMS:,}, so that the playback stays "
                             "quick in the browser and the recording small on disk. Record fewer.")
        if asked == 0:
            raise InputError("Record at least one word: raise 'most frequent words' or list some words.")

    @property
    def itemsize(self) -> int:
        return 2 if self.precision == "float16" else 4


def parse_items(text: str) -> tuple:
    """Words (or ids) from a typed list: separated by commas, spaces or new lines.

    Raises
    ------
    InputError
        More than :data:`MAX_LIST_CHARS` characters.
    """
    text = text or ""
    if len(text) > MAX_LIST_CHARS:
        raise InputError(f"The list of words is {len(text):,} characters long; at most {MAX_LIST_CHARS:,} are read "
                         f"(and at most {MAX_ITEMS:,} words are recorded).")
    return tuple(dict.fromkeys(w for w in re.split(r"[\s,;]+", text) if w))


def estimate_bytes(n_snapshots: int, n_items: int, dim: int, itemsize: int = 2) -> int:
    """Disk (and memory) a recording takes: the snapshots, the final float32 snapshot and the facts."""
    return int(n_snapshots) * int(n_items) * int(dim) * int(itemsize) + int(n_items) * int(dim) * 4 + 200 * n_snapshots


def _size_text(nbytes: int) -> str:
    return f"{nbytes / 1024 / 1024:,.1f} MB"


def check_size(n_snapshots: int, n_items: int, dim: int, itemsize: int, workspace=None) -> int:
    """Refuse a recording that is too large for a worker or for the workspace's disk quota; return its bytes.

    Raises
    ------
    InputError
        Too many snapshots, more than :data:`MAX_RECORDING_BYTES`, or more
        than the workspace's quota leaves; the message gives the estimate.
    """
    nbytes = estimate_bytes(n_snapshots, n_items, dim, itemsize)
    shape = (f"{n_snapshots:,} snapshots × {n_items:,} items × {dim:,} dimensions × {itemsize} bytes ≈ "
             f"{_size_text(nbytes)}")
    if n_snapshots > MAX_SNAPSHOTS:
        raise InputError(f"This recording would take {n_snapshots:,} snapshots; the limit is {MAX_SNAPSHOTS:,}. "
                         "Take fewer snapshots per epoch (or train fewer epochs).")
    if nbytes > MAX_RECORDING_BYTES:
        raise InputError(f"This recording would take {shape}, more than the limit of "
                         f"{_size_text(MAX_RECORDING_BYTES)}. Record fewer words or fewer snapshots per epoch, or "
                         "store them as float16.")
    if workspace is not None:
        workspace.check_quota(nbytes, f"Recording {shape}")
    return nbytes


def check_job_request(workspace, kind: str, args: dict) -> dict:
    """Before a training job with ``args["record"]`` is queued: check the request; return it as a dict.

    Checks the family can record, the item limit, the size against the
    workspace's disk quota (estimated from the config's dimensions and
    epochs), and that listed words are in the corpus at the config's
    ``min_count`` (when the job names a corpus).

    Raises
    ------
    InputError
        With what was wrong and the estimate.
    """
    if kind not in RECORDABLE:
        raise InputError(f"Snapshots can be recorded for {', '.join(sorted(RECORDABLE))}, not for '{kind}'.")
    request = RecordRequest.from_dict(args.get("record") or {})
    config = args.get("config") or {}
    dim = int(config.get("vector_size", 100))
    epochs = int(config.get("epochs", config.get("iterations", 1)))
    n_items = request.top + len(request.items)
    if args.get("corpus_id"):
        corpus = workspace.open_corpus(args["corpus_id"])
        counts = corpus.counts
        min_count = int(config.get("min_count", 1))
        known = counts[counts >= min_count]
        words_recorded = not (kind == "doc2vec" and config.get("architecture", "pv-dbow") == "pv-dbow"
                              and not config.get("train_words"))
        if words_recorded:
            missing = [w for w in request.items if w not in known.index]
            if missing:
                raise InputError(f"Not in the vocabulary at min_count={min_count}, so they cannot be recorded: "
                                 f"{', '.join(missing[:20])}{' …' if len(missing) > 20 else ''}. Remove them (or "
                                 "lower min_count).")
            n_items = len(set(known.index[:request.top]) | set(request.items))
    check_size(1 + epochs * request.steps_per_epoch, n_items, dim, request.itemsize, workspace)
    return request.to_dict()


def recorder_for(workspace, args: dict) -> Optional["Recorder"]:
    """The :class:`Recorder` a training job's ``args["record"]`` asks for, or None when it asks for none."""
    if not args.get("record"):
        return None
    return Recorder(RecordRequest.from_dict(args["record"]), workspace)


# -- the recorder -----------------------------------------------------------------------------

class Recorder:
    """Keeps the vectors of chosen items at regular points of a training run.

    The trainer binds it once its vocabulary is known (:meth:`bind`), then
    calls :meth:`capture` at each point (:meth:`stops` / :func:`train_gensim`
    choose the points); :meth:`attach` puts the snapshots on the trained space
    as attachments.

    Parameters
    ----------
    request : RecordRequest
    workspace : Workspace, optional
        Its disk quota is checked once the recording's size is known.

    Attributes
    ----------
    keys : list of str
        The recorded items, in the order of the snapshot rows.
    rows : ndarray of shape (n_items,), int64
        Their rows in the trainer's matrices.
    positions : list of float
        Epochs completed at each snapshot (0.0 = before training; 2.5 = half of the third epoch).
    losses : list of float or None
        The training loss of the stretch since the previous snapshot, per
        word (gensim) or per co-occurrence cell (GloVe); None when the model
        reports none.
    alphas : list of float or None
        gensim's learning rate at each snapshot.
    """

    def __init__(self, request: Optional[RecordRequest] = None, workspace=None):
        self.request = request or RecordRequest()
        self.workspace = workspace
        self.keys: list = []
        self.rows = np.zeros(0, dtype=np.int64)
        self.what = "word vectors"
        self.missing: list = []
        self.positions: list = []
        self.losses: list = []
        self.alphas: list = []
        self._array = np.zeros((0, 0, 0), dtype=np.float16)
        self.notes: list = []
        self.loss_label = ""
        self.capture_seconds = 0.0
        #: The saved space's key of each trainer row, when the trainer names its rows otherwise (Doc2Vec's
        #: documents are tagged by position; their space is keyed by document id).
        self.row_keys: Optional[list] = None
        #: Whether the saved space holds the recorded items (Doc2Vec's word vectors are not in its document space).
        self.in_space = True
        self._last = None

    # -- choosing what to record ------------------------------------------------------------
    def bind(self, keys: Sequence, counts: Optional[np.ndarray], n_snapshots: int, dim: int,
             eligible: Optional[np.ndarray] = None, what: str = "word vectors", frequency: bool = True) -> None:
        """Choose the recorded rows among a trainer's keys and check the recording's size.

        Parameters
        ----------
        keys : sequence of str, length n_keys
            The trainer's keys, in the order of its matrix rows.
        counts : ndarray of shape (n_keys,) or None
            Frequencies: the ``top`` most frequent are recorded (None: the first ``top``).
        n_snapshots : int
            How many snapshots the run will take (the initial one included).
        dim : int
        eligible : ndarray of shape (n_keys,), bool, optional
            Keys that the saved model will hold (GloVe drops words without co-occurrences).
        what : str
            "word vectors" or "document vectors".
        frequency : bool
            Whether ``top`` means most frequent (False: the first, for documents).

        Raises
        ------
        InputError
            Nothing to record, or the recording is too large (see :func:`check_size`).
        """
        keys = [str(k) for k in keys]
        ok = np.ones(len(keys), dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
        candidates = np.flatnonzero(ok)
        if counts is not None and frequency:
            candidates = candidates[np.argsort(-np.asarray(counts)[candidates], kind="stable")]
        chosen = list(candidates[:self.request.top])
        index = {k: i for i, k in enumerate(keys)}
        taken = set(chosen)
        for item in self.request.items:
            i = index.get(item)
            if i is None or not ok[i]:
                self.missing.append(item)
            elif i not in taken:
                chosen.append(i)
                taken.add(i)
        if self.missing:
            self.notes.append(f"Not recorded (not in the trained vocabulary): {', '.join(self.missing[:20])}"
                              + (" …" if len(self.missing) > 20 else "") + ".")
        if not chosen:
            raise InputError("None of the items to record is in the trained vocabulary; list other words.")
        self.rows = np.asarray(chosen, dtype=np.int64)
        self.keys = [keys[i] for i in chosen]
        self.what = what
        check_size(n_snapshots, len(chosen), dim, self.request.itemsize, self.workspace)
        dtype = np.float16 if self.request.precision == "float16" else np.float32
        self._array = np.empty((n_snapshots, len(chosen), dim), dtype=dtype)  # size checked just above

    # -- taking snapshots -------------------------------------------------------------------------
    def capture(self, vectors_of: Callable[[np.ndarray], np.ndarray], position: float,
                loss: Optional[float] = None, alpha: Optional[float] = None) -> None:
        """Keep the recorded rows' current vectors.

        Parameters
        ----------
        vectors_of : callable
            ``vectors_of(rows) -> ndarray of shape (len(rows), dim)``: the vectors
            the model would save, now.
        position : float
            Epochs completed.
        loss, alpha : float, optional
        """
        t0 = time.perf_counter()
        self.keep(np.asarray(vectors_of(self.rows), dtype=np.float32), position, loss, alpha)
        self.capture_seconds += time.perf_counter() - t0

    def keep(self, current: np.ndarray, position: float, loss: Optional[float] = None,
             alpha: Optional[float] = None) -> None:
        """Keep vectors taken earlier (``ndarray of shape (n_items, dim)``) as the next snapshot, at ``position``.

        Raises
        ------
        ValueError
            More snapshots than :meth:`bind` made room for.
        """
        if len(self.positions) >= len(self._array):
            raise ValueError(f"The recording holds {len(self._array)} snapshots; no room for another.")
        self._array[len(self.positions)] = current
        self._last = current
        self.positions.append(float(position))
        self.losses.append(None if loss is None or not np.isfinite(loss) else float(loss))
        self.alphas.append(None if alpha is None else float(alpha))

    def stops(self, n: int) -> list:
        """Ends of the ``steps_per_epoch`` equal stretches of ``n`` units (GloVe's cells), the last = n."""
        steps = min(self.request.steps_per_epoch, max(int(n), 1))
        return sorted({int(round(n * i / steps)) for i in range(1, steps + 1)} - {0})

    # -- saving ---------------------------------------------------------------------------------
    def attach(self, space, final: Optional[np.ndarray] = None) -> None:
        """Put the recording on ``space`` as attachments (written when the space is saved).

        The last snapshot is replaced by the saved vectors themselves (in
        float32, :data:`FINAL`), so playback ends exactly at the model; how far
        the last capture was from them is kept as ``final_gap`` (0 for every
        family when nothing went wrong).

        Parameters
        ----------
        space : Space
            The trained space.
        final : ndarray of shape (n_items, dim), optional
            The final vectors when the space does not hold the recorded items
            (Doc2Vec word vectors: the saved model holds documents).

        Raises
        ------
        InputError
            The recording would exceed the workspace's disk quota.
        """
        if not self.positions:
            return
        keep = np.arange(len(self.keys))
        if final is None and not self.in_space:
            final = self._last
            self.notes.append(f"The saved model holds other vectors than the recorded {self.what}; these end at the "
                              f"model's final {self.what}, which the saved model does not include.")
        elif final is None:
            present = [i for i, k in enumerate(self.keys) if k in space]
            if len(present) < len(self.keys):
                dropped = [self.keys[i] for i in range(len(self.keys)) if i not in set(present)]
                self.notes.append(f"Left out (the saved model has no vector for them): {', '.join(dropped[:20])}.")
            keep = np.asarray(present, dtype=np.int64)
            final = space.vectors[space.indices([self.keys[i] for i in keep])]
        final = np.asarray(final, dtype=np.float32)
        snaps = self._array[:len(self.positions)]
        if len(keep) < snaps.shape[1]:
            snaps = snaps[:, keep]
        last = self._last[keep]
        gap = float(np.max(np.abs(last - final))) if final.size else 0.0
        snaps[-1] = final.astype(snaps.dtype)
        keys = [self.keys[i] for i in keep]
        facts = {
            "version": 1, "keys": keys, "what": self.what, "positions": self.positions, "losses": self.losses,
            "alphas": self.alphas, "loss_label": self.loss_label, "steps_per_epoch": self.request.steps_per_epoch,
            "request": self.request.to_dict(), "missing": self.missing, "notes": self.notes,
            "final_gap": gap, "capture_seconds": self.capture_seconds, "precision": self.request.precision,
            "kind": space.kind,
        }
        json.dumps(facts)  # fail here, not in the middle of the model's atomic write
        if self.workspace is not None:
            self.workspace.check_quota(int(snaps.nbytes + final.nbytes) + int(space.vectors.nbytes),
                                       "Saving this model with its recording")
        space.attachments[SNAPSHOTS] = np.ascontiguousarray(snaps)
        space.attachments[FINAL] = final
        space.attachments[FACTS] = facts
        space.info["recording"] = {"snapshots": len(self.positions), "items": len(keys), "what": self.what,
                                   "steps_per_epoch": self.request.steps_per_epoch}

    def summarise(self, space, progress=None) -> None:
        """Compute the playback once (alignment, projection, measures) and attach it; see
        :func:`embedlab.probes.playback.summarise`. Training jobs call it after training, before saving."""
        from embedlab.probes.playback import summarise

        summarise(space, progress)


# -- gensim, trained in stretches ---------------------------------------------------------------

class _Take:
    """The next ``n`` items of a shared iterator, as a one-pass iterable for one ``train()`` call."""

    def __init__(self, iterator, n: int):
        self.iterator, self.n = iterator, n

    def __iter__(self):
        return itertools.islice(self.iterator, self.n)


def job_ends(lengths: np.ndarray, batch_words: int) -> np.ndarray:
    """Where gensim's jobs end in one epoch: the number of sentences handed out after each job.

    Replays the batching of gensim's ``Word2Vec._job_producer``: sentences join
    the current job while its raw words stay within ``batch_words``; the
    sentence that does not fit starts the next job.

    Parameters
    ----------
    lengths : ndarray of shape (n_sentences,)
        Raw words of each sentence, as gensim counts them (``_raw_word_count``).
    batch_words : int

    Returns
    -------
    ndarray of shape (n_jobs,), int64
        Increasing; the last is ``n_sentences``.
    """
    ends = []
    size = 0
    for i, n in enumerate(np.asarray(lengths, dtype=np.int64).tolist()):
        if size + n <= batch_words:
            size += n
        else:
            ends.append(i)
            size = n
    if len(lengths) and (not ends or ends[-1] != len(lengths)):
        ends.append(len(lengths))
    return np.asarray(ends, dtype=np.int64)


def snapshot_ends(lengths: np.ndarray, batch_words: int, steps: int) -> np.ndarray:
    """Sentence counts at which to snapshot in an epoch: the job end nearest each ``i / steps`` of its words.

    Returns
    -------
    ndarray of int64
        Increasing and distinct, ending at ``n_sentences``; shorter than
        ``steps`` when the epoch has fewer jobs (or two targets share one).
    """
    ends = job_ends(lengths, batch_words)
    words = np.concatenate([[0], np.cumsum(np.asarray(lengths, dtype=np.int64))])
    at = words[ends]
    total = words[-1]
    chosen = []
    for i in range(1, steps + 1):
        j = int(np.argmin(np.abs(at - total * i / steps)))
        chosen.append(int(ends[j]))
    chosen[-1] = int(ends[-1])
    return np.asarray(sorted(set(chosen)), dtype=np.int64)


def train_gensim_timed(model, corpus_file: str, epochs: int, recorder: Recorder, reporter,
                       reports_loss: bool = True) -> None:
    """Train a gensim Word2Vec or FastText model (vocabulary built) on its corpus file in one ``train()`` call,
    recording as it goes: the way a recording runs with several worker threads.

    The stretches of :func:`train_gensim` cost a worker's idle tail at every
    stretch's end (one thread finishes its last job while the other waits)
    and read the corpus through Python (``corpus_iterable``), about a third
    more time with two workers. Here gensim trains as it does unrecorded
    (``corpus_file`` mode, its own learning-rate schedule, one call), and a
    thread copies the recorded rows while the workers run: in the first epoch
    on a time grid that is thinned as it fills (the epoch's length is not
    known yet), the copies nearest each ``i / steps_per_epoch`` of the epoch
    being kept at its end; in later epochs at ``i / steps_per_epoch`` of the
    previous epoch's duration. A snapshot's position is the share of its
    epoch's time elapsed when it was taken (the workers read the corpus at a
    steady rate), and its vectors are those of that moment: with several
    workers (Hogwild) no run is reproducible, so nothing is lost. The end of
    every epoch is captured exactly (gensim's ``on_epoch_end``). gensim's
    loss counter moves only when a worker finishes its share of an epoch, so
    the loss is given at the epochs' ends.

    Parameters
    ----------
    model : gensim Word2Vec or FastText
        After ``build_vocab``.
    corpus_file : str
        The corpus in gensim's ``corpus_file`` format (one sentence per line, tokens separated by spaces).
    epochs : int
    recorder : Recorder
    reporter : embedlab.train.gensim_run.EpochReporter
        Gets every epoch's begin and end (cancels there).
    reports_loss : bool
    """
    from gensim.models.callbacks import CallbackAny2Vec

    steps = int(recorder.request.steps_per_epoch)
    counts = np.array([model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key], dtype=np.int64)
    recorder.bind(model.wv.index_to_key, counts, 1 + epochs * steps, model.vector_size)
    recorder.loss_label = "gensim's loss per corpus word over each epoch" if reports_loss else ""
    recorder.notes.append(f"Trained with {model.workers} worker threads in one uninterrupted run (as without "
                          "recording): the snapshots inside an epoch were taken while the threads ran, at the "
                          "share of the epoch's time given as their position; gensim's loss is known at the "
                          "epochs' ends only.")
    total_words = int(model.corpus_total_words)
    alpha, min_alpha = float(model.alpha), float(model.min_alpha)
    vectors_of = _gensim_vectors(model, False)

    def alpha_at(position: float) -> float:  # gensim's linear schedule, at `position` epochs done
        return max(min_alpha, alpha - (alpha - min_alpha) * position / epochs)

    class Snapshots(CallbackAny2Vec):
        def __init__(self):
            self.last_seconds, self.taken, self.copy_seconds = None, [], 0.0
            self.stop, self.thread, self.t0 = threading.Event(), None, 0.0

        def grab(self):
            t = time.perf_counter()
            self.taken.append((t - self.t0, np.asarray(vectors_of(recorder.rows), dtype=np.float32)))
            recorder.capture_seconds += time.perf_counter() - t

        def run(self):
            if self.last_seconds is None:  # first epoch: a grid, every other copy dropped when it is full
                # copies at most a tenth of the time: FastText composes its vectors from n-grams (~10 ms)
                interval, room = max(0.01, 10 * self.copy_seconds), 4 * steps
                while not self.stop.wait(interval):
                    self.grab()
                    if len(self.taken) >= room:
                        self.taken, interval = self.taken[1::2], interval * 2
                return
            for i in range(1, steps):
                if self.stop.wait(max(0.0, self.t0 + self.last_seconds * i / steps - time.perf_counter())):
                    return
                self.grab()

        def on_epoch_begin(self, model):
            reporter.on_epoch_begin(model)
            self.taken, self.t0 = [], time.perf_counter()
            self.stop.clear()
            self.thread = threading.Thread(target=self.run, name="recorder", daemon=True)
            self.thread.start()

        def halt(self):
            self.stop.set()
            if self.thread is not None:
                self.thread.join()

        def on_epoch_end(self, model):
            seconds = time.perf_counter() - self.t0  # before waiting for a copy under way
            self.halt()
            epoch = len(reporter.epoch_seconds)  # epochs finished before this one
            reporter.on_epoch_end(model)  # the epoch's loss and progress; raises Cancelled when asked to stop
            taken = [(t, v) for t, v in self.taken if 0 < t < seconds]
            if self.last_seconds is None and taken:
                times = np.array([t for t, _ in taken])
                taken = [taken[j] for j in sorted({int(np.argmin(np.abs(times - seconds * i / steps)))
                                                   for i in range(1, steps)})]
            for t, vectors in taken[:steps - 1]:
                recorder.keep(vectors, epoch + t / seconds, None, alpha_at(epoch + t / seconds))
            loss = reporter.epoch_losses[-1] if reports_loss else None
            recorder.capture(vectors_of, epoch + 1.0, loss=loss / total_words if loss is not None else None,
                             alpha=alpha_at(epoch + 1))
            self.last_seconds = seconds

    snapshots = Snapshots()
    t0 = time.perf_counter()
    recorder.capture(vectors_of, 0.0, alpha=alpha)
    snapshots.copy_seconds = time.perf_counter() - t0
    try:
        model.train(corpus_file=corpus_file, total_examples=model.corpus_count, total_words=total_words,
                    epochs=epochs, compute_loss=reports_loss, callbacks=[snapshots])
    finally:
        snapshots.halt()


def _gensim_vectors(model, documents: bool) -> Callable[[np.ndarray], np.ndarray]:
    """``rows -> vectors`` of what a gensim model saves, for the recorded rows only."""
    if documents:
        return lambda rows: model.dv.vectors[rows]
    wv = model.wv
    if getattr(wv, "bucket", 0) and hasattr(wv, "buckets_word"):
        return lambda rows: fasttext_word_vectors(wv, rows)
    return lambda rows: wv.vectors[rows]


def fasttext_word_vectors(wv, rows: np.ndarray) -> np.ndarray:
    """FastText's saved vectors of some words, now: own vector plus its n-grams', divided by their number.

    The same float32 sums, in the same order, as gensim's
    ``FastTextKeyedVectors.adjust_vectors`` (which recomposes the whole
    vocabulary after every ``train()`` call: seconds per call, so the
    recorder skips it between stretches and composes only its rows).

    Parameters
    ----------
    wv : gensim FastTextKeyedVectors
    rows : ndarray of shape (n,), int

    Returns
    -------
    ndarray of shape (n, vector_size), float32
    """
    buckets = [np.asarray(wv.buckets_word[int(r)], dtype=np.int64) for r in rows]
    width = max((len(b) for b in buckets), default=0)
    out = np.array(wv.vectors_vocab[rows], dtype=np.float32)
    if width:
        table = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=bool)
        for i, b in enumerate(buckets):
            table[i, :len(b)] = b
            mask[i, :len(b)] = True
        for j in range(width):  # one n-gram position at a time keeps each word's sum in gensim's order
            sel = mask[:, j]
            out[sel] += wv.vectors_ngrams[table[sel, j]]
    out /= np.asarray([len(b) + 1 for b in buckets], dtype=np.float32)[:, None]
    return out


@contextmanager
def _quiet_gensim():
    # every stretch is a train() call of a few jobs, so gensim warns "under 10 jobs per worker: consider
    # setting a smaller batch_words for smoother alpha decay" -- the decay is kept smooth here instead
    logger = logging.getLogger("gensim.models.word2vec")
    before = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(before)


def train_gensim(model, stream, epochs: int, recorder: Recorder, reporter, reports_loss: bool = True,
                 progress=None, should_stop=None) -> None:
    """Train a gensim Word2Vec, FastText or Doc2Vec model (vocabulary built) in stretches, recording as it goes.

    See the module docstring for how the learning-rate schedule and the jobs
    are kept as in one uninterrupted ``train()`` call.

    Parameters
    ----------
    model : gensim Word2Vec, FastText or Doc2Vec
        After ``build_vocab``.
    stream : re-iterable corpus
        The ``corpus_iterable`` (sentences, or ``TaggedDocument``\\ s).
    epochs : int
    recorder : Recorder
        Bound here to the model's vocabulary (or documents).
    reporter : embedlab.train.gensim_run.EpochReporter
        Gets its ``on_epoch_begin``/``on_epoch_end`` once per epoch, with the
        epoch's loss (the sum of its stretches').
    reports_loss : bool
    progress : callable, optional
        Reports each snapshot.
    should_stop : callable, optional
        Polled after every stretch; True raises :class:`Cancelled`.
    """
    documents = hasattr(model, "dv") and not (getattr(model, "dm", 0) or getattr(model, "dbow_words", 0))
    lengths = np.fromiter((model._raw_word_count([s]) for s in stream), dtype=np.int64)
    stops = snapshot_ends(lengths, int(model.batch_words), recorder.request.steps_per_epoch)
    if len(stops) < recorder.request.steps_per_epoch:
        recorder.notes.append(f"An epoch holds {len(job_ends(lengths, int(model.batch_words)))} gensim job(s) of up "
                              f"to {model.batch_words:,} words, and snapshots fall between jobs, so "
                              f"{len(stops)} snapshot(s) per epoch were taken instead of "
                              f"{recorder.request.steps_per_epoch}.")
    n_snapshots = 1 + epochs * len(stops)
    if documents:
        keys = recorder.row_keys if recorder.row_keys is not None else model.dv.index_to_key
        recorder.bind(keys, None, n_snapshots, model.vector_size, what="document vectors", frequency=False)
    else:
        counts = np.array([model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key], dtype=np.int64)
        recorder.bind(model.wv.index_to_key, counts, n_snapshots, model.vector_size)
        # Doc2Vec saves document vectors: its recorded word vectors end at the model's last word vectors
        recorder.in_space = not hasattr(model, "dv")
    recorder.loss_label = "gensim's loss per corpus word since the previous snapshot" if reports_loss else ""
    if reports_loss and model.workers > 1:
        recorder.notes.append(f"Trained with {model.workers} worker threads: gensim's loss counter then keeps only "
                              "part of the sum (its threads overwrite each other's totals, gensim #2735, #2743), so a "
                              "stretch's loss depends on how its jobs fell between the threads (a saw-tooth). Train "
                              "in reproducible mode (one worker) for an exact curve.")
    words = np.concatenate([[0], np.cumsum(lengths)])
    n, total_words = len(lengths), int(words[-1])
    alpha, min_alpha = float(model.alpha), float(model.min_alpha)

    def alpha_at(epoch: int, done: int) -> float:  # gensim's _get_next_alpha, for `done` sentences handed out
        return max(min_alpha, alpha - (alpha - min_alpha) * ((epoch + 1.0 * done / n) / epochs))

    vectors_of = _gensim_vectors(model, documents)
    recorder.capture(vectors_of, 0.0, alpha=alpha)
    fasttext = hasattr(model.wv, "buckets_word")
    if fasttext:
        model._clear_post_train = lambda: None  # see fasttext_word_vectors; recomposed once at the end
    try:
        with _quiet_gensim():
            for epoch in range(epochs):
                reporter.on_epoch_begin(model)
                sentences = iter(stream)
                start, epoch_loss = 0, 0.0
                for stop in stops.tolist():
                    model.train(corpus_iterable=_Take(sentences, stop - start), total_examples=stop - start,
                                epochs=1, start_alpha=alpha_at(epoch, start), end_alpha=alpha_at(epoch, stop),
                                compute_loss=reports_loss)
                    stretch_loss = float(model.running_training_loss) if reports_loss else None
                    epoch_loss += stretch_loss or 0.0
                    stretch_words = int(words[stop] - words[start])
                    recorder.capture(vectors_of, epoch + words[stop] / total_words,
                                     loss=stretch_loss / stretch_words if reports_loss and stretch_words else None,
                                     alpha=alpha_at(epoch, stop))
                    if progress is not None and stop < n:
                        progress(reporter.start + (reporter.end - reporter.start) * (epoch + stop / n) / epochs,
                                 f"Epoch {epoch + 1} of {epochs}: {words[stop] / total_words:.0%} "
                                 f"({len(recorder.positions) - 1} snapshots)")
                    if should_stop is not None and should_stop():
                        raise Cancelled("Training was cancelled.")
                    start = stop
                model.running_training_loss = epoch_loss
                reporter.on_epoch_end(model)
    finally:
        if fasttext:
            del model._clear_post_train
        model.alpha, model.min_alpha, model.epochs = alpha, min_alpha, epochs
    model._clear_post_train()
