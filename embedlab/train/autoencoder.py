"""An autoencoder of images: a multi-layer perceptron that reproduces its input through a bottleneck.

The network is scikit-learn's :class:`~sklearn.neural_network.MLPRegressor`
fitted with the pixels as both input and target, hidden layers
``hidden_sizes + (bottleneck,) + reversed(hidden_sizes)``, one activation
for every hidden layer and a linear output, trained with Adam (Kingma & Ba
2015) one epoch per ``partial_fit`` call so that every epoch reports its loss
and Cancel is honoured between epochs. The bottleneck's activations are the
embedding (Hinton & Salakhutdinov 2006, "Reducing the dimensionality of data
with neural networks", Science 313). What it reconstructs badly is unusual:
:mod:`embedlab.probes.anomaly` scores images by reconstruction error.

The forward pass (:meth:`AutoencoderFit.encode`, :meth:`~AutoencoderFit.reconstruct`)
is ours, from the stored weights; ``tests/test_images.py`` holds the
reconstruction equal to ``MLPRegressor.predict``.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Optional

import numpy as np

from embedlab.errors import Cancelled, InputError
from embedlab.progress import Progress, ShouldStop, no_progress
from embedlab.sources.images import ImageSet
from embedlab.space import Space
from embedlab.train.image_common import (Timer, attach_decoder, check_hidden_sizes, hidden_sizes, image_space,
                                         job_set_shape, one_blas_thread, run_image_job)
from embedlab.train.params import Params, param
from embedlab.train.registry import Family

NAME, TITLE, DATA_KIND = "autoencoder", "Autoencoder (MLP bottleneck)", "images"
CITATION = ("Hinton & Salakhutdinov 2006, Science 313; scikit-learn's MLPRegressor trained with Adam, Kingma & Ba "
            "2015")

_ACTIVATIONS = {
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "logistic": lambda z: 1.0 / (1.0 + np.exp(-z)),
}


@dataclass
class AutoencoderConfig(Params):
    """Settings of :func:`train_autoencoder`.

    Attributes
    ----------
    bottleneck : int
        Units of the middle layer: the embedding's dimensions. Must be smaller
        than the pixel values per image.
    hidden_sizes : tuple of int
        Encoder layers before the bottleneck; the decoder mirrors them.
    activation : {"tanh", "relu", "logistic"}
    epochs : int
    batch_size : int
    learning_rate : float
        Adam's initial step size.
    alpha : float
        L2 penalty on the weights.
    seed : int
        Initial weights and the shuffling of each epoch.
    """

    bottleneck: int = param(10, "Units of the middle layer; their activations are the embedding (Hinton & "
                                "Salakhutdinov 2006). Must be smaller than the pixel values per image.", 1, 1024)
    hidden_sizes: tuple = param((64,), "Encoder layers before the bottleneck, e.g. [64] or [128, 64] (at most 3 "
                                       "layers of 1-2048 units); the decoder mirrors them.")
    activation: str = param("tanh", "Non-linearity of every hidden layer (scikit-learn's MLPRegressor); the output "
                                    "is linear.", choices=("tanh", "relu", "logistic"))
    epochs: int = param(150, "Passes over the images; each is one partial_fit call (scikit-learn) and one point of "
                             "the loss curve.", 1, 2000)
    batch_size: int = param(64, "Images per gradient step (Adam, Kingma & Ba 2015).", 1, 4096, advanced=True)
    learning_rate: float = param(1e-3, "Adam's initial step size (learning_rate_init in scikit-learn).", 1e-5, 1.0,
                                 format="%.5f", advanced=True)
    alpha: float = param(1e-4, "L2 penalty on the weights (scikit-learn's alpha).", 0.0, 10.0, format="%.5f",
                         advanced=True)
    seed: int = param(0, "Seed of the initial weights and of the shuffling in each epoch.", 0, 2**31 - 1,
                      advanced=True)

    def __post_init__(self):
        self.hidden_sizes = hidden_sizes(self.hidden_sizes)  # a JSON list, or "64, 32" typed in a form
        super().__post_init__()

    def check(self) -> None:
        check_hidden_sizes(self.hidden_sizes)

    @property
    def layers(self) -> tuple:
        """Hidden layer sizes of the whole network: encoder, bottleneck, decoder."""
        return tuple(self.hidden_sizes) + (self.bottleneck,) + tuple(reversed(self.hidden_sizes))

    def check_input(self, n_features: int) -> None:
        """Raise InputError when the bottleneck is not smaller than the input.

        Parameters
        ----------
        n_features : int
            Pixel values per image (side × side × channels).
        """
        if self.bottleneck >= n_features:
            raise InputError(f"The bottleneck ({self.bottleneck} units) must be smaller than the input "
                             f"({n_features:,} pixel values per image); otherwise the network can copy its input "
                             "and learns no compressed code. Choose a smaller bottleneck.")


class AutoencoderFit:
    """A trained autoencoder: weights and the forward pass.

    Parameters
    ----------
    cfg : AutoencoderConfig

    Attributes
    ----------
    coefs_ : list of ndarray
        ``coefs_[i]`` of shape (units in layer i, units in layer i + 1), float32.
    intercepts_ : list of ndarray
        ``intercepts_[i]`` of shape (units in layer i + 1,), float32.
    loss_curve_ : list of float
        scikit-learn's training loss after each epoch (half the mean squared
        error per value, plus the L2 penalty).
    mse_curve_ : list of float
        Mean squared error per value on the training images (at most 2,000 of
        them) after each epoch.
    epoch_seconds_ : list of float
    mlp_ : sklearn.neural_network.MLPRegressor
        The trained network (after :meth:`fit` only; not stored).
    """

    kind = "autoencoder"

    def __init__(self, cfg: Optional[AutoencoderConfig] = None):
        self.cfg = cfg or AutoencoderConfig()
        self.loss_curve_, self.mse_curve_, self.epoch_seconds_ = [], [], []

    @property
    def n_features(self) -> int:
        """Values per image the network takes."""
        return int(self.coefs_[0].shape[0])

    @property
    def n_hidden(self) -> int:
        """Index of the bottleneck among the hidden layers."""
        return len(self.cfg.hidden_sizes)

    def fit(self, X: np.ndarray, progress: Optional[Progress] = None,
            should_stop: Optional[ShouldStop] = None) -> "AutoencoderFit":
        """Train on ``X``, ndarray of shape (n_samples, n_features), values in [0, 1].

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        progress : callable, optional
            After each epoch: ``progress(fraction, message, epoch=, epochs=,
            epoch_losses=, mse=)`` (the curves at most every half second and
            at the end, so a long run does not rewrite its status file per epoch).
        should_stop : callable, optional
            Polled after each epoch; True raises :class:`~embedlab.errors.Cancelled`.

        Raises
        ------
        InputError
            Bottleneck not smaller than ``n_features``; fewer than 2 images.
        """
        from sklearn.neural_network import MLPRegressor

        progress = progress or no_progress
        X = np.ascontiguousarray(X, dtype=np.float32)
        n, d = X.shape
        cfg = self.cfg
        cfg.check_input(d)
        if n < 2:
            raise InputError("The autoencoder needs at least two images.")
        mlp = MLPRegressor(hidden_layer_sizes=cfg.layers, activation=cfg.activation, solver="adam",
                           batch_size=min(cfg.batch_size, n), learning_rate_init=cfg.learning_rate, alpha=cfg.alpha,
                           random_state=cfg.seed, shuffle=True)
        with one_blas_thread():
            self._train(mlp, X, cfg, progress, should_stop)
        self.coefs_ = [c.copy() for c in self.coefs_]
        self.intercepts_ = [b.copy() for b in self.intercepts_]
        self.mlp_ = mlp
        return self

    def _train(self, mlp, X, cfg, progress, should_stop) -> None:
        """The epochs: one ``partial_fit`` each, then the error, a report and the Cancel check."""
        from sklearn.exceptions import ConvergenceWarning

        n = len(X)
        last_report = 0.0
        # the per-epoch error is measured on at most 2,000 images so that it stays cheap beside the epoch itself
        probe = X if n <= 2000 else X[np.random.default_rng(cfg.seed).choice(n, 2000, replace=False)]
        for epoch in range(1, cfg.epochs + 1):
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                mlp.partial_fit(X, X)
            self.coefs_ = [c.astype(np.float32, copy=False) for c in mlp.coefs_]
            self.intercepts_ = [b.astype(np.float32, copy=False) for b in mlp.intercepts_]
            self.epoch_seconds_.append(time.perf_counter() - t0)
            self.loss_curve_.append(float(mlp.loss_))
            self.mse_curve_.append(float(np.mean(self._error(probe))))
            now = time.monotonic()
            message = f"Epoch {epoch} of {cfg.epochs}: loss {self.loss_curve_[-1]:.5f}"
            if now - last_report > 0.5 or epoch == cfg.epochs:
                last_report = now
                progress(epoch / cfg.epochs, message, epoch=epoch, epochs=cfg.epochs,
                         epoch_losses=list(self.loss_curve_), mse=list(self.mse_curve_))
            else:
                progress(epoch / cfg.epochs, message)
            if should_stop is not None and should_stop():
                raise Cancelled("Training was cancelled.")

    def _forward(self, X: np.ndarray, stop: Optional[int] = None) -> np.ndarray:
        act = _ACTIVATIONS[self.cfg.activation]
        a = np.asarray(X, dtype=np.float32)
        last = len(self.coefs_) - 1
        for i, (W, b) in enumerate(zip(self.coefs_, self.intercepts_)):
            a = a @ W + b
            if i < last:
                a = act(a)
            if stop is not None and i == stop:
                break
        return a

    def _error(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        return np.mean(np.square(X - self._forward(X), dtype=np.float64), axis=1)

    def encode(self, X: np.ndarray) -> np.ndarray:
        """Bottleneck activations: ndarray of shape (n_samples, bottleneck), float32."""
        with one_blas_thread():
            return self._forward(X, stop=self.n_hidden)

    def reconstruct(self, X: np.ndarray) -> np.ndarray:
        """The network's output: ndarray of shape (n_samples, n_features), float32."""
        with one_blas_thread():
            return self._forward(X)

    def reconstruction_error(self, X: np.ndarray) -> np.ndarray:
        """Mean squared error per image: ndarray of shape (n_samples,), float64."""
        with one_blas_thread():
            return self._error(X)

    def to_arrays(self) -> tuple:
        """``({name: ndarray}, facts)``: what is saved (as a model attachment) to rebuild this fit."""
        arrays = {f"coef_{i}": c for i, c in enumerate(self.coefs_)}
        arrays.update({f"intercept_{i}": b for i, b in enumerate(self.intercepts_)})
        arrays["loss_curve"] = np.asarray(self.loss_curve_, dtype=np.float64)
        arrays["mse_curve"] = np.asarray(self.mse_curve_, dtype=np.float64)
        return arrays, {"config": self.cfg.to_dict(), "n_layers": len(self.coefs_)}

    @classmethod
    def from_arrays(cls, arrays: dict, facts: dict) -> "AutoencoderFit":
        fit = cls(AutoencoderConfig.from_dict(facts["config"]))
        n = int(facts["n_layers"])
        fit.coefs_ = [arrays[f"coef_{i}"] for i in range(n)]
        fit.intercepts_ = [arrays[f"intercept_{i}"] for i in range(n)]
        fit.loss_curve_ = arrays["loss_curve"].tolist()
        fit.mse_curve_ = arrays["mse_curve"].tolist()
        return fit


