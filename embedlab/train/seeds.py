"""Train one Word2Vec configuration several times with different seeds (for run-to-run stability)."""

from __future__ import annotations

from typing import Optional, Sequence

from embedlab.errors import InputError
from embedlab.progress import Progress, ShouldStop, no_progress, scaled
from embedlab.sources.corpus import Corpus
from embedlab.train.word2vec import Word2VecConfig, train_word2vec

MAX_SEEDS = 10


def check_seeds(seeds: Sequence[int]) -> list:
    """Validate a list of seeds: 2 to :data:`MAX_SEEDS` distinct whole numbers.

    Raises
    ------
    InputError
    """
    try:
        seeds = [int(s) for s in seeds]
    except (TypeError, ValueError):
        raise InputError("Seeds must be whole numbers.") from None
    if len(set(seeds)) != len(seeds):
        raise InputError("Each seed must be different; repeated seeds train identical models.")
    if not 2 <= len(seeds) <= MAX_SEEDS:
        raise InputError(f"Train from 2 to {MAX_SEEDS} seeds to measure stability; got {len(seeds)}.")
    return seeds


def train_seeds(corpus: Corpus, cfg: Word2VecConfig, seeds: Sequence[int], progress: Optional[Progress] = None,
                should_stop: Optional[ShouldStop] = None, name: Optional[str] = None) -> list:
    """Train ``cfg`` once per seed, in reproducible mode.

    Reproducible mode (one worker thread) is forced, so the models differ only
    by their seed (random initialisation, negative samples, down-sampling):
    with several threads gensim's runs also differ by thread scheduling.

    Parameters
    ----------
    corpus : Corpus
    cfg : Word2VecConfig
        ``seed`` and ``reproducible`` are overridden.
    seeds : sequence of int
        2 to :data:`MAX_SEEDS` distinct seeds.
    progress, should_stop : callables, optional
    name : str, optional
        Base name; each model is named ``"<name> · seed <s>"``.

    Returns
    -------
    list of Space
        One per seed, in ``seeds`` order.

    Raises
    ------
    InputError
        Bad seeds, or see :func:`~embedlab.train.word2vec.train_word2vec`.
    """
    seeds = check_seeds(seeds)
    progress = progress or no_progress
    base = name or f"word2vec on {corpus.name}"
    spaces = []
    for i, seed in enumerate(seeds):
        run_cfg = Word2VecConfig.from_dict({**cfg.to_dict(), "seed": seed, "reproducible": True})
        part = scaled(progress, i / len(seeds), (i + 1) / len(seeds))

        def report(fraction, message="", _i=i, _seed=seed, _part=part, **details):
            _part(fraction, f"Seed {_seed} ({_i + 1} of {len(seeds)}): {message}", **details)

        space = train_word2vec(corpus, run_cfg, report, should_stop, name=f"{base} · seed {seed}")
        space.info["seed_group"] = {"seeds": seeds, "config": cfg.to_dict()}
        spaces.append(space)
    return spaces


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry (kind ``seeds``): train and save one model per seed.

    ``args``: ``corpus_id``, ``config`` (a :class:`Word2VecConfig` dict),
    ``seeds`` (list of int), optional ``name``. Models are saved only after
    all seeds have trained, so a cancelled or failed job leaves none behind.
    Returns ``{"model_ids": [...]}`` in seed order.
    """
    corpus = workspace.open_corpus(args["corpus_id"])
    cfg = Word2VecConfig.from_dict(args.get("config", {}))
    spaces = train_seeds(corpus, cfg, args.get("seeds", []), scaled(progress, 0.0, 0.97), name=args.get("name"))
    progress(0.98, "Saving the models")
    return {"model_ids": [workspace.save_space(space) for space in spaces]}
