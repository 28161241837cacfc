"""Which points to project: the most frequent keys, a pasted list, or query words and their neighbours."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from embedlab.errors import InputError
from embedlab.probes.neighbours import top_k
from embedlab.space import DOCUMENT_SAMPLE_SEED, Space


@dataclass
class PointSet:
    """Which keys of a space to project.

    Attributes
    ----------
    indices : ndarray of shape (n_points,), int64
        Rows of ``space.vectors``.
    description : str
        For captions, e.g. "5,000 most frequent words".
    unknown : list of str
        Words that were asked for but are not in the vocabulary.
    queries : list of str
        Query words of a neighbourhood point set (to mark them in the figure).
    """

    indices: np.ndarray
    description: str
    unknown: list = field(default_factory=list)
    queries: list = field(default_factory=list)

    @property
    def key(self) -> tuple:
        """A hashable identity, for caches."""
        return (self.description, hash(np.asarray(self.indices, dtype=np.int64).tobytes()), len(self.indices))


def frequency_order(space: Space) -> np.ndarray:
    """Rows, first shown first (:meth:`Space.ranking`: most frequent first; documents in a seeded random order)."""
    return space.ranking()


def top_wording(space: Space) -> dict:
    """What Explore's form calls its first point set and the ``count`` colouring, for this kind of item.

    Returns
    -------
    dict
        ``source`` (the choice's name), ``n`` (its number box), ``frequency`` (the colouring's name).
    """
    noun, nouns = space.nouns
    if space.item_kind == "document":  # a document's count is its length; the first N are a random sample
        return {"source": "random sample", "n": f"N {nouns} (random sample, seed {DOCUMENT_SAMPLE_SEED})",
                "frequency": "length (log10 tokens)"}
    return {"source": "most frequent", "n": "N most frequent", "frequency": f"{noun} frequency (log10)"}


def choose_top(space: Space, n: int) -> PointSet:
    """The first ``n`` keys of :meth:`Space.ranking` (all of them when ``n`` >= the vocabulary).

    The ``n`` most frequent words or items; for documents, a random sample
    (seeded, so the same ``n`` gives the same documents).

    Raises
    ------
    InputError
        ``n`` below 1.
    """
    if n < 1:
        raise InputError(f"Choose at least one {space.nouns[0]}.")
    n = min(int(n), len(space))
    if space.item_kind == "document":
        what = (f"all {n:,} documents" if n == len(space)
                else f"{n:,} documents (a random sample, seed {DOCUMENT_SAMPLE_SEED})")
    else:
        what = f"{n:,} most frequent {space.nouns[1]}"
    return PointSet(frequency_order(space)[:n].astype(np.int64), what)


def parse_words(text: str, labels: bool = False) -> list:
    """Split pasted text into words: by commas, semicolons, whitespace or new lines; repeats dropped.

    With ``labels`` (a space whose items have titles with spaces and commas
    in them) only new lines and semicolons separate.
    """
    seen, words = set(), []
    for w in re.split(r"[;\n]+" if labels else r"[,;\s]+", text or ""):
        w = w.strip()
        if w and w not in seen:
            seen.add(w)
            words.append(w)
    return words


def choose_keys(space: Space, keys: Iterable[str], description: str = "") -> PointSet:
    """Exactly these keys (no label lookup), e.g. a selection to isolate; unknown keys go to ``unknown``.

    Raises
    ------
    InputError
        None of the keys is in the space.
    """
    keys = list(dict.fromkeys(keys))
    known = [k for k in keys if k in space]
    if not known:
        raise InputError(f"None of these {space.nouns[1]} is in this model.")
    return PointSet(space.indices(known), description or f"{space.count_text(len(known))} chosen",
                    unknown=[k for k in keys if k not in space])


def choose_words(space: Space, words: Iterable[str] | str) -> PointSet:
    """A pasted word list; words not in the vocabulary are reported in ``unknown``.

    Raises
    ------
    InputError
        No word of the list is in the vocabulary.
    """
    if isinstance(words, str):
        words = parse_words(words, labels=space.has_labels)
    known, unknown = space.split_known(list(words))
    if space.has_labels and unknown:
        # ids pasted on one line ("1 50 260"): a line that is no title but whose parts are all known
        still = []
        for entry in unknown:
            parts = parse_words(entry)
            more, missing = space.split_known(parts) if len(parts) > 1 else ([], [entry])
            if missing:
                still.append(entry)
            else:
                known += [k for k in more if k not in known]
        unknown = still
    if not known:
        hint = f" Not in the vocabulary: {', '.join(unknown[:20])}." if unknown else ""
        how = (f"Paste {space.label_nouns[1]} or ids, one per line (or separated by semicolons)."
               if space.has_labels else "Paste words separated by spaces, commas or new lines.")
        raise InputError(f"None of the pasted {space.nouns[1]} is in this model's vocabulary." + hint + " " + how)
    return PointSet(space.indices(known), f"{len(known):,} pasted {space.nouns[1]}", unknown=unknown)


def choose_neighbourhood(space: Space, queries: Iterable[str] | str, k: int = 20) -> PointSet:
    """Each query word plus its ``k`` nearest neighbours (cosine), without repeats.

    Raises
    ------
    InputError
        No query word is in the vocabulary, or ``k`` below 1.
    """
    if isinstance(queries, str):
        queries = parse_words(queries, labels=space.has_labels)
    if k < 1:
        raise InputError("Ask for at least one neighbour per query word.")
    known, unknown = space.split_known(list(queries))
    if not known:
        raise InputError(f"None of the query {space.nouns[1]} is in this model's vocabulary"
                         + (f" ({', '.join(unknown[:20])})" if unknown else "") + ". Try other "
                         + (f"{space.label_nouns[1]} (separate them with semicolons)." if space.has_labels
                            else "words."))
    q_idx = space.indices(known)
    chosen, seen = [], set()
    for i in q_idx:
        scores = space.unit @ space.unit[i]
        for j in [int(i)] + top_k(scores, k, exclude=[int(i)]).tolist():
            if j not in seen:
                seen.add(j)
                chosen.append(j)
    return PointSet(np.array(chosen, dtype=np.int64), f"{len(known)} query {space.nouns[1]} + {k} neighbours each",
                    unknown=unknown, queries=known)
