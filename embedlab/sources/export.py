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

Every writer takes ``name_by``: ``"key"`` (the default: stable ids, what
embedlab reads back) or ``"label"`` (each item's display label, e.g. a movie
title, for tools that show the name of each vector; refused when two items
share a label). The projector metadata always carries both: the key first and
the ``label`` column, or with ``name_by="label"`` the label first and the key in
an ``id`` column.
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


NAME_BY = ("key", "label")


def _names(space: Space, n: int, name_by: str = "key") -> list:
    """What each of the first ``n`` vectors is called: its key, or its display label (which must be distinct)."""
    if name_by not in NAME_BY:
        raise InputError(f"Name the vectors by 'key' or 'label', not {name_by!r}.")
    if name_by == "key":
        return list(space.words[:n])
    names = list(space.labels[:n])
    seen = {}
    for key, name in zip(space.words[:n], names):
        if name in seen:
            raise InputError(f"Two {space.nouns[1]} share the {space.label_nouns[0]} '{name}' (ids {seen[name]} and "
                             f"{key}), so the {space.label_nouns[1]} cannot name the vectors. Name them by id "
                             "instead (the projector metadata still shows the titles).")
        seen[name] = key
    return names


def _keys(space: Space, n: int, name_by: str = "key") -> list:
    keys = [_WS.sub("_", str(w).strip()) or "_" for w in _names(space, n, name_by)]
    if len(set(keys)) != len(keys):
        raise InputError("Two keys become the same once their spaces are replaced by '_'; "
                         "the word2vec formats cannot hold them. Use the Embedding Projector export instead.")
    return keys


def _format_rows(vectors: np.ndarray, sep: str) -> list:
    # %.9g keeps every float32 exact on the way back in
    fmt = sep.join(["%.9g"] * vectors.shape[1])
    return [fmt % tuple(row) for row in vectors.tolist()]


def word2vec_text(space: Space, max_words: Optional[int] = None, name_by: str = "key") -> bytes:
    """The space as word2vec text: a header ``n dim`` and ``word v1 ... v_dim`` per line.

    Parameters
    ----------
    space : Space
    max_words : int, optional
        Write only the first (most frequent) ``max_words`` keys.
    name_by : {"key", "label"}
        Name each vector by its key or its display label (spaces become ``_``).

    Returns
    -------
    bytes
        UTF-8 text.
    """
    n = _rows(space, max_words)
    keys = _keys(space, n, name_by)
    body = _format_rows(np.asarray(space.vectors[:n], dtype=np.float32), " ")
    out = [f"{n} {space.dim}"] + [f"{k} {row}" for k, row in zip(keys, body)]
    return ("\n".join(out) + "\n").encode("utf-8")


def word2vec_binary(space: Space, max_words: Optional[int] = None, name_by: str = "key") -> bytes:
    """The space as word2vec binary: the header line, then ``word``, a space and
    ``dim`` little-endian float32 values, and a newline, per key (as the word2vec tool writes it)."""
    n = _rows(space, max_words)
    keys = _keys(space, n, name_by)
    vectors = np.ascontiguousarray(space.vectors[:n], dtype="<f4")
    out = io.BytesIO()
    out.write(f"{n} {space.dim}\n".encode("ascii"))
    for key, row in zip(keys, vectors):
        out.write(key.encode("utf-8") + b" " + row.tobytes() + b"\n")
    return out.getvalue()


def projector_vectors(space: Space, max_words: Optional[int] = None, name_by: str = "key") -> bytes:
    """``vectors.tsv``: one tab-separated vector per line, no header, no keys."""
    n = _rows(space, max_words)
    return ("\n".join(_format_rows(np.asarray(space.vectors[:n], dtype=np.float32), "\t")) + "\n").encode("utf-8")


def projector_metadata(space: Space, max_words: Optional[int] = None, name_by: str = "key") -> bytes:
    """``metadata.tsv``: a header row, then one row per vector.

    Columns: the key (headed ``word``) and the space's meta columns; with
    ``name_by="label"`` the display label comes first (headed by what a label
    is called, e.g. ``title``) and the key follows as ``id``.
    """
    n = _rows(space, max_words)
    meta = space.meta.iloc[:n]
    keys = list(space.words[:n])
    if name_by == "label":
        names = _names(space, n, "label")
        meta = meta.drop(columns=["label"], errors="ignore")
        first = [(space.label_nouns[0], names), ("id", keys)]
    else:
        _names(space, n, name_by)  # checks name_by
        first = [("word", keys)]
    columns = [name for name, _ in first] + [str(c) for c in meta.columns]

    def clean(value) -> str:
        if isinstance(value, (list, tuple, np.ndarray)):
            value = "|".join(map(str, value))
        elif pd.isna(value):
            return ""
        return re.sub(r"[\t\r\n]+", " ", str(value))

    lines = ["\t".join(clean(c) for c in columns)]
    values = [col for _, col in first] + [meta[c].tolist() for c in meta.columns]
    for i in range(n):
        lines.append("\t".join(clean(col[i]) for col in values))
    return ("\n".join(lines) + "\n").encode("utf-8")


def projector_zip(space: Space, max_words: Optional[int] = None, name_by: str = "key") -> bytes:
    """A zip holding ``vectors.tsv`` and ``metadata.tsv`` (readable by :func:`read_vectors`)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("vectors.tsv", projector_vectors(space, max_words))
        archive.writestr("metadata.tsv", projector_metadata(space, max_words, name_by))
    return out.getvalue()


def check(space: Space, fmt: str, max_words: Optional[int] = None, name_by: str = "key") -> None:
    """Raise the InputError :func:`export` would raise, without writing anything (cheap)."""
    if fmt not in _WRITERS:
        raise InputError(f"Unknown export format '{fmt}'. Choose one of: {', '.join(EXPORTS)}.")
    n = _rows(space, max_words)
    if fmt.startswith("word2vec"):
        _keys(space, n, name_by)
    elif fmt != "projector-vectors":
        _names(space, n, name_by)


_WRITERS = {
    "word2vec-text": word2vec_text, "word2vec-binary": word2vec_binary, "projector-vectors": projector_vectors,
    "projector-metadata": projector_metadata, "projector-zip": projector_zip,
}


def export(space: Space, fmt: str, max_words: Optional[int] = None, name_by: str = "key") -> tuple[bytes, str, str]:
    """The space in format ``fmt`` (a key of :data:`EXPORTS`).

    Parameters
    ----------
    space : Space
    fmt : str
    max_words : int, optional
        Only the first (most frequent) keys.
    name_by : {"key", "label"}
        Name each vector by its key (id) or its display label (title).

    Returns
    -------
    (bytes, file name, MIME type)

    Raises
    ------
    InputError
        Unknown format, ``max_words`` below 1, keys that collide once made word2vec-safe, labels shared by
        two items when naming by label.
    """
    check(space, fmt, max_words, name_by)
    return _WRITERS[fmt](space, max_words, name_by), export_file_name(space, fmt), EXPORTS[fmt][2]


def export_file_name(space: Space, fmt: str) -> str:
    """The download's file name: the model name (made file-safe) plus the format's suffix."""
    suffix = EXPORTS[fmt][1]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", space.name).strip("_") or "model"
    return suffix if not suffix.startswith(".") else stem + suffix
