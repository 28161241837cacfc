"""Pictures of image spaces: thumbnails on the map, hover images, galleries and the figures of the image probes.

Payload (what a page sends to the browser) is kept small:

* **Hover images** use one *sprite sheet*: every thumbnail of the shown points
  tiled into a single PNG (the Embedding Projector's sprites), sent once as a
  data URI, plus one small integer per point (its tile). A few lines of JS
  (:data:`HOVER_JS`) move a box showing the hovered point's tile next to the
  pointer. plotly's own hover labels cannot show images (they accept a few
  text tags only), so a script listens to the chart's hover events:
  :func:`hover_html` writes a stand-alone page with it; in the app,
  :data:`HOVER_ATTACH_JS` is the module of an ``st.components.v2`` component
  that follows an ``st.plotly_chart`` by its key (:func:`hover_attach_data`),
  so the chart keeps its selection events and plotly.js is not sent twice.
* **Thumbnails at the points** are plotly layout images, one base64 PNG data
  URI each (:func:`add_point_thumbnails`), at most :data:`MAX_POINT_THUMBNAILS`
  (with a note saying how many were drawn); they work in a plain
  ``st.plotly_chart`` (selection events included).

For the 1,797 digits both together stay well under Streamlit's message limit
(:func:`payload_mb`; ``benchmarks/bench_images.py`` prints it).
"""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from embedlab.sources.images import ImageSet

#: Most thumbnails drawn at the points of one figure; hover still shows every image.
MAX_POINT_THUMBNAILS = 2000
#: Default thumbnail side in pixels (small images are enlarged by repeating pixels).
THUMB_PX = 24


# -- encoding ----------------------------------------------------------------------------

