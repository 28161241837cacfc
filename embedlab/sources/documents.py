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
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
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
        column, or whose columns (or the chosen one) hold only numbers and ids;
        no text at all.
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
