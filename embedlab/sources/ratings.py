"""Rating tables: read user × item ratings (and item metadata) from uploaded bytes.

A rating table is a list of (user, item, rating[, timestamp]) rows. This module
reads CSV, TSV, pipe-, semicolon- or whitespace-separated files, with or
without a header (MovieLens 100k's ``u.data`` is tab-separated without one;
``ml-latest-small/ratings.csv`` has one), maps the columns, validates every row
and turns ids into dense indices while keeping the original ids as strings.

Rules stated to the user (each one leaves a note in :attr:`RatingTable.notes`):

* a row with a missing user, item or rating, or a rating that is not a number,
  is an error whose message names the first offending line;
* separators at the end of a line (``196\t242\t3\t881250949\t``) are ignored;
  lines with different numbers of fields are an error naming the first one, in
  plain words;
* a **stray row** is left out and named in a note: a row whose user id (or
  item id) occurs in no other row and does not look like the other ids of its
  column, which are all whole numbers (at least 10 of them): the stray id is
  not a whole number, or it is 0 while every other id is 1 or more (a stray
  ``0`` line at the end of MovieLens's ``u.data``). Pass ``stray="keep"`` to
  keep such rows;
* duplicate (user, item) rows: the **last** one in file order is kept;
* no rating column means implicit feedback: every row counts as 1;
* ids are strings ("42", "0042" and "u42" are three different ids), so huge
  integers and text ids are kept exactly.

Upload limits, decompression (.gz) and encoding detection come from
:mod:`embedlab.sources.uploads`.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import pandas as pd

from embedlab import config
from embedlab.errors import InputError
from embedlab.sources.uploads import decode, unpack

#: MovieLens 100k's genre flags in ``u.item`` (columns 6-24), from its ``u.genre``.
ML100K_GENRES = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
                 "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
                 "War", "Western"]

SAMPLE_RATINGS = {
    "ml-latest-small": {
        "title": "MovieLens latest-small (100,004 ratings by 671 users of 9,066 movies)",
        "ratings": "ml-latest-small/ratings.csv",
        "items": "ml-latest-small/movies.csv",
        "citation": ("F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens Datasets: History and Context. "
                     "ACM Transactions on Interactive Intelligent Systems (TiiS) 5, 4, Article 19. "
                     "GroupLens Research, University of Minnesota. Research use only, no commercial use; "
                     "see sample_corpora/ml-latest-small/README.txt."),
    },
}

_USER_NAMES = ("user", "userid", "user_id", "uid", "customer", "customerid", "customer_id", "u")
_ITEM_NAMES = ("item", "itemid", "item_id", "movieid", "movie_id", "movie", "iid", "product", "productid",
               "product_id", "song", "track", "book", "isbn", "i")
_RATING_NAMES = ("rating", "ratings", "score", "stars", "value", "r", "preference")
_TIME_NAMES = ("timestamp", "time", "ts", "date", "datetime", "t")


def _num(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def sniff_separator(lines: list) -> str:
    """Guess the field separator from the first lines of a file.

    A candidate (``::``, tab, ``|``, ``,``, ``;``) qualifies when it occurs on
    every sampled line; a candidate that occurs equally often on every line wins
    (so the commas inside the titles of ``u.item`` do not beat its pipes), else
    the one with most occurrences on its sparsest line. Nothing qualifies:
    whitespace.

    Returns
    -------
    str
        The separator, or the regular expression ``r"\\s+"`` for whitespace.
    """
    lines = [ln for ln in lines if ln.strip()][:20]
    if not lines:
        return ","
    if all("::" in ln for ln in lines):
        return "::"
    best, best_min = None, 0
    for sep in ("\t", "|", ",", ";"):
        counts = [ln.count(sep) for ln in lines]
        if min(counts) < 1:
            continue
        if len(set(counts)) == 1:
            return sep
        if min(counts) > best_min:
            best, best_min = sep, min(counts)
    return best or r"\s+"


SEPARATOR_NAMES = {"\t": "tab", ",": "comma", "|": "pipe", ";": "semicolon", "::": "'::'", r"\s+": "spaces"}


def separator_name(sep: str) -> str:
    """A separator as a person calls it: "tab", "comma", ..."""
    return SEPARATOR_NAMES.get(sep, repr(sep))


def _strip_trailing_separators(body: str, sep: str) -> tuple:
    """Remove separators (and spaces) at the ends of lines; (new body, number of lines changed)."""
    if sep == r"\s+":
        return body, 0
    pattern = re.compile(r"(?:" + re.escape(sep) + r"[ \t]*)+(?=\r?$)", re.MULTILINE)
    new, n = pattern.subn("", body)
    return new, n


def _field_count_problem(body: str, sep: str, name: str, header: bool) -> Optional[str]:
    """A plain-words description of the first line whose number of fields differs from the first line's."""
    split = (lambda ln: ln.split()) if sep == r"\s+" else (lambda ln: ln.split(sep))
    first_count, first_no = None, None
    for no, line in enumerate(body.splitlines(), 1):
        if not line.strip():
            continue
        n = len(split(line))
        if first_count is None:
            first_count, first_no = n, no
        elif n != first_count:
            what = "the header line" if header and first_no == 1 else f"line {first_no}"
            return (f"Line {no:,} of '{name}' has {n} fields but {what} has {first_count} (fields separated by "
                    f"{separator_name(sep)}). Every line needs the same number of fields: choose the separator the "
                    "file really uses, and put a field that contains the separator (a title with a comma) in "
                    "double quotes.")
    return None


