"""Image sets: shipped digits, uploaded zips of PNG/JPEG, sprite sheets; validated, resized, stored.

An :class:`ImageSet` is ``n`` square images of one size (greyscale or RGB,
``uint8``) with a stable id and an optional label each. It is what the image
model families (raw pixels, PCA, autoencoder) train on and what the views
draw as thumbnails.

Where images come from:

* **Shipped**: scikit-learn's handwritten digits (:func:`sample_imageset`),
  read from the CSV that scikit-learn installs (no download). Licence: the UCI
  "Optical Recognition of Handwritten Digits" data set (Alpaydin & Kaynak
  1998), CC BY 4.0. No second, larger real image set ships offline with a
  well-kept package here: scikit-learn's Olivetti faces and LFW are downloaded
  on first use (not allowed at run time), and its two sample photographs
  (``china.jpg``, ``flower.jpg``, CC BY 2.0) are two images, not a set (the
  tests use them as real JPEGs).
* **Upload** (:func:`read_image_zip`): a zip of PNG/JPEG files of any size,
  resized to a chosen square side, greyscale or colour, with an optional
  labels CSV (file name → label), or labels from sub-folder names.
* **Sprite sheet** (:func:`read_sprite_sheet`): one image of equal tiles in
  row-major order, as the Embedding Projector takes them, for thumbnails of
  imported vectors (:func:`align_to_keys` matches images to a space's keys).

Rules stated to the user (each leaves a note or a skipped entry):

* at most :data:`MAX_ZIP_MEMBERS` zip entries and :data:`MAX_IMAGES` images,
  and the upload limit of :mod:`embedlab.sources.uploads` after unzipping;
* an image is refused **before it is decoded** when its header announces more
  than :data:`MAX_IMAGE_PIXELS` pixels (a 20,000 × 20,000 PNG: Pillow reads
  only the header, and its own decompression-bomb check,
  ``PIL.Image.MAX_IMAGE_PIXELS``, stops anything twice that size in
  ``Image.open``);
* corrupt, truncated, encrypted or non-image members are listed and skipped;
* palette, alpha (composited onto white), 16-bit (scaled to 8 bits), CMYK and
  1-bit images are converted, with a note counting each mode;
* a labels CSV naming files that are not in the zip is reported (all unknown:
  an error, the CSV belongs to another zip);
* the archive rules of every upload (:mod:`embedlab.sources.uploads`): one
  decompression budget, at most 10,000 entries, one level of archives, no
  member path outside the archive.

Where images are kept:

* a set the user picks or uploads is a stored data set of kind ``images``
  (:func:`save_imageset`, through :meth:`embedlab.store.Workspace.save_dataset`:
  once per content, within the disk quota, written atomically);
* a model whose items are images carries its own copy of them as model
  attachments (:func:`attach_images`, :func:`space_images`), so it keeps its
  thumbnails when the set is deleted and when it is published.
"""

from __future__ import annotations

import io
import json
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from embedlab.errors import Cancelled, InputError
from embedlab.progress import Progress, ShouldStop, no_progress
from embedlab.sources.uploads import check_size, decode

#: Square sides offered for resizing uploads (pixels).
IMAGE_SIDES = (8, 16, 24, 28, 32, 48, 64)
#: Most images one set may hold.
MAX_IMAGES = 10_000
#: Most entries (files and folders) a zip may list, as for every upload; counted before anything is read.
MAX_ZIP_MEMBERS = 10_000
#: Most pixels (width × height) of one uploaded image, checked on its header before decoding.
MAX_IMAGE_PIXELS = 50_000_000
#: Largest side of a stored image; 64 × 64 × 3 = 12,288 values per image.
MAX_SIDE = 64
#: Resize modes: centre-crop to a square, pad to a square with white, or stretch.
FITS = ("crop", "pad", "stretch")
#: Image formats read from uploads (Pillow format names); anything else is skipped.
FORMATS = ("PNG", "JPEG")

SAMPLE_IMAGES = {
    "digits": {
        "title": "Handwritten digits (scikit-learn: 1,797 images of 8 × 8 pixels, labels 0-9)",
        "citation": ("E. Alpaydin and C. Kaynak (1998), Optical Recognition of Handwritten Digits, UCI Machine "
                     "Learning Repository, CC BY 4.0; the test set of 1,797 images as shipped by scikit-learn "
                     "(sklearn.datasets.load_digits): 32 × 32 bitmaps counted in 4 × 4 blocks, values 0-16."),
    },
}

_MODE_NOTES = {
    "P": "palette", "PA": "palette with transparency", "RGBA": "RGB with transparency",
    "LA": "greyscale with transparency", "I;16": "16-bit greyscale", "I;16B": "16-bit greyscale",
    "I;16L": "16-bit greyscale", "I;16N": "16-bit greyscale", "I": "32-bit integer", "1": "1-bit",
    "CMYK": "CMYK", "YCbCr": "YCbCr", "RGBa": "RGB with premultiplied alpha", "La": "greyscale with alpha",
}


