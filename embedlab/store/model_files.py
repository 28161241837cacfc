"""The on-disk format of a model: ``vectors.npy``, ``meta.parquet``, ``info.json`` (never pickle)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd
from gensim.models import KeyedVectors
from gensim.models.fasttext import FastTextKeyedVectors

from embedlab.errors import InputError
from embedlab.space import Space

MODEL_FILES = ("vectors.npy", "meta.parquet", "info.json")
#: Sub-folder of a model's folder that holds its :attr:`Space.attachments`.
ATTACHMENTS = "attachments"


def attachment_path(folder, name: str) -> Path:
    """Where attachment ``name`` (a relative path such as ``inference/vocab.npy``) lives in a model folder.

    Raises
    ------
    InputError
        ``name`` is empty, absolute or climbs out of the folder.
    """
    parts = Path(str(name)).parts
    if not parts or Path(str(name)).is_absolute() or any(p in ("..", "") for p in parts):
        raise InputError(f"{name!r} is not a relative file name inside a model's folder.")
    return Path(folder) / ATTACHMENTS / Path(*parts)


def write_attachments(attachments: dict, folder) -> None:
    """Write a space's attachments into ``folder/attachments/`` (never pickle).

    ndarrays go to ``.npy`` (``allow_pickle=False``; object arrays are refused),
    dicts and lists to JSON, str to UTF-8 text, bytes as they are.

    Raises
    ------
    InputError
        A bad name, an object array, or a value of another type.
    """
    for name, value in attachments.items():
        path = attachment_path(folder, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject:
                raise InputError(f"Attachment {name!r} is an object array; store numbers or strings as JSON.")
            with open(path, "wb") as fh:  # a file object: np.save would add .npy to a name without it
                np.save(fh, value, allow_pickle=False)
        elif isinstance(value, (dict, list)):
            path.write_text(json.dumps(value, default=_json_default), encoding="utf-8")
        elif isinstance(value, str):
            path.write_text(value, encoding="utf-8")
        elif isinstance(value, (bytes, bytearray)):
            path.write_bytes(bytes(value))
        else:
            raise InputError(f"Attachment {name!r} is a {type(value).__name__}; use an array, a dict, a str or bytes.")


def attachments_nbytes(attachments: dict) -> int:
    """About how many bytes :func:`write_attachments` will write (arrays exactly; JSON and text estimated)."""
    total = 0
    for value in (attachments or {}).values():
        if isinstance(value, np.ndarray):
            total += int(value.nbytes) + 128
        elif isinstance(value, (bytes, bytearray, str)):
            total += len(value)
        else:
            total += len(json.dumps(value, default=_json_default))
    return total


def write_space(space: Space, folder, info: Optional[dict] = None) -> None:
    """Write a space's files into ``folder`` (no pickle anywhere).

    ``info`` replaces ``space.info`` in the written ``info.json`` when given.

    Files: ``vectors.npy`` (float32, shape (n_words, dim)), ``meta.parquet``
    (a ``word`` column plus the metadata), ``info.json``; FastText spaces add
    ``vectors_vocab.npy`` and ``ngrams.npy`` and their n-gram settings in ``info``;
    :attr:`Space.attachments` go under ``attachments/`` (:func:`write_attachments`).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    info = dict(space.info if info is None else info)
    kv = space.kv
    if isinstance(kv, FastTextKeyedVectors):
        np.save(folder / "vectors_vocab.npy", np.asarray(kv.vectors_vocab, dtype=np.float32), allow_pickle=False)
        np.save(folder / "ngrams.npy", np.asarray(kv.vectors_ngrams, dtype=np.float32), allow_pickle=False)
        info["fasttext"] = {"min_n": int(kv.min_n), "max_n": int(kv.max_n), "bucket": int(kv.bucket)}
    np.save(folder / "vectors.npy", np.asarray(kv.vectors, dtype=np.float32), allow_pickle=False)
    meta = space.meta.reset_index()
    meta = meta.rename(columns={meta.columns[0]: "word"})
    meta["word"] = meta["word"].astype(str)
    meta.to_parquet(folder / "meta.parquet", index=False)
    (folder / "info.json").write_text(json.dumps(info, indent=1, default=_json_default), encoding="utf-8")
    write_attachments(getattr(space, "attachments", {}) or {}, folder)


def model_files_problem(folder) -> Optional[str]:
    """What is wrong with a model folder, or None when it looks loadable.

    Cheap (reads headers only, never the vectors): every file present, each
    ``.npy`` header readable and the file as long as its header says, the
    Parquet file framed by its ``PAR1`` magic, ``info.json`` valid JSON.
    Catches truncated, missing and overwritten files, not every bit flip;
    :meth:`Workspace.load_space` still checks the rest.
    """
    folder = Path(folder)
    for name in MODEL_FILES:
        if not (folder / name).is_file():
            return f"{name} is missing"
    names = ["vectors.npy"] + [n for n in ("vectors_vocab.npy", "ngrams.npy") if (folder / n).is_file()]
    for name in names:
        path = folder / name
        try:
            with open(path, "rb") as fh:
                version = np.lib.format.read_magic(fh)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, fortran, dtype = read_header(fh)
                expected = fh.tell() + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            if dtype.hasobject or path.stat().st_size != expected:
                return f"{name} is truncated or not a plain array"
        except (OSError, ValueError, TypeError, SyntaxError) as exc:
            return f"{name} is unreadable ({exc})"
    try:
        with open(folder / "meta.parquet", "rb") as fh:
            head = fh.read(4)
            fh.seek(-4, os.SEEK_END)
            tail = fh.read(4)
        if head != b"PAR1" or tail != b"PAR1":
            return "meta.parquet is not a complete Parquet file"
        json.loads((folder / "info.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"a file is unreadable ({exc})"
    return None


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def read_space(folder) -> Space:
    """Read a space written by :func:`write_space`.

    Raises
    ------
    InputError
        Files disagree with each other (rows, dimensions).
    OSError, ValueError
        Files missing or unreadable.
    """
    folder = Path(folder)
    info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
    vectors = np.load(folder / "vectors.npy", allow_pickle=False)
    meta = pd.read_parquet(folder / "meta.parquet")
    if vectors.ndim != 2 or len(meta) != vectors.shape[0]:
        raise InputError(f"vectors.npy has shape {vectors.shape} but meta.parquet has {len(meta)} rows")
    words = meta["word"].astype(str).tolist()
    meta = meta.drop(columns=["word"])
    if "fasttext" in info:
        ft = info["fasttext"]
        kv = FastTextKeyedVectors(vectors.shape[1], ft["min_n"], ft["max_n"], ft["bucket"], count=0,
                                  dtype=np.float32)
        kv.index_to_key = words
        kv.key_to_index = {w: i for i, w in enumerate(words)}
        kv.vectors = vectors
        kv.vectors_vocab = np.load(folder / "vectors_vocab.npy", allow_pickle=False)
        kv.vectors_ngrams = np.load(folder / "ngrams.npy", allow_pickle=False)
        kv.recalc_char_ngram_buckets()
    else:
        kv = KeyedVectors(vectors.shape[1], count=0, dtype=np.float32)
        kv.index_to_key = words
        kv.key_to_index = {w: i for i, w in enumerate(words)}
        kv.vectors = vectors
    if len(kv.key_to_index) != len(words):
        raise InputError("the model lists the same word twice")
    return Space(kv, meta=meta, info=info)
