"""Issue 13 items 5-11 below the pages: readers, encoding, labels on a crowded map, and the figures' fixes.

Hand-made cases with known answers, and rating/item files built from the
shipped MovieLens ml-latest-small the way MovieLens 100k writes them.
"""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embedlab.errors import InputError
from embedlab.probes.recommend import RANKING_NOTE
from embedlab.sources.documents import read_documents, table_columns, text_columns
from embedlab.sources.encoding import guess_encoding, looks_western
from embedlab.sources.ratings import read_delimited, read_item_metadata, read_ratings, stray_rows
from embedlab.sources.uploads import decode
from embedlab.views import bias as bias_views
from embedlab.views import scatter
from embedlab.views.axes import log_axis, log_ticks, tick_text
from embedlab.views.labels import CHAR_WIDTH, LINE_HEIGHT, thin_labels
from embedlab.views.training import loss_curve

ROOT = Path(__file__).resolve().parent.parent
ML = ROOT / "sample_corpora" / "ml-latest-small"
ACCENTED = "C'est arrivé près de chez vous (1992)"


def u_data(n_rows: int = 3000, trailing: str = "\t", stray: str = "") -> bytes:
    """The first ratings of ml-latest-small written as MovieLens 100k's u.data (tabs, no header) with a
    separator at the end of every line but the first (as the file in issue 13 had)."""
    frame = pd.read_csv(ML / "ratings.csv", nrows=n_rows)
    lines = [f"{r.userId}\t{r.movieId}\t{r.rating:g}\t{r.timestamp}" for r in frame.itertuples()]
    lines = lines[:1] + [ln + trailing for ln in lines[1:]]
    return ("\n".join(lines) + "\n" + stray).encode("ascii")


def u_item(titles: dict) -> bytes:
    """A u.item file (pipe-separated, latin-1, 19 genre flags) for the given id -> title."""
    flags = "|".join(["0"] * 8 + ["1"] + ["0"] * 10)  # Drama
    body = "".join(f"{i}|{t}|01-Jan-1995||http://us.imdb.com/|{flags}\n" for i, t in titles.items())
    return body.encode("latin-1")


# -- 13.6: trailing separators, plain messages, stray rows ------------------------------------------

@pytest.mark.parametrize("separator", [None, "\t", "whitespace"])
def test_u_data_with_trailing_tabs_reads_whatever_the_separator(separator):
    table = read_ratings(u_data(), "u.data", separator=separator)
    assert len(table) == 3000 and table.n_users == len(set(pd.read_csv(ML / "ratings.csv", nrows=3000)["userId"]))
    assert table.t is not None and table.r.max() <= 5
    if separator != "whitespace":
        assert any("2,999 line(s) end with an extra tab; it was ignored" in n for n in table.notes)


def test_trailing_separators_with_a_header_do_not_shift_columns():
    raw = read_delimited(b"user,item,rating,\n1,10,4,\n2,10,5,\n3,11,1,\n", "r.csv")
    assert list(raw.frame.columns) == ["user", "item", "rating"]
    assert raw.frame["user"].tolist() == ["1", "2", "3"]


def test_ragged_lines_are_explained_in_plain_words():
    with pytest.raises(InputError) as info:
        read_ratings(b"1,2,3\n4,5,6\n7,8,9,10\n", "r.csv")
    message = str(info.value)
    assert message.startswith("Line 3 of 'r.csv' has 4 fields but line 1 has 3 (fields separated by comma).")
    assert "Expected" not in message and "C error" not in message and "tokenizing" not in message
    with pytest.raises(InputError, match="A double quote on line 2 of 'r.csv' is never closed"):
        read_ratings(b'u,i,r\n1,"2,3\n3,4,5\n', "r.csv")
    with pytest.raises(InputError, match="only one column when its fields are separated by comma"):
        read_delimited(b"justoneword\nanother\n", "x.txt", separator=",")


def test_stray_row_is_left_out_and_named():
    data = u_data(stray="0\t50\t5\t881250949\n")
    table = read_ratings(data, "u.data")
    assert "0" not in set(table.users) and len(table) == 3000
    note = next(n for n in table.notes if n.startswith("Left out"))
    assert "Left out 1 stray row(s): line 3,001 (user '0')" in note
    kept = read_ratings(data, "u.data", stray="keep")
    assert "0" in set(kept.users) and len(kept) == 3001


