"""Direct bias (DirectBias_c) of Bolukbasi et al. (2016): how far neutral words lean along a direction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.probes.bias.direction import project_words
from embedlab.space import Space


@dataclass
class DirectBiasResult:
    """The answer of :func:`direct_bias`.

    Attributes
    ----------
    value : float
        DirectBias_c, in [0, 1].
    c : float
    table : pandas.DataFrame
        Columns ``word`` and ``projection`` (signed cosine with the direction), sorted descending.
    missing : list of str
    """

    value: float
    c: float
    table: pd.DataFrame
    missing: list


def direct_bias(space: Space, words: Sequence[str], direction, c: float = 1.0,
                max_missing: float = 1.0) -> DirectBiasResult:
    """DirectBias_c = mean over neutral words w of |cos(w, g)|^c (Bolukbasi et al. 2016, section 5.2).

    Parameters
    ----------
    space : Space
    words : sequence of str
        Words that should be neutral (default list: occupations).
    direction : Direction or ndarray of shape (dim,)
        The bias direction g.
    c : float
        Strictness, > 0 (Bolukbasi et al. report c = 1).
    max_missing : float
        Refuse when more than this share of the words is out of vocabulary (default: never, they are listed).

    Returns
    -------
    DirectBiasResult

    Raises
    ------
    InputError
        ``c`` <= 0, no word in the vocabulary, or too many missing.
    """
    if c <= 0:
        raise InputError("The strictness c of DirectBias must be above 0 (Bolukbasi et al. use 1).")
    table, missing = project_words(space, words, direction)
    total = len(table) + len(missing)
    if len(missing) / total > max_missing:
        raise InputError(f"{len(missing)} of {total} neutral words are out of vocabulary ({', '.join(missing)}); "
                         f"at most {max_missing:.0%} may be. Use words this model knows.")
    value = float(np.mean(np.abs(table["projection"].to_numpy()) ** c))
    return DirectBiasResult(value=value, c=float(c), table=table, missing=missing)
