"""The corpora and tables that ship with embedlab, with their citations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from embedlab.config import SAMPLE_DIR
from embedlab.errors import InputError
from embedlab.sources.documents import RawDocuments, read_path


def _gensim_data(name: str) -> Path:
    from gensim.test.utils import datapath

    return Path(datapath(name))


@dataclass(frozen=True)
class Sample:
    """A shipped corpus: where it is, which column holds text, and whom to cite."""

    key: str
    title: str
    locate: Callable[[], Path]
    text_column: str | None
    description: str
    citation: str
    licence: str


SAMPLES = {
    s.key: s
    for s in (
        Sample(
            "movie_reviews", "Movie reviews (Pang & Lee 2004)", lambda: SAMPLE_DIR / "movie_reviews.csv", "text",
            "2,000 English film reviews, lower-cased and tokenised; about 1.5 million tokens.",
            'Bo Pang and Lillian Lee, "A Sentimental Education", ACL 2004 (Sentiment Polarity Dataset v2.0, via NLTK).',
            "CC BY 4.0",
        ),
        Sample(
            "us_presidential_speeches", "US presidential speeches", lambda: SAMPLE_DIR / "us_presidential_speeches.csv",
            "text", "124 inaugural and State of the Union addresses, 1789-2021; about 550 thousand tokens.",
            "C-Span Inaugural Address and State of the Union corpora, as distributed with NLTK.", "public domain",
        ),
        Sample(
            "lee_background", "Lee background corpus (gensim)", lambda: _gensim_data("lee_background.cor"), None,
            "300 Australian news articles, one per line; about 60 thousand tokens. Small and quick to train.",
            "Lee, Pincombe & Welsh (2005), shipped with gensim's test data.", "LGPL-2.1 (gensim package data)",
        ),
    )
}


def sample_documents(key: str) -> RawDocuments:
    """Read a shipped corpus by key (see :data:`SAMPLES`).

    Raises
    ------
    InputError
        Unknown key.
    """
    if key not in SAMPLES:
        raise InputError(f"There is no shipped corpus called '{key}'. Choose one of: {', '.join(SAMPLES)}.")
    sample = SAMPLES[key]
    raw = read_path(sample.locate(), text_column=sample.text_column)
    raw.name = key
    return raw
