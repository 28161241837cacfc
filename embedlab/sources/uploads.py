"""Turn uploaded bytes into text safely: size limits, decompression, encoding.

Every reader of user files starts here, so the checks live in one place:
empty files, binary files, gzip/zip bombs, files over the upload limit and
text that is not UTF-8 all get an :class:`~embedlab.errors.InputError` (or a
visible note) instead of a crash.

Archives. One upload has one decompression budget (:class:`Budget`): every
byte that comes out of gzip or zip, in every member, counts against the upload
limit while it is streamed, so a zip of eight ``.gz`` members cannot expand to
eight times the limit. An archive may hold at most :data:`MAX_MEMBERS` entries
(counted from the zip's directory record before anything is parsed). Nesting
goes one level deep at most: a ``.zip`` of ``.gz`` files or a ``.gz`` of a
``.zip`` is read; a zip inside a zip, a gzip inside a gzip or anything deeper
is refused. A member whose path climbs out of the archive (``../../x``, ``/etc/x``)
is refused, although nothing is ever written to disk under a member's name.
"""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
import zlib
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

#: Most entries (files and folders) one zip upload may hold.
MAX_MEMBERS = 10_000
#: Bytes decompressed per read while streaming.
_CHUNK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
NESTING_RULE = ("embedlab opens one level of archives: a .zip of text files (which may be .gz-compressed) or a "
                ".gz of a .zip, not a zip inside a zip or anything deeper")


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


class Budget:
    """The decompression budget of one upload: bytes that may still come out of gzip/zip, all members together.

    Parameters
    ----------
    name : str
        The upload's name, for messages.
    limit : int, optional
        Bytes, default :func:`embedlab.config.max_upload_bytes`.

    Notes
    -----
    Bytes are counted as they are streamed, before they are kept, so memory
    never holds more than ``limit`` decompressed bytes plus one chunk.
    """

    def __init__(self, name: str, limit: Optional[int] = None):
        self.name = name
        self.limit = config.max_upload_bytes() if limit is None else int(limit)
        self.used = 0

    def take(self, n_bytes: int) -> None:
        """Count ``n_bytes`` more decompressed bytes.

        Raises
        ------
        InputError
            The upload, all its members together, decompresses to more than the limit.
        """
        self.used += int(n_bytes)
        check_size(self.used, f"'{self.name}' once decompressed (all its files together)", self.limit)

    @property
    def exhausted(self) -> bool:
        """True once more bytes were taken than the limit allows (a reader must stop, not skip a member)."""
        return self.used > self.limit

    def give_back(self, n_bytes: int) -> None:
        """Return bytes no longer held (a compressed member replaced by its decompressed text)."""
        self.used = max(0, self.used - int(n_bytes))


def is_zip(data: bytes) -> bool:
    """True when the bytes start like a zip archive."""
    return data[:4] in _ZIP_MAGICS


def is_gzip(data: bytes) -> bool:
    """True when the bytes start like gzip data."""
    return data[:2] == _GZIP_MAGIC


_is_zip, _is_gzip = is_zip, is_gzip


class NestedArchiveError(InputError):
    """An archive inside an archive: the whole upload is refused (readers that skip bad members do not skip this)."""


def _nested(name: str, inner: str) -> InputError:
    return NestedArchiveError(f"'{name}' holds {inner}. {NESTING_RULE}. Unpack it and upload the inner files.")


def gunzip(data: bytes, name: str, budget: Budget) -> bytes:
    """Decompress gzip bytes, streaming, counting every byte into ``budget``.

    Raises
    ------
    InputError
        Damaged or truncated gzip data, or the budget runs out.
    """
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            while True:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                budget.take(len(chunk))
                out.write(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"'{name}' is not a complete gzip file ({exc}). Upload it again, or uncompressed.") from exc
    return out.getvalue()


