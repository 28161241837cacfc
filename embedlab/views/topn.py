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
