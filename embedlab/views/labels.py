"""Which points of a crowded scatter get a text label: those whose label fits without overlapping.

plotly draws every text it is given, on top of each other; on a map of a few
thousand titles that is an unreadable pile. :func:`thin_labels` is a greedy
non-overlap pass in screen units: points are taken in priority order (most
frequent first), each label's box is estimated from its length and the font
size at the figure's size, and a label is kept only when its box, centred
above its point or else beside it, stays inside the plot and overlaps no
label kept before (a uniform grid makes each test cost a few comparisons).
The boxes are measured for the initial view; zooming in does not add labels
(select a region and "isolate" it to label more).
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

#: Average character width of plotly's default sans-serif font, in font sizes (an estimate that errs wide).
CHAR_WIDTH = 0.62
#: Line height of a label, in font sizes.
LINE_HEIGHT = 1.3


def _span(v: np.ndarray) -> tuple:
    lo, hi = float(np.min(v)), float(np.max(v))
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    pad = 0.05 * (hi - lo)  # plotly's autorange leaves a margin around the points
    return lo - pad, hi + pad


def thin_labels(x: np.ndarray, y: np.ndarray, texts: Sequence[str], priority: Optional[np.ndarray] = None,
                width_px: float = 900.0, height_px: float = 600.0, font_px: float = 10.0, max_labels: int = 300,
                marker_px: float = 6.0, gap_px: float = 2.0, positions: bool = False):
    """Indices of the points whose labels fit without overlapping, greedy in priority order.

    Each label is tried centred above its point ("top center"); a label that
    would stick out of the plot's side is tried on the other side of its
    point ("top left": ending at the point, or "top right": starting at it).
    It is kept in the first of these places that is inside the plot and
    clear of every label kept before.

    Parameters
    ----------
    x, y : ndarray of shape (n_points,)
        Data coordinates of the points.
    texts : sequence of str, length n_points
        Each point's label.
    priority : ndarray of shape (n_points,), optional
        Smaller first (e.g. frequency rank); default: index order.
    width_px, height_px : float
        Size of the plotting area in pixels (an estimate; smaller errs towards fewer labels).
    font_px : float
        Font size of the labels.
    max_labels : int
        At most this many labels.
    marker_px : float
        Marker diameter; a label sits above its point.
    gap_px : float
        Space kept free around each label.
    positions : bool
        Also return each kept label's plotly ``textposition``.

    Returns
    -------
    ndarray of shape (n_kept,), int64
        Point indices, sorted ascending; with ``positions``, also a list of
        their ``textposition`` strings in the same order.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = len(x)
    if n == 0 or max_labels < 1:
        empty = np.empty(0, dtype=np.int64)
        return (empty, []) if positions else empty
    order = np.arange(n) if priority is None else np.argsort(np.asarray(priority), kind="stable")
    (x0, x1), (y0, y1) = _span(x), _span(y)
    px = (x - x0) * (width_px / (x1 - x0))
    py = (y - y0) * (height_px / (y1 - y0))
    lengths = np.fromiter((len(str(t)) for t in texts), dtype=np.float64, count=n)
    width = np.maximum(lengths, 1) * CHAR_WIDTH * font_px + 2 * gap_px
    h = LINE_HEIGHT * font_px + 2 * gap_px
    cell = max(4 * font_px, 1.0)
    grid: dict = {}
    boxes: dict = {}
    kept, where = [], []

    def clear(box) -> bool:
        left, right, bottom, top = box
        for cx in range(int(left // cell), int(right // cell) + 1):
            for cy in range(int(bottom // cell), int(top // cell) + 1):
                for j in grid.get((cx, cy), ()):
                    l2, r2, b2, t2 = boxes[j]
                    if left < r2 and l2 < right and bottom < t2 and b2 < top:
                        return False
        return True

    for i in order:
        bottom = py[i] + marker_px / 2
        top = bottom + h
        if top > height_px:  # would be cut at the top of the plot
            continue
        half = width[i] / 2
        for position, left in (("top center", px[i] - half), ("top left", px[i] - width[i] + marker_px / 2),
                               ("top right", px[i] - marker_px / 2)):
            box = (left, left + width[i], bottom, top)
            if box[0] >= 0 and box[1] <= width_px and clear(box):
                break
        else:
            continue
        boxes[int(i)] = box
        kept.append(int(i))
        where.append(position)
        for cx in range(int(box[0] // cell), int(box[1] // cell) + 1):
            for cy in range(int(bottom // cell), int(top // cell) + 1):
                grid.setdefault((cx, cy), []).append(int(i))
        if len(kept) >= max_labels:
            break
    order_kept = np.argsort(kept, kind="stable")
    kept_sorted = np.asarray(kept, dtype=np.int64)[order_kept]
    if positions:
        return kept_sorted, [where[k] for k in order_kept]
    return kept_sorted
