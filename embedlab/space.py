"""Space: a trained embedding (gensim KeyedVectors + a metadata table + facts).

Every probe and view in embedlab takes a :class:`Space`. The vectors live in a
gensim :class:`~gensim.models.KeyedVectors` (the lingua franca of word vectors);
``meta`` holds one row per key (frequency count, and for items title, genres, ...);
``info`` records how the space was made.

A space knows what its items are (:attr:`Space.item_kind`: words, rated items,
users, documents, graph nodes, images) and gives each item a display
**label** beside its **key**: keys are stable ids (a movie's MovieLens id),
labels are what a person reads and types (its title). :meth:`Space.resolve`
turns what a user typed (a label or a key) into a key; probes use keys inside
and show labels. A space without a ``label`` metadata column (every word
model, and every model saved before labels existed) is labelled by its keys,
so it behaves exactly as before.
"""

from __future__ import annotations

import difflib
import re
from typing import Iterable, Optional

import numpy as np
import pandas as pd
from gensim.models import KeyedVectors
from gensim.models.fasttext import FastTextKeyedVectors

from embedlab.errors import AmbiguousLabelError, InputError, UnknownWordError

#: What the items of a space can be, and how one and several are called.
ITEM_KINDS = {"word": ("word", "words"), "item": ("item", "items"), "user": ("user", "users"),
              "document": ("document", "documents"), "node": ("node", "nodes"), "image": ("image", "images")}
#: What an item's display label is called, by item kind (``info['label_name']`` overrides it).
LABEL_NAMES = {"word": ("label", "labels"), "item": ("title", "titles"), "user": ("user", "users"),
               "document": ("snippet", "snippets"), "node": ("name", "names"), "image": ("file name", "file names")}
_TRAILING_BRACKET = re.compile(r"\s*\([^()]*\)\s*$")
#: Seed of the random order in which a document space's "first N" documents are taken (see :meth:`Space.ranking`).
DOCUMENT_SAMPLE_SEED = 0


def _blank(label) -> bool:
    if isinstance(label, str):
        return not label.strip()
    return label is None or bool(pd.isna(label))


def count_text(n: int, singular: str, plural: Optional[str] = None) -> str:
    """``"1 item"``, ``"2,500 items"``: a count with the noun in the right number."""
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"


def item_kind_of(info: dict) -> str:
    """What the items of a space with these facts (``info.json``) are: see :attr:`Space.item_kind`."""
    kind = (info or {}).get("item_kind")
    if kind:
        return str(kind)
    return {"items": "item", "users": "user"}.get((info or {}).get("role"), "word")


