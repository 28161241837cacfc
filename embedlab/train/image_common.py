"""What the image model families share: config checks, image spaces, stored decoders, the job body.

An image space is a :class:`~embedlab.space.Space` whose keys are image ids,
with ``info["item_kind"] = "image"``, ``info["imageset_id"]`` (so a view can
find the pictures again), and a ``label`` and ``file`` metadata column.

Families that can rebuild images from their embedding (PCA, the autoencoder)
also have a *decoder*: plain arrays (``.npy``, never pickled) stored under
``<workspace>/image_decoders/<id>/`` before the space is saved, and named by
``info["decoder_id"]`` and ``info["decoder_kind"]``. :func:`load_decoder`
reads it back for reconstructions and galleries.
"""

from __future__ import annotations

import json
import numbers
import time
from dataclasses import asdict, fields
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.progress import Progress, scaled
from embedlab.sources.images import ImageSet, load_imageset, store_sample_images
from embedlab.space import Space

DECODERS_DIR = "image_decoders"


# -- configs whose fields carry their help, range and choices --------------------------------

def check_config(cfg) -> None:
    """Check every field of a config dataclass against its ``metadata``.

    ``metadata`` keys used: ``min``/``max`` (numbers; for a tuple field, every
    element), ``choices``, ``max_len`` (tuple fields). A field whose default is
    an ``int`` must hold a whole number.

    Raises
    ------
    InputError
        The first field out of range, of the wrong type or not one of its choices.
    """
    for f in fields(cfg):
        meta, value = f.metadata, getattr(cfg, f.name)
        label = meta.get("label", f.name)
        if "choices" in meta and value not in meta["choices"]:
            raise InputError(f"{label} must be one of {', '.join(map(str, meta['choices']))}; got {value!r}.")
        values = value if isinstance(value, tuple) else (value,)
        if isinstance(value, tuple):
            if not value:
                raise InputError(f"{label} needs at least one value.")
            if len(value) > meta.get("max_len", 10):
                raise InputError(f"{label} takes at most {meta.get('max_len', 10)} values; got {len(value)}.")
        whole = isinstance(f.default, int) and not isinstance(f.default, bool) or isinstance(value, tuple)
        for v in values:
            if "min" not in meta and "max" not in meta:
                continue
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or (whole and not isinstance(v, numbers.Integral)):
                kind = "a whole number" if whole else "a number"
                raise InputError(f"{label} must be {kind} from {meta.get('min')} to {meta.get('max')}; got {v!r}.")
            if not meta.get("min", -np.inf) <= v <= meta.get("max", np.inf) or v != v:
                raise InputError(f"{label} must be from {meta.get('min')} to {meta.get('max')}; got {v!r}.")


def config_from_dict(cls, values: Optional[dict]):
    """Build ``cls`` from a dict, ignoring unknown keys; lists and ``"64, 32"`` strings become tuples."""
    out = {}
    for f in fields(cls):
        if f.name not in (values or {}):
            continue
        v = values[f.name]
        if isinstance(f.default, tuple):
            if isinstance(v, str):
                try:
                    v = tuple(int(x) for x in v.replace(";", ",").split(",") if x.strip())
                except ValueError as exc:
                    raise InputError(f"{f.name} must be whole numbers separated by commas, e.g. 64, 32.") from exc
            elif isinstance(v, (list, tuple)):
                v = tuple(v)
        elif isinstance(f.default, int) and not isinstance(f.default, bool) and isinstance(v, float) and v.is_integer():
            v = int(v)
        out[f.name] = v
    return cls(**out)


def config_to_dict(cfg) -> dict:
    """A JSON-able dict of a config (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items()}


def field_help(cls) -> dict:
    """``{field: metadata}`` of a config class, for the Train page's widgets."""
    return {f.name: dict(f.metadata) for f in fields(cls)}


# -- image spaces ---------------------------------------------------------------------

def image_space(images: ImageSet, vectors: np.ndarray, kind: str, params: dict, name: Optional[str] = None,
                title: str = "", **info) -> Space:
    """Wrap one vector per image as a :class:`Space`.

    Parameters
    ----------
    images : ImageSet
    vectors : ndarray of shape (n_images, dim)
    kind : str
        ``info["kind"]`` (``image_pixels``, ``image_pca``, ``autoencoder``).
    params : dict
        The config as a dict.
    name : str, optional
        Default ``"<title> on <set name>"``.
    **info
        More facts for ``info`` (curves, seconds).

    Returns
    -------
    Space
        Keys = image ids; ``meta``: ``label``, ``file``; ``info``: ``item_kind="image"``,
        ``imageset_id``, ``imageset_name``, ``image_shape``, ``label_column``.
    """
    meta = pd.DataFrame({"label": images.labels, "file": images.files}, index=pd.Index(images.ids, name="word"))
    facts = {"kind": kind, "item_kind": "image", "name": name or f"{title or kind} on {images.name}",
             "params": params, "imageset_id": images.id, "imageset_name": images.name,
             "image_shape": list(images.image_shape), "label_column": "label", "corpus_name": images.name}
    facts.update(info)
    return Space.from_vectors(images.ids.tolist(), np.asarray(vectors, dtype=np.float32), meta=meta, info=facts)


