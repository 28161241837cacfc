"""The documents of a prepared corpus: ids, labels, snippets, and which lines are whose.

A prepared corpus (:class:`~embedlab.sources.corpus.Corpus`) is a line file:
one document per line, a document longer than gensim's 10,000-token batch cut
into several consecutive lines, a document empty after preprocessing left out.
Beside it, ``documents.parquet`` keeps one row per document *of the upload*,
in upload order:

``doc_id`` (str)
    Distinct; an id column of the upload (``review_id``), else the data row
    number (tables), the line number (``.txt``) or the file name (``.zip``).
``lines`` (int)
    Lines of ``corpus.txt`` it occupies; 0 when nothing was left after
    preprocessing. Documents with lines occupy consecutive lines in order,
    so line ``j`` belongs to ``np.repeat(kept, lines[kept])[j]``.
``tokens`` (int)
    Tokens after preprocessing (after phrase joining).
``snippet`` (str)
    The first :data:`SNIPPET_CHARS` characters of the raw text, whitespace collapsed.
label columns
    The upload's other columns (``sentiment``; ``year``, ``president``, ``kind``),
    numeric where a whole column is.

A corpus prepared before this file existed still opens and trains Word2Vec;
:meth:`DocumentSet.of` then treats each line as a document (ids are line
numbers, no labels) and says so in :attr:`DocumentSet.notes`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Optional

import numpy as np
import pandas as pd

from embedlab.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from embedlab.sources.corpus import Corpus

DOCUMENTS_FILE = "documents.parquet"
FIXED_COLUMNS = ("doc_id", "lines", "tokens", "snippet")
SNIPPET_CHARS = 160


def snippet(text: str, n: int = SNIPPET_CHARS) -> str:
    """The first ``n`` characters of ``text`` with runs of whitespace made one space ("…" when cut)."""
    flat = " ".join(str(text)[: 4 * n].split())
    return flat if len(flat) <= n else flat[: n - 1].rstrip() + "…"


def write_document_table(out_dir, documents: list, lines: np.ndarray, tokens: np.ndarray,
                         records: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """Write ``documents.parquet`` for a corpus being built (see the module docstring).

    Parameters
    ----------
    out_dir : path-like
        The corpus directory.
    documents : list of str, length n_docs
        The raw documents, for their snippets.
    lines, tokens : ndarray of shape (n_docs,), int
        Lines of ``corpus.txt`` and tokens of each document.
    records : pandas.DataFrame, optional
        ``doc_id`` and label columns, one row per document
        (:attr:`~embedlab.sources.documents.RawDocuments.records`); default:
        ids ``"1"``, ``"2"``, ... and no labels.

    Returns
    -------
    pandas.DataFrame
        The table as written.
    """
    n = len(documents)
    if records is None or len(records) != n or "doc_id" not in records:
        records = pd.DataFrame({"doc_id": [str(i + 1) for i in range(n)]})
    table = pd.DataFrame({
        "doc_id": records["doc_id"].astype(str).to_numpy(),
        "lines": np.asarray(lines, dtype=np.int32),
        "tokens": np.asarray(tokens, dtype=np.int64),
        "snippet": [snippet(d) for d in documents],
    })
    labels = records.drop(columns=["doc_id"]).reset_index(drop=True)
    labels = labels[[c for c in labels.columns if c not in FIXED_COLUMNS]]
    table = pd.concat([table, labels], axis=1)
    table.to_parquet(Path(out_dir) / DOCUMENTS_FILE, index=False)
    return table


class DocumentSet:
    """The documents of a corpus, for document-level models.

    Parameters
    ----------
    corpus : Corpus
    table : pandas.DataFrame
        One row per document of the upload (columns as in the module docstring).
    notes : list of str, optional

    Attributes
    ----------
    kept : pandas.DataFrame
        The rows with at least one line (documents not empty after
        preprocessing), index reset; row ``i`` is document ``i`` of every
        document space trained on this set.
    label_columns : list of str
    n_empty : int
        Documents left with no token after preprocessing.
    legacy : bool
        True when the corpus has no ``documents.parquet`` (prepared before it existed).
    """

    def __init__(self, corpus: "Corpus", table: pd.DataFrame, notes: Optional[list] = None, legacy: bool = False):
        self.corpus = corpus
        self.table = table
        self.notes = list(notes or [])
        self.legacy = legacy
        has_lines = table["lines"].to_numpy() > 0
        self.kept = table[has_lines].reset_index(drop=True)
        self.n_empty = int((~has_lines).sum())
        self.label_columns = [c for c in table.columns if c not in FIXED_COLUMNS]
        if self.n_empty:
            self.notes.append(f"{self.n_empty:,} document(s) had no token left after preprocessing and have no "
                              "vector.")

    @classmethod
    def of(cls, corpus: "Corpus") -> "DocumentSet":
        """The document set of a prepared corpus.

        Raises
        ------
        InputError
            ``documents.parquet`` is unreadable or disagrees with ``corpus.txt``.
        """
        path = Path(corpus.path) / DOCUMENTS_FILE
        n_lines = int(corpus.stats.get("lines", 0))
        if not path.is_file():
            tokens, snippets = [], []
            with open(corpus.lines_file, encoding="utf-8") as fh:
                for line in fh:
                    tokens.append(len(line.split()))
                    snippets.append(snippet(line))
            table = pd.DataFrame({"doc_id": [str(i + 1) for i in range(len(tokens))],
                                  "lines": np.ones(len(tokens), dtype=np.int32),
                                  "tokens": np.asarray(tokens, dtype=np.int64), "snippet": snippets})
            note = (f"The corpus '{corpus.name}' was prepared before embedlab kept document ids and labels, so each "
                    "of its lines is taken as one document (id = line number, no labels). Delete it on the Data "
                    "page and prepare it again to get them.")
            return cls(corpus, table, [note], legacy=True)
        try:
            table = pd.read_parquet(path)
        except (OSError, ValueError) as exc:
            raise InputError(f"The document table of corpus '{corpus.name}' is damaged ({exc}). "
                             "Prepare the corpus again.") from exc
        if any(c not in table for c in FIXED_COLUMNS) or int(table["lines"].sum()) != n_lines:
            raise InputError(f"The document table of corpus '{corpus.name}' does not match its text file. "
                             "Prepare the corpus again.")
        table["doc_id"] = table["doc_id"].astype(str)
        return cls(corpus, table)

    def __len__(self) -> int:
        """Documents with at least one line (the rows of :attr:`kept`)."""
        return len(self.kept)

    @property
    def ids(self) -> list:
        """``doc_id`` of each kept document, in order."""
        return self.kept["doc_id"].tolist()

    def line_owner(self) -> np.ndarray:
        """ndarray of shape (n_lines,), int64: the kept-document index of each line of ``corpus.txt``."""
        return np.repeat(np.arange(len(self.kept), dtype=np.int64), self.kept["lines"].to_numpy())

    def iter_lines(self) -> Iterator[tuple]:
        """``(document index, tokens)`` for each line of ``corpus.txt``, streamed from disk."""
        owner = self.line_owner()
        with open(self.corpus.lines_file, encoding="utf-8") as fh:
            for j, line in enumerate(fh):
                if j >= len(owner):
                    break
                yield int(owner[j]), line.split()

    def iter_documents(self) -> Iterator[list]:
        """The tokens of each kept document (its lines joined), in order, streamed from disk."""
        current, tokens = 0, []
        for doc, words in self.iter_lines():
            if doc != current:
                yield tokens
                current, tokens = doc, []
            tokens.extend(words)
        if len(self.kept):
            yield tokens

    def texts(self) -> list:
        """Each kept document's tokens joined by single spaces: list of str, length len(self)."""
        return [" ".join(t) for t in self.iter_documents()]

    def labels(self) -> pd.DataFrame:
        """The label columns of the kept documents, indexed by ``doc_id``."""
        return self.kept[self.label_columns].set_index(pd.Index(self.ids, name="doc_id"))

    def space_meta(self, rows: Optional[np.ndarray] = None) -> pd.DataFrame:
        """Metadata for a document space: ``count`` (tokens), ``label`` (snippet) and the label columns.

        Parameters
        ----------
        rows : ndarray of int, optional
            Kept-document indices to include (default all), in the space's order.
        """
        kept = self.kept if rows is None else self.kept.iloc[np.asarray(rows, dtype=np.int64)]
        meta = pd.DataFrame({"count": kept["tokens"].to_numpy(dtype=np.int64),
                             "label": kept["snippet"].astype(str).to_numpy()},
                            index=pd.Index(kept["doc_id"].astype(str).to_numpy(), name="word"))
        for col in self.label_columns:
            meta[col] = kept[col].to_numpy()
        return meta
