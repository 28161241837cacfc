"""Background jobs: long work (training, sweeps) runs in a worker process.

A page submits a job and returns at once; a widget click, a page switch or a
closed browser tab does not stop it, and the page picks up its status (and
result) whenever it is shown again. The worker is a separate process
(``python -m embedlab.worker``) so Cancel can stop it at once and a crash
cannot take the server down.

Each job lives in ``<workspace>/jobs/<id>/``: ``job.json`` (what to do) and
``status.json`` (state, progress, details, result), written atomically.
Every change of ``status.json`` is a compare-and-swap under an exclusive lock
(:func:`update_status`): a final state (done, failed, cancelled, interrupted)
is never overwritten, so a worker's late progress report cannot undo a Cancel.

At most :func:`embedlab.config.max_jobs` jobs run at once per server; the rest
wait in a first-come queue and see their position. A worker that outlived a
server restart (it runs in its own session) still counts: every worker
registers itself in ``<home>/running-jobs/`` while it runs, and the scheduler
counts the live ones it did not start. Cancel stops such a worker by its pid
and start time (both in ``status.json``).

States: ``queued`` → ``running`` → ``done`` | ``failed`` | ``cancelled``;
``interrupted`` when the server restarted under a job.
"""

from __future__ import annotations

import fcntl
import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Optional

from embedlab import config
from embedlab.errors import InputError
from embedlab.ids import new_id, valid_id
from embedlab.store import Workspace, proc_start, same_process_alive
from embedlab.train import registry

#: Job tasks that are not model families: name -> "module:function", called as
#: ``fn(workspace, args, progress)`` returning a JSON-able dict;
#: ``args["job_folder"]`` is the job's folder (for results too large for status.json).
#: Model families are not listed here: each declares itself (see :mod:`embedlab.train.registry`).
TASKS = {
    "seeds": "embedlab.train.seeds:run_job",
    "bias_analogy": "embedlab.probes.bias.checks:run_analogy_job",
    "ratings_eval": "embedlab.probes.recommend:run_eval_job",
    "topn_eval": "embedlab.probes.topn:run_topn_job",
    "docs_eval": "embedlab.probes.downstream:run_eval_job",
    "sweep": "embedlab.probes.analogy.sweep:run_job",
    # heavy page work above a size threshold (embedlab.config.inline_limit)
    "prepare_corpus": "embedlab.sources.corpus:run_prepare_job",
    "analogy_eval": "embedlab.probes.analogy.benchmark:run_eval_job",
    "projection": "embedlab.probes.projection.core:run_projection_job",
    "debias": "embedlab.probes.bias.debias:run_debias_job",
    "import_vectors": "embedlab.sources.vectors:run_import_job",
    # issue 20: images
    "read_images": "embedlab.sources.images:run_read_job",
    "image_anomaly": "embedlab.probes.anomaly:run_job",
    "image_knn_accuracy": "embedlab.probes.knn_accuracy:run_job",
    # graphs: the node2vec paper's evaluations and its "p and q" figure
    "graph_classification": "embedlab.probes.graph_eval:run_classification_job",
    "graph_link_prediction": "embedlab.probes.graph_eval:run_link_prediction_job",
    "graph_pq": "embedlab.probes.graph_eval:run_pq_job",
    "cooccur": "embedlab.train.cooccur:run_job",
    "methods": "embedlab.probes.methods:run_job",
}

FINAL = ("done", "failed", "cancelled", "interrupted")


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data, default=str), encoding="utf-8")
    os.replace(tmp, path)


