"""Image sets and their embeddings: readers and bad input, PCA = scikit-learn's, the autoencoder, anomaly
scores, k-NN accuracy, thumbnails and sprite sheets, storage and the job bodies.

Real data: scikit-learn's shipped digits (1,797 8 × 8 images) and its two sample photographs (china.jpg,
flower.jpg); small images made here for each bad-input case.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedlab.errors import Cancelled, InputError
from embedlab.probes.anomaly import AnomalyConfig, AnomalyResult, detect_anomalies, knn_distance_scores
from embedlab.probes.anomaly import run_job as anomaly_job
from embedlab.probes.knn_accuracy import knn_accuracy, space_knn_accuracy
from embedlab.sources import images as img_src
from embedlab.sources.images import (ImageSet, align_to_keys, decode_image, delete_imageset, imagesets,
                                     load_imageset, read_image_zip, read_labels_csv, read_sprite_sheet,
                                     sample_imageset, save_imageset, store_sample_images)
from embedlab.store import Workspace
from embedlab.train.autoencoder import AutoencoderConfig, AutoencoderFit, train_autoencoder
from embedlab.train.autoencoder import run_job as ae_job
from embedlab.train.image_common import load_decoder, reconstruct, space_imageset
from embedlab.train.image_pca import PCAConfig, PCAFit, train_pca
from embedlab.train.image_pca import run_job as pca_job
from embedlab.train.image_pixels import PixelsConfig, train_pixels
from embedlab.views import images as vi

SK_IMAGES = Path(__import__("sklearn.datasets", fromlist=["x"]).__file__).parent / "images"


@pytest.fixture(scope="module")
def digits() -> ImageSet:
    return sample_imageset("digits")


def png(arr, mode=None, **save) -> bytes:
    out = io.BytesIO()
    im = arr if isinstance(arr, Image.Image) else Image.fromarray(arr, mode) if mode else Image.fromarray(arr)
    im.save(out, format="PNG", **save)
    return out.getvalue()


def make_zip(members: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def huge_png_header(width: int, height: int) -> bytes:
    """A PNG whose header announces width × height pixels, followed by a few bytes of pixel data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# -- the shipped digits -------------------------------------------------------------------

def test_digits_shipped_with_labels_and_scale(digits):
    assert len(digits) == 1797 and digits.image_shape == (8, 8) and not digits.colour
    assert digits.max_value == 16 and digits.pixels.max() == 16
    assert sorted(set(digits.labels)) == [str(d) for d in range(10)]
    X = digits.features()
    assert X.shape == (1797, 64) and X.dtype == np.float32 and X.min() == 0 and X.max() == 1
    from sklearn.datasets import load_digits
    assert np.array_equal(X, (load_digits().data / 16).astype(np.float32))
    assert np.array_equal(digits.to_pixels(X), digits.pixels)
    shown = digits.display()
    assert shown.dtype == np.uint8 and shown[digits.pixels == 0].min() == 255  # no ink is white
    assert digits.stats()["labels"] == 10 and digits.label_counts()["images"].sum() == 1797


# -- PCA -------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", ["digits", "wide"])
def test_pca_equals_scikit_learn(digits, shape):
    from sklearn.decomposition import PCA

    if shape == "digits":
        X, k = digits.features().astype(np.float64), 10
    else:  # fewer images than pixel values, as for 40 photos of 16 × 16 pixels
        X, k = np.random.default_rng(3).random((40, 256)), 12
    ours = PCAFit(k).fit(X)
    ref = PCA(n_components=k, svd_solver="full").fit(X)
    assert ours.exact_
    np.testing.assert_allclose(ours.components_, ref.components_, atol=1e-10)
    np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_, rtol=1e-10)
    np.testing.assert_allclose(ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-10)
    np.testing.assert_allclose(ours.singular_values_, ref.singular_values_, rtol=1e-10)
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), atol=1e-10)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(X)), ref.inverse_transform(ref.transform(X)),
                               atol=1e-10)
    assert ours.curve_.sum() == pytest.approx(1.0)  # the exact solver gives the whole spectrum for the curve


def test_pca_randomized_above_the_exact_limit_matches_scikit_learn(digits, monkeypatch):
    from sklearn.decomposition import PCA

    from embedlab.train import image_pca

    monkeypatch.setattr(image_pca, "EXACT_LIMIT", 10)
    X = digits.features().astype(np.float64)
    ours = PCAFit(5).fit(X)
    ref = PCA(n_components=5, svd_solver="full").fit(X)
    assert not ours.exact_
    np.testing.assert_allclose(np.abs(np.sum(ours.components_ * ref.components_, axis=1)), 1.0, atol=1e-4)
    np.testing.assert_allclose(ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-4)


