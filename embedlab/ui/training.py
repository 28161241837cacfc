"""Training from any page: pick a model family of the registry, fill its form, start a job, follow it.

The Train page (text corpora) and the Ratings page call :func:`training_section`
with their data kind; a page for a new data kind does the same, and every
family of that kind (see :mod:`embedlab.train.registry`) appears in it.
"""

from __future__ import annotations

import json
from typing import Callable, Optional

import streamlit as st

from embedlab import jobs
from embedlab.errors import InputError
from embedlab.train import registry
from embedlab.ui import session
from embedlab.ui.forms import config_form
from embedlab.ui.recording import recording_options
from embedlab.ui.widgets import job_panel, user_errors
from embedlab.views.training import NO_LOSS_YET, curve_from, model_figures


def remember_job(key: str, job_id: str) -> None:
    """Remember a job under ``key`` in this workspace so it is picked up after a page switch or restart."""
    ws = session.workspace()
    ids = [j for j in ws.get_setting(key, []) if j != job_id]
    ws.set_setting(key, ([job_id] + ids)[:20])


def remembered_jobs(key: str) -> list:
    return list(session.workspace().get_setting(key, []))


def pick_family(data: str, key: str) -> registry.Family:
    """A choice among the model families that train on ``data`` (kept across page switches).

    Raises
    ------
    InputError
        No family trains on this data kind.
    """
    options = registry.families(data)
    if not options:
        raise InputError(f"No model family trains on {registry.DATA_KINDS[data]['title'].lower()} yet.")
    names = [f.name for f in options]
    titles = {f.name: f.title for f in options}
    if len(names) == 1:
        return options[0]
    session.keep_widget(key, names[0], valid=lambda v: v in names)
    chosen = st.radio("Model family", names, key=key, horizontal=True, format_func=titles.get)
    session.remember_widget(key, chosen)
    return registry.family(chosen)


def training_section(data: str, data_id: str, data_name: str, key: str, jobs_key: str) -> tuple:
    """Family choice, its form, a model name and *Start training*; returns ``(family, config values)``.

    Parameters
    ----------
    data : str
        The data kind (a key of :data:`embedlab.train.registry.DATA_KINDS`).
    data_id : str
        The stored data to train on (a corpus id, a rating table id, ...).
    data_name : str
        Its name, for the default model name.
    key : str
        Widget-key prefix.
    jobs_key : str
        Workspace setting that remembers the jobs started here (see :func:`training_runs`).

    Returns
    -------
    (Family, dict)
        The family shown and the values of its form (an evaluation can reuse them).
    """
    family = pick_family(data, f"{key}-family")
    st.markdown(f"**{family.title}** ({family.source}): {family.description}")
    if family.details:
        st.caption(family.details)
    values = config_form(family.config, key=f"{key}-{family.name}")
    if family.preview is not None:  # e.g. the memory a model will take on this data, before it is started
        with user_errors():
            note = session.cached(None, "family_preview", (family.name, data_id, json.dumps(values, sort_keys=True)),
                                  lambda: family.run_preview(session.workspace(), {family.arg: data_id,
                                                                                   "config": values}))
            if note:
                st.info(note)
    record = recording_options(family, values, key=f"{key}-{family.name}-record")  # snapshots for Playback
    name_key = session.keep_widget(f"{key}-{family.name}-name-{data_id}", f"{family.name} on {data_name}")
    name = st.text_input("Model name", key=name_key,
                         help="Names need not be unique: pickers add the training time to repeated names.")
    session.remember_widget(name_key, name)
    if st.button("Start training", type="primary", key=f"{key}-start"):
        with user_errors():
            name = name.strip() or f"{family.name} on {data_name}"
            args = {family.arg: data_id, "config": values, "name": name, **({"record": record} if record else {})}
            job_id = jobs.submit(session.workspace(), family.name, args, title=name)
            remember_job(jobs_key, job_id)
    return family, values