def zip_entry_count(data: bytes) -> Optional[int]:
    """Entries a zip says it holds, from its end-of-central-directory record (zip64 too), or None when not found.

    Read before :class:`zipfile.ZipFile` parses the directory, which builds
    one object per entry: an archive of a million empty files is refused
    without that cost. Format: PKWARE's APPNOTE.TXT, sections 4.3.14-4.3.16.
    """
    tail = data[-(1 << 16) - 22:]
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    total = struct.unpack_from("<H", tail, at + 10)[0]
    if total != 0xFFFF:
        return total
    locator = tail.rfind(b"PK\x06\x07", 0, at)  # zip64: the count is in the zip64 record the locator points at
    if locator < 0 or len(tail) - locator < 20:
        return None
    offset = struct.unpack_from("<Q", tail, locator + 8)[0]
    if offset + 56 > len(data) or data[offset:offset + 4] != b"PK\x06\x06":
        return None
    return struct.unpack_from("<Q", data, offset + 32)[0]


def _unsafe_path(member: str) -> bool:
    path = member.replace("\\", "/")
    return path.startswith("/") or (len(path) > 1 and path[1] == ":") or ".." in path.split("/")


def open_zip(data: bytes, name: str, max_members: int = MAX_MEMBERS,
             advice: str = "Join the files into fewer, larger ones (one document per line works).") -> tuple:
    """Open an uploaded zip after the checks every reader needs; nothing is decompressed yet.

    The entry count is read from the directory record first (a million empty
    files are refused before Python builds an object per entry); then no entry
    may climb out of the archive and none may be another archive by its name.

    Parameters
    ----------
    data : bytes
    name : str
        The upload's name, for messages.
    max_members : int
        Most entries (files and folders) allowed.
    advice : str
        What to do about too many entries (the reader's own advice).

    Returns
    -------
    (zipfile.ZipFile, list of zipfile.ZipInfo)

    Raises
    ------
    InputError
        Damaged zip (a version or compression Python cannot read included),
        too many entries, a member path outside the archive, a nested archive.
    """
    count = zip_entry_count(data)
    if count is not None and count > max_members:
        raise InputError(f"'{name}' holds {count:,} files; embedlab opens archives of at most {max_members:,}. "
                         + advice)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error, NotImplementedError, RuntimeError,
            zlib.error) as exc:
        # NotImplementedError: "zip file version 9.9" from a directory entry needing a newer zip than Python's
        raise InputError(f"'{name}' is not a readable zip file ({exc}). Upload it again.") from exc
    if len(infos) > max_members:
        raise InputError(f"'{name}' holds {len(infos):,} files; embedlab opens archives of at most "
                         f"{max_members:,}. " + advice)
    for info in infos:
        if _unsafe_path(info.filename):
            raise InputError(f"'{name}' holds a file whose path leaves the archive ({info.filename[:80]!r}). "
                             "Refused: zip the files again from inside their folder.")
    for info in infos:
        if not info.is_dir() and info.filename.lower().endswith((".zip", ".zip.gz", ".tar", ".tar.gz", ".tgz")):
            raise _nested(name, f"another archive ({info.filename[:80]!r})")
    return archive, infos


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, budget: Budget,
                gz_members: bool = True) -> bytes:
    """One member's bytes, streamed through the upload's budget; a ``.gz`` member is decompressed too.

    Parameters
    ----------
    archive : zipfile.ZipFile
    member : zipfile.ZipInfo
    name : str
        The upload's name, for messages.
    budget : Budget
        Counts every decompressed byte.
    gz_members : bool
        Whether a gzip-compressed member may be decompressed (False when the
        zip itself came out of a gzip: that would be a second level).

    Raises
    ------
    NestedArchiveError
        The member is itself an archive (or a gzip inside a gzip).
    InputError
        The member is damaged, or the budget runs out (then ``budget.exhausted``).
    """
    content = _read_member(archive, member, name, budget)
    if _is_gzip(content):
        if not gz_members:
            raise _nested(name, f"a gzip-compressed file ({member.filename[:80]!r}) inside a zip that was "
                                "itself gzip-compressed")
        compressed = len(content)
        content = gunzip(content, member.filename, budget)
        budget.give_back(compressed)
    if _is_zip(content) or _is_gzip(content):
        raise _nested(name, f"an archive inside an archive ({member.filename[:80]!r})")
    return content


