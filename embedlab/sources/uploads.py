"""Turn uploaded bytes into text safely: size limits, decompression, encoding.

Every reader of user files starts here, so the checks live in one place:
empty files, binary files, gzip/zip bombs, files over the upload limit and
text that is not UTF-8 all get an :class:`~embedlab.errors.InputError` (or a
visible note) instead of a crash.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from dataclasses import dataclass, field
from typing import Optional

from embedlab import config
from embedlab.errors import InputError
from embedlab.sources.encoding import guess_encoding

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


@dataclass
class DecodedText:
    """Text decoded from bytes.

    Attributes
    ----------
    text : str
    encoding : str
        The codec that was used.
    note : str or None
        A message for the user when the encoding had to be guessed.
    """

    text: str
    encoding: str
    note: Optional[str] = None


@dataclass
class UploadedFile:
    """One file after decompression: its name (without ``.gz``) and its bytes."""

    name: str
    data: bytes
    notes: list = field(default_factory=list)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def check_size(n_bytes: int, what: str = "The upload", limit: Optional[int] = None) -> None:
    """Raise InputError when ``n_bytes`` is over the upload limit."""
    limit = config.max_upload_bytes() if limit is None else limit
    if n_bytes > limit:
        raise InputError(
            f"{what} is {_mb(n_bytes)}, over the {_mb(limit)} limit. Upload a smaller file "
            "(or a sample of it), or raise EMBEDLAB_MAX_UPLOAD_MB when you run embedlab yourself."
        )


def _gunzip(data: bytes, name: str, limit: int) -> bytes:
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            while True:
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                out.write(chunk)
                check_size(out.tell(), f"'{name}' once decompressed", limit)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"'{name}' is not a complete gzip file ({exc}). Upload it again, or uncompressed.") from exc
    return out.getvalue()


def unpack(data: bytes, name: str, limit: Optional[int] = None,
           suffixes: tuple = (".txt",)) -> list[UploadedFile]:
    """Decompress an upload into the text files it holds.

    Parameters
    ----------
    data : bytes
        The uploaded bytes.
    name : str
        The uploaded file name; ``.gz`` is stripped, ``.zip`` is opened and its
        members ending in one of ``suffixes`` returned in name order.
    limit : int, optional
        Largest total size in bytes after decompression (default: the upload limit).
    suffixes : tuple of str
        Which members of a zip to read (optionally ``.gz``-compressed).

    Returns
    -------
    list of UploadedFile

    Raises
    ------
    InputError
        Empty upload, corrupt archive, an archive without ``.txt`` files, or
        more data than the limit once decompressed.
    """
    limit = config.max_upload_bytes() if limit is None else limit
    if not data:
        raise InputError(f"'{name}' is empty. Choose a file that has some text in it.")
    check_size(len(data), f"'{name}'", limit)
    lower = name.lower()
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, name, limit)
        if lower.endswith(".gz"):
            name, lower = name[:-3], lower[:-3]
        if not data:
            raise InputError(f"'{name}' decompresses to nothing. Choose a file that has some text in it.")
    if data[:4] == b"PK\x03\x04" or lower.endswith(".zip"):
        return _unzip(data, name, limit, suffixes)
    return [UploadedFile(name, data)]


def _unzip(data: bytes, name: str, limit: int, suffixes: tuple) -> list[UploadedFile]:
    wanted = tuple(suffixes) + tuple(s + ".gz" for s in suffixes)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [
            m for m in archive.infolist()
            if not m.is_dir() and m.filename.lower().endswith(wanted)
            and not m.filename.startswith("__MACOSX/") and not m.filename.rsplit("/", 1)[-1].startswith(".")
        ]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(f"'{name}' is not a readable zip file ({exc}). Upload it again.") from exc
    if not members:
        kinds = "/".join(suffixes)
        raise InputError(f"'{name}' holds no {kinds} files. Put the file(s) to read in the zip.")
    files, total = [], 0
    for member in sorted(members, key=lambda m: m.filename):
        total += member.file_size
        check_size(total, f"'{name}' once unzipped", limit)
        try:
            # read at most what the header promised, plus one byte to catch liars
            with archive.open(member) as fh:
                content = fh.read(member.file_size + 1)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
            raise InputError(f"'{member.filename}' inside '{name}' cannot be read ({exc}).") from exc
        if len(content) > member.file_size:
            raise InputError(f"'{member.filename}' inside '{name}' is larger than its header says; the zip is damaged.")
        if content[:2] == b"\x1f\x8b":
            content = _gunzip(content, member.filename, limit - total + member.file_size)
        files.append(UploadedFile(member.filename, content))
    return files


def looks_binary(data: bytes) -> bool:
    """True when the bytes look like a binary file rather than text."""
    head = data[:8192]
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control > 0.05 * max(len(head), 1)


def decode(data: bytes, name: str = "the file", encoding: Optional[str] = None) -> DecodedText:
    """Decode text bytes, detecting the encoding when it is not UTF-8.

    Parameters
    ----------
    data : bytes
    name : str
        Used in messages.
    encoding : str, optional
        A codec name chosen by the user; overrides detection.

    Returns
    -------
    DecodedText
        With ``note`` set when the encoding was not UTF-8 and had to be guessed.

    Raises
    ------
    InputError
        Empty or binary data, or an unknown / unfitting ``encoding``.
    """
    if not data or not data.strip():
        raise InputError(f"'{name}' is empty. Choose a file that has some text in it.")
    if looks_binary(data):
        raise InputError(
            f"'{name}' looks like a binary file, not text. Upload plain text (.txt), a CSV/TSV, "
            "or a .zip/.gz of text files."
        )
    if encoding:
        try:
            return DecodedText(data.decode(encoding), encoding)
        except LookupError as exc:
            raise InputError(f"'{encoding}' is not an encoding Python knows. Try utf-8, latin-1 or cp1252.") from exc
        except UnicodeDecodeError as exc:
            raise InputError(f"'{name}' is not valid {encoding} ({exc.reason} at byte {exc.start}). Choose another encoding.") from exc
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return DecodedText(data.decode(codec), codec)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"'{name}' starts with a {codec} byte-order mark but is not valid {codec} "
                    f"({exc.reason} at byte {exc.start}); it may be cut short. Save it again as UTF-8, "
                    "or choose its encoding by hand."
                ) from exc
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    # Western European unless the bytes say otherwise (charset-normalizer alone reads latin-1 as cp1250)
    guess, _ = guess_encoding(data)
    for codec in [c for c in (guess, "cp1252", "latin-1") if c]:
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        note = (
            f"'{name}' is not valid UTF-8; it was read as {codec}. If some words look wrong, "
            "choose the right encoding by hand."
        )
        return DecodedText(text, codec, note)
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover
