"""Projection speed: UMAP cold/warm (fresh processes), PCA of 50,000 x 300.

Run from the repo root: ``python benchmarks/bench_projection.py`` (about 10
minutes on 2 busy cores). Prints each figure with its ratio to the baseline or
target named in issue 3; the last line is JSON.

Figures
-------
umap_first_10k_s
    A FRESH Python process that starts the way the app's server does: import
    embedlab, start :func:`warm_up_umap` (app.py does this at server start),
    then IMMEDIATELY ask for the page's UMAP of the 10,000 most frequent words
    (k-NN graph + UMAP + trustworthiness + k-NN overlap, via
    :func:`embedlab.probes.projection.project`). Timed from process start to the
    result. In the real app the user's first request comes later than this
    (browser load, choosing UMAP), so this is a worst case. The numba cache is
    the one the README's run command fills at install
    (``umap_install_compile_s``, timed here too).
umap_first_10k_empty_cache_s
    The same with an EMPTY numba cache (an install that skipped that step):
    the warm-up's child and the user's fit both compile.
umap_restart_10k_s
    The same, second run with the on-disk numba cache left by the first.
umap_plain_first_10k_s
    ``umap.UMAP(metric="cosine").fit_transform(X)`` of the same 10,000 vectors
    in a fresh process with an empty numba cache, from process start.
ratio_empty_cache_ours_vs_umap_learn
    ``umap_first_10k_empty_cache_s / umap_plain_first_10k_s``: both fresh
    processes, both with an EMPTY numba cache, both cosine. Still not the same
    work: ours builds an exact k-NN graph (one chunked matrix product) and
    measures the distortion too; umap-learn builds its graph with NN-descent.
    The figure with the installed cache (``umap_first_10k_s``) is compared with
    the 15 s target only: against umap-learn on an empty cache it would credit
    the install step to the ratio.
umap_warm_20k_s, umap_warm_50k_s
    After compilation: k-NN graph + UMAP fit of 20,000 / 50,000 random-normal
    300-d vectors (what a user waits for, without the distortion measures).
umap_learn_warm_20k_s, umap_learn_warm_50k_s
    The same k-NN graph handed to ``umap.UMAP(precomputed_knn=...)``, compiled
    and warm: umap-learn's own layout instead of ours, for the ratio.
trust_10k_ours, trust_10k_umap_learn
    Trustworthiness (k=10, sample of 3,000) of our UMAP and umap-learn's on the
    real 10k space, same k-NN graph: the speed must not cost faithfulness.
umap_warm_20k_reuse_knn_s
    Changing ``min_dist`` at 20,000 points: UMAP fit on the cached k-NN graph.
pca_50k_s
    :class:`embedlab.probes.projection.PCA` of 50,000 x 300 random-normal vectors
    (best of 3); ``pca_sklearn_50k_s`` is scikit-learn's PCA(2) for reference.
scatter_50k_payload_mb, scatter_50k_render_s, scatter_50k_zoom_p50_ms, scatter_50k_zoom_p95_ms
    The Explore page's 2-D figure of 50,000 points coloured by 8 k-means
    clusters (:func:`embedlab.views.scatter.scatter_figure`): its JSON size
    (what Streamlit sends; its limit is 25 MB), then in headless Chromium
    (software WebGL, no GPU: a worst case) the time of ``Plotly.newPlot`` to
    the first painted frame, and of 20 zoom/pan steps (``Plotly.relayout`` of
    the axis ranges to the next painted frame). Skipped without Chromium.
    The same for 5,000 points (``scatter_5k_*``) gives the ratio: most of a
    zoom step is plotly's fixed cost, not the number of points.

The 10k data are a real space: Word2Vec (the app's default settings but
``min_count=2``) trained with embedlab on sample_corpora/movie_reviews.csv;
its 10,000 most frequent words. CPU seconds of the fresh processes are printed
too, because on a shared machine wall-clock times mostly measure the neighbours.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

APP_CHILD = r"""
import time
t0 = time.perf_counter()
import sys, json, warnings
sys.path.insert(0, {root!r})
warnings.simplefilter("ignore")
import numpy as np
import embedlab
from embedlab.probes import projection as P
from embedlab.probes.projection.umap.warmup import warm_up_status, warm_up_umap
warm_up_umap()  # what app.py does when the server starts
t_ready = time.perf_counter() - t0
data = np.load({path!r}, allow_pickle=False)
words = [f"w{{i}}" for i in range(len(data))]
space = embedlab.Space.from_vectors(words, data)
res = P.project(space, P.choose_top(space, 10000), "umap", 2, random_state=None)
total = time.perf_counter() - t0
import resource
r = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"total_s": total, "import_s": t_ready, "umap_fit_s": res.seconds, "trust": res.trustworthiness,
                  "cpu_s": r.ru_utime + r.ru_stime, "warm_up": warm_up_status()}}))
