"""Bias directions from word pairs, and words projected on them.

The direction as the first principal component of the centred definitional
pairs is Bolukbasi, Chang, Zou, Saligrama & Kalai (2016), "Man is to Computer
Programmer as Woman is to Homemaker?", NeurIPS (tolga-b/debiaswe, ``we.doPCA``);
the two-axis picture follows whatlies (``EmbeddingSet.plot`` on two axes).
Every word vector is unit-normalised first, and directions are unit vectors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.probes.bias.wordsets import split_pair
from embedlab.space import Space


@dataclass
class Direction:
    """A unit direction in a space, found from word pairs.

    Attributes
    ----------
    vector : ndarray of shape (dim,)
        Unit length, float64; points from the second word of each pair towards the first.
    method : str
        ``"pca"`` or ``"mean"``.
    pairs : list of (str, str)
        The pairs used (both words in the vocabulary).
    missing : list of (str, str)
        Pairs left out because a word is out of vocabulary.
    explained_variance_ratio : ndarray of shape (n_components,)
        Share of variance of the centred pairs along each principal component
        (at most 10), whichever ``method`` made ``vector``: a first value far
        above the second means one direction really dominates.
    name : str
    """

    vector: np.ndarray
    method: str
    pairs: list
    missing: list = field(default_factory=list)
    explained_variance_ratio: np.ndarray = field(default_factory=lambda: np.zeros(0))
    name: str = ""

    def to_setting(self) -> dict:
        """A JSON-able description (pairs and method) for ``Workspace.set_setting``."""
        return {"pairs": [list(p) for p in self.pairs + self.missing], "method": self.method}


def unit_rows(space: Space, words: Sequence[str]) -> np.ndarray:
    if not len(words):
        return np.zeros((0, space.dim))
    return space.unit[space.indices(words)].astype(np.float64)


def normalise(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    if norm == 0:
        raise InputError("The word pairs cancel out to a zero direction. Use pairs whose words differ.")
    return v / norm


def bias_direction(space: Space, pairs: Sequence, method: str = "pca", name: str = "") -> Direction:
    """A bias direction from word pairs such as ``[("she", "he"), ("woman", "man")]``.

    ``method="pca"`` (Bolukbasi et al. 2016, ``we.doPCA``): each pair's unit
    vectors are centred on the pair's mean, and the direction is the first
    principal component of those centred vectors. ``method="mean"``: the
    normalised mean of the differences ``a - b``. Either way the sign is
    chosen so that the direction points towards the first words of the pairs.

    Parameters
    ----------
    space : Space
    pairs : sequence of (str, str)
    method : {"pca", "mean"}
    name : str

    Returns
    -------
    Direction

    Raises
    ------
    InputError
        Unknown method, no pairs, or no pair with both words in the vocabulary.
    """
    if method not in ("pca", "mean"):
        raise InputError(f"Unknown direction method '{method}'. Choose 'pca' or 'mean'.")
    pairs = [(str(a), str(b)) for a, b in pairs]
    if not pairs:
        raise InputError("Give at least one word pair, such as 'she - he'.")
    known = [(a, b) for a, b in pairs if a in space and b in space and a != b]
    missing = [(a, b) for a, b in pairs if (a, b) not in known]
    if not known:
        raise InputError(
            "None of the pairs has both words in this model's vocabulary "
            f"(missing: {', '.join(f'{a}-{b}' for a, b in missing)}). Use words the model knows.")
    first = unit_rows(space, [a for a, _ in known])
    second = unit_rows(space, [b for _, b in known])
    centre = (first + second) / 2
    # Rows a - c and b - c of every pair; they sum to zero, so they are already centred for PCA.
    centred = np.vstack([first - centre, second - centre])
    _, sing, vt = np.linalg.svd(centred, full_matrices=False)
    var = sing ** 2
    ratio = var / var.sum() if var.sum() > 0 else np.zeros_like(var)
    diffs = first - second
    if method == "pca":
        vector = vt[0]
    else:
        vector = diffs.mean(axis=0)
    vector = normalise(vector)
    if float((diffs @ vector).mean()) < 0:
        vector = -vector
    return Direction(vector=vector, method=method, pairs=known, missing=missing,
                     explained_variance_ratio=ratio[:10], name=name)


def axis_vector(space: Space, spec: str, directions: Optional[dict] = None) -> np.ndarray:
    """A unit axis from what a user typed: ``"he - she"``, a single word, or a saved direction's name.

    Parameters
    ----------
    space : Space
    spec : str
        ``"a - b"`` (the difference of the two unit vectors), ``"word"``, or a key of ``directions``.
    directions : dict of str to Direction, optional

    Returns
    -------
    ndarray of shape (dim,), unit length

    Raises
    ------
    InputError
        Empty spec; UnknownWordError for a word outside the vocabulary.
    """
    spec = (spec or "").strip()
    if not spec:
        raise InputError("Give an axis: a word difference like 'he - she', a single word, or a saved direction.")
    if directions and spec in directions:
        return np.asarray(directions[spec].vector, dtype=np.float64)
    parts = split_pair(spec.lower())
    if len(parts) == 1:
        return normalise(unit_rows(space, parts)[0])
    if len(parts) == 2:
        rows = unit_rows(space, parts)
        return normalise(rows[0] - rows[1])
    raise InputError(f"Cannot read the axis '{spec}'. Write 'a - b' (two words) or a single word.")


# -- projections ---------------------------------------------------------------------------------

def project_words(space: Space, words: Sequence[str], direction) -> tuple:
    """Projection (cosine) of each word on a direction, sorted from most positive to most negative.

    Parameters
    ----------
    space : Space
    words : sequence of str
    direction : Direction or ndarray of shape (dim,)

    Returns
    -------
    table : pandas.DataFrame
        Columns ``word`` and ``projection`` (cosine of the word's vector with
        the direction, in [-1, 1]), sorted descending.
    missing : list of str
        Words out of vocabulary (listed, not dropped silently).

    Raises
    ------
    InputError
        No word is in the vocabulary.
    """
    vector = direction_vector(direction)
    known, missing = space.split_known(words)
    if not known:
        raise InputError(f"None of the words is in this model's vocabulary (missing: {', '.join(missing)}).")
    proj = unit_rows(space, known) @ vector
    table = pd.DataFrame({"word": known, "projection": proj}).sort_values(
        "projection", ascending=False, kind="stable").reset_index(drop=True)
    return table, missing


def axes_projection(space: Space, words: Sequence[str], x_axis: np.ndarray, y_axis: np.ndarray) -> tuple:
    """Coordinates of words on two axes (whatlies / Parallax style "axes" plot).

    Each coordinate is the cosine of the word's vector with the axis.

    Parameters
    ----------
    space : Space
    words : sequence of str
    x_axis, y_axis : ndarray of shape (dim,)

    Returns
    -------
    table : pandas.DataFrame
        Columns ``word``, ``x``, ``y``.
    missing : list of str

    Raises
    ------
    InputError
        No word is in the vocabulary.
    """
    known, missing = space.split_known(words)
    if not known:
        raise InputError(f"None of the words is in this model's vocabulary (missing: {', '.join(missing)}).")
    rows = unit_rows(space, known)
    return pd.DataFrame({"word": known, "x": rows @ direction_vector(x_axis),
                         "y": rows @ direction_vector(y_axis)}), missing


def direction_vector(direction) -> np.ndarray:
    vector = direction.vector if isinstance(direction, Direction) else np.asarray(direction, dtype=np.float64)
    return normalise(np.asarray(vector, dtype=np.float64))


# -- WEAT ----------------------------------------------------------------------------------------