def test_pca_space_and_full_rank_reconstruction(digits):
    space = train_pca(digits, PCAConfig(n_components=10))
    assert space.kind == "image_pca" and space.dim == 10 and len(space) == 1797
    assert space.info["item_kind"] == "image" and space.words[0] == "digit-0000"
    assert space.meta["class"].iloc[0] == "0" and space.labels[0] == "digit-0000 (0)"
    assert space.resolve("digit-0000") == "digit-0000" and len(space.info["variance_curve"]) == 64
    assert sum(space.info["explained_variance_ratio"]) == pytest.approx(0.7382, abs=1e-3)
    full = PCAFit(64).fit(digits.features())
    assert full.reconstruction_error(digits.features()).max() < 1e-20
    with pytest.raises(InputError, match="n_components must be from 1 to 64"):
        train_pca(digits, PCAConfig(n_components=65))


# -- the autoencoder ---------------------------------------------------------------------------

def test_autoencoder_learns_and_reconstructs_training_digits_better_than_a_held_out_one(digits):
    normal = digits.labels != "0"
    X = digits.features()
    reports = []
    fit = AutoencoderFit(AutoencoderConfig(bottleneck=10, hidden_sizes=(32,), epochs=40, seed=1)).fit(
        X[normal], progress=lambda f, m="", **d: reports.append((f, m, d)))
    curve = fit.mse_curve_
    assert len(curve) == 40 and len(fit.loss_curve_) == 40
    assert curve[-1] < 0.5 * curve[0] and curve[-1] < curve[4]            # the error falls
    assert np.sum(np.diff(curve) > 0) < 10                                 # mostly monotone (stochastic)
    train_err = fit.reconstruction_error(X[normal]).mean()
    held_err = fit.reconstruction_error(X[~normal]).mean()
    assert train_err < held_err
    # our forward pass equals scikit-learn's predict, and the bottleneck is the embedding
    np.testing.assert_allclose(fit.reconstruct(X), fit.mlp_.predict(X), atol=1e-5)
    assert fit.encode(X).shape == (1797, 10)
    assert len(reports) == 40 and reports[-1][0] == 1.0 and reports[-1][2]["epoch"] == 40
    assert len(reports[-1][2]["epoch_losses"]) == 40
    # arrays round trip
    back = AutoencoderFit.from_arrays(*fit.to_arrays())
    np.testing.assert_array_equal(back.encode(X), fit.encode(X))


def test_autoencoder_bottleneck_larger_than_input_is_refused(digits):
    with pytest.raises(InputError, match="must be smaller than the input"):
        train_autoencoder(digits, AutoencoderConfig(bottleneck=100, epochs=1))
    with pytest.raises(InputError, match="must be smaller than the input"):
        train_autoencoder(digits, AutoencoderConfig(bottleneck=64, epochs=1))  # equal: it could copy its input
    with pytest.raises(InputError, match="bottleneck"):
        AutoencoderConfig(bottleneck=0)
    with pytest.raises(InputError, match="activation"):
        AutoencoderConfig(activation="sigmoid")
    with pytest.raises(InputError, match="whole numbers"):
        AutoencoderConfig.from_dict({"hidden_sizes": "64, lots"})
    with pytest.raises(InputError, match="at most 3"):
        AutoencoderConfig(hidden_sizes=(8, 8, 8, 8))
    with pytest.raises(InputError, match="from 1 to 2048"):
        AutoencoderConfig(hidden_sizes=[0])
    with pytest.raises(InputError, match="epochs must be a whole number"):
        AutoencoderConfig.from_dict({"epochs": 5.5})
    cfg = AutoencoderConfig.from_dict({"hidden_sizes": "32, 16", "epochs": 5, "unknown": 1})
    assert cfg.hidden_sizes == (32, 16) and cfg.epochs == 5 and cfg.layers == (32, 16, 10, 16, 32)
    assert AutoencoderConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg  # through a job's JSON


def test_autoencoder_cancel_stops_between_epochs(digits):
    calls = []

    def stop():
        calls.append(1)
        return len(calls) >= 2

    with pytest.raises(Cancelled):
        train_autoencoder(digits.subset(np.arange(200)), AutoencoderConfig(epochs=50), should_stop=stop)
    assert len(calls) == 2


# -- anomaly detection ------------------------------------------------------------------------------

def _with_inverted(digits, n=400, plant=7):
    """The first ``n`` digits plus an inverted copy of digit ``plant`` labelled 'inverted'."""
    sub = digits.subset(np.arange(n))
    inverted = (16 - sub.pixels[plant])[None]
    return ImageSet(np.concatenate([sub.pixels, inverted]), [*sub.ids, "planted"], [*sub.labels, "inverted"],
                    "planted", max_value=16, invert_display=True)


