"""A prepared corpus: a normalised line file on disk plus its statistics.

Training streams from the line file with gensim's ``corpus_file`` mode, so
memory does not grow with the size of the corpus.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.progress import Progress, no_progress
from embedlab.sources.docset import write_document_table
from embedlab.sources.preprocess import PreprocessConfig, split_long, tokenize

LINES_FILE = "corpus.txt"
COUNTS_FILE = "counts.tsv"
INFO_FILE = "corpus.json"


@dataclass
class Corpus:
    """A corpus ready for training.

    Attributes
    ----------
    path : Path
        Directory holding ``corpus.txt`` (one document or piece per line,
        tokens separated by single spaces, at most 10,000 tokens a line),
        ``counts.tsv``, ``corpus.json`` and ``documents.parquet`` (each
        document's id, labels, snippet and lines: :mod:`embedlab.sources.docset`;
        absent in corpora prepared before it existed).
    name : str
    stats : dict
        ``documents``, ``lines``, ``tokens``, ``vocabulary``.
    fingerprint : str
        SHA-256 of ``corpus.txt``: two corpora with the same fingerprint hold the same text.
    preprocess : dict
        The :class:`PreprocessConfig` used, as a dict.
    notes : list of str
        What the user should know about how it was read.
    id : str or None
        Its id in a workspace, once stored there.
    """

    path: Path
    name: str
    stats: dict
    fingerprint: str
    preprocess: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    id: Optional[str] = None
    _counts: Optional[pd.Series] = field(default=None, repr=False)

    @property
    def lines_file(self) -> Path:
        return Path(self.path) / LINES_FILE

    @property
    def counts(self) -> pd.Series:
        """Token counts, most frequent first: Series of int indexed by word."""
        if self._counts is None:
            frame = pd.read_csv(Path(self.path) / COUNTS_FILE, sep="\t", header=None, names=["word", "count"],
                                dtype={"word": str, "count": np.int64}, keep_default_na=False, quoting=3)
            self._counts = pd.Series(frame["count"].to_numpy(), index=frame["word"].to_numpy(), name="count")
        return self._counts

    def surviving(self, min_count: int) -> int:
        """How many distinct words occur at least ``min_count`` times."""
        counts = self.counts.to_numpy()
        return int(np.count_nonzero(counts >= min_count))

    def survivors_table(self, thresholds: Iterable[int] = (1, 2, 5, 10, 20, 50, 100)) -> pd.DataFrame:
        """Vocabulary size and share of tokens kept for several ``min_count`` values."""
        counts = self.counts.to_numpy()
        total = counts.sum() or 1
        rows = [{"min_count": t, "words kept": int((counts >= t).sum()),
                 "share of tokens kept": float(counts[counts >= t].sum() / total)} for t in thresholds]
        return pd.DataFrame(rows)

    @classmethod
    def open(cls, path, id: Optional[str] = None) -> "Corpus":
        """Open a corpus directory written by :func:`build_corpus`.

        Raises
        ------
        InputError
            The directory is missing or incomplete.
        """
        path = Path(path)
        try:
            info = json.loads((path / INFO_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"The corpus at '{path}' is missing or damaged ({exc}). Prepare it again.") from exc
        if not (path / LINES_FILE).is_file():
            raise InputError(f"The corpus at '{path}' has lost its text file. Prepare it again.")
        return cls(path=path, name=info["name"], stats=info["stats"], fingerprint=info["fingerprint"],
                   preprocess=info.get("preprocess", {}), notes=info.get("notes", []), id=id)


def build_corpus(documents: list[str], out_dir, name: str, cfg: Optional[PreprocessConfig] = None,
                 notes: Optional[list] = None, progress: Optional[Progress] = None,
                 records: Optional[pd.DataFrame] = None) -> Corpus:
    """Tokenise documents into a normalised line file with statistics.

    Parameters
    ----------
    documents : list of str
        Raw documents.
    out_dir : path-like
        Directory to write into (created; should be new and empty).
    name : str
        A name for the corpus.
    cfg : PreprocessConfig, optional
    notes : list of str, optional
        Notes from reading the source, kept with the corpus.
    progress : callable, optional
        ``progress(fraction, message)``.
    records : pandas.DataFrame, optional
        ``doc_id`` and label columns, one row per document; default: the
        ``records`` a :class:`~embedlab.sources.documents.DocumentList` carries,
        else ids ``"1"``, ``"2"``, ... Written to ``documents.parquet``.

    Returns
    -------
    Corpus

    Raises
    ------
    InputError
        Nothing is left after preprocessing.
    """
    cfg = cfg or PreprocessConfig()
    progress = progress or no_progress
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lines_path = out / LINES_FILE
    n_docs = len(documents)
    kept_docs = 0
    lines_per_doc = np.zeros(n_docs, dtype=np.int32)
    step = max(1, n_docs // 50)
    with open(lines_path, "w", encoding="utf-8", newline="\n") as fh:
        for i, doc in enumerate(documents):
            tokens = tokenize(doc, cfg)
            if tokens:
                kept_docs += 1
                for piece in split_long(tokens):
                    fh.write(" ".join(piece))
                    fh.write("\n")
                    lines_per_doc[i] += 1
            if i % step == 0:
                progress(0.7 * i / max(n_docs, 1), f"Tokenising document {i + 1:,} of {n_docs:,}")
    if cfg.phrases:
        progress(0.7, "Detecting phrases")
        _apply_phrases(lines_path, cfg)
    progress(0.9, "Counting words")
    counts: Counter = Counter()
    n_lines = 0
    digest = hashlib.sha256()
    tokens_per_line = []
    with open(lines_path, "rb") as fh:
        for raw in fh:
            digest.update(raw)
            n_lines += 1
            words = raw.decode("utf-8").split()
            tokens_per_line.append(len(words))
            counts.update(words)
    n_tokens = sum(counts.values())
    if n_tokens == 0:
        raise InputError(
            "Nothing is left after preprocessing: every token was dropped. Relax the options "
            "(keep numbers, a shorter minimum token length, keep stop-words) or check the text column."
        )
    with open(out / COUNTS_FILE, "w", encoding="utf-8", newline="\n") as fh:
        for word, count in counts.most_common():
            fh.write(f"{word}\t{count}\n")
    tokens_per_doc = np.zeros(n_docs, dtype=np.int64)
    np.add.at(tokens_per_doc, np.repeat(np.arange(n_docs), lines_per_doc), np.asarray(tokens_per_line, np.int64))
    write_document_table(out, documents, lines_per_doc, tokens_per_doc,
                         records if records is not None else getattr(documents, "records", None))
    stats = {"documents": kept_docs, "lines": n_lines, "tokens": n_tokens, "vocabulary": len(counts)}
    info = {"name": name, "stats": stats, "fingerprint": digest.hexdigest(), "preprocess": cfg.to_dict(),
            "notes": list(notes or [])}
    (out / INFO_FILE).write_text(json.dumps(info, indent=1), encoding="utf-8")
    progress(1.0, "Corpus ready")
    return Corpus(path=out, name=name, stats=stats, fingerprint=info["fingerprint"], preprocess=info["preprocess"],
                  notes=info["notes"])


def _apply_phrases(lines_path: Path, cfg: PreprocessConfig) -> None:
    from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases
    from gensim.models.word2vec import LineSentence

    phrases = Phrases(LineSentence(str(lines_path)), min_count=cfg.phrase_min_count,
                      threshold=cfg.phrase_threshold, connector_words=ENGLISH_CONNECTOR_WORDS).freeze()
    tmp = lines_path.with_suffix(".phrased")
    with open(lines_path, encoding="utf-8") as src, open(tmp, "w", encoding="utf-8", newline="\n") as dst:
        for line in src:
            dst.write(" ".join(phrases[line.split()]))
            dst.write("\n")
    tmp.replace(lines_path)


def run_prepare_job(workspace, args: dict, progress: Progress) -> dict:
    """Background job ``prepare_corpus``: read documents and preprocess them into a stored corpus.

    The Data page runs this for corpora above
    :func:`embedlab.config.inline_limit` ``("corpus_bytes")``: preprocessing a
    shipped 1.3-million-token corpus takes long enough to stall the server's
    script thread.

    Parameters
    ----------
    workspace : Workspace
    args : dict
        ``sample`` (a key of :data:`embedlab.sources.samples.SAMPLES`) or
        ``upload`` (a path from :meth:`Workspace.stage_upload`, removed when the
        job ends) with ``name``, ``text_column`` and ``encoding``;
        ``preprocess``: a :class:`PreprocessConfig` as a dict.
    progress : callable

    Returns
    -------
    dict
        ``corpus_id``, ``name``, ``tokens``.

    Raises
    ------
    InputError
        Unreadable upload, unknown sample, nothing left after preprocessing.
    """
    from embedlab.sources.documents import read_documents
    from embedlab.sources.samples import sample_documents

    cfg = PreprocessConfig(**args.get("preprocess", {}))
    progress(0.0, "Reading the documents")
    try:
        if args.get("sample"):
            raw = sample_documents(args["sample"])
        else:
            raw = read_documents(Path(args["upload"]).read_bytes(), args["name"], text_column=args.get("text_column"),
                                 encoding=args.get("encoding"))
    finally:
        if args.get("upload"):
            workspace.unstage(args["upload"])
    corpus = workspace.add_corpus(raw.documents, raw.name, cfg, notes=raw.notes, progress=progress)
    return {"corpus_id": corpus.id, "name": corpus.name, "tokens": int(corpus.stats["tokens"])}
