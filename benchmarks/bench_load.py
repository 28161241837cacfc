"""Ten visitors start training at once: does the server keep answering, do jobs queue, do all finish?

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

Run from the repo root: ``python benchmarks/bench_load.py`` (about 5-15 minutes
on 2 busy cores; stops by itself; loopback only). Last line: JSON.
"""

from __future__ import annotations

import argparse
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--max-jobs", type=int, default=2)
    ap.add_argument("--idle-samples", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=1500, help="give up after this many seconds of load")
    args = ap.parse_args()

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
