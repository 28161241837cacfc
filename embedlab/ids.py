"""Ids of models, corpora, tables and jobs: random, short, and safe to put in a path."""

from __future__ import annotations

import uuid


def new_id() -> str:
    """A fresh random id for a model, corpus or job (12 hex characters)."""
    return uuid.uuid4().hex[:12]


def valid_id(value: str) -> bool:
    """True for 1 to 64 letters, digits, ``-`` and ``_`` (nothing that can climb out of a folder)."""
    return isinstance(value, str) and 1 <= len(value) <= 64 and all(c.isalnum() or c in "-_" for c in value)
