"""Read raw documents from an upload, a path or a shipped sample.

A document is one string: a line of a ``.txt`` file, a cell of the chosen text
column of a ``.csv``/``.tsv``, or a whole ``.txt`` file inside a ``.zip``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pandas as pd

from embedlab.errors import InputError
from embedlab.sources.uploads import decode, unpack

TEXT_SUFFIXES = (".txt", ".cor", ".text")
TABLE_SUFFIXES = (".csv", ".tsv", ".tab")
#: A word: two or more letters standing alone (not inside an id such as "tt0114709" or "a3f9").
_WORD = re.compile(r"(?<![^\W_])[^\W\d_]{2,}(?![^\W_])")
#: A column holds text when at least this share of its (sampled, non-empty) cells contain a word.
TEXT_SHARE = 0.3
SAMPLE_ROWS = 2000
#: Bytes of a table read to list its columns (its header and first rows).
_HEAD_BYTES = 1 << 20


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


def text_columns(frame: pd.DataFrame) -> list[str]:
    """Columns that hold text: at least 30 % of their non-empty cells (first 2,000 rows) contain a word.

    A word is two or more letters standing alone, so numbers ("3.5", "1e5"),
    ids ("42", "tt0114709", "a3f9-11") and dates are not text.

    Returns
    -------
    list of str
        In the table's column order.
    """
    out = []
    head = frame.head(SAMPLE_ROWS)
    for col in frame.columns:
        cells = head[col].astype(str)
        cells = cells[cells.str.strip() != ""]
        if len(cells) and cells.map(lambda c: bool(_WORD.search(c))).mean() >= TEXT_SHARE:
            out.append(str(col))
    return out


def _no_text_column(name: str, frame: pd.DataFrame) -> InputError:
    shown = ", ".join(f"'{c}'" for c in map(str, frame.columns[:20])) + (" ..." if len(frame.columns) > 20 else "")
    return InputError(f"'{name}' has no column with text in it: its columns ({shown}) hold only numbers or ids. "
                      "A corpus needs words: upload a table with a column of sentences or documents (a review, a "
                      "title, a description), or a .txt file with one document per line. A rating table goes on "
                      "the Ratings page.")


def table_columns(data: bytes, name: str, encoding: Optional[str] = None) -> list[str]:
    """The text columns of an uploaded CSV/TSV, so the user can pick the one to read.

    Raises
    ------
    InputError
        The file is not a readable table, or none of its columns holds text
        (only numbers and ids): the message names its columns.
    """
    file = unpack(data, name, suffixes=TABLE_SUFFIXES, first_only=True)[0]  # the table read is the first one
    # the header and the first rows are enough to find the text columns: no need to parse the whole table
    frame = None
    if len(file.data) > _HEAD_BYTES:
        head = file.data[:_HEAD_BYTES]
        head = head[:head.rfind(b"\n") + 1] or head
        try:
            frame = _read_table(decode(head, file.name, encoding).text, file.name)
        except InputError:  # cut inside a quoted cell, or a character: read it all
            frame = None
    if frame is None:
        frame = _read_table(decode(file.data, file.name, encoding).text, file.name)
    columns = text_columns(frame)
    if not columns:
        raise _no_text_column(file.name, frame)
    return columns


def guess_text_column(columns: list[str], frame: Optional[pd.DataFrame] = None) -> Optional[str]:
    """A likely text column: one named like text, else the one with the longest cells.

    With ``frame``, only columns that hold text (:func:`text_columns`) are considered.
    """
    if frame is not None:
        columns = [c for c in columns if c in set(text_columns(frame))]
    for preferred in ("text", "review", "content", "body", "sentence", "document"):
        for col in columns:
            if col.lower() == preferred:
                return col
    if frame is not None and len(frame) and columns:
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
        column, or whose columns (or the chosen one) hold only numbers and ids;
        no text at all.
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
        texts = text_columns(frame)
        if not texts:
            raise _no_text_column(files[0].name, frame)
        column = text_column or guess_text_column([str(c) for c in frame.columns], frame)
        if column not in frame.columns:
            raise InputError(
                f"'{name}' has no column '{column}'. Its columns are: {', '.join(map(str, frame.columns))}. "
                "Pick the column that holds the text."
            )
        if column not in texts:
            raise InputError(f"Column '{column}' of '{name}' holds only numbers or ids, no words. Pick a column "
                             f"with text: {', '.join(repr(c) for c in texts)}.")
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
