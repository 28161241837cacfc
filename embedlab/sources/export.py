"""Write a space in interchange formats, as bytes for a download button.

- word2vec text and binary (the formats of Mikolov et al.'s word2vec tool, read
  by gensim's ``KeyedVectors.load_word2vec_format`` and by
  :func:`embedlab.sources.vectors.read_vectors`);
- the TensorFlow Embedding Projector's ``vectors.tsv`` + ``metadata.tsv``
  (https://projector.tensorflow.org, "Load"): one tab-separated vector per
  line, and one metadata row per vector with a header row, since it always
  has more than one column (the key plus the space's ``meta`` columns such as
  ``label``, ``count``, ``genres``).

Keys are written as they are, except that whitespace inside a key (which would
break the word2vec formats) becomes ``_``, and tabs/newlines in projector
metadata become spaces.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Optional

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.space import Space

#: Export format key -> (what the user sees, file name suffix, MIME type).
EXPORTS = {
    "word2vec-text": ("word2vec text (.txt)", ".txt", "text/plain"),
    "word2vec-binary": ("word2vec binary (.bin)", ".bin", "application/octet-stream"),
    "projector-vectors": ("Embedding Projector vectors.tsv", "vectors.tsv", "text/tab-separated-values"),
    "projector-metadata": ("Embedding Projector metadata.tsv", "metadata.tsv", "text/tab-separated-values"),
    "projector-zip": ("Embedding Projector vectors.tsv + metadata.tsv (.zip)", ".zip", "application/zip"),
}

_WS = re.compile(r"\s+")


def _rows(space: Space, max_words: Optional[int]) -> int:
    if max_words is None:
        return len(space)
    if int(max_words) < 1:
        raise InputError("Export at least one word.")
    return min(int(max_words), len(space))


def _keys(space: Space, n: int) -> list:
    keys = [_WS.sub("_", str(w).strip()) or "_" for w in space.words[:n]]
    if len(set(keys)) != len(keys):
        raise InputError("Two keys become the same once their spaces are replaced by '_'; "
                         "the word2vec formats cannot hold them. Use the Embedding Projector export instead.")
    return keys


def _format_rows(vectors: np.ndarray, sep: str) -> list:
    # %.9g keeps every float32 exact on the way back in
    fmt = sep.join(["%.9g"] * vectors.shape[1])
    return [fmt % tuple(row) for row in vectors.tolist()]


def word2vec_text(space: Space, max_words: Optional[int] = None) -> bytes:
    """The space as word2vec text: a header ``n dim`` and ``word v1 ... v_dim`` per line.

    Parameters
    ----------
    space : Space
    max_words : int, optional
        Write only the first (most frequent) ``max_words`` keys.

    Returns
    -------
    bytes
        UTF-8 text.
    """
    n = _rows(space, max_words)
    keys = _keys(space, n)
    body = _format_rows(np.asarray(space.vectors[:n], dtype=np.float32), " ")
    out = [f"{n} {space.dim}"] + [f"{k} {row}" for k, row in zip(keys, body)]
    return ("\n".join(out) + "\n").encode("utf-8")


def word2vec_binary(space: Space, max_words: Optional[int] = None) -> bytes:
    """The space as word2vec binary: the header line, then ``word``, a space and
    ``dim`` little-endian float32 values, and a newline, per key (as the word2vec tool writes it)."""
    n = _rows(space, max_words)
    keys = _keys(space, n)
    vectors = np.ascontiguousarray(space.vectors[:n], dtype="<f4")
    out = io.BytesIO()
    out.write(f"{n} {space.dim}\n".encode("ascii"))
    for key, row in zip(keys, vectors):
        out.write(key.encode("utf-8") + b" " + row.tobytes() + b"\n")
    return out.getvalue()


def projector_vectors(space: Space, max_words: Optional[int] = None) -> bytes:
    """``vectors.tsv``: one tab-separated vector per line, no header, no keys."""
    n = _rows(space, max_words)
    return ("\n".join(_format_rows(np.asarray(space.vectors[:n], dtype=np.float32), "\t")) + "\n").encode("utf-8")


def projector_metadata(space: Space, max_words: Optional[int] = None) -> bytes:
    """``metadata.tsv``: a header row (``word`` and the space's meta columns), then one row per vector."""
    n = _rows(space, max_words)
    meta = space.meta.iloc[:n]
    columns = ["word"] + [str(c) for c in meta.columns]

    def clean(value) -> str:
        if isinstance(value, (list, tuple, np.ndarray)):
            value = "|".join(map(str, value))
        elif pd.isna(value):
            return ""
        return re.sub(r"[\t\r\n]+", " ", str(value))

    lines = ["\t".join(clean(c) for c in columns)]
    values = [meta[c].tolist() for c in meta.columns]
    for i, key in enumerate(space.words[:n]):
        lines.append("\t".join([clean(key)] + [clean(col[i]) for col in values]))
    return ("\n".join(lines) + "\n").encode("utf-8")


def projector_zip(space: Space, max_words: Optional[int] = None) -> bytes:
    """A zip holding ``vectors.tsv`` and ``metadata.tsv`` (readable by :func:`read_vectors`)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("vectors.tsv", projector_vectors(space, max_words))
        archive.writestr("metadata.tsv", projector_metadata(space, max_words))
    return out.getvalue()


def check(space: Space, fmt: str, max_words: Optional[int] = None) -> None:
    """Raise the InputError :func:`export` would raise, without writing anything (cheap)."""
    if fmt not in _WRITERS:
        raise InputError(f"Unknown export format '{fmt}'. Choose one of: {', '.join(EXPORTS)}.")
    n = _rows(space, max_words)
    if fmt.startswith("word2vec"):
        _keys(space, n)


_WRITERS = {
    "word2vec-text": word2vec_text, "word2vec-binary": word2vec_binary, "projector-vectors": projector_vectors,
    "projector-metadata": projector_metadata, "projector-zip": projector_zip,
}


def export(space: Space, fmt: str, max_words: Optional[int] = None) -> tuple[bytes, str, str]:
    """The space in format ``fmt`` (a key of :data:`EXPORTS`).

    Returns
    -------
    (bytes, file name, MIME type)

    Raises
    ------
    InputError
        Unknown format, ``max_words`` below 1, keys that collide once made word2vec-safe.
    """
    check(space, fmt, max_words)
    return _WRITERS[fmt](space, max_words), export_file_name(space, fmt), EXPORTS[fmt][2]


def export_file_name(space: Space, fmt: str) -> str:
    """The download's file name: the model name (made file-safe) plus the format's suffix."""
    suffix = EXPORTS[fmt][1]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", space.name).strip("_") or "model"
    return suffix if not suffix.startswith(".") else stem + suffix
