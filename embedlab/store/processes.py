"""Which process is alive: a pid plus its start time names one process across restarts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def proc_start(pid: int) -> Optional[int]:
    """When process ``pid`` started (clock ticks since boot; Linux), or None when unknown.

    A pid alone does not name a process across restarts: a restarted container
    often gives the new server the very pid the killed one had. The pair
    (pid, start time) does.
    """
    try:
        stat = Path(f"/proc/{int(pid)}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def same_process_alive(pid: int, start: Optional[int] = None) -> bool:
    """True when ``pid`` is alive and (if ``start`` is given) is the process that started then."""
    if pid <= 0 or not pid_alive(pid):
        return False
    if start is None:
        return True
    now = proc_start(pid)
    return now is None or now == start
