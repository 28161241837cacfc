"""Analogy lab: a : b :: c : ? with 3CosAdd and 3CosMul, vector arithmetic, odd one out, similarity."""

import streamlit as st

from embedlab.probes import analogy
from embedlab.probes.analogy import arithmetic
from embedlab.ui import session, widgets
from embedlab.ui.entry import through_app
from embedlab.ui.tables import table_columns
from embedlab.views.analogy import analogy_picture
from embedlab.views.tables import for_display

through_app()
st.title("🧮 Analogies")
space = widgets.require_space("the analogy lab")
model_id = session.active_model_id()
st.caption("Transparent analogies: both methods of Levy & Goldberg (2014) side by side, and the input words are "
           "only hidden when you say so (gensim always hides them).")

COLUMNS = table_columns(space)
# a labelled space (movies) gets its own examples: the word examples would only produce "unknown" messages
if space.has_labels:
    shown = [f'"{label}"' for label in space.labels[:4]]
    EXAMPLES = dict(a=space.labels[0], b=space.labels[1], c=space.labels[2], expected="",
                    expr=f"{shown[1]} - {shown[0]} + {shown[2]}", odd=" ".join(shown[:4]),
                    w1=space.labels[0], w2=space.labels[1], set1=" ".join(shown[:2]), set2=" ".join(shown[2:4]))
    st.caption(f"This model's keys are {space.nouns[1]} with {space.label_nouns[1]}: type a {space.label_nouns[0]} "
               f"or an id. Put a {space.label_nouns[0]} in double quotes where several are typed in one box.")
else:
    EXAMPLES = dict(a="man", b="king", c="woman", expected="queen", expr="king - man + woman",
                    odd="breakfast cereal dinner lunch", w1="good", w2="bad", set1="good great excellent",
                    set2="bad awful terrible")

tab_analogy, tab_arith, tab_odd, tab_sim = st.tabs(["a : b :: c : ?", "Vector arithmetic", "Odd one out",
                                                    "Similarity"])

with tab_analogy:
    cols = st.columns(4)
    a = cols[0].text_input("a", EXAMPLES["a"], key="an-a")
    b = cols[1].text_input("is to b", EXAMPLES["b"], key="an-b")
    c = cols[2].text_input("as c", EXAMPLES["c"], key="an-c")
    expected = cols[3].text_input("is to … (expected, optional)", EXAMPLES["expected"], key="an-expected")
    opts = st.columns([1, 2])
    k = opts[0].number_input("Answers per method", 1, 100, 10, key="an-k")
    include = opts[1].toggle("Include the input words in the answers", False, key="an-include",
                             help="gensim's most_similar always removes a, b and c from the answers. Include them "
                                  "to see whether the 'answer' is really just b or c.")
    with widgets.user_errors():
        result = session.cached(model_id, "analogy", (a, b, c, int(k), include, expected),
                                lambda: analogy.solve_analogy(space, a, b, c, k=int(k), exclude_inputs=not include,
                                                              expected=expected or None))
        for note in result.notes:
            st.info(note)
        left, right = st.columns(2)
        for col, method in ((left, "3CosAdd"), (right, "3CosMul")):
            with col:
                st.subheader(method)
                st.caption("cos(d, b − a + c)" if method == "3CosAdd"
                           else "cos′(d,b)·cos′(d,c) / (cos′(d,a) + 0.001), cos′ = (cos + 1)/2")
                st.dataframe(for_display(space, result.answers[method]), hide_index=True, width="stretch",
                             column_config=COLUMNS)
        if result.expected is not None:
            st.markdown(f"**Where the expected answer '{expected}' ranks**")
            st.dataframe(for_display(space, result.expected), hide_index=True, column_config=COLUMNS)
        st.markdown("**Input words** (rank and score they would take if included)")
        st.dataframe(for_display(space, result.inputs), hide_index=True, column_config=COLUMNS)
        answer = result.top("3CosAdd")
        if answer:
            st.plotly_chart(analogy_picture(space, a, b, c, answer, expected or None), key="an-picture")
        st.download_button("Download answers (CSV)",
                           result.to_frame().to_csv(index=False),
                           file_name=f"analogy_{result.a}_{result.b}_{result.c}.csv", mime="text/csv",
                           key="an-download")

with tab_arith:
    expression = st.text_input("Expression", EXAMPLES["expr"], key="ar-expr",
                               help="Words joined by + and −, each optionally weighted: `0.5*paris + italy - france`, "
                                    "`2 king - man`. Brackets are not supported; a word or title with spaces, "
                                    "signs or brackets goes in double quotes: `\"Toy Story (1995)\"`.")
    ar_cols = st.columns([1, 2])
    ar_k = ar_cols[0].number_input("Neighbours", 1, 100, 10, key="ar-k")
    ar_include = ar_cols[1].toggle("Include the expression's own words", False, key="ar-include")
    with widgets.user_errors():
        res = session.cached(model_id, "arithmetic", (expression, int(ar_k), ar_include),
                             lambda: arithmetic.evaluate_expression(space, expression, k=int(ar_k),
                                                                    exclude_inputs=not ar_include))
        for note in res.notes:
            st.info(note)
        st.dataframe(for_display(space, res.terms), hide_index=True, column_config=COLUMNS)
        st.dataframe(for_display(space, res.neighbours), hide_index=True, width="stretch", column_config=COLUMNS)

with tab_odd:
    odd_words = st.text_input("Words (space or comma separated; \"quoted\" when a title has spaces)",
                              EXAMPLES["odd"], key="odd-words")
    with widgets.user_errors():
        table = analogy.doesnt_match(space, odd_words)
        odd = table["label"].iloc[-1] if "label" in table else table["word"].iloc[-1]
        st.success(f"Odd one out: **{odd}** (furthest from the mean of the {space.nouns[1]}' unit vectors)")
        st.dataframe(for_display(space, table), hide_index=True, column_config=COLUMNS)

with tab_sim:
    s_cols = st.columns(2)
    w1 = s_cols[0].text_input("Word 1", EXAMPLES["w1"], key="sim-w1")
    w2 = s_cols[1].text_input("Word 2", EXAMPLES["w2"], key="sim-w2")
    with widgets.user_errors():
        st.metric("Cosine similarity", f"{analogy.similarity(space, w1, w2):.3f}")
    st.divider()
    set_cols = st.columns(2)
    set1 = set_cols[0].text_input("Set 1", EXAMPLES["set1"], key="sim-set1")
    set2 = set_cols[1].text_input("Set 2", EXAMPLES["set2"], key="sim-set2")
    with widgets.user_errors():
        sets = analogy.set_similarity(space, set1, set2)
        m1, m2 = st.columns(2)
        m1.metric("Cosine of the mean unit vectors", f"{sets.cosine_of_means:.3f}")
        m2.metric("Mean pairwise cosine", f"{sets.mean_pairwise:.3f}")
        st.caption("Cosine of every pair (rows: set 1, columns: set 2)")
        st.dataframe(sets.pairs.round(3))
