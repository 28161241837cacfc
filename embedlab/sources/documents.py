"""Read raw documents from an upload, a path or a shipped sample.

A document is one string: a line of a ``.txt`` file, a cell of the chosen text
column of a ``.csv``/``.tsv``, or a whole ``.txt`` file inside a ``.zip``.

Each document also keeps an id and, for tables, the upload's other columns
(labels such as ``sentiment`` or ``year``): :attr:`RawDocuments.records`.
The document list carries them along (:class:`DocumentList`), so
``workspace.add_corpus(raw.documents, ...)`` stores them with the corpus
without any change to its callers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.sources.uploads import decode, unpack

TEXT_SUFFIXES = (".txt", ".cor", ".text")
TABLE_SUFFIXES = (".csv", ".tsv", ".tab")
#: Label columns kept per upload, and characters kept per label cell: a table with
#: thousands of columns or a second long text column must not bloat every model's metadata.
MAX_LABEL_COLUMNS = 50
MAX_LABEL_CHARS = 200
#: Column names the document table and document spaces use themselves.
RESERVED_COLUMNS = ("doc_id", "lines", "tokens", "snippet", "label", "word", "count")


class DocumentList(list):
    """A list of document strings that also carries their :attr:`records`.

    Attributes
    ----------
    records : pandas.DataFrame or None
        One row per document, in list order: ``doc_id`` (str, distinct) and
        the upload's other columns (numbers where a whole column is numeric,
        missing cells as NA).
    """

    def __init__(self, documents=(), records: Optional[pd.DataFrame] = None):
        super().__init__(documents)
        self.records = records


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

    Notes
    -----
    ``documents`` is a :class:`DocumentList` when read by :func:`read_documents`;
    :attr:`records` is its table of ids and labels.
    """

    name: str
    documents: list
    encoding: str = "utf-8"
    notes: list = field(default_factory=list)

    @property
    def records(self) -> Optional[pd.DataFrame]:
        """``doc_id`` and label columns, one row per document (None for a plain list)."""
        return getattr(self.documents, "records", None)


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
    files = unpack(data, name)
    decoded = decode(files[0].data, files[0].name, encoding)
    return [str(c) for c in _read_table(decoded.text, files[0].name).columns]


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


def guess_id_column(frame: pd.DataFrame, exclude=()) -> Optional[str]:
    """A column that names each row: called ``id`` or ``..._id``, with distinct, non-empty values."""
    for col in frame.columns:
        lower = str(col).strip().lower()
        if col in exclude or not (lower in ("id", "doc_id", "docid", "key") or lower.endswith(("_id", " id"))):
            continue
        values = frame[col].astype(str).str.strip()
        if (values != "").all() and values.is_unique:
            return col
    return None


def _unique_ids(ids: list) -> list:
    """The ids made distinct: a repeat of ``x`` becomes ``x#2``, ``x#3``, ..."""
    used, out = set(), []
    for i in map(str, ids):
        candidate, n = i, 1
        while candidate in used:
            n += 1
            candidate = f"{i}#{n}"
        used.add(candidate)
        out.append(candidate)
    return out


def _label_frame(frame: pd.DataFrame, notes: list) -> pd.DataFrame:
    """The label columns of a table: capped, reserved names renamed, numeric columns as numbers."""
    cols = list(frame.columns)
    if len(cols) > MAX_LABEL_COLUMNS:
        notes.append(f"Only the first {MAX_LABEL_COLUMNS} of {len(cols)} other columns were kept as labels.")
        cols = cols[:MAX_LABEL_COLUMNS]
    out = {}
    for col in cols:
        name = str(col)
        while name in RESERVED_COLUMNS or name in out:
            name = f"{name} (upload)"
        values = frame[col].astype(str).str.strip()
        blank = values == ""
        numbers = pd.to_numeric(values.where(~blank), errors="coerce")
        if (~blank).any() and numbers[~blank].notna().all():
            whole = numbers.dropna()
            out[name] = numbers.astype("Int64") if (whole == whole.round()).all() and whole.abs().max() < 2**53 \
                else numbers.astype(float)
        else:
            out[name] = values.str.slice(0, MAX_LABEL_CHARS).where(~blank, pd.NA).astype("string")
    return pd.DataFrame(out, index=frame.index)


def _records(ids: list, labels: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    records = pd.DataFrame({"doc_id": pd.Series(_unique_ids(ids), dtype="string")})
    if labels is not None and len(labels.columns):
        records = pd.concat([records, labels.reset_index(drop=True)], axis=1)
    return records


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
    notes, documents, used, ids, labels = [], [], "utf-8", [], None
    if kind == "zip":
        for f in files:
            decoded = decode(f.data, f.name, encoding)
            used = decoded.encoding
            if decoded.note:
                notes.append(decoded.note)
            if decoded.text.strip():
                documents.append(decoded.text)
                ids.append(f.name)
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
        keep = cells.str.strip() != ""
        documents = cells[keep].tolist()
        if len(documents) < len(cells):
            notes.append(f"{len(cells) - len(documents):,} empty rows in column '{column}' were skipped.")
        kept = frame[keep.to_numpy()].reset_index(drop=True)
        id_column = guess_id_column(kept, exclude=(column,))
        # without an id column a document is named by its data row in the upload (1 = first row after the header)
        ids = (kept[id_column].astype(str).str.strip().tolist() if id_column
               else [str(i + 1) for i in np.flatnonzero(keep.to_numpy())])
        labels = _label_frame(kept.drop(columns=[c for c in (column, id_column) if c is not None]), notes)
    else:
        decoded = decode(files[0].data, files[0].name, encoding)
        used = decoded.encoding
        notes += [decoded.note] if decoded.note else []
        for number, line in enumerate(decoded.text.splitlines(), start=1):
            if line.strip():
                documents.append(line)
                ids.append(str(number))  # its line number in the file
    if not documents:
        raise InputError(f"'{name}' has no text in it. Check that you chose the right file and column.")
    return RawDocuments(name=name, documents=DocumentList(documents, _records(ids, labels)), encoding=used,
                        notes=notes)


def read_path(path, text_column: Optional[str] = None, encoding: Optional[str] = None) -> RawDocuments:
    """Read documents from a file on disk; same formats and errors as :func:`read_documents`."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"There is no file at '{path}'.")
    return read_documents(path.read_bytes(), path.name, text_column=text_column, encoding=encoding)
