"""Hyper-parameters described once: default, one-line help with its source, range and choices.

A config dataclass declares each field with :func:`param`; :class:`Params`
gives it ``to_dict``/``from_dict``, validation (raising
:class:`~embedlab.errors.InputError`) and :meth:`Params.describe`, which a
form or a registry can read instead of repeating the ranges. This is the one
way a model family declares its hyper-parameters (see CONTRIBUTING.md); the
Train page draws its form from the same metadata (:mod:`embedlab.ui.forms`)::

    @dataclass
    class LSAConfig(Params):
        dims: int = param(100, "Dimensions kept by the truncated SVD (Deerwester et al. 1990).", 2, 1000)
"""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import asdict, fields
from typing import Any, Optional

import pandas as pd

from embedlab.errors import InputError


def param(default: Any, help: str, min: Optional[float] = None, max: Optional[float] = None,
          choices: Optional[tuple] = None, **form):
    """A dataclass field whose metadata holds ``help``, ``min``, ``max`` and ``choices``.

    Parameters
    ----------
    default : Any
        The value the form starts from (a tuple for list-like settings: dataclass defaults must be immutable).
    help : str
        One line: what the hyper-parameter does, with its source.
    min, max : float, optional
        Allowed range (inclusive).
    choices : tuple, optional
        Allowed values.
    **form
        More form metadata, read by :func:`embedlab.train.registry.field_help`:
        ``label``, ``choice_labels``, ``step``, ``format``, ``widget``, ``advanced``.
    """
    metadata = {"help": help, **form}
    if min is not None:
        metadata["min"] = min
    if max is not None:
        metadata["max"] = max
    if choices is not None:
        metadata["choices"] = tuple(choices)
    return dataclasses.field(default=default, metadata=metadata)


class Params:
    """Mixin for config dataclasses declared with :func:`param`.

    Validation runs in ``__post_init__``: a value of the wrong type, out of
    range or not among the choices raises :class:`InputError` naming the
    field, the allowed values and the value given. Subclasses add cross-field
    checks in :meth:`check`.
    """

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            meta = f.metadata
            if "choices" in meta:
                if value not in meta["choices"]:
                    raise InputError(f"{f.name} must be one of {', '.join(map(repr, meta['choices']))}; "
                                     f"got {value!r}.")
                continue
            kind = type(f.default)
            if kind is bool:
                if not isinstance(value, bool):
                    raise InputError(f"{f.name} must be true or false; got {value!r}.")
                continue
            if kind is int:
                if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                    raise InputError(f"{f.name} must be a whole number; got {value!r}.")
                value = int(value)
            elif kind is float:
                if isinstance(value, bool) or not isinstance(value, numbers.Real) or value != value:
                    raise InputError(f"{f.name} must be a number; got {value!r}.")
                value = float(value)
            setattr(self, f.name, value)
            lo, hi = meta.get("min"), meta.get("max")
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                allowed = (f"from {lo:g} to {hi:g}" if lo is not None and hi is not None
                           else f"at least {lo:g}" if lo is not None else f"at most {hi:g}")
                raise InputError(f"{f.name} must be {allowed}; got {value!r}.")
        self.check()

    def check(self) -> None:
        """Cross-field validation; raise InputError when the combination cannot work."""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Optional[dict]):
        """Build from a dict, ignoring keys that are not fields (older or newer configs)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (values or {}).items() if k in names})

    @classmethod
    def describe(cls) -> pd.DataFrame:
        """One row per field: ``name``, ``default``, ``min``, ``max``, ``choices``, ``help``."""
        return pd.DataFrame([{"name": f.name, "default": f.default, "min": f.metadata.get("min"),
                              "max": f.metadata.get("max"), "choices": f.metadata.get("choices"),
                              "help": f.metadata.get("help", "")} for f in fields(cls)])
