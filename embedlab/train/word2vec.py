"""Word2Vec (Mikolov et al. 2013) trained with gensim from a prepared corpus file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Optional

from embedlab.errors import InputError
from embedlab.progress import Progress, ShouldStop
from embedlab.sources.corpus import Corpus
from embedlab.space import Space
from embedlab.train.gensim_run import fit_gensim, run_training_job

#: One line per hyper-parameter, shown next to its widget.
EXPLAIN = {
    "architecture": "skip-gram predicts the context from a word (better for rare words); CBOW predicts a word "
                    "from its averaged context (faster).",
    "vector_size": "Dimensionality of the word vectors.",
    "window": "Largest distance between the centre word and a context word.",
    "min_count": "Words that occur fewer times than this are dropped from the vocabulary.",
    "objective": "Negative sampling contrasts each true pair with a few random words; hierarchical softmax walks "
                 "a Huffman tree over the vocabulary.",
    "negative": "Noise words drawn per true pair (negative sampling only; 5-20 is typical).",
    "sample": "Threshold for down-sampling very frequent words (0 turns it off; 1e-3 to 1e-5 is typical).",
    "epochs": "Passes over the corpus.",
    "alpha": "Initial learning rate; it decays linearly to min_alpha over training.",
    "seed": "Seed for the random initialisation of the vectors.",
    "workers": "Worker threads. Several are faster but make runs differ; 1 with a fixed seed is reproducible.",
}


@dataclass
class Word2VecConfig:
    """Hyper-parameters of gensim's :class:`~gensim.models.Word2Vec`.

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

    architecture: str = "skip-gram"
    vector_size: int = 100
    window: int = 5
    min_count: int = 5
    objective: str = "negative"
    negative: int = 5
    sample: float = 1e-3
    epochs: int = 5
    alpha: float = 0.025
    seed: int = 1
    workers: int = 2
    reproducible: bool = False

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


def train_word2vec(corpus: Corpus, cfg: Optional[Word2VecConfig] = None, progress: Optional[Progress] = None,
                   should_stop: Optional[ShouldStop] = None, name: Optional[str] = None) -> Space:
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

    return fit_gensim(Word2Vec, "word2vec", cfg or Word2VecConfig(), corpus, progress, should_stop, name)


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry: train on a stored corpus and save the model.

    ``args``: ``corpus_id`` (a stored corpus) or ``sample`` (a shipped corpus key,
    prepared with default preprocessing first), ``config`` (a :class:`Word2VecConfig`
    dict), optional ``name``. Returns ``{"model_id": ..., "corpus_id": ...}``.
    """
    return run_training_job(workspace, args, progress, Word2VecConfig, train_word2vec)
