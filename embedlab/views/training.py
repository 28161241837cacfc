"""Figures for a training run."""

from __future__ import annotations

from typing import Optional, Sequence

import plotly.graph_objects as go


def loss_curve(epoch_losses: Sequence[Optional[float]], workers: int = 1) -> Optional[go.Figure]:
    """Per-epoch training loss, or None when the model reports no loss (FastText, gensim #3228).

    Parameters
    ----------
    epoch_losses : sequence of float or None
        One value per finished epoch.
    workers : int
        Shown in the caption: with several workers gensim's counter is racy.
    """
    values = [v for v in epoch_losses if v is not None]
    if not values:
        return None
    epochs = list(range(1, len(values) + 1))
    fig = go.Figure(go.Scatter(x=epochs, y=values, mode="lines+markers",
                               hovertemplate="epoch %{x}: loss %{y:,.0f}<extra></extra>"))
    note = "trend only" if workers > 1 else "single worker"
    fig.update_layout(title=f"Training loss per epoch ({note})", xaxis_title="epoch", yaxis_title="loss",
                      xaxis=dict(dtick=1), height=300, margin=dict(l=10, r=10, t=40, b=10))
    return fig