def test_stray_rule_on_hand_made_ids():
    ids = pd.Series([str(i) for i in range(1, 13) for _ in range(2)] + ["0", "13", "x7"])
    assert ids[stray_rows(ids)].tolist() == ["0", "x7"]  # 13 is a new id like the others, not a stray
    # too few ids to know what they look like: nothing is stray
    assert not stray_rows(pd.Series(["1", "1", "2", "2", "0"])).any()
    # text ids: no rule applies
    assert not stray_rows(pd.Series([f"u{i}" for i in range(20)] * 2 + ["0"])).any()


# -- 13.7: latin-1 item file ------------------------------------------------------------------------

def test_u_item_latin1_is_read_as_latin1_not_cp1250():
    titles = {1: "Toy Story (1995)", 2: "GoldenEye (1995)", 1300: ACCENTED, 3: "Four Rooms (1995)"}
    meta, notes = read_item_metadata(u_item(titles), "u.item")
    assert meta.loc["1300", "title"] == ACCENTED  # not "prčs"
    assert any("read as latin-1" in n for n in notes)
    # the user's own choice wins
    forced, _ = read_item_metadata(u_item(titles), "u.item", encoding="cp1250")
    assert forced.loc["1300", "title"] == "C'est arrivé prčs de chez vous (1992)"


@pytest.mark.parametrize("text, written, read", [
    (f"1|{ACCENTED}|01-Jan-1992\n2|Toy Story (1995)|x\n", "latin-1", "latin-1"),
    ("Café crème, naïve façade, señor, déjà vu. Grüße aus Köln.", "latin-1", "latin-1"),
    ("“Quoted” – a dash… and a café", "cp1252", "cp1252"),
    ("Привет мир, как дела? Это тест русского текста.", "cp1251", "cp1251"),
    ("Zażółć gęślą jaźń, mówię po polsku.", "cp1250", "cp1250"),
    ("Příliš žluťoučký kůň úpěl ďábelské ódy.", "cp1250", "cp1250"),
    ("Καλημέρα κόσμε, αυτό είναι ένα τεστ.", "cp1253", "cp1253"),
])
def test_encoding_is_western_unless_the_bytes_say_otherwise(text, written, read):
    decoded = decode(text.encode(written), "f.txt")
    assert decoded.text == text and decoded.encoding == read
    assert "not valid UTF-8" in decoded.note


def test_looks_western():
    assert looks_western("arrivé près de chez vous") and looks_western("plain ascii")
    assert not looks_western("Ïðèâåò ìèð")  # Russian read as cp1252: whole words of accented letters
    assert not looks_western("Za¿ó³æ gê¶l¹")  # Polish read as cp1252: symbols inside words
    assert guess_encoding("prés".encode("latin-1")) == ("latin-1", "Western European")


# -- 13.8: a CSV with no text column ------------------------------------------------------------------

def test_csv_of_ids_and_numbers_is_refused_at_upload_naming_its_columns():
    data = (ML / "ratings.csv").read_bytes()[:5000]
    data = data[:data.rindex(b"\n") + 1]
    with pytest.raises(InputError) as info:
        table_columns(data, "ratings.csv")
    message = str(info.value)
    assert "no column with text" in message
    assert "'userId', 'movieId', 'rating', 'timestamp'" in message and "Ratings page" in message
    with pytest.raises(InputError, match="no column with text"):
        read_documents(data, "ratings.csv")


def test_text_columns_and_an_explicit_column_without_words():
    frame = pd.DataFrame({"id": ["tt0114709", "a3f9-11", "7"], "score": ["3.5", "1e5", "-2"],
                          "review": ["A fine film.", "Awful", "so-so, really"]})
    assert text_columns(frame) == ["review"]
    data = frame.to_csv(index=False).encode()
    assert table_columns(data, "r.csv") == ["review"]
    assert read_documents(data, "r.csv").documents[0] == "A fine film."
    with pytest.raises(InputError, match="Column 'score' of 'r.csv' holds only numbers or ids.*'review'"):
        read_documents(data, "r.csv", text_column="score")


# -- 13.5: labels on a crowded map ------------------------------------------------------------------

