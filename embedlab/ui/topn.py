"""The Ratings page's top-N comparison: choose models and a protocol, run it as a job, show the table and chart.

Every model is trained on the same training part of one split, with the
settings of its form in the training section (defaults until changed there),
and judged by :func:`embedlab.probes.topn.evaluate_topn`; the popularity
baseline is a model to choose like the others. The finished job's id is kept
in the workspace, so the results survive a page switch, a reload and a restart.
"""

from __future__ import annotations

import streamlit as st

from embedlab import jobs
from embedlab.probes import topn
from embedlab.sources.ratings import RatingTable
from embedlab.train import registry
from embedlab.ui import session, widgets
from embedlab.ui.forms import kept_values
from embedlab.views import topn as views

#: The anchor of the section's header (linked from the rating-model evaluation's note).
ANCHOR = "top-n"
#: Cut-offs offered for the top-N lists.
K_CHOICES = (1, 5, 10, 20, 50, 100)
#: Workspace setting that remembers the last comparison: {"table_id", "job_id"}.
SETTING = "ratings_topn_job"

EXPLAINED = ("Per user, every item they did not rate in the training part is ranked and the top k are "
             "recommended; an item is relevant when the user rated it in the held-out part (at least the "
             "threshold, on a table with ratings). Precision@k, recall@k, NDCG@k (Järvelin & Kekäläinen 2002), "
             "MAP@k and hit rate@k average over the users with a relevant held-out item; coverage@k is the share "
             "of the catalogue recommended to anyone; popular share@k the share of recommended slots taken by the "
             "10 % most rated items (popularity bias). Models trained to predict ratings (SVD) also get RMSE; top-N "
             "models (PureSVD, Cremonesi, Koren & Turrin 2010; implicit ALS, Hu, Koren & Volinsky 2008; EASE, "
             "Steck 2019; item k-NN, Deshpande & Karypis 2004) rank without predicting ratings.")


def _label(key: str) -> str:
    if key == "popularity":
        return "Most popular (baseline)"
    return topn.FAMILIES[key][0]


def _settings_of(family: str, form_key: str) -> dict:
    found = registry.find(family)
    return kept_values(found.config, f"{form_key}-{family}") if found is not None else {}


def comparison_section(table: RatingTable, table_id: str, form_key: str = "ratings", key: str = "ratings-topn") -> None:
    """Draw the comparison's controls, its job and its result.

    Parameters
    ----------
    table : RatingTable
        The table shown on the page.
    table_id : str
        Its stored id (the job reads it).
    form_key : str
        The key prefix of the training section's forms (each model is trained with its form's settings).
    key : str
        Widget-key prefix.
    """
    ws = session.workspace()
    st.header("5. Compare top-N recommenders", anchor=ANCHOR)
    st.caption(EXPLAINED)
    options = ["popularity"] + [k for k in topn.FAMILIES if not (table.implicit and topn.FAMILIES[k][2])]
    default = [k for k in ["popularity", "svd", "puresvd", "als", "ease", "itemknn"] if k in options]
    models_key = session.keep_widget(f"{key}-models", default, valid=lambda v: set(v) <= set(options))
    chosen = st.multiselect("Models", options, key=models_key, format_func=_label,
                            help="Each is trained on the same training part with the settings of its form in "
                                 "section 3 (its defaults until you change them there).")
    session.remember_widget(models_key, chosen)
    if table.implicit:
        st.caption("This table has no rating column (implicit feedback): the rating models (SVD, μ + b_u + b_i) "
                   "have nothing to predict, so they are not offered, and every held-out item is relevant.")
    c = st.columns(4)
    methods = ["random", "latest"] if table.t is not None else ["random"]
    method_key = session.keep_widget(f"{key}-split", "random", valid=lambda v: v in methods)
    method = c[0].selectbox("Split", methods, key=method_key,
                            format_func={"random": "random ratings",
                                         "latest": "each user's latest ratings (temporal)"}.get)
    session.remember_widget(method_key, method)
    fraction_key = session.keep_widget(f"{key}-fraction", 0.2)
    fraction = c[1].slider("Held-out fraction", 0.05, 0.5, key=fraction_key, step=0.05)
    session.remember_widget(fraction_key, fraction)
    ks_key = session.keep_widget(f"{key}-ks", [10, 20], valid=lambda v: set(v) <= set(K_CHOICES))
    ks = c[2].multiselect("k (list lengths)", list(K_CHOICES), key=ks_key)
    session.remember_widget(ks_key, ks)
    threshold = None
    if not table.implicit:
        lo, hi = float(table.r.min()), float(table.r.max())
        threshold_key = session.keep_widget(f"{key}-threshold", min(max(4.0, lo), hi),
                                            valid=lambda v: lo <= v <= hi)
        threshold = c[3].number_input("Relevant: held-out rating ≥", lo, hi, key=threshold_key, step=0.5,
                                      help="A held-out item counts as a hit only when its rating is at least this "
                                           "(4 stars is the usual choice on MovieLens).")
        session.remember_widget(threshold_key, threshold)
    models = [{"family": m, "config": _settings_of(m, form_key)} for m in chosen if m != "popularity"]
    ready = False
    with widgets.user_errors():
        for note in topn.plan_topn(table, models, sorted(ks), popularity="popularity" in chosen):
            st.warning(note)
        ready = True
    if st.button("Run the comparison", key=f"{key}-run", disabled=not ready):
        with widgets.user_errors():
            args = {"table_id": table_id, "models": models, "popularity": "popularity" in chosen, "method": method,
                    "test_fraction": float(fraction), "ks": sorted(int(k) for k in ks), "threshold": threshold}
            job_id = jobs.submit(ws, "topn_eval", args, f"Top-N comparison on {table.name}")
            st.session_state[SETTING] = job_id
            # kept in the workspace, not only this session: the results survive a page switch or a reload
            ws.set_setting(SETTING, {"table_id": table_id, "job_id": job_id})
    job_id = st.session_state.get(SETTING)
    remembered = ws.get_setting(SETTING) or {}
    if remembered.get("table_id") != table_id:
        job_id = None
    else:
        job_id = job_id or remembered.get("job_id")
    if not job_id:
        return
    widgets.job_panel(job_id, f"{key}-panel", on_done=lambda status: None)
    with widgets.user_errors():
        status = jobs.job_status(ws, job_id)
        if status["state"] == "done":
            show_comparison(status["result"], key)


def show_comparison(result: dict, key: str = "ratings-topn") -> None:
    """The comparison's table, chart, explanation, protocol, settings and notes, and a CSV download."""
    frame = views.topn_table(result)
    number = {c: st.column_config.NumberColumn(format="%.2f" if "seconds" in c else "%.3f")
              for c in frame.columns if c not in ("model", "users")}
    st.dataframe(frame, hide_index=True, key=f"{key}-table", column_config=number)
    st.info(result["explanation"])
    st.plotly_chart(views.topn_figure(result), key=f"{key}-figure")
    st.caption(views.split_text(result))
    settings = views.settings_text(result)
    if settings:
        st.caption(settings)
    for note in result.get("notes") or []:
        st.warning(note)
    st.download_button("Download the comparison (CSV)", frame.to_csv(index=False), "topn_comparison.csv",
                       key=f"{key}-download")