def train_autoencoder(images: ImageSet, cfg: Optional[AutoencoderConfig] = None,
                      progress: Optional[Progress] = None, should_stop: Optional[ShouldStop] = None,
                      name: Optional[str] = None) -> Space:
    """Train an autoencoder on an image set; the bottleneck activations are the embedding.

    Parameters
    ----------
    images : ImageSet
    cfg : AutoencoderConfig, optional
    progress : callable, optional
        See :meth:`AutoencoderFit.fit`.
    should_stop : callable, optional
        Polled after each epoch.
    name : str, optional

    Returns
    -------
    Space
        ``kind="autoencoder"``, vectors of shape (n_images, bottleneck);
        ``info``: ``epoch_losses`` (scikit-learn's loss per epoch), ``mse_curve``,
        ``epoch_seconds``, ``train_seconds``; the fitted :class:`AutoencoderFit`
        is attached as its decoder.

    Raises
    ------
    InputError
        Bottleneck not smaller than the pixel values per image.
    Cancelled
        ``should_stop`` returned True.
    """
    cfg = cfg or AutoencoderConfig()
    cfg.check_input(images.n_features)
    timer = Timer()
    X = images.features()
    fit = AutoencoderFit(cfg).fit(X, progress, should_stop)
    space = image_space(images, fit.encode(X), NAME, cfg.to_dict(), name, TITLE, train_seconds=timer(),
                        epoch_losses=list(fit.loss_curve_), mse_curve=list(fit.mse_curve_),
                        epoch_seconds=list(fit.epoch_seconds_),
                        loss_note="scikit-learn's MLPRegressor loss: half the mean squared error per pixel value "
                                  "plus the L2 penalty; mse_curve is the plain mean squared error.")
    return attach_decoder(space, fit)


