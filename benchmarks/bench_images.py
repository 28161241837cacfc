"""Image embeddings on scikit-learn's digits: speed, k-NN accuracy, anomaly ROC AUC, thumbnail payload.

Run from the repo root: ``python benchmarks/bench_images.py`` (about two
minutes on 2 busy cores). Prints each figure with its ratio to the baseline
measured in the same run; the last line is JSON with the keys of issue 20.
embedlab runs these small products on one BLAS thread
(:func:`embedlab.train.image_common.one_blas_thread`; on a busy 2-core machine
a second thread mostly waits: the digits' SVD took 0.68 s with two threads,
0.018 s with one), and the scikit-learn baselines run under the same limit.

Figures
-------
pca_s
    Our PCA (:class:`embedlab.train.image_pca.PCAFit`) with 10 components,
    fit and transform of the 1,797 digits' float64 features, best of 3;
    baseline ``pca_sklearn_s``: scikit-learn's ``PCA(10, svd_solver="full").fit_transform``
    of the same array, best of 3, both on one BLAS thread (like for like).
    ``pca_train_s`` is the whole :func:`~embedlab.train.image_pca.train_pca`
    call a job makes (scaling the pixels, the SVD, the Space with its
    metadata, the images and decoder attached), named apart because it does
    more than the baseline.
ae_train_s
    :func:`embedlab.train.autoencoder.train_autoencoder`, bottleneck 10, the
    defaults otherwise (hidden 64, tanh, 150 epochs, batch 64, Adam), one epoch
    per ``partial_fit`` with progress and the per-epoch error; baseline
    ``ae_sklearn_fit_s``: one ``MLPRegressor.fit`` of the same network for the
    same number of epochs (no per-epoch reports).
knn_acc_pixels, knn_acc_pca10, knn_acc_ae10
    5-NN classification accuracy of the digit labels, 5-fold stratified
    cross-validation (seed 0), on raw pixels (the baseline), PCA-10 and the
    autoencoder's 10-unit bottleneck.
auc_autoencoder, auc_pca, auc_isolation_forest, auc_knn_distance
    Anomaly detection with digit d held out, d = 0..9, averaged: detectors
    fitted on 70 % of the other nine digits; ROC AUC of the held-out digit
    against the remaining 30 % (:func:`embedlab.probes.anomaly.detect_anomalies`,
    default settings: PCA 10 components, autoencoder bottleneck 10,
    IsolationForest 100 trees, distance to the 5th nearest neighbour; the last
    two are the baselines, on the same scaled pixels).
thumbnail_payload_mb
    What the browser is sent for the map of all 1,797 digits with a
    thumbnail drawn at every point (plotly layout images, one PNG data URI
    each) and hover images (one sprite sheet + a tile per point):
    :func:`embedlab.views.images.hover_payload` as JSON, in MB (2**20 bytes).
    Baseline: the same figure without images (``plain_payload_mb``). Target
    ≤ 3 MB; Streamlit's message limit is 25 MB.
thumbnail_render_s
    Headless Chromium (Debian's, software rendering): ``Plotly.newPlot`` of
    that figure, with the hover script attached, to the first painted frame
    (plotly.js already loaded); baseline ``plain_render_s``: the figure without
    images. ``hover_image_shown``: a real mouse hover over a point showed its
    image.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embedlab.probes.anomaly import METHODS, AnomalyConfig, detect_anomalies  # noqa: E402
from embedlab.probes.knn_accuracy import knn_accuracy  # noqa: E402
from embedlab.sources.images import sample_imageset  # noqa: E402
from embedlab.train.autoencoder import AutoencoderConfig, train_autoencoder  # noqa: E402
from embedlab.train.image_pca import PCAConfig, train_pca  # noqa: E402


def best_of(fn, n: int = 3) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def speed(digits) -> dict:
    import warnings

    from sklearn.decomposition import PCA
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    from embedlab.train.image_common import one_blas_thread

    from embedlab.train.image_pca import PCAFit

    X64 = digits.features().astype(np.float64)
    with one_blas_thread():  # like for like: our code runs its products on one BLAS thread
        pca_s = best_of(lambda: PCAFit(10).fit(X64).transform(X64))
        pca_sk = best_of(lambda: PCA(n_components=10, svd_solver="full").fit_transform(X64))
    pca_train_s = best_of(lambda: train_pca(digits, PCAConfig(n_components=10)))
    print(f"pca_s (fit + transform, 10 components, 1,797 × 64): {pca_s:.4f} s; scikit-learn PCA full "
          f"fit_transform {pca_sk:.4f} s (ratio {pca_s / pca_sk:.2f}); the whole train_pca call (Space, images "
          f"and decoder attached) {pca_train_s:.4f} s")
    cfg = AutoencoderConfig(bottleneck=10)
    t0 = time.perf_counter()
    ae = train_autoencoder(digits, cfg)
    ae_s = time.perf_counter() - t0
    X = digits.features()
    mlp = MLPRegressor(hidden_layer_sizes=cfg.layers, activation=cfg.activation, solver="adam",
                       batch_size=cfg.batch_size, learning_rate_init=cfg.learning_rate, alpha=cfg.alpha,
                       random_state=cfg.seed, max_iter=cfg.epochs, tol=0.0, n_iter_no_change=cfg.epochs + 1)
    t0 = time.perf_counter()
    with warnings.catch_warnings(), one_blas_thread():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, X)
    sk_s = time.perf_counter() - t0
    print(f"ae_train_s (bottleneck 10, hidden {cfg.hidden_sizes}, {cfg.epochs} epochs): {ae_s:.2f} s; one "
          f"MLPRegressor.fit of the same network, {mlp.n_iter_} epochs: {sk_s:.2f} s (ratio {ae_s / sk_s:.2f}); "
          f"final reconstruction MSE {ae.info['mse_curve'][-1]:.5f}")
    return {"pca_s": pca_s, "pca_sklearn_s": pca_sk, "pca_train_s": pca_train_s, "ae_train_s": ae_s,
            "ae_sklearn_fit_s": sk_s, "ae_space": ae}


def accuracy(digits, ae_space) -> dict:
    from embedlab.train.image_pixels import pixel_vectors

    pca = train_pca(digits, PCAConfig(n_components=10))
    labels = digits.labels
    out = {}
    for key, vectors in (("pixels", pixel_vectors(digits)), ("pca10", pca.vectors), ("ae10", ae_space.vectors)):
        r = knn_accuracy(vectors, labels, k=5, folds=5, seed=0)
        out[f"knn_acc_{key}"] = r.mean
        print(f"knn_acc_{key}: {r.describe()}" + ("" if key == "pixels" else
                                                   f" (ratio to pixels {r.mean / out['knn_acc_pixels']:.3f})"))
    return out


def anomalies(digits) -> dict:
    per = {m: [] for m in METHODS}
    t0 = time.perf_counter()
    for d in range(10):
        result = detect_anomalies(digits, held_out=[str(d)], cfg=AnomalyConfig())
        for m in METHODS:
            per[m].append(result.roc_auc[m])
        print(f"  digit {d} held out: " + ", ".join(f"{m} {result.roc_auc[m]:.3f}" for m in METHODS))
    seconds = time.perf_counter() - t0
    out = {f"auc_{m}": float(np.mean(v)) for m, v in per.items()}
    out.update({f"auc_{m}_per_digit": [round(x, 4) for x in v] for m, v in per.items()})
    print(f"anomaly ROC AUC, digit held out, mean over 10 ({seconds:.0f} s): "
          + ", ".join(f"{m} {out[f'auc_{m}']:.3f}" for m in METHODS))
    for m in ("autoencoder", "pca"):
        print(f"  {m}: ratio to IsolationForest {out[f'auc_{m}'] / out['auc_isolation_forest']:.3f}, "
              f"to k-NN distance {out[f'auc_{m}'] / out['auc_knn_distance']:.3f}")
    return out


RENDER_PAGE = """<html><head><meta charset="utf-8"><script>{plotlyjs}</script></head>
<body style="margin:0"><div id="g" style="width:1000px;height:650px"></div><script>
{hover_js}
const painted = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
window.measure = async function() {{
  const payload = {payload};
  const gd = document.getElementById("g");
  const t = performance.now();
  await Plotly.newPlot(gd, payload.figure.data, payload.figure.layout);
  if (payload.sprite) embedlabHoverImages(gd, payload);
  await painted();
  return performance.now() - t;
}};
</script></body></html>"""


def thumbnails(digits) -> dict:
    import plotly.offline

    from embedlab.probes.projection import choose_top, project
    from embedlab.views import images as vi
    from embedlab.views.scatter import scatter_figure

    space = train_pca(digits, PCAConfig(n_components=10))
    proj = project(space, choose_top(space, len(space)), "pca")
    colour = space.meta["class"].to_numpy()[proj.indices]
    plain = scatter_figure(proj.frame, colour=colour, method="pca")
    fig = scatter_figure(proj.frame, colour=colour, method="pca")
    t0 = time.perf_counter()
    note = vi.add_point_thumbnails(fig, proj.frame, digits)
    payload = vi.hover_payload(fig, proj.frame, digits)
    build_s = time.perf_counter() - t0
    plain_payload = {"figure": json.loads(plain.to_json())}
    out = {"thumbnail_payload_mb": vi.payload_mb(payload), "plain_payload_mb": vi.payload_mb(plain_payload),
           "thumbnail_build_s": build_s, "sprite_kb": len(payload["sprite"]["uri"]) / 1024}
    print(f"thumbnail_payload_mb (1,797 thumbnails at the points + hover sprite): {out['thumbnail_payload_mb']:.2f} MB "
          f"(target 3 MB, ratio {out['thumbnail_payload_mb'] / 3:.2f}; Streamlit limit 25 MB); without images "
          f"{out['plain_payload_mb']:.3f} MB; sprite sheet {out['sprite_kb']:.0f} kB; built in {build_s:.2f} s. {note}")
    sys.path.insert(0, str(ROOT / "tests"))
    from streamlit_server import CHROMIUM, CHROMIUM_ARGS, chromium_available

    if not chromium_available():
        print("no Chromium: render time skipped")
        return out
    from playwright.sync_api import sync_playwright

    plotlyjs = plotly.offline.get_plotlyjs()
    timings = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for key, data in (("plain", plain_payload), ("thumbnail", payload)):
            runs = []
            for _ in range(3):
                path = Path(tmp) / f"{key}.html"
                path.write_text(RENDER_PAGE.format(plotlyjs=plotlyjs, hover_js=vi.HOVER_JS,
                                                   payload=json.dumps(data).replace("</", "<\\/")))
                page = browser.new_page(viewport={"width": 1100, "height": 700})
                page.goto(path.as_uri())
                runs.append(page.evaluate("window.measure()") / 1000)
                if key == "thumbnail":
                    timings["hover_image_shown"] = _hover_shows_image(page)
                page.close()
            timings[f"{key}_render_s"] = float(np.median(runs))
        browser.close()
    out.update(timings)
    print(f"thumbnail_render_s (newPlot to first paint, median of 3): {out['thumbnail_render_s']:.2f} s; without "
          f"images {out['plain_render_s']:.2f} s (ratio {out['thumbnail_render_s'] / out['plain_render_s']:.1f}); "
          f"hover image shown: {out['hover_image_shown']}")
    return out


def _hover_shows_image(page) -> bool:
    box = page.locator(".nsewdrag").first.bounding_box()
    for fx in (0.5, 0.4, 0.6, 0.3, 0.7):
        for fy in (0.5, 0.4, 0.6, 0.3, 0.7):
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            page.wait_for_timeout(120)
            if page.locator("#embedlab-hover-image").is_visible():
                return True
    return False


def main():
    digits = sample_imageset("digits")
    print(f"digits: {len(digits):,} images of {digits.side} × {digits.side}; machine shared with other developers")
    out = speed(digits)
    ae_space = out.pop("ae_space")
    out.update(accuracy(digits, ae_space))
    out.update(anomalies(digits))
    out.update(thumbnails(digits))
    print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}))


if __name__ == "__main__":
    main()