def _has_header(rows: list) -> bool:
    """True when some column holds text on row 1 but a number on row 2."""
    if len(rows) < 2:
        return not any(_num(x) for x in rows[0]) if rows else False
    first, second = rows[0], rows[1]
    return any(not _num(a.strip()) and _num(b.strip()) for a, b in zip(first, second))


@dataclass
class RawTable:
    """A delimited file read as text, before its columns are mapped.

    Attributes
    ----------
    frame : pandas.DataFrame
        Every cell as a string (no NA conversion).
    name : str
    separator : str
    header : bool
    encoding : str
    first_line : int
        File line number of ``frame``'s first row (2 with a header, else 1).
    notes : list of str
    """

    frame: pd.DataFrame
    name: str
    separator: str
    header: bool
    encoding: str
    first_line: int
    notes: list = field(default_factory=list)

    def guess_columns(self) -> dict:
        """A column mapping guessed from the header names, else by position.

        Returns
        -------
        dict
            ``{"user": col, "item": col, "rating": col or None, "timestamp": col or None}``.
        """
        cols = list(self.frame.columns)
        norm = {c: re.sub(r"[^a-z_]", "", str(c).lower()) for c in cols}

        def pick(names):
            for c in cols:
                if norm[c] in names:
                    return c
            return None

        guess = {"user": pick(_USER_NAMES), "item": pick(_ITEM_NAMES), "rating": pick(_RATING_NAMES),
                 "timestamp": pick(_TIME_NAMES)}
        if guess["user"] is None or guess["item"] is None:
            guess = {"user": cols[0], "item": cols[1] if len(cols) > 1 else None,
                     "rating": cols[2] if len(cols) > 2 else None, "timestamp": cols[3] if len(cols) > 3 else None}
        return guess