def check_job(workspace, args: dict) -> None:
    """Refuse, before queueing, a bottleneck that is not smaller than the images' pixel values.

    Raises
    ------
    InputError
        See :meth:`AutoencoderConfig.check_input`.
    """
    _, d = job_set_shape(workspace, args)
    AutoencoderConfig.from_dict(args.get("config", {})).check_input(d)


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry (kind ``autoencoder``): ``images_id`` or ``sample``, ``config``, ``name``.

    Returns ``{"model_id": ..., "images_id": ...}``.
    """
    return run_image_job(workspace, args, progress, AutoencoderConfig, train_autoencoder)


FAMILY = Family(name=NAME, title=TITLE, data=DATA_KIND, item="image", config=AutoencoderConfig, job=run_job,
                check=check_job, source=CITATION, order=20, reports_loss=True,
                description="A multi-layer perceptron trained to reproduce its input through a narrow middle "
                            "layer; the bottleneck's activations are the embedding.",
                details="x → hidden layers → bottleneck z (the embedding) → mirrored layers → x̂, trained to "
                        "minimise ½‖x − x̂‖² per value plus an L2 penalty (scikit-learn's MLPRegressor with Adam).",
                loss_note="The curve is scikit-learn's MLPRegressor loss after each epoch: half the mean squared "
                          "error per pixel value (pixels scaled to 0-1) plus the L2 penalty on the weights.")