def unzip(data: bytes, name: str, budget: Budget, suffixes: tuple = (".txt",), first_only: bool = False,
          gz_members: bool = True) -> list[UploadedFile]:
    """The members of a zip ending in one of ``suffixes`` (optionally ``.gz``), in name order.

    Parameters
    ----------
    data : bytes
    name : str
    budget : Budget
        Counts every decompressed byte of every member.
    suffixes : tuple of str
    first_only : bool
        Read only the first wanted member (in name order); the others are not decompressed.
    gz_members : bool
        Whether ``.gz`` members may be decompressed (False when the zip itself came out of a gzip).

    Raises
    ------
    InputError
        Damaged zip, more than :data:`MAX_MEMBERS` entries, a member path outside
        the archive, a nested archive, no wanted member, or the budget runs out.
    """
    archive, infos = open_zip(data, name)
    wanted = tuple(suffixes) + tuple(s + ".gz" for s in suffixes)
    members = sorted((m for m in infos if not m.is_dir() and m.filename.lower().endswith(wanted)
                      and not m.filename.startswith("__MACOSX/")
                      and not m.filename.rsplit("/", 1)[-1].startswith(".")), key=lambda m: m.filename)
    if not members:
        kinds = "/".join(suffixes)
        raise InputError(f"'{name}' holds no {kinds} files. Put the file(s) to read in the zip.")
    return [UploadedFile(member.filename, read_member(archive, member, name, budget, gz_members))
            for member in (members[:1] if first_only else members)]


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, budget: Budget) -> bytes:
    out = io.BytesIO()
    try:
        # streamed, whatever the header promises: the budget counts what really comes out
        with archive.open(member) as fh:
            while True:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                budget.take(len(chunk))
                out.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, zlib.error, ValueError,
            struct.error) as exc:  # ValueError: a directory offset that seeks before the start
        raise InputError(f"'{member.filename}' inside '{name}' cannot be read ({exc}).") from exc
    return out.getvalue()


def unpack(data: bytes, name: str, limit: Optional[int] = None,
           suffixes: tuple = (".txt",), first_only: bool = False) -> list[UploadedFile]:
    """Decompress an upload into the files it holds.

    Parameters
    ----------
    data : bytes
        The uploaded bytes.
    name : str
        The uploaded file name; ``.gz`` is stripped, ``.zip`` is opened and its
        members ending in one of ``suffixes`` returned in name order.
    limit : int, optional
        Largest total size in bytes after decompression, all members together
        (default: the upload limit).
    suffixes : tuple of str
        Which members of a zip to read (optionally ``.gz``-compressed).
    first_only : bool
        Read only the first wanted member of a zip (readers that use one file).

    Returns
    -------
    list of UploadedFile

    Raises
    ------
    InputError
        Empty upload, corrupt archive, an archive without wanted files, more
        data than the limit once decompressed, too many members, nested
        archives, member paths outside the archive.
    """
    budget = Budget(name, limit)
    if not data:
        raise InputError(f"'{name}' is empty. Choose a file that has some text in it.")
    check_size(len(data), f"'{name}'", budget.limit)
    lower = name.lower()
    from_gzip = False
    if _is_gzip(data):
        data = gunzip(data, name, budget)
        from_gzip = True
        if lower.endswith(".gz"):
            name, lower = name[:-3], lower[:-3]
        if not data:
            raise InputError(f"'{name}' decompresses to nothing. Choose a file that has some text in it.")
        if _is_gzip(data):
            raise _nested(name, "a gzip file inside a gzip file")
    if _is_zip(data) or lower.endswith(".zip"):
        return unzip(data, name, budget, suffixes, first_only=first_only, gz_members=not from_gzip)
    return [UploadedFile(name, data)]


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