def _read_json(path: Path) -> Optional[dict]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@contextmanager
def _locked(folder: Path):
    # flock on a side file: status.json itself is replaced on every write, so it cannot carry the lock
    fd = os.open(folder / ".status.lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def update_status(folder, change: Callable[[dict], Optional[dict]]) -> tuple[dict, bool]:
    """Compare-and-swap a job's ``status.json``: read, ``change(current)``, write, under one exclusive lock.

    Parameters
    ----------
    folder : path-like
        The job's folder.
    change : callable
        Gets a copy of the current status; returns the new status, or None to
        leave it as it is (the "compare" part: e.g. when it is already final).

    Returns
    -------
    (dict, bool)
        The status now on disk, and whether ``change`` wrote it.
    """
    folder = Path(folder)
    with _locked(folder):
        current = _read_json(folder / "status.json") or {}
        new = change(dict(current))
        if new is None:
            return current, False
        _write_json(folder / "status.json", new)
        return new, True


def unless_final(fields: dict) -> Callable[[dict], Optional[dict]]:
    """A :func:`update_status` change that merges ``fields`` unless the job has already ended."""

    def change(current: dict) -> Optional[dict]:
        if current.get("state") in FINAL:
            return None
        return {**current, **fields}

    return change


# -- workers alive on this machine, whoever started them ---------------------------------

def _running_dir() -> Path:
    return config.home() / "running-jobs"


def register_worker(root, job_id: str) -> Path:
    """Record this process as the worker of a job (the worker calls it; :func:`live_workers` reads it)."""
    folder = _running_dir()
    folder.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    path = folder / f"{pid}-{proc_start(pid)}.json"
    _write_json(path, {"root": str(root), "job_id": job_id, "pid": pid, "pid_start": proc_start(pid)})
    return path


def live_workers() -> list:
    """(root, job id) of every worker process alive on this machine, started by this server or an earlier one.

    Entries of dead workers (a SIGKILL leaves its file behind) are removed.
    """
    folder = _running_dir()
    out = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return out
    for path in entries:
        if path.suffix != ".json":
            continue
        info = _read_json(path)
        if info and same_process_alive(int(info.get("pid", -1)), info.get("pid_start")):
            out.append((info["root"], info["job_id"]))
        else:
            path.unlink(missing_ok=True)
    return out


def _stop_process(pid: int, start: Optional[int], timeout: float = 5.0) -> None:
    """SIGTERM the process group of worker ``pid`` (if it is still that process), SIGKILL after ``timeout``."""
    if not same_process_alive(pid, start):
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)  # a worker leads its own session: its group id is its pid
        except (ProcessLookupError, PermissionError):
            try:
                os.kill(pid, sig)
            except (ProcessLookupError, PermissionError):
                return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not same_process_alive(pid, start) or _is_zombie(pid):
                return
            time.sleep(0.05)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def resolve(kind: str):
    """The function that runs jobs of ``kind``: a model family's job, or a task of :data:`TASKS`.

    Raises
    ------
    InputError
        Unknown kind.
    """
    if kind in TASKS:
        module, func = TASKS[kind].split(":")
        return getattr(importlib.import_module(module), func)
    family = registry.find(kind)
    if family is None:
        raise InputError(f"There is no job kind '{kind}'.")
    return family.job_function()


def job_kinds() -> list:
    """Every kind a worker may run: the model families, then the tasks."""
    return [f.name for f in registry.families()] + list(TASKS)


class Scheduler:
    """Runs queued jobs as worker processes, at most ``max_jobs`` at a time.

    One per server process; it holds only (workspace root, job id) pairs, so no
    user's data passes through it.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._queue: deque = deque()
        self._running: dict = {}
        self._thread: Optional[threading.Thread] = None

    def submit(self, root: Path, job_id: str) -> None:
        with self._lock:
            self._queue.append((str(root), job_id))
            self._start_locked()
        self.tick()

    def _start_locked(self):
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="embedlab-jobs", daemon=True)
            self._thread.start()

    def _loop(self):
        while True:
            time.sleep(0.25)
            self.tick()
            with self._lock:
                if not self._queue and not self._running:
                    self._thread = None
                    return

    def tick(self) -> None:
        """Reap finished workers and start queued jobs while there is room.

        Room counts the workers this scheduler started and the live workers it
        did not (orphans of a previous server, still running).
        """
        with self._lock:
            for key, proc in list(self._running.items()):
                if proc.poll() is not None:
                    del self._running[key]
                    _finish_if_silent(Path(key[0]), key[1], proc.returncode)
            if not self._queue:
                return
            orphans = sum(1 for key in live_workers() if key not in self._running)
            while self._queue and len(self._running) + orphans < config.max_jobs():
                root, job_id = self._queue.popleft()
                self._running[(root, job_id)] = _launch(Path(root), job_id)

    def position(self, root: Path, job_id: str) -> Optional[int]:
        """1-based place in the queue, or None when not waiting."""
        with self._lock:
            for i, item in enumerate(self._queue):
                if item == (str(root), job_id):
                    return i + 1
        return None

    def is_known(self, root: Path, job_id: str) -> bool:
        key = (str(root), job_id)
        with self._lock:
            return key in self._running or key in self._queue

    def cancel(self, root: Path, job_id: str) -> bool:
        """Stop a queued or running job; True if it was stopped here."""
        key = (str(root), job_id)
        with self._lock:
            if key in self._queue:
                self._queue.remove(key)
                return True
            proc = self._running.pop(key, None)
        if proc is None:
            return False
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        return True

    def wait(self, root: Path, job_id: str, timeout: float = 600) -> dict:
        """Block until a job ends (for scripts and tests); return its status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.tick()
            status = job_status(Workspace(root), job_id)
            if status["state"] in FINAL:
                return status
            time.sleep(0.2)
        raise TimeoutError(f"job {job_id} did not finish in {timeout} s")


