"""How FastText builds a word's vector from character n-grams (subwords).

fastText (Bojanowski et al. 2017) pads a word as ``<word>`` and cuts it into
character n-grams of ``min_n`` to ``max_n`` characters; each n-gram is hashed
(FNV-1a, gensim's ``ft_hash_bytes``) into one of ``bucket`` rows of an n-gram
table. A word's vector is the mean of its own row and its n-grams' rows; a word
never seen in training gets the mean of its n-grams' rows alone (gensim
``FastTextKeyedVectors.get_vector``). A row was trained only if some
vocabulary word has an n-gram hashed to it; other rows keep their random
initial values, and distinct n-grams may share a row (a hash collision).
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.space import Space


def _require_subwords(space: Space) -> None:
    if not space.has_subwords:
        raise InputError(f"'{space.name}' has no subwords: only FastText models build vectors from character "
                         "n-grams. Train a FastText model, or import a fastText .bin file.")


def word_ngrams(space: Space, word: str) -> list:
    """The character n-grams of ``word`` (with ``<`` and ``>`` marking its start and end) and their rows.

    Returns
    -------
    list of (str, int)
        ``(n-gram, bucket row)`` in gensim's order, as used for the word's vector.

    Raises
    ------
    InputError
        The space has no subwords.
    """
    from gensim.models.fasttext_inner import compute_ngrams_bytes, ft_hash_bytes

    _require_subwords(space)
    kv = space.kv
    if kv.bucket == 0:
        return []
    return [(g.decode("utf-8", "replace"), int(ft_hash_bytes(g) % kv.bucket))
            for g in compute_ngrams_bytes(word, kv.min_n, kv.max_n)]


def trained_buckets(space: Space) -> np.ndarray:
    """Sorted rows of the n-gram table that some vocabulary word uses (so training updated them).

    Returns
    -------
    ndarray of shape (n_trained,), int64
    """
    _require_subwords(space)
    buckets = space.kv.buckets_word
    if buckets is None:
        space.kv.recalc_char_ngram_buckets()
        buckets = space.kv.buckets_word
    if not len(buckets):
        return np.empty(0, dtype=np.int64)
    return np.unique(np.concatenate([np.asarray(b, dtype=np.int64) for b in buckets]))


def subword_table(space: Space, word: str, examples: int = 3, scan_words: int = 200_000,
                  trained: Optional[np.ndarray] = None) -> pd.DataFrame:
    """Which n-grams of ``word`` the model knows, and how close each one's vector is to the word's.

    Parameters
    ----------
    space : Space
        A FastText space (``space.has_subwords``).
    word : str
        Any word: in the vocabulary, misspelt, or an unseen inflection.
    examples : int
        How many vocabulary words containing each n-gram to list (most frequent first).
    scan_words : int
        Look for those examples among this many most frequent words.
    trained : ndarray, optional
        :func:`trained_buckets` of the space, when the caller has it cached.

    Returns
    -------
    pandas.DataFrame
        One row per n-gram, in order of length then position, with columns
        ``n-gram``, ``length``, ``bucket`` (its row in the n-gram table),
        ``in vocabulary words`` (the n-gram occurs in one of the ``scan_words``
        most frequent words, so training saw it), ``row trained`` (some
        vocabulary word uses that row; True without the former means another
        n-gram shares the row), ``example words`` and ``cosine`` (n-gram
        vector vs the word's vector, in [-1, 1]). ``attrs`` holds ``word``,
        ``in_vocabulary``, ``from_subwords``, ``n_seen``, ``n_trained`` and a ``note``.

    Raises
    ------
    InputError
        The space has no subwords, or the word is empty or has no n-grams.
    """
    word = str(word).strip()
    if not word:
        raise InputError("Type a word to split into n-grams.")
    grams = word_ngrams(space, word)
    if not grams:
        raise InputError(f"'{word}' has no character n-grams of {space.kv.min_n} to {space.kv.max_n} characters.")
    trained = trained_buckets(space) if trained is None else trained
    kv = space.kv
    word_vec = np.asarray(kv.get_vector(word), dtype=np.float32)
    rows = np.array([b for _, b in grams], dtype=np.int64)
    ngram_vecs = np.asarray(kv.vectors_ngrams[rows], dtype=np.float32)
    norms = np.linalg.norm(ngram_vecs, axis=1) * (np.linalg.norm(word_vec) or 1.0)
    norms[norms == 0] = 1.0
    cosine = ngram_vecs @ word_vec / norms
    found = [", ".join(h) for h in _examples(space, [g for g, _ in grams], examples, scan_words)]
    table = pd.DataFrame({
        "n-gram": [g for g, _ in grams],
        "length": [len(g) for g, _ in grams],
        "bucket": rows,
        "in vocabulary words": [bool(f) for f in found],
        "row trained": np.isin(rows, trained),
        "example words": found,
        "cosine": cosine.astype(np.float64),
    }).sort_values(["length"], kind="stable").reset_index(drop=True)
    in_vocab = word in space
    n_seen = int(table["in vocabulary words"].sum())
    n_trained = int(table["row trained"].sum())
    table.attrs.update(word=word, in_vocabulary=in_vocab, from_subwords=not in_vocab, n_seen=n_seen,
                       n_trained=n_trained, note=_note(word, in_vocab, len(table), n_seen, n_trained))
    return table


def _examples(space: Space, grams: list, n: int, scan_words: int) -> list:
    """For each n-gram, up to ``n`` of the ``scan_words`` most frequent keys whose ``<key>`` contains it."""
    import bisect

    words = [w for w in space.words[:scan_words] if isinstance(w, str)]
    # one string to search in C; ``starts`` maps a match position back to its word
    text = "\n".join(f"<{w}>" for w in words)
    starts = np.cumsum([0] + [len(w) + 3 for w in words[:-1]]).tolist()
    out = []
    for gram in grams:
        hits, pos = [], text.find(gram)
        while pos >= 0 and len(hits) < n:
            i = bisect.bisect_right(starts, pos) - 1
            hits.append(words[i])
            pos = text.find(gram, starts[i] + len(words[i]) + 3) if i + 1 < len(words) else -1
        out.append(hits)
    return out


def _note(word: str, in_vocab: bool, n_grams: int, n_seen: int, n_trained: int) -> str:
    if in_vocab:
        head = (f"'{word}' is in the vocabulary: its vector is the mean of its own vector and its {n_grams} "
                "n-gram vectors.")
    elif n_trained == 0:
        return (f"'{word}' is not in the vocabulary and none of its {n_grams} n-grams' rows was trained: "
                "its vector is built from random initial values and means nothing.")
    else:
        head = (f"'{word}' is not in the vocabulary: its vector was built from subwords, the mean of its "
                f"{n_grams} n-gram vectors.")
    tail = f" {n_seen} of the n-grams occur in vocabulary words"
    if n_trained > n_seen:
        tail += (f"; {n_trained - n_seen} more only share a trained row with other n-grams (hash collisions "
                 "in the bucket table)")
    return head + tail + "."


def subword_note(space: Space, word: str) -> Optional[str]:
    """A sentence for tables that show ``word``: None unless its vector was built from subwords."""
    if not space.is_from_subwords(word):
        return None
    return f"'{word}' is not in the vocabulary: its vector was built from subwords (character n-grams)."
