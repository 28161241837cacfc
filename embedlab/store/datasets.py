"""Stored data sets other than corpora: rating tables, graphs, image sets (one folder each, written atomically).

Every data kind that a user uploads or picks, and that a background job later
reads back, is stored the same way: ``<workspace>/<folder>/<id>/`` holds the
kind's own files plus a facts file (JSON: ``name``, ``fingerprint``,
``created_at``, ``bytes`` and whatever the kind adds). A set is written under a
partial name and renamed when complete (:meth:`Workspace.write_atomically`),
so a folder with its facts file is a complete set; :meth:`Workspace.recover`
removes what a killed writer left. The same content (same fingerprint) is
stored once, the disk quota is checked before writing, and a set can be
deleted.

A new data kind adds one line to :data:`DATASET_KINDS`; its reader module
(``embedlab/sources/<kind>.py``) writes and reads the files inside the folder.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Callable, Optional

import pandas as pd

from embedlab.errors import InputError
from embedlab.ids import new_id, valid_id

#: data kind -> (folder under the workspace, name of the facts file in each set's folder, what the app calls one)
DATASET_KINDS = {
    "ratings": ("tables", "table.json", "rating table"),
    "graph": ("graphs", "graph.json", "graph"),
    "images": ("images", "imageset.json", "image set"),
}


def _spec(kind: str) -> tuple:
    try:
        return DATASET_KINDS[kind]
    except KeyError:
        raise InputError(f"There is no stored data kind '{kind}'. Known: {', '.join(DATASET_KINDS)}.") from None


class Datasets:
    """What a :class:`~embedlab.store.workspace.Workspace` knows of its stored data sets (a mixin).

    Needs the workspace's ``root``, ``write_atomically``, ``check_quota`` and ``update_setting``.
    """

    def dataset_root(self, kind: str) -> Path:
        """The folder holding every stored set of ``kind`` (a key of :data:`DATASET_KINDS`)."""
        return Path(self.root) / _spec(kind)[0]

    def datasets(self, kind: str) -> pd.DataFrame:
        """The stored sets of ``kind``, newest first: ``id``, ``name``, ``fingerprint``, ``created_at``,
        ``bytes`` and the kind's own scalar facts (a column each)."""
        folder, facts_name, _ = _spec(kind)
        rows = []
        root = Path(self.root) / folder
        for entry in root.iterdir() if root.is_dir() else ():
            if not valid_id(entry.name):
                continue  # partial folders and stray files
            try:
                facts = json.loads((entry / facts_name).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            row = {k: v for k, v in facts.items() if isinstance(v, (str, int, float, bool)) or v is None}
            row.update(id=entry.name, name=facts.get("name", kind), fingerprint=facts.get("fingerprint"),
                       created_at=float(facts.get("created_at", 0.0)))
            rows.append(row)
        frame = pd.DataFrame(rows)
        for col in ("id", "name", "fingerprint", "created_at", "bytes"):
            if col not in frame.columns:
                frame[col] = pd.Series(dtype=object)
        front = ["id", "name", "fingerprint", "created_at", "bytes"]
        frame = frame[front + [c for c in frame.columns if c not in front]]
        return frame.sort_values("created_at", ascending=False, ignore_index=True)

    def dataset_folder(self, kind: str, dataset_id: str) -> Path:
        """The folder of one stored set.

        Raises
        ------
        InputError
            Malformed id, or no complete set of that kind with that id.
        """
        folder, facts_name, title = _spec(kind)
        path = Path(self.root) / folder / str(dataset_id)
        if not valid_id(str(dataset_id)) or not (path / facts_name).is_file():
            raise InputError(f"There is no {title} '{dataset_id}' in this workspace. Upload or pick it again.")
        return path

    def dataset_facts(self, kind: str, dataset_id: str) -> dict:
        """The facts (JSON) of one stored set.

        Raises
        ------
        InputError
            See :meth:`dataset_folder`; also when the facts file is unreadable.
        """
        facts_name = _spec(kind)[1]
        path = self.dataset_folder(kind, dataset_id) / facts_name
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"The stored {_spec(kind)[2]} '{dataset_id}' is damaged ({exc}). Delete it and "
                             "upload it again.") from None

    def save_dataset(self, kind: str, write: Callable[[Path], None], facts: dict, fingerprint: str,
                     nbytes: int) -> str:
        """Store a set once per content; return its id (an existing set's id when the content is already stored).

        Parameters
        ----------
        kind : str
            A key of :data:`DATASET_KINDS`.
        write : callable
            ``write(folder)`` writes the kind's files into a fresh folder.
        facts : dict
            JSON-able facts for the facts file; should hold ``name``.
        fingerprint : str
            A hash of the content (equal content, equal fingerprint).
        nbytes : int
            About how many bytes the files take (checked against the disk quota before writing).

        Raises
        ------
        InputError
            The workspace would go over its disk quota.
        """
        folder, facts_name, title = _spec(kind)
        known = self.datasets(kind)
        same = known[known["fingerprint"] == fingerprint]
        if not same.empty:
            return str(same["id"].iloc[0])
        self.check_quota(int(nbytes), f"Saving this {title}")
        all_facts = {**facts, "kind": kind, "fingerprint": fingerprint, "created_at": time.time(), "bytes": int(nbytes)}

        def write_all(path: Path) -> None:
            write(path)
            (path / facts_name).write_text(json.dumps(all_facts, default=str), encoding="utf-8")

        dataset_id = new_id()
        self.write_atomically(Path(self.root) / folder, dataset_id, write_all)
        return dataset_id

    def delete_dataset(self, kind: str, dataset_id: str, setting: Optional[str] = None) -> None:
        """Remove a stored set.

        Parameters
        ----------
        setting : str, optional
            A workspace setting that names the current set of this kind
            (``"ratings_table"``): cleared when it names this one.

        Raises
        ------
        InputError
            Unknown id.
        """
        path = self.dataset_folder(kind, dataset_id)
        shutil.rmtree(path, ignore_errors=True)
        if setting:
            self.update_setting(setting, lambda current: None if current == dataset_id else current)
