"""Reading uploads and preprocessing: formats and every bad input from issue 2."""

import gzip
import io
import zipfile

import pytest

import embedlab
from embedlab.errors import InputError
from embedlab.sources.corpus import build_corpus
from embedlab.sources.documents import read_documents, table_columns
from embedlab.sources.preprocess import MAX_LINE_TOKENS, PreprocessConfig, tokenize
from embedlab.sources.samples import SAMPLES, sample_documents
from embedlab.sources.uploads import decode

from conftest import ROOT

REVIEWS = (ROOT / "sample_corpora" / "movie_reviews.csv").read_bytes()
SPEECHES = (ROOT / "sample_corpora" / "us_presidential_speeches.csv").read_bytes()


def test_csv_text_column_and_columns_listed():
    # only columns with words in them are offered: review_id holds ids like "cv000_29416"
    assert table_columns(REVIEWS, "movie_reviews.csv") == ["sentiment", "text"]
    raw = read_documents(REVIEWS, "movie_reviews.csv", text_column="text")
    assert len(raw.documents) == 2000
    assert raw.documents[0].startswith("plot : two teen couples")


def test_csv_guesses_text_column():
    raw = read_documents(SPEECHES, "speeches.csv")
    assert len(raw.documents) == 124 and "Fellow-Citizens" in raw.documents[0]


def test_missing_column_names_the_columns():
    with pytest.raises(InputError, match="no column 'body'.*review_id, sentiment, text"):
        read_documents(REVIEWS, "movie_reviews.csv", text_column="body")


