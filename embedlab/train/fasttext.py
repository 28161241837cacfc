"""FastText (Bojanowski et al. 2017, "Enriching Word Vectors with Subword Information"),
trained with gensim from a prepared corpus file.

A FastText word vector is the average of the word's own vector and the vectors
of its character n-grams (``min_n`` to ``max_n`` characters of ``<word>``,
hashed into ``bucket`` rows), so a word never seen in training still gets a
vector from its n-grams. gensim reports a training loss of 0 for FastText
(gensim #3228), so the per-epoch losses are recorded as ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Optional

from embedlab.errors import InputError
from embedlab.progress import Progress, ShouldStop
from embedlab.sources.corpus import Corpus
from embedlab.space import Space
from embedlab.train.gensim_run import check_job, fit_gensim, run_training_job
from embedlab.train.registry import Family
from embedlab.train.word2vec import Word2VecConfig

#: Largest n-gram table accepted (fastText's own default; 800 MB at 100 dimensions).
MAX_BUCKET = 2_000_000


@dataclass
class FastTextConfig(Word2VecConfig):
    """Hyper-parameters of gensim's :class:`~gensim.models.FastText`.

    Everything of :class:`~embedlab.train.word2vec.Word2VecConfig`, plus:

    Attributes
    ----------
    min_n : int
        Shortest character n-gram (fastText's default 3).
    max_n : int
        Longest character n-gram (default 6).
    bucket : int
        Rows of the hashed n-gram table. fastText's default is 2,000,000;
        embedlab's is 200,000 (80 MB at 100 dimensions), plenty for a corpus
        of a few hundred thousand distinct words.
    """

    min_n: int = field(default=3, metadata={
        "help": "Shortest character n-gram; each word is split into n-grams of <word> (with < and > marking its "
                "start and end).", "min": 1, "max": 20})
    max_n: int = field(default=6, metadata={
        "help": "Longest character n-gram; longer ones capture stems and suffixes but are shared by fewer words.",
        "min": 1, "max": 20})
    bucket: int = field(default=200_000, metadata={
        "help": "Rows of the n-gram table; n-grams are hashed into it, so fewer rows save memory "
                "(rows × dimensions × 4 bytes) but make unrelated n-grams share a vector.",
        "min": 1_000, "max": MAX_BUCKET, "step": 50_000})

    def __post_init__(self):
        super().__post_init__()
        for name, lo, hi in (("min_n", 1, 20), ("max_n", 1, 20), ("bucket", 1_000, MAX_BUCKET)):
            value = getattr(self, name)
            if not (isinstance(value, int) and lo <= value <= hi):
                raise InputError(f"{name} must be a whole number from {lo:,} to {hi:,}; got {value!r}.")
        if self.min_n > self.max_n:
            raise InputError(f"min_n ({self.min_n}) must not exceed max_n ({self.max_n}).")

    def gensim_kwargs(self) -> dict:
        """Keyword arguments for ``gensim.models.FastText``."""
        return dict(super().gensim_kwargs(), min_n=self.min_n, max_n=self.max_n, bucket=self.bucket)


#: One line per hyper-parameter (Word2Vec's plus the subword ones), for pages that draw their own widgets.
EXPLAIN = {f.name: f.metadata["help"] for f in fields(FastTextConfig)}


def train_fasttext(corpus: Corpus, cfg: Optional[FastTextConfig] = None, progress: Optional[Progress] = None,
                   should_stop: Optional[ShouldStop] = None, name: Optional[str] = None,
                   recorder=None) -> Space:
    """Train FastText on a prepared corpus, streaming from its line file.

    Parameters
    ----------
    corpus : Corpus
    cfg : FastTextConfig, optional
    progress : callable, optional
        ``progress(fraction, message, **details)``; details carry ``epoch``,
        ``epoch_losses`` (all ``None``: gensim #3228) and ``words_per_s``.
    should_stop : callable, optional
        Polled after each epoch; True raises :class:`~embedlab.errors.Cancelled`.
    name : str, optional
    recorder : embedlab.train.recording.Recorder, optional
        Record snapshots for Playback (attached to the space).

    Returns
    -------
    Space
        ``kind='fasttext'``, ``space.has_subwords`` is True; ``info['loss_note']``
        says that gensim reports no loss for FastText.

    Raises
    ------
    InputError
        Fewer than two words survive ``min_count``.
    """
    from gensim.models import FastText

    return fit_gensim(FastText, "fasttext", cfg or FastTextConfig(), corpus, progress, should_stop, name,
                      reports_loss=False, recorder=recorder)


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry (kind ``fasttext``): train on a stored corpus and save the model.

    ``args``: ``corpus_id``, ``config`` (a :class:`FastTextConfig` dict), optional ``name``.
    Returns ``{"model_id": ...}``.
    """
    return run_training_job(workspace, args, progress, FastTextConfig, train_fasttext)


FAMILY = Family(
    name="fasttext", title="FastText", data="corpus", item="word", config=FastTextConfig, job=run_job,
    source="Bojanowski et al. 2017; trained with gensim",
    description="Word2Vec plus character n-grams, so unseen words get vectors from their pieces.",
    loss_note="FastText does not report a training loss in gensim (#3228), so there is no curve.",
    check=check_job, order=20)
