"""Per-session state: the workspace, the active model and a session-scoped result cache.

Nothing per-user goes into Streamlit's global caches (``st.cache_data`` /
``st.cache_resource`` are shared by every session of the server): loaded
spaces and probe results are kept in ``st.session_state``, which is private to
one browser session, and the active model is also saved in the workspace so it
survives a restart.

Memory: a session's own spaces and results share one budget in bytes
(``EMBEDLAB_SESSION_MB``, default 400; a space counts with its unit-length
copy once made), least recently used first out. Published models and shipped
samples are the same for everyone: they live once in the server's shared
read-only cache (:mod:`embedlab.store.shared_cache`), not in each session.
"""

from __future__ import annotations

import os
import re
import secrets
from typing import Callable, Optional

import streamlit as st

from embedlab import config
from embedlab.errors import InputError
from embedlab.memory import BytesLRU
from embedlab.space import Space
from embedlab.store import Workspace
from embedlab.store.publishing import instructor_key, instructor_key_valid

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")


def session_bytes() -> int:
    """Bytes one session may keep in memory for its own spaces and results (``EMBEDLAB_SESSION_MB``, default 400)."""
    return int(float(os.environ.get("EMBEDLAB_SESSION_MB", "400")) * 1024 * 1024)


def _memory() -> BytesLRU:
    """This session's spaces and results, bounded in bytes together."""
    memory = st.session_state.get("_memory")
    if memory is None:
        memory = st.session_state["_memory"] = BytesLRU(session_bytes())
    memory.limit = session_bytes()
    return memory


def memory_in_use() -> int:
    """Bytes this session holds in its cache of spaces and results."""
    return _memory().total()


def workspace() -> Workspace:
    """This session's workspace.

    Locally there is one workspace, ``EMBEDLAB_HOME``. On a shared server
    (``EMBEDLAB_SHARED=1``) each visitor gets a private workspace reached by a
    secret link (``?ws=<token>``, made with :func:`secrets.token_urlsafe`); a
    malformed token, or a well-formed one that names no workspace (guessed or
    mistyped), is refused and never creates a workspace.
    """
    if "workspace" in st.session_state:
        ws = st.session_state["workspace"]
        if config.shared_mode() and st.query_params.get("ws") != ws.root.name:
            st.query_params["ws"] = ws.root.name  # keep the bookmarkable link in the address bar on every page
        return ws
    if not config.shared_mode():
        ws = Workspace(config.home())
    else:
        token = st.query_params.get("ws")
        base = config.home() / "workspaces"
        if token is None:
            token = secrets.token_urlsafe(24)
            st.query_params["ws"] = token
            ws = Workspace(base / token)
        elif not _TOKEN.match(token):
            st.error("This workspace link is malformed (the part after `?ws=` is cut short or changed). Open the "
                     "link you bookmarked exactly as it was, or open the app without `?ws=` to get a new private "
                     "workspace.")
            st.stop()
        elif not (base / token).is_dir():
            st.error("No workspace has this link. Check that you copied the whole link you bookmarked, or open the "
                     "app without `?ws=` to get a new private workspace.")
            st.stop()
        else:
            ws = Workspace(base / token)
    st.session_state["workspace"] = ws
    _check_instructor_link(ws)
    return ws


def _check_instructor_link(ws: Workspace) -> None:
    """``?instructor=<secret>`` gives this browser session instructor rights (it may publish models).

    The rights belong to the session, not to the workspace: a copy of the
    workspace link (``?ws=``) opened elsewhere carries none. The session keeps
    a hash of the secret, compared with the secret in effect on every use
    (:func:`is_instructor`), so changing EMBEDLAB_INSTRUCTOR_TOKEN revokes them.
    """
    if ws.get_setting("instructor") is not None:
        ws.set_setting("instructor", None)  # rights stored in a workspace by older versions travelled with its link
    given = st.query_params.get("instructor")
    if given is None or not config.shared_mode():
        return
    secret = config.instructor_token()
    if secret is not None and secrets.compare_digest(given.encode(), secret.encode()):
        st.session_state["_instructor_key"] = instructor_key(given)
    else:
        st.warning("The instructor key in this link is not valid; you can use the app, but not publish models.")
    del st.query_params["instructor"]  # keep the secret out of the address bar and of shared links


def is_instructor() -> bool:
    """True when this session proved the instructor secret in effect now (shared server only)."""
    workspace()
    return config.shared_mode() and instructor_key_valid(st.session_state.get("_instructor_key"))


def active_model_id() -> Optional[str]:
    """Id of the model the pages work on, or None.

    The workspace setting ``active_model`` is its only owner: every page,
    browser tab and restart reads it there, and every control that changes it
    goes through :func:`set_active_model`. A model that was deleted is not
    active; a damaged one still is (the sidebar says so).
    """
    model_id = workspace().get_setting("active_model")
    if model_id is None:
        return None
    try:
        workspace().model_record(model_id)
    except InputError:  # deleted, or unpublished by the instructor
        return None
    return model_id


