"""Streamlit parts of issue 21: the "Record snapshots" option of a training form, and picking a recorded model."""

from __future__ import annotations

from typing import Optional

import streamlit as st

from embedlab.train.recording import (DEFAULT_TOP, MAX_ITEMS, MAX_STEPS, RECORDABLE, estimate_bytes,
                                      parse_items)
from embedlab.ui import session

RECORD_HELP = ("Keep the vectors of a set of words at regular points while the model trains, to watch the space "
               "form on the Playback page. gensim trains each stretch between two snapshots as one shorter "
               "train() call with the learning rate it would have had, so the model is the same (bit for bit in "
               "reproducible mode).")


def _number(label: str, key: str, default: int, lo: int, hi: int, help_text: str) -> int:
    session.keep_widget(key, default, valid=lambda v: isinstance(v, int) and lo <= v <= hi)
    value = st.number_input(label, min_value=lo, max_value=hi, step=1, key=key, help=help_text)
    session.remember_widget(key, value)
    return int(value)


def recording_options(family, values: dict, key: str) -> Optional[dict]:
    """The "Record snapshots" checkbox and, when ticked, its settings; returns the job's ``record`` dict or None.

    Only families that can record (:data:`embedlab.train.recording.RECORDABLE`)
    get the option. The limits are checked again (with the disk quota) when
    the job is submitted.

    Raises
    ------
    InputError
        A pasted list far too long to read.
    """
    if family.name not in RECORDABLE:
        return None
    on_key = session.keep_widget(f"{key}-on", False)
    on = st.checkbox("Record snapshots (for Playback)", key=on_key, help=RECORD_HELP)
    session.remember_widget(on_key, on)
    if not on:
        return None
    with st.container(border=True):
        st.caption(f"{family.title} records its {RECORDABLE[family.name]}.")
        a, b, c = st.columns(3)
        with a:
            per = "iteration" if "iterations" in values else "epoch"
            steps = _number(f"snapshots per {per}", f"{key}-steps", 10, 1, MAX_STEPS,
                            f"10 takes one every 10 % of an {per}'s " + ("co-occurrence cells" if per == "iteration"
                                                                        else "words")
                            + ", plus one before training. gensim's snapshots fall between its jobs of 10,000 words.")
        with b:
            top = _number("most frequent words", f"{key}-top", DEFAULT_TOP, 0, MAX_ITEMS,
                          f"Recorded by frequency (Doc2Vec document vectors: the first documents). At most "
                          f"{MAX_ITEMS:,} items in all.")
        with c:
            p_key = session.keep_widget(f"{key}-precision", "float16", valid=lambda v: v in ("float16", "float32"))
            precision = st.radio("stored as", ("float16", "float32"), key=p_key, horizontal=True,
                                 help="float16 halves the disk a recording takes (about 3 significant digits, "
                                      "plenty for a picture); the final snapshot is kept exactly either way.")
            session.remember_widget(p_key, precision)
        w_key = session.keep_widget(f"{key}-items", "")
        text = st.text_area("Also record these words (or document ids)", key=w_key, height=68,
                            placeholder="king queen man woman he she",
                            help=f"Separated by spaces, commas or new lines; up to {MAX_ITEMS:,} items with the "
                                 "most frequent ones. Words that analogy questions use (king queen man woman) "
                                 "let Playback score analogies snapshot by snapshot.")
        session.remember_widget(w_key, text)
        items = parse_items(text)
        epochs = int(values.get("epochs", values.get("iterations", 1)) or 1)
        dim = int(values.get("vector_size", 100) or 100)
        n_snap = 1 + epochs * steps
        n_items = top + len(items)
        size = estimate_bytes(n_snap, min(n_items, MAX_ITEMS), dim, 2 if precision == "float16" else 4)
        over = n_items > MAX_ITEMS
        st.caption(f"At most {n_snap:,} snapshots × {n_items:,} items × {dim} dimensions ≈ "
                   f"{size / 1024 / 1024:,.1f} MB with the model. Limit: {MAX_ITEMS:,} items"
                   + (" — **too many: record fewer**." if over else "."))
    return {"steps_per_epoch": steps, "top": top, "items": list(items), "precision": precision}
