"""Safe readers for pretrained word vectors uploaded by a user.

Formats (see :data:`FORMATS`):

- ``word2vec-text``: a header line ``n_words dim``, then ``word v1 ... v_dim``
  per line (Mikolov et al.'s word2vec tool, gensim ``save_word2vec_format``).
- ``fasttext-vec``: fastText's ``.vec`` files; the same layout as word2vec text.
- ``glove``: GloVe's text files (Pennington et al. 2014): word2vec text without the header.
- ``word2vec-binary``: the header line, then for each word its UTF-8 bytes, a
  space and ``dim`` little-endian float32 values (an optional newline between entries).
- ``fasttext-bin``: Facebook fastText's native ``.bin`` (the layout read by
  gensim's ``gensim/models/_fasttext_bin.py``: args header, dictionary, input
  matrix of ``nwords + bucket`` rows); the result can build vectors for
  unseen words from character n-grams.
- ``projector``: the TensorFlow Embedding Projector's ``vectors.tsv`` (one
  tab-separated vector per line, no words) with ``metadata.tsv`` (one row per
  vector; a header row when it has more than one column; the first column is
  the key).

Uploads are untrusted, so nothing here unpickles (no gensim ``.load()``) and
every size is checked before memory is allocated: a header's announced
``n_words × dim`` is checked against the bytes actually present and against
:data:`MAX_DIM` / :data:`MAX_WORDS`; arrays are sized from the real count.
The fastText parser bounds every read, so a truncated file raises
:class:`~embedlab.errors.InputError` instead of spinning (gensim's reader loops
forever on a cut inside the vocabulary). Duplicate words, NaN/inf values and
rows of the wrong length are reported with their line number.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.space import Space
from embedlab.sources.uploads import NESTING_RULE, Budget, check_size, gunzip, looks_binary, unzip

#: Format key -> what the user sees.
FORMATS = {
    "word2vec-text": "word2vec text (header line 'n dim')",
    "word2vec-binary": "word2vec binary (.bin)",
    "glove": "GloVe text (no header)",
    "fasttext-vec": "fastText .vec (text)",
    "fasttext-bin": "fastText .bin (with subwords)",
    "projector": "Embedding Projector vectors.tsv + metadata.tsv",
}

#: Largest dimensionality accepted.
MAX_DIM = 4096
#: Largest number of words accepted (before the user's cap).
MAX_WORDS = 5_000_000
#: Longest word in bytes; a longer "word" means the file is not what it claims.
MAX_WORD_BYTES = 1000
#: Largest fastText n-gram table (rows); fastText's own default is 2,000,000.
MAX_BUCKETS = 10_000_000

_FT_MAGIC = 793712314
_HEADER = re.compile(rb"^\s*(\d+)[ \t]+(\d+)[ \t]*\r?$")


def _header(first_line: bytes, name: str) -> tuple[int, int]:
    m = _HEADER.match(first_line)
    if not m:
        raise InputError(f"'{name}' line 1: expected a header 'number_of_words dimensions' (like '3000 300'), "
                         f"found {first_line[:60]!r}. For GloVe files without a header choose the GloVe format.")
    n, dim = int(m.group(1)), int(m.group(2))
    _check_shape(n, dim, name)
    return n, dim


def _check_shape(n: int, dim: int, name: str) -> None:
    if not 1 <= dim <= MAX_DIM:
        raise InputError(f"'{name}' announces {dim:,} dimensions; embedlab reads 1 to {MAX_DIM:,}.")
    if n < 1:
        raise InputError(f"'{name}' announces no vectors. Choose a file that has some.")
    if n > MAX_WORDS:
        raise InputError(f"'{name}' announces {n:,} words; embedlab reads at most {MAX_WORDS:,}. "
                         "Cut the file to its most frequent words first.")


def _cap(max_words: Optional[int]) -> int:
    if max_words is None:
        return MAX_WORDS
    if int(max_words) < 1:
        raise InputError("Keep at least one word (or leave the cap empty to keep them all).")
    return min(int(max_words), MAX_WORDS)


# -- detection -------------------------------------------------------------------

def detect_format(data: bytes, name: str) -> str:
    """Guess a key of :data:`FORMATS` from a file name and its first bytes.

    Raises
    ------
    InputError
        Nothing recognisable.
    """
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    if len(data) >= 4 and struct.unpack("<i", data[:4])[0] == _FT_MAGIC:
        return "fasttext-bin"
    if lower.endswith(".zip") or data[:4] == b"PK\x03\x04" or lower.endswith(".tsv"):
        return "projector"
    first, _, rest = data.partition(b"\n")
    if _HEADER.match(first):
        if looks_binary(rest[:4096]):
            return "word2vec-binary"
        return "fasttext-vec" if lower.endswith(".vec") else "word2vec-text"
    if lower.endswith(".bin"):
        return "fasttext-bin"  # old fastText files have no magic number
    if looks_binary(data):
        raise InputError(f"'{name}' is a binary file embedlab does not recognise. Upload word2vec text or binary, "
                         "GloVe text, fastText .vec/.bin, or Embedding Projector .tsv files.")
    return "glove"


# -- public entry points ---------------------------------------------------------------

def read_vectors(data: bytes, name: str, fmt: Optional[str] = None, max_words: Optional[int] = None,
                 metadata: Optional[bytes] = None) -> Space:
    """Parse uploaded vectors into a :class:`Space` (never unpickles).

    Parameters
    ----------
    data : bytes
        The file's bytes (``.gz`` is decompressed, within the upload limit). For
        ``projector`` either ``vectors.tsv`` or a zip holding ``vectors.tsv``
        and ``metadata.tsv``.
    name : str
        The file name (used to detect the format and in messages).
    fmt : str, optional
        A key of :data:`FORMATS`; detected from the name and content when omitted.
    max_words : int, optional
        Keep only the first ``max_words`` words. These formats list the most
        frequent words first, so this keeps the most frequent ones.
    metadata : bytes, optional
        ``metadata.tsv`` for the ``projector`` format.

    Returns
    -------
    Space
        ``kind='imported'``; ``info`` has ``source_format``, ``file_name``,
        ``words_in_file`` and ``notes``. fastText ``.bin`` gives a space with
        subwords (``space.has_subwords``).

    Raises
    ------
    InputError
        Unknown format, too large, malformed (with the line number), duplicate
        words, NaN/inf values.
    """
    if not data:
        raise InputError(f"'{name}' is empty. Choose a file with vectors in it.")
    check_size(len(data), f"'{name}'")
    notes = []
    budget = Budget(name)  # one decompression budget for the whole upload, a projector zip's members included
    from_gzip = data[:2] == b"\x1f\x8b"
    if from_gzip:
        data = gunzip(data, name, budget)
        if name.lower().endswith(".gz"):
            name = name[:-3]
        if data[:2] == b"\x1f\x8b":
            raise InputError(f"'{name}' is a gzip file inside a gzip file. {NESTING_RULE}.")
    fmt = fmt or detect_format(data, name)
    if fmt not in FORMATS:
        raise InputError(f"Unknown vector format '{fmt}'. Choose one of: {', '.join(FORMATS)}.")
    cap = _cap(max_words)
    if fmt in ("word2vec-text", "fasttext-vec"):
        words, vectors, in_file = _read_text(data, name, cap, header=True)
        space = Space.from_vectors(words, vectors)
    elif fmt == "glove":
        words, vectors, in_file = _read_text(data, name, cap, header=False)
        space = Space.from_vectors(words, vectors)
    elif fmt == "word2vec-binary":
        words, vectors, in_file = _read_w2v_binary(data, name, cap)
        space = Space.from_vectors(words, vectors)
    elif fmt == "fasttext-bin":
        space, in_file = _read_fasttext_bin(data, name, cap)
    else:
        space, in_file, notes = _read_projector(data, name, cap, metadata, budget, gz_members=not from_gzip)
    if in_file > len(space):
        notes.append(f"Kept the first {len(space):,} of {in_file:,} words.")
    space.info.update(kind="imported", name=Path(name).stem, source_format=fmt, file_name=name,
                      words_in_file=in_file, notes=notes)
    return space


def read_uploads(files: list, fmt: Optional[str] = None, max_words: Optional[int] = None) -> Space:
    """:func:`read_vectors` for what a user uploaded: one file, or an Embedding Projector pair.

    Parameters
    ----------
    files : list of (name, bytes)
        One vectors file, or ``vectors.tsv`` and ``metadata.tsv`` (the one whose
        name contains "meta" is the metadata).
    fmt, max_words : see :func:`read_vectors`

    Raises
    ------
    InputError
        No file, more than two, or two that are not a vectors + metadata pair.
    """
    files = list(files)
    if not files:
        raise InputError("Choose a vectors file to upload.")
    if len(files) == 1:
        name, data = files[0]
        return read_vectors(data, name, fmt=fmt, max_words=max_words)
    meta = [f for f in files if "meta" in f[0].lower()]
    vecs = [f for f in files if "meta" not in f[0].lower()]
    if len(files) != 2 or len(meta) != 1:
        raise InputError("Upload one vectors file, or the Embedding Projector's two files: vectors.tsv and "
                         "metadata.tsv (its name must contain 'meta').")
    return read_vectors(vecs[0][1], vecs[0][0], fmt=fmt or "projector", max_words=max_words, metadata=meta[0][1])


def read_vectors_path(path, fmt: Optional[str] = None, max_words: Optional[int] = None,
                      metadata_path=None) -> Space:
    """:func:`read_vectors` for a file on disk (and an optional ``metadata.tsv`` beside it)."""
    path = Path(path)
    meta = Path(metadata_path).read_bytes() if metadata_path else None
    return read_vectors(path.read_bytes(), path.name, fmt=fmt, max_words=max_words, metadata=meta)


# -- text formats -------------------------------------------------------------------------

def _lines(data: bytes):
    """(line number, bytes) for each line, 1-based; a final newline does not add a line."""
    start, number, n = 0, 1, len(data)
    while start < n:
        end = data.find(b"\n", start)
        if end < 0:
            end = n
        yield number, data[start:end]
        start, number = end + 1, number + 1


def _decode_word(raw: bytes, where: str, name: str) -> str:
    try:
        word = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"'{name}' {where}: the word is not valid UTF-8 ({exc.reason}). "
                         "Convert the file to UTF-8.") from None
    if not word:
        raise InputError(f"'{name}' {where}: the word is empty.")
    return word


def _parse_row(fields: list, dim: int, number: int, name: str) -> np.ndarray:
    if len(fields) != dim:
        raise InputError(f"'{name}' line {number}: {len(fields)} values but the vectors have {dim} dimensions. "
                         "Every row must be a word followed by the same number of values.")
    try:
        row = np.array(fields, dtype=np.float32)
    except ValueError:
        bad = next(f for f in fields if not _is_float(f))
        bad = bad.decode("utf-8", "replace") if isinstance(bad, bytes) else bad
        raise InputError(f"'{name}' line {number}: {bad[:30]!r} is not a number.") from None
    if not np.isfinite(row).all():
        raise InputError(f"'{name}' line {number}: the vector has NaN or infinite values. Remove that row.")
    return row


def _is_float(text) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _max_rows(rows: int, dim: int, n_bytes: int) -> int:
    """Rows a text file of ``n_bytes`` can really hold: every value takes at least 2 bytes ("0 ")."""
    return max(1, min(rows, n_bytes // (2 * dim) + 1))


def _read_text(data: bytes, name: str, cap: int, header: bool):
    if looks_binary(data[:8192]):
        raise InputError(f"'{name}' looks like a binary file, not text vectors. If it is word2vec binary or "
                         "fastText .bin, choose that format.")
    lines = _lines(data)
    announced = None
    if header:
        first = next(lines, (1, b""))[1]
        announced, dim = _header(first, name)
    else:
        dim = None
    # size arrays from what is really in the file, never from the header
    n_lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1) - (1 if header else 0)
    rows = max(1, min(n_lines, cap))
    vectors = None  # allocated once dim is known, from the real row count
    words, seen = [], {}
    in_file = 0
    for number, raw in lines:
        line = raw.rstrip(b"\r")
        if not line.strip():
            continue
        in_file += 1
        if in_file > cap:
            continue
        fields = line.split()
        if dim is None:
            dim = len(fields) - 1
            _check_shape(1, dim, name)
        if vectors is None:
            vectors = np.empty((_max_rows(rows, dim, len(data)), dim), dtype=np.float32)
        word = _decode_word(fields[0], f"line {number}", name)
        if word in seen:
            raise InputError(f"'{name}' line {number}: the word {word!r} already appeared on line {seen[word]}. "
                             "Every word must appear once; remove the duplicate.")
        seen[word] = number
        vectors[len(words)] = _parse_row(fields[1:], dim, number, name)
        words.append(word)
    if not words:
        raise InputError(f"'{name}' has no vectors. Choose a file with one 'word v1 v2 ...' row per line.")
    if announced is not None and in_file != announced:
        raise InputError(f"'{name}' line 1 announces {announced:,} words but the file has {in_file:,} rows; "
                         "it is cut off or the header is wrong. Fix the header or upload the whole file.")
    return words, vectors[: len(words)], in_file


# -- word2vec binary ---------------------------------------------------------------------------

def _read_w2v_binary(data: bytes, name: str, cap: int):
    end = data.find(b"\n", 0, 100)
    if end < 0:
        raise InputError(f"'{name}' does not start with a header line 'number_of_words dimensions'.")
    n, dim = _header(data[:end], name)
    row_bytes = dim * 4
    # each entry needs at least a 1-byte word, a space and the values
    needed = end + 1 + n * (row_bytes + 2)
    if needed > len(data):
        raise InputError(f"'{name}' line 1 announces {n:,} words of {dim} dimensions, which needs at least "
                         f"{needed:,} bytes, but the file has {len(data):,}. It is cut off or the header is wrong.")
    keep = min(n, cap)
    vectors = np.empty((keep, dim), dtype=np.float32)
    words, seen, starts = [], {}, []
    pos = end + 1
    for i in range(1, n + 1):
        while pos < len(data) and data[pos] in b"\n\r":
            pos += 1
        space_at = data.find(b" ", pos, pos + MAX_WORD_BYTES + 1)
        where = f"vector {i} (byte {pos:,})"
        if space_at < 0:
            raise InputError(f"'{name}' {where}: no word followed by a space; the file is cut off or not "
                             "word2vec binary.")
        if space_at + 1 + row_bytes > len(data):
            raise InputError(f"'{name}' {where}: the file ends inside this vector; it is cut off.")
        if i <= keep:
            word = _decode_word(data[pos:space_at], where, name)
            if word in seen:
                raise InputError(f"'{name}' {where}: the word {word!r} already appeared as vector {seen[word]}. "
                                 "Every word must appear once.")
            seen[word] = i
            starts.append(pos)
            vectors[i - 1] = np.frombuffer(data, dtype="<f4", count=dim, offset=space_at + 1)
            words.append(word)
        else:
            break
        pos = space_at + 1 + row_bytes
    bad = ~np.isfinite(vectors).all(axis=1)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"'{name}' vector {i + 1} (byte {starts[i]:,}): the vector of {words[i]!r} has NaN or "
                         "infinite values. Remove it from the file.")
    return words, vectors, n


# -- fastText .bin -----------------------------------------------------------------------------

class _Reader:
    """Bounded little-endian reads from bytes; running past the end raises InputError."""

    def __init__(self, data: bytes, name: str):
        self.data, self.name, self.pos = data, name, 0

    def take(self, fmt: str, what: str):
        size = struct.calcsize("<" + fmt)
        if self.pos + size > len(self.data):
            raise InputError(f"'{self.name}' ends inside {what} (byte {self.pos:,}); the fastText .bin file is "
                             "cut off. Upload the whole file.")
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += size
        return values


def _read_fasttext_bin(data: bytes, name: str, cap: int):
    from gensim.models.fasttext import FastTextKeyedVectors

    r = _Reader(data, name)
    magic, version = r.take("2i", "the header")
    new_format = magic == _FT_MAGIC
    if new_format:
        (dim, _ws, _epoch, _min_count, _neg, _wng, loss, model, bucket, minn, maxn, _lr, _t) = r.take(
            "12id", "the header")
    else:
        dim = magic
        (_epoch, _min_count, _neg, _wng, loss, model, bucket, minn, maxn, _lr, _t) = r.take("10id", "the header")
    if not new_format and not 1 <= dim <= MAX_DIM:
        raise InputError(f"'{name}' is not a fastText .bin file (no fastText signature). Choose another format.")
    _check_shape(1, dim, name)
    if not (0 <= bucket <= MAX_BUCKETS and 0 < minn <= maxn <= 100):
        raise InputError(f"'{name}' has an implausible fastText header (bucket={bucket}, minn={minn}, "
                         f"maxn={maxn}); it is damaged or not a fastText .bin.")
    vocab_size, nwords, nlabels = r.take("3i", "the dictionary header")
    if nlabels > 0:
        raise InputError(f"'{name}' is a supervised (classification) fastText model; upload an unsupervised "
                         "(skipgram/cbow) model.")
    _check_shape(max(nwords, 1), dim, name)
    if nwords < 1 or vocab_size != nwords:
        raise InputError(f"'{name}' has a damaged dictionary header ({vocab_size} entries, {nwords} words).")
    r.take("q", "the dictionary header")  # ntokens
    prune = r.take("q", "the dictionary header")[0] if new_format else 0
    # every entry needs at least 1 byte of word, the 0 terminator, int64 count and int8 type
    if nwords * 11 > len(data) - r.pos:
        raise InputError(f"'{name}' announces {nwords:,} words but is only {len(data):,} bytes; it is cut off "
                         "or damaged.")
    words, counts, seen = [], [], {}
    for i in range(1, nwords + 1):
        stop = data.find(b"\x00", r.pos, r.pos + MAX_WORD_BYTES + 1)
        where = f"word {i} of {nwords:,} (byte {r.pos:,})"
        if stop < 0:
            raise InputError(f"'{name}' ends inside the dictionary at {where}; the fastText .bin file is cut "
                             "off or damaged. Upload the whole file.")
        word = _decode_word(data[r.pos:stop], where, name)
        r.pos = stop + 1
        count, _kind = r.take("qb", f"the dictionary at {where}")
        if word in seen:
            raise InputError(f"'{name}' {where}: the word {word!r} appears twice in the dictionary.")
        seen[word] = i
        words.append(word)
        counts.append(count)
    if prune > 0:
        if prune > (len(data) - r.pos) // 8:
            raise InputError(f"'{name}' ends inside the pruned-index table; the file is cut off.")
        r.pos += 8 * prune
    if new_format:
        (quantised,) = r.take("?", "the matrix header")
        if quantised:
            raise InputError(f"'{name}' is a quantised fastText model (.ftz); upload the full .bin model.")
    rows, cols = r.take("2q", "the matrix header")
    if cols != dim or rows != nwords + bucket:
        raise InputError(f"'{name}': the input matrix is {rows:,} × {cols} but the header promises "
                         f"{nwords + bucket:,} × {dim}; the file is damaged.")
    if rows * cols * 4 > len(data) - r.pos:
        raise InputError(f"'{name}' ends inside the vector matrix ({rows:,} × {cols} values need "
                         f"{rows * cols * 4:,} bytes, {len(data) - r.pos:,} are left); the file is cut off.")
    matrix = np.frombuffer(data, dtype="<f4", count=rows * cols, offset=r.pos).reshape(rows, cols)
    # the output matrix is not needed for vectors, but a file cut inside it is still a damaged upload
    r.pos += rows * cols * 4
    if new_format:
        r.take("?", "the output matrix header")
    out_rows, out_cols = r.take("2q", "the output matrix header")
    if not (0 <= out_rows and out_cols == dim) or out_rows * out_cols * 4 > len(data) - r.pos:
        raise InputError(f"'{name}' ends inside the output matrix (byte {r.pos:,}); the fastText .bin file is "
                         "cut off. Upload the whole file.")
    keep = min(nwords, cap)
    bad = ~np.isfinite(matrix).all(axis=1)
    if bad.any():
        first = int(np.argmax(bad))
        what = f"word {first + 1} ({words[first]!r})" if first < nwords else f"n-gram bucket {first - nwords}"
        raise InputError(f"'{name}': the vector of {what} has NaN or infinite values; the file is damaged.")
    kv = FastTextKeyedVectors(dim, minn, maxn, bucket, count=0, dtype=np.float32)
    kv.index_to_key = words[:keep]
    kv.key_to_index = {w: i for i, w in enumerate(kv.index_to_key)}
    kv.vectors_vocab = np.array(matrix[:keep], dtype=np.float32)
    kv.vectors_ngrams = np.array(matrix[nwords:], dtype=np.float32)
    kv.recalc_char_ngram_buckets()
    kv.adjust_vectors()  # a word's vector = mean of its own and its n-grams' rows, as fastText does
    meta = pd.DataFrame({"count": np.asarray(counts[:keep], dtype=np.int64)}, index=pd.Index(kv.index_to_key))
    space = Space(kv, meta=meta, info={"fasttext_args": {"minn": minn, "maxn": maxn, "bucket": bucket,
                                                         "model": {1: "cbow", 2: "skipgram"}.get(model, model),
                                                         "loss": loss}})
    return space, nwords


# -- Embedding Projector ---------------------------------------------------------------------------

def _projector_files(data: bytes, name: str, metadata: Optional[bytes], budget: Budget, gz_members: bool):
    if data[:4] != b"PK\x03\x04":
        return data, metadata
    members = unzip(data, name, budget, suffixes=(".tsv",), gz_members=gz_members)
    by_name = {Path(m.name).name.lower().removesuffix(".gz"): m for m in members}
    vec = next((m for k, m in by_name.items() if "meta" not in k), None)
    meta = next((m for k, m in by_name.items() if "meta" in k), None)
    if vec is None:
        raise InputError(f"'{name}' holds no vectors .tsv file. Put vectors.tsv (and metadata.tsv) in the zip.")
    return vec.data, (meta.data if meta is not None else metadata)


def _read_projector(data: bytes, name: str, cap: int, metadata: Optional[bytes], budget: Budget,
                    gz_members: bool = True):
    data, metadata = _projector_files(data, name, metadata, budget, gz_members)
    if looks_binary(data[:8192]):
        raise InputError(f"'{name}' is not a vectors.tsv (tab-separated numbers, one vector per line).")
    n_lines = data.count(b"\n") + 1
    vectors, dim, kept, in_file = None, None, 0, 0
    for number, raw in _lines(data):
        line = raw.rstrip(b"\r")
        if not line.strip():
            continue
        in_file += 1
        if in_file > cap:
            continue
        fields = line.split(b"\t")
        if dim is None:
            dim = len(fields)
            _check_shape(1, dim, name)
            vectors = np.empty((_max_rows(min(n_lines, cap), dim, len(data)), dim), dtype=np.float32)
        vectors[kept] = _parse_row(fields, dim, number, name)
        kept += 1
    if not kept:
        raise InputError(f"'{name}' has no vectors. A vectors.tsv has one tab-separated vector per line.")
    vectors = vectors[:kept]
    notes = []
    if metadata is None:
        words = [str(i) for i in range(1, kept + 1)]
        meta = None
        notes.append("No metadata.tsv: the vectors are named by their row number.")
    else:
        words, meta = _read_metadata(metadata, in_file, kept)
    space = Space.from_vectors(words, vectors, meta=meta)
    return space, in_file, notes


def _read_metadata(data: bytes, n_vectors: int, keep: int):
    text = data.decode("utf-8-sig", errors="replace").replace("\r\n", "\n").rstrip("\n")
    rows = [line.split("\t") for line in text.split("\n")] if text else []
    width = len(rows[0]) if rows else 0
    header = rows[0] if width > 1 else None
    body = rows[1:] if header else rows
    if len(body) != n_vectors:
        raise InputError(f"metadata.tsv has {len(body):,} rows{' after its header' if header else ''} but "
                         f"vectors.tsv has {n_vectors:,}; they must match line for line.")
    for i, row in enumerate(body[:keep], start=2 if header else 1):
        if len(row) != width:
            raise InputError(f"metadata.tsv line {i}: {len(row)} columns but the first line has {width}.")
    body = body[:keep]
    words = [row[0] for row in body]
    seen = {}
    for i, w in enumerate(words, start=2 if header else 1):
        if not w:
            raise InputError(f"metadata.tsv line {i}: the first column (the key) is empty.")
        if w in seen:
            raise InputError(f"metadata.tsv line {i}: {w!r} already appeared on line {seen[w]}. "
                             "The first column must name each vector once.")
        seen[w] = i
    if header is None:
        return words, None
    columns = [c or f"column {j + 1}" for j, c in enumerate(header[1:], start=1)]
    meta = pd.DataFrame([row[1:] for row in body], columns=columns, index=pd.Index(words))
    if "count" in meta.columns:
        counts = pd.to_numeric(meta["count"], errors="coerce")
        if counts.notna().all():
            meta["count"] = counts.astype(np.int64)
        else:
            meta = meta.rename(columns={"count": "count (text)"})
    return words, meta


def run_import_job(workspace, args: dict, progress) -> dict:
    """Background job ``import_vectors``: :func:`read_uploads` of staged files, saved as a new model.

    The Import page runs this for uploads above :func:`embedlab.config.inline_limit`
    ``("import_bytes")`` bytes: parsing millions of numbers in the web server's
    process would hold it up.

    Parameters
    ----------
    workspace : Workspace
    args : dict
        ``files``: list of [name, staged path] (removed when the job ends);
        ``format`` (or None to detect), ``max_words`` (or None), ``name`` (or None).
    progress : callable

    Returns
    -------
    dict
        ``model_id``, ``name``, ``words``, ``dim``, ``format``, ``notes``.

    Raises
    ------
    InputError
        As :func:`read_vectors`; or the workspace is over its disk quota.
    """
    progress(0.05, "Reading the vectors")
    staged = list(args["files"]) + ([args["images"]] if args.get("images") else [])
    try:
        files = [(name, Path(path).read_bytes()) for name, path in args["files"]]
        images = (args["images"][0], Path(args["images"][1]).read_bytes()) if args.get("images") else None
    finally:
        for _, path in staged:
            workspace.unstage(path)
    space = read_uploads(files, fmt=args.get("format"), max_words=args.get("max_words"))
    del files
    if images is not None:
        progress(0.5, f"Reading the images of {images[0]}")
        add_images(space, images[1], images[0], args.get("image_tile"), args.get("image_side"))
    progress(0.7, f"Saving {len(space):,} words × {space.dim} dimensions")
    model_id = workspace.save_space(space, args.get("name") or None)
    return {"model_id": model_id, "name": workspace.model_record(model_id)["name"], "words": len(space),
            "dim": space.dim, "format": space.info["source_format"], "notes": list(space.info.get("notes", [])),
            "images": space.info.get("images")}


def add_images(space: Space, data: bytes, name: str, image_tile: Optional[int] = None,
               image_side: Optional[int] = None) -> None:
    """Give imported vectors (CNN or CLIP embeddings of images) their images, saved with the model.

    A zip of images named after the keys, or a sprite sheet of ``image_tile``-pixel
    tiles in the vectors' order (:func:`embedlab.sources.images.images_for_vectors`);
    the space's items become images (Explore shows them) and its notes say how
    many keys have no image.

    Raises
    ------
    InputError
        Unreadable images, or no image matches a key.
    """
    from embedlab.sources.images import attach_images, images_for_vectors

    aligned = images_for_vectors(data, name, space.words, tile=image_tile, side=image_side)
    attach_images(space, aligned)
    space.info["images"] = len(aligned)
    space.info["notes"] = list(space.info.get("notes", [])) + list(aligned.notes)
