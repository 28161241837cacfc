"""Faults: a writer killed with SIGKILL mid-save or mid-training, and damaged model files.

The kills are real: a child process saves or trains, the test sends SIGKILL at
different moments, then opens ``Workspace(root)`` again exactly as a restarted
server does, and checks the invariants:

* every registry row loads (the registry names only complete models);
* no ``.partial-*`` directory is left once its writer is dead;
* a renamed-but-unregistered directory (kill between rename and registry
  insert) is never listed and is removed once it is older than a minute;
* a job whose worker died reports ``failed``/``interrupted``, never ``running``.
"""

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import embedlab
from embedlab import config, jobs, store
from embedlab.store import Workspace

from conftest import ROOT, make_space

PY = sys.executable
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

# Saves a biggish random space over and over; prints "saved <id>" after each.
# With EMBEDLAB_TEST_PAUSE_AFTER_RENAME set, it stops right after renaming the
# partial folder (before the registry insert) and prints "renamed".
SAVER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    import numpy as np
    from embedlab import Space
    from embedlab.store import Workspace
    root, n = sys.argv[1], int(sys.argv[2])
    if os.environ.get("EMBEDLAB_TEST_PAUSE_AFTER_RENAME"):
        real_rename = Path.rename
        def rename(self, target):
            out = real_rename(self, target)
            if self.name.startswith(".partial-"):
                print("renamed", flush=True)
                time.sleep(60)
            return out
        Path.rename = rename
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(n)]
    space = Space.from_vectors(words, rng.standard_normal((n, 100)).astype(np.float32))
    ws = Workspace(root)
    print("ready", flush=True)
    while True:
        print("saved", ws.save_space(space, name="big"), flush=True)
