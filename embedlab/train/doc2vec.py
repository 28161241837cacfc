"""Doc2Vec (paragraph vectors, Le & Mikolov 2014) trained with gensim on a prepared corpus.

PV-DBOW learns a document's vector by predicting words sampled from the
document (negative sampling), optionally interleaved with skip-gram word
training (gensim ``dbow_words=1``); PV-DM predicts each word from the document
vector averaged with its context words' vectors.

Each document of the corpus's document set (:mod:`embedlab.sources.docset`)
is one tag; a document cut into several lines (longer than gensim's
10,000-token batch) gives several ``TaggedDocument`` pieces with the same
tag, so it still gets one vector trained on all its words. The corpus is
streamed from disk (``corpus_iterable``), not given as ``corpus_file``: in
``corpus_file`` mode gensim tags each line by its number, and with several
workers it skips some lines entirely (gensim #2757), leaving those documents'
vectors untrained.

New text is embedded by gensim's own ``infer_vector`` on a model rebuilt from
arrays (:class:`Doc2VecInferrer`): the vocabulary and counts (which give the
negative-sampling table and the down-sampling of frequent words exactly as in
training), the output weights ``syn1neg`` and, for PV-DM, the word vectors.
The random state is reset to the seed for every text, so the same text
always gets the same vector.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from embedlab.errors import InputError
from embedlab.progress import Progress, ShouldStop, no_progress
from embedlab.sources.corpus import Corpus
from embedlab.sources.docset import DocumentSet
from embedlab.space import Space
from embedlab.train.docspace import (build_document_space, check_documents, check_output_size, load_array,
                                     load_json)
from embedlab.train.gensim_run import check_min_count, train_on_corpus
from embedlab.train.params import Params, param
from embedlab.train.registry import Family

NAME = "doc2vec"
TITLE = "Doc2Vec (paragraph vectors)"
CITATION = ("Quoc Le and Tomas Mikolov (2014), \"Distributed Representations of Sentences and Documents\", "
            "ICML; trained with gensim's Doc2Vec (Řehůřek & Sojka 2010).")


@dataclass
class Doc2VecConfig(Params):
    """Hyper-parameters of gensim's :class:`~gensim.models.doc2vec.Doc2Vec`.

    Attributes
    ----------
    architecture : {"pv-dbow", "pv-dm"}
    train_words : bool
        PV-DBOW only: train word vectors skip-gram style as well (``dbow_words=1``).
    vector_size, window, epochs, min_count, negative : int
    sample, alpha : float
    seed, workers : int
    reproducible : bool
        Force ``workers=1`` so that the same seed gives identical vectors.
    """

    architecture: str = param(
        "pv-dbow", "PV-DBOW predicts words sampled from the document from its vector alone; PV-DM predicts each "
        "word from the document vector averaged with its context words (Le & Mikolov 2014, §2.2-2.3).",
        choices=("pv-dbow", "pv-dm"), choice_labels={"pv-dbow": "PV-DBOW", "pv-dm": "PV-DM"})
    train_words: bool = param(
        False, "PV-DBOW only (ignored for PV-DM): also train word vectors skip-gram style, interleaved (gensim "
        "dbow_words=1); slower, and puts words and documents in one space (Lau & Baldwin 2016).",
        label="train word vectors too (PV-DBOW)")
    vector_size: int = param(100, "Dimensions of each document vector (gensim vector_size).", 2, 1000)
    window: int = param(
        5, "Context words on each side, for PV-DM and for PV-DBOW's word training (gensim window).", 1, 50)
    epochs: int = param(
        40, "Passes over the corpus; small corpora need many (gensim epochs; Le & Mikolov's successors use 10-40).",
        1, 500)
    min_count: int = param(2, "Words rarer than this are dropped from the vocabulary (gensim min_count).",
                           1, 1_000_000)
    negative: int = param(5, "Noise words drawn per predicted word, negative sampling (Mikolov et al. 2013).",
                          1, 50, advanced=True)
    sample: float = param(1e-4, "Down-sampling threshold of frequent words; 0 turns it off (Mikolov et al. 2013; "
                          "gensim sample).", 0.0, 0.1, format="%.0e", advanced=True)
    alpha: float = param(0.025, "Initial learning rate, decaying linearly to 0.0001 (gensim alpha).", 1e-5, 1.0,
                         format="%.4f", advanced=True)
    seed: int = param(1, "Seed of the random initial vectors (gensim seed).", 0, 2**31 - 1, advanced=True)
    workers: int = param(2, "Worker threads; several are faster but make runs differ (gensim workers).", 1, 64,
                         advanced=True)
    reproducible: bool = param(False, "One worker thread, so the same seed gives identical vectors.",
                               label="reproducible (workers=1 + seed)", advanced=True)

    @property
    def effective_workers(self) -> int:
        return 1 if self.reproducible else self.workers

    def gensim_kwargs(self) -> dict:
        """Keyword arguments for ``gensim.models.doc2vec.Doc2Vec``."""
        dm = int(self.architecture == "pv-dm")
        return dict(dm=dm, dbow_words=int(self.train_words and not dm), vector_size=self.vector_size,
                    window=self.window, epochs=self.epochs, min_count=self.min_count, hs=0,
                    negative=self.negative, sample=self.sample, alpha=self.alpha, seed=self.seed,
                    workers=self.effective_workers)


class TaggedLines:
    """The corpus as gensim ``TaggedDocument`` pieces, one per line, tagged with its document's index.

    Re-iterable (gensim reads it once for the vocabulary, then once per epoch)
    and streamed from the corpus file.
    """

    def __init__(self, docset: DocumentSet):
        self.docset = docset

    def __iter__(self):
        from gensim.models.doc2vec import TaggedDocument

        for doc, words in self.docset.iter_lines():
            yield TaggedDocument(words, [doc])


def train_doc2vec(corpus: Corpus, cfg: Optional[Doc2VecConfig] = None, progress: Optional[Progress] = None,
                  should_stop: Optional[ShouldStop] = None, name: Optional[str] = None,
                  recorder=None) -> Space:
    """Train Doc2Vec on a prepared corpus: one vector per document.

    Parameters
    ----------
    corpus : Corpus
    cfg : Doc2VecConfig, optional
    progress : callable, optional
        ``progress(fraction, message, **details)``; details carry ``epoch``,
        ``epochs`` and ``words_per_s`` after each epoch.
    should_stop : callable, optional
        Polled after each epoch; True raises :class:`~embedlab.errors.Cancelled`.
    name : str, optional
    recorder : embedlab.train.recording.Recorder, optional
        Record snapshots for Playback: the word vectors when words are
        trained (PV-DM, or PV-DBOW with ``train_words``), else the document
        vectors; attached to the space.

    Returns
    -------
    Space
        ``kind='doc2vec'``, keys = document ids, vectors of shape
        (n_documents, vector_size). Documents with no word surviving
        ``min_count`` are left out (their vectors are never trained); ``info``
        says how many.

    Raises
    ------
    InputError
        Fewer than two documents, or fewer than two words surviving ``min_count``.
    """
    from gensim.models.doc2vec import Doc2Vec

    cfg = cfg or Doc2VecConfig()
    progress = progress or no_progress
    docset = DocumentSet.of(corpus)
    if len(docset) < 2:
        raise InputError(f"'{corpus.name}' has {len(docset)} non-empty document(s); Doc2Vec needs at least two.")
    check_min_count(corpus, cfg.min_count)
    check_output_size(len(docset), cfg.vector_size, "dimensions (vector_size)")
    t0 = time.perf_counter()
    model = Doc2Vec(**cfg.gensim_kwargs())
    if recorder is not None:
        recorder.row_keys = list(docset.ids)  # documents are tagged by position; the space keys them by id
    reporter = train_on_corpus(model, corpus, cfg.epochs, progress, should_stop, reports_loss=False,
                               stream=TaggedLines(docset), recorder=recorder)
    seconds = time.perf_counter() - t0
    progress(0.96, "Checking which documents were trained")
    rows = _documents_with_known_words(docset, model.wv.key_to_index)
    notes = []
    if len(rows) < len(docset):
        notes.append(f"{len(docset) - len(rows):,} document(s) have no word occurring min_count={cfg.min_count} "
                     "times in the corpus; their vectors were never trained, so they are left out.")
    if len(rows) < 2:
        raise InputError(f"Only {len(rows)} document(s) have a word occurring at least min_count={cfg.min_count} "
                         "times. Lower min_count.")
    vectors = model.dv.vectors[rows]
    inference = {
        "config": {"family": NAME, "preprocess": dict(corpus.preprocess), "dm": int(model.dm),
                   "dm_mean": int(model.cbow_mean), "vector_size": cfg.vector_size, "window": cfg.window,
                   "negative": cfg.negative, "ns_exponent": float(model.ns_exponent), "sample": cfg.sample,
                   "alpha": float(model.alpha), "min_alpha": float(model.min_alpha), "epochs": cfg.epochs,
                   "seed": cfg.seed, "shrink_windows": bool(model.shrink_windows)},
        "json": {"words": list(model.wv.index_to_key)},
        "arrays": {"counts": np.asarray([model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key],
                                        dtype=np.int64),
                   "output_weights": np.asarray(model.syn1neg, dtype=np.float32)},
    }
    if model.dm:  # PV-DBOW's inference never reads the word vectors
        inference["arrays"]["word_vectors"] = np.asarray(model.wv.vectors, dtype=np.float32)
    info = {"train_seconds": seconds, "epoch_seconds": reporter.epoch_seconds, "words_per_s": reporter.words_per_s,
            "epoch_losses": reporter.epoch_losses, "vocabulary": len(model.wv), "notes": notes,
            "loss_note": "gensim does not report a training loss for Doc2Vec."}
    space = build_document_space(docset, vectors, rows, NAME, cfg.to_dict(), name, info, inference)
    if recorder is not None:
        recorder.attach(space)
    progress(1.0, "Training finished")
    return space


def _documents_with_known_words(docset: DocumentSet, vocabulary: dict) -> np.ndarray:
    has = np.zeros(len(docset), dtype=bool)
    for doc, words in docset.iter_lines():
        if not has[doc] and any(w in vocabulary for w in words):
            has[doc] = True
    return np.flatnonzero(has)


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry: train Doc2Vec on a stored corpus and save the model.

    ``args``: ``corpus_id``, ``config`` (a :class:`Doc2VecConfig` dict), optional
    ``name``. Returns ``{"model_id": ..., "corpus_id": ...}``. Cancel stops the
    worker process (:func:`embedlab.jobs.cancel`); nothing is registered.
    """
    from embedlab.train.recording import recorder_for

    corpus = workspace.open_corpus(args["corpus_id"])
    recorder = recorder_for(workspace, args)  # args["record"]: snapshots for Playback
    space = train_doc2vec(corpus, Doc2VecConfig.from_dict(args.get("config")), progress, name=args.get("name"),
                          recorder=recorder)
    if recorder is not None:
        recorder.summarise(space, progress)  # Playback's alignment and measures, once, here in the job
    return {"model_id": workspace.save_space(space), "corpus_id": corpus.id}


