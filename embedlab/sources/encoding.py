"""Guess the encoding of text that is not UTF-8: Western European first, unless the bytes say otherwise.

charset-normalizer judges short texts by how "chaotic" each decoding looks,
and a few accented letters in mostly-English text look equally tidy in
cp1250 (Central European) as in latin-1, so it often answers cp1250:
MovieLens 100k's ``u.item`` (latin-1) then reads "C'est arrivé près de chez
vous" as "prčs". Most non-UTF-8 files a class meets are Western European
(latin-1, or Windows' cp1252, its superset with curly quotes and dashes in
bytes 0x80-0x9F), so the rule here is:

1. decode as cp1252; when that works and the result **looks Western** —
   nearly every non-ASCII character is a letter or common punctuation (é, ß,
   ’, «, £, °, ...) and the non-ASCII letters come one or two at a time
   inside words of ASCII letters ("arrivé", "Grüße") — the text is latin-1
   (no bytes 0x80-0x9F) or cp1252 (some);
2. otherwise the bytes are strong evidence of another encoding: words made
   entirely of non-ASCII letters (Cyrillic or Greek read as cp1252:
   "Ïðèâåò"), bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D:
   Czech ť, ...), symbols where letters should be (Polish ł read as "³").
   charset-normalizer's guess is used then.
"""

from __future__ import annotations

from typing import Optional

#: Bytes that cp1252 does not define (latin-1 has C1 control characters there, which text never holds).
_UNDEFINED_CP1252 = frozenset(b"\x81\x8d\x8f\x90\x9d")
#: Non-letters that Western European text does contain.
_WESTERN_PUNCTUATION = frozenset("\u00a0’‘“”‚„–—…•€£¥¢©®™°±«»‹›·¿¡§¶×÷²³¹½¼¾µªº†‡‰ˆ˜¨´¸¯¦¬")
SAMPLE_BYTES = 1 << 20


def looks_western(text: str) -> bool:
    """True when a text decoded as cp1252 reads like a Western European language.

    Nearly all (95 %) of its non-ASCII characters are letters or common
    punctuation, and at least 80 % of its runs of non-ASCII letters are at
    most two long and touch an ASCII letter ("arrivé", "Grüße", not
    "Ïðèâåò"). Text without non-ASCII characters is Western.
    """
    non_ascii = [ch for ch in text if ord(ch) > 127]
    if not non_ascii:
        return True
    fitting = sum(1 for ch in non_ascii if ch.isalpha() or ch in _WESTERN_PUNCTUATION)
    if fitting < 0.95 * len(non_ascii):
        return False
    runs = in_words = 0
    i, n = 0, len(text)
    while i < n:
        if ord(text[i]) > 127 and text[i].isalpha():
            j = i
            while j < n and ord(text[j]) > 127 and text[j].isalpha():
                j += 1
            runs += 1
            left = i > 0 and text[i - 1].isascii() and text[i - 1].isalpha()
            right = j < n and text[j].isascii() and text[j].isalpha()
            if j - i <= 2 and (left or right):
                in_words += 1
            i = j
        else:
            i += 1
    return runs == 0 or in_words >= 0.8 * runs


def guess_encoding(data: bytes) -> tuple[str, str]:
    """The encoding of bytes that are not UTF-8, and why it was chosen.

    Parameters
    ----------
    data : bytes
        The file (only the first :data:`SAMPLE_BYTES` are looked at).

    Returns
    -------
    (str, str)
        A Python codec name (``latin-1``, ``cp1252``, or charset-normalizer's
        guess such as ``cp1251``) and a short reason for the user.
    """
    sample = data[:SAMPLE_BYTES]
    if not _UNDEFINED_CP1252.intersection(sample):
        text = sample.decode("cp1252", errors="replace")
        if looks_western(text):
            if any(0x80 <= b <= 0x9F for b in sample):
                return "cp1252", "Western European (Windows)"
            return "latin-1", "Western European"
    guess = _charset_normalizer_guess(sample)
    if guess is not None:
        return guess, "detected"
    return "cp1252", "Western European (a guess)"


def _charset_normalizer_guess(sample: bytes) -> Optional[str]:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - charset_normalizer is a requirement
        return None
    best = from_bytes(sample).best()
    return None if best is None else best.encoding
