"""Start and stop a real ``streamlit run app.py`` on a free loopback port (browser tests, load benchmark)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("EMBEDLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StreamlitServer:
    """``streamlit run app.py`` bound to 127.0.0.1 in its own process group.

    Parameters
    ----------
    home : path
        EMBEDLAB_HOME for the server.
    env : dict, optional
        Extra environment (EMBEDLAB_SHARED, EMBEDLAB_MAX_JOBS, ...).
    """

    def __init__(self, home, env=None, log=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.home = Path(home)
        self.log_path = Path(log) if log else self.home / "server.log"
        self.home.mkdir(parents=True, exist_ok=True)
        self._env = {**os.environ, "EMBEDLAB_HOME": str(self.home), "PYTHONPATH": str(ROOT), **(env or {})}
        self.proc = None

    def start(self, timeout: float = 90) -> "StreamlitServer":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=str(ROOT), env=self._env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited early:\n{self.log_path.read_text()[-3000:]}")
            if self.healthy():
                return self
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not answer /_stcore/health within {timeout} s")

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the server and everything it started (its process group: job workers run in their own)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        except ProcessLookupError:
            pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def browser_missing() -> Optional[str]:
    """Why the browser tests cannot run on this machine, or None when they can."""
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing (apt-get install chromium, or set EMBEDLAB_CHROMIUM)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -r requirements-dev.txt)"
    return None


def chromium_available() -> bool:
    return browser_missing() is None