def _boxes(x, y, texts, kept, width=900.0, height=600.0, font=10.0, where=None):
    """Label boxes in pixels as plotly places them ("top center", "top left", "top right" of the point)."""
    x0, x1 = x.min() - 0.05 * np.ptp(x), x.max() + 0.05 * np.ptp(x)
    y0, y1 = y.min() - 0.05 * np.ptp(y), y.max() + 0.05 * np.ptp(y)
    px, py = (x - x0) * width / (x1 - x0), (y - y0) * height / (y1 - y0)
    w = np.array([len(t) for t in texts]) * CHAR_WIDTH * font
    where = where or ["top center"] * len(kept)
    left = {"top center": lambda i: px[i] - w[i] / 2, "top left": lambda i: px[i] - w[i], "top right": lambda i: px[i]}
    return [(left[p](i), left[p](i) + w[i], py[i], py[i] + LINE_HEIGHT * font) for i, p in zip(kept, where)]


def _overlapping(boxes):
    return [(a, b) for a in range(len(boxes)) for b in range(a + 1, len(boxes))
            if boxes[a][0] < boxes[b][1] and boxes[b][0] < boxes[a][1]
            and boxes[a][2] < boxes[b][3] and boxes[b][2] < boxes[a][3]]


def test_thin_labels_hand_made():
    x, y = np.array([0.0, 0.0, 10.0]), np.array([0.0, 0.0, 10.0])
    # two labels on the same spot: only the first by priority is written
    assert thin_labels(x, y, ["aa", "bb", "cc"], priority=np.array([2, 1, 3])).tolist() == [1, 2]
    assert thin_labels(x, y, ["aa", "bb", "cc"], max_labels=1).tolist() == [0]
    assert thin_labels(np.array([]), np.array([]), []).tolist() == []
    # long labels side by side collide, short ones do not (points 0 and 5 are 20 px apart at 900 px)
    xs, ys = np.array([-100.0, 0.0, 5.0, 100.0]), np.zeros(4)
    assert thin_labels(xs, ys, ["x", "a", "b", "c"]).tolist() == [0, 1, 2, 3]
    long_ones = ["x", "a very long title (1990)", "another long title (1991)", "c"]
    assert thin_labels(xs, ys, long_ones).tolist() == [0, 1, 3]
    # a label that would stick out of the plot's side is written beside its point, inside the plot
    kept, where = thin_labels(xs, ys, ["a very long title at the left edge (1990)", "a", "b", "c"], positions=True)
    assert kept.tolist() == [0, 1, 2, 3] and where == ["top right", "top center", "top center", "top center"]


def test_a_crowded_map_of_titles_keeps_only_labels_that_fit():
    movies = pd.read_csv(ML / "movies.csv").head(1682)
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"word": movies["movieId"].astype(str), "label": movies["title"],
                          "x": rng.standard_normal(len(movies)), "y": rng.standard_normal(len(movies)),
                          "frequency rank": np.arange(1, len(movies) + 1)})
    kept, where = scatter.label_points(frame, positions=True)
    assert 10 < len(kept) < 200  # far fewer than the 300 of old, drawn on top of each other
    assert 0 in kept  # the most frequent is always written
    boxes = _boxes(frame["x"].to_numpy(), frame["y"].to_numpy(), frame["label"].tolist(), kept,
                   scatter.PLOT_WIDTH_ESTIMATE, scatter.PLOT_HEIGHT_ESTIMATE, where=where)
    assert _overlapping(boxes) == []
    assert all(0 <= b[0] and b[1] <= scatter.PLOT_WIDTH_ESTIMATE for b in boxes)  # none cut at the sides
    fig = scatter.scatter_figure(frame, 2, labels=True)
    texts = [t for t in fig.data if t.mode == "text"][0].text
    assert list(texts) == frame["label"].iloc[kept].tolist()
    # search matches are labelled first, and the other labels keep clear of them
    matches = frame["label"].str.contains("Star").to_numpy()
    fig = scatter.scatter_figure(frame, 2, labels=True, highlight=matches)
    ring = [t for t in fig.data if t.name == "search matches"][0]
    named = [t for t in ring.text if t]
    assert named and set(named) <= set(frame["label"][matches])
    both, where = scatter.label_points(frame, 2, highlight=matches, positions=True)
    named_matches = set(np.flatnonzero(matches)) & set(both.tolist())
    # matches are named before any other label: the most frequent always, and most of them
    assert np.flatnonzero(matches)[0] in named_matches and len(named_matches) >= 0.5 * matches.sum()
    boxes = _boxes(frame["x"].to_numpy(), frame["y"].to_numpy(), frame["label"].tolist(), both,
                   scatter.PLOT_WIDTH_ESTIMATE, scatter.PLOT_HEIGHT_ESTIMATE, where=where)
    assert _overlapping(boxes) == []
    assert len(scatter.label_points(frame.assign(z=0.0), 3)) == scatter.MAX_TEXT_LABELS_3D


