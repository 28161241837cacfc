"""Worker process for one background job: ``python -m embedlab.worker ROOT JOB_ID``."""

from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path

from embedlab.errors import InputError
from embedlab.jobs import _read_json, _write_json, resolve
from embedlab.store import Workspace, proc_start


def main(root: str, job_id: str) -> int:
    try:
        os.nice(5)  # keep the web server responsive while jobs train
    except OSError:
        pass
    workspace = Workspace(root)
    folder = Path(root) / "jobs" / job_id
    job = _read_json(folder / "job.json")
    status_path = folder / "status.json"
    status = _read_json(status_path) or {}
    status.update(state="running", pid=os.getpid(), pid_start=proc_start(os.getpid()), started_at=time.time(), message="Starting")
    _write_json(status_path, status)
    last = [0.0]

    def progress(fraction, message="", **details):
        status.update(fraction=float(fraction), message=message)
        if details:
            status["details"] = {**status.get("details", {}), **details}
        now = time.monotonic()
        if details or now - last[0] > 0.25:
            last[0] = now
            _write_json(status_path, status)

    try:
        result = resolve(job["kind"])(workspace, job["args"], progress)
    except InputError as exc:
        status.update(state="failed", error=str(exc), finished_at=time.time())
        _write_json(status_path, status)
        return 1
    except Exception:  # a bug: keep the traceback where the user can report it
        status.update(state="failed", error="The job failed unexpectedly:\n" + traceback.format_exc(),
                      finished_at=time.time())
        _write_json(status_path, status)
        return 2
    status.update(state="done", fraction=1.0, message="Finished", result=result, finished_at=time.time())
    _write_json(status_path, status)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