def test_tsv_txt_gzip_and_zip():
    tsv = b"id\ttext\n1\thello world\n2\tsecond doc\n"
    assert read_documents(tsv, "a.tsv").documents == ["hello world", "second doc"]
    txt = b"first line\n\nsecond line\n"
    assert read_documents(txt, "a.txt").documents == ["first line", "second line"]
    assert read_documents(gzip.compress(txt), "a.txt.gz").documents == ["first line", "second line"]
    assert read_documents(gzip.compress(tsv), "a.tsv.gz").documents == ["hello world", "second doc"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("docs/b.txt", "document b\nstill b")
        zf.writestr("docs/a.txt", "document a")
        zf.writestr("__MACOSX/docs/._a.txt", "junk")
        zf.writestr("image.png", b"\x89PNG")
    docs = read_documents(buf.getvalue(), "docs.zip").documents
    assert docs == ["document a", "document b\nstill b"]


def test_empty_and_blank_files():
    with pytest.raises(InputError, match="empty"):
        read_documents(b"", "a.txt")
    with pytest.raises(InputError, match="empty"):
        read_documents(b"  \n\n ", "a.txt")


def test_binary_file_is_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(InputError, match="binary"):
        read_documents(png, "photo.txt")


def test_non_utf8_is_detected_with_a_note_and_can_be_overridden():
    text = "Café crème, naïve façade, señor, déjà vu. " * 20
    raw = read_documents(text.encode("latin-1"), "french.txt")
    assert raw.notes and "not valid UTF-8" in raw.notes[0]
    assert "Café" in raw.documents[0]
    forced = read_documents(text.encode("latin-1"), "french.txt", encoding="latin-1")
    assert forced.documents[0].startswith("Café") and not forced.notes
    with pytest.raises(InputError, match="not valid utf-8"):
        read_documents(text.encode("latin-1"), "french.txt", encoding="utf-8")
    with pytest.raises(InputError, match="not an encoding"):
        decode(b"abc", encoding="klingon")


def test_utf16_with_bom():
    assert read_documents("hello there\n".encode("utf-16"), "u16.txt").documents == ["hello there"]


def test_over_the_size_limit(monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_UPLOAD_MB", "0.001")
    with pytest.raises(InputError, match="over the 0 MB limit|limit"):
        read_documents(b"word " * 1000, "big.txt")


def test_gzip_bomb_is_stopped(monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_UPLOAD_MB", "1")
    bomb = gzip.compress(b"a " * (5 * 1024 * 1024))
    assert len(bomb) < 1024 * 1024
    with pytest.raises(InputError, match="decompressed.*limit"):
        read_documents(bomb, "bomb.txt.gz")


def test_truncated_gzip_and_broken_zip():
    with pytest.raises(InputError, match="not a complete gzip"):
        read_documents(gzip.compress(b"hello world " * 100)[:40], "cut.txt.gz")
    with pytest.raises(InputError, match="zip"):
        read_documents(b"PK\x03\x04garbage", "bad.zip")


def test_tokenize_options():
    text = "New York's café: 42 cats, 3.5 dogs — and the NEW-YORK times!"
    cfg = PreprocessConfig()
    assert tokenize(text, cfg) == ["new", "york's", "cafe", "cats", "dogs", "and", "the", "new-york", "times"]
    keep = PreprocessConfig(lowercase=False, strip_accents=False, drop_punctuation=False, drop_numbers=False)
    toks = tokenize(text, keep)
    assert "café" in toks and "42" in toks and ":" in toks and "NEW-YORK" in toks
    assert "the" not in tokenize(text, PreprocessConfig(remove_stopwords=True))
    assert all(len(t) >= 4 for t in tokenize(text, PreprocessConfig(min_token_len=4)))


def test_bad_preprocess_options():
    with pytest.raises(InputError):
        PreprocessConfig(min_token_len=0)


def test_long_documents_are_split(tmp_path):
    doc = " ".join(f"w{i % 50}x" for i in range(MAX_LINE_TOKENS * 2 + 5))
    corpus = build_corpus([doc, "short one"], tmp_path / "c", "long")
    lengths = [len(line.split()) for line in corpus.lines_file.read_text().splitlines()]
    assert lengths == [MAX_LINE_TOKENS, MAX_LINE_TOKENS, 5, 2]
    assert corpus.stats["documents"] == 2 and corpus.stats["lines"] == 4


def test_nothing_left_after_preprocessing(tmp_path):
    with pytest.raises(InputError, match="Nothing is left"):
        build_corpus(["123 456", "7.5 , ;"], tmp_path / "c", "numbers")


def test_phrases_join_collocations(tmp_path):
    speeches = sample_documents("us_presidential_speeches").documents
    corpus = build_corpus(speeches, tmp_path / "c", "speeches", PreprocessConfig(phrases=True))
    assert corpus.counts["united_states"] > 100
    assert "united_states" not in build_corpus(speeches[:5], tmp_path / "d", "few").counts.index


def test_samples_ship_and_read():
    assert set(SAMPLES) == {"movie_reviews", "us_presidential_speeches", "lee_background"}
    lee = sample_documents("lee_background")
    assert len(lee.documents) == 300
    with pytest.raises(InputError, match="no shipped corpus"):
        sample_documents("nope")


def test_corpus_stats_and_min_count(lee_corpus):
    s = lee_corpus.stats
    assert s["documents"] == 300 and s["tokens"] == int(lee_corpus.counts.sum())
    assert s["vocabulary"] == len(lee_corpus.counts)
    assert lee_corpus.counts.index[0] == "the"
    assert lee_corpus.surviving(1) == s["vocabulary"] > lee_corpus.surviving(5) > 0
    table = lee_corpus.survivors_table((1, 5))
    assert table["words kept"].tolist() == [lee_corpus.surviving(1), lee_corpus.surviving(5)]


def test_prepare_file_from_disk(tmp_path):
    ws = embedlab.Workspace(tmp_path / "ws")
    path = tmp_path / "notes.txt"
    path.write_text("the cat sat\nthe dog ran\n", encoding="utf-8")
    corpus = embedlab.prepare_file(ws, path)
    assert corpus.stats == {"documents": 2, "lines": 2, "tokens": 6, "vocabulary": 5}
    with pytest.raises(InputError, match="no file"):
        embedlab.prepare_file(ws, tmp_path / "missing.txt")
