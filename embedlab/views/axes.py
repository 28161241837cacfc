"""Axis helpers shared by figures (no streamlit here).

plotly labels the ticks between the decades of a log axis with a bare digit
("2", "5"), so 0.5 reads as "5" (plotly.js #2554). :func:`log_axis` gives a
log axis explicit ticks at 1, 2 and 5 times each power of ten, each written
out in full.
"""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np


def tick_text(value: float) -> str:
    """A tick value written out: 0.5, 2, 1,000, 2e+7 (never a bare leading digit)."""
    if value >= 1e6 or value < 1e-3:
        return f"{value:.0e}".replace("e+0", "e+").replace("e-0", "e-")
    if value >= 1:
        return f"{value:,.0f}"
    return f"{value:.3f}".rstrip("0").rstrip(".")


def log_ticks(values: Iterable[float], max_ticks: int = 12) -> tuple[list, list]:
    """Tick positions and texts for a log axis covering the positive ``values``.

    1, 2 and 5 times each power of ten within the data's range (one tick per
    decade when that would be more than ``max_ticks``; every other decade
    beyond that).

    Returns
    -------
    (list of float, list of str)
    """
    v = np.asarray([x for x in values if x is not None and np.isfinite(x) and x > 0], dtype=np.float64)
    if v.size == 0:
        return [], []
    lo, hi = math.floor(math.log10(v.min())), math.ceil(math.log10(v.max()))
    decades = range(lo, hi + 1)
    ticks = [m * 10.0 ** d for d in decades for m in (1, 2, 5)]
    if len(ticks) > max_ticks:
        step = max(1, math.ceil(len(decades) / max_ticks))
        ticks = [10.0 ** d for d in decades if (d - lo) % step == 0]
    ticks = [t for t in ticks if v.min() / 1.5 <= t <= v.max() * 1.5] or [10.0 ** lo]
    return ticks, [tick_text(t) for t in ticks]


def log_axis(values: Iterable[float], title: str = "", max_ticks: int = 12) -> dict:
    """Layout of a log axis with written-out ticks (see :func:`log_ticks`): ``fig.update_layout(xaxis=...)``."""
    vals, texts = log_ticks(values, max_ticks)
    axis = dict(type="log", title=title)
    if vals:
        axis.update(tickmode="array", tickvals=vals, ticktext=texts)
    return axis
