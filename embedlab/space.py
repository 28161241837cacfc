"""Space: a trained embedding (gensim KeyedVectors + a metadata table + facts).

Every probe and view in embedlab takes a :class:`Space`. The vectors live in a
gensim :class:`~gensim.models.KeyedVectors` (the lingua franca of word vectors);
``meta`` holds one row per key (frequency count, and for items title, genres, ...);
``info`` records how the space was made.
"""

from __future__ import annotations

import difflib
from typing import Iterable, Optional

import numpy as np
import pandas as pd
from gensim.models import KeyedVectors
from gensim.models.fasttext import FastTextKeyedVectors

from embedlab.errors import InputError, UnknownWordError


class Space:
    """An embedding space.

    Parameters
    ----------
    kv : gensim.models.KeyedVectors
        The vectors, ``kv.vectors`` of shape (n_words, dim). A
        ``FastTextKeyedVectors`` also answers out-of-vocabulary words from
        character n-grams.
    meta : pandas.DataFrame, optional
        One row per key, in ``kv.index_to_key`` order, indexed by key. Always
        gets an integer ``count`` column (frequency in the training data; taken
        from gensim's ``count`` attribute when not given).
    info : dict, optional
        How the space was made: ``kind`` (``word2vec``, ``fasttext``, ...),
        ``params``, ``corpus_name``, ``corpus_fingerprint``, ``train_seconds``,
        ``epoch_losses`` ... Stored as JSON, so values must be JSON-able.

    Raises
    ------
    InputError
        ``meta`` does not have one row per key.
    """

    def __init__(self, kv: KeyedVectors, meta: Optional[pd.DataFrame] = None, info: Optional[dict] = None):
        self.kv = kv
        self.info = dict(info or {})
        words = list(kv.index_to_key)
        if meta is None:
            meta = pd.DataFrame(index=pd.Index(words, name="word"))
        elif len(meta) != len(words):
            raise InputError(f"The metadata has {len(meta)} rows but the space has {len(words)} words.")
        else:
            meta = meta.copy()
            meta.index = pd.Index(words, name="word")
        if "count" not in meta.columns:
            if len(words) and "count" in kv.expandos:
                meta["count"] = np.asarray(kv.expandos["count"][: len(words)], dtype=np.int64)
            else:
                meta["count"] = np.zeros(len(words), dtype=np.int64)
        self.meta = meta
        self._unit = None

    @classmethod
    def from_vectors(cls, words, vectors, meta: Optional[pd.DataFrame] = None, info: Optional[dict] = None) -> "Space":
        """Build a space from keys and an array.

        Parameters
        ----------
        words : sequence of str, length n_words
            Distinct keys.
        vectors : array-like of shape (n_words, dim)
        meta, info : see :class:`Space`

        Raises
        ------
        InputError
            Repeated keys, or ``vectors`` not of shape (len(words), dim).
        """
        words = [str(w) for w in words]
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise InputError(f"Expected one vector per word: {len(words)} words but vectors of shape {vectors.shape}.")
        if len(set(words)) != len(words):
            raise InputError("The same word appears twice; every key must be distinct.")
        kv = KeyedVectors(vectors.shape[1], count=0, dtype=np.float32)
        kv.add_vectors(words, vectors)
        return cls(kv, meta=meta, info=info)

    # -- shape -------------------------------------------------------------
    @property
    def words(self) -> list:
        """Keys in index order (most frequent first for trained spaces)."""
        return self.kv.index_to_key

    @property
    def vectors(self) -> np.ndarray:
        """ndarray of shape (n_words, dim), float32."""
        return self.kv.vectors

    @property
    def dim(self) -> int:
        return int(self.kv.vector_size)

    @property
    def kind(self) -> str:
        return str(self.info.get("kind", "vectors"))

    @property
    def name(self) -> str:
        return str(self.info.get("name", "unnamed"))

    @property
    def has_subwords(self) -> bool:
        """True for FastText spaces, which can build vectors for unseen words."""
        return isinstance(self.kv, FastTextKeyedVectors)

    def __len__(self) -> int:
        return len(self.kv.index_to_key)

    def __contains__(self, word) -> bool:
        return word in self.kv.key_to_index

    def __repr__(self) -> str:
        return f"Space({self.name!r}, kind={self.kind!r}, n_words={len(self)}, dim={self.dim})"

    @property
    def unit(self) -> np.ndarray:
        """Unit-length vectors, ndarray of shape (n_words, dim), float32 (zero rows stay zero)."""
        if self._unit is None or self._unit.shape != self.vectors.shape:
            v = np.asarray(self.vectors, dtype=np.float32)
            norms = np.linalg.norm(v, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            self._unit = v / norms
        return self._unit

    @property
    def counts(self) -> np.ndarray:
        """ndarray of shape (n_words,), int64: frequency of each key."""
        return self.meta["count"].to_numpy()

    # -- lookup ------------------------------------------------------------
    def suggestions(self, word: str, n: int = 5) -> list:
        """Close spellings of ``word`` from the vocabulary (difflib ratio), most frequent first."""
        w = str(word).strip().lower()
        if not w:
            return []
        pool = [k for k in self.words[:200_000] if isinstance(k, str) and abs(len(k) - len(w)) <= 2 and k[:1].lower() == w[:1]]
        if len(pool) < 50:
            pool = [k for k in self.words[:50_000] if isinstance(k, str)]
        return difflib.get_close_matches(w, pool, n=n, cutoff=0.7)

    def index(self, word: str) -> int:
        """Row of ``word`` in :attr:`vectors`.

        Raises
        ------
        UnknownWordError
            The word is not a key; the message lists close spellings.
        """
        try:
            return self.kv.key_to_index[word]
        except KeyError:
            raise UnknownWordError(word, self.suggestions(word)) from None

    def indices(self, words: Iterable[str]) -> np.ndarray:
        """Rows of several words; raises UnknownWordError on the first unknown one."""
        return np.array([self.index(w) for w in words], dtype=np.int64)

    def split_known(self, words: Iterable[str]) -> tuple[list, list]:
        """Split ``words`` into (in vocabulary, out of vocabulary), keeping order and dropping repeats."""
        known, unknown, seen = [], [], set()
        for w in words:
            if w in seen:
                continue
            seen.add(w)
            (known if w in self else unknown).append(w)
        return known, unknown

    def vector(self, word: str) -> np.ndarray:
        """The vector of ``word``, ndarray of shape (dim,).

        FastText spaces build vectors for out-of-vocabulary words from their
        character n-grams (check :meth:`is_from_subwords`).

        Raises
        ------
        UnknownWordError
            Not in the vocabulary and the space has no subwords (or the word
            has no known n-gram).
        """
        if word in self:
            return self.vectors[self.kv.key_to_index[word]]
        if self.has_subwords:
            vec = self.kv.get_vector(word)
            if np.any(vec):
                return vec
        raise UnknownWordError(word, self.suggestions(word))

    def is_from_subwords(self, word: str) -> bool:
        """True when ``word`` is out of vocabulary but a FastText space can build its vector."""
        return word not in self and self.has_subwords

    def frequency_rank(self, word: str) -> int:
        """1-based rank of ``word`` by frequency (index order for trained spaces)."""
        return self.index(word) + 1

    def top(self, n: int) -> list:
        """The ``n`` most frequent keys."""
        if n < 1:
            raise InputError("Choose at least one word.")
        order = np.argsort(-self.counts, kind="stable") if self.counts.any() else np.arange(len(self))
        return [self.words[i] for i in order[:n]]
