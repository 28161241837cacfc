"""What the image model families share: image spaces, decoders saved as model attachments, the job body.

An image space is a :class:`~embedlab.space.Space` whose keys are image ids,
with ``info["item_kind"] = "image"``, ``info["imageset_id"]`` (the stored set
it was trained on), a ``class`` metadata column (the images' labels) and a
display ``label`` (file name or id, with the class in brackets). It carries
its own images as attachments (:func:`embedlab.sources.images.attach_images`),
so Explore shows them whatever happens to the stored set.

Families that can rebuild images from their embedding (PCA, the autoencoder)
also save a *decoder*: plain arrays under the model's attachments
(``decoder/<array>.npy`` and ``decoder/decoder.json``, never pickled), written
in the model's atomic save, copied when it is published and deleted with it.
:func:`load_decoder` reads it back for reconstructions and galleries.
"""

from __future__ import annotations

import json
import time
from typing import Optional

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.progress import Progress, scaled
from embedlab.sources.images import (ImageSet, attach_images, imageset_fingerprint, load_imageset, sample_imageset,
                                     space_images, store_sample_images)
from embedlab.space import Space

#: Folder of a decoder inside a model's attachments.
DECODER = "decoder"
#: The job argument naming the stored image set (the registry's for data kind "images").
IMAGES_ARG = "images_id"


def hidden_sizes(value) -> tuple:
    """A tuple of layer sizes from a tuple, a list or a ``"64, 32"`` string (what forms and JSON give).

    Raises
    ------
    InputError
        Not whole numbers.
    """
    if isinstance(value, str):
        try:
            return tuple(int(x) for x in value.replace(";", ",").split(",") if x.strip())
        except ValueError:
            raise InputError("Layer sizes must be whole numbers separated by commas, e.g. 64, 32.") from None
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def check_hidden_sizes(sizes: tuple, label: str = "hidden_sizes", max_layers: int = 3,
                       max_units: int = 2048) -> None:
    """Raise InputError unless ``sizes`` holds 1 to ``max_layers`` whole numbers from 1 to ``max_units``."""
    if not sizes:
        raise InputError(f"{label} needs at least one layer size, e.g. 64.")
    if len(sizes) > max_layers:
        raise InputError(f"{label} takes at most {max_layers} layers; got {len(sizes)}.")
    for v in sizes:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 1 <= v <= max_units:
            raise InputError(f"{label} must be whole numbers from 1 to {max_units}; got {v!r}.")


# -- image spaces ---------------------------------------------------------------------

def display_labels(images: ImageSet) -> list:
    """What a person reads for each image: its file name (or id), with its class in brackets.

    ``"cat01.png (cat)"``, ``"digit-0042 (3)"``; :meth:`embedlab.space.Space.resolve`
    also finds an image by the name before the bracket, or by its id.
    """
    names = [f if f else i for f, i in zip(images.files.tolist(), images.ids.tolist())]
    return [f"{n} ({c})" if c else n for n, c in zip(names, images.labels.tolist())]


def image_space(images: ImageSet, vectors: np.ndarray, kind: str, params: dict, name: Optional[str] = None,
                title: str = "", **info) -> Space:
    """Wrap one vector per image as a :class:`Space` that carries its images.

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
        Keys = image ids; ``meta``: ``label`` (display), ``class``; ``info``:
        ``item_kind="image"``, ``imageset_id``, ``imageset_name``,
        ``image_shape``, ``label_column="class"``, ``corpus_fingerprint`` (the
        set's :func:`~embedlab.sources.images.imageset_fingerprint`: the models
        of a set are found by it); the images as attachments.
    """
    meta = pd.DataFrame({"label": display_labels(images), "class": images.labels},
                        index=pd.Index(images.ids, name="word"))
    # corpus_fingerprint: the registry's column for "trained on this data": the set's content hash
    facts = {"kind": kind, "name": name or f"{title or kind} on {images.name}", "params": params,
             "label_column": "class", "label_name": "name", "corpus_name": images.name,
             "corpus_fingerprint": imageset_fingerprint(images)}
    facts.update(info)
    space = Space.from_vectors(images.ids.tolist(), np.asarray(vectors, dtype=np.float32), meta=meta, info=facts)
    attach_images(space, images)
    return space


def attach_decoder(space: Space, decoder) -> Space:
    """Keep a fitted decoder (PCA or autoencoder) with a space: in memory, and as attachments for its save."""
    arrays, facts = decoder.to_arrays()
    for key, arr in arrays.items():
        space.attachments[f"{DECODER}/{key}.npy"] = np.ascontiguousarray(arr)
    space.attachments[f"{DECODER}/decoder.json"] = {"kind": decoder.kind, "arrays": sorted(arrays), **facts}
    space.decoder = decoder
    space.info["decoder_kind"] = decoder.kind
    return space


def decoder_of(space: Space):
    """The decoder attached by :func:`attach_decoder` in this process, or None."""
    return getattr(space, "decoder", None)


