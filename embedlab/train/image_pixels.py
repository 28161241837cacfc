"""Raw pixels as an embedding: each image is its vector of scaled intensities.

The baseline every learned image embedding is measured against: no training,
one dimension per pixel value. ``unit`` divides by the largest possible
intensity (values in [0, 1]); ``standardise`` also centres each pixel and
divides by its standard deviation over the set (scikit-learn's
``StandardScaler``; constant pixels become 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from embedlab.progress import Progress, ShouldStop, no_progress
from embedlab.sources.images import ImageSet
from embedlab.space import Space
from embedlab.train.image_common import Timer, image_space, run_image_job
from embedlab.train.params import Params, param
from embedlab.train.registry import Family

NAME, TITLE, DATA_KIND = "image_pixels", "Raw pixels", "images"
CITATION = "no model: the scaled pixel intensities; standardise as scikit-learn's StandardScaler"


@dataclass
class PixelsConfig(Params):
    """Settings of :func:`train_pixels`.

    Attributes
    ----------
    scale : {"unit", "standardise"}
    """

    scale: str = param("unit", "unit: intensities divided by their maximum (0-1); standardise: each pixel centred "
                               "and divided by its standard deviation (scikit-learn's StandardScaler).",
                       choices=("unit", "standardise"),
                       choice_labels={"unit": "unit (0-1)", "standardise": "standardise (z-scores)"})


def pixel_vectors(images: ImageSet, scale: str = "unit") -> np.ndarray:
    """Pixels as vectors: ndarray of shape (n_images, n_features), float32 (see :class:`PixelsConfig`)."""
    X = images.features()
    if scale == "standardise":
        mean = X.mean(axis=0)
        std = X.std(axis=0)
        std[std == 0] = 1.0
        X = (X - mean) / std
    return X


def train_pixels(images: ImageSet, cfg: Optional[PixelsConfig] = None, progress: Optional[Progress] = None,
                 should_stop: Optional[ShouldStop] = None, name: Optional[str] = None) -> Space:
    """The raw-pixel space of an image set.

    Returns
    -------
    Space
        ``kind="image_pixels"``, vectors of shape (n_images, side × side × channels).
    """
    cfg = cfg or PixelsConfig()
    progress = progress or no_progress
    timer = Timer()
    space = image_space(images, pixel_vectors(images, cfg.scale), NAME, cfg.to_dict(), name, TITLE)
    space.info["train_seconds"] = timer()
    progress(1.0, f"{len(images):,} images as {images.n_features:,} pixel values each")
    return space


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry (kind ``image_pixels``): ``images_id`` or ``sample``, ``config``, ``name``.

    Returns ``{"model_id": ..., "images_id": ...}``.
    """
    return run_image_job(workspace, args, progress, PixelsConfig, train_pixels)


FAMILY = Family(name=NAME, title=TITLE, data=DATA_KIND, item="image", config=PixelsConfig, job=run_job,
                source=CITATION, order=30,
                description="Each image is its vector of pixel intensities: the baseline every learned image "
                            "embedding is measured against.",
                loss_note="Nothing is trained: the vectors are the pixels, so there is no loss.")