"""

PLAIN_CHILD = r"""
import time
t0 = time.perf_counter()
import json, warnings
warnings.simplefilter("ignore")
import numpy as np
import umap
X = np.load({path!r}, allow_pickle=False)
Y = umap.UMAP(metric="cosine").fit_transform(X)
import resource
r = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"total_s": time.perf_counter() - t0, "cpu_s": r.ru_utime + r.ru_stime}}))
"""


def fresh(code: str, cache_dir: str) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, EMBEDLAB_UMAP_WARMUP="1")
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    wall = time.perf_counter() - start
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_incl_interpreter_s"] = wall
    return result


def real_10k(tmp: Path) -> np.ndarray:
    import embedlab

    ws = embedlab.Workspace(tmp / "ws")
    corpus = embedlab.prepare_sample(ws, "movie_reviews")
    space = embedlab.train_word2vec(corpus, embedlab.Word2VecConfig(min_count=2))
    print(f"data: Word2Vec on movie_reviews (min_count=2): {len(space):,} words x {space.dim} dims; "
          f"using the 10,000 most frequent")
    return np.ascontiguousarray(space.vectors[space.indices(space.top(10000))])


def umap_learn(X: np.ndarray, knn: tuple) -> np.ndarray:
    """umap-learn's own fit on our k-NN graph (threaded, like ours without a seed)."""
    import umap

    nn = 15
    return umap.UMAP(n_neighbors=nn, metric="cosine", init="pca", n_epochs=None,
                     precomputed_knn=(knn[0][:, :nn], knn[1][:, :nn], None)).fit_transform(X)


SCATTER_PAGE = """<html><head><meta charset="utf-8"><script>{plotlyjs}</script></head>
<body><div id="g" style="width:1000px;height:700px"></div><script>
const painted = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
window.measure = async function() {{
  const fig = {figure};
  const gd = document.getElementById("g");
  let t = performance.now();
  await Plotly.newPlot(gd, fig.data, fig.layout);
  await painted();
  const render = performance.now() - t;
  const zoom = [];
  for (let i = 0; i < 20; i++) {{
    const w = 2 + (i % 5), c = (i % 7) - 3;
    t = performance.now();
    await Plotly.relayout(gd, {{"xaxis.range": [c - w, c + w], "yaxis.range": [-c - w, -c + w]}});
    await painted();
    zoom.push(performance.now() - t);
  }}
  return {{render: render, zoom: zoom, webgl: !!document.createElement("canvas").getContext("webgl")}};
}};
</script></body></html>"""


