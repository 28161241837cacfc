"""Config dataclasses of the model families: fields that explain themselves and check their range.

A hyper-parameter is declared once with :func:`setting`: its default, a
one-line explanation with its source, and its limits (``min``/``max``) or
``choices``. The Train page can build its widgets from ``field.metadata``, and
:class:`FamilyConfig` checks every value when the config is made, so a bad
value in a job's arguments raises :class:`~embedlab.errors.InputError` before
any work starts.
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import Any, Optional

from embedlab.errors import InputError


def setting(default: Any, help: str, *, min: Optional[float] = None, max: Optional[float] = None,
            choices: Optional[tuple] = None) -> Any:
    """A config field with its explanation and limits in ``metadata``.

    Parameters
    ----------
    default : int, float, str or bool
    help : str
        One line: what the setting does and where it comes from.
    min, max : float, optional
        Inclusive limits of a number.
    choices : tuple, optional
        The allowed values.

    Returns
    -------
    dataclasses.Field
    """
    meta = {"help": help}
    if min is not None:
        meta["min"] = min
    if max is not None:
        meta["max"] = max
    if choices is not None:
        meta["choices"] = tuple(choices)
    return dataclasses.field(default=default, metadata=meta)


def _is_whole(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _show(limit) -> str:
    if limit is None:
        return "any"
    return f"{int(limit):,}" if float(limit).is_integer() else f"{limit:g}"


@dataclasses.dataclass
class FamilyConfig:
    """Base of the family configs: validation from field metadata, ``to_dict``/``from_dict``.

    Raises
    ------
    InputError
        A value of the wrong type, outside ``min``/``max`` or not among ``choices``
        (the message names the setting, its limits and its explanation).
    """

    def __post_init__(self):
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            meta = f.metadata
            hint = f" ({meta['help']})" if meta.get("help") else ""
            if "choices" in meta:
                if value not in meta["choices"]:
                    raise InputError(f"{f.name} must be one of {', '.join(map(repr, meta['choices']))}; "
                                     f"got {value!r}.{hint}")
                continue
            lo, hi = meta.get("min"), meta.get("max")
            if lo is None and hi is None:
                continue
            whole = _is_whole(f.default)
            if whole and _is_number(value) and float(value).is_integer():
                value = int(value)  # 50.0 from a JSON round trip is 50
                setattr(self, f.name, value)
            ok = _is_whole(value) if whole else _is_number(value)
            if not ok or (lo is not None and value < lo) or (hi is not None and value > hi):
                kind = "a whole number" if whole else "a number"
                raise InputError(f"{f.name} must be {kind} from {_show(lo)} to {_show(hi)}; got {value!r}.{hint}")
            if not whole:
                setattr(self, f.name, float(value))

    def to_dict(self) -> dict:
        """The settings as a JSON-able dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: Optional[dict]):
        """A config from a dict; unknown keys are ignored, missing ones take their defaults."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in (values or {}).items() if k in names})

    @classmethod
    def describe(cls) -> list:
        """One dict per setting: ``name``, ``default``, ``help`` and its limits or choices (for a form)."""
        return [{"name": f.name, "default": f.default, **dict(f.metadata)} for f in dataclasses.fields(cls)]
