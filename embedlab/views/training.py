"""Figures for a training run."""

from __future__ import annotations

from typing import Optional, Sequence

import plotly.graph_objects as go


def loss_curve(epoch_losses: Sequence[Optional[float]], workers: int = 1,
               epochs: Optional[int] = None, exact: bool = False, what: str = "loss",
               unit: str = "epoch") -> Optional[go.Figure]:
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
    exact : bool
        The values are the training objective itself, computed exactly (GloVe's
        cost), not a counter kept on the side: the title says so, whatever ``workers``.
    what : str
        What the values are ("loss", "cost").
    unit : str
        What one step of the x axis is ("epoch", "iteration").

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
    # gensim's losses are large sums; an exact per-cell cost such as GloVe's is a small number
    shown = ".4g" if exact or max(abs(v) for v in values) < 100 else ",.0f"
    fig = go.Figure(go.Scatter(x=x, y=values, mode="lines+markers+text" if single else "lines+markers",
                               text=[f"{unit} 1: {values[0]:{shown}}"] if single else None,
                               textposition="middle right", marker=dict(size=9 if single else 6),
                               hovertemplate=f"{unit} %{{x}}: {what} %{{y:{shown}}}<extra></extra>"))
    note = "exact objective" if exact else "trend only" if workers > 1 else "single worker"
    last = max(int(epochs or 0), len(values))
    xaxis = dict(dtick=1 if last <= 30 else None, range=[0.5, last + 0.5]) if last > 1 else dict(dtick=1)
    fig.update_layout(title=f"Training {what} per {unit} ({note})", xaxis_title=unit, yaxis_title=what,
                      xaxis=xaxis, height=300, margin=dict(l=10, r=10, t=40, b=10))
    if single:
        fig.update_yaxes(range=[0, 2 * values[0]] if values[0] > 0 else None)
    return fig


def curve_from(facts: dict, config: Optional[dict] = None) -> Optional[go.Figure]:
    """The loss curve of a job's progress details or of a trained model's ``info``, or None.

    Reads ``epoch_losses`` and, when present, ``epochs``, ``loss_exact``,
    ``loss_name`` and ``loss_unit`` from ``facts``; the number of workers
    (for gensim's caveat) from ``config`` (``workers``, ``reproducible``).
    """
    config = config or {}
    losses = [x for x in facts.get("epoch_losses") or [] if x is not None]
    if not losses:
        return None
    workers = 1 if config.get("reproducible") else int(config.get("workers", 1) or 1)
    return loss_curve(losses, workers, facts.get("epochs") or config.get("epochs") or config.get("iterations"),
                      exact=bool(facts.get("loss_exact")), what=str(facts.get("loss_name") or "loss"),
                      unit=str(facts.get("loss_unit") or "epoch"))


#: Shown instead of the loss curve until the first epoch has finished.
NO_LOSS_YET = "The loss curve starts when the first epoch ends (the loss is reported once per epoch)."


#: Under the singular values of a trained model.
SPECTRUM_NOTE = ("Each bar is one kept dimension's singular value, largest first; the line is the share of the "
                 "factorised matrix's squared (Frobenius) norm ‖M‖² that the first k dimensions reproduce (their "
                 "product is the best rank-k approximation, Eckart & Young 1936). Where the bars level off, more "
                 "dimensions add little.")


def model_figures(info: dict) -> list:
    """The figures a trained model's ``info`` can draw, each with its caption.

    Parameters
    ----------
    info : dict
        A model's ``info.json`` (:attr:`embedlab.space.Space.info`).

    Returns
    -------
    list of (str, plotly.graph_objects.Figure, str)
        (what, figure, caption): ``"loss"``, the loss (or cost) curve when the model recorded ``epoch_losses``; the
        ``"spectrum"``, the singular values when it recorded ``singular_values`` (an SVD-based
        model: PPMI-SVD), with the cumulative share of ``frobenius_sq`` (or
        ``ppmi_frobenius_sq``) they keep.
    """
    out = []
    curve = curve_from(info, info.get("params") or {})
    if curve is not None:
        out.append(("loss", curve, str(info.get("loss_note") or "")))
    if info.get("singular_values"):
        from embedlab.views.count_based import spectrum_figure

        total = info.get("frobenius_sq", info.get("ppmi_frobenius_sq"))
        out.append(("spectrum", spectrum_figure(info["singular_values"], total,
                                                info.get("factorised", "the factorised matrix")), SPECTRUM_NOTE))
    return out
