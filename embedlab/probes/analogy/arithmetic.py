"""Vector arithmetic on words: ``king - man + woman``, ``0.5*paris + italy - france``.

The expression is tokenised and parsed by hand (no ``eval``): words, ``+``,
``-`` (also the unicode minus ``−`` and en dash ``–``), and an optional scalar
weight before a word (``2 king``, ``2*king``, ``0.5 * paris``). A term in double
quotes is taken whole, so labels with spaces, signs or brackets work:
``"Star Wars (1977)" - "Return of the Jedi (1983)" + "Toy Story (1995)"``.
Brackets outside quotes are refused with a message saying so (grouping is not
supported), rather than read as part of a word. Each word contributes its
weight times its unit vector; the result's nearest neighbours are found by
cosine similarity (as gensim's ``most_similar`` does with weighted
positive/negative keys).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.probes.analogy.solver import MAX_K, word_vectors
from embedlab.probes.neighbours import neighbour_table, similarities, top_k
from embedlab.probes.subwords import subword_note
from embedlab.space import Space

MAX_LENGTH = 500
MAX_TERMS = 50
#: Largest weight of a term. Cosines ignore scale, so only ratios of weights matter; larger ones would
#: overflow float32 (the vectors' type) once multiplied and summed, and give NaN cosines.
MAX_WEIGHT = 1e6
_MINUS = "-−–"
_OPS = r"+*\-−–"  # escaped for a character class
_BRACKETS = r"()\[\]{}"
_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r'|(?P<quoted>"[^"]*"|“[^”]*”)'
    r"|(?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(?![^\s" + _OPS + r"])"
    r"|(?P<op>[" + _OPS + r"])"
    r"|(?P<bracket>[" + _BRACKETS + r"])"
    r'|(?P<unclosed>["“])'
    r"|(?P<word>[^\s" + _OPS + _BRACKETS + r'"“]+)'
)


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "op", "word" (a quoted term is a word without its quotes)
    text: str
    position: int  # 0-based character offset in the expression


def _error(expression: str, position: int, message: str) -> InputError:
    caret = " " * position + "^"
    return InputError(f"{message} (at character {position + 1}):\n\n    {expression}\n    {caret}")


def tokenize(expression: str) -> list:
    """Split an expression into number, operator and word tokens.

    Raises
    ------
    InputError
        Empty or over-long input; a bracket outside double quotes; an unclosed quote.
    """
    if expression is None or not str(expression).strip():
        raise InputError("Type an expression such as `king - man + woman`.")
    expression = str(expression)
    if len(expression) > MAX_LENGTH:
        raise InputError(f"The expression is {len(expression)} characters long; keep it under {MAX_LENGTH}.")
    tokens = []
    for m in _TOKEN.finditer(expression):
        kind = m.lastgroup
        if kind == "space":
            continue
        text = m.group()
        if kind == "bracket":
            raise _error(expression, m.start(), f"Brackets such as '{text}' are not supported: write the terms "
                                                "one after another, like king - man + woman; to use a word or "
                                                "title that contains brackets, put it in double quotes")
        if kind == "unclosed":
            raise _error(expression, m.start(), "This double quote is never closed; close it after the word "
                                                "or title")
        if kind == "quoted":
            kind, text = "word", text[1:-1].strip()
            if not text:
                raise _error(expression, m.start(), "Empty quotes: put a word or title between them")
        if kind == "op" and text in _MINUS:
            text = "-"
        tokens.append(Token(kind, text, m.start()))
    return tokens


def parse_expression(expression: str) -> list:
    """Parse ``[sign] [weight [*]] word (sign [weight [*]] word)*`` into weighted words.

    Parameters
    ----------
    expression : str
        For example ``king - man + woman``, ``0.5*paris + italy - france``,
        ``2 king``, ``-man + woman``.

    Returns
    -------
    list of (float, str)
        (weight, word) in order; ``-`` negates the weight.

    Raises
    ------
    InputError
        Malformed input, or a weight outside 1e-6 .. 1e6 in size (other than
        0); the message points at the offending character.
    """
    tokens = tokenize(expression)
    expression = str(expression)
    terms, i, n = [], 0, len(tokens)
    while i < n:
        sign = 1.0
        if terms or tokens[i].kind == "op":
            tok = tokens[i]
            if tok.kind != "op" or tok.text == "*":
                if terms:
                    raise _error(expression, tok.position, f"Expected + or - before '{tok.text}'")
                raise _error(expression, tok.position, "An expression cannot start with '*'")
            sign = -1.0 if tok.text == "-" else 1.0
            i += 1
            if i == n:
                raise _error(expression, len(expression.rstrip()), f"Expected a word after '{tok.text}'")
        weight = 1.0
        tok = tokens[i]
        if tok.kind == "number":
            try:
                weight = float(tok.text)
            except ValueError:  # pragma: no cover - the regex only admits floats
                raise _error(expression, tok.position, f"'{tok.text}' is not a number") from None
            if not np.isfinite(weight) or abs(weight) > MAX_WEIGHT:
                raise _error(expression, tok.position, f"'{tok.text}' is too large a weight (at most "
                                                       f"{MAX_WEIGHT:g}; only the ratios of weights matter)")
            if weight != 0 and abs(weight) < 1 / MAX_WEIGHT:
                raise _error(expression, tok.position, f"'{tok.text}' is too small a weight (at least "
                                                       f"{1 / MAX_WEIGHT:g}, or 0)")
            i += 1
            if i < n and tokens[i].kind == "op" and tokens[i].text == "*":
                i += 1
            if i == n:
                raise _error(expression, len(expression.rstrip()), f"Expected a word after the weight {tok.text}")
            tok = tokens[i]
        if tok.kind != "word":
            raise _error(expression, tok.position, f"Expected a word, found '{tok.text}'")
        terms.append((sign * weight, tok.text))
        i += 1
        if len(terms) > MAX_TERMS:
            raise InputError(f"Use at most {MAX_TERMS} words in one expression.")
    if not terms:
        raise InputError("Type an expression such as `king - man + woman`.")
    return terms


@dataclass
class ArithmeticResult:
    """The result of a vector expression.

    Attributes
    ----------
    terms : pandas.DataFrame
        ``weight``, ``word`` (the key), ``label`` (a labelled space only), ``from subwords`` per term.
    vector : ndarray of shape (dim,)
        Σ weight · unit(word).
    neighbours : pandas.DataFrame
        ``word``, ``label`` (a labelled space only), ``cosine``, ``frequency rank``, ``input word``; best first.
    notes : list of str
        Which words were built from subwords (FastText).
    """

    terms: pd.DataFrame
    vector: np.ndarray
    neighbours: pd.DataFrame
    notes: list = field(default_factory=list)


def evaluate_expression(space: Space, expression: str, k: int = 10, exclude_inputs: bool = True,
                        vector_only: bool = False) -> ArithmeticResult:
    """Compute Σ weight · unit(word) for an expression and its nearest neighbours.

    Parameters
    ----------
    space : Space
    expression : str
        See :func:`parse_expression`. Terms are keys or, in a labelled space,
        labels (quote a title that has spaces: ``"Toy Story (1995)"``).
    k : int
        Neighbours, 1 to 1000.
    exclude_inputs : bool
        Leave the expression's own words out of the neighbours (gensim always does).

    Returns
    -------
    ArithmeticResult

    Raises
    ------
    InputError
        Malformed expression, ``k`` out of range, or the terms cancel out to
        the zero vector. UnknownWordError for an unknown word.
    """
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= MAX_K:
        raise InputError(f"Ask for between 1 and {MAX_K} neighbours; got {k!r}.")
    terms = parse_expression(expression)
    words = [space.resolve(w, oov_ok=True) for _, w in terms]
    weights = np.array([wt for wt, _ in terms], dtype=np.float32)
    vector = (weights[:, None] * word_vectors(space, words)).sum(axis=0)
    if not np.all(np.isfinite(vector)):  # weights are bounded, but a space may hold huge vectors
        raise InputError("The expression overflows: its vector is too large to compare by cosine. Use smaller "
                         "weights.")
    if not np.linalg.norm(vector) > 1e-6:
        raise InputError("The words cancel out: the expression is the zero vector, which has no neighbours.")
    table_terms = pd.DataFrame({"weight": weights.astype(np.float64), "word": words,
                                "from subwords": [space.is_from_subwords(w) for w in words]})
    if space.has_labels:
        table_terms.insert(2, "label", space.labels_of(words))
    scores = similarities(space, vector)
    inputs = {space.kv.key_to_index[w] for w in words if w in space}
    best = top_k(scores, k, sorted(inputs) if exclude_inputs else [])
    table = neighbour_table(space, best, scores[best])
    table["input word"] = [int(i) in inputs for i in best]
    notes = [n for n in (subword_note(space, w) for w in dict.fromkeys(words)) if n]
    return ArithmeticResult(table_terms, vector, table, notes)
