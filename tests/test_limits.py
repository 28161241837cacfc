"""Limits hold on every upload path: archive tricks end in a clear message, in bounded time and memory.

Every reader of user files (corpora, a table's columns, rating tables, vector
files) is fed the same hostile archives, built here:

* a zip of ``.gz`` members that together expand far beyond the upload limit;
* a ``.gz`` of a zip that does the same;
* nested archives (a zip in a zip, a gzip of a zip of gzip, an archive
  disguised under a text name);
* a zip of 100,000 tiny members;
* a member whose path climbs out of the archive (``../../x``).

Each call must end in an :class:`~embedlab.errors.InputError` whose message
says what was wrong, or (for a reader that uses one member and finds it within
the limit) a result; never another exception. The wall time and the peak of
Python-tracked memory (tracemalloc: bytes objects, numpy and pandas buffers)
of each call are bounded; one test measures a child process's peak RSS.

To cover a new data kind (graphs, documents), add its reader to
``READERS``: the member suffix it reads, one valid line of its format, and
whether it reads every member of an archive or only the first.
"""

import gzip
import io
import os
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile
from dataclasses import dataclass
from typing import Callable

import pytest

from embedlab.errors import InputError
from embedlab.sources import uploads

from conftest import ROOT

LIMIT_MB = 2
LIMIT = LIMIT_MB * 1024 * 1024
#: Wall-clock bound of one call: catches a hang, not a slow machine.
TIME_BOUND_S = 30.0
#: Python-tracked memory one call may hold at its peak: the limit's worth of decompressed text, the parsers'
#: working copies of it and the archive itself. The bombs below expand to 2.4 x LIMIT and (unchecked) far more.
MEMORY_BOUND = 4 * LIMIT


@dataclass
class Reader:
    """One upload path: how to call it, what member names it reads, a valid line of its format."""

    id: str
    call: Callable
    suffix: str
    line: bytes
    reads_every_member: bool


def _documents(data, name):
    from embedlab.sources.documents import read_documents

    return read_documents(data, name)


def _table_columns(data, name):
    from embedlab.sources.documents import table_columns

    return table_columns(data, name)


def _ratings(data, name):
    from embedlab.sources.ratings import read_ratings

    return read_ratings(data, name)


def _vectors(data, name):
    from embedlab.sources.vectors import read_vectors

    return read_vectors(data, name)


def _image_zip(data, name):
    from embedlab.sources.images import read_image_zip

    return read_image_zip(data, name, side=8)


def _png() -> bytes:
    """A 4 x 4 grey PNG: the one valid "line" of an image zip (repeated, it is still a readable PNG)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (4, 4), 128).save(out, format="PNG")
    return out.getvalue()
def _edge_list(data, name):
    from embedlab.sources.graphs import read_edge_list

    return read_edge_list(data, name)


READERS = [
    Reader("corpus", _documents, ".txt", b"the cat sat on the mat\n", True),
    Reader("table columns", _table_columns, ".csv", b"7,the cat sat\n", False),
    Reader("rating table", _ratings, ".csv", b"1,2,3.5\n", False),
    Reader("vectors", _vectors, ".tsv", b"0.1\t0.2\t0.3\n", True),
    Reader("image zip", _image_zip, ".png", _png(), True),
    Reader("edge list", _edge_list, ".csv", b"alice,bob,2\n", False),
]


def _zip(members, compression=zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


def _fill(line: bytes, size: int) -> bytes:
    return line * (size // len(line) + 1)


def zip_of_gz_members(reader: Reader):
    """Eight .gz members of 0.3 x the limit each: 2.4 x the limit in all, about 20 KB on the wire."""
    member = gzip.compress(_fill(reader.line, int(0.3 * LIMIT)), 9)
    names = [f"part{i}{reader.suffix}.gz" for i in range(8)]
    if reader.id == "vectors":
        names[0] = "vectors.tsv.gz"
    return _zip([(n, member) for n in names]), "upload.zip", "decompressed"


def gz_of_a_zip(reader: Reader):
    """A gzip of a (deflated) zip whose members together expand to 3 x the limit."""
    members = [(f"part{i}{reader.suffix}", _fill(reader.line, LIMIT)) for i in range(3)]
    if reader.id == "vectors":
        members[0] = ("vectors.tsv", members[0][1])
    inner = _zip(members, zipfile.ZIP_DEFLATED)
    return gzip.compress(inner, 9), "upload.zip.gz", "decompressed"


def zip_in_a_zip(reader: Reader):
    inner = _zip([(f"data{reader.suffix}", reader.line * 10)])
    return _zip([(f"data{reader.suffix}", reader.line * 10), ("more.zip", inner)]), "upload.zip", "one level"


def gz_of_zip_of_gz(reader: Reader):
    inner = _zip([(("vectors" if reader.id == "vectors" else "data") + reader.suffix + ".gz",
                   gzip.compress(reader.line * 10))])
    return gzip.compress(inner), "upload.zip.gz", "one level"


def archive_under_a_text_name(reader: Reader):
    disguised = _zip([(f"data{reader.suffix}", reader.line * 10)])
    name = ("vectors" if reader.id == "vectors" else "data") + reader.suffix
    return _zip([(name, disguised)]), "upload.zip", "one level"


def many_tiny_members(reader: Reader):
    """100,000 one-line members (about 10 MB; zip64): refused from the directory record, before parsing it."""
    if "tiny" not in _BUILT:  # the member names' suffix does not matter: build the archive once
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
            for i in range(100_000):
                zf.writestr(f"{i}.txt", b"a\n")
        _BUILT["tiny"] = buf.getvalue()
    return _BUILT["tiny"], "upload.zip", "100,000 files"


def path_traversal(reader: Reader):
    name = ("vectors" if reader.id == "vectors" else "x") + reader.suffix
    return _zip([(f"../../{name}", reader.line * 10)]), "upload.zip", "leaves the archive"


ATTACKS = [zip_of_gz_members, gz_of_a_zip, zip_in_a_zip, gz_of_zip_of_gz, archive_under_a_text_name,
           many_tiny_members, path_traversal]
_BUILT = {}


def _attack(build, reader):
    key = (build.__name__, reader.id)
    if key not in _BUILT:  # 100,000 members take a second to zip: build each archive once
        _BUILT[key] = build(reader)
    return _BUILT[key]


def measured(call):
    """(result or InputError, seconds, peak tracemalloc bytes) of ``call()``."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        outcome = call()
    except InputError as exc:
        outcome = exc
    finally:
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return outcome, seconds, peak


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.id)
@pytest.mark.parametrize("build", ATTACKS, ids=lambda b: b.__name__)
def test_hostile_archive_ends_in_a_clear_message(build, reader, monkeypatch):
    data, name, message = _attack(build, reader)
    # the directory of 100,000 members alone is about 10 MB: under the limit, so the member count is what stops it
    monkeypatch.setenv("EMBEDLAB_MAX_UPLOAD_MB", str(16 if build is many_tiny_members else LIMIT_MB))
    outcome, seconds, peak = measured(lambda: reader.call(data, name))
    assert seconds < TIME_BOUND_S, f"{reader.id} took {seconds:.1f} s"
    assert peak < MEMORY_BOUND + 2 * len(data), f"{reader.id} held {peak / 2**20:.0f} MB at its peak"
    one_member_is_fine = build is zip_of_gz_members and not reader.reads_every_member
    if one_member_is_fine:
        # a reader of one member decompresses that member only: 0.3 x the limit, a valid file
        assert not isinstance(outcome, InputError) or "decompressed" not in str(outcome), outcome
        return
    assert isinstance(outcome, InputError), f"{reader.id} accepted {build.__name__}: {outcome!r}"
    text = str(outcome)
    if build is many_tiny_members:
        assert "at most 10,000" in text, text
    else:
        assert message in text, text