def load_decoder(workspace, space: Space):
    """The decoder of an image space (PCAFit or AutoencoderFit), or None when its family has none.

    Raises
    ------
    InputError
        The decoder's files are missing or damaged.
    """
    if decoder_of(space) is not None:
        return decoder_of(space)
    if not space.info.get("decoder_kind"):
        return None
    model_id = space.info.get("id")
    if not model_id:
        raise InputError(f"The model '{space.name}' is not stored, so it has no saved decoder.")
    try:
        facts = json.loads(workspace.attachment(model_id, f"{DECODER}/decoder.json").read_text(encoding="utf-8"))
        arrays = {k: np.load(workspace.attachment(model_id, f"{DECODER}/{k}.npy"), allow_pickle=False)
                  for k in facts["arrays"]}
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
    """The images of a space's items (saved with the model; see :func:`embedlab.sources.images.space_images`).

    Raises
    ------
    InputError
        The model has no images.
    """
    return space_images(workspace, space)


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

    Raises
    ------
    InputError
        The images do not have the size the decoder was trained on.
    """
    x = images.features() if rows is None else images.features()[np.asarray(rows)]
    expected = getattr(decoder, "n_features", None)
    if expected is not None and x.shape[1] != expected:
        raise InputError(f"This model was trained on images of {expected:,} values each, these have "
                         f"{x.shape[1]:,}; pick the image set it was trained on.")
    return images.to_pixels(decoder.reconstruct(x))


# -- the job body ------------------------------------------------------------------------

def job_imageset(workspace, args: dict) -> ImageSet:
    """The image set a job names: ``images_id`` (stored) or ``sample`` (shipped key, stored once).

    Raises
    ------
    InputError
        Neither is given, or the stored set is gone.
    """
    if args.get("sample"):
        return load_imageset(workspace, store_sample_images(workspace, args["sample"]))
    if not args.get(IMAGES_ARG):
        raise InputError("Choose an image set first (Images page).")
    return load_imageset(workspace, args[IMAGES_ARG])


def job_set_shape(workspace, args: dict) -> tuple:
    """(images, values per image) of the set a job names, from its stored facts (no pixel is read).

    Raises
    ------
    InputError
        See :func:`job_imageset`.
    """
    if args.get("sample"):
        shape = sample_imageset(args["sample"]).pixels.shape
    elif not args.get(IMAGES_ARG):
        raise InputError("Choose an image set first (Images page).")
    else:
        shape = workspace.dataset_facts("images", args[IMAGES_ARG]).get("shape") or [0, 0]
    return int(shape[0]), int(np.prod(shape[1:]))


def run_image_job(workspace, args: dict, progress: Progress, config_cls, train) -> dict:
    """Background-job body shared by the image families: train, save the space with its images and decoder.

    ``args``: ``images_id`` (or ``sample``), ``config`` (a ``config_cls``
    dict), optional ``name``. Returns ``{"model_id": ..., "images_id": ...}``.
    """
    images = job_imageset(workspace, args)
    cfg = config_cls.from_dict(args.get("config", {}))
    space = train(images, cfg, scaled(progress, 0.0, 0.95), None, name=args.get("name"))
    progress(0.96, "Saving")
    return {"model_id": workspace.save_space(space), IMAGES_ARG: images.id}


def one_blas_thread():
    """Context manager: BLAS runs on one thread inside it.

    The image models' products are small (1,797 × 64 for the digits). On a
    shared 2-core machine a second BLAS thread mostly waits to be scheduled:
    measured under load, the SVD of the digits took 0.68 s with two threads
    and 0.018 s with one, an autoencoder epoch about 3x longer. As
    :func:`embedlab.train.svd.fit_svd` does, keep to one thread.

    The BLAS libraries are looked up once per process (threadpoolctl's
    ``ThreadpoolController``): looking them up on every call took 7 ms, twice
    the digits' whole SVD.
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


_CONTROLLER = None  # the process's BLAS libraries, found once (not per-user data)


class Timer:
    """Seconds since construction (``time.perf_counter``)."""

    def __init__(self):
        self.t0 = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.t0


def models_of_imageset(workspace, images_id: str) -> pd.DataFrame:
    """The ready image models trained on a stored set (found by its content fingerprint), newest first.

    Returns
    -------
    pandas.DataFrame
        Rows of :meth:`embedlab.store.Workspace.models` (``id``, ``name``, ``kind``, ``dim``, ...).

    Raises
    ------
    InputError
        Unknown set.
    """
    from embedlab.train import registry

    fingerprint = workspace.dataset_facts("images", images_id).get("fingerprint")
    kinds = [f.name for f in registry.families("images")]
    models = workspace.models()
    keep = (models["status"] == "ready") & models["kind"].isin(kinds) & (models["corpus_fingerprint"] == fingerprint)
    return models[keep].reset_index(drop=True)
