"""Subwords: how FastText builds a vector for a misspelling or an unseen inflection from character n-grams."""

import streamlit as st

from embedlab.probes.neighbours import nearest_neighbours
from embedlab.probes.subwords import subword_table, trained_buckets
from embedlab.ui import session, widgets
from embedlab.ui.entry import through_app
from embedlab.views.subwords import subword_figure

through_app()
st.title("Subwords")
space = widgets.require_space("the subword view")
if not space.has_subwords:
    st.info(f"'{space.name}' is a {space.kind} model without subwords. Train a FastText model (Train page) or "
            "import a fastText .bin file (Import / export page), then make it the active model.")
    st.stop()

st.caption(f"FastText cuts `<word>` into character n-grams of {space.kv.min_n} to {space.kv.max_n} characters and "
           f"hashes each into one of {space.kv.bucket:,} rows. A word's vector is the mean of those rows (plus "
           "its own row when it is in the vocabulary), so a misspelling still lands near the word it misspells.")
default = space.words[min(len(space) - 1, 50)] + "s"
word = st.text_input("Word (try a misspelling or an unseen inflection)", value=default, key="subwords-word")
k = st.slider("Neighbours", 3, 30, 10, key="subwords-k")
with widgets.user_errors():
    model_id = session.active_model_id()
    trained = session.cached(model_id, "trained_buckets", (), lambda: trained_buckets(space))
    table = session.cached(model_id, "subword_table", (word,), lambda: subword_table(space, word, trained=trained))
    (st.info if table.attrs["from_subwords"] else st.success)(table.attrs["note"])
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(subword_figure(table), key="subwords-figure")
    with right:
        st.markdown(f"**Nearest neighbours of '{word}'**")
        neighbours = nearest_neighbours(space, word, k)
        if neighbours.attrs.get("note"):
            st.caption(f"Built from subwords: {neighbours.attrs['note']}")
        st.dataframe(neighbours, hide_index=True, key="subwords-neighbours")
    st.dataframe(table, hide_index=True, key="subwords-table",
                 column_config={"cosine": st.column_config.NumberColumn(format="%.3f")})
