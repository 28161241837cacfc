"""What the shared pages add for one kind of item: graph edges for nodes, snippets for documents, thumbnails
for images.

Explore (and the neighbour tables) work on every space the same way; a kind of
item that has more to show declares it in a module named
``embedlab/ui/item_<kind>.py`` (``item_node``, ``item_document``,
``item_image``) holding ``EXTRAS = ItemExtras(...)``. :func:`extras` finds that
module by the space's item kind, so a new data kind adds one module here and
touches no page.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable, Optional

from embedlab.space import Space


@dataclass(frozen=True)
class ItemExtras:
    """Hooks a kind of item gives the Explore page; each is optional.

    Attributes
    ----------
    controls : callable, optional
        ``controls(space, container) -> dict``: draw extra widgets in
        ``container`` (a Streamlit column next to "Colour by"); return the
        options they set (passed to the other hooks).
    decorate : callable, optional
        ``decorate(fig, frame, space, options) -> list of str``: add to the
        projection's figure (edges under the points, thumbnails at them) and
        return notes to show above it (e.g. "edges capped at 20,000").
        ``frame`` is :attr:`embedlab.probes.projection.Projection.frame`.
    after_chart : callable, optional
        ``after_chart(chart_key, frame, space, options)``: runs right after the
        chart is drawn (e.g. a component that shows hover images for the chart
        with that key).
    neighbours : callable, optional
        ``neighbours(space, table)``: runs after a nearest-neighbour table is
        shown (e.g. the neighbours' images); ``table`` has a ``word`` column of keys.
    """

    controls: Optional[Callable] = None
    decorate: Optional[Callable] = None
    after_chart: Optional[Callable] = None
    neighbours: Optional[Callable] = None


NONE = ItemExtras()


def extras(space: Space) -> ItemExtras:
    """The hooks for ``space``'s item kind (:data:`NONE` when its kind declares none)."""
    try:
        module = importlib.import_module(f"embedlab.ui.item_{space.item_kind}")
    except ModuleNotFoundError as exc:
        if exc.name != f"embedlab.ui.item_{space.item_kind}":
            raise  # the module exists but an import inside it failed: a bug, not "no extras"
        return NONE
    return getattr(module, "EXTRAS", NONE)
