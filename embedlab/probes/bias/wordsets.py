"""Word lists as users type them: words, and pairs of words (one pair per line)."""

from __future__ import annotations

import re
from typing import Iterable

from embedlab.errors import InputError


def parse_words(text: str) -> list:
    """Words from free text: split on commas, whitespace and new lines; lower-cased; repeats dropped.

    Parameters
    ----------
    text : str

    Returns
    -------
    list of str
    """
    seen, out = set(), []
    for w in re.split(r"[,\s;]+", text or ""):
        w = w.strip().lower()
        if w and w not in seen:
            seen.add(w)
            out.append(w)
    return out


def parse_pairs(text: str) -> list:
    """Word pairs, one per line, written ``she - he``, ``she, he`` or ``she he``.

    Returns
    -------
    list of (str, str)

    Raises
    ------
    InputError
        A line does not hold exactly two words.
    """
    pairs = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words = split_pair(line.lower())
        if len(words) != 2:
            raise InputError(f"Line {n} ('{line}') should hold two words, like 'she - he'. Write one pair per line.")
        pairs.append((words[0], words[1]))
    return pairs


def split_pair(text: str) -> list:
    # Most explicit separator first, so hyphenated words survive "short-term - long-term".
    parts = [text.strip()]
    for sep in (r"\s+[-–−]\s+", r"\s*[,;/]\s*", r"\s+", r"[-–−]"):
        parts = [p for p in re.split(sep, text.strip()) if p]
        if len(parts) >= 2:
            break
    return parts


def format_pairs(pairs: Iterable) -> str:
    """The inverse of :func:`parse_pairs`: one ``a - b`` per line."""
    return "\n".join(f"{a} - {b}" for a, b in pairs)


# -- directions ----------------------------------------------------------------------------------
