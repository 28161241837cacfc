"""Image models: PCA's explained variance and eigen-images, the autoencoder's curves, reconstructions side by
side, and the k-NN accuracy of every embedding of the current image set."""

import numpy as np
import pandas as pd
import streamlit as st

from embedlab import config
from embedlab.probes.knn_accuracy import KnnAccuracy, image_embeddings_accuracy
from embedlab.train.image_common import load_decoder, models_of_imageset, reconstruct
from embedlab.ui import background, session, widgets
from embedlab.ui.entry import through_app
from embedlab.ui.image_sets import current_image_set
from embedlab.views import images as vi

through_app()
st.title("Image models")
ws = session.workspace()
images = current_image_set("Choose an image set on the Images page first, and train a model on it there.")

models = models_of_imageset(ws, images.id)
st.caption(f"Image set **{images.name}**: {len(images):,} images of {images.side} × {images.side}; "
           f"{len(models)} model(s) trained on it.")
if models.empty:
    st.info("No model is trained on this image set yet: train PCA or an autoencoder on the Images page.")
    st.page_link("pages/images.py", label="Images page", icon="🖼️")
    st.stop()
names = {i: f"{lab} · {k} · {int(d)} dims" for (i, lab), k, d in
         zip(widgets.model_labels(models).items(), models["kind"], models["dim"])}
by_kind = {kind: models[models["kind"] == kind]["id"].tolist() for kind in ("image_pca", "autoencoder")}


def pick(label: str, ids: list, key: str) -> str:
    """A model picker that starts on the active model when it is one of ``ids``, else the newest."""
    active = session.active_model_id()
    key = session.keep_widget(key, active if active in ids else ids[0], valid=ids.__contains__)
    chosen = st.selectbox(label, ids, format_func=names.get, key=key)
    session.remember_widget(key, chosen)
    return chosen


def decoder_of(model_id: str):
    space = session.load_space(model_id)
    return space, session.cached(model_id, "decoder", (), lambda: load_decoder(ws, space))


tab_pca, tab_ae, tab_rec, tab_knn = st.tabs(["PCA: variance and eigen-images", "Autoencoder: training curve",
                                             "Reconstructions", "k-NN accuracy"])

# -- PCA ------------------------------------------------------------------------------------------
with tab_pca:
    if not by_kind["image_pca"]:
        st.info("Train a PCA model on the Images page to see its explained variance and its components.")
    else:
        with widgets.user_errors():
            space, pca = decoder_of(pick("PCA model", by_kind["image_pca"], "image-models-pca"))
            kept = float(np.sum(space.info.get("explained_variance_ratio", [])))
            st.markdown(f"**{space.dim} principal components explain {100 * kept:.1f}% of the pixel variance.** "
                        "Pearson (1901), Hotelling (1933); the same SVD as scikit-learn's PCA.")
            st.plotly_chart(vi.variance_curve_figure(space.info["variance_curve"], chosen=space.dim),
                            key="image-models-variance")
            tiles, titles = vi.eigen_images(pca, images, n=min(15, space.dim))
            st.plotly_chart(vi.gallery_figure(tiles, titles, columns=8, px=64,
                                              title="The mean image and the principal components (eigen-images)"),
                            key="image-models-eigen")
            st.caption("Each component is a pattern of pixels (red: adds ink/brightness, blue: removes it); an "
                       "image's embedding is how much of each pattern it holds, as Turk & Pentland's (1991) "
                       "eigenfaces describe faces.")

# -- autoencoder ----------------------------------------------------------------------------------
with tab_ae:
    if not by_kind["autoencoder"]:
        st.info("Train an autoencoder on the Images page to see its training curve here.")
    else:
        with widgets.user_errors():
            space, ae = decoder_of(pick("Autoencoder", by_kind["autoencoder"], "image-models-ae"))
            params = space.info.get("params", {})
            st.markdown(f"**Bottleneck {params.get('bottleneck')} units**, hidden layers "
                        f"{list(params.get('hidden_sizes', []))} (mirrored), {params.get('activation')}, "
                        f"{params.get('epochs')} epochs of Adam: the bottleneck's activations are the embedding "
                        "(Hinton & Salakhutdinov 2006).")
            st.plotly_chart(vi.autoencoder_curve_figure(space.info.get("mse_curve", []),
                                                        space.info.get("epoch_losses", [])), key="image-models-ae-curve")
            st.caption(space.info.get("loss_note", ""))

