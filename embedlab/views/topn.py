"""The top-N comparison as a table and a figure (no streamlit).

Both read the dict of :func:`embedlab.probes.topn.evaluate_topn`.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from embedlab.probes.topn import METRICS


def topn_table(result: dict) -> pd.DataFrame:
    """One row per model: RMSE and MAE (blank unless it predicts ratings), then every ranking metric at each k.

    Columns: ``model``, ``RMSE``, ``MAE``, for each k ``precision@k``, ``recall@k``,
    ``NDCG@k``, ``MAP@k``, ``hit rate@k``, ``coverage@k``, ``popular share@k``;
    then ``users``, ``train seconds``, ``eval seconds``.
    """
    cols = ["model", "RMSE", "MAE"]
    for k in result["ks"]:
        cols += [f"{m}@{k}" for m in METRICS] + [f"coverage@{k}", f"popular share@{k}"]
    cols += ["users", "train seconds", "eval seconds"]
    frame = pd.DataFrame(result["rows"])
    return frame[[c for c in cols if c in frame.columns]]


def topn_figure(result: dict) -> go.Figure:
    """Ranking metrics at the first k for every model (grouped bars) beside RMSE where a model predicts ratings.

    The two panels put the two verdicts side by side: the model with the
    lowest RMSE is usually not the one with the highest NDCG@k.
    """
    chart = result["chart"]
    ranking = pd.DataFrame(chart["ranking"])
    errors = pd.DataFrame(chart["rmse"])
    fig = make_subplots(rows=1, cols=2, column_widths=[0.75, 0.25], horizontal_spacing=0.08,
                        subplot_titles=(f"Ranking (k = {result['ks'][0]}), higher is better",
                                        "RMSE, lower is better"))
    for model, part in ranking.groupby("model", sort=False):
        fig.add_bar(x=part["metric"], y=part["value"], name=model, legendgroup=model, row=1, col=1,
                    hovertemplate=f"{model}<br>%{{x}} = %{{y:.3f}}<extra></extra>")
    if len(errors):
        fig.add_bar(x=errors["model"], y=errors["RMSE"], marker_color="#888", showlegend=False, row=1, col=2,
                    hovertemplate="%{x}<br>RMSE = %{y:.3f}<extra></extra>")
    else:
        fig.add_annotation(text="no model here predicts ratings", showarrow=False, row=1, col=2,
                           xref="x2 domain", yref="y2 domain", x=0.5, y=0.5)
    fig.update_layout(barmode="group", height=420, margin=dict(l=40, r=10, t=60, b=40),
                      legend=dict(orientation="h", y=-0.15))
    return fig


def split_text(result: dict) -> str:
    """One line on the protocol behind the numbers: the split, its sizes, who is scored and what counts as relevant."""
    split = result["split"]
    how = ("each user's latest {:.0%} of ratings by timestamp" if split["method"] == "latest"
           else "a random {:.0%} of the ratings").format(split["test_fraction"])
    users = max((r.get("users", 0) for r in result["rows"]), default=0)
    relevant = ("every held-out item" if result.get("threshold") is None
                else f"a held-out rating ≥ {result['threshold']:g}")
    return (f"Held out: {how} (seed {split['seed']}): {split['train']:,} training and {split['test']:,} test ratings, "
            f"the same split for every model (fingerprint {split['fingerprint'][:10]}). {users:,} users scored; "
            f"relevant: {relevant}; every item a user did not rate in training is a candidate. Ties count at their "
            "expected value (McSherry & Najork 2008).")


def settings_text(result: dict) -> str:
    """The settings each model was trained with, one clause per model (Markdown)."""
    parts = []
    for row in result["rows"]:
        settings = row.get("settings") or {}
        if settings:
            shown = ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in settings.items())
            parts.append(f"**{row['model']}**: {shown}")
    return "Settings — " + "; ".join(parts) + "." if parts else ""
