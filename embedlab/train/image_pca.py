"""PCA of images: principal components ("eigen-digits") as an embedding, with reconstructions.

Principal component analysis (Pearson 1901; Hotelling 1933) by the singular
value decomposition of the centred data, as scikit-learn's
``PCA(svd_solver="full")`` computes it: X − μ = U S Vᵀ, components = rows of
Vᵀ with the sign that makes each row's largest-magnitude entry positive
(scikit-learn's ``svd_flip(u_based_decision=False)``), explained variance
S² / (n − 1). ``tests/test_images.py`` holds it equal to scikit-learn's.
Above :data:`EXACT_LIMIT` on both sides of the matrix, the leading components
come from scikit-learn's randomized SVD (Halko, Martinsson & Tropp 2011).
Shown as images, the components of face images are Turk & Pentland's (1991)
"eigenfaces"; of the digits, "eigen-digits".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from embedlab.errors import InputError
from embedlab.progress import Progress, ShouldStop, no_progress
from embedlab.sources.images import ImageSet
from embedlab.space import Space
from embedlab.train.image_common import (Timer, attach_decoder, image_space, job_set_shape, one_blas_thread,
                                         run_image_job)
from embedlab.train.params import Params, param
from embedlab.train.registry import Family

NAME, TITLE, DATA_KIND = "image_pca", "PCA (eigen-images)", "images"
CITATION = ("Pearson 1901; Hotelling 1933; components as images: Turk & Pentland 1991, eigenfaces; equal to "
            "scikit-learn's PCA")
#: Up to this many rows or columns (the smaller side), the full SVD is computed; above, a randomized one.
EXACT_LIMIT = 2000
#: Components computed for the explained-variance curve when the randomized SVD is used.
CURVE_COMPONENTS = 100


@dataclass
class PCAConfig(Params):
    """Settings of :func:`train_pca`.

    Attributes
    ----------
    n_components : int
        Dimensions of the embedding (number of principal components kept).
    seed : int
        Seed of the randomized SVD (used only above :data:`EXACT_LIMIT`).
    """

    n_components: int = param(10, "Principal components kept: the embedding's dimensions (Pearson 1901; "
                                   "Hotelling 1933).", 1, 1000)
    seed: int = param(0, "Seed of the randomized SVD, used only for large sets (Halko, Martinsson & Tropp 2011).",
                      0, 2**31 - 1, advanced=True)


class PCAFit:
    """Principal component analysis by SVD, fitted on rows of pixels.

    Parameters
    ----------
    n_components : int
    seed : int

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
    components_ : ndarray of shape (n_components, n_features)
        Unit-length principal axes, sign-fixed as scikit-learn does.
    explained_variance_ : ndarray of shape (n_components,)
        Variance of the data along each component (S² / (n − 1)).
    explained_variance_ratio_ : ndarray of shape (n_components,)
    singular_values_ : ndarray of shape (n_components,)
    curve_ : ndarray of shape (n_curve,)
        Explained variance ratio of every component computed (all of them with
        the exact solver), for the explained-variance curve.
    exact_ : bool
        True when the full SVD was used.
    """

    kind = "image_pca"

    def __init__(self, n_components: int = 10, seed: int = 0):
        self.n_components = n_components
        self.seed = seed

    def fit(self, X: np.ndarray) -> "PCAFit":
        """Fit on ``X``, ndarray of shape (n_samples, n_features).

        Raises
        ------
        InputError
            Fewer than 2 rows, or ``n_components`` above min(n_samples, n_features).
        """
        X = np.asarray(X, dtype=np.float64)
        n, d = X.shape
        k = int(self.n_components)
        if n < 2:
            raise InputError("PCA needs at least two images.")
        if not 1 <= k <= min(n, d):
            raise InputError(f"n_components must be from 1 to {min(n, d)} (the smaller of {n:,} images and "
                             f"{d:,} pixel values); got {k}.")
        self.mean_ = X.mean(axis=0)
        Xc = X - self.mean_
        total = float(np.einsum("ij,ij->", Xc, Xc)) / (n - 1)
        self.exact_ = min(n, d) <= EXACT_LIMIT
        with one_blas_thread():
            if self.exact_:
                _, S, Vt = np.linalg.svd(Xc, full_matrices=False)
            else:
                from sklearn.utils.extmath import randomized_svd

                _, S, Vt = randomized_svd(Xc, n_components=max(k, min(CURVE_COMPONENTS, min(n, d))), n_iter=7,
                                          random_state=self.seed)
        # scikit-learn's svd_flip(u_based_decision=False): the largest |entry| of each component is positive
        signs = np.sign(Vt[np.arange(len(Vt)), np.argmax(np.abs(Vt), axis=1)])
        signs[signs == 0] = 1.0
        Vt = Vt * signs[:, None]
        variance = S ** 2 / (n - 1)
        ratio = variance / total if total > 0 else np.zeros_like(variance)
        self.curve_ = ratio
        self.components_ = Vt[:k]
        self.explained_variance_ = variance[:k]
        self.explained_variance_ratio_ = ratio[:k]
        self.singular_values_ = S[:k]
        self.n_samples_ = n
        return self

    @property
    def n_features(self) -> int:
        """Values per image the PCA was fitted on."""
        return int(self.mean_.shape[0])

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Scores on the components: ndarray of shape (n_samples, n_components)."""
        return (np.asarray(X, dtype=np.float64) - self.mean_) @ self.components_.T

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray:
        """Back to pixel space: ndarray of shape (n_samples, n_features)."""
        return np.asarray(Z, dtype=np.float64) @ self.components_ + self.mean_

    def encode(self, X: np.ndarray) -> np.ndarray:
        """Same as :meth:`transform` (the common name of the image decoders)."""
        return self.transform(X)

    def reconstruct(self, X: np.ndarray) -> np.ndarray:
        """Projection of ``X`` onto the components and back: ndarray of shape (n_samples, n_features)."""
        return self.inverse_transform(self.transform(X))

    def reconstruction_error(self, X: np.ndarray) -> np.ndarray:
        """Mean squared error per image between ``X`` and its reconstruction: ndarray of shape (n_samples,)."""
        X = np.asarray(X, dtype=np.float64)
        return np.mean((X - self.reconstruct(X)) ** 2, axis=1)

    def to_arrays(self) -> tuple:
        arrays = {"mean": self.mean_, "components": self.components_, "explained_variance": self.explained_variance_,
                  "explained_variance_ratio": self.explained_variance_ratio_, "singular_values": self.singular_values_,
                  "curve": self.curve_}
        return arrays, {"n_components": int(self.n_components), "seed": int(self.seed), "exact": bool(self.exact_),
                        "n_samples": int(self.n_samples_)}

    @classmethod
    def from_arrays(cls, arrays: dict, facts: dict) -> "PCAFit":
        fit = cls(int(facts["n_components"]), int(facts.get("seed", 0)))
        fit.mean_, fit.components_ = arrays["mean"], arrays["components"]
        fit.explained_variance_, fit.explained_variance_ratio_ = arrays["explained_variance"], arrays[
            "explained_variance_ratio"]
        fit.singular_values_, fit.curve_ = arrays["singular_values"], arrays["curve"]
        fit.exact_, fit.n_samples_ = bool(facts.get("exact", True)), int(facts.get("n_samples", 0))
        return fit


