"""Playback: watch a space form, snapshot by snapshot (any model trained with "Record snapshots")."""

import re

import streamlit as st

from embedlab.errors import InputError
from embedlab.probes.playback import load_playback, recorded_models
from embedlab.ui import session, widgets
from embedlab.ui.entry import through_app
from embedlab.views.playback import DEFAULT_LABELS, playback_figure, standalone_html

through_app()
st.title("Playback")
st.caption("A model trained with **Record snapshots** (Train page) kept the vectors of a set of words at regular "
           "points of training. Each snapshot is rotated onto the final one by orthogonal Procrustes (Schönemann "
           "1966), so only real movement shows, and drawn with the PCA of the final snapshot (the same axes in "
           "every frame). Press ▶ Play, or drag the slider.")

ws = session.workspace()
model_id = session.active_model_id()
recorded = recorded_models(ws)
if model_id not in recorded:
    models = ws.models()
    if model_id is not None:
        st.info(f"The active model **{ws.model_record(model_id)['name']}** was trained without recording "
                "snapshots, so there is nothing to play back.")
    if recorded:
        names = widgets.model_labels(models[models["id"].isin(recorded)])
        pick = st.selectbox("Models with a recording", recorded, format_func=names.get, key="playback-pick")
        st.button("Make it the active model", key="playback-activate", on_click=session.set_active_model,
                  args=(pick,))
    else:
        st.info("No model has a recording yet. On the Train page, tick **Record snapshots (for Playback)** before "
                "starting Word2Vec, FastText or GloVe (Doc2Vec on the Documents page).")
        st.page_link("pages/train.py", label="Train page", icon="🏋️")
    st.stop()

space = session.load_space(model_id)
c1, c2 = st.columns([4, 1])
follow_key = session.keep_widget(f"playback-follow-{model_id}", "")
follow_text = c1.text_input("Follow (recorded words, separated by commas or spaces)", key=follow_key,
                            help="Each followed word's trail across all snapshots is drawn, with a marker that "
                                 "moves with the frames.")
session.remember_widget(follow_key, follow_text)
labels_key = session.keep_widget("playback-labels", DEFAULT_LABELS)
n_labels = int(c2.number_input("Labels on the map", 0, 200, key=labels_key,
                               help="The most frequent recorded words are labelled."))
session.remember_widget(labels_key, n_labels)

pb = None
with widgets.user_errors():
    # computed by the training job (older or scripted recordings: now, once); the same for every visitor
    pb = session.cached(model_id, "playback", (), lambda: load_playback(ws, model_id, space), shared=True)
if pb is None:
    st.stop()
follow = []
try:
    follow = pb.follow(follow_text)
except InputError as exc:
    st.error(str(exc))

st.markdown(f"**{space.name}** ({space.kind}): {pb.what} of **{len(pb.keys):,}** recorded items, "
            f"**{len(pb.positions)}** snapshots over {pb.positions[-1]:g} epochs "
            f"(PCA of the final snapshot: {100 * pb.explained.sum():.0f}% of its variance on the map).")
fig = session.cached(model_id, "playback-figure", (tuple(follow), n_labels),
                     lambda: playback_figure(pb, follow, n_labels))
st.plotly_chart(fig, key="playback-figure", width="stretch")
for note in pb.notes:
    st.caption(note)
if pb.loss_label:
    st.caption(f"Loss: {pb.loss_label}.")
st.caption(f"Jaccard@{pb.k}: for each recorded item, the overlap of its {pb.k} nearest recorded items (cosine) in "
           "the snapshot with those in the final model, averaged; 1 = the final neighbourhoods.")
if len(pb.questions):
    st.caption(f"Analogy accuracy: {len(pb.questions)} questions of the Google analogy set (Mikolov et al. 2013) "
               "whose four words were recorded, answered by 3CosAdd among the recorded words only.")
elif pb.what.startswith("word"):
    st.caption("No question of the Google analogy set has all four words among the recorded words, so no analogy "
               "curve: record e.g. king queen man woman he she his her to get one.")

with st.expander("Every snapshot in numbers"):
    st.dataframe(pb.table(), hide_index=True)
    if len(pb.questions):
        st.dataframe(pb.questions[["section", "a", "b", "c", "expected"]], hide_index=True)
st.download_button("Download the animation (stand-alone HTML)", data=lambda: standalone_html(fig, space.name),
                   file_name="playback-" + re.sub(r"[^\w.-]+", "-", space.name) + ".html", mime="text/html",
                   key="playback-download",
                   help="One file with plotly.js inside (about 5 MB): it plays offline in any browser.")
