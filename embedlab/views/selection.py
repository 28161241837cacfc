"""Plotly selection events (box, lasso) turned into the rows and keys of a projection."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import pandas as pd


def selected_rows(selection, trace_rows: Optional[Sequence[Sequence[int]]] = None) -> list:
    """Rows of a projection selected in a plotly chart, in selection order, without repeats.

    Each point's ``customdata`` is its row in the projection (the figures of
    :mod:`embedlab.views.scatter` put it there), which is right however many
    traces the figure has. Without customdata, ``(curve_number, point_index)``
    is mapped through ``trace_rows`` (the rows each trace shows, in order).
    Streamlit's top-level ``point_indices`` is ambiguous with several traces,
    so it is used only for a single-trace figure.

    Parameters
    ----------
    selection : dict
        ``st.plotly_chart(..., on_select="rerun").selection`` (keys ``points``,
        ``point_indices``), or the whole event with a ``selection`` key.
    trace_rows : list of list of int, optional

    Returns
    -------
    list of int
    """
    if selection is None:
        return []
    if "selection" in selection and "points" not in selection:
        selection = selection["selection"]
    rows, seen = [], set()

    def add(r):
        r = int(r)
        if r not in seen:
            seen.add(r)
            rows.append(r)

    points = selection.get("points") or []
    for p in points:
        cd = p.get("customdata")
        if isinstance(cd, (list, tuple)):
            cd = cd[0] if cd else None
        if cd is not None and not (isinstance(cd, float) and np.isnan(cd)):
            add(cd)
            continue
        curve = int(p.get("curve_number", 0) or 0)
        idx = p.get("point_index", p.get("point_number"))
        if idx is None:
            continue
        if trace_rows is not None:
            if curve < len(trace_rows) and int(idx) < len(trace_rows[curve]):
                add(trace_rows[curve][int(idx)])
        elif curve == 0:
            add(idx)
    if not points and (trace_rows is None or len(trace_rows) == 1):
        for idx in selection.get("point_indices") or []:
            add(trace_rows[0][idx] if trace_rows is not None else idx)
    return rows


def selected_words(selection, frame: pd.DataFrame, trace_rows=None) -> list:
    """The words of the points selected in a plotly chart (see :func:`selected_rows`).

    Parameters
    ----------
    selection : dict
    frame : pandas.DataFrame
        :attr:`Projection.frame` (one row per point, a ``word`` column).
    """
    n = len(frame)
    return [frame["word"].iloc[r] for r in selected_rows(selection, trace_rows) if 0 <= r < n]
