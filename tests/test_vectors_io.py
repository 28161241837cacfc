"""Import (embedlab.sources.vectors) and export (embedlab.sources.export) of word vectors."""

import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gensim.models import KeyedVectors
from gensim.models.fasttext import load_facebook_vectors
from gensim.test.utils import datapath

from embedlab import InputError, Space, Workspace
from embedlab.sources import export as ex
from embedlab.sources.vectors import detect_format, read_vectors, read_vectors_path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def time_limit(seconds):
    """Fail (instead of hanging the suite) when the block runs longer than ``seconds``."""

    def boom(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture
def small_space():
    rng = np.random.default_rng(7)
    words = ["the", "naïve", "café", "movie", "日本", "a_b"]
    meta = pd.DataFrame({"label": ["The", "Naive", "Cafe", "Movie", "Japan", "A\tB"],
                         "count": [60, 50, 40, 30, 20, 10], "genres": ["x|y", "", "z", "x", "y", "z"]})
    scale = 10.0 ** rng.integers(-6, 6, (6, 1))  # tiny and huge values must survive the text formats exactly
    return Space.from_vectors(words, rng.standard_normal((6, 7)).astype(np.float32) * scale, meta=meta,
                              info={"name": "tiny model"})


# -- reading real files written by other tools, compared with gensim -----------------------------

@pytest.mark.parametrize("file, fmt, kwargs", [
    ("crime-and-punishment.vec", "fasttext-vec", {}),
    ("test_glove.txt", "glove", {"no_header": True}),
    ("euclidean_vectors.bin", "word2vec-binary", {"binary": True}),
])
def test_reads_real_files_like_gensim(file, fmt, kwargs):
    space = read_vectors_path(datapath(file))
    kv = KeyedVectors.load_word2vec_format(datapath(file), **kwargs)
    assert space.info["source_format"] == fmt
    assert space.kind == "imported" and space.info["file_name"] == file
    assert space.words == kv.index_to_key
    np.testing.assert_array_equal(space.vectors, kv.vectors)


@pytest.mark.parametrize("file", ["crime-and-punishment.bin", "lee_fasttext_new.bin", "lee_fasttext.bin",
                                  "non_ascii_fasttext.bin"])
def test_fasttext_bin_matches_gensim_including_oov(file):
    space = read_vectors_path(datapath(file))
    kv = load_facebook_vectors(datapath(file))
    assert space.info["source_format"] == "fasttext-bin" and space.has_subwords
    assert space.words == kv.index_to_key
    np.testing.assert_allclose(space.vectors, kv.vectors, rtol=0, atol=1e-6)
    for oov in ("steamtrainx", "unseeen", "zzzq"):
        assert space.is_from_subwords(oov)
        np.testing.assert_allclose(space.vector(oov), kv.get_vector(oov), atol=1e-6)
    assert space.counts.sum() > 0


def test_cap_keeps_most_frequent_first():
    space = read_vectors_path(datapath("crime-and-punishment.vec"), max_words=10)
    full = read_vectors_path(datapath("crime-and-punishment.vec"))
    assert space.words == full.words[:10]
    np.testing.assert_array_equal(space.vectors, full.vectors[:10])
    assert space.info["words_in_file"] == 291 and "first 10 of 291" in space.info["notes"][0]
    ft = read_vectors_path(datapath("crime-and-punishment.bin"), max_words=5)
    assert len(ft) == 5 and ft.has_subwords
    # the n-gram table is kept whole, so unseen words get the same vectors as from the full file
    np.testing.assert_array_equal(ft.vector("steamtrainx"),
                                  read_vectors_path(datapath("crime-and-punishment.bin")).vector("steamtrainx"))


def test_imported_space_round_trips_through_the_store(tmp_path):
    ws = Workspace(tmp_path / "ws")
    space = read_vectors_path(datapath("crime-and-punishment.bin"))
    back = ws.load_space(ws.save_space(space, "cp"))
    assert back.has_subwords and back.words == space.words
    np.testing.assert_array_equal(back.vectors, space.vectors)
    np.testing.assert_array_equal(back.vector("steamtrainx"), space.vector("steamtrainx"))
    assert back.info["source_format"] == "fasttext-bin"


# -- round trips through our exporter -----------------------------------------------------------

@pytest.mark.parametrize("fmt", ["word2vec-text", "word2vec-binary"])
def test_word2vec_round_trip_exact(small_space, fmt, tmp_path):
    data, file_name, _ = ex.export(small_space, fmt)
    assert file_name == "tiny_model" + (".txt" if fmt.endswith("text") else ".bin")
    back = read_vectors(data, file_name)
    assert back.info["source_format"] == fmt
    assert back.words == small_space.words
    np.testing.assert_array_equal(back.vectors, small_space.vectors)
    # and gensim reads our files too
    (tmp_path / file_name).write_bytes(data)
    kv = KeyedVectors.load_word2vec_format(str(tmp_path / file_name), binary=fmt.endswith("binary"))
    np.testing.assert_array_equal(kv.vectors, small_space.vectors)


def test_gensim_written_files_read_back(small_space, tmp_path):
    for binary in (False, True):
        path = tmp_path / f"g{int(binary)}.bin"
        small_space.kv.save_word2vec_format(str(path), binary=binary)
        back = read_vectors_path(path, fmt="word2vec-binary" if binary else "word2vec-text")
        assert back.words == small_space.words
        np.testing.assert_array_equal(back.vectors, small_space.vectors)


def test_projector_round_trip_with_metadata(small_space):
    meta_bytes = ex.projector_metadata(small_space)
    header = meta_bytes.decode().splitlines()[0].split("\t")
    assert header == ["word", "label", "count", "genres"]
    assert "A B" in meta_bytes.decode()  # the tab inside a label cannot break the row
    back = read_vectors(ex.projector_vectors(small_space), "vectors.tsv", metadata=meta_bytes)
    assert back.words == small_space.words
    np.testing.assert_array_equal(back.vectors, small_space.vectors)
    assert back.meta["count"].tolist() == [60, 50, 40, 30, 20, 10]
    assert back.meta["label"].tolist()[:2] == ["The", "Naive"]
    zipped = read_vectors(ex.projector_zip(small_space, max_words=3), "tiny.zip")
    assert zipped.words == small_space.words[:3]
    assert zipped.info["source_format"] == "projector"


def test_projector_single_column_metadata_has_no_header():
    vectors = b"1\t2\n3\t4\n"
    space = read_vectors(vectors, "vectors.tsv", metadata=b"cat\ndog\n")
    assert space.words == ["cat", "dog"]
    np.testing.assert_array_equal(space.vectors, [[1, 2], [3, 4]])
    unnamed = read_vectors(vectors, "vectors.tsv")
    assert unnamed.words == ["1", "2"] and "row number" in unnamed.info["notes"][0]
    with pytest.raises(InputError, match="metadata.tsv has 3 rows"):
        read_vectors(vectors, "vectors.tsv", metadata=b"a\nb\nc\n")


def test_export_cap_and_space_in_keys(hand_space):
    space = hand_space({"new york": [1, 0], "paris": [0, 1], "rome": [1, 1]})
    text = ex.word2vec_text(space, max_words=2).decode()
    assert text.splitlines() == ["2 2", "new_york 1 0", "paris 0 1"]
    clash = hand_space({"a b": [1, 0], "a_b": [0, 1]})
    with pytest.raises(InputError, match="same once"):
        ex.word2vec_text(clash)
    with pytest.raises(InputError, match="Unknown export format"):
        ex.export(space, "pickle")


# -- detection -----------------------------------------------------------------------------------

def test_detect_format(small_space):
    assert detect_format(ex.word2vec_text(small_space), "m.txt") == "word2vec-text"
    assert detect_format(ex.word2vec_text(small_space), "m.vec") == "fasttext-vec"
    assert detect_format(ex.word2vec_binary(small_space), "m.bin") == "word2vec-binary"
    assert detect_format(b"the 0.1 0.2\n", "glove.6B.50d.txt") == "glove"
    assert detect_format(b"0.1\t0.2\n", "vectors.tsv") == "projector"
    assert detect_format(Path(datapath("crime-and-punishment.bin")).read_bytes(), "x.dat") == "fasttext-bin"


def test_gzip_upload_is_read(small_space):
    import gzip

    space = read_vectors(gzip.compress(ex.word2vec_text(small_space)), "m.txt.gz")
    assert space.words == small_space.words and space.info["file_name"] == "m.txt"


# -- malformed files ---------------------------------------------------------------------------------

def test_huge_header_does_not_allocate(tmp_path):
    """A header announcing 200,000,000 × 300 is refused before any big allocation (1 GB address-space cap)."""
    script = (
        "import resource, sys; sys.path.insert(0, %r)\n"
        "from embedlab.sources import vectors\n"
        "from embedlab.errors import InputError\n"
        "vectors.MAX_WORDS = 10**9\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "for data, name in [(b'200000000 300\\nthe ' + b'\\0' * 1200 + b'\\n', 'huge.bin'),\n"
        "                   (b'200000000 300\\nthe ' + b'0.1 ' * 300 + b'\\n', 'huge.txt'),\n"
        "                   (b'100000 4000\\n' + b'w 1\\n' * 100000, 'short-rows.txt'),\n"
        "                   (b'1\\t' * 3999 + b'1\\n' + b'1\\n' * 100000, 'vectors.tsv')]:\n"
        "    try:\n"
        "        vectors.read_vectors(data, name)\n"
        "    except InputError as exc:\n"
        "        print('REFUSED', exc)\n"
    ) % str(ROOT)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 4 and all(line.startswith("REFUSED") for line in lines)
    assert "announces 200,000,000 words" in lines[0] and "cut off or the header is wrong" in lines[0]
    assert "line 1 announces 200,000,000 words but the file has 1 rows" in lines[1]
    assert "line 2: 1 values but the vectors have 4000 dimensions" in lines[2]
    assert "line 2: 1 values but the vectors have 4000 dimensions" in lines[3]


def test_too_many_announced_words_and_dims():
    with pytest.raises(InputError, match="at most 5,000,000"):
        read_vectors(b"200000000 300\nthe 1\n", "big.txt")
    with pytest.raises(InputError, match="100,000 dimensions"):
        read_vectors(b"1 100000\nthe 1\n", "wide.txt")


def _fasttext_bytes():
    return Path(datapath("crime-and-punishment.bin")).read_bytes()


def test_truncated_fasttext_bin_never_hangs():
    """Cut the file at many places (inside the header, the dictionary, the matrix): always a quick InputError."""
    data = _fasttext_bytes()
    cuts = sorted(set(list(range(0, 200, 7)) + list(range(200, 4000, 37)) + list(range(4000, len(data), 997))))
    with time_limit(30):
        for cut in cuts:
            with pytest.raises(InputError) as info:
                read_vectors(data[:cut], "cp.bin", fmt="fasttext-bin")
            if cut:
                assert "cut off" in str(info.value) or "empty" in str(info.value) or "damaged" in str(info.value)


def test_truncated_inside_dictionary_names_the_word():
    data = _fasttext_bytes()
    # gensim's _fasttext_bin.load spins forever reading b"" at a cut like this one
    with time_limit(10), pytest.raises(InputError, match=r"ends inside the dictionary at word \d+ of 291"):
        read_vectors(data[:3400], "cp.bin", fmt="fasttext-bin")


def test_fasttext_bin_damaged_word_without_terminator():
    data = bytearray(_fasttext_bytes())
    # overwrite the dictionary with non-zero bytes: no word terminator within the length limit
    start = 8 + 48 + 8 + 12 + 8 + 8  # magic, version, args, dictionary header: the first word starts here
    data[start:2000] = b"a" * (2000 - start)
    with time_limit(10), pytest.raises(InputError, match="word 1 of 291"):
        read_vectors(bytes(data), "cp.bin", fmt="fasttext-bin")


def test_fasttext_bin_nan_is_reported():
    data = bytearray(_fasttext_bytes())
    space = read_vectors(bytes(data), "cp.bin")
    # poison the first value of the first word's row: find it by its float32 bytes
    from embedlab.sources import vectors as v

    first = np.float32(read_vectors(bytes(data), "cp.bin").kv.vectors_vocab[0, 0]).tobytes()
    at = bytes(data).find(first, 1000)
    data[at:at + 4] = np.float32(np.nan).tobytes()
    with pytest.raises(InputError, match=r"word 1 \('и'\) has NaN"):
        read_vectors(bytes(data), "cp.bin")
    assert len(space) == 291 and v.MAX_WORDS >= 291


@pytest.mark.parametrize("text, match", [
    (b"2 3\nthe 1 2 3\nthe 4 5 6\n", r"line 3: the word 'the' already appeared on line 2"),
    (b"2 3\nthe 1 2 3\ncat 4 nan 6\n", r"line 3: the vector has NaN or infinite"),
    (b"2 3\nthe 1 2 3\ncat 4 inf 6\n", r"line 3: the vector has NaN or infinite"),
    (b"2 3\nthe 1 2 3\ncat 4 5\n", r"line 3: 2 values but the vectors have 3 dimensions"),
    (b"2 3\nthe 1 2 3\ncat 4 5 6 7\n", r"line 3: 4 values"),
    (b"2 3\nthe 1 2 3\ncat 4 x5 6\n", r"line 3: 'x5' is not a number"),
    (b"3 3\nthe 1 2 3\ncat 4 5 6\n", r"announces 3 words but the file has 2 rows"),
    (b"the 1 2 3\n", r"line 1: expected a header"),
])
def test_malformed_word2vec_text(text, match):
    with pytest.raises(InputError, match=match):
        read_vectors(text, "v.txt", fmt="word2vec-text")


@pytest.mark.parametrize("text, match", [
    (b"the 1 2\ncat 3 4\n\ndog 5\n", r"line 4: 1 values"),
    (b"the 1 2\ncat 3 4\nthe 5 6\n", r"line 3: the word 'the' already appeared on line 1"),
    (b"the 1 2\ncat 3 -inf\n", r"line 2: the vector has NaN"),
])
def test_malformed_glove(text, match):
    with pytest.raises(InputError, match=match):
        read_vectors(text, "glove.txt")


def test_malformed_projector():
    with pytest.raises(InputError, match=r"line 2: 1 values but the vectors have 2"):
        read_vectors(b"1\t2\n3\n", "vectors.tsv")
    with pytest.raises(InputError, match=r"metadata.tsv line 3: 'a' already appeared on line 2"):
        read_vectors(b"1\t2\n3\t4\n", "vectors.tsv", metadata=b"word\tcount\na\t1\na\t2\n")


def test_malformed_word2vec_binary(small_space):
    data = ex.word2vec_binary(small_space)
    with pytest.raises(InputError, match="cut off"):
        read_vectors(data[:-20], "m.bin")
    dup = ex.word2vec_binary(Space.from_vectors(["ab", "cd"], np.eye(2))).replace(b"cd ", b"ab ")
    with pytest.raises(InputError, match=r"vector 2 .*'ab' already appeared as vector 1"):
        read_vectors(dup, "m.bin")
    nan = ex.word2vec_binary(Space.from_vectors(["ab", "cd"], [[1, np.inf], [0, 1]]))
    with pytest.raises(InputError, match=r"vector 1 .*NaN or infinite"):
        read_vectors(nan, "m.bin")


@pytest.mark.parametrize("data, name", [
    (b"", "empty.txt"), (b"   \n\n", "blank.txt"), (b"1 2\n", "header-only.txt"),
    (bytes(range(256)) * 20, "garbage.dat"), (bytes(range(256)) * 20, "garbage.bin"),
    (b"\x1f\x8b\x08\x00garbage", "bad.txt.gz"), (b"PK\x03\x04garbage", "bad.zip"),
])
def test_empty_and_garbage_files(data, name):
    with time_limit(10), pytest.raises(InputError):
        read_vectors(data, name)


def test_garbage_for_every_format():
    rng = np.random.default_rng(0)
    garbage = rng.integers(0, 256, 5000, dtype=np.uint8).tobytes()
    from embedlab.sources.vectors import FORMATS

    with time_limit(20):
        for fmt in FORMATS:
            with pytest.raises(InputError):
                read_vectors(garbage, "x", fmt=fmt)
    with pytest.raises(InputError, match="Unknown vector format"):
        read_vectors(b"1 2\n", "x", fmt="pickle")


def test_upload_size_limit(monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_UPLOAD_MB", "0.001")
    with pytest.raises(InputError, match="over the"):
        read_vectors(b"the 1 2\n" * 1000, "big.txt")


def test_read_uploads_pairs_projector_files(small_space):
    from embedlab.sources.vectors import read_uploads

    pair = [("metadata.tsv", ex.projector_metadata(small_space)), ("vectors.tsv", ex.projector_vectors(small_space))]
    space = read_uploads(pair, max_words=4)
    assert space.words == small_space.words[:4] and space.info["source_format"] == "projector"
    one = read_uploads([("m.txt", ex.word2vec_text(small_space))])
    assert one.words == small_space.words
    with pytest.raises(InputError, match="Choose a vectors file"):
        read_uploads([])
    with pytest.raises(InputError, match="metadata.tsv"):
        read_uploads([("a.txt", b"x 1\n"), ("b.txt", b"y 1\n")])


def test_projector_metadata_blanks_missing_values():
    meta = pd.DataFrame({"label": ["Toy Story", None], "genres": pd.array(["Animation", pd.NA], dtype="string")})
    space = Space.from_vectors(["1", "2"], np.eye(2), meta=meta)
    lines = ex.projector_metadata(space).decode().splitlines()
    assert lines == ["word\tlabel\tgenres\tcount", "1\tToy Story\tAnimation\t0", "2\t\t\t0"]
