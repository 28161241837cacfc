"""A Streamlit client without a browser: one websocket session speaking Streamlit's protocol (for bench_load.py).

It connects to ``/_stcore/stream`` (subprotocol ``streamlit``), sends
``BackMsg.rerun_script`` with a ``ClientState`` (query string, page, widget
states) and reads ``ForwardMsg`` until the script's ``script_finished``, as
the browser does. Widgets are found by key or label in the elements the run
drew, so a test can set a text input, change a number and press a (form)
button. Only what the load benchmark needs: no uploads, no fragments.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Optional

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

_WIDGETS = ("button", "text_input", "number_input", "text_area", "selectbox", "checkbox", "radio", "slider",
            "toggle", "multiselect")


@dataclass
class Run:
    """What one script run drew: widgets by id, errors and exceptions shown, and its duration."""

    seconds: float = 0.0
    widgets: dict = field(default_factory=dict)     # id -> (kind, proto)
    errors: list = field(default_factory=list)      # st.error texts
    exceptions: list = field(default_factory=list)  # uncaught exceptions shown on the page
    finished: Optional[int] = None


class Session:
    """One visitor's websocket session."""

    def __init__(self, url: str, query: str = ""):
        self.ws_url = url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.query = query
        self.pages: dict = {}  # url path -> page script hash
        self.page_hash = ""
        self.states: dict = {}  # widget id -> WidgetState of the values this visitor set
        self.widgets: dict = {}
        self._conn = None

    async def connect(self) -> None:
        self._conn = await websockets.connect(self.ws_url, subprotocols=["streamlit"], max_size=None,
                                              open_timeout=60, ping_interval=None)

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()

    def find(self, key_or_label: str, kind: Optional[str] = None) -> str:
        """The id of a widget of the last run, by its key (suffix of its id) or its label."""
        for wid, (k, proto) in self.widgets.items():
            if kind and k != kind:
                continue
            if wid.endswith("-" + key_or_label) or getattr(proto, "label", None) == key_or_label:
                return wid
        raise KeyError(f"no widget {key_or_label!r} ({kind or 'any kind'}) on the page")

    def set_value(self, key_or_label: str, **value) -> None:
        """Remember a widget value (e.g. ``string_value="w5"``, ``double_value=5000``) for the next runs."""
        wid = self.find(key_or_label)
        self.states[wid] = WidgetState(id=wid, **value)

    async def rerun(self, page: Optional[str] = None, click: Optional[str] = None, timeout: float = 120) -> Run:
        """Run the script (on ``page``, a url path such as ``explore``), optionally pressing a button."""
        if page is not None:
            self.page_hash = self.pages.get(page, "")
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_hash
        state.page_name = page or ""
        for ws in self.states.values():
            state.widget_states.widgets.append(ws)
        if click is not None:
            state.widget_states.widgets.append(WidgetState(id=self.find(click, "button"), trigger_value=True))
        run = Run()
        start = time.perf_counter()
        await self._conn.send(msg.SerializeToString())
        deadline = start + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no script_finished within {timeout} s")
            raw = await asyncio.wait_for(self._conn.recv(), timeout=left)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in fwd.navigation.app_pages}
                self.page_hash = fwd.navigation.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                self.query = fwd.page_info_changed.query_string
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                which = element.WhichOneof("type")
                if which in _WIDGETS:
                    proto = getattr(element, which)
                    run.widgets[proto.id] = (which, proto)
                elif which == "alert" and element.alert.format == element.alert.ERROR:
                    run.errors.append(element.alert.body)
                elif which == "exception":
                    run.exceptions.append(f"{element.exception.type}: {element.exception.message}")
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # st.rerun(): the script starts again at once, wait for that run
                run.finished = fwd.script_finished
                break
        run.seconds = time.perf_counter() - start
        self.widgets = run.widgets
        return run