def test_anomaly_scores_rank_a_planted_inverted_image_first(digits):
    images = _with_inverted(digits)
    cfg = AnomalyConfig(ae_epochs=30, ae_hidden_sizes=(32,), pca_components=8, n_estimators=50)
    result = detect_anomalies(images, held_out=["inverted"], cfg=cfg)
    for method in ("autoencoder", "pca", "isolation_forest", "knn_distance"):
        top = result.ranking(method, 3)
        assert top["id"].iloc[0] == "planted", method
        assert result.roc_auc[method] == pytest.approx(1.0), method
    assert (result.role == "held out").sum() == 1 and "planted" not in result.ids[result.role == "train"]
    assert len(result.ae_loss_curve) == 30
    hist = result.histogram("pca", bins=10)
    assert hist["normal"].sum() == (result.role == "normal (test)").sum() and hist["held_out"].sum() == 1
    again = AnomalyResult.from_dict(result.to_dict())
    assert again.roc_auc == result.roc_auc and np.array_equal(again.scores["pca"], result.scores["pca"])
    assert "ROC AUC separates the 1 held-out images" in result.protocol()
    assert vi.anomaly_histogram_figure(result, "pca").data and len(vi.roc_figure(result).data) == 5


def test_anomaly_held_out_digit_with_the_cheap_detectors(digits):
    result = detect_anomalies(digits, held_out=["0"], cfg=AnomalyConfig(n_estimators=50),
                              methods=("pca", "knn_distance", "isolation_forest"))
    assert set(result.roc_auc) == {"pca", "knn_distance", "isolation_forest"}
    assert result.roc_auc["knn_distance"] > 0.9 and result.roc_auc["pca"] > 0.6
    assert not np.any((result.labels == "0") & (result.role == "train"))
    n_normal = int(np.sum(digits.labels != "0"))
    assert (result.role == "normal (test)").sum() == pytest.approx(0.3 * n_normal, abs=1)
    assert result.summary()["roc_auc"].notna().all()


def test_knn_distance_skips_a_training_image_itself():
    train = np.array([[0.0], [1.0], [3.0]])
    X = np.array([[0.0], [1.0], [3.0], [10.0]])
    s = knn_distance_scores(train, X, k=1, is_train=np.array([True, True, True, False]))
    assert s.tolist() == [1.0, 1.0, 2.0, 7.0]


def test_anomaly_bad_input(digits):
    small = digits.subset(np.arange(100))
    with pytest.raises(InputError, match="No image has the label"):
        detect_anomalies(small, held_out=["cat"], methods=("pca",))
    with pytest.raises(InputError, match="Every image is held out"):
        detect_anomalies(small, held_out=[str(d) for d in range(10)], methods=("pca",))
    with pytest.raises(InputError, match="Unknown detector"):
        detect_anomalies(small, held_out=["1"], methods=("magic",))
    unlabelled = ImageSet(small.pixels, small.ids, [""] * 100, max_value=16)
    with pytest.raises(InputError, match="has no labels"):
        detect_anomalies(unlabelled, held_out=["1"], methods=("pca",))
    plain = detect_anomalies(unlabelled, methods=("pca", "knn_distance"))
    assert plain.roc_auc == {"pca": None, "knn_distance": None} and plain.notes
    with pytest.raises(InputError, match="must be smaller than the input"):
        detect_anomalies(small, held_out=["1"], cfg=AnomalyConfig(ae_bottleneck=64))


# -- k-NN accuracy ------------------------------------------------------------------------------------

def test_knn_accuracy_equals_scikit_learn_and_states_its_folds(digits):
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    X, y = digits.features(), digits.labels
    ours = knn_accuracy(X, y, k=5, folds=5, seed=0)
    ref = cross_val_score(KNeighborsClassifier(5), X, y, cv=StratifiedKFold(5, shuffle=True, random_state=0))
    np.testing.assert_allclose(ours.per_fold, ref)
    assert ours.mean == pytest.approx(ref.mean()) and ours.folds == 5 and ours.k == 5
    assert "5-fold stratified CV" in ours.describe()


def test_knn_accuracy_hand_case_and_bad_input():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1], [10, 10], [10, 11], [11, 10], [11, 11], [50, 50]], float)
    y = ["a"] * 4 + ["b"] * 4 + ["lonely"]
    r = knn_accuracy(X, y, k=1, folds=2)
    assert r.mean == 1.0 and r.n_items == 8 and r.n_classes == 2 and "lonely" in r.notes[0]
    with pytest.raises(InputError, match="two classes"):
        knn_accuracy(X[:4], ["a"] * 4, folds=2)
    with pytest.raises(InputError, match="one label per vector"):
        knn_accuracy(X, y[:3])


def test_knn_accuracy_of_image_spaces(digits):
    pixels = train_pixels(digits)
    pca = train_pca(digits, PCAConfig(n_components=10))
    acc_pixels, acc_pca = space_knn_accuracy(pixels), space_knn_accuracy(pca)
    assert acc_pixels.mean > 0.97 and acc_pca.mean > 0.95
    std = train_pixels(digits, PixelsConfig(scale="standardise"))
    assert np.allclose(std.vectors.mean(axis=0), 0, atol=1e-5)
    fig = vi.knn_accuracy_figure({"pixels": acc_pixels, "PCA-10": acc_pca})
    assert list(fig.data[0].x) == ["pixels", "PCA-10"]