# -- reconstructions ------------------------------------------------------------------------------
with tab_rec:
    decodable = by_kind["image_pca"] + by_kind["autoencoder"]
    if not decodable:
        st.info("Reconstructions need a PCA or autoencoder model of this image set (raw pixels rebuild nothing).")
    else:
        latest = [ids[0] for ids in by_kind.values() if ids]  # the newest PCA and the newest autoencoder
        key = session.keep_widget("image-models-rec-models", latest,
                                  valid=lambda v: isinstance(v, list) and set(v) <= set(decodable))
        chosen = st.multiselect("Models", decodable, format_func=names.get, key=key, max_selections=4)
        session.remember_widget(key, chosen)
        c1, c2 = st.columns(2)
        n = c1.slider("Images", 4, 24, 8, key="image-models-rec-n")
        seed = c2.number_input("Sample seed", 0, 10_000, 0, key="image-models-rec-seed")
        with widgets.user_errors():
            rows = np.sort(np.random.default_rng(int(seed)).choice(len(images), min(n, len(images)), replace=False))
            rebuilt, errors = {}, {}
            for model_id in chosen:
                space, decoder = decoder_of(model_id)
                name = f"{'PCA' if space.kind == 'image_pca' else 'AE'}-{space.dim}"
                name = name if name not in rebuilt else f"{name} ({space.name})"
                rebuilt[name] = reconstruct(images, decoder, rows)
                errors[name] = float(np.mean(decoder.reconstruction_error(images.features()[rows])))
            tiles, titles, group = vi.reconstruction_gallery(images, rows, rebuilt)
            # several images per gallery row, each followed by its reconstructions
            st.plotly_chart(vi.gallery_figure(tiles, titles, columns=group * max(1, 12 // group), px=64,
                                              title="Original, then each model's reconstruction from its embedding"),
                            key="image-models-gallery")
            if errors:
                st.caption("Mean squared error per pixel value (pixels scaled to 0-1) on these images: "
                           + ", ".join(f"{k} {v:.4f}" for k, v in errors.items()) + ".")

# -- k-NN accuracy --------------------------------------------------------------------------------
with tab_knn:
    st.markdown("How well does each embedding keep images of one class together? Each image is classified by "
                "the majority of its k nearest neighbours among the other folds (scikit-learn's "
                "KNeighborsClassifier, Euclidean), by stratified k-fold cross-validation; every embedding is "
                "scored on the same folds, raw pixels first as the baseline.")
    if not images.has_labels:
        st.info("This image set has no labels, so there is nothing to classify.")
    else:
        c1, c2, c3, c4 = st.columns([3, 1, 1, 1])
        ids = models["id"].tolist()
        chosen = c1.multiselect("Models (raw pixels are always measured)", ids, default=ids[:6],
                                format_func=names.get, key="image-models-knn-models")
        k = int(c2.number_input("k", 1, 50, 5, key="image-models-knn-k"))
        folds = int(c3.number_input("folds", 2, 10, 5, key="image-models-knn-folds"))
        seed = int(c4.number_input("seed", 0, 10_000, 0, key="image-models-knn-seed"))
        dims = sum(int(models.set_index("id").loc[i, "dim"]) for i in chosen) + images.n_features
        params = (images.id, tuple(chosen), k, folds, seed)
        small = len(images) ** 2 * dims <= config.inline_limit("knn_accuracy_work")
        with widgets.user_errors():
            rows = background.cached_or_background(
                None, "image-knn-accuracy", params, small,
                lambda: image_embeddings_accuracy(ws, images.id, chosen, k, folds, seed), "image_knn_accuracy",
                lambda: {"images_id": images.id, "model_ids": list(chosen), "k": k, "folds": folds, "seed": seed},
                f"k-NN accuracy on {images.name}", lambda status: status["result"]["rows"],
                start=st.button("Measure", key="image-models-knn-run", type="primary") or small)
            if rows is not None:
                table = pd.DataFrame([{"embedding": r["embedding"], "model": r["model"], "dimensions": r["dims"],
                                       "accuracy": r["mean"], "± (over folds)": r["std"]} for r in rows])
                st.dataframe(table, hide_index=True, key="image-models-knn-table",
                             column_config={"accuracy": st.column_config.NumberColumn(format="%.4f"),
                                            "± (over folds)": st.column_config.NumberColumn(format="%.4f")})
                results = {r["embedding"] if list(table["embedding"]).count(r["embedding"]) == 1
                           else f"{r['embedding']} ({r['model']})": KnnAccuracy(**{
                               f: r[f] for f in ("mean", "std", "per_fold", "k", "folds", "seed", "metric",
                                                 "n_items", "n_classes", "notes")}) for r in rows}
                st.plotly_chart(vi.knn_accuracy_figure(results), key="image-models-knn-figure")
                first = rows[0]
                st.caption(f"{first['k']}-NN, {first['folds']}-fold stratified cross-validation (shuffled, seed "
                           f"{first['seed']}), {first['n_items']:,} images in {first['n_classes']} classes; the "
                           "same folds for every embedding. " + " ".join(first["notes"]))
            elif not small:
                st.caption("Large: press Measure to run it in the background.")
