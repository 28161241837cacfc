"""Toy word2vec: a network of a few words and hidden units, stepped one update at a time (wevi, Rong 2014)."""

import streamlit as st

from embedlab.errors import InputError
from embedlab.train.toy_word2vec import MAX_VOCAB, PRESETS, ToyConfig, ToyWord2Vec, explain
from embedlab.ui import session
from embedlab.ui.entry import through_app
from embedlab.ui.forms import config_form
from embedlab.views import toy as views

through_app()
st.title("Toy word2vec")
st.caption("A word2vec small enough to watch: a few words, a handful of hidden units, one training pair per "
           "update, in plain numpy. After wevi and Rong (2014), *word2vec Parameter Learning Explained*; the model "
           "is Mikolov et al. (2013). The network lives in this browser session: switch pages and come back.")

NET, CORPUS, PRESET = "toy-net", "toy-corpus", "toy-preset"
names = list(PRESETS)


def _load_preset():
    text = PRESETS[st.session_state[PRESET]]
    st.session_state[CORPUS] = text
    session.remember_widget(CORPUS, text)


left, right = st.columns([2, 3])
with left:
    session.keep_widget(PRESET, names[0], valid=lambda v: v in names)
    preset = st.selectbox("Preset corpus", names, key=PRESET, on_change=_load_preset)
    session.remember_widget(PRESET, preset)
    session.keep_widget(CORPUS, PRESETS[names[0]])
    text = st.text_area("Corpus: one sentence per line", key=CORPUS, height=220,
                        help=f"At most {MAX_VOCAB} different words; words are lower-cased.")
    session.remember_widget(CORPUS, text)
with right:
    values = config_form(ToyConfig, key="toy", columns=3)

net = st.session_state.get(NET)
restart = st.button("Restart with these settings", type="primary", key="toy-restart")
if net is None or restart:
    try:
        net = ToyWord2Vec.from_text(text, ToyConfig.from_dict(values))
        st.session_state[NET] = net
    except InputError as exc:
        st.error(str(exc) + (" The network below keeps its earlier corpus." if net is not None else ""))
if net is None:
    st.stop()
if text != net.text or values != net.config.to_dict():
    st.info("The corpus or the settings above differ from the network's: press **Restart with these settings** to "
            "apply them (training starts again).")

cols = st.columns(5)
for col, n in zip(cols[:4], (1, 10, 100, 500)):
    if col.button(f"Step {n}", key=f"toy-step-{n}", width="stretch"):
        net.step(n)
inputs, output = net.next_pair
cols[4].metric("Updates so far", f"{net.step_count:,}")

m1, m2, m3 = st.columns(3)
m1.metric("Vocabulary × hidden units", f"{len(net.vocab)} × {net.config.hidden}")
m2.metric("Training pairs (one epoch)", f"{len(net.pairs)}")
m3.metric("Mean loss over all pairs", f"{net.history[-1][1]:.3f}",
          delta=f"{net.history[-1][1] - net.history[0][1]:+.3f} since the start", delta_color="inverse")

up = net.last
if up is None:
    st.markdown(f"**Next pair:** input **{', '.join(net.words(inputs))}** → output **{net.vocab[output]}**. "
                "Press *Step 1* to train on it.")
else:
    st.markdown(f"**Last update:** input **{', '.join(net.words(up.inputs))}** → output **{net.vocab[up.output]}**"
                + (f" (noise words: {', '.join(net.words(up.noise))})" if up.noise else "")
                + f". **Next pair:** {', '.join(net.words(inputs))} → {net.vocab[output]}.")

h1, h2 = st.columns([2, 3])
h1.plotly_chart(views.weights_heatmap(net, "input"), key="toy-w-in")
h2.plotly_chart(views.weights_heatmap(net, "output"), key="toy-w-out")
p1, p2 = st.columns(2)
p1.plotly_chart(views.probabilities_figure(net), key="toy-probs")
p1.plotly_chart(views.loss_figure(net), key="toy-loss")
p2.plotly_chart(views.vectors_figure(net), key="toy-pca")

st.subheader("What the last update did")
lines = explain(net)
if not lines:
    st.caption("Nothing yet: press *Step 1*.")
for sentence, formula in lines:
    a, b = st.columns([3, 2])
    a.markdown(sentence)
    b.latex(formula)