# -- thumbnails ------------------------------------------------------------------------------------------

def test_thumbnails_round_trip(digits):
    uris = vi.thumbnail_uris(digits, [0, 5, -1], px=24)
    assert uris[2] is None
    for uri, row in zip(uris[:2], [0, 5]):
        assert uri.startswith("data:image/png;base64,")
        back = vi.decode_data_uri(uri)
        assert back.shape == (24, 24)
        np.testing.assert_array_equal(back, vi.enlarge(digits.display(digits.pixels[row:row + 1]), 24)[0])
    sheet = vi.sprite_sheet(digits, np.arange(50))
    assert sheet.per_row == 8 and sheet.tile == 8 and (sheet.width, sheet.height) == (64, 56)
    for k in (0, 7, 8, 49):
        np.testing.assert_array_equal(vi.tile_from_sheet(sheet, k), digits.display()[k])
    # colour images survive too
    rgb = ImageSet(np.random.default_rng(0).integers(0, 256, (3, 16, 16, 3), dtype=np.uint8), ["a", "b", "c"],
                   ["", "", ""])
    np.testing.assert_array_equal(vi.decode_data_uri(vi.thumbnail_uris(rgb, [1], px=16)[0]), rgb.pixels[1])
    np.testing.assert_array_equal(vi.tile_from_sheet(vi.sprite_sheet(rgb), 2), rgb.pixels[2])


def test_thumbnails_on_the_map_are_capped_and_the_payload_is_small(digits):
    import pandas as pd

    from embedlab.views.scatter import scatter_figure

    Z = PCAFit(2).fit(digits.features()).transform(digits.features())
    frame = pd.DataFrame({"word": digits.ids, "label": digits.labels, "x": Z[:, 0], "y": Z[:, 1]})
    fig = scatter_figure(frame)
    note = vi.add_point_thumbnails(fig, frame, digits, max_thumbnails=100)
    assert len(fig.layout.images) == 100 and "100 of 1,797" in note
    fig = scatter_figure(frame)
    assert "all 1,797" in vi.add_point_thumbnails(fig, frame, digits)
    payload = vi.hover_payload(fig, frame, digits)
    assert payload["index"][:3] == [0, 1, 2] and payload["sprite"]["n"] == 1797
    assert vi.payload_mb(payload) < 3.0  # the target for 1,797 thumbnails
    html = vi.hover_html(payload, plotlyjs="plotly.min.js")
    assert "embedlabHoverImages" in html and '<script src="plotly.min.js">' in html
    attach = vi.hover_attach_data(frame, digits, "map")
    assert attach["chart_key"] == "map" and attach["index"] == payload["index"] and "figure" not in attach
    # a point without an image gets no tile
    frame2 = frame.iloc[:3].assign(word=["digit-0000", "nope", "digit-0002"])
    assert vi.hover_payload(scatter_figure(frame2), frame2, digits)["index"] == [0, -1, 1]
    assert "2-D" in vi.add_point_thumbnails(fig, frame.assign(z=0.0), digits)


def test_galleries(digits):
    pca = train_pca(digits, PCAConfig(n_components=10))
    tiles, titles = vi.eigen_images(pca.decoder, digits, n=6)
    assert tiles.shape == (7, 8, 8, 3) and titles[0] == "mean" and titles[1].startswith("PC1 (")
    rows = [0, 1, 2]
    rec = {"PCA-10": reconstruct(digits, pca.decoder, rows)}
    grid, names, columns = vi.reconstruction_gallery(digits, rows, rec)
    assert grid.shape == (6, 8, 8) and columns == 2 and names[:2] == ["0", "PCA-10"]
    fig = vi.gallery_figure(grid, names, columns=columns)
    assert len(fig.layout.annotations) == 6
    assert vi.mosaic(grid, 2, pad=1).shape == (3 * 9 - 1, 2 * 9 - 1)
    assert vi.variance_curve_figure(pca.info["variance_curve"], chosen=10).data


# -- uploads: good and bad zips ------------------------------------------------------------------------------

def test_zip_of_real_photos_and_digits_with_labels_csv(digits):
    members = {"photos/china.jpg": (SK_IMAGES / "china.jpg").read_bytes(),
               "photos/flower.jpg": (SK_IMAGES / "flower.jpg").read_bytes(),
               "digit.png": png(digits.display()[0])}
    labels = b"file,label\nchina.jpg,city\nphotos/flower.jpg,plant\ndigit,digit\n"
    images = read_image_zip(make_zip(members), "mixed.zip", side=32, colour=True, labels_csv=labels)
    assert images.pixels.shape == (3, 32, 32, 3) and images.colour
    assert images.ids.tolist() == ["digit.png", "photos/china.jpg", "photos/flower.jpg"]
    assert images.labels.tolist() == ["digit", "city", "plant"] and images.files[1] == "china.jpg"
    grey = read_image_zip(make_zip(members), "mixed.zip", side=16, fit="pad")
    assert grey.pixels.shape == (3, 16, 16)
    assert grey.pixels[1, 0].min() == 255  # the wide photo is padded with white above and below
    # without a CSV, sub-folders are not labels unless every image sits in one
    assert grey.labels.tolist() == ["", "", ""]
    foldered = read_image_zip(make_zip({"cat/a.png": png(digits.display()[0]), "dog/b.png": png(digits.display()[1])}),
                              "pets.zip", side=8)
    assert foldered.labels.tolist() == ["cat", "dog"] and any("sub-folder" in n for n in foldered.notes)


