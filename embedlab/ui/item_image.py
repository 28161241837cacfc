"""Explore for spaces of images: hover shows the image, thumbnails at the points, neighbours with their images.

Found by :func:`embedlab.ui.item_views.extras` for any space whose items are
images (``info["item_kind"] == "image"``: the image families, and imported
CNN/CLIP vectors given images on the Import page). The images come from the
model itself (saved with it as attachments), so a published model or one
whose image set was deleted still shows them.

* **Hover**: an ``st.components.v2`` component (:data:`embedlab.views.images.HOVER_ATTACH_JS`)
  follows the chart Explore drew by its key and shows the hovered point's tile
  of one sprite sheet; the chart keeps its box/lasso selection.
* **Thumbnails at the points**: a toggle; plotly layout images, at most
  :data:`embedlab.views.images.MAX_POINT_THUMBNAILS`, with a note when capped.
* **Neighbours**: a table of the query's nearest images with their pictures
  (``st.column_config.ImageColumn``).

Thumbnails of a whole set take about 1.5 s to encode (1,797 digits): they are
made once per model in the session's cache (:func:`embedlab.ui.session.cached`),
never in Streamlit's server-wide caches.
"""

from __future__ import annotations

from typing import Optional

import pandas as pd
import streamlit as st

from embedlab.errors import InputError
from embedlab.sources.images import ImageSet, space_images
from embedlab.space import Space
from embedlab.ui import session
from embedlab.ui.item_views import ItemExtras
from embedlab.views import images as vi

#: The hover component, registered once per server process.
HOVER = st.components.v2.component("embedlab_hover_images", js=vi.HOVER_ATTACH_JS)
#: Widget key of the "Thumbnails at the points" toggle.
THUMBNAILS_KEY = "explore-thumbnails"


def images_of(space: Space) -> Optional[ImageSet]:
    """The images of a space's items (cached per model in the session), or None when it has none."""
    model_id = space.info.get("id")
    if not model_id:
        return None
    try:
        # the same for every session of a published model: shared, read-only
        return session.cached(model_id, "item-images", (), lambda: space_images(session.workspace(), space),
                              shared=True)
    except InputError:
        return None


def thumbnail_uris(space: Space, images: ImageSet) -> list:
    """Every image's thumbnail as a data URI, made once per model (about 1.5 s for 1,797 digits)."""
    return session.cached(space.info.get("id"), "item-thumbnails", (vi.THUMB_PX,),
                          lambda: vi.thumbnail_uris(images, None, vi.THUMB_PX), shared=True)


def controls(space: Space, box) -> dict:
    """The "Thumbnails at the points" toggle (in Explore's column next to "Colour by")."""
    images = images_of(space)
    if images is None:
        box.caption("This model was saved without its images: no thumbnails or hover images.")
        return {"thumbnails": False}
    key = session.keep_widget(THUMBNAILS_KEY, False)
    on = box.toggle("Thumbnails at the points", key=key,
                    help=f"Draw each image at its point (the Embedding Projector's sprites), at most "
                         f"{vi.MAX_POINT_THUMBNAILS:,} (an even subset above that); 2-D maps only. Hovering a point "
                         "shows its image either way.")
    session.remember_widget(key, on)
    return {"thumbnails": bool(on)}


def decorate(fig, frame: pd.DataFrame, space: Space, options: dict) -> list:
    """Thumbnails at the points when the toggle is on; returns the note saying how many were drawn.

    The figure is also kept in ``options`` for :func:`after_chart`'s HTML export.
    """
    images = images_of(space)
    if images is None:
        return []
    options["figure"] = fig
    if not options.get("thumbnails"):
        return []
    return [vi.add_point_thumbnails(fig, frame, images, uris=thumbnail_uris(space, images))]


def after_chart(chart_key: str, frame: pd.DataFrame, space: Space, options: dict) -> None:
    """Mount the hover component for the chart just drawn with ``key=chart_key``; offer the map as HTML."""
    images = images_of(space)
    if images is None:
        return
    data = session.cached(space.info.get("id"), "hover-images", (chart_key, len(frame)),
                          lambda: vi.hover_attach_data(frame, images, chart_key))
    HOVER(data=data, key=f"{chart_key}-hover", height=0)
    c1, c2 = st.columns([3, 1])
    c1.caption(f"Hover a point to see its image ({vi.payload_mb(data['sprite']):.2f} MB of thumbnails, sent once).")
    fig = options.get("figure")
    if fig is not None:
        c2.download_button(
            "Map with images (HTML)", key=f"{chart_key}-html", file_name=f"{space.name}-images.html",
            mime="text/html", on_click="ignore",
            data=lambda: vi.hover_html(vi.hover_payload(fig, frame, images), title=space.name).encode("utf-8"),
            help="A stand-alone page of this map with its hover images (and thumbnails, when drawn); plotly.js "
                 "is embedded, so it opens offline.")


def neighbours(space: Space, table: pd.DataFrame) -> None:
    """The query image and its nearest neighbours' images, in a table with an image column."""
    images = images_of(space)
    if images is None or table.empty:
        return
    uris = thumbnail_uris(space, images)
    query = table.attrs.get("query")
    keys = ([query] if query is not None else []) + table["word"].astype(str).tolist()
    rows = images.index_of(keys)
    shown = pd.DataFrame({
        "image": [uris[r] if r >= 0 else None for r in rows],
        "name": space.labels_of(keys),
        "cosine": ([None] if query is not None else []) + table["cosine"].tolist(),
        "": (["query"] if query is not None else []) + [f"neighbour {i}" for i in range(1, len(table) + 1)],
    })
    st.markdown(f"**The {space.count_text(len(table))} nearest to {space.label(query) if query else 'the query'}**")
    st.dataframe(shown, hide_index=True, key="explore-nn-images", row_height=40,
                 column_config={"image": st.column_config.ImageColumn("image", width="small"),
                                "cosine": st.column_config.NumberColumn("cosine", format="%.3f", width="small")})


EXTRAS = ItemExtras(controls=controls, decorate=decorate, after_chart=after_chart, neighbours=neighbours)
