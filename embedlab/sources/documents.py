"""Read raw documents from an upload, a path or a shipped sample.

A document is one string: a line of a ``.txt`` file, a cell of the chosen text
column of a ``.csv``/``.tsv``, or a whole ``.txt`` file inside a ``.zip``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pandas as pd

from embedlab.errors import InputError
from embedlab.sources.uploads import decode, unpack

TEXT_SUFFIXES = (".txt", ".cor", ".text")
TABLE_SUFFIXES = (".csv", ".tsv", ".tab")
_HEAD_BYTES = 1 << 16


@dataclass
class RawDocuments:
    """Documents read from one source, before any preprocessing.

    Attributes
    ----------
    name : str
        Where they came from (file or sample name).
    documents : list of str
        One string per document, in source order; blank ones removed.
    encoding : str
        Codec used to decode the source.
    notes : list of str
        Things the user should see (guessed encoding, skipped empty rows, ...).
    """

    name: str
    documents: list
    encoding: str = "utf-8"
    notes: list = field(default_factory=list)


def _kind(name: str) -> str:
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    if lower.endswith(TABLE_SUFFIXES):
        return "table"
    if lower.endswith(".zip"):
        return "zip"
    return "text"


def _read_table(text: str, name: str) -> pd.DataFrame:
    header = text.split("\n", 1)[0]
    tabbed = name.lower().removesuffix(".gz").endswith((".tsv", ".tab")) or ("\t" in header and "," not in header)
    try:
        frame = pd.read_csv(io.StringIO(text), sep="\t" if tabbed else ",", dtype=str, keep_default_na=False,
                            on_bad_lines="error", quoting=csv.QUOTE_MINIMAL)
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        raise InputError(f"'{name}' could not be read as a table: {exc}. Check the delimiter and quoting.") from exc
    if frame.empty or len(frame.columns) == 0:
        raise InputError(f"'{name}' has no rows. A table needs a header line and at least one row.")
    return frame


def table_columns(data: bytes, name: str, encoding: Optional[str] = None) -> list[str]:
    """The column names of an uploaded CSV/TSV, so the user can pick the text column.

    Raises
    ------
    InputError
        The file is not a readable table.
    """
    file = unpack(data, name, suffixes=TABLE_SUFFIXES, first_only=True)[0]  # the table read is the first one
    # the header and a few rows are enough to name the columns: no need to parse the whole table
    head = file.data[:_HEAD_BYTES]
    if len(file.data) > _HEAD_BYTES and b"\n" in head:
        head = head[:head.rfind(b"\n") + 1]
    decoded = decode(head, file.name, encoding)
    return [str(c) for c in _read_table(decoded.text, file.name).columns]


def guess_text_column(columns: list[str], frame: Optional[pd.DataFrame] = None) -> Optional[str]:
    """A likely text column: one named like text, else the one with the longest cells."""
    for preferred in ("text", "review", "content", "body", "sentence", "document"):
        for col in columns:
            if col.lower() == preferred:
                return col
    if frame is not None and len(frame):
        lengths = {c: frame[c].astype(str).str.len().mean() for c in columns}
        return max(lengths, key=lengths.get)
    return columns[0] if columns else None


def read_documents(data: bytes, name: str, text_column: Optional[str] = None,
                   encoding: Optional[str] = None) -> RawDocuments:
    """Read the documents of an upload.

    Parameters
    ----------
    data : bytes
        The uploaded file (``.txt``, ``.csv``, ``.tsv``, ``.zip`` of ``.txt``,
        or any of these gzip-compressed).
    name : str
        The file name; its suffix decides the format.
    text_column : str, optional
        For tables: the column that holds the text (default: guessed).
    encoding : str, optional
        Override the detected text encoding.

    Returns
    -------
    RawDocuments

    Raises
    ------
    InputError
        Empty, binary, over-size or damaged files; a table without the chosen
        column; no text at all.
    """
    files = unpack(data, name)
    kind = "zip" if len(files) > 1 or name.lower().endswith(".zip") else _kind(files[0].name)
    notes, documents, used = [], [], "utf-8"
    if kind == "zip":
        for f in files:
            decoded = decode(f.data, f.name, encoding)
            used = decoded.encoding
            if decoded.note:
                notes.append(decoded.note)
            if decoded.text.strip():
                documents.append(decoded.text)
    elif kind == "table":
        decoded = decode(files[0].data, files[0].name, encoding)
        used = decoded.encoding
        notes += [decoded.note] if decoded.note else []
        frame = _read_table(decoded.text, files[0].name)
        column = text_column or guess_text_column([str(c) for c in frame.columns], frame)
        if column not in frame.columns:
            raise InputError(
                f"'{name}' has no column '{column}'. Its columns are: {', '.join(map(str, frame.columns))}. "
                "Pick the column that holds the text."
            )
        cells = frame[column].astype(str)
        documents = [c for c in cells if c.strip()]
        if len(documents) < len(cells):
            notes.append(f"{len(cells) - len(documents):,} empty rows in column '{column}' were skipped.")
    else:
        decoded = decode(files[0].data, files[0].name, encoding)
        used = decoded.encoding
        notes += [decoded.note] if decoded.note else []
        documents = [line for line in decoded.text.splitlines() if line.strip()]
    if not documents:
        raise InputError(f"'{name}' has no text in it. Check that you chose the right file and column.")
    return RawDocuments(name=name, documents=documents, encoding=used, notes=notes)


def read_path(path, text_column: Optional[str] = None, encoding: Optional[str] = None) -> RawDocuments:
    """Read documents from a file on disk; same formats and errors as :func:`read_documents`."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"There is no file at '{path}'.")
    return read_documents(path.read_bytes(), path.name, text_column=text_column, encoding=encoding)