def read_delimited(data: bytes, name: str = "ratings", separator: Optional[str] = None,
                   header: Optional[bool] = None, encoding: Optional[str] = None) -> RawTable:
    """Read a delimited text file into a table of strings.

    Parameters
    ----------
    data : bytes
        The upload (plain or gzip).
    name : str
    separator : str, optional
        Field separator; guessed by :func:`sniff_separator` when None.
        ``"whitespace"`` means runs of spaces/tabs.
    header : bool, optional
        Whether the first line holds column names; guessed when None (a
        column with text on line 1 and a number on line 2).
    encoding : str, optional
        Text encoding; detected when None (a non-UTF-8 guess adds a note).

    Raises
    ------
    InputError
        Empty, binary or too large upload; a file with a single column.
    """
    # only the member read is decompressed: the first table in name order
    file = unpack(data, name, suffixes=(".csv", ".tsv", ".dat", ".data", ".txt"), first_only=True)[0]
    text = decode(file.data, file.name, encoding)
    notes = list(file.notes) + ([text.note] if text.note else [])
    body = text.text
    head_lines = body[:200_000].splitlines()[:21]
    sep = separator or sniff_separator(head_lines)
    if sep == "whitespace":
        sep = r"\s+"
    # MovieLens-style lines that end with a separator would otherwise have one field too many
    body, n_trailing = _strip_trailing_separators(body, sep)
    if n_trailing:
        notes.append(f"{n_trailing:,} line(s) end with an extra {separator_name(sep)}; it was ignored.")
        head_lines = body[:200_000].splitlines()[:21]
    split = (lambda ln: ln.split()) if sep == r"\s+" else (lambda ln: ln.split(sep))
    if header is None:
        header = _has_header([split(ln) for ln in head_lines if ln.strip()][:2])
    try:
        frame = pd.read_csv(io.StringIO(body), sep=sep, header=0 if header else None, dtype=str,
                            keep_default_na=False, na_filter=False, skip_blank_lines=True,
                            engine="python" if len(sep) > 1 and sep != r"\s+" else "c",
                            quotechar='"', encoding_errors="strict")
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(_parse_problem(exc, body, sep, file.name, bool(header))) from exc
    if frame.shape[1] < 2:
        raise InputError(f"'{file.name}' has only one column when its fields are separated by "
                         f"{separator_name(sep)}. A rating table needs at least a user and an item column: "
                         "choose the separator the file uses (comma, tab, pipe, semicolon or spaces).")
    if not header:
        frame.columns = [f"column {i + 1}" for i in range(frame.shape[1])]
    else:
        frame.columns = [str(c).strip() for c in frame.columns]
    return RawTable(frame, file.name, sep, bool(header), text.encoding, 2 if header else 1, notes)


def _parse_problem(exc: Exception, body: str, sep: str, name: str, header: bool) -> str:
    """What pandas's tokenizer error means, in plain words, with what to do."""
    problem = _field_count_problem(body, sep, name, header)
    if problem:
        return problem
    text = str(exc)
    m = re.search(r"EOF inside string starting (?:at|with) (?:row|line) (\d+)", text)
    if m or "EOF inside string" in text:
        where = f" on line {int(m.group(1)) + 1:,}" if m else ""
        return (f"A double quote{where} of '{name}' is never closed, so the rest of the file reads as one field. "
                "Close the quote, or remove it.")
    return (f"'{name}' could not be read as a table with fields separated by {separator_name(sep)}. Choose the "
            "separator the file uses: one rating per line, fields separated by a comma, tab, pipe, semicolon or "
            "spaces.")


