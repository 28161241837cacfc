"""Word2Vec (Mikolov et al. 2013) trained with gensim from a prepared corpus file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Optional

from embedlab.errors import InputError
from embedlab.progress import Progress, ShouldStop
from embedlab.sources.corpus import Corpus
from embedlab.space import Space
from embedlab.train.gensim_run import LOSS_NOTE, check_job, fit_gensim, run_training_job
from embedlab.train.registry import Family


@dataclass
class Word2VecConfig:
    """Hyper-parameters of gensim's :class:`~gensim.models.Word2Vec`.

    Each field's ``metadata`` holds its one-line explanation and the form's
    bounds (see :func:`embedlab.train.registry.field_help`).

    Attributes
    ----------
    architecture : {"skip-gram", "cbow"}
    vector_size : int
        Dimensions of each vector.
    window : int
    min_count : int
    objective : {"negative", "hierarchical"}
        Negative sampling or hierarchical softmax.
    negative : int
        Noise words per pair (used with negative sampling).
    sample : float
    epochs : int
    alpha : float
    seed : int
    workers : int
    reproducible : bool
        Force ``workers=1`` so that the same seed gives identical vectors.
    """

    architecture: str = field(default="skip-gram", metadata={
        "help": "skip-gram predicts the context from a word (better for rare words); CBOW predicts a word from "
                "its averaged context (faster).",
        "choices": ("skip-gram", "cbow"), "choice_labels": {"skip-gram": "skip-gram", "cbow": "CBOW"}})
    vector_size: int = field(default=100, metadata={
        "help": "Dimensionality of the word vectors.", "min": 2, "max": 1000})
    window: int = field(default=5, metadata={
        "help": "Largest distance between the centre word and a context word.", "min": 1, "max": 50})
    min_count: int = field(default=5, metadata={
        "help": "Words that occur fewer times than this are dropped from the vocabulary.", "min": 1, "max": 100_000})
    objective: str = field(default="negative", metadata={
        "help": "Negative sampling contrasts each true pair with a few random words; hierarchical softmax walks a "
                "Huffman tree over the vocabulary.",
        "choices": ("negative", "hierarchical"),
        "choice_labels": {"negative": "negative sampling", "hierarchical": "hierarchical softmax"}})
    negative: int = field(default=5, metadata={
        "help": "Noise words drawn per true pair (negative sampling only; 5-20 is typical).", "min": 1, "max": 50})
    sample: float = field(default=1e-3, metadata={
        "help": "Threshold for down-sampling very frequent words (0 turns it off; 1e-3 to 1e-5 is typical).",
        "min": 0.0, "max": 0.1, "format": "%.0e"})
    epochs: int = field(default=5, metadata={"help": "Passes over the corpus.", "min": 1, "max": 100})
    alpha: float = field(default=0.025, metadata={
        "help": "Initial learning rate; it decays linearly to min_alpha over training.",
        "min": 0.0001, "max": 1.0, "format": "%.4f"})
    seed: int = field(default=1, metadata={
        "help": "Seed for the random initialisation of the vectors.", "min": 0, "max": 2**31 - 1})
    workers: int = field(default=2, metadata={
        "help": "Worker threads. Several are faster but make runs differ; 1 with a fixed seed is reproducible.",
        "min": 1, "max": 16})
    reproducible: bool = field(default=False, metadata={
        "help": "Identical vectors run to run, at the cost of speed.", "label": "reproducible (workers=1 + seed)"})

    def __post_init__(self):
        if self.architecture not in ("skip-gram", "cbow"):
            raise InputError("architecture must be 'skip-gram' or 'cbow'.")
        if self.objective not in ("negative", "hierarchical"):
            raise InputError("objective must be 'negative' (negative sampling) or 'hierarchical' (softmax).")
        checks = [("vector_size", 1, 2000), ("window", 1, 100), ("min_count", 1, 1_000_000), ("epochs", 1, 200),
                  ("workers", 1, 64), ("negative", 0, 100)]
        for name, lo, hi in checks:
            value = getattr(self, name)
            if not (isinstance(value, int) and lo <= value <= hi):
                raise InputError(f"{name} must be a whole number from {lo} to {hi}; got {value!r}.")
        if self.objective == "negative" and self.negative < 1:
            raise InputError("Negative sampling needs negative ≥ 1.")
        if not 0 < self.alpha <= 1:
            raise InputError("alpha (the learning rate) must be above 0 and at most 1.")
        if not 0 <= self.sample < 1:
            raise InputError("sample must be at least 0 and below 1.")

    @property
    def effective_workers(self) -> int:
        return 1 if self.reproducible else self.workers

    def gensim_kwargs(self) -> dict:
        """Keyword arguments for ``gensim.models.Word2Vec``."""
        return dict(
            vector_size=self.vector_size, window=self.window, min_count=self.min_count,
            sg=int(self.architecture == "skip-gram"), hs=int(self.objective == "hierarchical"),
            negative=self.negative if self.objective == "negative" else 0, sample=self.sample,
            epochs=self.epochs, alpha=self.alpha, seed=self.seed, workers=self.effective_workers,
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "Word2VecConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})


#: One line per hyper-parameter (the ``help`` of each field), for pages that draw their own widgets.
EXPLAIN = {f.name: f.metadata["help"] for f in fields(Word2VecConfig)}


def train_word2vec(corpus: Corpus, cfg: Optional[Word2VecConfig] = None, progress: Optional[Progress] = None,
                   should_stop: Optional[ShouldStop] = None, name: Optional[str] = None,
                   recorder=None) -> Space:
    """Train Word2Vec on a prepared corpus, streaming from its line file.

    Parameters
    ----------
    corpus : Corpus
    cfg : Word2VecConfig, optional
    progress : callable, optional
        ``progress(fraction, message, **details)``; details carry ``epoch``,
        ``epoch_losses`` and ``words_per_s`` after each epoch.
    should_stop : callable, optional
        Polled after each epoch; True raises :class:`~embedlab.errors.Cancelled`.
    name : str, optional
    recorder : embedlab.train.recording.Recorder, optional
        Record snapshots for Playback (attached to the space).

    Returns
    -------
    Space
        ``kind='word2vec'``; ``info`` holds the parameters, per-epoch losses
        (a trend, see :mod:`embedlab.train.gensim_run`), words/s and seconds.

    Raises
    ------
    InputError
        Fewer than two words survive ``min_count``.
    """
    from gensim.models import Word2Vec

    return fit_gensim(Word2Vec, "word2vec", cfg or Word2VecConfig(), corpus, progress, should_stop, name,
                      recorder=recorder)


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry: train on a stored corpus and save the model.

    ``args``: ``corpus_id`` (a stored corpus) or ``sample`` (a shipped corpus key,
    prepared with default preprocessing first), ``config`` (a :class:`Word2VecConfig`
    dict), optional ``name``. Returns ``{"model_id": ..., "corpus_id": ...}``.
    """
    return run_training_job(workspace, args, progress, Word2VecConfig, train_word2vec)


FAMILY = Family(
    name="word2vec", title="Word2Vec", data="corpus", item="word", config=Word2VecConfig, job=run_job,
    source="Mikolov et al. 2013; trained with gensim",
    description="A vector per word, learned by predicting the words around each word (skip-gram) or each word "
                "from the words around it (CBOW).",
    loss_note=LOSS_NOTE, reports_loss=True, check=check_job, order=10)