def png_bytes(pixels: np.ndarray) -> bytes:
    """Encode one image as PNG.

    Parameters
    ----------
    pixels : ndarray of shape (h, w) or (h, w, 3), uint8

    Returns
    -------
    bytes
    """
    from PIL import Image

    arr = np.ascontiguousarray(pixels, dtype=np.uint8)
    img = Image.fromarray(arr, "RGB" if arr.ndim == 3 else "L")
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def data_uri(png: bytes) -> str:
    """A ``data:image/png;base64,...`` URI of PNG bytes."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def decode_data_uri(uri: str) -> np.ndarray:
    """Pixels of a PNG data URI: ndarray of shape (h, w) or (h, w, 3), uint8 (the inverse of :func:`data_uri`)."""
    from PIL import Image

    head, _, body = uri.partition(",")
    if not head.startswith("data:image/png;base64"):
        raise ValueError("not a base64 PNG data URI")
    with Image.open(io.BytesIO(base64.b64decode(body)), formats=("PNG",)) as img:
        img.load()
        return np.asarray(img.convert("RGB" if img.mode in ("RGB", "RGBA", "P") else "L"), dtype=np.uint8)


def enlarge(pixels: np.ndarray, px: int) -> np.ndarray:
    """Enlarge images by repeating pixels (nearest neighbour) to at most ``px`` per side; never shrinks.

    Parameters
    ----------
    pixels : ndarray of shape (n, side, side) or (n, side, side, 3), uint8
    px : int

    Returns
    -------
    ndarray of shape (n, side * f, side * f[, 3]) with f = max(1, px // side)
    """
    f = max(1, int(px) // pixels.shape[1])
    if f == 1:
        return pixels
    return np.repeat(np.repeat(pixels, f, axis=1), f, axis=2)


def to_side(pixels: np.ndarray, px: int) -> np.ndarray:
    """Images brought to about ``px`` pixels a side: small ones enlarged by repeating pixels
    (:func:`enlarge`), large ones shrunk (Pillow's box filter), so a thumbnail stays a few hundred bytes.

    Parameters
    ----------
    pixels : ndarray of shape (n, side, side) or (n, side, side, 3), uint8
    px : int

    Returns
    -------
    ndarray of shape (n, s, s[, 3]), uint8, with s = side * (px // side) when side <= px, else px
    """
    side = pixels.shape[1]
    if side <= px:
        return enlarge(pixels, px)
    from PIL import Image

    mode = "RGB" if pixels.ndim == 4 else "L"
    out = np.empty((len(pixels), px, px) + pixels.shape[3:], dtype=np.uint8)
    for k, p in enumerate(pixels):
        out[k] = np.asarray(Image.fromarray(np.ascontiguousarray(p), mode).resize((px, px), Image.Resampling.BOX))
    return out


def thumbnail_uris(images: ImageSet, rows: Optional[Sequence[int]] = None, px: int = THUMB_PX) -> list:
    """One PNG data URI per image, as displayed (dark ink for the digits), brought to about ``px`` pixels
    (:func:`to_side`).

    Parameters
    ----------
    images : ImageSet
    rows : sequence of int, optional
        Which images (default all); a row of -1 gives ``None``.
    px : int

    Returns
    -------
    list of str or None
    """
    rows = np.arange(len(images)) if rows is None else np.asarray(rows, dtype=np.int64)
    ok = rows >= 0
    shown = to_side(images.display(images.pixels[rows[ok]]), px)
    uris = iter(data_uri(png_bytes(p)) for p in shown)
    return [next(uris) if good else None for good in ok]


@dataclass
class SpriteSheet:
    """Thumbnails tiled row-major into one PNG.

    Attributes
    ----------
    uri : str
        PNG data URI of the whole sheet.
    tile : int
        Side of one tile in pixels.
    per_row : int
        Tiles per row.
    n : int
        Number of tiles.
    width, height : int
        Size of the sheet in pixels.
    """

    uri: str
    tile: int
    per_row: int
    n: int
    width: int
    height: int

    def offset(self, k: int) -> tuple:
        """Top-left pixel (x, y) of tile ``k``."""
        r, c = divmod(int(k), self.per_row)
        return c * self.tile, r * self.tile

    def to_dict(self) -> dict:
        return {"uri": self.uri, "tile": self.tile, "per_row": self.per_row, "n": self.n, "width": self.width,
                "height": self.height}

    def nbytes(self) -> int:
        """Characters the sheet takes in a message."""
        return len(self.uri)


#: Most pixels of one hover sprite sheet (2,048 × 2,048): larger images get smaller tiles, so the sheet of
#: 10,000 colour photos stays a few MB instead of a hundred.
MAX_SPRITE_PIXELS = 2048 * 2048


def sprite_sheet(images: ImageSet, rows: Optional[Sequence[int]] = None, px: Optional[int] = None,
                 max_pixels: int = MAX_SPRITE_PIXELS) -> SpriteSheet:
    """Tile images (as displayed) into one PNG, ceil(√n) per row (as the Embedding Projector does).

    Parameters
    ----------
    images : ImageSet
    rows : sequence of int, optional
        Which images, in tile order (default all). A row of -1 leaves its tile blank.
    px : int, optional
        Bring images to about this side (:func:`to_side`; default: stored
        size; the browser enlarges the tile with ``image-rendering: pixelated``).
    max_pixels : int
        Largest sheet: above it the tiles are shrunk until it fits.

    Returns
    -------
    SpriteSheet
    """
    rows = np.arange(len(images)) if rows is None else np.asarray(rows, dtype=np.int64)
    n = max(len(rows), 1)
    shown = images.display(images.pixels[np.maximum(rows, 0)])
    side = int(px or shown.shape[1])
    fits = max(4, int(np.sqrt(max_pixels / n)))
    if px or side > fits:
        shown = to_side(shown, min(side, fits))
    tile = shown.shape[1]
    per_row = int(np.ceil(np.sqrt(n)))
    n_rows = int(np.ceil(n / per_row))
    sheet = np.full((n_rows * tile, per_row * tile) + shown.shape[3:], 255, dtype=np.uint8)
    for k, img in enumerate(shown):
        if rows[k] < 0:
            continue
        r, c = divmod(k, per_row)
        sheet[r * tile:(r + 1) * tile, c * tile:(c + 1) * tile] = img
    return SpriteSheet(data_uri(png_bytes(sheet)), tile, per_row, len(rows), per_row * tile, n_rows * tile)


def tile_from_sheet(sheet: SpriteSheet, k: int) -> np.ndarray:
    """Pixels of tile ``k`` cut back out of a sprite sheet (for checks): ndarray of shape (tile, tile[, 3])."""
    full = decode_data_uri(sheet.uri)
    x, y = sheet.offset(k)
    return full[y:y + sheet.tile, x:x + sheet.tile]


# -- thumbnails on the scatter -------------------------------------------------------------

def image_rows(frame: pd.DataFrame, images: ImageSet) -> np.ndarray:
    """Row in ``images`` of each point of a projection frame (by its ``word`` = image id); -1 when absent."""
    return images.index_of(frame["word"].astype(str).tolist())


def add_point_thumbnails(fig: go.Figure, frame: pd.DataFrame, images: ImageSet,
                         max_thumbnails: int = MAX_POINT_THUMBNAILS, size: float = 0.035,
                         px: int = THUMB_PX, uris: Optional[Sequence[str]] = None) -> str:
    """Draw small thumbnails at the points of a 2-D scatter (layout images, one data URI each).

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        A 2-D figure of ``frame`` (:func:`embedlab.views.scatter.scatter_figure`); changed in place.
    frame : pandas.DataFrame
        The projection frame (``word`` = image id, ``x``, ``y``).
    images : ImageSet
    max_thumbnails : int
        Cap; above it an evenly spread subset (every k-th point) is drawn.
    size : float
        Thumbnail side as a fraction of the larger axis range.
    px : int
    uris : sequence of str, optional
        Every image's thumbnail (:func:`thumbnail_uris` of the whole set, made
        once and kept by the page); made here for the drawn points otherwise.

    Returns
    -------
    str
        A note for the page (how many thumbnails were drawn, and why not all).
    """
    if "z" in frame.columns:
        return "Thumbnails are drawn on 2-D maps only (plotly has no images in 3-D); hover shows each image."
    rows = image_rows(frame, images)
    points = np.flatnonzero(rows >= 0)
    note = ""
    if len(points) > max_thumbnails:
        step = int(np.ceil(len(points) / max_thumbnails))
        points = points[::step]
        note = (f"Thumbnails drawn at {len(points):,} of {len(frame):,} points (every {step}th, to keep the page "
                f"light); hover shows every image.")
    elif len(points) < len(frame):
        note = f"{len(frame) - len(points):,} point(s) have no image."
    x = frame["x"].to_numpy(dtype=np.float64)
    y = frame["y"].to_numpy(dtype=np.float64)
    span = max(float(np.ptp(x)) if len(x) else 1.0, float(np.ptp(y)) if len(y) else 1.0) or 1.0
    uris = [uris[r] for r in rows[points]] if uris is not None else thumbnail_uris(images, rows[points], px)
    s = size * span
    fig.update_layout(images=[dict(source=u, xref="x", yref="y", x=float(x[i]), y=float(y[i]), sizex=s, sizey=s,
                                   xanchor="center", yanchor="middle", layer="above", sizing="contain", opacity=0.85)
                              for i, u in zip(points, uris)])
    return note or f"Thumbnails drawn at all {len(points):,} points."


# -- hover images ------------------------------------------------------------------------

#: Browser script: show the hovered point's sprite tile next to the pointer. Expects ``payload`` (see
#: :func:`hover_payload`) and the plot's div; sets ``window.embedlabHoverReady`` once the plot is drawn.
HOVER_JS = r"""
function embedlabHoverImages(gd, payload) {
  const s = payload.sprite, zoom = payload.zoom;
  const box = document.createElement('div');
  box.id = 'embedlab-hover-image';
  Object.assign(box.style, {position: 'fixed', display: 'none', pointerEvents: 'none', zIndex: 1000,
    width: (s.tile * zoom) + 'px', height: (s.tile * zoom) + 'px', border: '1px solid #888',
    backgroundColor: '#fff', backgroundRepeat: 'no-repeat', imageRendering: 'pixelated',
    backgroundImage: 'url(' + s.uri + ')', backgroundSize: (s.width * zoom) + 'px ' + (s.height * zoom) + 'px'});
  document.body.appendChild(box);
  gd.on('plotly_hover', function (ev) {
    const p = ev.points[0];
    const k = payload.index[p.customdata];
    if (k === undefined || k < 0) { box.style.display = 'none'; return; }
    const col = k % s.per_row, row = Math.floor(k / s.per_row);
    box.style.backgroundPosition = (-col * s.tile * zoom) + 'px ' + (-row * s.tile * zoom) + 'px';
    const e = ev.event || {clientX: 10, clientY: 10};
    box.style.left = (e.clientX + 14) + 'px';
    box.style.top = (e.clientY + 14) + 'px';
    box.dataset.tile = k;
    box.style.display = 'block';
  });
  gd.on('plotly_unhover', function () { box.style.display = 'none'; });
}
"""


#: The same hover boxes for a chart drawn by Streamlit itself (``st.plotly_chart(fig, key=chart_key)``), as the
#: module of an ``st.components.v2`` component mounted with ``data=`` :func:`hover_attach_data`: it finds the
#: chart's plotly div (in the element whose class is ``st-key-<chart_key>``), listens to its hover events and
#: keeps following it across reruns; the chart keeps its selection events. No plotly.js is loaded twice.
HOVER_ATTACH_JS = r"""
export default function (component) {
  const data = component.data;
  let box = document.getElementById('embedlab-hover-image');
  if (!box) {
    box = document.createElement('div');
    box.id = 'embedlab-hover-image';
    Object.assign(box.style, {position: 'fixed', display: 'none', pointerEvents: 'none', zIndex: 100000,
      border: '1px solid #888', backgroundColor: '#fff', backgroundRepeat: 'no-repeat',
      imageRendering: 'pixelated'});
    document.body.appendChild(box);
  }
  function attach() {
    const host = document.querySelector('.st-key-' + data.chart_key);
    const gd = host && host.querySelector('.js-plotly-plot');
    if (!gd || typeof gd.on !== 'function') return;
    gd.__embedlabHover = data;
    if (gd.__embedlabHoverBound) return;
    gd.__embedlabHoverBound = true;
    gd.on('plotly_hover', function (ev) {
      const d = gd.__embedlabHover, s = d.sprite, zoom = d.zoom;
      const k = d.index[ev.points[0].customdata];
      if (k === undefined || k < 0) { box.style.display = 'none'; return; }
      Object.assign(box.style, {width: (s.tile * zoom) + 'px', height: (s.tile * zoom) + 'px',
        backgroundImage: 'url(' + s.uri + ')', backgroundSize: (s.width * zoom) + 'px ' + (s.height * zoom) + 'px',
        backgroundPosition: (-(k % s.per_row) * s.tile * zoom) + 'px ' + (-Math.floor(k / s.per_row) * s.tile * zoom) + 'px'});
      const e = ev.event || {clientX: 10, clientY: 10};
      box.style.left = (e.clientX + 14) + 'px';
      box.style.top = (e.clientY + 14) + 'px';
      box.dataset.tile = k;
      box.style.display = 'block';
    });
    gd.on('plotly_unhover', function () { box.style.display = 'none'; });
  }
  attach();
  const timer = setInterval(attach, 500);
  return function () { clearInterval(timer); box.style.display = 'none'; };
}
"""


def hover_attach_data(frame: pd.DataFrame, images: ImageSet, chart_key: str, zoom: Optional[int] = None) -> dict:
    """The ``data`` of the :data:`HOVER_ATTACH_JS` component for a chart shown with ``key=chart_key``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The projection frame of the chart (``word`` = image id); the chart's
        ``customdata`` is each point's row in it.
    images : ImageSet
    chart_key : str
        The ``key`` given to ``st.plotly_chart`` (letters, digits, ``-`` and ``_``).
    zoom : int, optional

    Returns
    -------
    dict
        ``{"chart_key", "sprite", "index", "zoom"}``, JSON-able.
    """
    payload = hover_payload(None, frame, images, zoom)
    payload.pop("figure")
    return {"chart_key": str(chart_key), **payload}


def hover_payload(fig: go.Figure, frame: pd.DataFrame, images: ImageSet, zoom: Optional[int] = None) -> dict:
    """What the browser needs for hover images: the figure, one sprite sheet and each point's tile.

    The figure's ``customdata`` must be each point's row in ``frame`` (as
    :func:`embedlab.views.scatter.scatter_figure` sets it).

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
    frame : pandas.DataFrame
        The projection frame (``word`` = image id).
    images : ImageSet
    zoom : int, optional
        Screen pixels per image pixel in the hover box (default: about 96 px wide).

    Returns
    -------
    dict
        ``{"figure": plotly JSON (dict), "sprite": SpriteSheet.to_dict(), "index": [tile per frame row, -1 = none],
        "zoom": int}``; JSON-able.
    """
    rows = image_rows(frame, images)
    present = np.flatnonzero(rows >= 0)
    tiles = np.full(len(frame), -1, dtype=np.int64)
    tiles[present] = np.arange(len(present))
    sheet = sprite_sheet(images, rows[present] if len(present) else np.array([-1]))
    zoom = int(zoom or max(1, round(96 / sheet.tile)))
    figure = json.loads(fig.to_json()) if fig is not None else None
    return {"figure": figure, "sprite": sheet.to_dict(), "index": tiles.tolist(), "zoom": zoom}


def payload_mb(payload) -> float:
    """Size in MB (2**20 bytes) of a figure or a :func:`hover_payload` dict as sent to the browser (JSON)."""
    text = payload.to_json() if isinstance(payload, go.Figure) else json.dumps(payload, separators=(",", ":"))
    return len(text.encode("utf-8")) / 2**20


def hover_html(payload: dict, plotlyjs: str = "inline", title: str = "embedlab map") -> str:
    """A stand-alone HTML page of a :func:`hover_payload`: the figure with hover images.

    Parameters
    ----------
    payload : dict
    plotlyjs : {"inline", "cdn"} or str
        ``inline`` embeds plotly.js (works offline, ~4.6 MB); ``cdn`` links
        plotly's CDN; any other string is used as the script's URL.
    title : str

    Returns
    -------
    str
    """
    if plotlyjs == "inline":
        from plotly.offline import get_plotlyjs

        script = f"<script>{get_plotlyjs()}</script>"
    else:
        import plotly

        src = f"https://cdn.plot.ly/plotly-{plotly.__version__}.min.js" if plotlyjs == "cdn" else plotlyjs
        script = f'<script src="{src}"></script>'
    data = json.dumps(payload, separators=(",", ":")).replace("</", "<\\/")
    height = payload["figure"].get("layout", {}).get("height", 650)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{_escape(title)}</title>{script}</head>
<body style="margin:0">
<div id="embedlab-plot" style="width:100%;height:{int(height)}px"></div>
<script>
{HOVER_JS}
const payload = {data};
Plotly.newPlot('embedlab-plot', payload.figure.data, payload.figure.layout, {{responsive: true}}).then(function (gd) {{
  embedlabHoverImages(gd, payload);
  requestAnimationFrame(function () {{ requestAnimationFrame(function () {{ window.embedlabHoverReady = true; }}); }});
}});
</script></body></html>"""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- galleries ---------------------------------------------------------------------------------

def mosaic(tiles: np.ndarray, columns: int, pad: int = 1, background: int = 255) -> np.ndarray:
    """Lay images out in a grid.

    Parameters
    ----------
    tiles : ndarray of shape (n, h, w) or (n, h, w, 3), uint8
    columns : int
    pad : int
        Pixels between tiles.
    background : int

    Returns
    -------
    ndarray of shape (rows * (h + pad) - pad, columns * (w + pad) - pad[, 3]), uint8
    """
    tiles = np.asarray(tiles, dtype=np.uint8)
    n, h, w = tiles.shape[:3]
    columns = max(1, min(int(columns), max(n, 1)))
    rows = int(np.ceil(n / columns)) if n else 1
    out = np.full((rows * (h + pad) - pad, columns * (w + pad) - pad) + tiles.shape[3:], background, dtype=np.uint8)
    for k in range(n):
        r, c = divmod(k, columns)
        out[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w] = tiles[k]
    return out


def signed_images(vectors: np.ndarray, image_shape: Sequence[int]) -> np.ndarray:
    """Signed patterns (principal components) as pictures: red positive, blue negative, white zero.

    Each row is scaled by its own largest magnitude. Colour images' components
    are shown by their mean over the three channels.

    Parameters
    ----------
    vectors : ndarray of shape (n, n_features)
    image_shape : (side, side) or (side, side, 3)

    Returns
    -------
    ndarray of shape (n, side, side, 3), uint8
    """
    v = np.asarray(vectors, dtype=np.float64).reshape((len(vectors),) + tuple(image_shape))
    if v.ndim == 4:
        v = v.mean(axis=3)
    scale = np.abs(v).reshape(len(v), -1).max(axis=1)
    scale[scale == 0] = 1.0
    t = v / scale[:, None, None]
    pos, neg = np.clip(t, 0, 1), np.clip(-t, 0, 1)
    r = 1.0 - neg
    g = 1.0 - pos - neg
    b = 1.0 - pos
    return np.clip(np.rint(np.stack([r, g, b], axis=-1) * 255), 0, 255).astype(np.uint8)


def eigen_images(decoder, images: ImageSet, n: int = 16) -> tuple:
    """The mean image and the first ``n`` principal components of a PCA decoder, as pictures ("eigen-digits").

    Parameters
    ----------
    decoder : embedlab.train.image_pca.PCAFit
    images : ImageSet
        The set it was trained on (for the image shape and display scale).
    n : int

    Returns
    -------
    (ndarray of shape (n + 1, side, side, 3), uint8; list of str)
        Tiles (the mean first, then the components in red/blue) and their
        titles (``PC1 (14.9%)`` ...).
    """
    comps = decoder.components_[:n]
    mean = images.display(images.to_pixels(decoder.mean_[None, :]))
    mean_rgb = mean if images.colour else np.repeat(mean[..., None], 3, axis=-1)
    tiles = np.concatenate([mean_rgb, signed_images(comps, images.image_shape)])
    titles = ["mean"] + [f"PC{j + 1} ({100 * float(r):.1f}%)"
                         for j, r in enumerate(decoder.explained_variance_ratio_[:n])]
    return tiles, titles


def gallery_figure(tiles: np.ndarray, titles: Sequence[str] = (), columns: int = 8, px: int = 64,
                   title: str = "") -> go.Figure:
    """A grid of pictures as one plotly image (one PNG in the message) with a caption under each.

    Parameters
    ----------
    tiles : ndarray of shape (n, h, w) or (n, h, w, 3), uint8
        As displayed.
    titles : sequence of str, optional
    columns : int
    px : int
        Enlarge each tile to about this side.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    big = enlarge(np.asarray(tiles, dtype=np.uint8), px)
    n, h, w = big.shape[:3]
    pad, caption = 4, 14 if len(titles) else 0
    columns = max(1, min(columns, max(n, 1)))
    rows = int(np.ceil(n / columns)) if n else 1
    cell_h = h + pad + caption
    sheet = np.full((rows * cell_h, columns * (w + pad)) + big.shape[3:], 255, dtype=np.uint8)
    for k in range(n):
        r, c = divmod(k, columns)
        sheet[r * cell_h:r * cell_h + h, c * (w + pad):c * (w + pad) + w] = big[k]
    fig = go.Figure(go.Image(source=data_uri(png_bytes(sheet)), hoverinfo="skip"))
    for k, text in enumerate(list(titles)[:n]):
        r, c = divmod(k, columns)
        fig.add_annotation(x=c * (w + pad) + w / 2, y=r * cell_h + h + caption / 2 + 1, text=str(text),
                           showarrow=False, font=dict(size=10))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(title=title, height=int(rows * cell_h * 1.05) + (40 if title else 10),
                      width=int(columns * (w + pad) * 1.05), margin=dict(l=5, r=5, t=40 if title else 5, b=5))
    return fig


def reconstruction_gallery(images: ImageSet, rows: Sequence[int], reconstructions: dict) -> tuple:
    """Originals beside their reconstructions, one image per row of the gallery.

    Parameters
    ----------
    images : ImageSet
    rows : sequence of int
        Images shown (rows of ``images``).
    reconstructions : dict of str -> ndarray of shape (len(rows), *image_shape), uint8
        Each model's rebuilt images in the set's stored scale
        (:func:`embedlab.train.image_common.reconstruct`), e.g. ``{"PCA-10": ..., "AE-10": ...}``.

    Returns
    -------
    (ndarray of shape (len(rows) * (1 + n_models), ...), uint8; list of str; int)
        Tiles row by row (original, then each model), their titles and the
        number of columns, ready for :func:`gallery_figure`.
    """
    rows = np.asarray(rows, dtype=np.int64)
    names = list(reconstructions)
    tiles, titles = [], []
    for j, r in enumerate(rows):
        tiles.append(images.display(images.pixels[r:r + 1])[0])
        titles.append(f"{images.labels[r] or images.ids[r]}")
        for name in names:
            tiles.append(images.display(np.asarray(reconstructions[name])[j:j + 1])[0])
            titles.append(name)
    return np.stack(tiles), titles, 1 + len(names)


# -- figures of the probes -------------------------------------------------------------------

def variance_curve_figure(curve: Sequence[float], chosen: Optional[int] = None) -> go.Figure:
    """Cumulative explained variance (percent) against the number of principal components.

    Parameters
    ----------
    curve : sequence of float
        Explained variance ratio of each component (``PCAFit.curve_`` / ``info["variance_curve"]``).
    chosen : int, optional
        The number of components kept, marked on the curve.
    """
    ratio = np.asarray(curve, dtype=float)
    cum = 100 * np.cumsum(ratio)
    k = np.arange(1, len(ratio) + 1)
    fig = go.Figure(go.Scatter(x=k, y=cum, mode="lines", name="cumulative",
                               hovertemplate="%{x} components: %{y:.1f}%<extra></extra>"))
    fig.add_trace(go.Bar(x=k, y=100 * ratio, name="per component", opacity=0.5,
                         hovertemplate="PC%{x}: %{y:.2f}%<extra></extra>"))
    if chosen and 1 <= chosen <= len(cum):
        fig.add_trace(go.Scatter(x=[chosen], y=[cum[chosen - 1]], mode="markers+text", name="kept",
                                 text=[f"{chosen}: {cum[chosen - 1]:.1f}%"], textposition="bottom right",
                                 marker=dict(size=10, color="crimson")))
    fig.update_layout(xaxis_title="principal components", yaxis_title="% of variance explained", height=320,
                      yaxis=dict(range=[0, 100]), margin=dict(l=10, r=10, t=10, b=10))
    return fig


def autoencoder_curve_figure(mse_curve: Sequence[float], losses: Sequence[float] = ()) -> go.Figure:
    """Reconstruction error (mean squared error per value) and scikit-learn's loss per epoch."""
    epochs = np.arange(1, len(mse_curve) + 1)
    fig = go.Figure(go.Scatter(x=epochs, y=list(mse_curve), mode="lines", name="reconstruction MSE",
                               hovertemplate="epoch %{x}: %{y:.5f}<extra></extra>"))
    if len(losses):
        fig.add_trace(go.Scatter(x=np.arange(1, len(losses) + 1), y=list(losses), mode="lines",
                                 name="training loss (½ MSE + L2)", line=dict(dash="dot")))
    fig.update_layout(xaxis_title="epoch", yaxis_title="error", height=300, margin=dict(l=10, r=10, t=10, b=10))
    return fig


def anomaly_histogram_figure(result, method: str, bins: int = 30) -> go.Figure:
    """Histogram of anomaly scores: normal test images vs held-out images (:class:`~embedlab.probes.anomaly.AnomalyResult`)."""
    from embedlab.probes.anomaly import METHOD_TITLES

    h = result.histogram(method, bins)
    mid = (h["left"] + h["right"]) / 2
    fig = go.Figure()
    fig.add_trace(go.Bar(x=mid, y=h["normal"], name="normal (test)", opacity=0.6, width=h["right"] - h["left"]))
    fig.add_trace(go.Bar(x=mid, y=h["held_out"], name="held out", opacity=0.6, width=h["right"] - h["left"]))
    auc = result.roc_auc.get(method)
    title = METHOD_TITLES.get(method, method) + (f" — ROC AUC {auc:.3f}" if auc is not None else "")
    fig.update_layout(barmode="overlay", title=title, xaxis_title="score (higher = more unusual)",
                      yaxis_title="images", height=300, margin=dict(l=10, r=10, t=40, b=10))
    return fig


def roc_figure(result) -> go.Figure:
    """ROC curves of every detector on the held-out vs normal test images (scikit-learn's ``roc_curve``)."""
    from sklearn.metrics import roc_curve

    from embedlab.probes.anomaly import METHOD_TITLES

    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(dash="dot", color="grey"),
                               name="chance", hoverinfo="skip"))
    evaluate = result.role != "train"
    truth = result.role[evaluate] == "held out"
    if truth.any() and (~truth).any():
        for m in result.methods:
            fpr, tpr, _ = roc_curve(truth, np.asarray(result.scores[m])[evaluate])
            fig.add_trace(go.Scatter(x=fpr, y=tpr, mode="lines",
                                     name=f"{METHOD_TITLES.get(m, m)} ({result.roc_auc[m]:.3f})"))
    fig.update_layout(xaxis_title="false positive rate", yaxis_title="true positive rate", height=380,
                      margin=dict(l=10, r=10, t=10, b=10))
    return fig


def knn_accuracy_figure(results: dict) -> go.Figure:
    """Bar chart of cross-validated k-NN accuracy per embedding, with the spread over folds.

    Parameters
    ----------
    results : dict of str -> KnnAccuracy
        E.g. ``{"pixels": ..., "PCA-10": ..., "AE-10": ...}``.
    """
    names = list(results)
    means = [100 * results[n].mean for n in names]
    stds = [100 * results[n].std for n in names]
    first = results[names[0]] if names else None
    fig = go.Figure(go.Bar(x=names, y=means, error_y=dict(type="data", array=stds), text=[f"{m:.1f}%" for m in means],
                           textposition="auto"))
    how = (f"{first.k}-NN, {first.metric}, {first.folds}-fold stratified CV (seed {first.seed})" if first else "")
    fig.update_layout(yaxis_title="accuracy (%)", title=how, height=320, margin=dict(l=10, r=10, t=40, b=10))
    return fig
