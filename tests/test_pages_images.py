"""AppTests of the Images group (Images, Image models, Anomalies), Explore on an image space and images on Import.

Real data: scikit-learn's shipped digits, written here as PNG files in a zip
the way a user would upload them (one sub-folder per class), plus one bad
member of each kind the issue names. A test that needs a trained model either
starts it from the page (a real worker: marked slow) or trains it directly.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from embedlab import config, jobs
from embedlab.sources.images import load_imageset, sample_imageset, save_imageset, store_sample_images
from embedlab.store import Workspace
from embedlab.views import images as vi

from conftest import ROOT

N_PER_CLASS = 6


@pytest.fixture(scope="module")
def digits():
    return sample_imageset("digits")


def png(arr, mode=None, **save) -> bytes:
    out = io.BytesIO()
    (arr if isinstance(arr, Image.Image) else Image.fromarray(arr, mode)).save(out, format="PNG", **save)
    return out.getvalue()


def make_zip(members: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def huge_png(width: int, height: int) -> bytes:
    """A PNG whose header announces width × height pixels (the pixel data is a few bytes)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b""))


def digits_zip(digits, extra: dict = ()) -> tuple:
    """The first N_PER_CLASS digits of each class as 8 × 8 PNGs in class folders, a palette and a 16-bit copy of
    two of them, a truncated PNG, a text file and a 20,000 × 20,000 header; returns (zip bytes, image count)."""
    shown = digits.display()
    members = {}
    for c in range(10):
        for i in np.flatnonzero(digits.labels == str(c))[:N_PER_CLASS]:
            members[f"{c}/{digits.ids[i]}.png"] = png(shown[i])
    members["0/palette.png"] = png(Image.fromarray(shown[0]).convert("P"))
    members["1/sixteen.png"] = png(Image.fromarray(shown[1].astype(np.uint16) * 257))
    members["2/truncated.png"] = png(shown[2])[:40]
    members["3/bomb.png"] = huge_png(20_000, 20_000)
    members["readme.txt"] = b"digits"
    members.update(dict(extra))
    return make_zip(members), 10 * N_PER_CLASS + 2


def _app(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _upload(at, data: bytes, name: str = "digits.zip", side: int = 16, labels: bytes = None) -> AppTest:
    at.radio(key="images-source").set_value("Upload a zip of images").run()
    at.file_uploader(key="images-upload").set_value((name, data, "application/zip"))
    if labels is not None:
        at.file_uploader(key="images-labels").set_value(("labels.csv", labels, "text/csv"))
    at.selectbox(key="images-side").set_value(side).run()  # the Read button is enabled once a file is chosen
    at.button(key="images-read").click().run()
    assert not at.exception, at.exception
    return at


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def _table(at, column: str):
    """The first table on the page with ``column`` (AppTest finds dataframes by position, not key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _array(value) -> np.ndarray:
    """A plotly JSON array: a list, or plotly's typed-array form ``{"dtype", "bdata"}``."""
    import base64

    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value)