def scatter_in_browser(n: int = 50_000) -> dict:
    """Payload and browser timings of the Explore page's 2-D figure of ``n`` points (see the module docstring)."""
    import pandas as pd
    import plotly.offline

    sys.path.insert(0, str(ROOT / "tests"))
    from streamlit_server import CHROMIUM, CHROMIUM_ARGS, chromium_available

    from embedlab.views import scatter

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"word": [f"word{i}" for i in range(n)], "label": [f"word{i}" for i in range(n)],
                          "x": rng.standard_normal(n).astype(np.float32) * 3,
                          "y": rng.standard_normal(n).astype(np.float32) * 3,
                          "frequency rank": np.arange(1, n + 1)})
    fig = scatter.scatter_figure(frame, 2, colour=rng.integers(0, 8, n), colour_title="k-means cluster",
                                 method="umap")
    figure_json = fig.to_json()
    key = f"scatter_{n // 1000}k"
    out = {f"{key}_payload_mb": len(figure_json.encode()) / 1e6}
    if not chromium_available():
        print(f"scatter of {n:,} points: payload {out[f'{key}_payload_mb']:.2f} MB; no Chromium, render skipped")
        return out
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        page_path = Path(tmp) / "scatter.html"
        page_path.write_text(SCATTER_PAGE.format(plotlyjs=plotly.offline.get_plotlyjs(), figure=figure_json))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(page_path.as_uri())
            timings = page.evaluate("window.measure()")
            browser.close()
    zoom = np.array(timings["zoom"])
    out.update({f"{key}_render_s": timings["render"] / 1000, f"{key}_zoom_p50_ms": float(np.median(zoom)),
                f"{key}_zoom_p95_ms": float(np.percentile(zoom, 95))})
    print(f"scatter of {n:,} points ({len(fig.data)} WebGL traces, WebGL available: {timings['webgl']}): payload "
          f"{out[f'{key}_payload_mb']:.2f} MB (Streamlit's limit 25 MB, ratio {out[f'{key}_payload_mb'] / 25:.2f}); "
          f"first paint {out[f'{key}_render_s']:.2f} s; zoom/pan step p50 {out[f'{key}_zoom_p50_ms']:.0f} ms, "
          f"p95 {out[f'{key}_zoom_p95_ms']:.0f} ms")
    return out


