"""Images: the shipped digits or a zip of your images; what is in the set; train pixels, PCA or an autoencoder."""

import numpy as np
import streamlit as st

from embedlab import config, jobs
from embedlab.errors import InputError
from embedlab.sources import images as src
from embedlab.sources.images import CURRENT_SETTING as SETTING
from embedlab.ui import session, widgets
from embedlab.ui.entry import through_app
from embedlab.ui.training import training_runs, training_section
from embedlab.views import images as vi

through_app()
st.title("Images: pixels, PCA and an autoencoder")
st.caption("A space of images: each image becomes a vector (its pixels, its scores on the principal components, or "
           "the activations of an autoencoder's bottleneck). Explore then shows the images on the map; the "
           "Anomalies page asks what a model of the normal images cannot reconstruct.")
ws = session.workspace()


def use_set(set_id: str) -> None:
    ws.set_setting(SETTING, set_id)


# -- 1. the image set --------------------------------------------------------------------------
st.header("1. Image set")
widgets.show_flash("images-delete")
sources = ["Shipped: handwritten digits", "Upload a zip of images"]
source = st.radio("Source", sources, horizontal=True,
                  key=session.keep_widget("images-source", sources[0], valid=sources.__contains__))
session.remember_widget("images-source", source)
if source == sources[0]:
    spec = src.SAMPLE_IMAGES["digits"]
    st.markdown(f"**{spec['title']}**")
    st.caption(f"Source and licence: {spec['citation']} Read from the copy scikit-learn installs (no download).")
    if st.button("Use the digits", key="images-use-digits", type="primary"):
        with widgets.user_errors():
            use_set(src.store_sample_images(ws))
else:
    limit_mb = config.max_upload_bytes() // 2**20
    st.caption(f"A .zip of PNG or JPEG images of any size (at most {src.MAX_IMAGES:,} images, {limit_mb} MB once "
               f"unzipped; an image announcing more than {src.MAX_IMAGE_PIXELS // 10**6} million pixels is refused "
               "before it is decoded). Every image is resized to one square size. Labels: a CSV of file name → "
               "label (uploaded here or inside the zip), or sub-folder names (cat/1.png → cat). Other files, "
               "damaged images and other formats are listed and skipped.")
    up = st.file_uploader("Zip of images", type=["zip", "gz"], key="images-upload")
    labels_up = st.file_uploader("Labels CSV (optional): file name, label", type=["csv", "tsv", "txt"],
                                 key="images-labels")
    c1, c2, c3 = st.columns(3)
    side = c1.selectbox("Size (pixels per side)", src.IMAGE_SIDES, key=session.keep_widget(
        "images-side", 28, valid=src.IMAGE_SIDES.__contains__),
        help="Every image is resized to this square. Larger keeps more detail and makes every model slower: "
             "64 × 64 in colour is 12,288 values per image.")
    colour = c2.radio("Colour", ["greyscale", "colour"], horizontal=True,
                      key=session.keep_widget("images-colour", "greyscale"))
    fit = c3.radio("Fit to a square", src.FITS, horizontal=True, key=session.keep_widget("images-fit", "crop"),
                   format_func={"crop": "crop the centre", "pad": "pad with white", "stretch": "stretch"}.get)
    for key, value in (("images-side", side), ("images-colour", colour), ("images-fit", fit)):
        session.remember_widget(key, value)
    if st.button("Read the images", key="images-read", type="primary", disabled=up is None):
        with widgets.user_errors():
            if up.size > config.inline_limit("image_zip_bytes"):
                # thousands of images to decode would hold up the server: a background job reads them
                args = {"file": [up.name, ws.stage_upload(up.name, up.getvalue())],
                        "labels": [labels_up.name, ws.stage_upload(labels_up.name, labels_up.getvalue())]
                        if labels_up is not None else None,
                        "side": int(side), "colour": colour == "colour", "fit": fit}
                job_id = jobs.submit(ws, "read_images", args, f"Read the images of {up.name}")
                ws.set_setting("images_read_job", job_id)
            else:
                with st.spinner("Reading the images"):
                    images = src.read_image_zip(up.getvalue(), up.name, side=int(side), colour=colour == "colour",
                                                fit=fit, labels_csv=labels_up.getvalue() if labels_up else None,
                                                labels_name=labels_up.name if labels_up else "labels.csv")
                    use_set(src.save_imageset(ws, images))
    read_job = ws.get_setting("images_read_job")
    if read_job:
        def read_done(status):
            use_set(status["result"]["images_id"])
            ws.set_setting("images_read_job", None)

        widgets.job_panel(read_job, key="images-read-panel", on_done=read_done)

