"""The playback figure: a space forming, as plotly animation frames (issue 21).

One figure holds the map of the recorded items (left) and, on the right, the
loss, Jaccard@k and analogy-accuracy curves with a marker at the current
snapshot. Every frame moves the points, the labels, the followed items'
markers and the curves' markers; the play/pause buttons and the slider run
in the browser (no server round trip), and the same figure is the
stand-alone HTML export. Coordinates go as float32 arrays (plotly sends them
base64-encoded), hover text only in the first frame, so 50 snapshots × 2,000
items stay near 1 MB.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from embedlab.probes.playback import Playback

#: Words labelled on the map (the first recorded ones: the most frequent), besides the followed ones.
DEFAULT_LABELS = 25
HEIGHT = 720
_POINT = "#7f9cc0"
_FOLLOW = ("#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22")


def _range(values: np.ndarray) -> list:
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    pad = 0.05 * (hi - lo or 1.0)
    return [lo - pad, hi + pad]


def frame_label(position: float) -> str:
    """Slider label of a snapshot: epochs trained, e.g. ``1.30``."""
    return f"{position:.2f}"


def playback_figure(pb: Playback, follow: Sequence[str] = (), n_labels: int = DEFAULT_LABELS,
                    title: str = "", start: int = 0) -> go.Figure:
    """The animated playback figure.

    Parameters
    ----------
    pb : Playback
    follow : sequence of str
        Recorded keys whose trail across all snapshots is drawn (see :meth:`Playback.follow`).
    n_labels : int
        The first ``n_labels`` recorded items (the most frequent words) are labelled on the map.
    title : str
    start : int
        Index into ``pb.frames`` of the frame shown first.

    Returns
    -------
    plotly.graph_objects.Figure
        With ``frames`` named by snapshot number, a slider and play/pause buttons.
    """
    curves = []
    if np.isfinite(pb.losses).any():
        curves.append(("loss", pb.losses, "training loss"))  # what it measures is in pb.loss_label (the caption)
    curves.append(("jaccard", pb.jaccard, f"mean Jaccard@{pb.k} with the final neighbours"))
    if len(pb.questions):
        curves.append(("analogy", pb.accuracy, f"analogy accuracy ({len(pb.questions)} questions)"))
    rows = len(curves)
    specs = [[{"rowspan": rows}, {}]] + [[None, {}] for _ in range(rows - 1)]
    fig = make_subplots(rows=rows, cols=2, column_widths=[0.64, 0.36], specs=specs, horizontal_spacing=0.08,
                        vertical_spacing=0.12, subplot_titles=["", *[c[2] for c in curves]])
    keys = list(pb.keys)
    index = {k: i for i, k in enumerate(keys)}
    followed = [index[k] for k in follow if k in index]
    labelled = sorted(set(range(min(n_labels, len(keys)))) | set(followed))
    f0 = int(pb.frames[min(start, len(pb.frames) - 1)])
    xy = pb.xy

    fig.add_trace(go.Scatter(x=xy[f0, :, 0], y=xy[f0, :, 1], mode="markers", name=pb.what,
                             marker=dict(size=5, color=_POINT, opacity=0.7), hovertext=pb.labels,
                             hoverinfo="text", showlegend=False), row=1, col=1)
    fig.add_trace(go.Scatter(x=xy[f0, labelled, 0], y=xy[f0, labelled, 1], mode="text",
                             text=[pb.labels[i] for i in labelled], textfont=dict(size=10, color="#333"),
                             textposition="top center", hoverinfo="skip", showlegend=False), row=1, col=1)
    animated = [0, 1]
    for n, i in enumerate(followed):
        colour = _FOLLOW[n % len(_FOLLOW)]
        fig.add_trace(go.Scatter(x=xy[pb.frames, i, 0], y=xy[pb.frames, i, 1], mode="lines+markers",
                                 line=dict(color=colour, width=1.5), marker=dict(size=3, color=colour),
                                 name=f"trail of {pb.labels[i]}", hoverinfo="skip"), row=1, col=1)
    first_marker = len(fig.data)
    if followed:
        fig.add_trace(go.Scatter(x=xy[f0, followed, 0], y=xy[f0, followed, 1], mode="markers",
                                 marker=dict(size=13, color=[_FOLLOW[n % len(_FOLLOW)] for n in range(len(followed))],
                                             line=dict(color="white", width=1.5)),
                                 hovertext=[pb.labels[i] for i in followed], hoverinfo="text", showlegend=False),
                      row=1, col=1)
        animated.append(first_marker)
    positions = pb.positions
    for r, (what, values, label) in enumerate(curves, start=1):
        ok = np.isfinite(values)
        fig.add_trace(go.Scatter(x=positions[ok], y=values[ok], mode="lines", line=dict(color="#555", width=1.5),
                                 showlegend=False, hovertemplate="epochs %{x:.2f}: %{y:.4g}<extra></extra>"),
                      row=r, col=2)
        fig.add_trace(go.Scatter(x=[positions[f0]], y=[values[f0]], mode="markers",
                                 marker=dict(size=11, color="#d62728"), showlegend=False, hoverinfo="skip"),
                      row=r, col=2)
        animated.append(len(fig.data) - 1)
        fig.update_xaxes(title_text="epochs trained" if r == rows else None, row=r, col=2,
                         range=[positions[0] - 0.02 * positions[-1], positions[-1] * 1.02 + 1e-9])
        if what != "loss":
            fig.update_yaxes(range=[-0.03, 1.03], row=r, col=2)
        elif ok.any():
            fig.update_yaxes(range=_range(values[ok]), row=r, col=2)

    frames = []
    for f in pb.frames.tolist():
        data = [go.Scatter(x=xy[f, :, 0], y=xy[f, :, 1]),
                go.Scatter(x=xy[f, labelled, 0], y=xy[f, labelled, 1])]
        if followed:
            data.append(go.Scatter(x=xy[f, followed, 0], y=xy[f, followed, 1]))
        data += [go.Scatter(x=[positions[f]], y=[values[f] if np.isfinite(values[f]) else None])
                 for _, values, _ in curves]
        frames.append(go.Frame(data=data, traces=animated, name=str(f)))
    fig.frames = frames

    steps = [dict(method="animate", label=frame_label(positions[f]),
                  args=[[str(f)], dict(mode="immediate", frame=dict(duration=0, redraw=False),
                                       transition=dict(duration=0))]) for f in pb.frames.tolist()]
    fig.update_layout(
        height=HEIGHT, title=title or None, margin=dict(l=10, r=10, t=60 if title else 40, b=120),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        updatemenus=[dict(type="buttons", direction="left", showactive=False, x=0, y=-0.13, xanchor="left",
                          yanchor="top", pad=dict(r=10, t=0), buttons=[
                              dict(label="▶ Play", method="animate",
                                   args=[None, dict(frame=dict(duration=350, redraw=False), fromcurrent=True,
                                                    transition=dict(duration=250, easing="linear"))]),
                              dict(label="❚❚ Pause", method="animate",
                                   args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False),
                                                      transition=dict(duration=0))])])],
        sliders=[dict(active=min(start, len(steps) - 1), steps=steps, x=0.16, len=0.84, y=-0.11, yanchor="top",
                      pad=dict(t=0, b=0), currentvalue=dict(prefix="epochs trained: ", font=dict(size=13)),
                      transition=dict(duration=0))],
    )
    ex = pb.explained
    fig.update_xaxes(range=_range(xy[pb.frames, :, 0]), row=1, col=1, zeroline=False,
                     title_text=f"PC1 of the final snapshot ({100 * ex[0]:.0f}% of its variance)", title_standoff=4)
    fig.update_yaxes(range=_range(xy[pb.frames, :, 1]), row=1, col=1, zeroline=False,
                     title_text=f"PC2 ({100 * ex[1]:.0f}%)", scaleanchor="x", scaleratio=1)
    return fig


def payload_bytes(fig: go.Figure) -> int:
    """Bytes of the figure's JSON: what the browser receives for it."""
    return len(fig.to_json().encode("utf-8"))


def standalone_html(fig: go.Figure, title: str = "embedlab playback") -> str:
    """The figure as one HTML file that plays offline (plotly.js included)."""
    return fig.to_html(include_plotlyjs=True, full_html=True, auto_play=False,
                       config={"displaylogo": False, "responsive": True}, div_id="playback").replace(
        "<head>", f"<head><title>{title}</title>", 1)