""")


def _check_invariants(root: Path) -> Workspace:
    ws = Workspace(root)  # what a restarted server does
    models = ws.models()
    for model_id in models["id"]:
        loaded = ws.load_space(model_id)  # raises if the registry named an incomplete model
        assert len(loaded) == int(models.set_index("id").loc[model_id, "vocab_size"])
    assert set(models["status"]) <= {"ready"}
    for sub in ("models", "corpora"):
        leftovers = [p.name for p in (root / sub).iterdir() if p.name.startswith(".partial-")]
        assert leftovers == [], leftovers
    return ws


def _start(args, env=ENV):
    return subprocess.Popen([PY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=str(ROOT))


def _wait_line(proc, prefix, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"child ended early: {proc.stderr.read()}")
        if line.startswith(prefix):
            return line.strip()
    raise AssertionError(f"no {prefix!r} line in {timeout} s")


def _kill(proc):
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL


def test_kill_during_save_leaves_only_complete_models(tmp_path):
    root = tmp_path / "ws"
    script = tmp_path / "saver.py"
    script.write_text(SAVER)
    rng = random.Random(8)
    saved_total = 0
    # Kill at different moments: early (first save in flight) and later (after a few saves)
    for delay in (0.05, 0.3, rng.uniform(0.1, 1.5), rng.uniform(0.1, 1.5)):
        proc = _start([str(script), str(root), "60000"])
        _wait_line(proc, "ready")
        time.sleep(delay)
        _kill(proc)
        ws = _check_invariants(root)
        saved_total = len(ws.models())
    assert saved_total >= 1, "no save completed: the kills came too early to test anything"


def test_kill_between_rename_and_registry_insert(tmp_path):
    root = tmp_path / "ws"
    script = tmp_path / "saver.py"
    script.write_text(SAVER)
    proc = _start([str(script), str(root), "2000"], env={**ENV, "EMBEDLAB_TEST_PAUSE_AFTER_RENAME": "1"})
    _wait_line(proc, "renamed")
    _kill(proc)
    ws = _check_invariants(root)
    assert ws.models().empty  # the renamed folder was never registered, so it is not a model
    (orphan,) = [p for p in (root / "models").iterdir()]
    assert ws.recover() == []  # young: it might belong to a writer about to register it
    old = time.time() - 3600
    os.utime(orphan, (old, old))
    Workspace(root)  # the next restart removes it
    assert not orphan.exists()


def test_partial_of_a_restarted_server_with_the_same_pid_is_removed(tmp_path):
    # A restarted container often gives the new server the killed one's pid.
    ws = Workspace(tmp_path)
    start = store.proc_start(os.getpid())
    if start is None:
        pytest.skip("process start times need Linux /proc")
    stale = tmp_path / "models" / f".partial-{os.getpid()}-{start - 1}-abc"
    stale.mkdir()
    mine = ws._partial_dir(ws.models_dir, "def")
    mine.mkdir()
    assert ws.recover() == [stale]
    assert mine.exists()


def _worker_pid(ws, job_id, min_fraction, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = json.loads((ws.jobs_dir / job_id / "status.json").read_text())
        if status.get("state") == "running" and status.get("fraction", 0) >= min_fraction:
            return status["pid"]
        assert status.get("state") in ("queued", "running"), status
        time.sleep(0.05)
    raise AssertionError("the job never got going")


@pytest.mark.slow
def test_worker_killed_mid_training(tmp_path):
    root = tmp_path / "ws"
    ws = Workspace(root)
    corpus = embedlab.prepare_sample(ws, "lee_background")
    cfg = embedlab.Word2VecConfig(architecture="cbow", vector_size=50, min_count=2, epochs=200, workers=1)
    args = {"corpus_id": corpus.id, "config": cfg.to_dict(), "name": "doomed"}

    # 1. The server is alive and sees its worker die: the job is failed at once.
    job_id = jobs.submit(ws, "word2vec", args, title="doomed")
    pid = _worker_pid(ws, job_id, 0.05)
    os.kill(pid, signal.SIGKILL)
    status = jobs.SCHEDULER.wait(root, job_id, timeout=30)
    assert status["state"] == "failed" and "stopped unexpectedly" in status["error"]

    # 2. The server is gone too: a worker launched by a server that no longer
    # exists dies; after the restart the job shows as interrupted, not running.
    job_id = jobs.submit(ws, "word2vec", args, title="orphaned")
    jobs.SCHEDULER.cancel(root, job_id)  # the scheduler forgets it, as a dead server's would
    folder = ws.jobs_dir / job_id
    worker = subprocess.Popen([PY, "-m", "embedlab.worker", str(root), job_id], env=ENV, cwd=str(ROOT),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _worker_pid(ws, job_id, 0.05)
    running = jobs.job_status(Workspace(root), job_id)
    assert running["state"] == "running"  # a live worker outlives a restarted server
    worker.kill()
    worker.wait()
    restarted = Workspace(root)
    assert jobs.job_status(restarted, job_id)["state"] == "interrupted"
    assert json.loads((folder / "status.json").read_text())["state"] == "interrupted"  # recorded, not just shown
    _check_invariants(root)
    assert restarted.models().empty  # neither killed training registered a model


def test_running_job_with_a_reused_pid_is_interrupted(tmp_path):
    ws = Workspace(tmp_path)
    job_id = "abcdef012345"
    folder = ws.jobs_dir / job_id
    folder.mkdir()
    (folder / "job.json").write_text(json.dumps({"id": job_id, "kind": "word2vec", "args": {}, "title": "t"}))
    start = store.proc_start(os.getpid())
    if start is None:
        pytest.skip("process start times need Linux /proc")
    # our own (alive) pid, but a start time that is not ours: the worker that wrote it is gone
    (folder / "status.json").write_text(json.dumps({"state": "running", "pid": os.getpid(), "pid_start": start - 1}))
    assert jobs.job_status(ws, job_id)["state"] == "interrupted"


# -- damaged model files: listed as damaged, the app keeps running -------------------------

def _corrupt(folder: Path, how: str) -> None:
    if how == "truncated vectors":
        data = (folder / "vectors.npy").read_bytes()
        (folder / "vectors.npy").write_bytes(data[: len(data) // 2])
    elif how == "garbage vectors":
        (folder / "vectors.npy").write_bytes(os.urandom(300))
    elif how == "missing meta":
        (folder / "meta.parquet").unlink()
    elif how == "truncated meta":
        data = (folder / "meta.parquet").read_bytes()
        (folder / "meta.parquet").write_bytes(data[:-10])
    elif how == "bad info":
        (folder / "info.json").write_text("{not json")
    else:  # pragma: no cover
        raise ValueError(how)


CORRUPTIONS = ["truncated vectors", "garbage vectors", "missing meta", "truncated meta", "bad info"]


@pytest.mark.parametrize("how", CORRUPTIONS)
def test_damaged_model_is_listed_as_damaged(tmp_path, how):
    ws = Workspace(tmp_path)
    rng = np.random.default_rng(1)
    model_id = ws.save_space(make_space({f"w{i}": rng.standard_normal(8) for i in range(50)}), name="victim")
    assert ws.models()["status"].tolist() == ["ready"]
    _corrupt(ws.models_dir / model_id, how)
    assert ws.models()["status"].tolist() == ["damaged"]
    with pytest.raises(embedlab.InputError, match="damaged"):
        ws.load_space(model_id)


@pytest.mark.parametrize("how", ["truncated vectors", "missing meta"])
def test_app_keeps_running_with_a_damaged_active_model(how):
    ws = Workspace(config.home())
    rng = np.random.default_rng(2)
    good = ws.save_space(make_space({f"g{i}": rng.standard_normal(8) for i in range(30)}), name="good one")
    bad = ws.save_space(make_space({f"b{i}": rng.standard_normal(8) for i in range(30)}), name="broken one")
    ws.set_setting("active_model", bad)
    _corrupt(ws.models_dir / bad, how)

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    assert any("broken one" in w.value and "damaged" in w.value for w in at.sidebar.warning)
    # the picker offers only the good model
    picker = at.sidebar.selectbox(key="sidebar-active-model")
    assert picker.value is None and len(picker.options) == 1 and "good one" in picker.options[0]
    for page in ("pages/home.py", "pages/explore.py", "pages/data.py", "pages/train.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)

    at.switch_page("pages/models.py").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value.set_index("name")
    assert table.loc["broken one", "status"] == "damaged" and table.loc["good one", "status"] == "ready"
    assert any("broken one" in w.value for w in at.warning)
    # the damaged model can still be deleted from the app
    [s for s in at.selectbox if s.label == "Model"][0].set_value(bad).run()
    [b for b in at.button if b.label == "Delete"][0].click().run()
    [b for b in at.button if b.label == "Yes, delete 'broken one'"][0].click().run()
    assert not at.exception, at.exception
    assert any("Deleted the model 'broken one'" in s.value for s in at.success)
    assert Workspace(config.home()).models()["id"].tolist() == [good]


# -- cancel against a worker: compare-and-swap on status.json, orphans of a restarted server ---------------

def test_status_compare_and_swap_never_loses_a_cancel(tmp_path):
    import threading

    folder = tmp_path / "job"
    folder.mkdir()
    (folder / "status.json").write_text(json.dumps({"state": "running", "fraction": 0.0}))
    refused, stop = [], threading.Event()

    def worker():  # reports progress as fast as it can, as a worker's progress callback does
        i = 0
        while not stop.is_set():
            i += 1
            _, written = jobs.update_status(folder, jobs.unless_final({"state": "running", "fraction": i / 1e6}))
            if not written:
                refused.append(i)
                return

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    status, changed = jobs.update_status(folder, jobs.unless_final({"state": "cancelled"}))
    at_cancel = status["fraction"]
    time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join()
    final = json.loads((folder / "status.json").read_text())
    assert changed and final["state"] == "cancelled" and final["fraction"] == at_cancel
    assert len(refused) == 3  # every writer saw the cancel on its next report and stopped


def _orphan_job(ws, monkeypatch, name):
    """A running job whose worker the scheduler of this 'server' does not know (as after a restart)."""
    corpus = embedlab.prepare_sample(ws, "lee_background")
    cfg = embedlab.Word2VecConfig(architecture="cbow", vector_size=50, min_count=2, epochs=200, workers=1)
    with monkeypatch.context() as m:
        m.setattr(jobs.SCHEDULER, "submit", lambda root, job_id: None)  # the old server queued it ...
        job_id = jobs.submit(ws, "word2vec", {"corpus_id": corpus.id, "config": cfg.to_dict(), "name": name}, name)
    proc = jobs._launch(ws.root, job_id)  # ... and started its worker, then died
    _worker_pid(ws, job_id, 0.02)
    return job_id, proc


@pytest.mark.slow
def test_cancel_stops_a_worker_that_outlived_the_server_and_orphans_hold_a_slot(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_JOBS", "1")
    ws = Workspace(tmp_path / "ws")
    orphan, proc = _orphan_job(ws, monkeypatch, "orphan")
    try:
        _cancel_orphan_and_check(ws, orphan, proc)
    finally:  # never leave a training process behind when the test fails
        if proc.poll() is None:
            proc.kill()
        for job_id in [p.name for p in ws.jobs_dir.iterdir() if p.is_dir()]:
            jobs.cancel(ws, job_id)


def _cancel_orphan_and_check(ws, orphan, proc):
    assert not jobs.SCHEDULER.is_known(ws.root, orphan)
    assert jobs.job_status(ws, orphan)["state"] == "running"

    # the orphan holds the only slot: a new job waits
    corpus_id = ws.corpora()["id"].iloc[0]
    waiting = jobs.submit(ws, "word2vec", {"corpus_id": corpus_id, "config": {"epochs": 1}, "name": "next"}, "next")
    for _ in range(4):
        jobs.SCHEDULER.tick()
        time.sleep(0.3)
    status = jobs.job_status(ws, waiting)
    assert status["state"] == "queued" and status["queue_position"] == 1

    # Cancel reaches the orphan by pid + start time; it stays cancelled and registers nothing
    jobs.cancel(ws, orphan)
    proc.wait(timeout=15)
    time.sleep(1.0)  # a surviving worker would have reported progress (every 0.25 s) by now
    assert json.loads((ws.jobs_dir / orphan / "status.json").read_text())["state"] == "cancelled"
    assert jobs.job_status(ws, orphan)["state"] == "cancelled"
    # the slot is free again: the waiting job starts
    status = jobs.SCHEDULER.wait(ws.root, waiting, timeout=180)
    assert status["state"] == "done"
    assert ws.models()["name"].tolist() == ["next"]
