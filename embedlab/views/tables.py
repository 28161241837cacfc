"""Probe tables as a page shows them: display labels first, keys last (no streamlit here)."""

from __future__ import annotations

import pandas as pd

from embedlab.space import Space

_KEY_COLUMNS = {"word": "id", "neighbour": "neighbour id"}
_LABEL_COLUMNS = {"neighbour label": "neighbour"}


def for_display(space: Space, frame: pd.DataFrame) -> pd.DataFrame:
    """A probe's table with labels where a reader looks first and keys at the end.

    For a space without display labels (every word model) the table is
    returned unchanged. For a labelled space (movies with titles) the
    ``label`` column is renamed after what a label is (``title``) and put
    where the key was, and the keys stay available as an ``id`` column at
    the end (``neighbour label`` / ``neighbour`` likewise become ``neighbour``
    / ``neighbour id``), so a narrow table clips ids, not titles or scores.

    Parameters
    ----------
    space : Space
    frame : pandas.DataFrame
        A table from a probe (``word``, ``label``, ...).

    Returns
    -------
    pandas.DataFrame
    """
    if not space.has_labels or "label" not in frame.columns:
        return frame
    out = frame.copy()
    columns = list(out.columns)
    keys = [c for c in columns if c in _KEY_COLUMNS]
    for key in keys:
        label = "label" if key == "word" else f"{key} label"
        if label in columns:  # the label takes the key's place
            columns.remove(label)
            columns[columns.index(key)] = label
    columns = [c for c in columns if c not in keys] + keys
    names = {"label": space.label_nouns[0], **_LABEL_COLUMNS, **_KEY_COLUMNS}
    return out[columns].rename(columns=names)
