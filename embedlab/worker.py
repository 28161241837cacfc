"""Worker process for one background job: ``python -m embedlab.worker ROOT JOB_ID``.

Every write to the job's ``status.json`` is a compare-and-swap
(:func:`embedlab.jobs.update_status`) that leaves a final state alone: when the
job was cancelled, the next progress report raises :class:`Cancelled` and the
worker stops, and its result is never written over "cancelled" (models it had
already registered are deleted again).
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path

from embedlab.errors import Cancelled, InputError
from embedlab.jobs import _read_json, register_worker, resolve, unless_final, update_status
from embedlab.store import Workspace, proc_start

#: Keys of a job result that name models the job registered.
_MODEL_KEYS = ("model_id", "users_model_id", "model_ids")


def _discard_models(workspace: Workspace, result) -> None:
    """Delete the models a job registered after it was cancelled (it ended between the cancel and the kill)."""
    if not isinstance(result, dict):
        return
    ids = []
    for key in _MODEL_KEYS:
        value = result.get(key)
        ids += value if isinstance(value, list) else [value] if value else []
    for model_id in ids:
        try:
            workspace.delete_model(str(model_id))
        except InputError:
            pass


def main(root: str, job_id: str) -> int:
    try:
        os.nice(5)  # keep the web server responsive while jobs train
    except OSError:
        pass
    workspace = Workspace(root)
    folder = Path(root) / "jobs" / job_id
    job = _read_json(folder / "job.json")
    registration = register_worker(root, job_id)
    try:
        return _run(workspace, folder, job)
    finally:
        registration.unlink(missing_ok=True)


def _run(workspace: Workspace, folder: Path, job: dict) -> int:
    mine = {"state": "running", "pid": os.getpid(), "pid_start": proc_start(os.getpid()), "started_at": time.time(),
            "message": "Starting"}
    _, started = update_status(folder, unless_final(mine))
    if not started:
        return 0  # cancelled before it started
    last = [0.0]

    def progress(fraction, message="", **details):
        mine.update(fraction=float(fraction), message=message)
        if details:
            mine["details"] = {**mine.get("details", {}), **details}
        now = time.monotonic()
        if details or now - last[0] > 0.25:
            last[0] = now
            _, written = update_status(folder, unless_final(mine))
            if not written:
                raise Cancelled("The job was cancelled.")

    try:
        result = resolve(job["kind"])(workspace, {**job["args"], "job_folder": str(folder)}, progress)
    except Cancelled:
        update_status(folder, unless_final({**mine, "state": "cancelled", "message": "Cancelled",
                                            "finished_at": time.time()}))
        return 0
    except InputError as exc:
        update_status(folder, unless_final({**mine, "state": "failed", "error": str(exc), "finished_at": time.time()}))
        return 1
    except Exception:  # a bug: keep the traceback where the user can report it
        update_status(folder, unless_final({**mine, "state": "failed", "finished_at": time.time(),
                                            "error": "The job failed unexpectedly:\n" + traceback.format_exc()}))
        return 2
    _, written = update_status(folder, unless_final({**mine, "state": "done", "fraction": 1.0, "message": "Finished",
                                                     "result": result, "finished_at": time.time()}))
    if not written:
        _discard_models(workspace, result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