def set_active_model(model_id: Optional[str]) -> None:
    """Make a model the active one (remembered across restarts): the one way to change it.

    The sidebar, which is drawn before the page, shows the new model from the
    next script run on. So call this from a widget callback (``on_click``,
    ``on_change``: it runs before the script), or call ``st.rerun()`` after it.
    """
    workspace().set_setting("active_model", model_id)


def adopt_trained_model(job_id: str, model_id: str) -> bool:
    """Make the model a training job saved the active one, once per job; True when it did.

    Remembered in the workspace, so neither a second browser tab nor a restart
    switches to it again after the user picked another model.
    """
    ws = workspace()
    handled = ws.get_setting("handled_jobs", [])
    if job_id in handled:
        return False
    ws.set_setting("handled_jobs", (handled + [job_id])[-200:])
    set_active_model(model_id)
    return True


def keep_widget(key: str, default=None, valid: Optional[Callable[[object], bool]] = None) -> str:
    """Key of a widget whose value survives page switches; call it where the widget is drawn.

    Streamlit forgets the state of a widget that a script run did not draw,
    so after a visit to another page a keyed widget would start from its
    default again. This puts the value it last had in this session (or
    ``default`` the first time) into ``st.session_state[key]`` before it is
    drawn, and the widget takes it from there: draw it without ``value=`` /
    ``index=``, and give its value to :func:`remember_widget` afterwards.

    Parameters
    ----------
    key : str
    default : optional
        The first value.
    valid : callable, optional
        ``valid(value)`` False: a kept value that no longer fits (an option that
        is gone) is dropped for ``default``.
    """
    if key not in st.session_state:
        kept = st.session_state.setdefault("_kept_widgets", {})
        value = kept.get(key, default)
        if valid is not None and key in kept and not valid(value):
            value = default
        st.session_state[key] = value
    return key


def remember_widget(key: str, value) -> None:
    """Store a kept widget's value (see :func:`keep_widget`) for the next visit of its page."""
    st.session_state.setdefault("_kept_widgets", {})[key] = value


def flash(key: str, message=None):
    """A message for the next script run: ``flash(key, message)`` stores it, ``flash(key)`` takes it (once)."""
    slot = f"_flash-{key}"
    if message is not None:
        st.session_state[slot] = message
        return message
    return st.session_state.pop(slot, None)


def load_space(model_id: str) -> Space:
    """Load a model of this session's workspace, keeping recent ones in session memory (bounded in bytes).

    A published model comes from the server's shared cache and does not count
    against the session.

    Raises
    ------
    InputError
        Unknown or damaged model.
    """
    memory = _memory()
    key = ("space", model_id)
    if key in memory:
        return memory.get(key)
    ws = workspace()
    space = ws.load_space(model_id)
    if not ws.model_record(model_id)["published"]:
        memory.put(key, space)
    return space


def forget_space(model_id: str) -> None:
    """Drop a model (and its cached results) from session memory."""
    memory = _memory()
    for key in memory.keys():
        if key[1] == model_id:
            memory.pop(key)


def active_space() -> Optional[Space]:
    """The active model's space, or None when there is none (or it is damaged)."""
    model_id = active_model_id()
    if model_id is None:
        return None
    try:
        return load_space(model_id)
    except InputError:
        return None


def peek(model_id: Optional[str], name: str, params: tuple, shared: bool = False):
    """What :func:`cached` holds for (model, name, params), or None (nothing is computed)."""
    from embedlab.store.shared_cache import SHARED

    folder = _published_folder(model_id) if shared else None
    if folder is not None:
        return SHARED.peek(repr(("result", name, params)), folder)
    return _memory().get(("result", model_id, name, params))


def _published_folder(model_id: Optional[str]):
    """The folder of a published model (read-only, the same for everyone), or None for the session's own."""
    if model_id is None:
        return None
    known = st.session_state.setdefault("_published_folders", {})
    if model_id not in known:
        ws = workspace()
        try:
            published = bool(ws.model_record(model_id)["published"])
        except InputError:
            return None
        known[model_id] = str(ws.published_area().models_dir / model_id) if published else None
    return known[model_id]


def cached(model_id: Optional[str], name: str, params: tuple, compute: Callable, shared: bool = False):
    """Session-scoped memo: ``compute()`` once per (model, name, params), then reuse.

    Results survive page switches (they live in this session only) and share
    the session's byte budget with its spaces.

    ``shared=True`` declares that the result depends on nothing but the model
    and ``params``, none of them typed or uploaded by the user (the 5,000 most
    frequent words' projection, say): for a published model such a result is
    computed once for every session, in the server's shared read-only cache (a
    class opening the instructor's model computes its default projection once).
    Treat it as read-only. Anything derived from a user's input stays private.
    """
    from embedlab.store.shared_cache import SHARED

    folder = _published_folder(model_id) if shared else None
    if folder is not None:
        return SHARED.get_or_load(repr(("result", name, params)), folder, compute)
    memory = _memory()
    key = ("result", model_id, name, params)
    if key in memory:
        return memory.get(key)
    value = compute()
    memory.put(key, value)
    return value
