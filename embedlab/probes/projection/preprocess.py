"""Preparing vectors for a projection: spherizing, unit rows, input checks."""

from __future__ import annotations

import numpy as np

from embedlab.errors import InputError


def spherize(X: np.ndarray) -> np.ndarray:
    """Centre the rows on their mean, then scale each to unit length.

    The TensorFlow Embedding Projector's "spherize data" option: after it,
    euclidean distance is a monotone function of cosine similarity around the
    centroid, so PCA and t-SNE see the angles rather than the vector lengths.

    Parameters
    ----------
    X : ndarray of shape (n_points, dim)

    Returns
    -------
    ndarray of shape (n_points, dim), float32 (zero rows stay zero)
    """
    X = np.asarray(X, dtype=np.float32)
    Xc = X - X.mean(axis=0, keepdims=True)
    norms = np.linalg.norm(Xc, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return Xc / norms


def unit_rows(X: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (X / norms).astype(np.float32, copy=False)


def check_components(n_components: int) -> int:
    if n_components not in (2, 3):
        raise InputError(f"Projections are 2-D or 3-D; got n_components={n_components}. Choose 2 or 3.")
    return int(n_components)


def check_points(X: np.ndarray, minimum: int, what: str) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2:
        raise InputError(f"Expected a 2-D array of vectors, got shape {X.shape}.")
    if X.shape[0] < minimum:
        raise InputError(f"{what} needs at least {minimum} points; only {X.shape[0]} were chosen. Choose more words.")
    return X