# -- 13.11: legend order, toolbar, log ticks, loss chart -----------------------------------------------

def test_cluster_legend_in_number_order_and_clear_of_the_toolbar():
    assert scatter.category_order(["cluster 10", "cluster 2", "cluster 1", "cluster 2"]) == \
        ["cluster 1", "cluster 2", "cluster 10"]
    assert scatter.category_order(["Drama", "other", "Comedy", "Drama"]) == ["Drama", "Comedy", "other"]
    n = 60
    frame = pd.DataFrame({"word": [f"w{i}" for i in range(n)], "label": [f"w{i}" for i in range(n)],
                          "x": np.arange(n, dtype=float), "y": np.zeros(n), "frequency rank": np.arange(1, n + 1)})
    colour = np.array([f"cluster {i % 12 + 1}" for i in range(n)], dtype=object)
    fig = scatter.scatter_figure(frame, 2, colour=colour)
    assert [t.name for t in fig.data] == [f"cluster {i}" for i in range(1, 13)]
    assert fig.layout.margin.t >= 40  # plotly's toolbar sits above the plot, not over the first legend entry


def test_log_axes_write_values_out():
    vals, texts = log_ticks([0.3, 40])
    assert dict(zip(vals, texts))[0.5] == "0.5" and "5" in texts and texts.count("5") == 1
    assert texts == ["0.2", "0.5", "1", "2", "5", "10", "20", "50"]  # 1-2-5 steps a little beyond the data
    assert tick_text(1000) == "1,000" and tick_text(0.05) == "0.05" and tick_text(2e7) == "2e+7"
    assert log_axis([1, 10_000])["ticktext"] == ["1", "10", "100", "1,000", "10,000"]
    assert log_axis([])["type"] == "log"


def test_loss_chart_draws_its_first_point():
    assert loss_curve([]) is None and loss_curve([None]) is None
    fig = loss_curve([123456.0], epochs=5)
    assert list(fig.data[0].y) == [123456.0] and "epoch 1: 123,456" in fig.data[0].text[0]
    assert list(fig.layout.xaxis.range) == [0.5, 5.5]
    assert "text" not in loss_curve([3.0, 2.0], epochs=5).data[0].mode


# -- 13.9: bias figures ---------------------------------------------------------------------------

def test_bar_chart_and_axes_plot_agree_on_which_side_is_she():
    bar = bias_views.projection_bar(pd.DataFrame({"word": ["nurse", "engineer"], "projection": [0.2, -0.1]}),
                                    labels=("she", "he"))
    axes = bias_views.axes_scatter(pd.DataFrame({"word": ["nurse"], "x": [0.2], "y": [0.1]}), "she - he", "rich - poor")
    bar_title, axes_title = bar.layout.xaxis.title.text, axes.layout.xaxis.title.text
    assert bar_title.startswith("← he") and bar_title.endswith("she →")
    assert axes_title.startswith("← he") and axes_title.endswith("she →")
    assert axes.layout.yaxis.title.text.startswith("↓ poor") and axes.layout.yaxis.title.text.endswith("rich ↑")
    assert bias_views.spec_ends("she − he") == ("she", "he") and bias_views.spec_ends("gender") == ("", "")


def test_weat_word_plot_has_a_row_per_word():
    words = ["rose", "tulip", "daisy", "lily", "spider", "moth", "ant", "flea-bitten caterpillar"]
    scores = pd.DataFrame({"word": words, "set": ["Flowers"] * 4 + ["Insects"] * 4,
                           "association": np.linspace(-0.2, 0.3, 8)})
    fig = bias_views.weat_word_scores(scores, ("pleasant", "unpleasant"))
    shown = [w for t in fig.data for w in t.y]
    assert sorted(shown) == sorted(words) and len(set(shown)) == 8  # every name on its own row, none dropped
    assert list(fig.layout.yaxis.categoryarray) == shown and fig.layout.yaxis.automargin
    assert fig.layout.height >= 16 * 8 + 140
    assert all(t.mode == "markers" for t in fig.data)  # no text laid over other text


# -- 13.10 ---------------------------------------------------------------------------------------

def test_ranking_note_says_why_popularity_wins():
    assert "Cremonesi, Koren & Turrin 2010" in RANKING_NOTE and "top-N comparison below" in RANKING_NOTE
    assert re.search(r"popularity baseline beat SVD on NDCG@10", RANKING_NOTE)