def attach_decoder(space: Space, decoder) -> Space:
    """Keep a fitted decoder (PCA or autoencoder) with a space until :func:`run_image_job` stores it."""
    space.decoder = decoder
    space.info["decoder_kind"] = decoder.kind
    return space


def decoder_of(space: Space):
    """The decoder attached by :func:`attach_decoder`, or None."""
    return getattr(space, "decoder", None)


def save_decoder(workspace, decoder) -> str:
    """Store a decoder's arrays (``.npy``) and facts (JSON) atomically; return its id."""
    from embedlab.ids import new_id

    arrays, facts = decoder.to_arrays()
    workspace.check_quota(sum(int(a.nbytes) for a in arrays.values()), "Saving this model")

    def write(folder):
        for key, arr in arrays.items():
            np.save(folder / f"{key}.npy", np.ascontiguousarray(arr), allow_pickle=False)
        (folder / "decoder.json").write_text(json.dumps({"kind": decoder.kind, "arrays": sorted(arrays),
                                                          **facts}), encoding="utf-8")

    decoder_id = new_id()
    workspace.write_atomically(Path(workspace.root) / DECODERS_DIR, decoder_id, write)
    return decoder_id


def load_decoder(workspace, space: Space):
    """The decoder of an image space (PCAFit or AutoencoderFit), or None when it has none.

    Raises
    ------
    InputError
        The decoder's files are missing or damaged.
    """
    from embedlab.ids import valid_id

    if decoder_of(space) is not None:
        return decoder_of(space)
    decoder_id = space.info.get("decoder_id")
    if not decoder_id:
        return None
    folder = Path(workspace.root) / DECODERS_DIR / str(decoder_id)
    if not valid_id(str(decoder_id)) or not (folder / "decoder.json").is_file():
        raise InputError(f"The model '{space.name}' has lost its decoder files; train it again to see "
                         "reconstructions.")
    try:
        facts = json.loads((folder / "decoder.json").read_text(encoding="utf-8"))
        arrays = {k: np.load(folder / f"{k}.npy", allow_pickle=False) for k in facts["arrays"]}
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"The decoder of '{space.name}' is damaged ({exc}); train the model again.") from exc
    kind = facts.get("kind")
    if kind == "image_pca":
        from embedlab.train.image_pca import PCAFit

        return PCAFit.from_arrays(arrays, facts)
    if kind == "autoencoder":
        from embedlab.train.autoencoder import AutoencoderFit

        return AutoencoderFit.from_arrays(arrays, facts)
    raise InputError(f"Unknown decoder kind {kind!r}.")


def space_imageset(workspace, space: Space) -> ImageSet:
    """The image set a space was trained on (or was given for thumbnails).

    Raises
    ------
    InputError
        The space has no image set, or it was deleted.
    """
    set_id = space.info.get("imageset_id")
    if not set_id:
        raise InputError(f"The model '{space.name}' has no images attached.")
    return load_imageset(workspace, set_id)


def reconstruct(images: ImageSet, decoder, rows=None) -> np.ndarray:
    """Images rebuilt by a decoder from their embedding.

    Parameters
    ----------
    images : ImageSet
    decoder : PCAFit or AutoencoderFit
    rows : array-like of int, optional
        Which images (default all).

    Returns
    -------
    ndarray of shape (n_rows, *images.image_shape), uint8
        In the set's stored scale (``images.display`` turns it into 0-255).
    """
    x = images.features() if rows is None else images.features()[np.asarray(rows)]
    return images.to_pixels(decoder.reconstruct(x))


# -- the job body ------------------------------------------------------------------------

def job_imageset(workspace, args: dict) -> ImageSet:
    """The image set a job names: ``imageset_id`` (stored) or ``sample`` (shipped key, stored once)."""
    if args.get("sample"):
        return load_imageset(workspace, store_sample_images(workspace, args["sample"]))
    if not args.get("imageset_id"):
        raise InputError("Choose an image set first (Images page).")
    return load_imageset(workspace, args["imageset_id"])


def run_image_job(workspace, args: dict, progress: Progress, config_cls, train) -> dict:
    """Background-job body shared by the image families: train, store the decoder, save the space.

    ``args``: ``imageset_id`` (or ``sample``), ``config`` (a ``config_cls``
    dict), optional ``name``. Returns ``{"model_id": ..., "imageset_id": ...}``.
    """
    images = job_imageset(workspace, args)
    cfg = config_cls.from_dict(args.get("config", {}))
    space = train(images, cfg, scaled(progress, 0.0, 0.95), None, name=args.get("name"))
    progress(0.96, "Saving")
    decoder = decoder_of(space)
    if decoder is not None:
        space.info["decoder_id"] = save_decoder(workspace, decoder)
    return {"model_id": workspace.save_space(space), "imageset_id": images.id}


def one_blas_thread():
    """Context manager: BLAS runs on one thread inside it.

    The image models' products are small (1,797 × 64 for the digits). On a
    shared 2-core machine a second BLAS thread mostly waits to be scheduled:
    measured under load, the SVD of the digits took 0.68 s with two threads
    and 0.018 s with one, an autoencoder epoch about 3x longer. As
    :func:`embedlab.train.svd.fit_svd` does, keep to one thread.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


class Timer:
    """Seconds since construction (``time.perf_counter``)."""

    def __init__(self):
        self.t0 = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.t0
