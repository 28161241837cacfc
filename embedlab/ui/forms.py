"""Widgets drawn from a config dataclass: any model family gets its form from its field metadata.

Each field becomes one widget, chosen by its type and metadata (see
:func:`embedlab.train.registry.field_help`): a radio or selectbox for
``choices``, a checkbox for a bool, a number box (or a slider with
``widget="slider"``) for numbers within ``min``/``max``, an empty-able number
box for ``Optional`` numbers (empty = None), a JSON text box for lists and
dicts, a picker of the workspace's stored models for a ``widget="model"``
field (its value is the model id; ``item_kind`` limits the list, e.g. to word
models), a text box otherwise. Its ``help`` (the hyper-parameter's one-line
explanation) is the widget's tooltip. Fields marked ``advanced`` go under
"More settings".

No ``st.form``: Enter in a form's text box submits the form, and a training
form must start a job only on its button. Every widget is keyed and kept across
page switches (:func:`embedlab.ui.session.keep_widget`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from typing import Optional

import streamlit as st

from embedlab.errors import InputError
from embedlab.train.registry import field_help
from embedlab.ui import session


def _field_type(config_cls: type, field: dataclasses.Field) -> tuple:
    """(base type, optional) of a field, resolving string annotations."""
    try:
        hint = typing.get_type_hints(config_cls).get(field.name, field.type)
    except Exception:  # an annotation that does not resolve: fall back to the default's type
        hint = type(field.default) if field.default is not None else str
    args = typing.get_args(hint)
    optional = typing.get_origin(hint) is typing.Union and type(None) in args
    if optional:
        rest = [a for a in args if a is not type(None)]
        hint = rest[0] if len(rest) == 1 else str
    origin = typing.get_origin(hint)
    return (origin or hint), optional


def _default(field: dataclasses.Field):
    if field.default is not dataclasses.MISSING:
        return field.default
    return field.default_factory()


def config_fields(config_cls: type) -> list:
    """The fields of a config dataclass with their form metadata: ``[(field, meta, type, optional), ...]``."""
    return [(f, field_help(f), *_field_type(config_cls, f)) for f in dataclasses.fields(config_cls) if f.init]


def config_form(config_cls: type, key: str, columns: int = 3) -> dict:
    """Draw one widget per field of ``config_cls``; return the values they show.

    Parameters
    ----------
    config_cls : type
        A config dataclass whose fields have defaults (and, ideally, metadata).
    key : str
        Widget-key prefix; each widget is ``f"{key}-{field name}"``. Use one
        prefix per family, so each family keeps its own settings.
    columns : int
        Widgets per row.

    Returns
    -------
    dict
        ``{field name: value}``, ready for ``config_cls.from_dict`` (which
        checks the values: a job submit does that).

    Raises
    ------
    InputError
        A list or dict field whose text is not valid JSON.
    """
    specs = config_fields(config_cls)
    values = {}
    main = [s for s in specs if not s[1]["advanced"]]
    advanced = [s for s in specs if s[1]["advanced"]]
    _grid(main, key, columns, values)
    if advanced:
        with st.expander("More settings"):
            _grid(advanced, key, columns, values)
    return values


def _grid(specs: list, key: str, columns: int, values: dict) -> None:
    cols = st.columns(columns) if specs else []
    for i, spec in enumerate(specs):
        with cols[i % columns]:
            values[spec[0].name] = field_widget(*spec, key=f"{key}-{spec[0].name}")


def field_widget(field: dataclasses.Field, meta: dict, kind: type, optional: bool, key: str):
    """Draw the widget of one config field (see the module docstring); return its value."""
    label, help_text = meta["label"], meta["help"] or None
    default = _default(field)
    choices = meta.get("choices")
    if meta.get("widget") == "model":
        value = _model_picker(label, meta, help_text, key)
    elif choices:
        choices = list(choices)
        names = meta.get("choice_labels") or {}
        session.keep_widget(key, default, valid=lambda v: v in choices)
        draw = st.radio if len(choices) <= 3 else st.selectbox
        extra = {"horizontal": True} if draw is st.radio else {}
        value = draw(label, choices, key=key, help=help_text, format_func=lambda v: str(names.get(v, v)), **extra)
    elif kind is bool:
        session.keep_widget(key, bool(default))
        value = st.checkbox(label, key=key, help=help_text)
    elif kind in (int, float):
        value = _number(label, meta, kind, optional, default, key, help_text)
    elif kind in (list, tuple, dict):
        session.keep_widget(key, json.dumps(default))
        text = st.text_input(f"{label} (JSON)", key=key, help=help_text)
        try:
            value = json.loads(text)
        except ValueError:
            raise InputError(f"{label} must be written as JSON, like {json.dumps(default)}.") from None
        value = tuple(value) if kind is tuple and isinstance(value, list) else value
    else:
        session.keep_widget(key, "" if default is None else str(default))
        value = st.text_input(label, key=key, help=help_text) or (None if optional else "")
    session.remember_widget(key, st.session_state.get(key))
    return value


def _model_picker(label: str, meta: dict, help_text: Optional[str], key: str) -> str:
    """A choice among the stored models whose items are ``meta["item_kind"]``; returns a model id ("" if none).

    The list is read when the form is drawn, so a model trained a minute ago is
    offered; the active model comes first when it qualifies.
    """
    from embedlab.ui.widgets import model_labels

    kind = meta.get("item_kind", "word")
    models = session.workspace().models_of(kind)
    if models.empty:
        st.warning(f"**{label}**: there is no {kind} model in this workspace yet. Train one (a Word2Vec on the "
                   "Train page, on this corpus so the words match) or import vectors, then come back.")
        return ""
    ids = models["id"].tolist()
    active = session.active_model_id()
    first = active if active in ids else ids[0]
    session.keep_widget(key, first, valid=lambda v: v in ids)
    if st.session_state.get(key) not in ids:  # the model picked before was deleted since
        st.session_state[key] = first
    return st.selectbox(label, ids, key=key, help=help_text, format_func=model_labels(models).get)


def _number(label: str, meta: dict, kind: type, optional: bool, default, key: str, help_text: Optional[str]):
    cast = int if kind is int else float
    lo = None if meta.get("min") is None else cast(meta["min"])
    hi = None if meta.get("max") is None else cast(meta["max"])
    first = None if default is None else cast(default)
    if first is not None:  # a default outside the form's bounds would make Streamlit refuse the widget
        first = max(first, lo) if lo is not None else first
        first = min(first, hi) if hi is not None else first

    def fits(v):
        return (v is None and optional) or (isinstance(v, (int, float)) and (lo is None or v >= lo)
                                             and (hi is None or v <= hi))

    session.keep_widget(key, first, valid=fits)
    kept = st.session_state[key]
    if isinstance(kept, (int, float)) and type(kept) is not cast:
        st.session_state[key] = cast(kept)  # Streamlit refuses an int value in a float box
    step = meta.get("step")
    kwargs = {"min_value": lo, "max_value": hi, "key": key, "help": help_text}
    if step is not None:
        kwargs["step"] = cast(step)
    if meta.get("format"):
        kwargs["format"] = meta["format"]
    if meta.get("widget") == "slider" and lo is not None and hi is not None and not optional:
        return st.slider(label, **kwargs)
    if optional:
        kwargs.update(value=None, placeholder="empty: automatic")
    elif kind is float and step is None:
        kwargs["step"] = _float_step(first)
    return st.number_input(label, **kwargs)


def _float_step(value: Optional[float]) -> float:
    """A step of about a tenth of the default's magnitude (0.001 → 0.0001, 15 → 1)."""
    if not value:
        return 0.01
    return 10.0 ** math.floor(math.log10(abs(value)) - 1)


def kept_values(config_cls: type, key: str) -> dict:
    """The values the form of ``config_cls`` (drawn with :func:`config_form` and this ``key``) last showed.

    For a form that this script run does not draw (another family's): the
    values its widgets hold or were remembered with (:func:`embedlab.ui.session.keep_widget`),
    and the field's default for a widget never drawn in this session.

    Returns
    -------
    dict
        ``{field name: value}``, ready for ``config_cls.from_dict``.
    """
    kept = st.session_state.get("_kept_widgets", {})
    values = {}
    for field, _meta, kind, _optional in config_fields(config_cls):
        name = f"{key}-{field.name}"
        value = st.session_state[name] if name in st.session_state else kept.get(name, _default(field))
        if kind in (list, tuple, dict) and isinstance(value, str):  # a JSON text box
            try:
                value = json.loads(value)
            except ValueError:
                value = _default(field)
        values[field.name] = value
    return values
