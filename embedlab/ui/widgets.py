"""Small Streamlit building blocks shared by pages."""

from __future__ import annotations

import datetime as dt
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


def model_labels(models) -> dict:
    """``{model id: name}`` for pickers, with repeated names told apart.

    A name that several listed models share gets the time its model was saved
    (``"reviews · 14 Mar 09:12"``), and where that repeats too, the start of
    its id; published models get a pin. ``models`` is a frame of
    :meth:`~embedlab.store.Workspace.models` (any subset of its rows).
    """
    names = models["name"].astype(str).tolist()
    stamps = [dt.datetime.fromtimestamp(t).strftime("%d %b %H:%M") if t == t else "" for t in models["created_at"]]
    labels = [n if names.count(n) == 1 else f"{n} · {s}" for n, s in zip(names, stamps)]
    labels = [lab if labels.count(lab) == 1 else f"{lab} · #{i[:6]}" for lab, i in zip(labels, models["id"])]
    pins = models["published"].map({1: "📌 "}).fillna("").tolist() if "published" in models else [""] * len(names)
    return {i: p + lab for i, p, lab in zip(models["id"], pins, labels)}


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


def finished_job(job_id: str, key: str) -> Optional[dict]:
    """Show a job's panel (:func:`job_panel`); return its status once it has finished successfully, else None.

    The page reruns when the job finishes, so a page that draws the result
    below the panel only needs ``status = finished_job(...)`` and a stop on None.
    """
    job_panel(job_id, key, on_done=lambda status: None)
    try:
        status = jobs.job_status(session.workspace(), job_id)
    except InputError:  # removed since; the panel says so
        return None
    return status if status["state"] == "done" else None


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


def jobs_list(key: str, exclude: tuple = (), title: str = "Background jobs") -> None:
    """Every queued or running job of this workspace, each with its progress and Cancel.

    Refreshes itself while any job waits or runs. ``exclude``: ids a page
    already shows in more detail.
    """

    def waiting():
        return [s for s in jobs.list_jobs(session.workspace())
                if s["state"] in ("queued", "running") and s["id"] not in exclude]

    busy = bool(waiting())

    @st.fragment(run_every=2.0 if busy else None)
    def panel():
        current = waiting()
        if current:
            st.markdown(f"**{title} ({len(current)})**")
            for status in current:
                render_job_status(status, key)
        if bool(current) != busy:
            st.rerun()  # a job ended (or started elsewhere): redraw the page and stop (or start) refreshing

    panel()


def confirm_delete(key: str, thing_id: str, what: str, name: str, delete: Callable[[str], None],
                   disabled: bool = False) -> None:
    """A *Delete* button that asks again, naming the thing, and deletes exactly the thing it asked about.

    The question is tied to ``thing_id``: pick another model (or corpus) and it
    is gone, so a confirmation given for one thing can never delete the next
    one. After the delete the question is reset and :func:`show_flash` (call
    it with the same ``key`` near the top of the page) says what was deleted.

    Parameters
    ----------
    key : str
        Widget-key prefix (one per page and kind of thing).
    thing_id : str
        Id of the thing the buttons act on.
    what : str
        What it is ("model", "corpus", "rating table").
    name : str
        Its name, as the user knows it.
    delete : callable
        ``delete(thing_id)``; an InputError it raises is shown instead.
    disabled : bool
        Grey the button out (read-only things).
    """
    pending = f"{key}-pending"
    if st.session_state.get(pending) != thing_id or disabled:
        st.session_state.pop(pending, None)
        st.button("Delete", key=f"{key}-ask", disabled=disabled, on_click=_set_state, args=(pending, thing_id))
        return
    st.warning(f"Delete the {what} **{name}**? This cannot be undone.")
    yes, no = st.columns(2)
    yes.button(f"Yes, delete '{name}'", key=f"{key}-yes", type="primary", on_click=_delete_now,
               args=(key, thing_id, what, name, delete))
    no.button("Keep it", key=f"{key}-keep", on_click=_set_state, args=(pending, None))


def _set_state(slot: str, value) -> None:
    st.session_state[slot] = value


def _delete_now(key: str, thing_id: str, what: str, name: str, delete: Callable[[str], None]) -> None:
    # a callback: it runs before the next script run, so the page never draws the deleted thing again
    st.session_state.pop(f"{key}-pending", None)
    try:
        delete(thing_id)
    except InputError as exc:
        session.flash(key, ("error", str(exc)))
        return
    session.flash(key, ("success", f"Deleted the {what} '{name}'."))


def show_flash(key: str) -> None:
    """Show (once) the message a :func:`confirm_delete` with this ``key`` left."""
    message = session.flash(key)
    if message is not None:
        kind, text = message
        (st.error if kind == "error" else st.success)(text)