def train_pca(images: ImageSet, cfg: Optional[PCAConfig] = None, progress: Optional[Progress] = None,
              should_stop: Optional[ShouldStop] = None, name: Optional[str] = None) -> Space:
    """PCA of an image set; the scores on the components are the embedding.

    Parameters
    ----------
    images : ImageSet
    cfg : PCAConfig, optional
    progress : callable, optional
    should_stop : callable, optional
        Not polled: one SVD, seconds at most for the set sizes allowed.
    name : str, optional

    Returns
    -------
    Space
        ``kind="image_pca"``, vectors of shape (n_images, n_components);
        ``info``: ``explained_variance_ratio``, ``variance_curve`` (every
        component computed), ``train_seconds``; the fitted :class:`PCAFit` is
        attached as its decoder (components as images, reconstructions).

    Raises
    ------
    InputError
        ``n_components`` larger than the number of images or pixel values.
    """
    cfg = cfg or PCAConfig()
    progress = progress or no_progress
    timer = Timer()
    progress(0.05, f"PCA of {len(images):,} images × {images.n_features:,} values")
    X = images.features()
    fit = PCAFit(cfg.n_components, cfg.seed).fit(X)
    Z = fit.transform(X)
    space = image_space(images, Z, NAME, cfg.to_dict(), name, TITLE, train_seconds=timer(),
                        explained_variance_ratio=fit.explained_variance_ratio_.tolist(),
                        variance_curve=fit.curve_.tolist(), exact_svd=fit.exact_)
    progress(1.0, f"PCA: {cfg.n_components} components explain "
                  f"{100 * float(fit.explained_variance_ratio_.sum()):.1f}% of the variance")
    return attach_decoder(space, fit)


def check_job(workspace, args: dict) -> None:
    """Refuse, before queueing, more components than the set has images or values per image.

    Raises
    ------
    InputError
        ``n_components`` above min(images, values per image).
    """
    n, d = job_set_shape(workspace, args)
    k = PCAConfig.from_dict(args.get("config", {})).n_components
    if k > min(n, d):
        raise InputError(f"n_components must be at most {min(n, d):,} for this image set ({n:,} images of {d:,} "
                         f"values each); got {k}.")


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry (kind ``image_pca``): ``images_id`` or ``sample``, ``config``, ``name``.

    Returns ``{"model_id": ..., "images_id": ...}``.
    """
    return run_image_job(workspace, args, progress, PCAConfig, train_pca)


FAMILY = Family(name=NAME, title=TITLE, data=DATA_KIND, item="image", config=PCAConfig, job=run_job,
                check=check_job, source=CITATION, order=10,
                description="The scores on the leading principal components of the pixels are the embedding; the "
                            "components shown as images are the eigen-digits (eigenfaces).",
                details="X − μ = U S Vᵀ; an image's vector is (x − μ) V_k, its reconstruction μ + (x − μ) V_k V_kᵀ.",
                loss_note="PCA is one singular value decomposition, not trained in epochs: there is no loss curve; "
                          "the Image models page shows its explained-variance curve.")