@dataclass
class RatingTable:
    """Validated ratings with dense indices.

    Attributes
    ----------
    users : ndarray of shape (n_users,), str
        Original user ids; ``users[u]`` is the id of dense index ``u``.
    items : ndarray of shape (n_items,), str
        Original item ids.
    u, i : ndarray of shape (n_ratings,), int32
        Dense user and item index of each rating.
    r : ndarray of shape (n_ratings,), float64
        The rating (1.0 for implicit feedback).
    t : ndarray of shape (n_ratings,), int64, or None
        Timestamp (seconds) when the table has one.
    implicit : bool
        True when there was no rating column.
    name : str
    notes : list of str
        What was fixed or guessed on the way (duplicates removed, encoding).
    item_meta : pandas.DataFrame or None
        Indexed by item id (str): ``title``, ``genres`` when an item file was given.
    """

    users: np.ndarray
    items: np.ndarray
    u: np.ndarray
    i: np.ndarray
    r: np.ndarray
    t: Optional[np.ndarray] = None
    implicit: bool = False
    name: str = "ratings"
    notes: list = field(default_factory=list)
    item_meta: Optional[pd.DataFrame] = None

    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def n_items(self) -> int:
        return len(self.items)

    def __len__(self) -> int:
        return len(self.r)

    @property
    def density(self) -> float:
        """Fraction of the user × item matrix that is rated."""
        return len(self) / float(self.n_users * self.n_items)

    def user_counts(self) -> np.ndarray:
        """ndarray of shape (n_users,), int64: ratings per user."""
        return np.bincount(self.u, minlength=self.n_users).astype(np.int64)

    def item_counts(self) -> np.ndarray:
        """ndarray of shape (n_items,), int64: ratings per item."""
        return np.bincount(self.i, minlength=self.n_items).astype(np.int64)

    def stats(self) -> dict:
        """Summary figures: users, items, ratings, density, rating range and mean, per-user/item medians."""
        uc, ic = self.user_counts(), self.item_counts()
        return {
            "users": self.n_users, "items": self.n_items, "ratings": len(self), "density": self.density,
            "implicit": self.implicit, "rating_min": float(self.r.min()), "rating_max": float(self.r.max()),
            "rating_mean": float(self.r.mean()), "median_ratings_per_user": float(np.median(uc)),
            "median_ratings_per_item": float(np.median(ic)), "has_timestamps": self.t is not None,
        }

    def rating_histogram(self) -> pd.DataFrame:
        """How often each rating value occurs: DataFrame(rating, count), sorted by rating."""
        values, counts = np.unique(self.r, return_counts=True)
        return pd.DataFrame({"rating": values, "count": counts.astype(np.int64)})

    def item_labels(self) -> np.ndarray:
        """Display label of every item (title when known, else the id), shape (n_items,)."""
        if self.item_meta is None or "title" not in self.item_meta:
            return self.items.astype(object)
        titles = self.item_meta["title"].reindex(pd.Index(self.items)).to_numpy(dtype=object)
        return np.where(pd.isna(titles) | (titles == ""), self.items.astype(object), titles)

    def item_genres(self) -> np.ndarray:
        """Genres of every item ('' when unknown), shape (n_items,)."""
        if self.item_meta is None or "genres" not in self.item_meta:
            return np.array([""] * self.n_items, dtype=object)
        g = self.item_meta["genres"].reindex(pd.Index(self.items)).to_numpy(dtype=object)
        return np.where(pd.isna(g), "", g)

    def subset(self, mask: np.ndarray) -> "RatingTable":
        """The same users and items (same dense indices) with only the rows in ``mask``."""
        return RatingTable(self.users, self.items, self.u[mask], self.i[mask], self.r[mask],
                           None if self.t is None else self.t[mask], self.implicit, self.name, list(self.notes),
                           self.item_meta)

    # -- storage: one parquet file (+ an optional items parquet), no pickle -------------
    def to_frame(self) -> pd.DataFrame:
        """Original ids and values as a DataFrame(user, item, rating[, timestamp])."""
        frame = pd.DataFrame({"user": pd.array(self.users[self.u], dtype="string"),
                              "item": pd.array(self.items[self.i], dtype="string"), "rating": self.r})
        if self.t is not None:
            frame["timestamp"] = self.t
        return frame


def _line_of(raw_rows: np.ndarray, first_line) -> int:
    """File line of the first of ``raw_rows`` (``first_line``: the first row's line, or every row's line)."""
    if isinstance(first_line, np.ndarray):
        return int(first_line[int(raw_rows[0])])
    return int(raw_rows[0]) + first_line


def stray_rows(ids: pd.Series, min_others: int = 10) -> np.ndarray:
    """Rows whose id occurs only there and does not look like the column's other ids.

    The other ids must all be whole numbers, at least ``min_others`` of them;
    an id seen once is then stray when it is not a whole number, or when it is
    0 and every other id is 1 or more.

    Parameters
    ----------
    ids : pandas.Series of str, length n_rows
    min_others : int

    Returns
    -------
    ndarray of shape (n_rows,), bool
    """
    counts = ids.map(ids.value_counts())
    once = (counts == 1).to_numpy()
    if not once.any():
        return np.zeros(len(ids), dtype=bool)
    whole = ids.str.fullmatch(r"\d+").fillna(False).to_numpy()
    others = ids[~once].drop_duplicates()
    if len(others) < min_others or not others.str.fullmatch(r"\d+").all():
        return np.zeros(len(ids), dtype=bool)
    others_min = int(pd.to_numeric(others).min())
    stray = once & ~whole
    if others_min >= 1:
        zero = whole & (ids.str.lstrip("0") == "").to_numpy()
        stray |= once & zero
    # ids seen once that are all alike (e.g. many new users) are data, not strays
    if stray.sum() > max(3, 0.001 * len(ids)):
        return np.zeros(len(ids), dtype=bool)
    return stray


