"""The co-occurrence statistics of a corpus (Data page): "this is the matrix count-based models factorise".

Counting runs in the page for a small corpus and as a background job (progress,
Cancel) above :func:`embedlab.config.inline_limit` ``("cooccur_tokens")``.
The counts are kept with the corpus (:mod:`embedlab.train.cooccur`), so what
the page shows is read from there without loading the matrix: the figures and
the heaviest pairs from its facts, a heat-map from the rows of the words asked
for (memory-mapped). GloVe and PPMI-SVD models trained with the same settings
reuse the same counts, and the page lists every set already counted.
"""

from __future__ import annotations

import re

import streamlit as st

from embedlab import config
from embedlab.errors import InputError
from embedlab.sources.corpus import Corpus
from embedlab.train.cooccur import (WEIGHTING_LABELS, WEIGHTINGS, CooccurConfig, StoredCounts, cooccurrences,
                                    describe_counting, find_stored, stored_counts)
from embedlab.ui import background, session
from embedlab.ui.widgets import confirm_delete, show_flash, streamlit_progress
from embedlab.views.count_based import cooccurrence_heatmap

EXPLAIN = ("Count-based word vectors start from this matrix: one row per word, one column per context word, and in "
           "each cell how often the context occurs within `window` words of the word (each pair weighted by its "
           "distance). **GloVe** fits vectors whose dot products predict the log of these counts; **PPMI-SVD** "
           "turns them into positive PMI and keeps their top singular vectors. The counts are kept with the corpus, "
           "so GloVe and PPMI-SVD models with the same settings do not count again.")


def default_words(words: list, n: int = 8) -> list:
    """A few frequent content words for the first heat-map: the most frequent words of the vocabulary that
    are not stop-words (gensim's list) and have at least three letters."""
    from gensim.parsing.preprocessing import STOPWORDS

    picked = [w for w in words if len(w) >= 3 and w.isalpha() and w.lower() not in STOPWORDS][:n]
    return picked or words[:n]


def parse_words(text: str) -> list:
    """Words typed in a box, separated by commas or spaces."""
    return [w for w in re.split(r"[,\s]+", text.strip()) if w]


def _settings(key: str, stored: list) -> CooccurConfig:
    first = stored[0].config if stored else {"window": 10, "weighting": "1/d", "min_count": 5}
    c1, c2, c3 = st.columns(3)
    wkey = session.keep_widget(f"{key}-window", int(first.get("window", 10)), valid=lambda v: 1 <= v <= 50)
    window = c1.number_input("window", min_value=1, max_value=50, key=wkey,
                             help=CooccurConfig.describe().set_index("name").loc["window", "help"])
    session.remember_widget(wkey, window)
    gkey = session.keep_widget(f"{key}-weighting", first.get("weighting", "1/d"), valid=lambda v: v in WEIGHTINGS)
    weighting = c2.radio("weighting", list(WEIGHTINGS), key=gkey, horizontal=True,
                         format_func=lambda v: WEIGHTING_LABELS.get(v, v),
                         help=CooccurConfig.describe().set_index("name").loc["weighting", "help"])
    session.remember_widget(gkey, weighting)
    mkey = session.keep_widget(f"{key}-min-count", int(first.get("min_count", 5)), valid=lambda v: v >= 1)
    min_count = c3.number_input("min_count", min_value=1, max_value=1_000_000, key=mkey,
                                help=CooccurConfig.describe().set_index("name").loc["min_count", "help"])
    session.remember_widget(mkey, min_count)
    return CooccurConfig(window=int(window), weighting=weighting, min_count=int(min_count))


def cooccurrence_section(corpus: Corpus, key: str = "cooc") -> None:
    """Counting settings, *Count co-occurrences*, and the statistics of the counts of ``corpus``.

    Raises
    ------
    InputError
        Bad settings (shown by the page's ``user_errors``).
    """
    ws = session.workspace()
    st.subheader("Co-occurrences: the matrix count-based models factorise")
    show_flash(f"{key}-delete")
    st.caption(EXPLAIN)
    stored = stored_counts(corpus)
    if stored:
        st.caption("Counted already for this corpus: " + "; ".join(s.describe() for s in stored) + ".")
    cfg = _settings(key, stored)
    found = find_stored(corpus, cfg)
    if found is None:
        small = corpus.stats["tokens"] <= config.inline_limit("cooccur_tokens")
        pressed = st.button("Count co-occurrences", key=f"{key}-count",
                            help="Counted once and kept with the corpus; GloVe and PPMI-SVD reuse the counts.")
        params = (corpus.id, tuple(sorted(cfg.counting_dict().items())))
        if small and pressed:
            bar = st.progress(0.0, text="Counting")
            cooccurrences(corpus, cfg, ws, streamlit_progress(bar))
            bar.empty()
        elif not small:
            # a large corpus takes seconds to minutes: a job, with progress and Cancel, outside the server
            title = f"Count co-occurrences of {corpus.name} ({describe_counting(cfg.counting_dict())})"
            background.in_background("cooccur", params, "cooccur",
                                     lambda: {"corpus_id": corpus.id, "config": cfg.to_dict()}, title,
                                     lambda status: True, start=pressed)
        found = find_stored(corpus, cfg)
        if found is None:
            if not pressed and background.job_for("cooccur", params) is None:
                st.info(f"Not counted yet with these settings ({describe_counting(cfg.counting_dict())}). Press "
                        "**Count co-occurrences**, or train GloVe or PPMI-SVD with them.")
            return
    show_counts(found, key)


def show_counts(counts: StoredCounts, key: str) -> None:
    """The figures, the heaviest pairs and a heat-map of chosen words' counts."""
    summary = counts.summary()
    m = st.columns(4)
    m[0].metric("words (rows)", f"{summary['words']:,}")
    m[1].metric("non-zero pairs", f"{summary['non-zero pairs']:,}",
                help="Distinct (word, context) cells with a count: what GloVe fits and PPMI weighs.")
    m[2].metric("density", f"{summary['density']:.3%}",
                help="Share of all words × words cells that are not zero: the matrix is sparse.")
    m[3].metric("tokens counted", f"{summary['tokens in vocabulary']:,}",
                help=f"Tokens of words at min_count or above, of {summary['tokens']:,} read "
                     f"(counted in {summary['seconds']:.1f} s).")
    left, right = st.columns([2, 3])
    with left:
        st.markdown("**Heaviest pairs**")
        top = counts.top_pairs(20)
        st.dataframe(top, hide_index=True, column_config={"count": st.column_config.NumberColumn(format="%.1f")})
    with right:
        vocab = counts.words()
        text_key = session.keep_widget(f"{key}-words-{counts.folder.name}", ", ".join(default_words(vocab)))
        text = st.text_input("Words for the heat-map (comma- or space-separated, up to 50)", key=text_key,
                             help="Rows are the words, columns the same words as contexts.")
        session.remember_widget(text_key, text)
        try:
            block = counts.block(parse_words(text))
        except InputError as exc:
            st.warning(str(exc))
        else:
            title = f"Co-occurrence counts ({counts.describe()})"
            st.plotly_chart(cooccurrence_heatmap(block, title), key=f"{key}-heatmap")
    st.caption(f"These counts take {counts.disk_bytes() / 2 ** 20:,.1f} MB of the workspace's disk.")
    confirm_delete(f"{key}-delete", counts.folder.name, "co-occurrence counts", counts.describe(),
                   lambda _: counts.delete())
