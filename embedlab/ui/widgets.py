"""Small Streamlit building blocks shared by pages."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Optional

import streamlit as st

from embedlab import jobs
from embedlab.errors import InputError
from embedlab.space import Space
from embedlab.ui import session


@contextmanager
def user_errors():
    """Show an InputError as ``st.error`` and carry on with the rest of the page."""
    try:
        yield
    except InputError as exc:
        st.error(str(exc))


def require_space(what: str = "this page") -> Space:
    """The active space, or a hint to train/pick one and ``st.stop()``."""
    space = session.active_space()
    if space is None:
        st.info(f"There is no active model yet. Train one (or pick one on the Models page) to use {what}.")
        st.page_link("pages/home.py", label="Train a demo model", icon="🚀")
        st.page_link("pages/train.py", label="Train page", icon="🏋️")
        st.stop()
    return space


def streamlit_progress(bar):
    """A ``progress(fraction, message)`` callback that drives an ``st.progress`` bar."""

    def report(fraction, message="", **details):
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)

    return report


#: How often a job view refreshes itself, by job state: a queue position changes
#: slowly, progress quickly; a finished job not at all. Every refresh is a script
#: run on the server, and a classroom has thirty of these open at once.
POLL_SECONDS = {"queued": 3.0, "running": 1.0}


def poll_every(job_id: str, key: str) -> Optional[float]:
    """Refresh interval for a job view (None: stop refreshing), from the state it last showed."""
    return POLL_SECONDS.get(st.session_state.get(f"_polled-{key}-{job_id}", "queued"))


def note_polled_state(job_id: str, key: str, state: str) -> None:
    """Remember the state a job view showed; when the refresh interval must change, rerun the page to apply it."""
    slot = f"_polled-{key}-{job_id}"
    before = st.session_state.get(slot, "queued")
    st.session_state[slot] = state
    if POLL_SECONDS.get(before) != POLL_SECONDS.get(state):
        st.rerun()


def job_panel(job_id: str, key: str, on_done: Optional[Callable[[dict], None]] = None,
              extra: Optional[Callable[[dict], None]] = None) -> None:
    """Show one background job's progress, with Cancel; refreshes itself while it waits or runs.

    Parameters
    ----------
    job_id : str
    key : str
        Unique widget-key prefix.
    on_done : callable, optional
        ``on_done(status)`` runs once (per session) when the job has finished
        successfully; the page is then rerun.
    extra : callable, optional
        ``extra(status)`` draws more of the status (a loss curve, ...) on every refresh.
    """

    @st.fragment(run_every=poll_every(job_id, key))
    def panel():
        try:
            status = jobs.job_status(session.workspace(), job_id)
        except InputError as exc:
            st.warning(str(exc))
            note_polled_state(job_id, key, "failed")  # nothing more to wait for
            return
        render_job_status(status, key)
        if extra is not None:
            extra(status)
        if status["state"] == "done" and on_done is not None and not st.session_state.get(f"{key}-handled"):
            st.session_state[f"{key}-handled"] = True
            on_done(status)
            st.rerun()
        note_polled_state(job_id, key, status["state"])

    panel()


def render_job_status(status: dict, key: str) -> None:
    """Progress bar, message, queue position and Cancel button for one job status."""
    state = status["state"]
    title = status.get("title", "job")
    if state == "queued":
        pos = status.get("queue_position")
        st.info(f"**{title}** is waiting to start" + (f" (position {pos} in the queue)." if pos else "."))
    elif state == "running":
        st.progress(min(max(float(status.get("fraction", 0)), 0.0), 1.0), text=f"{title}: {status.get('message', '')}")
    elif state == "done":
        st.success(f"**{title}** finished.")
    elif state == "cancelled":
        st.warning(f"**{title}** was cancelled; nothing was saved.")
    else:
        st.error(f"**{title}** {state}: {status.get('error', '')}")
    if state in ("queued", "running"):
        if st.button("Cancel", key=f"{key}-cancel-{status['id']}"):
            jobs.cancel(session.workspace(), status["id"])
            st.rerun()