stored = src.imagesets(ws)
if not stored.empty:
    with st.expander(f"Stored image sets ({len(stored)})"):
        names = {i: f"{n} · {int(k):,} images of {int(s)} × {int(s)}{' colour' if c else ''}"
                 for i, n, k, s, c in zip(stored["id"], stored["name"], stored["images"], stored["side"],
                                          stored["colour"])}
        pick = st.selectbox("Image set", list(names), format_func=names.get, key="images-stored-pick")
        st.button("Use this set", key="images-stored-use", on_click=use_set, args=(pick,))
        st.caption("Models trained on a set keep their own copy of its images: they still show them on Explore "
                   "when the set is deleted.")
        widgets.confirm_delete("images-delete", pick, "image set", str(stored.set_index("id").loc[pick, "name"]),
                               lambda set_id: src.delete_imageset(ws, set_id))

set_id = ws.get_setting(SETTING)
images = None
if set_id:
    try:
        images = session.cached(None, "imageset", (set_id,), lambda: src.load_imageset(ws, set_id))
    except InputError as exc:  # deleted, or damaged
        st.warning(str(exc))
if images is None:
    st.info("Choose an image set above: the shipped digits, or a zip of your own images.")
    st.stop()

# -- 2. what is in it ----------------------------------------------------------------------------
st.header(f"2. {images.name}")
stats = images.stats()
m = st.columns(5)
m[0].metric("images", f"{stats['images']:,}")
m[1].metric("size", f"{stats['side']} × {stats['side']}")
m[2].metric("colour", "RGB" if stats["colour"] else "greyscale")
m[3].metric("classes", f"{stats['labels']:,}" if stats["labels"] else "none")
m[4].metric("skipped files", f"{stats['skipped']:,}")
if images.citation and not (source == sources[0] and images.source == "sample:digits"):  # not twice on one screen
    st.caption(f"Source: {images.citation}")
for note in images.notes:
    st.caption(f"ℹ️ {note}")
if images.skipped:
    with st.expander(f"Skipped files ({len(images.skipped):,})", expanded=len(images) < 5):
        st.dataframe(images.skipped_frame(), hide_index=True, key="images-skipped")
left, right = st.columns([1, 2])
with left:
    if images.has_labels:
        counts = images.label_counts()
        st.markdown("**Images per class**")
        st.bar_chart(counts.set_index("label")["images"], height=260)
    else:
        st.caption("No labels: the images are embedded all the same, but k-NN accuracy and holding a class out "
                   "as anomalies need labels (a labels CSV, or one sub-folder per class).")
with right:
    # up to 10 images of each of the first 10 classes, row by row; without labels, the first 100
    if images.has_labels:
        classes = sorted(set(images.labels.tolist()) - {""}, key=lambda c: (len(c), c))[:10]  # 0, 1, ..., 10
        rows = np.concatenate([np.flatnonzero(images.labels == c)[:10] for c in classes])
        caption = "Up to 10 images of each of the first classes (one row per class)"
    else:
        rows = np.arange(min(100, len(images)))
        caption = f"The first {len(rows)} images"
    tiles = vi.to_side(images.display(images.pixels[rows]), 32)
    st.image(vi.mosaic(tiles, 10, pad=2), caption=caption)

# -- 3. train --------------------------------------------------------------------------------------
st.header("3. Train an embedding of these images")
with widgets.user_errors():
    training_section("images", images.id, images.name, key="images", jobs_key="images_train_jobs")
training_runs("images_train_jobs", key="images-run")
st.page_link("pages/image_models.py", label="Image models: eigen-images, reconstructions, k-NN accuracy", icon="🧠")
st.page_link("pages/anomalies.py", label="Anomalies: what the models cannot reconstruct", icon="🚨")
