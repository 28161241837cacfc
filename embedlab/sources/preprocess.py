"""Tokenisation and normalisation of raw documents.

The options are the usual ones for training word vectors; defaults keep
stop-words (Word2Vec learns from them) and drop punctuation and numbers.
Phrase detection uses gensim's :class:`~gensim.models.phrases.Phrases`
(Mikolov et al. 2013, "Distributed Representations of Words and Phrases").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

from embedlab.errors import InputError

#: gensim's MAX_WORDS_IN_BATCH: longer lines would be silently truncated in training.
MAX_LINE_TOKENS = 10_000

_WORD = re.compile(r"\w+(?:['’\-]\w+)*")
_WORD_OR_PUNCT = re.compile(r"\w+(?:['’\-]\w+)*|[^\w\s]")


@dataclass
class PreprocessConfig:
    """How raw text becomes tokens.

    Attributes
    ----------
    lowercase : bool
        Lower-case every token.
    strip_accents : bool
        Remove diacritics (``café`` → ``cafe``), by Unicode NFKD decomposition.
    drop_punctuation : bool
        Keep only word tokens; otherwise punctuation marks are tokens too.
    drop_numbers : bool
        Drop tokens without a single letter (``1990``, ``3.5``).
    min_token_len : int
        Shortest token kept, in characters.
    remove_stopwords : bool
        Drop English stop-words (gensim's list).
    phrases : bool
        Join frequent collocations (``new york`` → ``new_york``) with gensim ``Phrases``.
    phrase_min_count : int
        ``min_count`` for ``Phrases``.
    phrase_threshold : float
        ``threshold`` for ``Phrases`` (higher: fewer phrases).
    """

    lowercase: bool = True
    strip_accents: bool = True
    drop_punctuation: bool = True
    drop_numbers: bool = True
    min_token_len: int = 1
    remove_stopwords: bool = False
    phrases: bool = False
    phrase_min_count: int = 5
    phrase_threshold: float = 10.0

    def __post_init__(self):
        if not 1 <= int(self.min_token_len) <= 50:
            raise InputError("The minimum token length must be between 1 and 50 characters.")
        if self.phrases and (self.phrase_min_count < 1 or self.phrase_threshold <= 0):
            raise InputError("Phrase detection needs min_count ≥ 1 and a threshold above 0.")

    def to_dict(self) -> dict:
        return asdict(self)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokenize(text: str, cfg: PreprocessConfig) -> list[str]:
    """Split one document into tokens according to ``cfg``.

    Returns
    -------
    list of str
        Tokens in order; never contain whitespace.
    """
    if cfg.lowercase:
        text = text.lower()
    if cfg.strip_accents:
        text = _strip_accents(text)
    tokens = (_WORD if cfg.drop_punctuation else _WORD_OR_PUNCT).findall(text)
    if cfg.drop_numbers:
        tokens = [t for t in tokens if any(c.isalpha() for c in t)]
    if cfg.min_token_len > 1:
        tokens = [t for t in tokens if len(t) >= cfg.min_token_len]
    if cfg.remove_stopwords:
        from gensim.parsing.preprocessing import STOPWORDS

        tokens = [t for t in tokens if t.lower() not in STOPWORDS]
    return tokens


def split_long(tokens: list[str], limit: int = MAX_LINE_TOKENS) -> list[list[str]]:
    """Cut a token list into pieces of at most ``limit`` tokens."""
    return [tokens[i:i + limit] for i in range(0, len(tokens), limit)] or []
