"""Anomalies: train detectors on the "normal" images, score every image, see what they find unusual."""

import numpy as np
import pandas as pd
import streamlit as st

from embedlab import jobs
from embedlab.errors import InputError
from embedlab.probes import anomaly as an
from embedlab.ui import session, widgets
from embedlab.ui.entry import through_app
from embedlab.ui.forms import config_form
from embedlab.ui.image_sets import current_image_set
from embedlab.views import images as vi

through_app()
st.title("Anomalies: what a model of the normal images cannot reconstruct")
st.caption("Hold one class out (say, every digit but 7 is normal), fit each detector on part of the normal images "
           "only, score every image, and see whether the held-out class scores as unusual. Reconstruction error of "
           "an autoencoder (Hinton & Salakhutdinov 2006) and of PCA, against two baselines on the same pixels: "
           "scikit-learn's IsolationForest (Liu, Ting & Zhou 2008) and the distance to the k-th nearest training "
           "image (Ramaswamy, Rastogi & Shim 2000).")
ws = session.workspace()
images = current_image_set("Choose an image set on the Images page first.")
st.caption(f"Image set **{images.name}**: {len(images):,} images of {images.side} × {images.side}.")

# -- the run ----------------------------------------------------------------------------------------
classes = sorted(set(images.labels.tolist()) - {""}, key=lambda c: (len(c), c))
if classes:
    key = session.keep_widget(f"anomaly-held-{images.id}", classes[:1], valid=lambda v: set(v) <= set(classes))
    held_out = st.multiselect("Held-out classes (the anomalies: never trained on)", classes, key=key,
                              help="Every other class is normal. The ROC AUC measures how well each detector "
                                   "ranks the held-out images above normal images it did not train on.")
    session.remember_widget(key, held_out)
else:
    held_out = []
    st.info("This image set has no labels, so no class can be held out: every image counts as normal, and the "
            "page shows the most unusual ones (no ROC AUC).")
key = session.keep_widget("anomaly-methods", list(an.METHODS), valid=lambda v: set(v) <= set(an.METHODS))
methods = st.multiselect("Detectors", list(an.METHODS), key=key, format_func=an.METHOD_TITLES.get)
session.remember_widget(key, methods)
values = {}
with widgets.user_errors():
    values = config_form(an.AnomalyConfig, key="anomaly-cfg")
if st.button("Run anomaly detection", key="anomaly-run", type="primary"):
    with widgets.user_errors():
        if not methods:
            raise InputError("Choose at least one detector.")
        an.AnomalyConfig.from_dict(values)  # a bad value is named here, not in the worker
        title = (f"Anomalies in {images.name}: " + (", ".join(held_out) if held_out else "nothing") + " held out")
        job_id = jobs.submit(ws, "image_anomaly", {"images_id": images.id, "held_out": list(held_out),
                                                   "methods": list(methods), "config": values}, title)
        # kept in the workspace: the results survive a page switch, a reload and a restart
        ws.set_setting("anomaly_job", {"images_id": images.id, "job_id": job_id})

remembered = ws.get_setting("anomaly_job") or {}
job_id = remembered.get("job_id") if remembered.get("images_id") == images.id else None
if not job_id:
    st.stop()
status = widgets.finished_job(job_id, "anomaly-panel")
if status is None:
    st.stop()

# -- the result -------------------------------------------------------------------------------------
result = None
with widgets.user_errors():
    result = session.cached(None, "anomaly-result", (job_id,), lambda: an.load_result(status))
if result is None:
    st.stop()
st.header("What the detectors found")
st.caption(result.protocol())
for note in result.notes:
    st.caption(f"ℹ️ {note}")
summary = result.summary().rename(columns={"title": "detector", "roc_auc": "ROC AUC", "seconds": "seconds"})
st.dataframe(summary[["detector", "ROC AUC", "seconds"]], hide_index=True, key="anomaly-summary",
             column_config={"ROC AUC": st.column_config.NumberColumn(format="%.3f"),
                            "seconds": st.column_config.NumberColumn(format="%.2f")})
st.info(result.verdict())
if any(a is not None for a in result.roc_auc.values()):
    st.plotly_chart(vi.roc_figure(result), key="anomaly-roc")
    cols = st.columns(2)
    for i, method in enumerate(result.methods):
        cols[i % 2].plotly_chart(vi.anomaly_histogram_figure(result, method), key=f"anomaly-hist-{method}")

st.subheader("The most unusual images")
c1, c2 = st.columns([2, 1])
method = c1.radio("Ranked by", result.methods, format_func=an.METHOD_TITLES.get, horizontal=True,
                  key=session.keep_widget("anomaly-rank-by", result.methods[0], valid=result.methods.__contains__))
session.remember_widget("anomaly-rank-by", method)
n = int(c2.number_input("How many", 5, 200, 20, key="anomaly-rank-n"))
ranking = result.ranking(method, n)
uris = session.cached(None, "anomaly-thumbs", (images.id,), lambda: vi.thumbnail_uris(images, None, vi.THUMB_PX))
rows = images.index_of(ranking["id"].tolist())
shown = pd.DataFrame({"rank": ranking["rank"], "image": [uris[r] if r >= 0 else None for r in rows],
                      "id": ranking["id"], "class": ranking["label"], "role": ranking["role"],
                      "score": ranking["score"]})
st.dataframe(shown, hide_index=True, key="anomaly-ranking", row_height=40,
             column_config={"image": st.column_config.ImageColumn("image", width="small"),
                            "score": st.column_config.NumberColumn(format="%.5f")})
held = int(np.sum(ranking["role"] == "held out"))
st.caption(f"{held} of the {len(ranking)} highest-scoring test images are held-out images (training images are "
           "left out of the ranking: the detectors have seen them).")
st.download_button("Scores of every image (CSV)", key="anomaly-download", file_name="anomaly_scores.csv",
                   mime="text/csv", data=lambda: pd.DataFrame({"id": result.ids, "class": result.labels,
                                                               "role": result.role, **result.scores}).to_csv(index=False),
                   on_click="ignore")
