"""Showing training jobs: progress, loss curve, and picking up the result."""

from __future__ import annotations

import streamlit as st

from embedlab.ui import session
from embedlab.ui.widgets import job_panel
from embedlab.views.training import NO_LOSS_YET, loss_curve

LOSS_NOTE = ("The loss is gensim's counter read after each epoch. It is a **trend**, not an exact value: gensim "
             "keeps it in float32 and, with several workers, threads overwrite each other's sums "
             "(gensim #2735, #2743). Use workers=1 (reproducible mode) for a clean curve.")


def remember_job(key: str, job_id: str) -> None:
    """Remember a job under ``key`` in this workspace so it is picked up after a page switch or restart."""
    ws = session.workspace()
    ids = [j for j in ws.get_setting(key, []) if j != job_id]
    ws.set_setting(key, ([job_id] + ids)[:20])


def remembered_jobs(key: str) -> list:
    return list(session.workspace().get_setting(key, []))


def training_job_view(job_id: str, key: str) -> None:
    """Live status of one training job: progress, words/s, loss curve.

    When the job finishes, its model becomes the active one, once per job
    (remembered in the workspace, so a restart does not switch models again).
    """

    def details(status):
        info = status.get("details", {})
        if info.get("words_per_s"):
            st.caption(f"Epoch {info.get('epoch')} of {info.get('epochs')} · "
                       f"{info['words_per_s']:,.0f} words/s in the last epoch")
        cfg = status.get("args", {}).get("config", {})
        workers = 1 if cfg.get("reproducible") else int(cfg.get("workers", 1))
        losses = info.get("epoch_losses") or []
        if status.get("kind") == "fasttext":
            st.caption("FastText does not report a training loss in gensim (#3228), so there is no curve.")
        else:
            fig = loss_curve(losses, workers, info.get("epochs") or cfg.get("epochs"))
            if fig is not None:
                st.plotly_chart(fig, key=f"{key}-loss")
                st.caption(LOSS_NOTE)
            elif status["state"] in ("queued", "running"):
                st.caption(NO_LOSS_YET)
        model_id = (status.get("result") or {}).get("model_id")
        if status["state"] == "done" and model_id:
            ws = session.workspace()
            handled = ws.get_setting("handled_jobs", [])
            if job_id not in handled:
                ws.set_setting("handled_jobs", (handled + [job_id])[-200:])
                session.set_active_model(model_id)
                st.rerun()
            st.page_link("pages/explore.py", label="Explore the trained space", icon="🔭")

    job_panel(job_id, key, extra=details)