class _LabelIndex:
    """Rows of each label, exactly, case-folded, and case-folded without a trailing "(...)" (a year)."""

    def __init__(self, labels: list):
        self.exact, self.folded, self.bare = {}, {}, {}
        for row, label in enumerate(labels):
            self.exact.setdefault(label, []).append(row)
            folded = label.casefold()
            self.folded.setdefault(folded, []).append(row)
            bare = _TRAILING_BRACKET.sub("", folded)
            if bare and bare != folded:
                self.bare.setdefault(bare, []).append(row)


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
        ``item_kind`` (a key of :data:`ITEM_KINDS`; missing means words, or
        rated items / users for a rating model's ``role``), ``label_name``
        (what a label is called, e.g. "title"), ``params``, ``corpus_name``,
        ``corpus_fingerprint``, ``train_seconds``, ``epoch_losses`` ... Stored
        as JSON, so values must be JSON-able.

    The optional ``label`` column of ``meta`` holds each item's display label
    (a movie title, a document snippet); an empty label falls back to the key.
    ``meta`` is read-only once the space is built (labels are indexed once).

    Raises
    ------
    InputError
        ``meta`` does not have one row per key; an unknown ``item_kind``.
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
        #: Extra files saved inside the model's folder with it (what inference or a decoder needs):
        #: relative path -> ndarray (``.npy``), dict or list (``.json``), str (``.txt``) or bytes. Written by
        #: :meth:`embedlab.store.Workspace.save_space`; not read back with the space
        #: (:meth:`embedlab.store.Workspace.attachment` finds them).
        self.attachments: dict = {}
        self._unit = None
        self._labels = None
        self._has_labels = False
        self._label_index = None
        kind = self.info.get("item_kind")
        if kind is not None and kind not in ITEM_KINDS:
            raise InputError(f"Unknown item kind {kind!r}; choose one of {', '.join(ITEM_KINDS)}.")

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

    # -- what the items are ---------------------------------------------------
    @property
    def item_kind(self) -> str:
        """What the keys are: ``word``, ``item``, ``user``, ``document``, ``node`` or ``image``.

        From ``info['item_kind']``; models saved before it existed are words,
        except the two spaces of a rating model (``info['role']`` ``items`` /
        ``users``).
        """
        return item_kind_of(self.info)

    @property
    def is_words(self) -> bool:
        """True when the keys are words (probes built on word lists apply)."""
        return self.item_kind == "word"

    @property
    def nouns(self) -> tuple:
        """(singular, plural) of what an item is called: ("word", "words"), ("item", "items") ..."""
        return ITEM_KINDS.get(self.item_kind, ("item", "items"))

    @property
    def label_nouns(self) -> tuple:
        """(singular, plural) of what a label is called: ("title", "titles") for rated items."""
        name = self.info.get("label_name")
        if name:
            return str(name), str(name) + "s"
        if not self.has_labels:
            return self.nouns
        return LABEL_NAMES.get(self.item_kind, ("label", "labels"))

    def count_text(self, n: int, labels: bool = False) -> str:
        """``"1 word"``, ``"3 items"``, or with ``labels`` ``"3 titles"`` (for a labelled space)."""
        return count_text(n, *(self.label_nouns if labels else self.nouns))

    def require_words(self, what: str) -> None:
        """Raise InputError unless the keys are words (``what``: the probe, for the message).

        Raises
        ------
        InputError
            The space holds items, users, documents, ... rather than words.
        """
        if not self.is_words:
            raise InputError(f"{what} works on words, but the items of '{self.name}' are {self.nouns[1]}. "
                             "Make a word model active (Models page) to use it.")

    # -- display labels ---------------------------------------------------------
    @property
    def labels(self) -> list:
        """Display label of every key, in index order (the key itself when there is no label).

        Returns
        -------
        list of str, length n_words
            :attr:`words` itself for a space without a ``label`` column.
        """
        if self._labels is None:
            keys = self.words
            if "label" not in self.meta.columns:
                self._labels, self._has_labels = keys, False
            else:
                raw = self.meta["label"].to_numpy(dtype=object)
                self._labels = [key if _blank(lab) else str(lab) for lab, key in zip(raw, keys)]
                self._has_labels = any(lab != key for lab, key in zip(self._labels, keys))
        return self._labels

    @property
    def has_labels(self) -> bool:
        """True when some item's label differs from its key (e.g. movies with titles)."""
        if self._labels is None:
            self.labels
        return self._has_labels

    def label(self, key: str) -> str:
        """The display label of a key.

        Raises
        ------
        UnknownWordError
            Not a key.
        """
        return self.labels[self.index(key)]

    def labels_of(self, keys: Iterable[str]) -> list:
        """Display labels of several keys (a key that is not in the space stays as it is)."""
        labels, lookup = self.labels, self.kv.key_to_index
        return [labels[lookup[k]] if k in lookup else str(k) for k in keys]

    def resolve(self, query: str, oov_ok: bool = False) -> str:
        """The key a user means by a label or a key.

        Tried in order: the exact label, the label ignoring case, the key,
        then the label ignoring case and a trailing bracket such as a year
        ("star wars" finds "Star Wars (1977)"). Leading and trailing spaces are
        ignored. For a space without labels this is a plain key lookup.

        Parameters
        ----------
        query : str
            A label (title) or a key (id).
        oov_ok : bool
            For FastText spaces: return an unknown word unchanged (its vector
            is then built from character n-grams) instead of raising.

        Returns
        -------
        str
            A key of this space (or, with ``oov_ok``, the query itself).

        Raises
        ------
        AmbiguousLabelError
            The label names several items; the message lists them with their keys.
        UnknownWordError
            Nothing matches; the message lists close labels (or spellings).
        """
        q = "" if query is None else str(query)
        lookup = self.kv.key_to_index
        if q in lookup and not self.has_labels:
            return q
        s = q.strip()
        if not self.has_labels:
            if s in lookup:
                return s
            if oov_ok and self.has_subwords and s:
                return s
            raise UnknownWordError(s or q, self.suggestions(s or q), message=self._left_out_message(s))
        index = self._labels_indexed()
        folded = s.casefold()
        for rows in (index.exact.get(s), index.folded.get(folded)):
            if rows:
                return self._only(rows, s)
        if s in lookup:
            return s
        rows = index.bare.get(_TRAILING_BRACKET.sub("", folded))
        if rows:
            return self._only(rows, s)
        noun, label = self.nouns[0], self.label_nouns[0]
        left_out = self._left_out_message(s)
        raise UnknownWordError(s, [] if left_out else self.label_suggestions(s),
                               message=left_out or f"No {noun} of this model has the {label} or id '{s}'.")

    def _left_out_message(self, query: str) -> Optional[str]:
        """Why ``query`` has no vector when ``info["left_out"]`` lists it as an id or a label, else None."""
        left = self.info.get("left_out") or {}
        if not left.get("ids") or not query:
            return None
        if query not in left["ids"] and query not in (left.get("labels") or ()):
            return None
        n = int(left.get("count", len(left["ids"])))
        return (f"The {self.nouns[0]} '{query}' has no vector in this model: {left.get('reason') or 'it was left out'}"
                f" ({count_text(n, *self.nouns)} left out like this). Pick another {self.nouns[0]}.")

    def resolve_many(self, queries: Iterable[str]) -> list:
        """:meth:`resolve` for each query, in order (raises on the first that fails)."""
        return [self.resolve(q) for q in queries]

    def _labels_indexed(self) -> _LabelIndex:
        if self._label_index is None:
            self._label_index = _LabelIndex(self.labels)
        return self._label_index

    def _only(self, rows: list, query: str) -> str:
        if len(rows) == 1:
            return self.words[rows[0]]
        raise AmbiguousLabelError(query, [(self.words[r], self.labels[r]) for r in rows], self.nouns[0],
                                  self.label_nouns[0])

    def label_suggestions(self, query: str, n: int = 5) -> list:
        """Labels close to ``query``: those containing it (most frequent first), then close spellings.

        Returns
        -------
        list of str
            At most ``n`` labels.
        """
        q = str(query).strip().casefold()
        if not q:
            return []
        labels = self.labels
        order = np.argsort(-self.counts, kind="stable") if self.counts.any() else np.arange(len(labels))
        out = []
        for row in order:
            if q in labels[row].casefold() and labels[row] not in out:
                out.append(labels[row])
                if len(out) == n:
                    return out
        pool = {labels[row].casefold(): labels[row] for row in order[:50_000]}
        for close in difflib.get_close_matches(q, list(pool), n=n, cutoff=0.6):
            if pool[close] not in out:
                out.append(pool[close])
        return out[:n]

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
        """Row of ``word`` in :attr:`vectors` (a key, or for a labelled space a label: see :meth:`resolve`).

        Raises
        ------
        UnknownWordError
            The word is not a key; the message lists close spellings.
        AmbiguousLabelError
            A label shared by several items.
        """
        try:
            return self.kv.key_to_index[word]
        except KeyError:
            if self.has_labels:
                return self.kv.key_to_index[self.resolve(word)]
            raise UnknownWordError(word, self.suggestions(word)) from None

    def indices(self, words: Iterable[str]) -> np.ndarray:
        """Rows of several words; raises UnknownWordError on the first unknown one."""
        return np.array([self.index(w) for w in words], dtype=np.int64)

    def split_known(self, words: Iterable[str]) -> tuple[list, list]:
        """Split ``words`` into (in vocabulary, out of vocabulary), keeping order and dropping repeats.

        A labelled space also knows its labels: a known label is returned as
        its key; an unknown or ambiguous one goes to the second list as typed.
        """
        known, unknown, seen = [], [], set()
        labelled = self.has_labels
        for w in words:
            if labelled:
                try:
                    key = self.resolve(w)
                except InputError:
                    key = None
                if key is None:
                    if w not in seen:
                        seen.add(w)
                        unknown.append(w)
                elif key not in seen:
                    seen.add(key)
                    known.append(key)
                continue
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
        if self.has_labels:
            return self.vectors[self.index(word)]
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

    def ranking(self) -> np.ndarray:
        """Rows, first shown first: the order of :meth:`top`, of Explore's "first N" points and of its labels.

        By ``count``, most frequent first (index order when there are no
        counts). A document's count is its length, and neither the longest
        documents nor the first ones of an upload (often sorted by label) are a
        fair picture of a corpus, so a document space is ranked in a seeded
        random order (:data:`DOCUMENT_SAMPLE_SEED`): its first N are a random sample.

        Returns
        -------
        ndarray of shape (n_words,), int64
        """
        if self.item_kind == "document":
            return np.random.default_rng(DOCUMENT_SAMPLE_SEED).permutation(len(self)).astype(np.int64)
        counts = self.counts
        return (np.argsort(-counts, kind="stable") if counts.any() else np.arange(len(self))).astype(np.int64)

    def top(self, n: int) -> list:
        """The first ``n`` keys of :meth:`ranking` (the most frequent; a random sample of documents)."""
        if n < 1:
            raise InputError(f"Choose at least one {self.nouns[0]}.")
        return [self.words[i] for i in self.ranking()[:n]]
