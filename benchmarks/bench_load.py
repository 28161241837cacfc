"""A classroom on one server: does it keep answering, within its memory, while jobs train?

Two scenarios (``--scenario``):

``classroom`` (the default; issue 14): an instructor has published one
50,000 × 300 model. Two visitors press "Train a demo model" (two trainings
run); then 30 simulated students, each in a private workspace with the
published model active, each over its own websocket session (Streamlit's own
protocol, as a browser speaks it: ``/_stcore/stream``, protobuf ``BackMsg`` /
``ForwardMsg``, no browser), open the home page, open Explore (PCA of the
default 2,000 words), project the 5,000 most frequent words (the form's
"N most frequent" = 5,000, submitted), open the Analogies page (the default
analogy) and ask another analogy. Printed: the server process's peak RSS
(``VmHWM`` of ``/proc/<pid>/status``; job workers are other processes), the
time of every page request (send the rerun -> the script's "finished"
message) p50/p95, the same on the idle server first (the baseline), plain
``GET /`` p50/p95 meanwhile, and what failed (an exception or error shown, a
timeout, a training not done). Targets: peak RSS ≤ 3 GB, page-request
p95 ≤ 500 ms.

``trainings`` (issue 9): ten visitors start training at once.
Starts ``streamlit run app.py`` on 127.0.0.1 (shared mode, EMBEDLAB_MAX_JOBS=2),
opens ten real browser sessions (headless Chromium, one context each, so ten
private workspaces) and has each click "Train a demo model" at once. While the
jobs run it measures, over and over:

* HTTP GET of the app page and of Streamlit's ``/_stcore/health``;
* a full page load in a fresh browser tab until the home page's content is
  drawn (this runs the app script over the websocket, like a real visit).

The same measurements on the idle server, taken first, are the baseline; the
script prints p50/p95 of each and their load/idle ratio, how many of the ten
jobs finished, and the highest queue position the pages showed.

Run from the repo root: ``python benchmarks/bench_load.py`` (classroom: about
5-10 minutes on 2 busy cores; trainings: 5-15 minutes; stops by itself;
loopback only). Last line: JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from streamlit_server import CHROMIUM, CHROMIUM_ARGS, StreamlitServer  # noqa: E402

HOME_TEXT = "Train a demo model"


def pct(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


TIMEOUT_S = 30


def http_ms(url: str) -> float:
    """Milliseconds to fetch ``url``; a request that times out counts as the timeout (and is reported)."""
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as r:
            r.read()
    except OSError as exc:
        print(f"  GET {url} failed after {time.perf_counter() - t:.1f} s: {exc}", flush=True)
        FAILURES["http"] += 1
        return TIMEOUT_S * 1000.0
    return (time.perf_counter() - t) * 1000


FAILURES = {"http": 0, "browser": 0}


def page_load_ms(browser, url: str) -> float:
    context = browser.new_context()
    try:
        page = context.new_page()
        t = time.perf_counter()
        page.goto(url, timeout=60_000)
        page.get_by_text(HOME_TEXT).first.wait_for(state="visible", timeout=60_000)
        return (time.perf_counter() - t) * 1000
    finally:
        context.close()


def job_states(home: Path) -> list:
    out = []
    for f in home.glob("workspaces/*/jobs/*/status.json"):
        try:
            out.append(json.loads(f.read_text()))
        except (OSError, ValueError):
            pass
    return out


def stop_workers(home: Path) -> None:
    """Stop job workers our server started that are still running (by pid from their status file)."""
    for status in job_states(home):
        if status.get("state") == "running" and status.get("pid"):
            try:
                os.killpg(int(status["pid"]), signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass


# -- the classroom scenario (issue 14) ------------------------------------------------------------------

RSS_TARGET_MB = 3 * 1024
P95_TARGET_MS = 500


def peak_rss_mb(pid: int) -> tuple:
    """(current, peak) resident memory of process ``pid`` in MB, from /proc/<pid>/status."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, value = line.split(":", 1)
            fields[key] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", float("nan")), fields.get("VmHWM", float("nan"))


def publish_model(home: Path, n_words: int) -> tuple:
    """An instructor's published n_words x 300 model (random vectors; analogy words first); 30 student workspaces."""
    import secrets

    import numpy as np

    from embedlab import Space
    from embedlab.store import Workspace

    # the words the pages ask about by default (analogies, odd one out, similarity, the home page's probe)
    words = ["man", "king", "woman", "queen", "breakfast", "cereal", "dinner", "lunch", "good", "bad", "great",
             "excellent", "awful", "terrible", "movie", "funny", "actor"]
    words += [f"w{i}" for i in range(n_words - len(words))]
    rng = np.random.default_rng(0)
    space = Space.from_vectors(words, rng.standard_normal((n_words, 300)).astype(np.float32))
    space.meta["count"] = np.arange(n_words, 0, -1)
    teacher = Workspace(home / "workspaces" / secrets.token_urlsafe(24))
    own = teacher.save_space(space, name="class model")
    pub_id = teacher.publish_model(own)
    teacher.delete_model(own)
    return pub_id, words


