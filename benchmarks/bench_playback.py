"""Playback of a training run (issue 21): what recording costs, what the browser gets, how fast it plays.

Figures (one JSON line at the end):

* ``record_overhead`` -- training time with recording ÷ without: Word2Vec
  skip-gram with the app's defaults (100 dimensions, 2 workers) on the shipped
  movie reviews, 5 epochs, 10 snapshots per epoch of the 2,000 most frequent
  words. Baseline: the same training as the app runs it without recording
  (gensim's ``corpus_file`` mode, one ``train()`` call); with two workers a
  recording trains the same way and takes its snapshots while the threads
  run (``recording.train_gensim_timed``). The two run ``--repeats`` times,
  one after the other in each round; the figure is the median of the rounds'
  ratios (the machine is shared, and its speed drifts between rounds more than
  within one), the best times of each are printed too.
* ``playback_payload_mb`` -- bytes (10^6) of the playback figure's JSON for
  that recording: up to 51 snapshots (the initial one and 10 an epoch) × 2,000 words. The
  seconds the training job then spends aligning and measuring the snapshots
  once (``playback_job_s``, after training, not in its time) are printed too.
* ``frame_ms`` -- moving the slider one step in headless Chromium, on the
  Playback page of a real ``streamlit run app.py``: from the mouse-down on the
  slider's rail to the second animation frame after plotly's
  ``plotly_animated`` event (the frame is painted); p95 over ``--frames``
  steps (median printed too).
* ``toy_step_ms`` -- one update of the toy word2vec (``ToyWord2Vec.step(1)``,
  its loss-curve refresh included), mean over 2,000 calls, on the wevi
  preset with skip-gram and full softmax (negative sampling printed too).

Targets: record_overhead ≤ 1.10, playback_payload_mb ≤ 5, frame_ms p95 ≤ 300,
toy_step_ms ≤ 5.

Usage: python benchmarks/bench_playback.py [--repeats 3] [--frames 50] [--no-browser]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import embedlab  # noqa: E402
from embedlab.train.recording import Recorder, RecordRequest  # noqa: E402
from embedlab.train.word2vec import Word2VecConfig, train_word2vec  # noqa: E402

TARGETS = {"record_overhead": 1.10, "playback_payload_mb": 5.0, "frame_ms": 300.0, "toy_step_ms": 5.0}


def timed_trainings(corpus, cfg, request, repeats):
    times = {"without recording": [], "with recording": []}
    recorded = None
    for r in range(repeats):
        t0 = time.perf_counter()
        train_word2vec(corpus, cfg)
        times["without recording"].append(time.perf_counter() - t0)
        rec = Recorder(request)
        t0 = time.perf_counter()
        space = train_word2vec(corpus, cfg, recorder=rec)
        times["with recording"].append(time.perf_counter() - t0)
        recorded = (space, rec)
        print(f"  round {r + 1}: " + ", ".join(f"{k.split(' (')[0]} {v[-1]:.1f} s" for k, v in times.items()),
              flush=True)
    return times, recorded


FRAME_JS_SETUP = """() => {
    const gd = [...document.querySelectorAll('.js-plotly-plot')].find(g => g.layout && g.layout.sliders);
    window.__gd = gd;
    window.__t0 = null; window.__t2 = null;
    document.addEventListener('mousedown', e => { window.__t0 = e.timeStamp; }, true);
    gd.on('plotly_animated', () => requestAnimationFrame(() => requestAnimationFrame(() => {
        window.__t2 = performance.now(); })));
    return gd.layout.sliders[0].steps.length;
}"""


def frame_times(home: Path, n_steps: int) -> list:
    from playwright.sync_api import sync_playwright

    from streamlit_server import CHROMIUM, CHROMIUM_ARGS, StreamlitServer
    from journey import goto_page, wait_text

    out = []
    with StreamlitServer(home, env={"EMBEDLAB_SHARED": "", "EMBEDLAB_UMAP_WARMUP": "0"}) as server, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.set_default_timeout(120_000)
        page.goto(server.url)
        wait_text(page, "Train a demo model")
        goto_page(page, "Playback")
        wait_text(page, "Download the animation", 180_000)
        page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].some(g => g.layout && "
                               "g.layout.sliders)")
        n = page.evaluate(FRAME_JS_SETUP)
        rail = page.locator(".slider-rail-rect").first
        rail.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        box = rail.bounding_box()
        for k in range(1, min(n_steps, n - 1) + 1):
            page.evaluate("() => { window.__t0 = null; window.__t2 = null; }")
            page.mouse.click(box["x"] + box["width"] * k / (n - 1), box["y"] + box["height"] / 2)
            page.wait_for_function(f"() => window.__t2 !== null && window.__gd._fullLayout.sliders[0].active === {k}",
                                   timeout=10_000)
            out.append(page.evaluate("() => window.__t2 - window.__t0"))
        browser.close()
    return out


def toy_times(objective: str, n: int = 2000) -> float:
    from embedlab.train.toy_word2vec import PRESETS, ToyConfig, ToyWord2Vec

    net = ToyWord2Vec.from_text(PRESETS["king queen man woman (wevi)"], ToyConfig(objective=objective))
    net.step(10)
    t0 = time.perf_counter()
    for _ in range(n):
        net.step(1)
    return (time.perf_counter() - t0) / n * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--frames", type=int, default=50)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-playback-"))
    try:
        ws = embedlab.Workspace(work / "home")
        corpus = embedlab.prepare_sample(ws, "movie_reviews")
        cfg = Word2VecConfig(architecture="skip-gram", epochs=5)
        request = RecordRequest(steps_per_epoch=10, top=2000)
        print(f"Word2Vec skip-gram on movie reviews ({corpus.stats['tokens']:,} tokens), {cfg.vector_size} "
              f"dimensions, {cfg.epochs} epochs, {cfg.workers} workers; recording {request.steps_per_epoch} "
              f"snapshots/epoch of {request.top:,} words")
        times, (space, rec) = timed_trainings(corpus, cfg, request, args.repeats)
        best = {k: min(v) for k, v in times.items()}
        base, recorded = best.values()
        ratios = np.array(times["with recording"]) / np.array(times["without recording"])
        overhead = float(np.median(ratios))
        print(f"best of {args.repeats}: without recording {base:.1f} s; with recording {recorded:.1f} s; ratio of "
              f"each round: {', '.join(f'{r:.3f}' for r in ratios)}")
        print(f"record_overhead = {overhead:.3f} (target ≤ {TARGETS['record_overhead']}); copying the snapshots took "
              f"{rec.capture_seconds:.2f} s of it ({len(rec.positions)} snapshots)")

        from embedlab.probes.playback import load_playback
        from embedlab.views.playback import payload_bytes, playback_figure

        t0 = time.perf_counter()
        rec.summarise(space)  # what the training job does after training, before saving
        t_summary = time.perf_counter() - t0
        model_id = ws.save_space(space, name="reviews skip-gram recorded")
        ws.set_setting("active_model", model_id)
        t0 = time.perf_counter()
        pb = load_playback(ws, model_id)
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        fig = playback_figure(pb)
        t_fig = time.perf_counter() - t0
        payload = payload_bytes(fig) / 1e6
        n_snap, n_words = len(pb.positions), len(pb.keys)
        print(f"playback of {n_snap} snapshots × {n_words:,} words: aligned and measured once in the job in "
              f"{t_summary:.2f} s (after training, not in its time); the page reads it in {t_load:.2f} s and builds "
              f"the figure in {t_fig:.2f} s; payload {payload:.2f} MB (target ≤ {TARGETS['playback_payload_mb']}, "
              f"ratio {payload / TARGETS['playback_payload_mb']:.2f})")

        frame_p95 = frame_median = None
        if not args.no_browser:
            ms = frame_times(ws.root, args.frames)
            frame_p95, frame_median = float(np.percentile(ms, 95)), float(np.median(ms))
            print(f"slider, one step ({len(ms)} steps, headless Chromium): median {frame_median:.0f} ms, p95 "
                  f"{frame_p95:.0f} ms (target ≤ {TARGETS['frame_ms']:.0f}, "
                  f"ratio {frame_p95 / TARGETS['frame_ms']:.2f})")

        toy = toy_times("softmax")
        toy_ns = toy_times("negative")
        print(f"toy word2vec, one update: {toy:.3f} ms with full softmax, {toy_ns:.3f} ms with negative sampling "
              f"(target ≤ {TARGETS['toy_step_ms']}, ratio {toy / TARGETS['toy_step_ms']:.3f})")
        print(json.dumps({"record_overhead": round(overhead, 3), "playback_payload_mb": round(payload, 3),
                          "frame_ms": None if frame_p95 is None else round(frame_p95, 1),
                          "frame_ms_median": None if frame_median is None else round(frame_median, 1),
                          "toy_step_ms": round(toy, 4),
                          "train_s_without": round(base, 2), "train_s_with": round(recorded, 2),
                          "playback_job_s": round(t_summary, 2), "snapshots": n_snap, "words": n_words}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
