"""Heavy page work: inline when small, a background job (progress, Cancel, lower priority) when large.

A page script runs in the web server's process; tens of seconds of numba,
BLAS or parsing there slow every visitor's pages. Above a size threshold
(:func:`embedlab.config.inline_limit`) a page hands the work to the job queue
instead and shows the job's progress with a Cancel button; the result is
picked up when the job is done, also after a page switch.
"""

from __future__ import annotations

import hashlib
from typing import Callable, Optional

import streamlit as st

from embedlab import jobs
from embedlab.errors import InputError
from embedlab.ui import session
from embedlab.ui.widgets import job_panel


def _slot(name: str, params) -> str:
    return f"_bg-{name}-{hashlib.sha1(repr(params).encode()).hexdigest()[:16]}"


def job_for(name: str, params) -> Optional[str]:
    """The job this session started for (name, params), if any."""
    return st.session_state.get(_slot(name, params))


def forget(name: str, params) -> None:
    """Forget the job started for (name, params), so the next request starts a new one."""
    st.session_state.pop(_slot(name, params), None)


def in_background(name: str, params, kind: str, args: Callable[[], dict], title: str,
                  load: Callable[[dict], object], start: bool = True):
    """Run a job for (name, params) once, show it while it runs, and return ``load(status)`` when it is done.

    Parameters
    ----------
    name : str
        What the work is (e.g. ``"analogy-eval"``); with ``params`` it names the job in this session.
    params : hashable
        Everything the result depends on.
    kind : str
        The job kind (a key of :data:`embedlab.jobs.TASKS`).
    args : callable
        Returns the job's arguments (called only when a job is submitted: it may stage uploads).
    title : str
        What the job list shows.
    load : callable
        ``load(status)`` turns a finished job's status into the result.
    start : bool
        Submit a job when there is none yet (False: only pick up one already started).

    Returns
    -------
    The result, or None while the job waits or runs (or failed, or was cancelled:
    the panel says so; asking again starts a new job).

    Raises
    ------
    InputError
        The job could not be submitted (disk quota), or its result is gone.
    """
    slot = _slot(name, params)
    ws = session.workspace()
    job_id = st.session_state.get(slot)
    if job_id is not None:
        try:
            status = jobs.job_status(ws, job_id)
        except InputError:  # removed from the job list
            status = None
        if status is None or (status["state"] in jobs.FINAL and status["state"] != "done" and start):
            job_id = None  # failed or cancelled before: a new request starts again
        elif status["state"] == "done":
            return load(status)
    if job_id is None:
        if not start:
            return None
        job_id = jobs.submit(ws, kind, args(), title)
        st.session_state[slot] = job_id
    job_panel(job_id, key=slot, on_done=lambda status: None)  # the panel reruns the page when the job is done
    return None


def cached_or_background(model_id: Optional[str], name: str, params: tuple, inline: bool, compute: Callable,
                         kind: str, args: Callable[[], dict], title: str, load: Callable[[dict], object],
                         start: bool = True, shared: bool = False):
    """:func:`embedlab.ui.session.cached` for work that is small (``inline``: ``compute()`` here) or large (a job).

    A job's result, once loaded, is kept in the session cache like an inline one
    (``shared``: see :func:`embedlab.ui.session.cached`). Returns None while a
    job waits or runs.
    """
    if inline:
        return session.cached(model_id, name, params, compute, shared=shared)
    hit = session.peek(model_id, name, params, shared=shared)
    if hit is not None:
        return hit
    result = in_background(name, (model_id, params), kind, args, title, load, start=start)
    if result is not None:
        session.cached(model_id, name, params, lambda: result, shared=shared)
    return result