def training_runs(jobs_key: str, key: str, on_trained: Optional[Callable[[dict], None]] = None) -> None:
    """The training jobs started from one page: every queued or running one (with Cancel), the latest
    finished one, and a short list of earlier ones.

    A job that finishes makes its model the active one (once per job, see
    :func:`embedlab.ui.session.adopt_trained_model`), then ``on_trained(status)`` runs.
    """
    recent = remembered_jobs(jobs_key)
    if not recent:
        return
    ws = session.workspace()
    statuses = []
    for job_id in recent:
        try:
            statuses.append(jobs.job_status(ws, job_id))
        except InputError:  # forgotten, or its folder was removed
            continue
    if not statuses:
        return
    st.subheader("Training runs")
    st.caption("Training runs in the background: switch pages or close the tab; come back to see the result.")
    active = [s for s in statuses if s["state"] in ("queued", "running")]
    finished = [s for s in statuses if s["state"] not in ("queued", "running")]
    for status in active:
        training_job_view(status["id"], key=f"{key}-{status['id']}", on_trained=on_trained)
    if finished:
        training_job_view(finished[0]["id"], key=f"{key}-latest", on_trained=on_trained)
    older = finished[1:6]
    if older:
        with st.expander(f"Earlier runs ({len(older)})"):
            for status in older:
                st.write(f"**{status['title']}** — {status['state']}"
                         + (f": {status.get('error')}" if status.get("error") else ""))


def training_job_view(job_id: str, key: str, on_trained: Optional[Callable[[dict], None]] = None) -> None:
    """Live status of one training job: progress, words/s, loss curve, Cancel.

    When the job finishes, its model becomes the active one, once per job
    (remembered in the workspace, so a restart does not switch models again).
    """

    def details(status):
        info = status.get("details", {})
        family = registry.find(status.get("kind"))
        if info.get("words_per_s"):
            tokens = f"{family.item}s" if family is not None else "words"  # a DeepWalk walk is a "sentence" of nodes
            st.caption(f"Epoch {info.get('epoch')} of {info.get('epochs')} · "
                       f"{info['words_per_s']:,.0f} {tokens}/s in the last epoch")
        cfg = status.get("args", {}).get("config", {})
        fig = curve_from(info, cfg)
        if fig is not None:
            st.plotly_chart(fig, key=f"{key}-loss")
            if family is not None and family.loss_note:
                st.caption(family.loss_note)
        elif family is not None and not family.reports_loss:
            if family.loss_note:
                st.caption(family.loss_note)  # the family reports no loss: say why there is no curve
        elif status["state"] in ("queued", "running"):
            st.caption(NO_LOSS_YET)
        model_id = (status.get("result") or {}).get("model_id")
        if status["state"] == "done" and model_id:
            if session.adopt_trained_model(job_id, model_id):
                if on_trained is not None:
                    on_trained(status)
                st.rerun()
            st.page_link("pages/explore.py", label="Explore the trained space", icon="🔭")
            trained_model_figures(model_id, key)
            if status.get("args", {}).get("record"):
                st.page_link("pages/playback.py", label="Play back how it formed", icon="🎞️")

    job_panel(job_id, key, extra=details)


def trained_model_figures(model_id: str, key: str, skip_loss: bool = True) -> None:
    """What a trained model recorded beyond its vectors, drawn (an SVD's singular values; with
    ``skip_loss=False`` also its loss curve, which a training view already drew from the job)."""
    try:
        info = session.workspace().model_info(model_id)
    except InputError:  # deleted since
        return
    family = registry.find(info.get("kind"))
    for what, fig, caption in model_figures(info):
        if skip_loss and what == "loss":
            continue
        st.plotly_chart(fig, key=f"{key}-model-{what}")
        if what == "loss" and family is not None and family.loss_note:
            caption = family.loss_note  # how to read this family's curve (exact cost, or a gensim trend)
        if caption:
            st.caption(caption)