def make_students(home: Path, n: int, pub_id: str) -> list:
    import secrets

    from embedlab.store import Workspace

    tokens = []
    for _ in range(n):
        token = secrets.token_urlsafe(24)
        Workspace(home / "workspaces" / token).set_setting("active_model", pub_id)
        tokens.append(token)
    return tokens


async def student(url: str, token: str, i: int, times: list, failures: list, stagger: float) -> None:
    """One student: home, Explore (2,000 then 5,000 words, PCA), Analogies (default, then another)."""
    from streamlit_client import Session

    await asyncio.sleep(stagger)
    session = Session(url, f"ws={token}")

    async def request(what, **kwargs):
        try:
            run = await session.rerun(**kwargs)
        except Exception as exc:  # a timeout or a dropped connection is a finding
            failures.append(f"student {i}, {what}: {exc!r}")
            return None
        times.append((what, run.seconds))
        for text in run.exceptions + run.errors:
            failures.append(f"student {i}, {what}: {text[:200]}")
        return run

    try:
        await session.connect()
        await request("home")
        await request("explore", page="explore")
        session.set_value("explore-n", double_value=5000)
        await request("explore 5,000 words", page="explore", click="Project")
        await request("analogies", page="analogies")
        session.set_value("an-c", string_value=f"w{100 + i}")
        await request("another analogy", page="analogies")
    except Exception as exc:
        failures.append(f"student {i}: {exc!r}")
    finally:
        await session.close()


async def start_training(url: str, failures: list) -> None:
    from streamlit_client import Session

    session = Session(url)
    await session.connect()
    await session.rerun()
    run = await session.rerun(click="🚀 Train a demo model")
    failures.extend(f"training: {t[:200]}" for t in run.exceptions + run.errors)
    await session.close()