def _figures(at) -> dict:
    """``{chart key: plotly spec}`` of the charts on the page."""
    return {c.proto.id.split("-", 2)[2]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def _hover_data(at) -> dict:
    (component,) = at.get("bidi_component")
    return json.loads(component.proto.json)


# -- upload → embed → explore ------------------------------------------------------------------------

@pytest.mark.slow  # a real worker trains the model (a few seconds to start)
def test_upload_embed_and_explore_with_hover_images(digits):
    data, n = digits_zip(digits)
    at = _upload(_app("pages/images.py"), data)
    assert not at.error, [e.value for e in at.error]
    assert _metrics(at) == {"images": f"{n}", "size": "16 × 16", "colour": "greyscale", "classes": "10",
                            "skipped files": "3"}
    captions = " ".join(c.value for c in at.caption)
    assert "Labels taken from the sub-folder names" in captions and "Image modes converted" in captions
    assert "palette (P) × 1" in captions and "16-bit greyscale" in captions
    skipped = _table(at, "reason").set_index("file")["reason"]
    assert "damaged" in skipped["2/truncated.png"] and "refused before decoding" in skipped["3/bomb.png"]
    assert "not a PNG or JPEG" in skipped["readme.txt"]
    assert at.get("image"), "no mosaic of the images"
    ws = Workspace(config.home())
    set_id = ws.get_setting("image_set")
    assert len(load_imageset(ws, set_id)) == n

    # a bottleneck as large as the input (16 × 16 = 256 values) is refused before anything is queued
    at.radio(key="images-family").set_value("autoencoder").run()
    at.number_input(key="images-autoencoder-bottleneck").set_value(256)
    at.button(key="images-start").click().run()
    assert any("must be smaller than the input (256 pixel values" in e.value for e in at.error)
    assert not jobs.list_jobs(ws)

    at.radio(key="images-family").set_value("image_pca").run()
    at.number_input(key="images-image_pca-n_components").set_value(6)
    at.button(key="images-start").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    (job_id,) = ws.get_setting("images_train_jobs")
    status = jobs.SCHEDULER.wait(ws.root, job_id, timeout=240)
    assert status["state"] == "done", status.get("error")
    at.run()
    assert ws.get_setting("active_model") == status["result"]["model_id"]  # the trained model is active

    at.switch_page("pages/explore.py").run()
    assert not at.exception, at.exception
    assert any(f"image_pca on digits: {n} images × 6 dimensions" in c.value for c in at.caption)
    # hover images: the component follows the chart by its key; its sprite holds every point's own image
    chart = at.get("plotly_chart")[0]
    hover = _hover_data(at)
    assert chart.proto.id.endswith("-" + hover["chart_key"])
    spec = json.loads(chart.proto.spec)
    rows = {int(r) for t in spec["data"] if t.get("customdata") is not None for r in _array(t["customdata"])}
    assert rows == set(range(n)) and hover["index"] == list(range(n))
    images = load_imageset(ws, set_id)
    keys = ws.load_space(status["result"]["model_id"]).words  # the map's rows, in order (no frequencies)
    sheet = vi.SpriteSheet(**hover["sprite"])
    for k in (0, n // 2, n - 1):  # the k-th point's tile is its own image
        own = images.display()[images.index_of([keys[k]])[0]]
        np.testing.assert_array_equal(vi.tile_from_sheet(sheet, hover["index"][k]), own)
    # thumbnails at the points, then the neighbours with their images
    at.toggle(key="explore-thumbnails").set_value(True).run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(spec["layout"]["images"]) == n
    assert any(f"Thumbnails drawn at all {n} points" in c.value for c in at.caption)
    at.text_input(key="explore-nn-word").set_value(images.ids[0]).run()
    table = _table(at, "image")
    assert table[""].iloc[0] == "query" and len(table) == 11
    assert table["image"].str.startswith("data:image/png;base64,").all()


# -- bad input through the page -----------------------------------------------------------------------

def test_bad_uploads_get_clear_messages_and_store_nothing(digits, monkeypatch):
    ws = Workspace(config.home())
    at = _upload(_app("pages/images.py"), make_zip({"readme.txt": b"x", "notes.doc": b"\x00\x01"}), "docs.zip")
    assert any("holds no usable PNG or JPEG image" in e.value and "readme.txt" in e.value for e in at.error)
    at = _upload(at, b"GIF89a not a zip at all", "pictures.zip")
    assert any("not a zip file" in e.value for e in at.error)
    inner = make_zip({"a.png": png(digits.display()[0])})
    at = _upload(at, make_zip({"a.png": png(digits.display()[0]), "more.zip": inner}), "nested.zip")
    assert any("one level of archives" in e.value for e in at.error)
    assert ws.datasets("images").empty and ws.get_setting("image_set") is None
    # a labels CSV naming unknown files: those are reported, the others labelled
    members = {f"img{i}.png": png(digits.display()[i]) for i in range(4)}
    at = _upload(at, make_zip(members), "four.zip", side=8, labels=b"file,label\nimg0.png,a\nimg1,b\nghost.png,c\n")
    assert not at.error, [e.value for e in at.error]
    assert any("1 file name(s) in 'labels.csv' match no image" in c.value and "ghost.png" in c.value
               for c in at.caption)
    assert _metrics(at)["classes"] == "2"
    # over the upload limit once unzipped
    monkeypatch.setenv("EMBEDLAB_MAX_UPLOAD_MB", "0.002")
    big = make_zip({f"n{i}.png": png(np.random.default_rng(i).integers(0, 256, (32, 32), dtype=np.uint8))
                    for i in range(3)})
    at = _upload(at, big, "noise.zip")
    assert any("over the" in e.value and "limit" in e.value for e in at.error)
    assert len(ws.datasets("images")) == 1  # only the good four-image set


@pytest.mark.slow  # a real worker reads the zip (a few seconds to start)
def test_a_large_zip_is_read_by_a_job(digits, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_INLINE_SCALE", "0")  # every zip counts as large
    data, n = digits_zip(digits)
    at = _upload(_app("pages/images.py"), data, side=8)
    ws = Workspace(config.home())
    (job,) = [j for j in jobs.list_jobs(ws) if j["kind"] == "read_images"]
    assert ws.datasets("images").empty  # not read in the page
    status = jobs.SCHEDULER.wait(ws.root, job["id"], timeout=240)
    assert status["state"] == "done", status.get("error")
    at.run()
    assert not at.exception, at.exception
    assert _metrics(at)["images"] == str(n) and ws.get_setting("image_set") == status["result"]["images_id"]
    assert not any((ws.root / "uploads").iterdir())  # the staged upload was removed


def test_stored_sets_are_listed_reused_and_deleted_with_a_confirmation(digits):
    ws = Workspace(config.home())
    small = save_imageset(ws, digits.subset(np.arange(40)))
    digits_id = store_sample_images(ws)
    ws.set_setting("image_set", small)
    at = _app("pages/images.py")
    assert _metrics(at)["images"] == "40"
    at.selectbox(key="images-stored-pick").set_value(digits_id)
    at.button(key="images-stored-use").click().run()
    assert _metrics(at)["images"] == "1,797"
    at.button(key="images-use-digits").click().run()  # the shipped set is stored once
    assert len(ws.datasets("images")) == 2
    at.selectbox(key="images-stored-pick").set_value(digits_id).run()
    at.button(key="images-delete-ask").click().run()
    assert any("Delete the image set **digits**?" in w.value for w in at.warning)
    at.button(key="images-delete-yes").click().run()
    assert not at.exception, at.exception
    assert any("Deleted the image set 'digits'" in s.value for s in at.success)
    assert ws.datasets("images")["id"].tolist() == [small] and ws.get_setting("image_set") is None
    assert any("Choose an image set above" in i.value for i in at.info)


# -- what the models learned ---------------------------------------------------------------------------

@pytest.fixture
def trained(digits):
    from embedlab.train.autoencoder import AutoencoderConfig, train_autoencoder
    from embedlab.train.image_pca import PCAConfig, train_pca

    ws = Workspace(config.home())
    set_id = store_sample_images(ws)
    images = load_imageset(ws, set_id)
    pca = ws.save_space(train_pca(images, PCAConfig(n_components=10)))
    ae = ws.save_space(train_autoencoder(images, AutoencoderConfig(bottleneck=4, hidden_sizes=(16,), epochs=5)))
    ws.set_setting("image_set", set_id)
    ws.set_setting("active_model", pca)
    return ws, set_id, pca, ae


def test_image_models_page_shows_variance_eigen_images_reconstructions_and_knn_accuracy(trained):
    ws, set_id, pca, ae = trained
    at = _app("pages/image_models.py")
    assert not at.error, [e.value for e in at.error]
    figures = _figures(at)
    assert any("10 principal components explain 73.8% of the pixel variance" in m.value for m in at.markdown)
    variance = figures["image-models-variance"]
    assert len(_array(variance["data"][0]["x"])) == 64  # the whole spectrum, the kept 10 marked
    eigen = figures["image-models-eigen"]
    titles = [a["text"] for a in eigen["layout"]["annotations"]]
    assert titles[0] == "mean" and titles[1].startswith("PC1 (") and len(titles) == 11
    curve = figures["image-models-ae-curve"]
    assert len(_array(curve["data"][0]["y"])) == 5
    gallery = figures["image-models-gallery"]
    names = [a["text"] for a in gallery["layout"]["annotations"]]
    assert names[:3] in (["0", "PCA-10", "AE-4"], [names[0], "PCA-10", "AE-4"]) and len(names) == 8 * 3
    assert any("Mean squared error per pixel value" in c.value and "PCA-10" in c.value for c in at.caption)
    table = _table(at, "accuracy")
    assert table["embedding"].tolist() == ["pixels", "AE-4", "PCA-10"]
    accuracy = dict(zip(table["embedding"], table["accuracy"]))
    assert accuracy["pixels"] > 0.97 and accuracy["PCA-10"] > 0.95  # 5-NN, 5-fold
    assert any("5-fold stratified cross-validation" in c.value and "1,797 images in 10 classes" in c.value
               for c in at.caption)


@pytest.mark.slow  # a real worker runs the detectors
def test_anomalies_page_runs_the_detectors_as_a_job(trained):
    ws, set_id, _, _ = trained
    at = _app("pages/anomalies.py")
    at.multiselect(key=f"anomaly-held-{set_id}").set_value(["1"])
    at.multiselect(key="anomaly-methods").set_value(["pca", "knn_distance"])
    at.button(key="anomaly-run").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    job_id = ws.get_setting("anomaly_job")["job_id"]
    status = jobs.SCHEDULER.wait(ws.root, job_id, timeout=240)
    assert status["state"] == "done", status.get("error")
    at.run()
    assert not at.exception, at.exception
    summary = _table(at, "ROC AUC")
    assert summary["detector"].tolist() == ["PCA reconstruction error", "k-th nearest-neighbour distance (baseline)"]
    auc = dict(zip(summary["detector"], summary["ROC AUC"]))
    assert auc["k-th nearest-neighbour distance (baseline)"] > auc["PCA reconstruction error"] > 0.5
    assert any("a baseline beat PCA's reconstruction error" in i.value for i in at.info)  # said plainly
    assert any("Held out: 1." in c.value for c in at.caption)
    ranking = _table(at, "image")
    assert len(ranking) == 20 and ranking["image"].str.startswith("data:image/png").all()
    assert set(ranking["role"]) <= {"held out", "normal (test)"}
    assert {"anomaly-roc", "anomaly-hist-pca", "anomaly-hist-knn_distance"} <= set(_figures(at))
    # the result survives a restart of the page (kept in the workspace)
    again = _app("pages/anomalies.py")
    assert _table(again, "ROC AUC")["ROC AUC"].tolist() == summary["ROC AUC"].tolist()


# -- imported CNN/CLIP vectors get thumbnails -----------------------------------------------------------

def _projector_files(digits, n: int = 30) -> tuple:
    """vectors.tsv (the PCA-2 of the first n digits) and their keys."""
    from embedlab.train.image_pca import PCAFit

    X = digits.features()[:n]
    Z = PCAFit(3).fit(X).transform(X)
    keys = [f"img{i:02d}" for i in range(n)]
    text = "\n".join("\t".join(f"{v:.5f}" for v in z) for z in Z) + "\n"
    meta = "\n".join(keys) + "\n"
    return text.encode(), meta.encode(), keys


@pytest.mark.parametrize("how", ["zip", "sprite"])
def test_import_with_images_gives_imported_vectors_thumbnails(digits, how):
    vectors, meta, keys = _projector_files(digits)
    shown = digits.display()
    if how == "zip":  # named after the keys, one missing
        images = make_zip({f"pics/{k}.png": png(shown[i]) for i, k in enumerate(keys) if i != 5})
        name = "pics.zip"
    else:  # the Embedding Projector's sprite sheet, tiles in the vectors' order
        images = vi.png_bytes(vi.decode_data_uri(vi.sprite_sheet(digits, np.arange(len(keys))).uri))
        name = "sprite.png"
    at = _app("pages/vectors.py")
    at.file_uploader(key="import-files").set_value([("vectors.tsv", vectors, "text/plain"),
                                                    ("metadata.tsv", meta, "text/plain")])
    at.file_uploader(key="import-images").set_value((name, images, "image/png"))
    at.number_input(key="import-tile").set_value(8)
    at.selectbox(key="import-image-side").set_value(8)
    at.text_input(key="import-name").set_value("digit vectors")
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    expected = 29 if how == "zip" else 30
    assert any(f"{expected} of them have an image" in c.value for c in at.caption)
    if how == "zip":
        assert any("1 key(s) have no image: img05" in i.value for i in at.info)
    ws = Workspace(config.home())
    space = ws.load_space(ws.get_setting("active_model"))
    assert space.item_kind == "image" and len(space) == 30
    at.switch_page("pages/explore.py").run()
    assert not at.exception, at.exception
    hover = _hover_data(at)
    assert (np.array(hover["index"]) >= 0).sum() == expected
    sheet = vi.SpriteSheet(**hover["sprite"])
    np.testing.assert_array_equal(vi.tile_from_sheet(sheet, hover["index"][0]), shown[0])


def test_import_with_unmatched_images_is_refused_and_saves_nothing(digits):
    vectors, meta, _ = _projector_files(digits)
    at = _app("pages/vectors.py")
    at.file_uploader(key="import-files").set_value([("vectors.tsv", vectors, "text/plain"),
                                                    ("metadata.tsv", meta, "text/plain")])
    at.file_uploader(key="import-images").set_value(("other.zip", make_zip({"cat.png": png(digits.display()[0])}),
                                                     "application/zip"))
    at.button[0].click().run()
    assert any("No image matches a key of the vectors" in e.value for e in at.error)
    assert Workspace(config.home()).models().empty