def test_zip_without_images_and_not_a_zip():
    with pytest.raises(InputError, match="holds no usable PNG or JPEG"):
        read_image_zip(make_zip({"readme.txt": b"hello", "notes/a.doc": b"\x00\x01"}), "docs.zip")
    with pytest.raises(InputError, match="holds no usable PNG or JPEG"):
        read_image_zip(make_zip({}), "empty.zip")
    with pytest.raises(InputError, match="not a zip"):
        read_image_zip(b"GIF89a not a zip", "x.zip")
    with pytest.raises(InputError, match="empty"):
        read_image_zip(b"", "x.zip")
    with pytest.raises(InputError, match="side"):
        read_image_zip(make_zip({"a.png": png(np.zeros((4, 4), np.uint8))}), "a.zip", side=500)


def test_images_of_mixed_modes_are_converted():
    rng = np.random.default_rng(0)
    pal = Image.fromarray(rng.integers(0, 4, (10, 10), dtype=np.uint8), "L").convert("P")
    pal.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 255, 255, 255] + [0] * 756)
    rgba = np.zeros((10, 10, 4), np.uint8)  # fully transparent black: shown as white
    la = np.stack([np.full((10, 10), 0, np.uint8), np.full((10, 10), 128, np.uint8)], axis=-1)  # half-transparent black
    sixteen = np.full((10, 10), 32896, np.uint16)  # 128 × 257: half grey in 16 bits
    cmyk = io.BytesIO()
    Image.new("CMYK", (10, 10), (0, 0, 0, 0)).save(cmyk, format="JPEG")
    members = {"a_palette.png": png(pal), "b_palette_transparent.png": png(pal, transparency=0),
               "c_rgba.png": png(rgba, "RGBA"), "d_la.png": png(Image.fromarray(la, "LA")),
               "e_16bit.png": png(Image.fromarray(sixteen)), "f_1bit.png": png(Image.new("1", (10, 10), 1)),
               "g_cmyk.jpg": cmyk.getvalue(), "h_grey.png": png(np.full((10, 10), 7, np.uint8))}
    images = read_image_zip(make_zip(members), "modes.zip", side=10, fit="stretch")
    assert len(images) == 8 and not images.skipped
    by = dict(zip(images.ids, images.pixels))
    assert by["c_rgba.png"].min() == 255  # transparency onto white
    assert 125 <= by["d_la.png"].min() <= by["d_la.png"].max() <= 129
    assert by["e_16bit.png"].min() == 128 and by["e_16bit.png"].max() == 128  # scaled, not clipped at 255
    assert by["f_1bit.png"].min() == 255 and by["h_grey.png"].max() == 7
    assert by["g_cmyk.jpg"].min() >= 250  # CMYK (0,0,0,0) is white
    note = next(n for n in images.notes if n.startswith("Image modes converted"))
    for mode in ("P)", "RGBA", "LA", "I;16", "1)", "CMYK"):
        assert mode in note
    colour = read_image_zip(make_zip(members), "modes.zip", side=10, colour=True, fit="stretch")
    assert colour.pixels.shape == (8, 10, 10, 3)
    assert tuple(dict(zip(colour.ids, colour.pixels))["a_palette.png"][0, 0]) in {(0, 0, 0), (255, 0, 0),
                                                                                  (0, 255, 0), (255, 255, 255)}