def classroom(n_students: int, n_words: int, max_jobs: int, timeout: float) -> int:
    home = Path(tempfile.mkdtemp(prefix="embedlab-classroom-"))
    os.environ["EMBEDLAB_HOME"] = str(home)
    os.environ["EMBEDLAB_SHARED"] = "1"
    t = time.perf_counter()
    pub_id, _ = publish_model(home, n_words)
    tokens = make_students(home, n_students + 1, pub_id)
    print(f"published a {n_words:,} x 300 model and made {n_students} student workspaces in "
          f"{time.perf_counter() - t:.1f} s", flush=True)
    server = StreamlitServer(home, env={"EMBEDLAB_SHARED": "1", "EMBEDLAB_MAX_JOBS": str(max_jobs)})
    idle_times, times, failures, http, rss_samples = [], [], [], [], []
    result = {"students": n_students, "model_words": n_words, "model_dim": 300, "max_jobs": max_jobs}
    try:
        server.start()
        pid = server.proc.pid

        # baseline: the same requests by one student on the idle server (after one warm-up visit)
        asyncio.run(student(server.url, tokens[-1], 0, [], [], 0))
        asyncio.run(student(server.url, tokens[-1], 1, idle_times, failures, 0))
        idle_http = [http_ms(server.url + "/") for _ in range(20)]
        rss_idle = peak_rss_mb(pid)
        print(f"idle: one student's {len(idle_times)} requests p50 {pct([s for _, s in idle_times], 50) * 1000:.0f} "
              f"ms (" + ", ".join(f"{w} {s * 1000:.0f} ms" for w, s in idle_times) + f"); server RSS "
              f"{rss_idle[0]:.0f} MB (peak {rss_idle[1]:.0f} MB)", flush=True)

        # two visitors start training; then the class arrives (spread over ~10 s, as a class does)
        async def two_trainings():
            await asyncio.gather(*(start_training(server.url, failures) for _ in range(2)))

        asyncio.run(two_trainings())
        started = time.monotonic()

        async def load():
            stop = asyncio.Event()

            async def sample():
                while not stop.is_set():
                    rss_samples.append(peak_rss_mb(pid)[0])
                    http.append(await asyncio.to_thread(http_ms, server.url + "/"))
                    await asyncio.sleep(0.5)

            sampler = asyncio.create_task(sample())
            await asyncio.wait_for(asyncio.gather(*(student(server.url, tokens[i], i, times, failures, i * 10 / n_students)
                                                    for i in range(n_students))), timeout)
            stop.set()
            await sampler

        asyncio.run(load())
        load_s = time.monotonic() - started
        states = [s.get("state") for s in job_states(home)]
        running_at_end = sum(s in ("queued", "running") for s in states)
        print(f"{n_students} students done in {load_s:.0f} s; trainings: " +
              ", ".join(f"{k}={states.count(k)}" for k in sorted(set(states))) +
              " (queued/running at the end = they ran throughout)", flush=True)
        while time.monotonic() - started < timeout and any(
                s.get("state") in ("queued", "running") for s in job_states(home)):
            time.sleep(2)
        rss_now, rss_peak = peak_rss_mb(pid)
    finally:
        server.stop()
        stop_workers(home)
    states = [s.get("state") for s in job_states(home)]
    trainings_done = states.count("done")
    if trainings_done < 2:
        failures.append(f"trainings: {states}")
    req = [s * 1000 for _, s in times]
    idle = [s * 1000 for _, s in idle_times]
    p50, p95, i50, i95 = pct(req, 50), pct(req, 95), pct(idle, 50), pct(idle, 95)
    h50, h95 = pct(http, 50), pct(http, 95)
    print(f"\npage requests (GET /, as the README measures them) under load: p50 {h50:.0f} ms, p95 {h95:.0f} ms "
          f"(idle p50 {pct(idle_http, 50):.0f} ms, p95 {pct(idle_http, 95):.0f} ms); target p95 ≤ {P95_TARGET_MS} ms: "
          f"ratio {h95 / P95_TARGET_MS:.2f}")
    print(f"student actions (a whole script run, projection and analogy included) under load: {len(req)} of "
          f"{5 * n_students}, p50 {p50:.0f} ms, p95 {p95:.0f} ms (the same by one student on the idle server: "
          f"p50 {i50:.0f} ms, p95 {i95:.0f} ms; ratio p50 {p50 / i50:.1f}, p95 {p95 / i95:.1f}); against the "
          f"{P95_TARGET_MS} ms target: ratio {p95 / P95_TARGET_MS:.2f}")
    for what in dict.fromkeys(w for w, _ in times):
        these = [s * 1000 for w, s in times if w == what]
        idle_these = [s * 1000 for w, s in idle_times if w == what]
        print(f"  {what:24s} p50 {pct(these, 50):7.0f} ms  p95 {pct(these, 95):7.0f} ms  (n={len(these)}; idle "
              f"{pct(idle_these, 50):.0f} ms)")
    print(f"server peak RSS {rss_peak:.0f} MB (idle {rss_idle[0]:.0f} MB; target ≤ {RSS_TARGET_MB} MB: ratio "
          f"{rss_peak / RSS_TARGET_MB:.2f}); {n_students} private copies of the model and its unit-length twin "
          f"would be {n_students * n_words * 300 * 8 / 2**20:,.0f} MB")
    print(f"failed: {len(failures)}" + "".join(f"\n  {f}" for f in failures[:20]))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (a shared machine: other work ran too)")
    result.update(server_peak_rss_mb=round(rss_peak, 1), server_idle_rss_mb=round(rss_idle[0], 1),
                  page_request_p50_ms=round(h50, 1), page_request_p95_ms=round(h95, 1),
                  idle_page_request_p50_ms=round(pct(idle_http, 50), 1),
                  student_action_p50_ms=round(p50, 1), student_action_p95_ms=round(p95, 1),
                  idle_student_action_p50_ms=round(i50, 1), idle_student_action_p95_ms=round(i95, 1),
                  student_actions=len(req), failed=len(failures) + FAILURES["http"],
                  trainings_done=trainings_done, trainings_running_when_students_finished=running_at_end,
                  load_seconds=round(load_s, 1), rss_target_mb=RSS_TARGET_MB, p95_target_ms=P95_TARGET_MS,
                  load_average=round(os.getloadavg()[0], 1))
    shutil.rmtree(home, ignore_errors=True)
    print(json.dumps(result))
    return 0 if not failures else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", choices=["classroom", "trainings"], default="classroom")
    ap.add_argument("--sessions", type=int, default=None, help="students (classroom, 30) or visitors (trainings, 10)")
    ap.add_argument("--max-jobs", type=int, default=2)
    ap.add_argument("--idle-samples", type=int, default=20)
    ap.add_argument("--words", type=int, default=50_000, help="words of the published model (classroom)")
    ap.add_argument("--timeout", type=float, default=1500, help="give up after this many seconds of load")
    args = ap.parse_args()
    if args.scenario == "classroom":
        return classroom(args.sessions or 30, args.words, args.max_jobs, args.timeout)
    args.sessions = args.sessions or 10

    from playwright.sync_api import sync_playwright

    home = Path(tempfile.mkdtemp(prefix="embedlab-load-"))
    server = StreamlitServer(home, env={"EMBEDLAB_SHARED": "1", "EMBEDLAB_MAX_JOBS": str(args.max_jobs)})
    idle = {"http": [], "health": [], "browser": []}
    load = {"http": [], "health": [], "browser": []}
    max_pos, started = 0, None
    try:
        server.start()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page_load_ms(browser, server.url)  # warm up: first script run imports everything
            for i in range(args.idle_samples):
                idle["http"].append(http_ms(server.url + "/"))
                idle["health"].append(http_ms(server.url + "/_stcore/health"))
                if i % 4 == 0:
                    idle["browser"].append(page_load_ms(browser, server.url))
                time.sleep(0.1)

            # ten visitors, each in a private workspace, press the demo button at once
            pages = []
            for _ in range(args.sessions):
                page = browser.new_context().new_page()
                page.goto(server.url)
                page.get_by_text(HOME_TEXT).first.wait_for(state="visible", timeout=120_000)
                pages.append(page)
            token = re.search(r"ws=([^&]+)", pages[0].url).group(1)
            started = time.monotonic()
            for page in pages:
                page.get_by_role("button", name=re.compile(HOME_TEXT)).first.click(no_wait_after=True)
            print(f"{args.sessions} sessions pressed '{HOME_TEXT}'", flush=True)

            i, finished = 0, 0
            while time.monotonic() - started < args.timeout:
                load["http"].append(http_ms(server.url + "/"))
                load["health"].append(http_ms(server.url + "/_stcore/health"))
                if i % 4 == 0:
                    try:
                        load["browser"].append(page_load_ms(browser, f"{server.url}/?ws={token}"))
                    except Exception as exc:  # a page that does not load in 60 s is a finding, not a crash
                        FAILURES["browser"] += 1
                        print(f"  page load failed: {str(exc).splitlines()[0]}", flush=True)
                for page in (pages if i % 3 == 0 else ()):  # reading ten tabs loads the browser, not the server
                    for m in re.finditer(r"position (\d+) in the queue", page.inner_text("body", timeout=30_000)):
                        max_pos = max(max_pos, int(m.group(1)))
                states = [s.get("state") for s in job_states(home)]
                finished = sum(s in ("done", "failed", "cancelled", "interrupted") for s in states)
                if i % 10 == 0:
                    print(f"  t={time.monotonic() - started:5.0f}s jobs: " +
                          ", ".join(f"{k}={states.count(k)}" for k in sorted(set(states))) +
                          f" · max queue position seen {max_pos}", flush=True)
                if len(states) >= args.sessions and finished == len(states):
                    break
                i += 1
                time.sleep(0.5)
            for page in pages:
                page.context.close()
            browser.close()
    finally:
        server.stop()
        stop_workers(home)

    states = job_states(home)
    done = sum(s.get("state") == "done" for s in states)
    wall = time.monotonic() - started if started else float("nan")
    print(f"\njobs: {len(states)} submitted, {done} done in {wall:.0f} s; highest queue position shown: {max_pos}")
    result = {"jobs_submitted": len(states), "jobs_finished": done, "max_queue_position": max_pos,
              "load_seconds": round(wall, 1), "sessions": args.sessions, "max_jobs": args.max_jobs}
    print(f"{'':24s}{'idle p50':>10s}{'idle p95':>10s}{'load p50':>10s}{'load p95':>10s}{'p50 ratio':>10s}")
    for key, label in (("http", "GET / (ms)"), ("health", "GET /_stcore/health"), ("browser", "browser page load")):
        i50, i95, l50, l95 = pct(idle[key], 50), pct(idle[key], 95), pct(load[key], 50), pct(load[key], 95)
        ratio = l50 / i50 if i50 else float("nan")
        print(f"{label:24s}{i50:10.1f}{i95:10.1f}{l50:10.1f}{l95:10.1f}{ratio:10.2f}  (n={len(idle[key])}/{len(load[key])})")
        prefix = "" if key == "http" else f"{key}_"
        result.update({f"{prefix}idle_p50_ms": round(i50, 1), f"{prefix}idle_p95_ms": round(i95, 1),
                       f"{prefix}load_p50_ms": round(l50, 1), f"{prefix}load_p95_ms": round(l95, 1),
                       f"{prefix}p50_ratio": round(ratio, 2)})
    result["http_requests_failed"] = FAILURES["http"]
    result["page_loads_failed"] = FAILURES["browser"]
    shutil.rmtree(home, ignore_errors=True)
    print(json.dumps(result))
    return 0 if done == args.sessions else 1


if __name__ == "__main__":
    sys.exit(main())
