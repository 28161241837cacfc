"""Figures for a training run."""

from __future__ import annotations

from typing import Optional, Sequence

import plotly.graph_objects as go


def loss_curve(epoch_losses: Sequence[Optional[float]], workers: int = 1,
               epochs: Optional[int] = None) -> Optional[go.Figure]:
    """Per-epoch training loss, or None when there is no loss to draw yet (or ever: FastText, gensim #3228).

    Parameters
    ----------
    epoch_losses : sequence of float or None
        One value per finished epoch.
    workers : int
        Shown in the caption: with several workers gensim's counter is racy.
    epochs : int, optional
        Epochs of the whole run: the x axis then spans all of them from the
        start, so a single finished epoch is a visible point with its value
        written beside it, not an empty box.

    Returns
    -------
    plotly.graph_objects.Figure or None
        None before the first epoch has finished (see :data:`NO_LOSS_YET`).
    """
    values = [v for v in epoch_losses if v is not None]
    if not values:
        return None
    x = list(range(1, len(values) + 1))
    single = len(values) == 1
    # gensim's summed losses are in the thousands; an autoencoder's mean squared error is about 0.01
    fmt = ",.0f" if max(abs(v) for v in values) >= 100 else ".4g"
    fig = go.Figure(go.Scatter(x=x, y=values, mode="lines+markers+text" if single else "lines+markers",
                               text=[f"epoch 1: {values[0]:{fmt}}"] if single else None, textposition="middle right",
                               marker=dict(size=9 if single else 6),
                               hovertemplate=f"epoch %{{x}}: loss %{{y:{fmt}}}<extra></extra>"))
    note = "trend only" if workers > 1 else "single worker"
    last = max(int(epochs or 0), len(values))
    xaxis = dict(dtick=1, range=[0.5, last + 0.5]) if last > 1 else dict(dtick=1)
    fig.update_layout(title=f"Training loss per epoch ({note})", xaxis_title="epoch", yaxis_title="loss",
                      xaxis=xaxis, height=300, margin=dict(l=10, r=10, t=40, b=10))
    if single:
        fig.update_yaxes(range=[0, 2 * values[0]] if values[0] > 0 else None)
    return fig


#: Shown instead of the loss curve until the first epoch has finished.
NO_LOSS_YET = "The loss curve starts when the first epoch ends (gensim reports the loss once per epoch)."
