"""Playback of a recorded training run: how a space formed, snapshot by snapshot (issue 21).

A model trained with "record snapshots" (:mod:`embedlab.train.recording`)
carries the vectors of its recorded items at regular points of training.
Playback shows them on one map:

* **Alignment.** A trained space is only defined up to a rotation, and so is
  each snapshot; every snapshot is rotated onto the final one by orthogonal
  Procrustes (Schönemann 1966; :func:`embedlab.probes.compare.align_arrays`,
  the arithmetic of the Compare page) after the same unit-normalise, centre,
  unit-normalise steps, so that only real movement shows.
* **Projection.** PCA is fitted once, on the final (normalised) snapshot, and
  applied to every aligned snapshot: the axes stay still across frames, and
  the last frame is the final space's own PCA map. (UMAP fitted on all
  snapshots together would draw a less linear picture; PCA keeps the frames
  comparable and cheap.)
* **Per snapshot:** the mean Jaccard@k of each recorded item's k nearest
  neighbours (cosine, among the recorded items) with its neighbours in the
  final snapshot (:func:`embedlab.probes.compare.jaccard_rows`), and, when the
  recorded words hold complete questions of the Google analogy set (Mikolov et
  al. 2013), the share answered by 3CosAdd among the recorded words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.probes.compare import align_arrays, jaccard_rows
from embedlab.probes.neighbours import knn_within
from embedlab.train.recording import FACTS, FINAL, SNAPSHOTS, parse_items

#: Attachments of a recording's playback, computed once by the training job (:func:`summarise`).
XY = "playback/xy.npy"
SUMMARY = "playback/summary.json"

#: Most frames a playback draws (evenly spaced snapshots, the first and the last included).
MAX_FRAMES = 100
#: Most analogy questions asked per snapshot.
MAX_QUESTIONS = 300


@dataclass
class Recording:
    """A model's recorded snapshots, read back from its attachments.

    Attributes
    ----------
    keys : list of str, length n_items
    labels : list of str, length n_items
        What the app shows for each item (a document's snippet; a word itself).
    snapshots : ndarray of shape (n_snapshots, n_items, dim), float32
        The last is the saved model's vectors, exactly (float32).
    positions : ndarray of shape (n_snapshots,)
        Epochs completed at each snapshot (0 = before training).
    losses : list of float or None, length n_snapshots
    alphas : list of float or None, length n_snapshots
    what : str
        "word vectors" or "document vectors".
    facts : dict
        Everything else the recording says (notes, request, loss label).
    """

    keys: list
    labels: list
    snapshots: np.ndarray
    positions: np.ndarray
    losses: list
    alphas: list
    what: str
    facts: dict = field(default_factory=dict)

    @property
    def loss_label(self) -> str:
        return self.facts.get("loss_label", "")

    def __len__(self) -> int:
        return int(self.snapshots.shape[0])


def has_recording(workspace, model_id: str) -> bool:
    """Whether a model was trained with recorded snapshots."""
    try:
        workspace.attachment(model_id, FACTS)
    except InputError:
        return False
    return True


def recorded_models(workspace) -> list:
    """Ids of the workspace's models (its own and published ones) that carry a recording."""
    models = workspace.models()
    return [m for m in models["id"].tolist() if has_recording(workspace, m)] if len(models) else []


def load_recording(workspace, model_id: str, space=None) -> Recording:
    """Read a model's recording (``.npy`` with ``allow_pickle=False`` and JSON).

    Parameters
    ----------
    workspace : Workspace
    model_id : str
    space : Space, optional
        The model's space, for display labels (documents show their snippet).

    Raises
    ------
    InputError
        The model has no recording, or its files disagree (damaged).
    """
    try:
        facts_path = workspace.attachment(model_id, FACTS)
    except InputError:
        name = workspace.model_record(model_id)["name"]
        raise InputError(f"The model '{name}' was trained without recording snapshots, so there is nothing to play "
                         "back. Train it again with 'Record snapshots' ticked on the Train page.") from None
    try:
        facts = json.loads(facts_path.read_text(encoding="utf-8"))
        snaps = np.load(workspace.attachment(model_id, SNAPSHOTS), allow_pickle=False, mmap_mode="r")
        final = np.load(workspace.attachment(model_id, FINAL), allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise InputError(f"This model's recording cannot be read ({exc}); train it again to record anew.") from None
    return recording_from(snaps, final, facts, space)


def recording_from(snapshots: np.ndarray, final: np.ndarray, facts: dict, space=None) -> Recording:
    """A :class:`Recording` from its three parts (the attachments :data:`SNAPSHOTS`, :data:`FINAL`, :data:`FACTS`).

    Raises
    ------
    InputError
        The parts disagree (a damaged recording).
    """
    try:
        keys = [str(k) for k in facts["keys"]]
        positions = np.asarray(facts["positions"], dtype=np.float64)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"This model's recording cannot be read ({exc}); train it again to record anew.") from None
    n = len(keys)
    if (snapshots.ndim != 3 or snapshots.shape[1] != n or final.shape != (n, snapshots.shape[2])
            or len(positions) != len(snapshots)):
        raise InputError("This model's recording is damaged (its files disagree in shape); train it again.")
    snaps = np.array(snapshots, dtype=np.float32)
    snaps[-1] = final
    losses = list(facts.get("losses") or [None] * len(positions))
    alphas = list(facts.get("alphas") or [None] * len(positions))
    return Recording(keys, _labels(keys, space), snaps, positions, losses, alphas, facts.get("what", "word vectors"),
                     facts)


def _labels(keys: list, space) -> list:
    """What the app shows for each key: a document's snippet, a movie's title; the key itself for words."""
    if space is None or not getattr(space, "has_labels", False):
        return list(keys)
    return [space.label(k) if k in space else k for k in keys]


def _floats(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


# -- the measures ---------------------------------------------------------------------------------

def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def align_to_final(snapshots: np.ndarray) -> np.ndarray:
    """Every snapshot, normalised and rotated onto the normalised final snapshot (orthogonal Procrustes).

    Parameters
    ----------
    snapshots : ndarray of shape (n_snapshots, n_items, dim)

    Returns
    -------
    ndarray of shape (n_snapshots, n_items, dim), float64
        The last is the normalised final snapshot itself.
    """
    final = snapshots[-1]
    out = np.empty(snapshots.shape, dtype=np.float64)
    for i, snap in enumerate(snapshots):
        ref, out[i], _ = align_arrays(final, snap)
    out[-1] = ref
    return out


def stable_pca(aligned: np.ndarray) -> tuple:
    """PCA fitted on the last (final) snapshot, applied to all: 2-D coordinates on still axes.

    Parameters
    ----------
    aligned : ndarray of shape (n_snapshots, n_items, dim)

    Returns
    -------
    xy : ndarray of shape (n_snapshots, n_items, 2), float32
    explained : ndarray of shape (2,)
        Share of the final snapshot's variance on each axis.
    """
    from sklearn.decomposition import PCA

    n_items, dim = aligned.shape[1], aligned.shape[2]
    pca = PCA(n_components=min(2, n_items, dim), svd_solver="full").fit(aligned[-1])
    xy = np.stack([pca.transform(a) for a in aligned]).astype(np.float32)
    if xy.shape[2] < 2:
        xy = np.concatenate([xy, np.zeros(xy.shape[:2] + (2 - xy.shape[2],), dtype=np.float32)], axis=2)
    explained = np.zeros(2)
    explained[:len(pca.explained_variance_ratio_)] = pca.explained_variance_ratio_
    return xy, explained


def neighbour_agreement(snapshots: np.ndarray, k: int = 10) -> np.ndarray:
    """Mean Jaccard@k of each item's k nearest neighbours in a snapshot with those in the final one.

    Neighbours by cosine similarity, among the recorded items only.

    Parameters
    ----------
    snapshots : ndarray of shape (n_snapshots, n_items, dim)
    k : int
        Lowered to ``n_items - 1`` for tiny recordings.

    Returns
    -------
    ndarray of shape (n_snapshots,), in [0, 1]; the last is 1.
    """
    n_items = snapshots.shape[1]
    k = min(k, n_items - 1)
    if k < 1:
        return np.ones(len(snapshots))
    final = knn_within(_unit(snapshots[-1]), k)
    return np.array([float(jaccard_rows(knn_within(_unit(s), k), final).mean()) for s in snapshots])


def analogy_questions(keys: Sequence[str], limit: int = MAX_QUESTIONS) -> pd.DataFrame:
    """Questions of the Google analogy set whose four words are all among ``keys`` (case-insensitive).

    Returns
    -------
    pandas.DataFrame
        ``section``, ``a``, ``b``, ``c``, ``expected`` (as in ``keys``), and
        ``ia``, ``ib``, ``ic``, ``ie`` (positions in ``keys``); at most ``limit``
        rows, in the file's order.
    """
    from embedlab.probes.analogy.benchmark import google_analogies

    where = {}
    for i, k in enumerate(keys):
        where.setdefault(str(k).lower(), i)
    q = google_analogies()
    cols = ("a", "b", "c", "expected")
    idx = {c: q[c].str.lower().map(where) for c in cols}
    known = np.logical_and.reduce([idx[c].notna().to_numpy() for c in cols])
    out = q.loc[known, ["section", *cols]].head(limit).reset_index(drop=True)
    for c, name in zip(cols, ("ia", "ib", "ic", "ie")):
        out[name] = idx[c][known].head(limit).astype(np.int64).to_numpy()
        out[c] = [keys[i] for i in out[name]]
    return out


def analogy_answers(vectors: np.ndarray, questions: pd.DataFrame) -> np.ndarray:
    """3CosAdd's answer to each question, searched among the rows of ``vectors``, inputs excluded.

    The answer maximises ``cos(w, b − a + c)`` of the unit vectors (gensim's
    ``most_similar(positive=[b, c], negative=[a])``; Mikolov et al. 2013).

    Parameters
    ----------
    vectors : ndarray of shape (n_items, dim)
    questions : pandas.DataFrame
        With ``ia``, ``ib``, ``ic`` (see :func:`analogy_questions`).

    Returns
    -------
    ndarray of shape (n_questions,), int64
        Row of each answer.
    """
    unit = _unit(vectors)
    ia, ib, ic = (questions[c].to_numpy() for c in ("ia", "ib", "ic"))
    target = unit[ib] - unit[ia] + unit[ic]
    scores = _unit(target) @ unit.T
    rows = np.arange(len(questions))
    for col in (ia, ib, ic):
        scores[rows, col] = -np.inf
    return scores.argmax(axis=1)


def analogy_accuracy(snapshots: np.ndarray, questions: pd.DataFrame) -> np.ndarray:
    """Share of ``questions`` 3CosAdd answers correctly in each snapshot (see :func:`analogy_answers`).

    Returns
    -------
    ndarray of shape (n_snapshots,); NaN when there are no questions.
    """
    if questions is None or not len(questions):
        return np.full(len(snapshots), np.nan)
    expected = questions["ie"].to_numpy()
    return np.array([float((analogy_answers(s, questions) == expected).mean()) for s in snapshots])


@dataclass
class Playback:
    """Everything a playback view draws.

    Attributes
    ----------
    keys, labels : list of str, length n_items
    positions : ndarray of shape (n_snapshots,)
    frames : ndarray of shape (n_frames,), int
        The snapshots drawn as frames (all of them up to :data:`MAX_FRAMES`).
    xy : ndarray of shape (n_snapshots, n_items, 2), float32
        Aligned, projected coordinates.
    explained : ndarray of shape (2,)
    jaccard : ndarray of shape (n_snapshots,)
    k : int
    questions : pandas.DataFrame
    accuracy : ndarray of shape (n_snapshots,)
        NaN without questions.
    losses : ndarray of shape (n_snapshots,)
        NaN where none was recorded.
    loss_label : str
    what : str
    notes : list of str
    """

    keys: list
    labels: list
    positions: np.ndarray
    frames: np.ndarray
    xy: np.ndarray
    explained: np.ndarray
    jaccard: np.ndarray
    k: int
    questions: pd.DataFrame
    accuracy: np.ndarray
    losses: np.ndarray
    alphas: np.ndarray
    loss_label: str
    what: str
    notes: list

    def table(self) -> pd.DataFrame:
        """One row per snapshot: epochs trained, learning rate, loss, Jaccard@k, analogy accuracy."""
        out = pd.DataFrame({"snapshot": np.arange(len(self.positions)), "epochs trained": self.positions,
                            "learning rate": self.alphas, "loss": self.losses,
                            f"mean Jaccard@{self.k} to the final neighbours": self.jaccard})
        if len(self.questions):
            out[f"analogy accuracy ({len(self.questions)} questions)"] = self.accuracy
        return out.dropna(axis=1, how="all")

    def follow(self, text: str) -> list:
        """The recorded items named in ``text`` (comma- or space-separated; a document's id or label).

        Raises
        ------
        InputError
            An item that was not recorded; the message says what was recorded.
        """
        wanted = parse_items(text)
        index = {k: k for k in self.keys}
        index.update({lab: k for lab, k in zip(self.labels, self.keys) if lab not in index})
        lower = {name.lower(): index[name] for name in reversed(list(index))}
        out, missing = [], []
        for w in wanted:
            key = index.get(w, lower.get(w.lower()))
            (out if key is not None else missing).append(key if key is not None else w)
        if missing:
            shown = ", ".join(self.labels[:8])
            raise InputError(f"Not among the {len(self.keys):,} recorded {self.what.split()[0]}s: "
                             f"{', '.join(missing[:10])}. Only recorded items can be followed (they begin: {shown} "
                             "…); to follow another word, train again and list it under 'Record snapshots'.")
        return list(dict.fromkeys(out))


def make_playback(recording: Recording, k: int = 10, max_frames: int = MAX_FRAMES) -> Playback:
    """Align, project and measure every snapshot of a recording (see the module docstring).

    Parameters
    ----------
    recording : Recording
    k : int
        Neighbours for Jaccard@k.
    max_frames : int
        Frames drawn: evenly spaced snapshots, the first and the last included.

    Returns
    -------
    Playback
    """
    snaps = recording.snapshots
    n = len(snaps)
    frames = np.unique(np.round(np.linspace(0, n - 1, min(n, max_frames))).astype(np.int64))
    xy, explained = stable_pca(align_to_final(snaps))
    jaccard = neighbour_agreement(snaps, k)
    questions = analogy_questions(recording.keys) if recording.what.startswith("word") else pd.DataFrame()
    accuracy = analogy_accuracy(snaps, questions)
    notes = list(recording.facts.get("notes") or [])
    if len(frames) < n:
        notes.append(f"{n:,} snapshots were recorded; {len(frames)} evenly spaced ones are drawn as frames.")
    losses, alphas = _floats(recording.losses), _floats(recording.alphas)
    return Playback(list(recording.keys), list(recording.labels), recording.positions, frames, xy, explained,
                    jaccard, min(k, max(len(recording.keys) - 1, 1)), questions, accuracy, losses, alphas,
                    recording.loss_label, recording.what, notes)


# -- computed once, in the training job -----------------------------------------------------------

def summarise(space, progress=None) -> None:
    """Compute a recorded space's playback once and attach it (:data:`XY`, :data:`SUMMARY`) before it is saved.

    The training job calls this after training (through
    :meth:`embedlab.train.recording.Recorder.summarise`), so the Playback page
    only reads the result: the alignment and the per-snapshot measures of 50
    snapshots × 2,000 words take seconds, once per model, not once per
    visitor.

    Parameters
    ----------
    space : Space
        With the attachments of :meth:`embedlab.train.recording.Recorder.attach`.
    progress : callable, optional
    """
    att = space.attachments
    if FACTS not in att:
        return
    if progress is not None:
        progress(1.0, f"Preparing the playback: aligning {len(att[FACTS]['positions'])} snapshots to the final one")
    pb = make_playback(recording_from(att[SNAPSHOTS], att[FINAL], att[FACTS]))
    att[XY] = pb.xy
    att[SUMMARY] = {
        "version": 1, "frames": pb.frames.tolist(), "explained": pb.explained.tolist(),
        "jaccard": pb.jaccard.tolist(), "k": pb.k, "accuracy": [None if v != v else v for v in pb.accuracy.tolist()],
        "questions": pb.questions.to_dict(orient="list"), "notes": pb.notes,
    }


def load_playback(workspace, model_id: str, space=None) -> Playback:
    """A model's :class:`Playback`: read as its training job computed it, or computed now (older recordings,
    or models recorded from Python and saved without :func:`summarise`).

    Raises
    ------
    InputError
        No recording, or a damaged one.
    """
    try:
        facts = json.loads(workspace.attachment(model_id, FACTS).read_text(encoding="utf-8"))
        summary = json.loads(workspace.attachment(model_id, SUMMARY).read_text(encoding="utf-8"))
        xy = np.load(workspace.attachment(model_id, XY), allow_pickle=False)
    except (InputError, OSError, ValueError):
        return make_playback(load_recording(workspace, model_id, space))
    try:
        keys = [str(k) for k in facts["keys"]]
        positions = np.asarray(facts["positions"], dtype=np.float64)
        frames = np.asarray(summary["frames"], dtype=np.int64)
        n_snap = len(positions)
        ok = (xy.shape == (n_snap, len(keys), 2) and len(summary["jaccard"]) == n_snap
              and len(summary["accuracy"]) == n_snap and frames.size and frames.max() < n_snap)
    except (KeyError, TypeError, ValueError):
        ok = False
    if not ok:
        raise InputError("This model's playback is damaged (its files disagree in shape); train it again.")
    return Playback(keys, _labels(keys, space), positions, frames, xy.astype(np.float32),
                    np.asarray(summary["explained"], dtype=np.float64), _floats(summary["jaccard"]), int(summary["k"]),
                    pd.DataFrame(summary["questions"]), _floats(summary["accuracy"]),
                    _floats(facts.get("losses") or [None] * n_snap), _floats(facts.get("alphas") or [None] * n_snap),
                    facts.get("loss_label", ""), facts.get("what", "word vectors"), list(summary["notes"]))