def build_table(raw: RawTable, user: str, item: str, rating: Optional[str] = None,
                timestamp: Optional[str] = None, stray: str = "drop") -> RatingTable:
    """Validate mapped columns and build a :class:`RatingTable`.

    Parameters
    ----------
    raw : RawTable
    user, item : str
        Column names of the user and item ids.
    rating : str, optional
        Column of the rating; None means implicit feedback (every row counts 1).
    timestamp : str, optional
        Column of a timestamp (seconds since 1970, or a date that pandas can parse).
    stray : {"drop", "keep"}
        What to do with stray rows (:func:`stray_rows` of the user and the
        item column): leave them out with a note naming their lines, or keep them.

    Returns
    -------
    RatingTable
        Duplicate (user, item) rows collapsed to the last one, with a note.

    Raises
    ------
    InputError
        Unknown or repeated column, an empty id or rating (names the line), a
        rating or timestamp that is not a number/date (names the line and value),
        fewer than 2 users or 2 items.
    """
    frame = raw.frame
    chosen = [c for c in (user, item, rating, timestamp) if c is not None]
    for c in chosen:
        if c not in frame.columns:
            raise InputError(f"There is no column '{c}' in '{raw.name}'. Columns: {', '.join(map(str, frame.columns))}.")
    if len(set(chosen)) != len(chosen):
        raise InputError("The same column is mapped twice; give user, item, rating and timestamp different columns.")
    if len(frame) == 0:
        raise InputError(f"'{raw.name}' has no rows below its header. Upload a table with ratings in it.")
    if stray not in ("drop", "keep"):
        raise InputError(f"stray must be 'drop' or 'keep', not {stray!r}.")
    notes = list(raw.notes)
    cols = {"user": user, "item": item, "rating": rating, "timestamp": timestamp}
    values = {}
    for role, col in cols.items():
        if col is None:
            continue
        s = frame[col].astype(str).str.strip()
        empty = np.flatnonzero((s == "").to_numpy() | s.str.lower().isin(["nan", "na", "null", "none"]).to_numpy())
        if len(empty):
            raise InputError(f"Line {_line_of(empty, raw.first_line)} of '{raw.name}' has no {role} (column '{col}'); "
                             f"{len(empty):,} row(s) have this missing value. Fill them in or delete those rows.")
        values[role] = s
    lines = np.arange(len(frame)) + raw.first_line
    if stray == "drop":
        odd = {role: stray_rows(values[role]) for role in ("user", "item") if role in values}
        odd = {role: odd.get(role, np.zeros(len(frame), dtype=bool)) for role in ("user", "item")}
        drop = odd["user"] | odd["item"]
        if drop.any():
            if drop.all():
                raise InputError(f"Every row of '{raw.name}' looks stray; check the user and item columns.")
            described = []
            for row in np.flatnonzero(drop)[:5]:
                what = " and ".join(f"{role} '{values[role].iloc[row]}'" for role in ("user", "item")
                                    if odd[role][row])
                described.append(f"line {lines[row]:,} ({what})")
            more = f" and {int(drop.sum()) - 5:,} more" if drop.sum() > 5 else ""
            notes.append(f"Left out {int(drop.sum()):,} stray row(s): {'; '.join(described)}{more}. Each has an id "
                         "that appears in no other row and does not look like the other ids (all whole numbers; "
                         "0 where they start at 1). Untick 'Leave out stray rows' to keep them.")
            keep = ~drop
            frame = frame.loc[keep].reset_index(drop=True)
            values = {role: v.loc[keep].reset_index(drop=True) for role, v in values.items()}
            lines = lines[keep]
    if rating is not None:
        r = pd.to_numeric(values["rating"], errors="coerce").to_numpy(dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(r))
        if len(bad):
            raise InputError(f"Line {_line_of(bad, lines)} of '{raw.name}' has the rating "
                             f"{values['rating'].iloc[bad[0]]!r}, which is not a number ({len(bad):,} such row(s)). "
                             "Ratings must be numbers such as 4 or 3.5; map another column as the rating, or "
                             "choose 'no rating column' for implicit feedback.")
    else:
        r = np.ones(len(frame), dtype=np.float64)
        notes.append("No rating column: implicit feedback, every row counts as a rating of 1.")
    t = None
    if timestamp is not None:
        ts = values["timestamp"]
        tn = pd.to_numeric(ts, errors="coerce")
        if tn.isna().any():
            dt = pd.to_datetime(ts, errors="coerce", utc=True, format="mixed")
            bad = np.flatnonzero((tn.isna() & dt.isna()).to_numpy())
            if len(bad):
                raise InputError(f"Line {_line_of(bad, lines)} of '{raw.name}' has the timestamp "
                                 f"{ts.iloc[bad[0]]!r}, which is neither a number nor a date. Fix it or map no "
                                 "timestamp column.")
            # whole seconds since 1970, whatever resolution pandas chose for the datetimes
            secs = ((dt - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).astype("float64")
            t = tn.astype("float64").fillna(secs).to_numpy(dtype=np.float64).astype(np.int64)
        else:
            t = tn.to_numpy(dtype=np.float64).astype(np.int64)
    u_codes, users = pd.factorize(values["user"], sort=False)
    i_codes, items = pd.factorize(values["item"], sort=False)
    u_codes = u_codes.astype(np.int64)
    i_codes = i_codes.astype(np.int64)
    key = u_codes * len(items) + i_codes
    # keep the LAST row of each (user, item): unique over the reversed order
    _, last_rev = np.unique(key[::-1], return_index=True)
    keep = np.sort(len(key) - 1 - last_rev)
    n_dup = len(key) - len(keep)
    if n_dup:
        notes.append(f"{n_dup:,} duplicate (user, item) row(s): kept the last one in file order for each pair.")
    users = np.asarray(users, dtype=object).astype(str)
    items = np.asarray(items, dtype=object).astype(str)
    table = RatingTable(users, items, u_codes[keep].astype(np.int32), i_codes[keep].astype(np.int32), r[keep],
                        None if t is None else t[keep], implicit=rating is None, name=raw.name, notes=notes)
    check_table(table)
    return table


def check_table(table: RatingTable) -> None:
    """Raise InputError when a table cannot be factorised (fewer than 2 users or 2 items)."""
    if table.n_users < 2:
        raise InputError(f"'{table.name}' has ratings from only one user ({table.users[0]}). A rating matrix needs "
                         "at least two users (and two items); check that the user column is the right one.")
    if table.n_items < 2:
        raise InputError(f"'{table.name}' has ratings of only one item ({table.items[0]}). A rating matrix needs "
                         "at least two items; check that the item column is the right one.")


def read_ratings(data: bytes, name: str = "ratings", columns: Optional[dict] = None, separator: Optional[str] = None,
                 header: Optional[bool] = None, encoding: Optional[str] = None, stray: str = "drop") -> RatingTable:
    """Read a rating table from bytes in one call (columns guessed unless given).

    Parameters
    ----------
    data : bytes
    name : str
    columns : dict, optional
        ``{"user": col, "item": col, "rating": col or None, "timestamp": col or None}``.
    separator, header, encoding : see :func:`read_delimited`
    stray : {"drop", "keep"}
        See :func:`build_table`.

    Raises
    ------
    InputError
        See :func:`read_delimited` and :func:`build_table`.
    """
    raw = read_delimited(data, name, separator, header, encoding)
    mapping = dict(raw.guess_columns())
    mapping.update(columns or {})
    if mapping.get("item") is None:
        raise InputError(f"'{raw.name}' needs an item column.")
    return build_table(raw, mapping["user"], mapping["item"], mapping.get("rating"), mapping.get("timestamp"), stray)


def read_item_metadata(data: bytes, name: str = "items", encoding: Optional[str] = None) -> tuple:
    """Read an item file (item id -> title, genres).

    Understands ``movies.csv`` (``movieId,title,genres``, genres ``|``-separated),
    MovieLens 100k's ``u.item`` (``|``-separated, latin-1, no header, 19 genre
    flags) and any table whose header names an id column and a ``title``/``name``
    column (optional ``genres``/``genre``/``category``).

    Returns
    -------
    (pandas.DataFrame, list of str)
        Frame indexed by item id (str) with ``title`` and ``genres`` columns, and notes.

    Raises
    ------
    InputError
        No title column can be found, or the file cannot be read.
    """
    raw = read_delimited(data, name, encoding=encoding)
    frame, notes = raw.frame, list(raw.notes)
    if not raw.header and frame.shape[1] == 24 and raw.separator == "|":
        flags = frame.iloc[:, 5:24].apply(lambda c: c.str.strip() == "1").to_numpy()
        genres = ["|".join(g for g, on in zip(ML100K_GENRES, row) if on) for row in flags]
        out = pd.DataFrame({"title": frame.iloc[:, 1].to_numpy(), "genres": genres},
                           index=pd.Index(frame.iloc[:, 0].str.strip().to_numpy(), name="item"))
        notes.append("Read as MovieLens 100k u.item (id | title | ... | 19 genre flags).")
    else:
        cols = list(frame.columns)
        low = {c: str(c).lower() for c in cols}
        title = next((c for c in cols if low[c] in ("title", "name", "movie", "item_name", "label")), None)
        genre = next((c for c in cols if low[c] in ("genres", "genre", "category", "categories")), None)
        if title is None:
            if raw.header or frame.shape[1] < 2:
                raise InputError(f"'{raw.name}' has no 'title' or 'name' column. The item file needs an id column "
                                 "first and a title column (optionally 'genres').")
            title = cols[1]
            genre = cols[2] if len(cols) > 2 else None
        out = pd.DataFrame({"title": frame[title].str.strip().to_numpy(),
                            "genres": frame[genre].str.strip().to_numpy() if genre else ""},
                           index=pd.Index(frame[cols[0]].str.strip().to_numpy(), name="item"))
    out = out[~out.index.duplicated(keep="last")]
    return out, notes


def attach_items(table: RatingTable, meta: pd.DataFrame, notes: Optional[list] = None) -> RatingTable:
    """Attach item metadata; a note says how many rated items have no title."""
    table.item_meta = meta
    table.notes.extend(notes or [])
    missing = int((~pd.Index(table.items).isin(meta.index)).sum())
    if missing:
        table.notes.append(f"{missing:,} rated item(s) are not in the item file; they are labelled by their id.")
    return table


def sample_table(key: str = "ml-latest-small") -> RatingTable:
    """A shipped rating table with its item metadata (see :data:`SAMPLE_RATINGS`).

    Raises
    ------
    InputError
        Unknown key.
    """
    if key not in SAMPLE_RATINGS:
        raise InputError(f"There is no shipped rating table '{key}'. Choose one of: {', '.join(SAMPLE_RATINGS)}.")
    spec = SAMPLE_RATINGS[key]
    table = read_ratings((config.SAMPLE_DIR / spec["ratings"]).read_bytes(), key)
    meta, notes = read_item_metadata((config.SAMPLE_DIR / spec["items"]).read_bytes(), "movies.csv")
    return attach_items(table, meta, notes)


# -- storing a table in a workspace (the worker reads it back) --------------------------

def table_fingerprint(table: RatingTable) -> str:
    """SHA-256 of a table's content: ratings (ids, values, timestamps), implicit flag, item metadata.

    Two uploads of the same file (or two clicks on "Use this table") give the
    same fingerprint, so :func:`save_table` stores the table once.
    """
    import hashlib

    h = hashlib.sha256()
    for ids in (table.users, table.items):
        h.update("\0".join(map(str, ids)).encode("utf-8", "surrogatepass"))
        h.update(b"\1")
    for arr in (table.u, table.i, table.r, table.t):
        h.update(b"-" if arr is None else np.ascontiguousarray(arr).tobytes())
        h.update(b"\1")
    h.update(b"implicit" if table.implicit else b"explicit")
    if table.item_meta is not None:
        meta = table.item_meta.reset_index().astype(str)
        h.update("\0".join(map(str, meta.columns)).encode())
        h.update(pd.util.hash_pandas_object(meta, index=False).to_numpy().tobytes())
    return h.hexdigest()


def stored_tables(workspace) -> pd.DataFrame:
    """The rating tables stored in a workspace, newest first: ``id``, ``name``, ``ratings``, ``fingerprint``, ``created_at``."""
    frame = workspace.datasets("ratings")
    if "ratings" not in frame.columns:
        frame["ratings"] = pd.Series(dtype="Int64")
    return frame[["id", "name", "ratings", "fingerprint", "created_at"]]


def save_table(workspace, table: RatingTable) -> str:
    """Store a table under ``<workspace>/tables/<id>/`` (parquet; temp name, then rename), once per content.

    A table with the same content (:func:`table_fingerprint`) already stored is
    reused: its id is returned and nothing is written (see
    :meth:`embedlab.store.datasets.Datasets.save_dataset`).

    Returns
    -------
    str
        The table id.

    Raises
    ------
    InputError
        The workspace would go over its disk quota.
    """
    # parquet of the ratings is about their in-memory size; strings dominate the item metadata
    size = sum(a.nbytes for a in (table.u, table.i, table.r) if a is not None) + (
        table.t.nbytes if table.t is not None else 0) + sum(len(str(x)) for x in table.users[:100_000]) + sum(
        len(str(x)) for x in table.items[:100_000])
    if table.item_meta is not None:
        size += int(table.item_meta.memory_usage(deep=True).sum())

    def write(folder):
        table.to_frame().to_parquet(folder / "ratings.parquet", index=False)
        if table.item_meta is not None:
            meta = table.item_meta.reset_index()
            meta.columns = ["item", *meta.columns[1:]]
            meta.astype(str).to_parquet(folder / "items.parquet", index=False)

    return workspace.save_dataset("ratings", write, {"name": table.name, "implicit": table.implicit,
                                                     "notes": table.notes, "ratings": len(table)},
                                  table_fingerprint(table), size)


def delete_table(workspace, table_id: str) -> None:
    """Remove a stored table (and forget it as the workspace's current table).

    Models trained on it keep working, except for recommendations, which need
    the user's rated items from the table.

    Raises
    ------
    InputError
        Unknown table id.
    """
    workspace.delete_dataset("ratings", table_id, setting="ratings_table")


def load_table(workspace, table_id: str) -> RatingTable:
    """Read a table stored by :func:`save_table`.

    Raises
    ------
    InputError
        Unknown or damaged table.
    """
    folder = workspace.dataset_folder("ratings", table_id)
    facts = workspace.dataset_facts("ratings", table_id)
    frame = pd.read_parquet(folder / "ratings.parquet")
    u_codes, users = pd.factorize(frame["user"].astype(str), sort=False)
    i_codes, items = pd.factorize(frame["item"].astype(str), sort=False)
    t = frame["timestamp"].to_numpy(dtype=np.int64) if "timestamp" in frame else None
    meta = None
    if (folder / "items.parquet").is_file():
        meta = pd.read_parquet(folder / "items.parquet").set_index("item")
    return RatingTable(np.asarray(users, dtype=object).astype(str), np.asarray(items, dtype=object).astype(str),
                       u_codes.astype(np.int32), i_codes.astype(np.int32), frame["rating"].to_numpy(np.float64), t,
                       bool(facts.get("implicit")), facts.get("name", "ratings"), list(facts.get("notes", [])), meta)