@dataclass
class ImageSet:
    """Square images of one size, each with an id and a label.

    Attributes
    ----------
    pixels : ndarray of shape (n_images, side, side) or (n_images, side, side, 3), uint8
        Greyscale or RGB intensities in ``0 .. max_value``.
    ids : ndarray of shape (n_images,), str
        Distinct, stable keys (the zip member path, or ``digit-0000``...).
    labels : ndarray of shape (n_images,), str
        Class label of each image; ``""`` when unknown.
    name : str
    max_value : int
        Largest possible intensity (16 for the digits, 255 for uploads);
        :meth:`features` divides by it.
    invert_display : bool
        Draw high values dark (the digits store ink, as scikit-learn shows them
        with ``gray_r``).
    source : str
        ``sample:<key>``, ``upload`` or ``sprite``.
    citation : str
    notes : list of str
        What was converted, guessed or reported on the way.
    skipped : list of dict
        ``{"file": member name, "reason": why}`` for each member not used.
    files : ndarray of shape (n_images,), str
        Original file name of each image (``""`` for shipped images).
    id : str or None
        Set once stored in a workspace.
    """

    pixels: np.ndarray
    ids: np.ndarray
    labels: np.ndarray
    name: str = "images"
    max_value: int = 255
    invert_display: bool = False
    source: str = "upload"
    citation: str = ""
    notes: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    files: Optional[np.ndarray] = None
    id: Optional[str] = None

    def __post_init__(self):
        self.pixels = np.asarray(self.pixels)
        if self.pixels.dtype != np.uint8 or self.pixels.ndim not in (3, 4):
            raise InputError(f"Images must be a uint8 array of shape (n, side, side[, 3]); got {self.pixels.dtype} "
                             f"{self.pixels.shape}.")
        if self.pixels.shape[1] != self.pixels.shape[2] or (self.pixels.ndim == 4 and self.pixels.shape[3] != 3):
            raise InputError(f"Images must be square, greyscale or RGB; got shape {self.pixels.shape[1:]}.")
        n = len(self.pixels)
        self.ids = np.asarray(self.ids, dtype=object).astype(str)
        self.labels = np.asarray(["" if lab is None else lab for lab in self.labels], dtype=object).astype(str)
        self.files = (np.array([""] * n, dtype=object).astype(str) if self.files is None
                      else np.asarray(self.files, dtype=object).astype(str))
        if not (len(self.ids) == len(self.labels) == len(self.files) == n):
            raise InputError(f"{n} images but {len(self.ids)} ids, {len(self.labels)} labels, {len(self.files)} files.")
        if len(set(self.ids.tolist())) != n:
            raise InputError("Two images have the same id; every image needs its own name.")
        if not 1 <= int(self.max_value) <= 255:
            raise InputError("max_value must be from 1 to 255.")

    # -- shape --------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.pixels)

    @property
    def side(self) -> int:
        """Width and height of every image, in pixels."""
        return int(self.pixels.shape[1])

    @property
    def colour(self) -> bool:
        """True for RGB images, False for greyscale."""
        return self.pixels.ndim == 4

    @property
    def channels(self) -> int:
        return 3 if self.colour else 1

    @property
    def image_shape(self) -> tuple:
        """(side, side) or (side, side, 3)."""
        return tuple(int(s) for s in self.pixels.shape[1:])

    @property
    def n_features(self) -> int:
        """Values per image: side × side × channels."""
        return int(np.prod(self.pixels.shape[1:]))

    @property
    def has_labels(self) -> bool:
        return bool(np.any(self.labels != ""))

    def features(self) -> np.ndarray:
        """Pixels scaled to [0, 1], one row per image.

        Returns
        -------
        ndarray of shape (n_images, n_features), float32
            ``pixels / max_value``, flattened in row-major (y, x[, channel]) order.
        """
        return self.pixels.reshape(len(self), -1).astype(np.float32) / np.float32(self.max_value)

    def to_pixels(self, features: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`features` (clipped, rounded): ndarray of shape (n, *image_shape), uint8."""
        f = np.asarray(features, dtype=np.float32).reshape((-1,) + self.image_shape)
        return np.clip(np.rint(f * self.max_value), 0, self.max_value).astype(np.uint8)

    def display(self, pixels: Optional[np.ndarray] = None) -> np.ndarray:
        """Images as they should be shown: 0-255, dark ink for the digits.

        Parameters
        ----------
        pixels : ndarray of shape (n, *image_shape), optional
            Stored-scale images (default: all of this set's).

        Returns
        -------
        ndarray of shape (n, side, side) or (n, side, side, 3), uint8
        """
        p = self.pixels if pixels is None else np.asarray(pixels)
        scaled = np.rint(p.astype(np.float32) * (255.0 / self.max_value))
        if self.invert_display:
            scaled = 255.0 - scaled
        return np.clip(scaled, 0, 255).astype(np.uint8)

    def index_of(self, ids: Sequence[str]) -> np.ndarray:
        """Rows of the given ids; -1 for an id that is not in the set. ndarray of shape (len(ids),), int64."""
        lookup = {k: i for i, k in enumerate(self.ids.tolist())}
        return np.array([lookup.get(str(k), -1) for k in ids], dtype=np.int64)

    def subset(self, rows) -> "ImageSet":
        """The images at ``rows`` (indices or a boolean mask), same settings, no id."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        return ImageSet(self.pixels[rows], self.ids[rows], self.labels[rows], self.name, self.max_value,
                        self.invert_display, self.source, self.citation, list(self.notes), list(self.skipped),
                        self.files[rows])

    # -- statistics before training ---------------------------------------------
    def stats(self) -> dict:
        """Images, side, colour, values per image, labels, unlabelled images, skipped members."""
        labelled = self.labels != ""
        return {"images": len(self), "side": self.side, "colour": self.colour, "features": self.n_features,
                "labels": int(len(set(self.labels[labelled].tolist()))), "unlabelled": int((~labelled).sum()),
                "skipped": len(self.skipped), "max_value": int(self.max_value)}

    def label_counts(self) -> pd.DataFrame:
        """Images per label, most frequent first: DataFrame(label, images); ``""`` is shown as "(none)"."""
        counts = pd.Series(self.labels).replace("", "(none)").value_counts()
        return pd.DataFrame({"label": counts.index.astype(str), "images": counts.to_numpy(dtype=np.int64)})

    def items_frame(self) -> pd.DataFrame:
        """One row per image: id, label, file."""
        return pd.DataFrame({"id": self.ids, "label": self.labels, "file": self.files})

    def skipped_frame(self) -> pd.DataFrame:
        """Members that were not used: DataFrame(file, reason)."""
        return pd.DataFrame(self.skipped, columns=["file", "reason"])


# -- the shipped digits -----------------------------------------------------------------

def sample_imageset(key: str = "digits") -> ImageSet:
    """A shipped image set (see :data:`SAMPLE_IMAGES`), read from an installed package.

    Returns
    -------
    ImageSet
        For ``"digits"``: 1,797 greyscale 8 × 8 images, values 0-16,
        ids ``digit-0000`` ..., labels ``"0"`` ... ``"9"``.

    Raises
    ------
    InputError
        Unknown key.
    """
    if key not in SAMPLE_IMAGES:
        raise InputError(f"There is no shipped image set '{key}'. Choose one of: {', '.join(SAMPLE_IMAGES)}.")
    from sklearn.datasets import load_digits

    digits = load_digits()
    pixels = digits.images.astype(np.uint8)
    n = len(pixels)
    return ImageSet(pixels, [f"digit-{i:04d}" for i in range(n)], digits.target.astype(str), name=key,
                    max_value=16, invert_display=True, source=f"sample:{key}",
                    citation=SAMPLE_IMAGES[key]["citation"])


# -- decoding one image -----------------------------------------------------------------

def _pil():
    from PIL import Image, ImageOps

    return Image, ImageOps


def open_image(data: bytes, name: str, max_pixels: int = MAX_IMAGE_PIXELS):
    """Open a PNG/JPEG and check its size on the header, before any pixel is decoded.

    Parameters
    ----------
    data : bytes
    name : str
        Used in messages.
    max_pixels : int
        Largest width × height accepted.

    Returns
    -------
    PIL.Image.Image
        Lazily opened (only the header has been read).

    Raises
    ------
    InputError
        Not a PNG/JPEG, unreadable header, or more pixels than ``max_pixels``
        (Pillow's ``DecompressionBombError`` included).
    """
    Image, _ = _pil()
    try:
        with warnings.catch_warnings():
            # Pillow warns between MAX_IMAGE_PIXELS and twice that; our own limit below decides
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError as exc:
        # Pillow refuses more than twice Image.MAX_IMAGE_PIXELS on the header alone, before our own check
        raise InputError(f"'{name}' is too large to decode, refused before decoding ({exc}). Scale it down "
                         "before uploading.") from exc
    except Image.UnidentifiedImageError as exc:
        if data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff":
            raise InputError(f"'{name}' is a damaged image: it starts as a PNG/JPEG but its header cannot be read "
                             "(cut short?).") from exc
        raise InputError(f"'{name}' is not a PNG or JPEG image.") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InputError(f"'{name}' is a damaged image ({exc}).") from exc
    w, h = img.size
    if w < 1 or h < 1:
        raise InputError(f"'{name}' has no pixels ({w} × {h}).")
    if w * h > max_pixels:
        raise InputError(f"'{name}' is {w:,} × {h:,} pixels, over the limit of {max_pixels:,} pixels per image "
                         "(refused before decoding). Scale it down before uploading.")
    return img


def _normalise_mode(img, colour: bool):
    """Convert any PNG/JPEG mode to ``L`` or ``RGB``; returns (image, what was done or None)."""
    Image, _ = _pil()
    mode = img.mode
    done = None
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # Pillow's convert("L") clips 16-bit values at 255 instead of scaling them
        arr = np.asarray(img, dtype=np.float64)
        img = Image.fromarray(np.clip(np.rint(arr / 257.0), 0, 255).astype(np.uint8), "L")
        done = "scaled from 16 to 8 bits"
    elif mode == "F":
        arr = np.nan_to_num(np.asarray(img, dtype=np.float64))
        img = Image.fromarray(np.clip(np.rint(arr), 0, 255).astype(np.uint8), "L")
        done = "float values clipped to 0-255"
    elif mode == "1":
        img = img.convert("L")
        done = "1-bit converted to greyscale"
    if img.mode in ("P", "PA"):
        has_alpha = img.mode == "PA" or "transparency" in img.info
        img = img.convert("RGBA" if has_alpha else "RGB")
        done = "palette expanded" + (" (transparency onto white)" if has_alpha else "")
    if img.mode in ("RGBA", "LA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        background.alpha_composite(rgba)
        img = background.convert("RGB")
        done = done or "transparency composited onto white"
    if img.mode not in ("L", "RGB"):
        img = img.convert("RGB")
        done = done or f"{mode} converted to RGB"
    target = "RGB" if colour else "L"
    if img.mode != target:
        img = img.convert(target)
    return img, done


def _resize_square(img, side: int, fit: str):
    Image, _ = _pil()
    w, h = img.size
    lanczos = Image.Resampling.LANCZOS
    if fit == "stretch":
        return img.resize((side, side), lanczos, reducing_gap=3.0)
    if fit == "crop":
        s = min(w, h)
        left, top = (w - s) / 2.0, (h - s) / 2.0
        return img.resize((side, side), lanczos, box=(left, top, left + s, top + s), reducing_gap=3.0)
    scale = side / max(w, h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    small = img.resize((nw, nh), lanczos, reducing_gap=3.0)
    canvas = Image.new(img.mode, (side, side), 255 if img.mode == "L" else (255, 255, 255))
    canvas.paste(small, ((side - nw) // 2, (side - nh) // 2))
    return canvas


def decode_image(data: bytes, name: str, side: int, colour: bool = False, fit: str = "crop",
                 max_pixels: int = MAX_IMAGE_PIXELS) -> tuple:
    """Decode one PNG/JPEG into a square ``uint8`` array.

    The header is checked first (:func:`open_image`); JPEGs are decoded at a
    reduced DCT scale when much larger than ``side`` (Pillow's ``draft``); EXIF
    orientation is applied; the mode is normalised (palette, alpha onto white,
    16-bit scaled to 8 bits, CMYK); then the image is cropped, padded or
    stretched to ``side`` × ``side`` with a Lanczos filter.

    Parameters
    ----------
    data : bytes
    name : str
    side : int
        Output width and height in pixels.
    colour : bool
        RGB output; greyscale (ITU-R 601-2 luma, Pillow's ``L``) otherwise.
    fit : {"crop", "pad", "stretch"}
    max_pixels : int

    Returns
    -------
    (ndarray of shape (side, side) or (side, side, 3), uint8; str; str or None)
        The pixels, the original mode, and what conversion was done.

    Raises
    ------
    InputError
        See :func:`open_image`; truncated or corrupt pixel data.
    """
    Image, ImageOps = _pil()
    img = open_image(data, name, max_pixels)
    mode = img.mode
    try:
        if img.format in ("JPEG", "MPO"):
            img.draft("RGB" if colour else "L", (side, side))
        img.load()
        try:
            img = ImageOps.exif_transpose(img) or img
        except (OSError, ValueError, SyntaxError, TypeError, KeyError):
            pass  # a damaged EXIF block: keep the image as stored
        img, done = _normalise_mode(img, colour)
        img = _resize_square(img, side, fit)
        arr = np.asarray(img, dtype=np.uint8)
    except InputError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError, MemoryError) as exc:
        raise InputError(f"'{name}' is a damaged image ({exc}).") from exc
    finally:
        img.close()
    return arr, mode, done


# -- labels --------------------------------------------------------------------------

_FILE_NAMES = ("file", "filename", "file_name", "image", "image_name", "path", "name", "id", "image_id")
_LABEL_NAMES = ("label", "labels", "class", "category", "target", "y", "digit")


def _match_key(names: Sequence[str]) -> dict:
    """Ways to name each image: full path, base name, stem (when unique) -> image path."""
    lookup = {}
    for kind in ("path", "base", "stem"):
        seen = Counter()
        pairs = []
        for n in names:
            p = PurePosixPath(n)
            key = {"path": n, "base": p.name, "stem": p.stem}[kind].lower()
            seen[key] += 1
            pairs.append((key, n))
        for key, n in pairs:
            if seen[key] == 1 and key not in lookup:
                lookup[key] = n
    return lookup


def read_labels_csv(data: bytes, name: str, image_names: Sequence[str]) -> tuple:
    """Read a labels CSV (file name → label) and match it to images.

    The first column (or one headed ``file``/``filename``/``image``/...) names
    the image, by its path in the zip, its base name or its name without
    extension; the second (or one headed ``label``/``class``/...) its label.
    A header is recognised when its first cell names no image.

    Parameters
    ----------
    data : bytes
    name : str
    image_names : sequence of str
        The images to label (zip member paths).

    Returns
    -------
    (dict, list of str, list of str)
        ``{image name: label}``, notes, and the CSV's file names that match no image.

    Raises
    ------
    InputError
        Not a table with two columns, or no row names an image.
    """
    from embedlab.sources.ratings import sniff_separator

    text = decode(data, name).text
    head = text[:200_000].splitlines()[:21]
    sep = sniff_separator(head)
    lookup = _match_key(image_names)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=str, keep_default_na=False,
                            na_filter=False, skip_blank_lines=True, engine="python" if sep == r"\s+" else "c")
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"'{name}' could not be read as a table ({exc}). Give one line per image: "
                         "file name, label.") from exc
    if frame.shape[1] < 2 or frame.empty:
        raise InputError(f"'{name}' needs two columns: the image's file name and its label.")
    first = [str(c).strip() for c in frame.iloc[0]]
    header = first[0].lower() not in lookup and (
        any(c.lower() in _FILE_NAMES for c in first) or any(c.lower() in _LABEL_NAMES for c in first))
    file_col, label_col = 0, 1
    if header:
        low = [c.lower() for c in first]
        file_col = next((j for j, c in enumerate(low) if c in _FILE_NAMES), 0)
        label_col = next((j for j, c in enumerate(low) if c in _LABEL_NAMES and j != file_col),
                         1 if file_col != 1 else 0)
        frame = frame.iloc[1:]
    files = frame.iloc[:, file_col].astype(str).str.strip()
    labels = frame.iloc[:, label_col].astype(str).str.strip()
    mapping, unknown, notes = {}, [], []
    repeated = 0
    for f, lab in zip(files.tolist(), labels.tolist()):
        if not f:
            continue
        key = f.replace("\\", "/").lower()
        target = lookup.get(key) or lookup.get(PurePosixPath(key).name) or lookup.get(PurePosixPath(key).stem)
        if target is None:
            unknown.append(f)
            continue
        if target in mapping:
            repeated += 1
        mapping[target] = lab
    if not mapping:
        shown = ", ".join(unknown[:5])
        raise InputError(f"None of the {len(unknown):,} file names in '{name}' is an image in the upload "
                         f"(first: {shown}). Check that the labels file belongs to this zip and that its "
                         "first column holds the image file names.")
    if unknown:
        shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        notes.append(f"{len(unknown):,} file name(s) in '{name}' match no image and were ignored: {shown}.")
    if repeated:
        notes.append(f"{repeated:,} image(s) are named twice in '{name}': the last label was kept.")
    return mapping, notes, unknown


# -- zips ----------------------------------------------------------------------------

def _is_hidden(path: str) -> bool:
    parts = path.split("/")
    return path.startswith("__MACOSX/") or any(p.startswith(".") for p in parts if p)


def read_image_zip(data: bytes, name: str = "images.zip", side: int = 28, colour: bool = False, fit: str = "crop",
                   labels_csv: Optional[bytes] = None, labels_name: str = "labels.csv",
                   max_images: int = MAX_IMAGES, max_pixels: int = MAX_IMAGE_PIXELS,
                   limit: Optional[int] = None, progress: Optional[Progress] = None,
                   should_stop: Optional[ShouldStop] = None) -> ImageSet:
    """Read a zip of PNG/JPEG images into an :class:`ImageSet`.

    The archive rules are the app's (:mod:`embedlab.sources.uploads`): one
    decompression budget for the whole upload (every member, ``.gz`` members
    and a ``.zip.gz`` included), at most :data:`MAX_ZIP_MEMBERS` entries counted
    from the directory record before it is parsed, no member path outside the
    archive, one level of archives (a zip inside the zip is refused).

    Parameters
    ----------
    data : bytes
        The uploaded zip (or a gzip of it).
    name : str
    side : int
        Square side every image is resized to (see :data:`IMAGE_SIDES`; at most :data:`MAX_SIDE`).
    colour : bool
        Keep RGB; greyscale otherwise.
    fit : {"crop", "pad", "stretch"}
        Centre-crop to a square, pad to a square with white, or stretch.
    labels_csv : bytes, optional
        A CSV of file name → label (see :func:`read_labels_csv`). Without it, a
        single ``.csv`` inside the zip is used, else the sub-folder names when
        every image sits in a sub-folder (``cat/1.png`` → ``cat``).
    labels_name : str
    max_images : int
    max_pixels : int
        Largest width × height of one image, checked before decoding.
    limit : int, optional
        Largest total size in bytes once decompressed, all members together (default: the upload limit).
    progress : callable, optional
        ``progress(fraction, message)`` every 50 images.
    should_stop : callable, optional
        Polled every 50 images; True raises :class:`~embedlab.errors.Cancelled`.

    Returns
    -------
    ImageSet
        Images in member-name order; ids are the member paths; ``skipped``
        lists every member not used and why; ``notes`` say what was converted.

    Raises
    ------
    InputError
        Empty or non-zip upload, too many entries or images, more than the
        upload limit once decompressed, a nested archive or a member path
        outside the archive, an unknown ``side``/``fit``, no usable image (the
        message lists why members were skipped), a labels CSV that names no image.
    """
    from embedlab import config
    from embedlab.sources import uploads

    progress = progress or no_progress
    if not isinstance(side, (int, np.integer)) or not 1 <= int(side) <= MAX_SIDE:
        raise InputError(f"The image side must be a whole number from 1 to {MAX_SIDE} pixels; got {side!r}.")
    side = int(side)
    if fit not in FITS:
        raise InputError(f"fit must be one of {', '.join(FITS)}; got {fit!r}.")
    if not data:
        raise InputError(f"'{name}' is empty. Upload a .zip of PNG or JPEG images.")
    budget = uploads.Budget(name, config.max_upload_bytes() if limit is None else limit)
    check_size(len(data), f"'{name}'", budget.limit)
    from_gzip = uploads.is_gzip(data)
    if from_gzip:  # a .zip.gz: one level of archives, like every upload
        data = uploads.gunzip(data, name, budget)
        name = name[:-3] if name.lower().endswith(".gz") else name
    if not uploads.is_zip(data):
        raise InputError(f"'{name}' is not a zip file. Put the PNG/JPEG images in a .zip and upload that.")
    archive, infos = uploads.open_zip(data, name, MAX_ZIP_MEMBERS,
                                      advice=f"Upload at most {max_images:,} images (a sample of them).")
    members = [m for m in infos if not m.is_dir() and not _is_hidden(m.filename)]
    # the headers' sizes refuse an obvious bomb before anything is read; the budget counts what really comes out
    check_size(sum(m.file_size for m in members), f"'{name}' once decompressed (all its files together)",
               budget.limit)
    csvs = [m for m in members if m.filename.lower().endswith((".csv", ".tsv", ".csv.gz", ".tsv.gz"))]
    candidates = [m for m in members if m not in csvs]
    if len(candidates) > max_images:
        raise InputError(f"'{name}' holds {len(candidates):,} files, over the limit of {max_images:,} images. "
                         "Upload a smaller sample.")

    def read(member) -> bytes:
        return uploads.read_member(archive, member, name, budget, gz_members=not from_gzip)

    notes, skipped = [], []
    if labels_csv is None and len(csvs) == 1:
        labels_csv, labels_name = read(csvs[0]), csvs[0].filename
        notes.append(f"Labels read from '{labels_name}' inside the zip.")
    elif len(csvs) > 1 and labels_csv is None:
        notes.append(f"{len(csvs)} CSV files in the zip; none was used for labels. Upload the labels file "
                     "separately.")
    arrays, ids, modes, conversions = [], [], Counter(), Counter()
    for j, member in enumerate(sorted(candidates, key=lambda m: m.filename)):
        if j % 50 == 0:
            if should_stop is not None and should_stop():
                raise Cancelled("Reading the images was cancelled.")
            progress(j / max(len(candidates), 1), f"Reading image {j + 1:,} of {len(candidates):,}")
        fname = member.filename
        if member.flag_bits & 0x1:
            skipped.append({"file": fname, "reason": "encrypted (password-protected) member"})
            continue
        try:
            content = read(member)
            arr, mode, done = decode_image(content, fname, side, colour, fit, max_pixels)
        except uploads.NestedArchiveError:
            raise  # one level of archives: the whole upload is refused, as everywhere in the app
        except InputError as exc:
            if budget.exhausted:
                raise
            skipped.append({"file": fname, "reason": _reason(str(exc), fname)})
            continue
        arrays.append(arr)
        ids.append(fname[:-3] if fname.lower().endswith(".gz") else fname)
        modes[mode] += 1
        if done:
            conversions[done] += 1
    progress(1.0, f"Read {len(arrays):,} images")
    if not arrays:
        why = "; ".join(f"{s['file']}: {s['reason']}" for s in skipped[:5]) or "the zip holds no files"
        raise InputError(f"'{name}' holds no usable PNG or JPEG image ({why}). Put .png/.jpg files in the zip.")
    if len(set(ids)) < len(ids):  # a.png and a.png.gz
        raise InputError(f"'{name}' holds two images with the same name once '.gz' is removed. Rename one.")
    if skipped:
        notes.append(f"{len(skipped):,} member(s) were skipped (not a PNG/JPEG image, damaged or too large); "
                     "see the list.")
    unusual = {m: c for m, c in modes.items() if m not in ("L", "RGB")}
    if unusual:
        notes.append("Image modes converted: " + ", ".join(
            f"{_MODE_NOTES.get(m, m)} ({m}) × {c:,}" for m, c in sorted(unusual.items())) + "; " + "; ".join(
            f"{what} × {c:,}" for what, c in sorted(conversions.items())) + ".")
    notes.append(f"Every image was resized to {side} × {side} pixels ({fit}), "
                 f"{'in colour (RGB)' if colour else 'in greyscale'}.")
    labels = [""] * len(ids)
    if labels_csv is not None:
        mapping, label_notes, _unknown = read_labels_csv(labels_csv, labels_name, ids)
        notes.extend(label_notes)
        labels = [mapping.get(i, "") for i in ids]
        missing = sum(1 for lab in labels if lab == "")
        if missing:
            notes.append(f"{missing:,} image(s) have no label in '{labels_name}'.")
    else:
        folders = [str(PurePosixPath(i).parent) for i in ids]
        if all(f not in (".", "") for f in folders) and len(set(folders)) > 1:
            labels = [PurePosixPath(f).name for f in folders]
            notes.append("Labels taken from the sub-folder names (no labels CSV given).")
    return ImageSet(np.stack(arrays), ids, labels, name=Path(name).stem or "images", max_value=255,
                    invert_display=False, source="upload", notes=notes, skipped=skipped,
                    files=[PurePosixPath(i).name for i in ids])


def _reason(message: str, fname: str) -> str:
    """An InputError's message without the quoted file name at its start."""
    prefix = f"'{fname}' "
    return message[len(prefix):] if message.startswith(prefix) else message


# -- sprite sheets and imported vectors -----------------------------------------------------

def read_sprite_sheet(data: bytes, name: str, tile: int, n_images: int, ids: Optional[Sequence[str]] = None,
                      side: Optional[int] = None, colour: bool = False,
                      max_pixels: int = MAX_IMAGE_PIXELS) -> ImageSet:
    """Cut a sprite sheet (the Embedding Projector's format) into an :class:`ImageSet`.

    The sheet holds ``n_images`` tiles of ``tile`` × ``tile`` pixels in
    row-major order, as many per row as fit its width (the projector's
    ``sprite.singleImageDim``).

    Parameters
    ----------
    data : bytes
        A PNG or JPEG.
    name : str
    tile : int
        Tile width and height in pixels.
    n_images : int
        Number of tiles to read (one per vector, in the vectors' order).
    ids : sequence of str, optional
        Keys of the images (default ``"0"``, ``"1"``, ...).
    side : int, optional
        Resize each tile to this side (default: ``tile``, capped at :data:`MAX_SIDE`).
    colour : bool

    Raises
    ------
    InputError
        Not an image, too large, a tile size that does not fit, fewer tiles
        than ``n_images``, ``ids`` of the wrong length.
    """
    Image, _ = _pil()
    if not isinstance(tile, (int, np.integer)) or tile < 1:
        raise InputError("The tile size must be a whole number of pixels, 1 or more.")
    if not isinstance(n_images, (int, np.integer)) or not 1 <= n_images <= MAX_IMAGES:
        raise InputError(f"The number of images must be from 1 to {MAX_IMAGES:,}.")
    ids = [str(i) for i in range(n_images)] if ids is None else [str(i) for i in ids]
    if len(ids) != n_images:
        raise InputError(f"{len(ids):,} ids for {n_images:,} images.")
    img = open_image(data, name, max_pixels)
    w, h = img.size
    per_row, rows = w // tile, h // tile
    if per_row < 1 or per_row * rows < n_images:
        raise InputError(f"'{name}' ({w} × {h} pixels) holds {max(per_row, 0) * max(rows, 0):,} tiles of "
                         f"{tile} × {tile}, fewer than the {n_images:,} images needed. Check the tile size.")
    side = int(side or min(tile, MAX_SIDE))
    if not 1 <= side <= MAX_SIDE:
        raise InputError(f"The image side must be from 1 to {MAX_SIDE} pixels.")
    try:
        img.load()
        sheet, _done = _normalise_mode(img, colour)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InputError(f"'{name}' is a damaged image ({exc}).") from exc
    out = np.empty((n_images, side, side) + ((3,) if colour else ()), dtype=np.uint8)
    for k in range(n_images):
        r, c = divmod(k, per_row)
        cell = sheet.crop((c * tile, r * tile, (c + 1) * tile, (r + 1) * tile))
        if side != tile:
            cell = cell.resize((side, side), Image.Resampling.LANCZOS)
        out[k] = np.asarray(cell, dtype=np.uint8)
    return ImageSet(out, ids, [""] * n_images, name=Path(name).stem or "sprite", source="sprite",
                    notes=[f"{n_images:,} tiles of {tile} × {tile} cut from '{name}' ({per_row} per row)."])


def align_to_keys(images: ImageSet, keys: Sequence[str]) -> tuple:
    """Match images to a space's keys (imported CNN/CLIP vectors) by id, file name or name without extension.

    Parameters
    ----------
    images : ImageSet
    keys : sequence of str
        The space's keys, e.g. ``space.words``.

    Returns
    -------
    (ImageSet, list of str, list of str)
        The matched images with ids replaced by their keys (in key order), the
        keys without an image, and the image ids that match no key.

    Raises
    ------
    InputError
        No key has an image.
    """
    lookup = _match_key(images.ids.tolist())
    row_of = {k: i for i, k in enumerate(images.ids.tolist())}
    rows, matched_keys, missing = [], [], []
    used = set()
    for key in keys:
        k = str(key)
        target = row_of.get(k)
        if target is None:
            hit = lookup.get(k.lower()) or lookup.get(PurePosixPath(k.lower()).name) or lookup.get(
                PurePosixPath(k.lower()).stem)
            target = row_of.get(hit) if hit is not None else None
        if target is None or target in used:
            missing.append(k)
            continue
        used.add(target)
        rows.append(target)
        matched_keys.append(k)
    if not rows:
        raise InputError(f"No image matches a key of the vectors (first keys: {', '.join(map(str, list(keys)[:5]))}; "
                         f"first images: {', '.join(images.ids[:5])}). Name each image after its vector's key.")
    sub = images.subset(np.asarray(rows))
    sub.ids = np.asarray(matched_keys, dtype=object).astype(str)
    unused = [images.ids[i] for i in range(len(images)) if i not in used]
    if missing:
        sub.notes.append(f"{len(missing):,} key(s) have no image: {', '.join(missing[:5])}"
                         + (" ..." if len(missing) > 5 else "") + ".")
    if unused:
        sub.notes.append(f"{len(unused):,} image(s) match no key and were left out.")
    return sub, missing, unused


# -- storing a set in a workspace --------------------------------------------------------

def imageset_fingerprint(images: ImageSet) -> str:
    """SHA-256 of a set's content (pixels, shape, scale, ids, labels): the same upload is stored once."""
    import hashlib

    h = hashlib.sha256()
    h.update(json.dumps([list(images.pixels.shape), int(images.max_value), bool(images.invert_display)]).encode())
    h.update(np.ascontiguousarray(images.pixels).tobytes())
    for column in (images.ids, images.labels, images.files):
        h.update("\0".join(column.tolist()).encode("utf-8", "surrogatepass"))
        h.update(b"\1")
    return h.hexdigest()


def save_imageset(workspace, images: ImageSet) -> str:
    """Store a set as the workspace's data set of kind ``images`` (once per content); return its id.

    Files in ``<workspace>/images/<id>/``: ``pixels.npy`` (uint8, never
    pickled), ``items.parquet`` (id, label, file) and ``imageset.json`` (the
    facts: name, shape, scale, source, citation, notes, skipped members),
    written atomically by :meth:`embedlab.store.Workspace.save_dataset`; a set
    with the same content (:func:`imageset_fingerprint`) is reused.

    Returns
    -------
    str
        The image set id (also set on ``images.id``).

    Raises
    ------
    InputError
        The workspace's disk quota would be exceeded.
    """

    def write(folder):
        np.save(folder / "pixels.npy", np.ascontiguousarray(images.pixels), allow_pickle=False)
        images.items_frame().to_parquet(folder / "items.parquet", index=False)

    facts = {"name": images.name, "max_value": int(images.max_value), "invert_display": bool(images.invert_display),
             "source": images.source, "citation": images.citation, "notes": list(images.notes),
             "skipped": list(images.skipped), "shape": list(images.pixels.shape), "images": len(images),
             "side": images.side, "colour": images.colour, "classes": images.stats()["labels"]}
    nbytes = int(images.pixels.nbytes) + 64 * len(images)
    images.id = workspace.save_dataset("images", write, facts, imageset_fingerprint(images), nbytes)
    return images.id


def load_imageset(workspace, imageset_id: str) -> ImageSet:
    """Read a set stored by :func:`save_imageset`.

    Raises
    ------
    InputError
        Unknown id or damaged files.
    """
    folder = workspace.dataset_folder("images", imageset_id)
    facts = workspace.dataset_facts("images", imageset_id)
    try:
        pixels = np.load(folder / "pixels.npy", allow_pickle=False)
        items = pd.read_parquet(folder / "items.parquet")
        images = ImageSet(pixels, items["id"].astype(str).to_numpy(), items["label"].astype(str).to_numpy(),
                          facts.get("name", "images"), int(facts.get("max_value", 255)),
                          bool(facts.get("invert_display", False)), facts.get("source", "upload"),
                          facts.get("citation", ""), list(facts.get("notes", [])), list(facts.get("skipped", [])),
                          items["file"].astype(str).to_numpy(), id=str(imageset_id))
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"The image set '{imageset_id}' is damaged ({exc}). Delete it and upload it again.") from exc
    return images


def imagesets(workspace) -> pd.DataFrame:
    """Stored image sets, newest first: DataFrame(id, name, images, side, colour, classes, source, created_at)."""
    frame = workspace.datasets("images")
    columns = ["id", "name", "images", "side", "colour", "classes", "source", "created_at"]
    for col in columns:
        if col not in frame.columns:
            frame[col] = pd.Series(dtype=object)
    return frame[columns]


#: The workspace setting that names the current image set (the Images page sets it; the image pages follow it).
CURRENT_SETTING = "image_set"


def delete_imageset(workspace, imageset_id: str) -> None:
    """Remove a stored set (and forget it as the workspace's current set, the ``image_set`` setting).

    Models trained on it keep working: each carries its own copy of the images
    it embeds (:func:`attach_images`).

    Raises
    ------
    InputError
        Unknown id.
    """
    workspace.delete_dataset("images", imageset_id, setting=CURRENT_SETTING)


def store_sample_images(workspace, key: str = "digits") -> str:
    """Store a shipped set once per workspace and return its id (an earlier stored copy is reused, by content)."""
    return save_imageset(workspace, sample_imageset(key))


# -- the images of a model --------------------------------------------------------------------

#: Attachments of a model whose items are images (see :attr:`embedlab.space.Space.attachments`).
PIXELS_ATTACHMENT = "images/pixels.npy"
FACTS_ATTACHMENT = "images/images.json"


def attach_images(space, images: ImageSet) -> None:
    """Give a space the images of its items, saved with it as attachments (in its atomic write).

    The model then keeps its thumbnails when its image set is deleted, and
    carries them when it is published. Marks the space's items as images
    (``info["item_kind"] = "image"``, ``image_shape``, ``imageset_id``).

    Parameters
    ----------
    space : Space
    images : ImageSet
        Images whose ids are keys of ``space`` (all of them, or some: imported
        vectors may lack a few, see :func:`align_to_keys`).

    Raises
    ------
    InputError
        An image id that is not a key of the space.
    """
    keys = [str(w) for w in space.words]
    ids = images.ids.tolist()
    if ids != keys:
        known = set(keys)
        stray = [i for i in ids if i not in known]
        if stray:
            raise InputError(f"{len(stray):,} image(s) match no vector (first: {stray[0]}); align them first.")
    space.attachments[PIXELS_ATTACHMENT] = np.ascontiguousarray(images.pixels)
    space.attachments[FACTS_ATTACHMENT] = {
        "name": images.name, "max_value": int(images.max_value), "invert_display": bool(images.invert_display),
        "source": images.source, "citation": images.citation, "imageset_id": images.id,
        "keys": None if ids == keys else ids}
    space.info.update(item_kind="image", image_shape=list(images.image_shape), imageset_id=images.id,
                      imageset_name=images.name)


def space_images(workspace, space) -> ImageSet:
    """The images of a space's items, read from its attachments (see :func:`attach_images`).

    Parameters
    ----------
    workspace : Workspace
    space : Space
        Loaded by :meth:`~embedlab.store.Workspace.load_space` (its ``info["id"]`` names the model).

    Returns
    -------
    ImageSet
        Ids = the keys that have an image (usually all, in the space's order);
        labels from the space's ``class`` column ("" when it has none).

    Raises
    ------
    InputError
        The model was saved without images, or they are damaged.
    """
    model_id = space.info.get("id")
    if not model_id:
        raise InputError(f"The model '{space.name}' is not stored, so it has no saved images.")
    pixels_path = workspace.attachment(model_id, PIXELS_ATTACHMENT)
    facts_path = workspace.attachment(model_id, FACTS_ATTACHMENT)
    try:
        pixels = np.load(pixels_path, allow_pickle=False)
        facts = json.loads(facts_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"The images saved with '{space.name}' are damaged ({exc}); train it again.") from exc
    ids = facts.get("keys") or list(space.words)
    if "class" in space.meta.columns:
        labels = space.meta["class"].astype(str).reindex(ids).fillna("").to_numpy()
    else:
        labels = np.array([""] * len(ids), dtype=object)
    return ImageSet(pixels, ids, labels, facts.get("name", space.name), int(facts.get("max_value", 255)),
                    bool(facts.get("invert_display", False)), facts.get("source", "model"), facts.get("citation", ""),
                    id=facts.get("imageset_id"))


def images_for_vectors(data: bytes, name: str, keys: Sequence[str], tile: Optional[int] = None,
                       side: Optional[int] = None,
                       colour: bool = False, fit: str = "crop", progress: Optional[Progress] = None) -> ImageSet:
    """Images for imported vectors (CNN or CLIP embeddings): a zip named by key, or a sprite sheet in key order.

    Parameters
    ----------
    data : bytes
        A zip of PNG/JPEG images (each named after its vector's key: ``cat01.png``
        or ``photos/cat01.jpg`` for the key ``cat01``), or one PNG/JPEG sprite
        sheet (the Embedding Projector's: ``tile`` × ``tile`` tiles, row-major,
        one per vector in the vectors' order).
    name : str
    keys : sequence of str
        The vectors' keys, in order.
    tile : int, optional
        Tile side of a sprite sheet in pixels (required for a sheet).
    side : int, optional
        Square side of the stored images (default 28 for a zip, the tile side for a sheet, at most :data:`MAX_SIDE`).
    colour, fit
        As :func:`read_image_zip`.

    Returns
    -------
    ImageSet
        One image per matched key, in key order, ids = keys (see :func:`align_to_keys`);
        its notes say how many keys have no image.

    Raises
    ------
    InputError
        As the readers; a sprite sheet without a tile size; no image matches a key.
    """
    from embedlab.sources import uploads

    if uploads.is_zip(data) or uploads.is_gzip(data):
        images = read_image_zip(data, name, side=side or 28, colour=colour, fit=fit, progress=progress)
    else:
        if not tile:
            raise InputError(f"'{name}' is not a zip, so it is read as a sprite sheet: give the side of one tile "
                             "in pixels (the projector's singleImageDim).")
        keys = [str(k) for k in keys]
        n = min(len(keys), MAX_IMAGES)
        images = read_sprite_sheet(data, name, int(tile), n, ids=keys[:n],
                                   side=min(int(tile), MAX_SIDE) if side is None else side, colour=colour)
        if n < len(keys):
            images.notes.append(f"Only the first {n:,} vectors get images (at most {MAX_IMAGES:,} per set).")
    aligned, _missing, _unused = align_to_keys(images, keys)
    return aligned


# -- reading a large zip in the background -------------------------------------------------------

def run_read_job(workspace, args: dict, progress: Progress) -> dict:
    """Background job ``read_images`` (:data:`embedlab.jobs.TASKS`): read a staged zip, store the set.

    The Images page runs this for zips above :func:`embedlab.config.inline_limit`
    ``("image_zip_bytes")``: decoding thousands of images in the web server's
    process would hold it up. Progress every 50 images; Cancel stops it there.

    Parameters
    ----------
    workspace : Workspace
    args : dict
        ``file``: [name, staged path]; ``labels``: [name, staged path] or None
        (both removed when the job ends); ``side``, ``colour``, ``fit``.
    progress : callable

    Returns
    -------
    dict
        ``images_id``, ``name``, ``images``, ``skipped``.

    Raises
    ------
    InputError
        As :func:`read_image_zip`; the workspace is over its disk quota.
    """
    staged = [args["file"]] + ([args["labels"]] if args.get("labels") else [])
    try:
        data = Path(args["file"][1]).read_bytes()
        labels = Path(args["labels"][1]).read_bytes() if args.get("labels") else None
    finally:
        for _, path in staged:
            workspace.unstage(path)
    from embedlab.progress import scaled

    images = read_image_zip(data, args["file"][0], side=int(args.get("side", 28)), colour=bool(args.get("colour")),
                            fit=args.get("fit", "crop"), labels_csv=labels,
                            labels_name=args["labels"][0] if args.get("labels") else "labels.csv",
                            progress=scaled(progress, 0.0, 0.95))
    del data
    progress(0.96, f"Saving {len(images):,} images")
    set_id = save_imageset(workspace, images)
    return {"images_id": set_id, "name": images.name, "images": len(images), "skipped": len(images.skipped)}