def check_job(workspace, args: dict) -> None:
    """Before queueing: two documents at least, two words surviving ``min_count``, a model that fits.

    Raises
    ------
    InputError
        Unknown corpus, too few documents or words, or too large a model.
    """
    cfg = Doc2VecConfig.from_dict(args.get("config"))
    docset = check_documents(workspace, args, "Doc2Vec", cfg.vector_size, "dimensions (vector_size)")
    check_min_count(docset.corpus, cfg.min_count)


FAMILY = Family(
    name=NAME, title="Doc2Vec", data="documents", data_arg="corpus_id", item="document", config=Doc2VecConfig,
    job=run_job, source="Le & Mikolov 2014; trained with gensim",
    description="A vector per document (paragraph vector), learned by predicting the document's words from it "
                "(PV-DBOW) or each word from it and the words around (PV-DM). New text gets a vector by "
                "inference: a few epochs of the same training with the words' weights frozen.",
    loss_note="gensim reports no training loss for Doc2Vec: the progress shows epochs and words per second.",
    check=check_job, order=20)


class Doc2VecInferrer:
    """gensim's ``infer_vector`` on a Doc2Vec model rebuilt from stored arrays (no pickle).

    Parameters
    ----------
    model : gensim.models.doc2vec.Doc2Vec
        With vocabulary, ``syn1neg`` and (PV-DM) word vectors set; no document vectors.
    seed : int
    """

    def __init__(self, model, seed: int):
        self.model, self.seed = model, seed
        self.vocabulary = model.wv.key_to_index

    @classmethod
    def from_folder(cls, folder: Path, config: dict) -> "Doc2VecInferrer":
        """Rebuild from ``words.json``, ``counts.npy``, ``output_weights.npy`` (+ ``word_vectors.npy``).

        Raises
        ------
        ValueError
            The files disagree in length or width.
        """
        from gensim.models.doc2vec import Doc2Vec

        words = load_json(folder, "words")
        counts = load_array(folder, "counts")
        output = load_array(folder, "output_weights")
        dim = int(config["vector_size"])
        if not (len(words) == len(counts) == output.shape[0]) or output.shape[1] != dim:
            raise ValueError("the vocabulary and the output weights disagree")
        model = Doc2Vec(dm=int(config["dm"]), dm_mean=int(config["dm_mean"]), vector_size=dim,
                        window=int(config["window"]), negative=int(config["negative"]), hs=0,
                        ns_exponent=float(config["ns_exponent"]), sample=float(config["sample"]),
                        alpha=float(config["alpha"]), min_alpha=float(config["min_alpha"]),
                        epochs=int(config["epochs"]), seed=int(config["seed"]), min_count=1, workers=1,
                        shrink_windows=bool(config.get("shrink_windows", True)))
        # the counts rebuild the down-sampling (sample_int) and the negative-sampling table as trained
        model.build_vocab_from_freq({w: int(c) for w, c in zip(words, counts)})
        # gensim breaks ties in count by reversed insertion order, so put the words back in the stored
        # order: the same random draw must pick the same noise word as in the trained model
        kv = model.wv
        rebuilt = kv.key_to_index
        order = np.array([rebuilt[w] for w in words], dtype=np.int64)
        kv.index_to_key = list(words)
        kv.key_to_index = {w: i for i, w in enumerate(words)}
        for key in list(kv.expandos):
            kv.expandos[key] = kv.expandos[key][order]
        model.make_cum_table()
        model.syn1neg = np.ascontiguousarray(output, dtype=np.float32)
        if model.dm:
            vectors = load_array(folder, "word_vectors")
            if vectors.shape != output.shape:
                raise ValueError("the word vectors and the output weights disagree")
            kv.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        return cls(model, int(config["seed"]))

    def infer_tokens(self, tokens: list) -> np.ndarray:
        """gensim ``infer_vector`` of known tokens, from a fresh seeded random state.

        Parameters
        ----------
        tokens : list of str

        Returns
        -------
        ndarray of shape (vector_size,), float32
        """
        self.model.random = np.random.RandomState(self.seed)
        return self.model.infer_vector(list(tokens))
