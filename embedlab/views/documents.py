"""Plotly figures and tables for document models: downstream evaluation and "Find similar" (no streamlit)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from embedlab.probes.downstream import DownstreamResult

METRIC_NAMES = {"accuracy": "accuracy", "macro_f1": "macro-F1", "r2": "R²"}
_MARGIN = dict(l=40, r=10, t=50, b=40)


def _pct(metric: str) -> bool:
    return metric in ("accuracy", "macro_f1")


def summary_table(result: DownstreamResult) -> pd.DataFrame:
    """One row per method, each metric as "mean ± sd (min–max)" over the folds, ready to show.

    Accuracy and macro-F1 in percent, R² as a number.
    """
    rows = []
    for name, m in result.methods.items():
        row = {"method": name}
        for metric in result.metrics:
            v = np.asarray(m.scores[metric], dtype=np.float64)
            scale, unit = (100.0, " %") if _pct(metric) else (1.0, "")
            digits = 1 if _pct(metric) else 3
            row[METRIC_NAMES[metric]] = (f"{v.mean() * scale:.{digits}f}{unit} ± {v.std(ddof=1) * scale:.{digits}f}"
                                         f" ({v.min() * scale:.{digits}f}–{v.max() * scale:.{digits}f})")
        rows.append(row)
    if result.reference is not None:
        ref = result.reference
        rows.append({"method": "published: " + ref["text"].split(":")[0],
                     METRIC_NAMES[ref["metric"]]: f"{ref['value'] * 100:.1f} % (reported)"})
    return pd.DataFrame(rows)


def fold_scores(result: DownstreamResult, metric: str = None) -> go.Figure:
    """Each method's score on every fold (dots) with its mean ± standard deviation.

    Parameters
    ----------
    result : DownstreamResult
    metric : str, optional
        ``accuracy`` (default for classes), ``macro_f1`` or ``r2`` (default for numbers).

    Notes
    -----
    The same fold has the same index in every method (they share the folds),
    so hovering a dot names its fold. A published reference (Pang & Lee 2004
    for the movie reviews) is drawn as a dotted line.
    """
    metric = metric or result.metrics[0]
    scale = 100.0 if _pct(metric) else 1.0
    fig = go.Figure()
    names = list(result.methods)
    for i, name in enumerate(names):
        v = np.asarray(result.methods[name].scores[metric], dtype=np.float64) * scale
        folds = np.arange(1, len(v) + 1)
        fig.add_scatter(x=[name] * len(v), y=v, mode="markers", name=name, showlegend=False,
                        marker=dict(size=7, opacity=0.55), customdata=folds,
                        hovertemplate=f"{name}<br>fold %{{customdata}}: %{{y:.3g}}<extra></extra>")
        fig.add_scatter(x=[name], y=[v.mean()], mode="markers", showlegend=False,
                        marker=dict(symbol="line-ew", size=28, line=dict(width=3, color="black")),
                        error_y=dict(type="data", array=[v.std(ddof=1)], color="black", thickness=1.5),
                        hovertemplate=f"{name}<br>mean %{{y:.3g}} ± {v.std(ddof=1):.2g} (sd over folds)"
                                      "<extra></extra>")
    if result.reference is not None and result.reference["metric"] == metric:
        fig.add_hline(y=result.reference["value"] * scale, line_dash="dot",
                      annotation_text="Pang & Lee 2004: 87.2 % (SVM, unigrams)"
                      if "Pang" in result.reference["text"] else "published reference",
                      annotation_position="bottom right")
    unit = " (%)" if _pct(metric) else ""
    fig.update_layout(title=f"{METRIC_NAMES[metric]} on each of {len(result.folds)} folds "
                            f"(predicting '{result.task.column}')",
                      yaxis_title=METRIC_NAMES[metric] + unit, height=380, margin=_MARGIN)
    return fig


def confusion_heatmap(result: DownstreamResult, method: str) -> go.Figure:
    """Confusion matrix of a method's out-of-fold predictions (rows: true class, columns: predicted).

    Each cell shows the count and the share of its true class.

    Raises
    ------
    KeyError
        Unknown method.
    ValueError
        The task is a regression (no classes).
    """
    m = result.methods[method]
    if m.confusion is None:
        raise ValueError("A regression has no confusion matrix; use predicted_vs_true.")
    counts = np.asarray(m.confusion, dtype=np.int64)
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    classes = [str(c) for c in result.task.classes]
    text = [[f"{counts[i, j]:,}<br>{share[i, j]:.0%}" for j in range(len(classes))] for i in range(len(classes))]
    fig = go.Figure(go.Heatmap(z=share, x=classes, y=classes, text=text, texttemplate="%{text}",
                               colorscale="Blues", zmin=0, zmax=1, colorbar=dict(title="share of row"),
                               hovertemplate="true %{y}, predicted %{x}: %{text}<extra></extra>"))
    fig.update_layout(title=f"Confusion matrix: {method}", xaxis_title="predicted", yaxis_title="true",
                      yaxis_autorange="reversed", height=max(320, 40 * len(classes) + 140), margin=_MARGIN)
    return fig


def predicted_vs_true(result: DownstreamResult, method: str) -> go.Figure:
    """Out-of-fold predicted against true values of a numeric label (e.g. year), with the line y = x.

    Raises
    ------
    ValueError
        The task is a classification.
    """
    if result.task.task != "regression":
        raise ValueError("predicted_vs_true is for a numeric label; use confusion_heatmap for classes.")
    m = result.methods[method]
    y = np.asarray(result.task.y, dtype=np.float64)
    p = np.asarray(m.predictions, dtype=np.float64)
    r2 = float(np.mean(m.scores["r2"]))
    fig = go.Figure()
    fig.add_scatter(x=y, y=p, mode="markers", text=result.task.ids, marker=dict(size=7, opacity=0.7),
                    name=method, hovertemplate="%{text}: true %{x:g}, predicted %{y:.1f}<extra></extra>")
    lo, hi = float(min(y.min(), p.min())), float(max(y.max(), p.max()))
    fig.add_scatter(x=[lo, hi], y=[lo, hi], mode="lines", line=dict(dash="dot", color="gray"), name="y = x")
    fig.update_layout(title=f"{method}: predicted vs true '{result.task.column}' (mean R² over folds {r2:.2f})",
                      xaxis_title=f"true {result.task.column}", yaxis_title=f"predicted {result.task.column}",
                      height=420, margin=_MARGIN)
    return fig


def similar_table(table: pd.DataFrame) -> pd.DataFrame:
    """A nearest-documents table ready to show: cosine rounded, the snippet last."""
    out = table.copy()
    out["cosine"] = out["cosine"].round(3)
    cols = [c for c in out.columns if c != "label"] + (["label"] if "label" in out else [])
    return out[cols].rename(columns={"label": "snippet"})


# -- Explore on a document space ------------------------------------------------------------

#: Characters per line of a document's hover text, label columns named in it, and characters of a text label.
HOVER_WIDTH = 64
HOVER_COLUMNS = 4
SHORT_LABEL_CHARS = 28


def label_columns(space) -> list:
    """The label columns of a document space that are in its metadata (``sentiment``; ``president``, ``year``...)."""
    return [c for c in space.info.get("label_columns", []) if c in space.meta.columns]


def _escape(text: str) -> str:
    # plotly renders a little HTML in hover text; a review's "<" or "&" must stay text
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_WRAP = re.compile(r"(.{1,%d})(?:\s+|$)|(\S{%d})" % (HOVER_WIDTH, HOVER_WIDTH))  # a longer word is cut


def _wrapped(text: str) -> str:
    # lines of at most HOVER_WIDTH characters, broken at spaces, each escaped (textwrap is ten times slower)
    return "<br>".join(_escape(m.group(1) or m.group(2)) for m in _WRAP.finditer(text) if m.group(1) or m.group(2))


def document_hover(space, rows) -> np.ndarray:
    """Hover text of documents: the id and label values on the first line, then the snippet, wrapped.

    Parameters
    ----------
    space : Space
        A document space (``label`` meta column = snippet).
    rows : sequence of int
        Rows of ``space.vectors``.

    Returns
    -------
    ndarray of shape (len(rows),), object (str with ``<br>`` line breaks)
    """
    rows = np.asarray(rows, dtype=np.int64)
    keys = space.meta.index.to_numpy(dtype=object)[rows]
    snippets = (space.meta["label"].to_numpy(dtype=object)[rows] if "label" in space.meta
                else np.full(len(rows), "", dtype=object))
    columns = []
    for col in label_columns(space)[:HOVER_COLUMNS]:
        values = space.meta[col].to_numpy(dtype=object)[rows]
        present = pd.notna(values)
        columns.append((col, values, present))
    out = np.empty(len(rows), dtype=object)
    for i in range(len(rows)):
        facts = [f"{col}: {_escape(str(values[i])[:40])}" for col, values, present in columns if present[i]]
        head = f"<b>{_escape(keys[i])}</b>" + (" · " + " · ".join(facts) if facts else "")
        body = _wrapped(" ".join(str(snippets[i]).split())) if isinstance(snippets[i], str) else ""
        out[i] = head + ("<br>" + body if body else "")
    return out


def short_label(text: str, n: int = SHORT_LABEL_CHARS) -> str:
    """The start of a snippet for a text label on a map: whole words, at most ``n`` characters, "…" when cut."""
    text = " ".join(str(text).split())
    if len(text) <= n:
        return text
    cut = text[: n - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "…"


def decorate_document_map(fig: go.Figure, frame: pd.DataFrame, space) -> None:
    """Give a projection of documents its document hover texts and short text labels (in place).

    A document's display label is a 160-character snippet: fine to hover,
    far too wide for a map, where no snippet fits beside another. So the text
    labels (the ``labels`` trace, drawn when the page's "Text labels" is on)
    are chosen again with the start of each snippet (:func:`short_label`) by the
    same non-overlap pass (:func:`embedlab.views.labels.thin_labels`, in the
    figure's label priority), and search matches and query documents are
    written short too.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        From :func:`embedlab.views.scatter.scatter_figure`: each trace's
        ``customdata`` holds the rows of ``frame`` it shows.
    frame : pandas.DataFrame
        The projection's frame (``word`` = document ids, ``label``, ``x``, ``y`` [, ``z``], ``frequency rank``).
    space : Space
        The document space.
    """
    from embedlab.views import scatter
    from embedlab.views.labels import thin_labels

    lookup = space.kv.key_to_index
    hover = document_hover(space, [lookup[k] for k in frame["word"].astype(str)])
    short = np.array([short_label(t) for t in frame["label"].astype(str)], dtype=object)
    labels = next((t for t in fig.data if t.name == "labels"), None)
    if labels is not None:
        taken = set()
        for t in fig.data:
            if t.name in ("search matches", "query words") and t.customdata is not None:
                taken.update(int(r) for r in np.asarray(t.customdata))
        rows = np.array([r for r in range(len(frame)) if r not in taken], dtype=np.int64)
        ranks = frame["frequency rank"].to_numpy()[rows]
        three = "z" in frame.columns
        if three or not len(rows):
            chosen = rows[np.argsort(ranks, kind="stable")[:scatter.MAX_TEXT_LABELS_3D]]
            where = ["top center"] * len(chosen)
        else:
            kept, where = thin_labels(frame["x"].to_numpy()[rows], frame["y"].to_numpy()[rows], short[rows].tolist(),
                                      ranks, scatter.PLOT_WIDTH_ESTIMATE, scatter.PLOT_HEIGHT_ESTIMATE,
                                      scatter.LABEL_FONT, scatter.MAX_TEXT_LABELS, positions=True)
            chosen = rows[np.asarray(kept, dtype=np.int64)]
        xyz = {c: frame[c].to_numpy(dtype=np.float32)[chosen] for c in ("x", "y", "z") if c in frame.columns}
        labels.update(text=short[chosen].tolist(), customdata=chosen.astype(np.int32), textposition=list(where), **xyz)
    for trace in fig.data:
        if trace.customdata is None:
            continue
        rows = np.asarray(trace.customdata, dtype=np.int64)
        trace.hovertext = hover[rows]
        if trace is not labels and trace.text is not None and not isinstance(trace.text, str):
            trace.text = [short[r] if t else t for r, t in zip(rows, trace.text)]


def neighbour_labels(space, table: pd.DataFrame) -> tuple:
    """The label values of a document's nearest documents, and how many share the query's.

    Parameters
    ----------
    space : Space
        A document space.
    table : pandas.DataFrame
        A neighbours table with a ``word`` column of document ids (``attrs['query']``: the query's id).

    Returns
    -------
    (pandas.DataFrame, list of str)
        ``doc_id`` and each label column, one row per neighbour (empty when the
        space has no label columns); and one sentence per categorical label
        column, e.g. "8 of 10 neighbours have the query's sentiment 'pos'".
    """
    cols = label_columns(space)
    keys = [k for k in table["word"].astype(str) if k in space]
    if not cols or not keys:
        return pd.DataFrame(), []
    frame = space.meta.loc[keys, cols].reset_index().rename(columns={space.meta.index.name or "index": "doc_id"})
    frame = frame.rename(columns={frame.columns[0]: "doc_id"})
    query = table.attrs.get("query")
    notes = []
    if query in space:
        for col in cols:
            value = space.meta.at[query, col]
            values = space.meta.loc[keys, col]
            if pd.isna(value) or (pd.api.types.is_numeric_dtype(values) and values.nunique() > 12):
                continue
            same = int((values == value).sum())
            notes.append(f"{same} of {len(keys)} neighbours have the query's {col} '{value}'.")
    return frame, notes


def label_summary(kept: pd.DataFrame, columns: list) -> pd.DataFrame:
    """One row per label column of a document set: what a classifier or a regression would predict.

    Parameters
    ----------
    kept : pandas.DataFrame
        The documents with a vector (:attr:`embedlab.sources.docset.DocumentSet.kept`).
    columns : list of str
        Its label columns.

    Returns
    -------
    pandas.DataFrame
        ``label``, ``predicted as`` (classes, or numbers: a numeric column with more than
        :data:`embedlab.probes.downstream.MAX_CLASSES_AUTO` values), ``distinct``, ``missing``
        and ``values`` (the largest classes with their sizes, or the range).
    """
    from embedlab.probes.downstream import MAX_CLASSES_AUTO

    rows = []
    for col in columns:
        values = kept[col]
        present = values.dropna()
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            present = present.astype(str).str.strip()
            present = present[present != ""]
        numeric = pd.api.types.is_numeric_dtype(present) and present.nunique() > MAX_CLASSES_AUTO
        if numeric:
            shown = f"{present.min():g} to {present.max():g}" if len(present) else "—"
        else:
            sizes = present.astype(str).value_counts().sort_index().sort_values(ascending=False, kind="stable")
            shown = " · ".join(f"{k} {v:,}" for k, v in sizes.head(6).items()) + (
                f" · … ({len(sizes) - 6} more)" if len(sizes) > 6 else "")
        rows.append({"label": col, "predicted as": "numbers (ridge regression)" if numeric else "classes",
                     "distinct": int(present.nunique()), "missing": int(len(values) - len(present)),
                     "values": shown})
    return pd.DataFrame(rows, columns=["label", "predicted as", "distinct", "missing", "values"])