def _launch(root: Path, job_id: str) -> subprocess.Popen:
    folder = root / "jobs" / job_id
    log = open(folder / "log.txt", "ab")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(config.PROJECT_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    try:
        return subprocess.Popen([sys.executable, "-m", "embedlab.worker", str(root), job_id], stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                env=env, cwd=str(config.PROJECT_ROOT))
    finally:
        log.close()


def _finish_if_silent(root: Path, job_id: str, returncode: int) -> None:
    folder = root / "jobs" / job_id
    if folder.is_dir():
        update_status(folder, unless_final({
            "state": "failed", "finished_at": time.time(),
            "error": f"The worker stopped unexpectedly (exit code {returncode}); see the job log."}))


SCHEDULER = Scheduler()


def submit(workspace: Workspace, kind: str, args: dict, title: str) -> str:
    """Queue a job in a workspace; return its id.

    A model family's ``args["config"]`` is checked (and completed with the
    config's defaults) and the family's own check runs first, so a job that
    cannot train fails here, not in the worker. A job that repeats one that is
    still queued or running in this workspace (same kind and arguments; its
    ``name`` and ``title`` do not count) is refused: a double click, or Enter
    and then the button, starts one job, not two.

    Parameters
    ----------
    workspace : Workspace
    kind : str
        A model family's name (:func:`embedlab.train.registry.families`) or a key of :data:`TASKS`.
    args : dict
        JSON-able arguments for the job function.
    title : str
        What the user sees in the job list.

    Raises
    ------
    InputError
        Unknown kind, bad config, data the family cannot train on, a recording
        (``args["record"]``) over its limits or the disk quota, the same job
        already queued or running (the message names it), or the workspace is
        over its disk quota.
    """
    resolve(kind)
    family = registry.find(kind) if kind not in TASKS else None
    if family is not None:
        args = {**args, "config": family.make_config(args.get("config")).to_dict()}
        family.run_check(workspace, args)
        if args.get("record"):  # snapshots for Playback: limits and disk quota, before the job waits in a queue
            from embedlab.train.recording import check_job_request

            args = {**args, "record": check_job_request(workspace, kind, args)}
    workspace.check_quota(0, "Starting this job")
    with _submit_lock(workspace):
        twin = _same_job(workspace, kind, args)
        if twin is not None:
            where = (f"waiting to start (position {twin['queue_position']} in the queue)"
                     if twin["state"] == "queued" and twin.get("queue_position") else
                     "waiting to start" if twin["state"] == "queued" else
                     f"running ({float(twin.get('fraction') or 0):.0%} done)")
            raise InputError(f"The same job is already {where}: '{twin['title']}'. It was not started a second "
                             "time; wait for it, cancel it, or change a setting to train something else.")
        job_id = new_id()
        folder = workspace.jobs_dir / job_id
        folder.mkdir(parents=True)
        now = time.time()
        _write_json(folder / "job.json", {"id": job_id, "kind": kind, "args": args, "title": title,
                                          "submitted_at": now})
        _write_json(folder / "status.json", {"state": "queued", "fraction": 0.0, "message": "Waiting to start",
                                             "details": {}, "submitted_at": now})
    SCHEDULER.submit(workspace.root, job_id)
    return job_id


@contextmanager
def _submit_lock(workspace: Workspace):
    """One submit at a time per workspace (two browser tabs, or two server processes)."""
    workspace.jobs_dir.mkdir(parents=True, exist_ok=True)
    with open(workspace.jobs_dir / ".submit.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _identity(args: dict) -> str:
    """What makes two jobs of one kind the same: every argument but the model's display name."""
    return json.dumps({k: v for k, v in args.items() if k != "name"}, sort_keys=True, default=str)


def _same_job(workspace: Workspace, kind: str, args: dict) -> Optional[dict]:
    """The queued or running job of ``kind`` with the same arguments, or None."""
    wanted = _identity(args)
    for folder in workspace.jobs_dir.iterdir():
        status = _read_json(folder / "status.json") if folder.is_dir() else None
        if not status or status.get("state") not in ("queued", "running"):
            continue
        job = _read_json(folder / "job.json") or {}
        if job.get("kind") != kind or _identity(job.get("args") or {}) != wanted:
            continue
        try:
            current = job_status(workspace, folder.name)  # a job the server lost is "interrupted" now
        except InputError:
            continue
        if current["state"] in ("queued", "running"):
            return current
    return None


def job_status(workspace: Workspace, job_id: str) -> dict:
    """The status of a job, with ``title``, ``kind``, ``id`` and ``queue_position``.

    A job left ``queued`` or ``running`` by a server that has since restarted
    (its worker gone) is reported, and recorded, as ``interrupted``. A worker
    outlives a killed server (it runs in its own session) and a running job
    stays ``running`` while that very process -- pid and start time, since pids
    are reused -- is alive.

    Raises
    ------
    InputError
        Unknown or malformed job id.
    """
    if not valid_id(job_id):
        raise InputError("That is not a job id.")
    folder = workspace.jobs_dir / job_id
    job = _read_json(folder / "job.json")
    status = _read_json(folder / "status.json")
    if job is None or status is None:
        raise InputError(f"There is no job '{job_id}' in this workspace.")
    state = status.get("state")
    if state in ("queued", "running") and not SCHEDULER.is_known(workspace.root, job_id):
        def interrupted(current):
            pid = current.get("pid")
            if current.get("state") == "running" and pid and same_process_alive(int(pid), current.get("pid_start")):
                return None  # a worker that outlived a server restart: still running
            if current.get("state") not in ("queued", "running"):
                return None
            return {**current, "state": "interrupted", "finished_at": time.time(),
                    "error": "The server stopped while this job was waiting or running. Start it again."}

        status, _ = update_status(folder, interrupted)
    status.update(id=job_id, title=job.get("title", job_id), kind=job.get("kind"), args=job.get("args", {}),
                  queue_position=SCHEDULER.position(workspace.root, job_id) if status["state"] == "queued" else None)
    return status


def list_jobs(workspace: Workspace) -> list:
    """Statuses of all jobs in a workspace, newest first."""
    out = []
    for folder in workspace.jobs_dir.iterdir():
        if folder.is_dir() and (folder / "job.json").is_file():
            try:
                out.append(job_status(workspace, folder.name))
            except InputError:
                continue
    return sorted(out, key=lambda s: s.get("submitted_at", 0), reverse=True)


def cancel(workspace: Workspace, job_id: str) -> None:
    """Cancel a queued or running job; nothing it was writing is registered.

    The state becomes ``cancelled`` first (compare-and-swap: a job that has
    just ended keeps its state), so a worker that reports progress meanwhile
    stops itself; then the worker is stopped: by the scheduler that started
    it, or, for a worker that outlived a server restart, by its pid and start
    time (SIGTERM to its process group, SIGKILL after 5 s).
    """
    status = job_status(workspace, job_id)
    if status["state"] in FINAL:
        return
    folder = workspace.jobs_dir / job_id
    current, changed = update_status(folder, unless_final({"state": "cancelled", "finished_at": time.time(),
                                                            "message": "Cancelled"}))
    if not changed:
        return  # it ended on its own just now
    if not SCHEDULER.cancel(workspace.root, job_id) and current.get("pid"):
        _stop_process(int(current["pid"]), current.get("pid_start"))
    workspace.recover()


def forget(workspace: Workspace, job_id: str) -> None:
    """Remove a finished job's folder from the list."""
    import shutil

    if job_status(workspace, job_id)["state"] in FINAL:
        shutil.rmtree(workspace.jobs_dir / job_id, ignore_errors=True)
