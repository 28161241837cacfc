"""Import / export: bring your own pretrained vectors; download any model for other tools."""

import streamlit as st

from embedlab import config, jobs
from embedlab.errors import InputError
from embedlab.sources import export as ex
from embedlab.sources.vectors import FORMATS, add_images, read_uploads
from embedlab.ui import session, widgets
from embedlab.ui.entry import through_app

through_app()
st.title("Import / export vectors")
tab_in, tab_out = st.tabs(["Import pretrained vectors", "Export a model"])

with tab_in:
    st.caption("word2vec text or binary, GloVe text, fastText .vec or .bin (with subwords), or the Embedding "
               "Projector's vectors.tsv + metadata.tsv (upload both, or a zip of both). `.gz` is fine. Files are "
               f"parsed, never unpickled; at most {config.max_upload_bytes() // 2**20} MB.")
    with st.form("import-vectors"):
        files = st.file_uploader("Vector file(s)", accept_multiple_files=True, key="import-files")
        fmt = st.selectbox("Format", ["auto"] + list(FORMATS), key="import-format",
                           format_func=lambda k: "Detect from the file" if k == "auto" else FORMATS[k])
        cap = st.number_input("Keep at most this many words (0 = all)", min_value=0, value=0, step=10_000,
                              key="import-cap", help="These files list the most frequent words first, so this "
                                                     "keeps the most frequent ones.")
        name = st.text_input("Model name", key="import-name", placeholder="the file name")
        with st.expander("Images for these vectors (optional: CNN or CLIP embeddings of images)"):
            st.caption("A zip of PNG/JPEG images named after the vectors' keys (cat01.png for the key cat01), or "
                       "the Embedding Projector's sprite sheet (one PNG of equal tiles, row by row, in the vectors' "
                       "order). Explore then shows each image on hover, at the points and beside its neighbours.")
            image_file = st.file_uploader("Zip of images or sprite sheet", type=["zip", "png", "jpg", "jpeg"],
                                          key="import-images")
            i1, i2 = st.columns(2)
            tile = i1.number_input("Sprite tile side (pixels; sprite sheets only)", 1, 1024, 28, key="import-tile")
            image_side = i2.selectbox("Keep images at (pixels per side)", [8, 16, 24, 28, 32, 48, 64], index=3,
                                      key="import-image-side")
        submitted = st.form_submit_button("Import", type="primary")
    def imported(summary):
        session.set_active_model(summary["model_id"])
        st.session_state["import-done"] = summary

    if submitted:
        with widgets.user_errors():
            ws = session.workspace()
            uploads = files or []
            image_options = {"image_tile": int(tile), "image_side": int(image_side)}
            if sum(f.size for f in uploads) + (image_file.size if image_file else 0) > config.inline_limit(
                    "import_bytes"):
                # parsing millions of numbers would hold up the server: a background job reads them
                st.session_state["import-job"] = jobs.submit(ws, "import_vectors", {
                    "files": [[f.name, ws.stage_upload(f.name, f.getvalue())] for f in uploads],
                    "format": None if fmt == "auto" else fmt, "max_words": cap or None,
                    "name": name.strip() or None,
                    "images": [image_file.name, ws.stage_upload(image_file.name, image_file.getvalue())]
                    if image_file else None, **image_options}, f"Import {', '.join(f.name for f in uploads)}")
            else:
                with st.spinner("Reading the vectors"):
                    space = read_uploads([(f.name, f.getvalue()) for f in uploads],
                                         fmt=None if fmt == "auto" else fmt, max_words=cap or None)
                    if image_file is not None:
                        add_images(space, image_file.getvalue(), image_file.name, **image_options)
                    model_id = ws.save_space(space, name.strip() or None)
                    imported({"model_id": model_id, "name": ws.model_record(model_id)["name"], "words": len(space),
                              "dim": space.dim, "format": space.info["source_format"],
                              "notes": list(space.info.get("notes", [])), "images": space.info.get("images")})
    if st.session_state.get("import-job"):
        widgets.job_panel(st.session_state["import-job"], key="import-panel",
                          on_done=lambda status: (imported(status["result"]), st.session_state.pop("import-job")))
    summary = st.session_state.get("import-done")
    if summary:
        noun = "images" if summary.get("images") else "words"
        st.success(f"Imported **{summary['name']}**: {summary['words']:,} {noun} × {summary['dim']} dimensions "
                   f"({FORMATS[summary['format']]}). It is now the active model.")
        if summary.get("images"):
            st.caption(f"{summary['images']:,} of them have an image: Explore shows it on hover and at the points.")
        for note in summary["notes"]:
            st.info(note)

with tab_out:
    models = session.workspace().models()
    ready = models[models["status"] == "ready"]
    if ready.empty:
        st.info("There is no model to export yet: train or import one first.")
        st.stop()
    ids = ready["id"].tolist()
    labels = dict(zip(ready["id"], ready["name"] + " · " + ready["kind"]))
    active = session.active_model_id()
    model_id = st.selectbox("Model", ids, index=ids.index(active) if active in ids else 0, format_func=labels.get,
                            key="export-model")
    limit = st.number_input("Export only the most frequent words (0 = all)", min_value=0, value=0, step=10_000,
                            key="export-cap", help="The Embedding Projector stays responsive up to about 10,000-"
                                                   "50,000 points.")
    with widgets.user_errors():
        space = session.load_space(model_id)
        st.caption(f"{space.count_text(len(space))} × {space.dim} dimensions.")
        name_by = "key"
        if space.has_labels:
            name_by = st.radio("Name each vector by", ["key", "label"], horizontal=True, key="export-name-by",
                               format_func={"key": "id (stable; embedlab reads it back)",
                                            "label": space.label_nouns[0]}.get)
        for fmt, (label, _, mime) in ex.EXPORTS.items():
            try:
                ex.check(space, fmt, limit or None, name_by)
            except InputError as exc:  # shown next to the format it concerns; the others still work
                st.warning(f"{label}: {exc}")
                continue
            file_name = ex.export_file_name(space, fmt)
            st.download_button(f"Download {label}", key=f"export-{fmt}", file_name=file_name, mime=mime,
                               data=lambda fmt=fmt, space=space, limit=limit, name_by=name_by: ex.export(
                                   space, fmt, limit or None, name_by)[0],
                               on_click="ignore")
        if space.has_subwords:
            st.caption("These formats hold the vocabulary's vectors only; the FastText n-gram table (vectors for "
                       "unseen words) stays in embedlab.")
    st.caption("For projector.tensorflow.org: *Load* → choose vectors.tsv, then metadata.tsv. The 2-D projection "
               "coordinates are exported as CSV on the Explore page.")