def best_of(fn, n=3) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    warnings.simplefilter("ignore")
    from embedlab.probes import projection as P

    figures = {}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        X10 = real_10k(tmp)
        path = str(tmp / "x10k.npy")
        np.save(path, X10)

        # the README's run command compiles into numba's disk cache at install (python -m embedlab.probes.projection.umap.warmup)
        installed = str(tmp / "numba-cache-installed")
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "embedlab.probes.projection.umap.warmup"], cwd=str(ROOT), check=True,
                       capture_output=True, env=dict(os.environ, NUMBA_CACHE_DIR=installed, PYTHONPATH=str(ROOT)))
        install_s = time.perf_counter() - t
        print(f"install step (README run command): UMAP compiled into the disk cache in {install_s:.1f} s")
        first = fresh(APP_CHILD.format(root=str(ROOT), path=path), installed)
        print(f"freshly started app after that install: first UMAP of 10k words after {first['total_s']:.1f} s "
              f"(UMAP fit {first['umap_fit_s']:.1f} s; process CPU {first['cpu_s']:.1f} s)")
        cache = str(tmp / "numba-cache-app")
        cold = fresh(APP_CHILD.format(root=str(ROOT), path=path), cache)
        print(f"freshly started app, EMPTY numba cache (installed without the run command): {cold['total_s']:.1f} s "
              f"(UMAP fit {cold['umap_fit_s']:.1f} s; process CPU {cold['cpu_s']:.1f} s; warm-up {cold['warm_up']})")
        restart = fresh(APP_CHILD.format(root=str(ROOT), path=path), cache)
        print(f"restarted app process, numba disk cache present: {restart['total_s']:.1f} s "
              f"(CPU {restart['cpu_s']:.1f} s)")
        plain = fresh(PLAIN_CHILD.format(path=path), str(tmp / "numba-cache-plain"))
        print(f"plain umap.UMAP().fit_transform in a fresh process: {plain['total_s']:.1f} s (CPU {plain['cpu_s']:.1f} s)")
        figures.update(umap_first_10k_s=first["total_s"], umap_install_compile_s=install_s,
                       umap_first_10k_empty_cache_s=cold["total_s"], umap_restart_10k_s=restart["total_s"],
                       umap_plain_first_10k_s=plain["total_s"], umap_first_10k_cpu_s=first["cpu_s"],
                       umap_plain_first_10k_cpu_s=plain["cpu_s"])
        figures["ratio_empty_cache_ours_vs_umap_learn"] = cold["total_s"] / plain["total_s"]
        print(f"  like for like on cache state (both EMPTY numba caches, both cosine; graphs differ: ours exact, "
              f"umap-learn NN-descent): ours/umap-learn = {figures['ratio_empty_cache_ours_vs_umap_learn']:.2f}")
        print(f"  first UMAP after the install step vs the 15 s target = {first['total_s'] / 15:.2f}; with an empty "
              f"cache vs the 15 s target = {cold['total_s'] / 15:.2f}")

    # warm: compile in this process first
    t = time.perf_counter()
    from embedlab.probes.projection.umap.warmup import warm_up_umap

    warm_up_umap(block=True)
    print(f"warm-up in this process: {time.perf_counter() - t:.1f} s")
    knn10 = P.knn_graph(X10, 15, "cosine")
    rng = np.random.default_rng(0)
    X50 = rng.standard_normal((50_000, 300)).astype(np.float32)
    umap_learn(X10[:500], P.knn_graph(X10[:500], 15, "cosine"))  # compile umap-learn's layout for the comparison
    ours_10k = P.UMAP(2, n_neighbors=15, knn=knn10).fit_transform(X10)
    figures["trust_10k_ours"] = P.trustworthiness(X10, ours_10k, 10, "cosine")[0]
    figures["trust_10k_umap_learn"] = P.trustworthiness(X10, umap_learn(X10, knn10), 10, "cosine")[0]
    print(f"faithfulness on the real 10k words (same k-NN graph): trustworthiness ours "
          f"{figures['trust_10k_ours']:.4f}, umap-learn {figures['trust_10k_umap_learn']:.4f}")
    for n, target in ((20_000, 5.0), (50_000, 16.0)):
        X = X50[:n]
        t = time.perf_counter()
        knn = P.knn_graph(X, 31, "cosine")
        t_knn = time.perf_counter() - t
        P.UMAP(2, n_neighbors=15, metric="cosine", knn=knn).fit(X)
        total = time.perf_counter() - t
        figures[f"umap_warm_{n // 1000}k_s"] = total
        t = time.perf_counter()
        umap_learn(X, knn)
        theirs = t_knn + time.perf_counter() - t
        figures[f"umap_learn_warm_{n // 1000}k_s"] = theirs
        print(f"warm UMAP of {n:,} x 300 (random normal): {total:.1f} s (k-NN graph {t_knn:.1f} s, "
              f"{'exact' if float(n) * n * 300 <= P.EXACT_KNN_LIMIT else 'NN-descent'}); "
              f"ratio to the {target:.0f} s target = {total / target:.2f}; umap-learn's layout on the same graph "
              f"{theirs:.1f} s, ratio ours/umap-learn = {total / theirs:.2f}")
        if n == 20_000:
            t = time.perf_counter()
            P.UMAP(2, n_neighbors=15, min_dist=0.5, metric="cosine", knn=knn).fit(X)
            figures["umap_warm_20k_reuse_knn_s"] = time.perf_counter() - t
            print(f"  min_dist changed, cached k-NN graph reused: {figures['umap_warm_20k_reuse_knn_s']:.1f} s")

    from sklearn.decomposition import PCA as SKPCA

    figures["pca_50k_s"] = best_of(lambda: P.PCA(2).fit_transform(X50))
    figures["pca_sklearn_50k_s"] = best_of(lambda: SKPCA(2).fit_transform(X50))
    print(f"PCA of 50,000 x 300: {figures['pca_50k_s']:.3f} s (ratio to the 0.5 s target = "
          f"{figures['pca_50k_s'] / 0.5:.2f}; scikit-learn PCA(2) {figures['pca_sklearn_50k_s']:.3f} s, "
          f"ratio ours/sklearn = {figures['pca_50k_s'] / figures['pca_sklearn_50k_s']:.2f})")
    figures.update(scatter_in_browser(5_000))
    figures.update(scatter_in_browser(50_000))
    if "scatter_5k_zoom_p50_ms" in figures:
        print(f"  zoom step 50,000 vs 5,000 points: ratio {figures['scatter_50k_zoom_p50_ms'] / figures['scatter_5k_zoom_p50_ms']:.2f}")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    figures["load_average"] = os.getloadavg()[0]
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}))


if __name__ == "__main__":
    main()