def test_corrupt_and_non_image_members_are_listed_and_skipped(digits):
    good = png(digits.display()[3])
    members = {"good.png": good, "truncated.png": good[: len(good) // 2], "garbage.png": b"\x89PNG\r\n\x1a\nrubbish",
               "text.jpg": b"this is not a jpeg", "notes.txt": b"hello", "anim.gif": b"GIF89a" + b"\x00" * 20,
               "__MACOSX/._good.png": b"junk", ".hidden.png": b"junk"}
    images = read_image_zip(make_zip(members), "mixed.zip", side=8)
    assert images.ids.tolist() == ["good.png"]
    reasons = {s["file"]: s["reason"] for s in images.skipped}
    assert set(reasons) == {"truncated.png", "garbage.png", "text.jpg", "notes.txt", "anim.gif"}
    assert "damaged" in reasons["truncated.png"] and "not a PNG or JPEG" in reasons["notes.txt"]
    assert "not a PNG or JPEG" in reasons["anim.gif"]  # other formats are not decoded at all
    assert images.skipped_frame().shape == (5, 2)


def test_labels_csv_naming_unknown_files_is_reported(digits):
    members = {f"img{i}.png": png(digits.display()[i]) for i in range(3)}
    csv = b"img0.png,zero\nimg1,one\nmissing.png,x\nother/also_missing.png,y\nimg0.png,ZERO\n"
    images = read_image_zip(make_zip(members), "d.zip", side=8, labels_csv=csv)
    assert images.labels.tolist() == ["ZERO", "one", ""]
    notes = " ".join(images.notes)
    assert "2 file name(s) in 'labels.csv' match no image" in notes and "missing.png" in notes
    assert "named twice" in notes and "1 image(s) have no label" in notes
    mapping, _, unknown = read_labels_csv(csv, "labels.csv", list(members))
    assert unknown == ["missing.png", "other/also_missing.png"]
    with pytest.raises(InputError, match="None of the 2 file names"):
        read_image_zip(make_zip(members), "d.zip", side=8, labels_csv=b"x.png,1\ny.png,2\n")
    with pytest.raises(InputError, match="two columns"):
        read_image_zip(make_zip(members), "d.zip", side=8, labels_csv=b"img0.png\nimg1.png\n")
    # a single CSV inside the zip is used for the labels
    inside = read_image_zip(make_zip({**members, "labels.csv": b"image,class\nimg2.png,two\n"}), "d.zip", side=8)
    assert inside.labels.tolist() == ["", "", "two"]


def test_zip_over_the_limits(digits, monkeypatch):
    members = {f"img{i}.png": png(digits.display()[i]) for i in range(5)}
    data = make_zip(members)
    with pytest.raises(InputError, match="over the"):
        read_image_zip(data, "d.zip", side=8, limit=len(data) - 1)
    monkeypatch.setenv("EMBEDLAB_MAX_UPLOAD_MB", "0.0001")  # 104 bytes, below even the zip itself
    with pytest.raises(InputError, match="over the"):
        read_image_zip(data, "d.zip", side=8)
    monkeypatch.delenv("EMBEDLAB_MAX_UPLOAD_MB")
    with pytest.raises(InputError, match="over the limit of 4 images"):
        read_image_zip(data, "d.zip", side=8, max_images=4)
    monkeypatch.setattr(img_src, "MAX_ZIP_MEMBERS", 3)
    with pytest.raises(InputError, match="holds 5 files; embedlab opens archives of at most 3"):
        read_image_zip(data, "d.zip", side=8)


def test_archive_rules_of_every_upload_hold_for_image_zips(digits):
    import gzip

    good = png(digits.display()[0])
    # a .zip.gz and .png.gz members are read (one level of archives), the budget counts what comes out
    both = read_image_zip(gzip.compress(make_zip({"a.png": good, "b.png": good})), "pics.zip.gz", side=8)
    assert both.ids.tolist() == ["a.png", "b.png"] and both.name == "pics"
    assert read_image_zip(make_zip({"a.png.gz": gzip.compress(good)}), "z.zip", side=8).ids.tolist() == ["a.png"]
    with pytest.raises(InputError, match="once decompressed"):
        read_image_zip(make_zip({f"{i}.png.gz": gzip.compress(b"\0" * 400_000) for i in range(5)}), "bomb.zip",
                       side=8, limit=1_000_000)
    with pytest.raises(InputError, match="one level"):
        read_image_zip(make_zip({"a.png": good, "inner.zip": make_zip({"b.png": good})}), "z.zip", side=8)
    with pytest.raises(InputError, match="one level"):  # an archive under an image's name
        read_image_zip(make_zip({"a.png": good, "b.png": make_zip({"c.png": good})}), "z.zip", side=8)
    with pytest.raises(InputError, match="leaves the archive"):
        read_image_zip(make_zip({"../../a.png": good}), "z.zip", side=8)
    # a directory entry needing a newer zip version than Python reads: zipfile raises NotImplementedError
    data = bytearray(make_zip({"a.png": good}))
    at = data.find(b"PK\x01\x02")
    data[at + 6:at + 8] = b"\x63\x00"
    with pytest.raises(InputError, match="not a readable zip file"):
        read_image_zip(bytes(data), "new.zip", side=8)


def test_a_20000_by_20000_image_is_refused_before_decoding(digits, monkeypatch):
    from PIL import ImageFile

    bomb = huge_png_header(20_000, 20_000)
    loaded = []
    real_load = ImageFile.ImageFile.load

    def spy(self):
        loaded.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    images = read_image_zip(make_zip({"bomb.png": bomb, "ok.png": png(digits.display()[0])}), "b.zip", side=8)
    assert images.ids.tolist() == ["ok.png"]
    reason = images.skipped[0]["reason"]
    assert images.skipped[0]["file"] == "bomb.png"
    assert "refused before decoding" in reason and "400000000 pixels" in reason
    assert (20_000, 20_000) not in loaded  # never decoded
    # Pillow's decompression-bomb check in Image.open refuses it on the header, whatever our own limit
    with pytest.raises(InputError, match="too large to decode, refused before decoding"):
        img_src.open_image(bomb, "bomb.png", max_pixels=10**12)
    # below Pillow's error threshold, our own limit (50 MP) refuses on the header too
    with pytest.raises(InputError, match=r"10,000 × 10,000 pixels, over the limit .*\(refused before decoding\)"):
        decode_image(huge_png_header(10_000, 10_000), "big.png", side=8)
    assert (10_000, 10_000) not in loaded


def test_random_bytes_never_crash_the_zip_reader():
    rng = np.random.default_rng(7)
    good = png(np.zeros((4, 4), np.uint8))
    for trial in range(200):
        junk = rng.integers(0, 256, int(rng.integers(0, 400)), dtype=np.uint8).tobytes()
        with pytest.raises(InputError):
            read_image_zip(junk, "junk.zip", side=8)
        flipped = bytearray(good)
        for pos in rng.integers(0, len(flipped), 3):
            flipped[pos] = int(rng.integers(0, 256))
        try:
            out = read_image_zip(make_zip({"a.png": bytes(flipped)}), "f.zip", side=8)
            assert len(out) == 1
        except InputError:
            pass
        # a damaged zip archive itself
        data = bytearray(make_zip({"a.png": good, "b.png": good}))
        data[int(rng.integers(30, len(data)))] ^= 0xFF
        try:
            read_image_zip(bytes(data), "d.zip", side=8)
        except InputError:
            pass


# -- sprite sheets and imported vectors --------------------------------------------------------------------

def test_sprite_sheet_round_trip_and_alignment_to_vector_keys(digits):
    sheet = vi.sprite_sheet(digits, np.arange(30))
    raw = vi.png_bytes(vi.decode_data_uri(sheet.uri))
    ids = [f"v{i}" for i in range(30)]
    images = read_sprite_sheet(raw, "sprite.png", tile=8, n_images=30, ids=ids)
    np.testing.assert_array_equal(images.pixels, digits.display()[:30])
    with pytest.raises(InputError, match="fewer than the 40 images"):
        read_sprite_sheet(raw, "sprite.png", tile=8, n_images=40)
    aligned, missing, unused = align_to_keys(images, ["v3", "nope", "v1"])
    assert aligned.ids.tolist() == ["v3", "v1"] and missing == ["nope"] and len(unused) == 28
    np.testing.assert_array_equal(aligned.pixels[0], images.pixels[3])
    zipped = read_image_zip(make_zip({"cats/v7.png": png(digits.display()[7])}), "z.zip", side=8)
    aligned, missing, _ = align_to_keys(zipped, ["v7", "v8"])  # by file name without extension
    assert aligned.ids.tolist() == ["v7"] and missing == ["v8"]
    with pytest.raises(InputError, match="No image matches"):
        align_to_keys(zipped, ["x"])


# -- storage and the job bodies -------------------------------------------------------------------------------

def test_imageset_storage_round_trip(tmp_path, digits):
    ws = Workspace(tmp_path / "ws")
    sub = digits.subset(np.arange(20))
    set_id = save_imageset(ws, sub)
    back = load_imageset(ws, set_id)
    assert np.array_equal(back.pixels, sub.pixels) and back.ids.tolist() == sub.ids.tolist()
    assert back.labels.tolist() == sub.labels.tolist() and back.max_value == 16 and back.invert_display
    assert save_imageset(ws, digits.subset(np.arange(20))) == set_id  # the same content is stored once
    listed = imagesets(ws)
    assert listed["id"].tolist() == [set_id] and listed["images"].tolist() == [20] and listed["side"].tolist() == [8]
    assert store_sample_images(ws) == store_sample_images(ws)  # stored once, then reused
    assert (tmp_path / "ws" / "images" / set_id / "imageset.json").is_file()
    assert not list((tmp_path / "ws" / "images").glob(".partial-*"))
    with pytest.raises(InputError, match="no image set"):
        load_imageset(ws, "../models")
    ws.set_setting("image_set", set_id)
    (tmp_path / "ws" / "images" / set_id / "pixels.npy").write_bytes(b"\x93NUMPY damaged")
    with pytest.raises(InputError, match="damaged"):
        load_imageset(ws, set_id)
    delete_imageset(ws, set_id)
    assert ws.get_setting("image_set") is None and len(imagesets(ws)) == 1  # the digits stay


def test_jobs_train_save_and_find_their_images_and_decoders_again(tmp_path, digits):
    ws = Workspace(tmp_path / "ws")
    reports = []
    progress = lambda f, m="", **d: reports.append(f)  # noqa: E731
    out = pca_job(ws, {"sample": "digits", "config": {"n_components": 5}, "name": "eigen"}, progress)
    space = ws.load_space(out["model_id"])
    assert space.name == "eigen" and space.dim == 5 and space.item_kind == "image"
    assert space.info["imageset_id"] == out["images_id"] and space.meta["class"].iloc[10] == "0"
    images = space_imageset(ws, space)
    np.testing.assert_array_equal(images.pixels, digits.pixels)
    assert images.labels.tolist() == digits.labels.tolist() and images.invert_display
    decoder = load_decoder(ws, space)
    np.testing.assert_allclose(decoder.transform(images.features()), space.vectors, atol=1e-4)
    assert reconstruct(images, decoder, [0, 1]).shape == (2, 8, 8)
    # decoder and images are model attachments: inside the model's folder, nowhere else
    folder = ws.model_folder(out["model_id"])
    assert (folder / "attachments" / "decoder" / "components.npy").is_file()
    assert (folder / "attachments" / "images" / "pixels.npy").is_file()
    assert not (tmp_path / "ws" / "image_decoders").exists()
    out2 = ae_job(ws, {"images_id": out["images_id"], "config": {"epochs": 3, "bottleneck": 4}}, progress)
    ae_space = ws.load_space(out2["model_id"])
    ae = load_decoder(ws, ae_space)
    np.testing.assert_allclose(ae.encode(images.features()), ae_space.vectors, atol=1e-5)
    assert len(ae_space.info["epoch_losses"]) == 3 and ae_space.kind == "autoencoder"
    assert max(reports) <= 1.0
    # a model keeps its images when its set is deleted, and loses its decoder with itself
    delete_imageset(ws, out["images_id"])
    np.testing.assert_array_equal(space_imageset(ws, ws.load_space(out2["model_id"])).pixels, digits.pixels)
    ws.delete_model(out["model_id"])
    assert not folder.exists()
    with pytest.raises(InputError, match="Choose an image set"):
        pca_job(ws, {"config": {}}, progress)
    with pytest.raises(InputError, match="no image set"):
        pca_job(ws, {"images_id": out["images_id"], "config": {}}, progress)


def test_anomaly_job_writes_its_scores_beside_the_job(tmp_path, digits):
    from embedlab.probes.anomaly import load_result

    ws = Workspace(tmp_path / "ws")
    set_id = save_imageset(ws, digits)
    folder = tmp_path / "job"
    folder.mkdir()
    res = anomaly_job(ws, {"images_id": set_id, "held_out": ["1"], "methods": ["pca", "knn_distance"],
                           "config": {"pca_components": 5}, "job_folder": str(folder)}, lambda *a, **k: None)
    assert res["images_id"] == set_id and 0.5 < res["roc_auc"]["knn_distance"] <= 1
    result = load_result({"result": res})
    assert result.roc_auc == res["roc_auc"] and len(result.ids) == 1797
    assert result.verdict().startswith("The baseline distance to the k-th nearest training image separated")


def test_family_checks_refuse_before_queueing(tmp_path, digits):
    from embedlab.train import registry

    ws = Workspace(tmp_path / "ws")
    set_id = save_imageset(ws, digits.subset(np.arange(30)))
    ae, pca = registry.family("autoencoder"), registry.family("image_pca")
    assert ae.arg == pca.arg == "images_id" and ae.item == "image" and ae.reports_loss
    with pytest.raises(InputError, match="must be smaller than the input"):
        ae.run_check(ws, {"images_id": set_id, "config": {"bottleneck": 64}})
    with pytest.raises(InputError, match="n_components must be at most 30"):
        pca.run_check(ws, {"images_id": set_id, "config": {"n_components": 40}})
    pca.run_check(ws, {"images_id": set_id, "config": {"n_components": 30}})


def test_reading_a_zip_as_a_job_reports_progress_and_stops_on_cancel(tmp_path, digits):
    from embedlab.sources.images import run_read_job

    ws = Workspace(tmp_path / "ws")
    members = {f"{d}/{i}.png": png(digits.display()[i]) for i in range(120) for d in [digits.labels[i]]}
    data = make_zip(members)
    reports = []
    out = run_read_job(ws, {"file": ["many.zip", ws.stage_upload("many.zip", data)], "side": 8},
                       lambda f, m="", **d: reports.append((f, m)))
    assert out["images"] == 120 and load_imageset(ws, out["images_id"]).labels.tolist()[:3] == ["0", "0", "0"]
    assert [m for _, m in reports][:3] == ["Reading image 1 of 120", "Reading image 51 of 120",
                                           "Reading image 101 of 120"]
    assert all(0 <= f <= 1 for f, _ in reports)

    def cancelled(fraction, message="", **details):  # what the worker does once the job is cancelled
        if fraction > 0.3:
            raise Cancelled("The job was cancelled.")

    before = len(imagesets(ws))
    with pytest.raises(Cancelled):
        run_read_job(ws, {"file": ["other.zip", ws.stage_upload("other.zip", make_zip(
            {f"x{i}.png": png(digits.display()[i]) for i in range(130, 260)}))], "side": 8}, cancelled)
    assert len(imagesets(ws)) == before and not any((ws.root / "uploads").iterdir())
