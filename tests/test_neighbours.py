"""Nearest neighbours and unknown words."""

import numpy as np
import pytest

import embedlab
from embedlab.errors import InputError, UnknownWordError
from embedlab.probes.neighbours import top_k


def test_known_answer(hand_space):
    space = hand_space({"north": [0, 1], "east": [1, 0], "northeast": [1, 1], "south": [0, -1]})
    table = embedlab.nearest_neighbours(space, "north", k=3)
    assert table["word"].tolist() == ["northeast", "east", "south"]
    np.testing.assert_allclose(table["cosine"], [np.sqrt(0.5), 0.0, -1.0], atol=1e-6)
    assert table["frequency rank"].tolist() == [3, 2, 4]


def test_top_k_excludes_and_orders():
    assert top_k(np.array([0.1, 0.9, 0.5, 0.7]), 2).tolist() == [1, 3]
    assert top_k(np.array([0.1, 0.9, 0.5, 0.7]), 3, exclude=[1]).tolist() == [3, 2, 0]
    assert top_k(np.array([0.3]), 5, exclude=[0]).tolist() == []


def test_unknown_word_suggests_close_spellings(lee_space):
    with pytest.raises(UnknownWordError) as err:
        embedlab.nearest_neighbours(lee_space, "goverment")
    assert "government" in err.value.suggestions
    assert "not in this model's vocabulary" in str(err.value) and "government" in str(err.value)
    with pytest.raises(InputError):
        embedlab.nearest_neighbours(lee_space, "the", k=0)


def test_neighbours_on_real_space(lee_space):
    table = embedlab.nearest_neighbours(lee_space, "police", k=10)
    assert len(table) == 10 and "police" not in table["word"].tolist()
    assert table["cosine"].is_monotonic_decreasing
