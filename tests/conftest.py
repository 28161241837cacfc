"""Shared fixtures: real corpora from sample_corpora/ and gensim's test data, trained once per session."""

import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
# page tests must not spend ~40 s of CPU compiling UMAP in the background (app.py starts it)
os.environ.setdefault("EMBEDLAB_UMAP_WARMUP", "0")
sys.path.insert(0, str(ROOT))

import embedlab  # noqa: E402
from browser_required import pytest_runtest_setup  # noqa: E402,F401  (browser tests: skip here, fail under CI)
from embedlab import Space, Word2VecConfig, Workspace  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Every test gets its own EMBEDLAB_HOME; nothing touches the user's real workspace."""
    monkeypatch.setenv("EMBEDLAB_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="session")
def session_ws(tmp_path_factory) -> Workspace:
    """A workspace shared by the session-scoped fixtures below (read-only for tests)."""
    return Workspace(tmp_path_factory.mktemp("session-ws"))


@pytest.fixture(scope="session")
def lee_corpus(session_ws):
    """gensim's lee_background.cor (300 news articles), preprocessed with defaults."""
    return embedlab.prepare_sample(session_ws, "lee_background")


@pytest.fixture(scope="session")
def lee_space(lee_corpus) -> Space:
    """A small, quick Word2Vec (CBOW, 50-d, 10 epochs, reproducible) on the Lee corpus."""
    cfg = Word2VecConfig(architecture="cbow", vector_size=50, min_count=2, epochs=10, reproducible=True)
    return embedlab.train_word2vec(lee_corpus, cfg)


@pytest.fixture(scope="session")
def reviews_corpus(session_ws):
    """movie_reviews.csv (2,000 reviews, 1.3 M tokens), preprocessed with defaults."""
    return embedlab.prepare_sample(session_ws, "movie_reviews")


@pytest.fixture(scope="session")
def reviews_space(reviews_corpus) -> Space:
    """Word2Vec with the app's default settings on the movie reviews (about 20 s on 2 cores)."""
    return embedlab.train_word2vec(reviews_corpus, Word2VecConfig())


# king sits close to man, so the offset king - man is short: with the inputs included,
# 3CosAdd's best answer is the input word "woman" itself (Nissim et al. 2019's point).
ROYAL = {
    "man": [1.0, 0.0, 0.0],
    "woman": [0.0, 1.0, 0.0],
    "king": [1.0, 0.0, 0.2],
    "queen": [0.0, 1.0, 1.0],
    "apple": [0.2, 0.2, -1.0],
    "pear": [0.25, 0.15, -1.0],
    "plum": [0.3, 0.25, -0.9],
}


def make_space(vectors: dict, **info) -> Space:
    """A hand-made space from ``{word: vector}`` for tests with a known answer."""
    words = list(vectors)
    return Space.from_vectors(words, np.array([vectors[w] for w in words], dtype=np.float32), info=info or None)


@pytest.fixture
def hand_space():
    """Factory fixture: ``hand_space({"a": [1, 0], ...})``."""
    return make_space