def test_zip_of_gz_members_counts_every_member_against_one_limit():
    # the reproduction from the issue: a 1 MB limit, 8 gz members of 1,000,000 bytes each
    member = gzip.compress(b"a" * 1_000_000, 9)
    bomb = _zip([(f"m{i}.txt.gz", member) for i in range(8)])
    assert len(bomb) < 20_000
    with pytest.raises(InputError, match="once decompressed"):
        uploads.unpack(bomb, "bomb.zip", limit=1024 * 1024)
    # each member alone is within the limit: a zip of one of them is fine
    (one,) = uploads.unpack(_zip([("m.txt.gz", member)]), "one.zip", limit=1024 * 1024)
    assert one.name == "m.txt.gz" and len(one.data) == 1_000_000


def test_one_member_readers_decompress_only_that_member():
    # the second member is a bomb; a reader of the first one never opens it
    bomb = gzip.compress(b"9,9,9\n" * 2_000_000, 9)
    data = _zip([("a.csv", b"user,item,rating\n1,2,3\n3,4,5\n"), ("b.csv.gz", bomb)])
    (first,) = uploads.unpack(data, "t.zip", limit=1024 * 1024, suffixes=(".csv",), first_only=True)
    assert first.name == "a.csv"
    with pytest.raises(InputError, match="decompressed"):
        uploads.unpack(data, "t.zip", limit=1024 * 1024, suffixes=(".csv",))


def test_zip64_entry_count_is_read_from_the_directory_record():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(3):
            zf.writestr(f"{i}.txt", b"x")
    assert uploads.zip_entry_count(buf.getvalue()) == 3
    # above 65,535 entries the count moves to the zip64 record
    data, _, _ = many_tiny_members(READERS[0])
    assert uploads.zip_entry_count(data) == 100_000
    assert uploads.zip_entry_count(b"not a zip") is None


BOMB_CHILD = textwrap.dedent("""
    import gzip, io, os, resource, sys, zipfile
    from embedlab.errors import InputError
    from embedlab.sources.documents import read_documents
    member = gzip.compress(b"a " * (22 * 1024 * 1024), 6)   # 44 MB each, under the 50 MB limit alone
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(8):
            zf.writestr(f"m{i}.txt.gz", member)
    data = buf.getvalue()
    del member, buf
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        read_documents(data, "bomb.zip")
        print("accepted")
    except InputError as exc:
        print("refused:", exc)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("grew_kb", after - before)
""")


@pytest.mark.slow
def test_zip_bomb_peak_rss_stays_near_the_limit():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "EMBEDLAB_MAX_UPLOAD_MB": "50"}
    out = subprocess.run([sys.executable, "-c", BOMB_CHILD], capture_output=True, text=True, env=env, timeout=300,
                         cwd=str(ROOT))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0].startswith("refused:") and "once decompressed" in lines[0], lines
    grew_mb = int(lines[-1].split()[1]) / 1024
    # 8 x 44 MB = 352 MB before the budget; at most the 50 MB limit (plus the decoder's buffers) after
    assert grew_mb < 150, f"peak RSS grew by {grew_mb:.0f} MB"
