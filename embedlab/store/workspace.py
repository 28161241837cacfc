"""The workspace: a SQLite registry plus one directory per model and per corpus.

Layout of a workspace root::

    registry.sqlite        models, corpora, settings
    models/<id>/           vectors.npy, meta.parquet, info.json (+ ngrams.npy for FastText)
    corpora/<id>/          corpus.txt, counts.tsv, corpus.json
    jobs/<id>/             background jobs (see embedlab.jobs)

Nothing is pickled: vectors are ``.npy`` read with ``allow_pickle=False``,
tables are Parquet, facts are JSON. A model or corpus is written under a
``.partial-<pid>-<id>`` name, renamed when complete, and registered last, so
the registry only ever names complete models. Leftovers of a killed writer are
removed the next time the workspace is opened.

On a shared server each visitor's workspace is ``<home>/workspaces/<token>``
and models an instructor publishes live in ``<home>/published`` (a workspace of
its own: copied there atomically, registry row last). Every workspace lists
the published models next to its own, read-only: they can be loaded and made
active, not renamed or deleted from a visitor's workspace.
"""


from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import pandas as pd

from embedlab.errors import InputError
from embedlab.ids import new_id, valid_id
from embedlab.space import Space
from embedlab.sources.corpus import Corpus, build_corpus
from embedlab.sources.preprocess import PreprocessConfig
from embedlab.sources.samples import sample_documents
from embedlab.progress import Progress
from embedlab.store.model_files import (attachment_path, attachments_nbytes, model_files_problem, read_space,
                                        write_space)
from embedlab.store.processes import proc_start, same_process_alive
from embedlab.store.datasets import DATASET_KINDS, Datasets
from embedlab.store.publishing import Publishing
from embedlab.store.shared_cache import SHARED

_ORPHAN_AGE_S = 60.0
_STAGED_AGE_S = 24 * 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS models (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, params TEXT NOT NULL DEFAULT '{}',
    corpus_name TEXT, corpus_fingerprint TEXT, vocab_size INTEGER, dim INTEGER,
    train_seconds REAL, created_at REAL NOT NULL, published INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS corpora (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, source_key TEXT, fingerprint TEXT, documents INTEGER,
    tokens INTEGER, vocabulary INTEGER, created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _writer_alive(entry: Path) -> bool:
    """Whether the process named in a ``.partial-<pid>-[<start>-]*`` folder's name is still writing it."""
    parts = entry.name.split("-")
    try:
        pid = int(parts[1])
    except (IndexError, ValueError):
        pid = -1
    start = int(parts[2]) if len(parts) >= 4 and parts[2].isdigit() else None
    return same_process_alive(pid, start)


def remove_dead_partials(folder) -> list:
    """Remove the ``.partial-*`` folders in ``folder`` whose writer is gone (see :meth:`Workspace.write_atomically`);
    return the paths removed."""
    folder = Path(folder)
    removed = []
    if not folder.is_dir():
        return removed
    for entry in folder.iterdir():
        if entry.name.startswith(".partial-") and not _writer_alive(entry):
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed
def _records_key(records: Optional[pd.DataFrame]) -> bytes:
    """Bytes that identify a corpus's document ids and labels (its column names, types and every cell).

    Starts with a version tag, so a corpus registered before labels counted
    (its key hashed the text only) is never taken for one with a document table.
    """
    if records is None or len(records.columns) == 0:
        return b"records:v1:none"
    frame = records.reset_index(drop=True)
    head = json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()]).encode()
    cells = pd.util.hash_pandas_object(frame.astype(object).where(frame.notna(), None), index=False).to_numpy()
    return b"records:v1:" + head + cells.tobytes()


class Workspace(Publishing, Datasets):
    """One user's models, corpora and settings in a directory.

    Parameters
    ----------
    root : path-like
        The workspace directory; created if missing.

    Notes
    -----
    published : path-like or False, optional
        The shared area of published models. Default: ``<home>/published``
        when ``root`` is ``<home>/workspaces/<token>`` (a shared server's
        layout, so worker processes find it too), else none. ``False``: none.
    quota : int, optional
        Bytes this workspace may use (default :func:`embedlab.config.max_workspace_bytes`).

    Notes
    -----
    Opening a workspace removes partial files left by a writer that died
    (a killed server or training job). Safe to use from several processes:
    SQLite runs in WAL mode and every call opens its own connection.
    """

    def __init__(self, root, published=None, quota: Optional[int] = -1):
        from embedlab import config

        self.root = Path(root).expanduser()
        for sub in ("models", "corpora", "jobs"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(_SCHEMA)
        if published is None and self.root.parent.name == "workspaces":
            published = self.root.parent.parent / "published"
        self.published_root = Path(published) if published else None
        self._published: Optional[Workspace] = None
        self.quota = config.max_workspace_bytes() if quota == -1 else quota
        self.recover()

    # -- plumbing ----------------------------------------------------------
    @contextmanager
    def _db(self):
        conn = sqlite3.connect(self.root / "registry.sqlite", timeout=30)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            yield conn
            conn.commit()
        finally:
            conn.close()

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def corpora_dir(self) -> Path:
        return self.root / "corpora"

    @property
    def jobs_dir(self) -> Path:
        return self.root / "jobs"

    def _partial_dir(self, parent: Path, id: str) -> Path:
        # pid and start time: a restarted server may get the pid of the one that was killed
        start = proc_start(os.getpid())
        return parent / (f".partial-{os.getpid()}-{start}-{id}" if start is not None
                         else f".partial-{os.getpid()}-{id}")

    def write_atomically(self, parent: Path, id: str, write):
        """Run ``write(folder)`` in a partial folder, then rename it to ``parent/id``.

        A writer killed half-way leaves only a ``.partial-*`` folder, which
        :meth:`recover` removes once its process is gone. Returns what
        ``write`` returns.
        """
        parent.mkdir(parents=True, exist_ok=True)
        partial = self._partial_dir(parent, id)
        partial.mkdir()
        try:
            result = write(partial)
            partial.rename(parent / id)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        return result

    def recover(self) -> list:
        """Remove what a dead writer left behind; return the removed paths.

        Removes ``.partial-<pid>-[<start>-]*`` directories whose writer is gone
        (the pid is dead, or now belongs to a process that started at another
        time), and complete-looking directories that no registry row names (a
        writer killed between the rename and the registry insert, or a delete
        killed between the registry delete and the file removal) once they are
        a minute old -- younger ones may belong to a writer that is about to
        register them.
        """
        removed = []
        uploads = self.root / "uploads"
        if uploads.is_dir():  # staged for a job that was killed before it could remove them
            for entry in uploads.iterdir():
                if time.time() - entry.stat().st_mtime > _STAGED_AGE_S:
                    shutil.rmtree(entry, ignore_errors=True)
                    removed.append(entry)
        with self._db() as db:
            known = {"models": {r[0] for r in db.execute("SELECT id FROM models")},
                     "corpora": {r[0] for r in db.execute("SELECT id FROM corpora")}}
        now = time.time()
        for table in ("models", "corpora", *(folder for folder, _, _ in DATASET_KINDS.values())):
            if not (self.root / table).is_dir():
                continue
            for entry in (self.root / table).iterdir():
                if entry.name.startswith(".partial-"):
                    if _writer_alive(entry):
                        continue
                elif table not in known or entry.name in known[table] or now - entry.stat().st_mtime < _ORPHAN_AGE_S:
                    continue
                shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
                removed.append(entry)
        # what is derived from a corpus and kept inside its folder (co-occurrence counts, in <corpus>/cooccur/)
        # is written the same way, one level down
        if self.corpora_dir.is_dir():
            for corpus in self.corpora_dir.iterdir():
                if corpus.is_dir() and not corpus.name.startswith(".partial-"):
                    for sub in corpus.iterdir():
                        if sub.is_dir():
                            removed += remove_dead_partials(sub)
        return removed

    # -- settings ------------------------------------------------------------
    def get_setting(self, key: str, default=None):
        """A JSON value stored under ``key`` (``default`` when absent)."""
        with self._db() as db:
            row = db.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value) -> None:
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def update_setting(self, key: str, change, default=None):
        """Read-modify-write one setting in a single SQLite transaction; return the new value.

        ``change(current)`` gets the stored value (``default`` when absent) and
        returns the value to store. The transaction starts with ``BEGIN
        IMMEDIATE``, which takes the database's write lock before the read, so
        two sessions (or processes) updating the same setting at once are
        serialised and neither update is lost, as they would be with
        :meth:`get_setting` then :meth:`set_setting`.
        """
        conn = sqlite3.connect(self.root / "registry.sqlite", timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
                value = change(json.loads(row[0]) if row else default)
                conn.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", (key, json.dumps(value)))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()
        return value

    # -- models --------------------------------------------------------------
    def save_space(self, space: Space, name: Optional[str] = None) -> str:
        """Write a space and register it; return its model id.

        Parameters
        ----------
        space : Space
        name : str, optional
            Display name (default: ``space.info['name']`` or the kind).

        Returns
        -------
        str
            The new model id (``space`` itself is not changed).
        """
        extra = attachments_nbytes(getattr(space, "attachments", None))  # inference arrays, decoders, ...
        self.check_quota(int(space.vectors.nbytes) + 64 * len(space) + extra, "Saving this model")
        model_id = new_id()
        name = (name or space.info.get("name") or space.kind).strip() or space.kind
        info = {**space.info, "id": model_id, "name": name}
        self.write_atomically(self.models_dir, model_id, lambda folder: write_space(space, folder, info))
        with self._db() as db:
            db.execute(
                "INSERT INTO models(id, name, kind, params, corpus_name, corpus_fingerprint, vocab_size, dim,"
                " train_seconds, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (model_id, name, space.kind, json.dumps(info.get("params", {})), info.get("corpus_name"),
                 info.get("corpus_fingerprint"), len(space), space.dim, info.get("train_seconds"), time.time()),
            )
        return model_id

    def models(self) -> pd.DataFrame:
        """The registry, newest first, with a ``status`` column (``ready`` or ``damaged``).

        Published models (shared server) are included with ``published`` = 1.
        """
        frame = self._own_models()
        pub = self.published_area()
        if pub is not None:
            shared = pub._own_models().assign(published=1)
            if not shared.empty:
                frame = shared if frame.empty else pd.concat([frame, shared], ignore_index=True)
                frame = frame.sort_values("created_at", ascending=False, ignore_index=True)
        return frame

    def models_of(self, item_kind: str) -> pd.DataFrame:
        """The ready models whose items are ``item_kind`` (``word``, ``document``, ...), newest first.

        Reads each model's ``info.json`` (small), not its vectors; a model whose
        facts cannot be read is left out. Columns: those of :meth:`models`, plus
        ``corpus_id`` (the stored corpus it was trained on, when it says so).
        """
        from embedlab.space import item_kind_of

        frame = self.models()
        frame = frame[frame["status"] == "ready"].reset_index(drop=True)
        keep, corpus = [], []
        for model_id in frame["id"]:
            try:
                info = json.loads((self.model_folder(model_id) / "info.json").read_text(encoding="utf-8"))
            except (OSError, ValueError, InputError):
                info = None
            keep.append(info is not None and item_kind_of(info) == item_kind)
            corpus.append((info or {}).get("corpus_id"))
        frame["corpus_id"] = pd.Series(corpus, index=frame.index, dtype=object)
        return frame[pd.Series(keep, index=frame.index, dtype=bool)].reset_index(drop=True)

    def _own_models(self) -> pd.DataFrame:
        with self._db() as db:
            rows = [dict(r) for r in db.execute("SELECT * FROM models ORDER BY created_at DESC")]
        for row in rows:
            row["published"] = 0
        cols = ["id", "name", "kind", "params", "corpus_name", "corpus_fingerprint", "vocab_size", "dim",
                "train_seconds", "created_at", "published"]
        frame = pd.DataFrame(rows, columns=cols)
        # all-NULL columns (imported or hand-made models have no training time) come back as object
        for col in ("vocab_size", "dim", "train_seconds", "created_at"):
            frame[col] = pd.to_numeric(frame[col], errors="coerce")
        frame["status"] = ["ready" if self._model_complete(i) else "damaged" for i in frame["id"]]
        return frame

    def register_copy(self, folder: Path, record: dict, name: Optional[str] = None) -> str:
        """Copy a complete model folder (another workspace's) into this one and register it; return its new id.

        Written like :meth:`save_space` (partial folder, rename, registry row last).

        Raises
        ------
        InputError
            The copy would take the workspace over its disk quota.
        """
        size = sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())
        self.check_quota(size, "Copying this model")
        model_id = new_id()
        name = (name or record["name"]).strip() or record["name"]

        def copy(partial: Path) -> None:
            shutil.copytree(folder, partial, dirs_exist_ok=True)

        self.write_atomically(self.models_dir, model_id, copy)
        params = record.get("params", {})
        with self._db() as db:
            db.execute(
                "INSERT INTO models(id, name, kind, params, corpus_name, corpus_fingerprint, vocab_size, dim,"
                " train_seconds, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (model_id, name, record["kind"], params if isinstance(params, str) else json.dumps(params),
                 record.get("corpus_name"), record.get("corpus_fingerprint"), record.get("vocab_size"),
                 record.get("dim"), record.get("train_seconds"), time.time()),
            )
        return model_id

    def model_files_problem(self, model_id: str) -> Optional[str]:
        """What is wrong with a model's files, or None (see :func:`embedlab.store.model_files.model_files_problem`)."""
        return model_files_problem(self.model_folder(model_id))

    def _model_complete(self, model_id: str) -> bool:
        return model_files_problem(self.models_dir / model_id) is None

    def model_record(self, model_id: str) -> dict:
        """The registry row of a model as a dict (``params`` decoded).

        Raises
        ------
        InputError
            No such model.
        """
        with self._db() as db:
            row = db.execute("SELECT * FROM models WHERE id=?", (str(model_id),)).fetchone()
        if row is None:
            pub = self.published_area()
            if pub is not None and pub._has_model(model_id):
                return {**pub.model_record(model_id), "published": 1}
            raise InputError(f"There is no model '{model_id}' in this workspace. Pick one from the list.")
        record = dict(row)
        record["params"] = json.loads(record["params"] or "{}")
        record["published"] = 0
        return record

    def model_info(self, model_id: str) -> dict:
        """A model's ``info.json`` (its training facts: losses, singular values, ...) without loading its vectors.

        Raises
        ------
        InputError
            No such model, or its ``info.json`` is damaged.
        """
        path = self.model_folder(model_id) / "info.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"The model '{self.model_record(model_id)['name']}' is damaged ({exc}). Delete it and "
                             "train it again.") from exc

    def _has_model(self, model_id: str) -> bool:
        with self._db() as db:
            return db.execute("SELECT 1 FROM models WHERE id=?", (str(model_id),)).fetchone() is not None

    def _owner(self, model_id: str) -> "Workspace":
        """The workspace whose files hold ``model_id``: this one, or the published area."""
        if not self._has_model(model_id):
            pub = self.published_area()
            if pub is not None and pub._has_model(model_id):
                return pub
        return self

    def load_space(self, model_id: str) -> Space:
        """Read a model back.

        A published model comes from the server's shared read-only cache
        (:mod:`embedlab.store.shared_cache`): one copy for every session, to be
        treated as read-only; a model of this workspace is read from disk.

        Raises
        ------
        InputError
            Unknown id, or the files are damaged (the message says to delete it).
        """
        record = self.model_record(model_id)
        folder = self._owner(model_id).models_dir / model_id

        def read():
            space = read_space(folder)
            space.info.update(id=model_id, name=record["name"])
            if record["published"]:
                space.unit  # made once here, shared, rather than once per session that needs cosines
            return space

        try:
            if record["published"]:  # the same for every visitor: one copy in the server's shared cache
                return SHARED.get_or_load("space", folder, read)
            return read()
        except (OSError, ValueError, KeyError, InputError) as exc:
            raise InputError(
                f"The model '{record['name']}' is damaged and cannot be loaded ({exc}). Delete it and train it again."
            ) from exc

    def model_folder(self, model_id: str) -> Path:
        """The folder holding a model's files (this workspace's, or the published area's).

        Raises
        ------
        InputError
            No such model.
        """
        self.model_record(model_id)
        return self._owner(model_id).models_dir / model_id

    def attachment(self, model_id: str, name: str) -> Path:
        """The path of one of a model's attachments (see :attr:`embedlab.space.Space.attachments`).

        Raises
        ------
        InputError
            No such model, or the model was saved without that attachment.
        """
        path = attachment_path(self.model_folder(model_id), name)
        if not path.is_file():
            raise InputError(f"The model '{self.model_record(model_id)['name']}' has no saved {name!r}; "
                             "train it again to get it.")
        return path

    def rename_model(self, model_id: str, name: str) -> None:
        """Give a model a new display name.

        Raises
        ------
        InputError
            Empty name or unknown model.
        """
        name = (name or "").strip()
        if not name:
            raise InputError("A model needs a name that is not empty.")
        self._refuse_published(model_id, "renamed")
        with self._db() as db:
            db.execute("UPDATE models SET name=? WHERE id=?", (name, model_id))

    def delete_model(self, model_id: str) -> None:
        """Remove a model's registry row, then its files."""
        self._refuse_published(model_id, "deleted")
        with self._db() as db:
            db.execute("DELETE FROM models WHERE id=?", (model_id,))
        shutil.rmtree(self.models_dir / model_id, ignore_errors=True)
        if self.get_setting("active_model") == model_id:
            self.set_setting("active_model", None)

    # -- disk quota ----------------------------------------------------------------
    def check_quota(self, extra_bytes: int = 0, what: str = "This") -> None:
        """Raise InputError when the workspace (plus ``extra_bytes`` about to be written) is over its quota."""
        if self.quota is None:
            return
        used = self.disk_usage()
        if used >= self.quota or used + max(int(extra_bytes), 0) > self.quota:
            mb = 1024 * 1024
            raise InputError(
                f"{what} would take your workspace over its disk limit: it uses {used / mb:,.0f} MB of "
                f"{self.quota / mb:,.0f} MB" + (f" and needs about {extra_bytes / mb:,.0f} MB more" if extra_bytes
                                                 else "") + ". Delete models or corpora you no longer need (Models "
                "and Data pages), then try again."
            )

    # -- uploads handed to a background job ------------------------------------------
    def stage_upload(self, name: str, data: bytes) -> str:
        """Keep an upload on disk for a background job to read (``uploads/<id>/<name>``); return its path.

        The job removes it (:meth:`unstage`) when it ends; leftovers of a killed
        job are removed by :meth:`recover` after a day.

        Raises
        ------
        InputError
            The workspace would go over its disk quota.
        """
        self.check_quota(len(data), f"Keeping '{name}' for the background job")
        folder = self.root / "uploads" / new_id()
        folder.mkdir(parents=True)
        path = folder / (Path(str(name)).name or "upload")
        path.write_bytes(data)
        return str(path)

    def unstage(self, path) -> None:
        """Remove a staged upload (see :meth:`stage_upload`); paths outside ``uploads/`` are ignored."""
        folder = Path(path).resolve().parent
        if folder.parent == (self.root / "uploads").resolve():
            shutil.rmtree(folder, ignore_errors=True)

    # -- corpora -------------------------------------------------------------
    def add_corpus(self, documents: list, name: str, cfg: Optional[PreprocessConfig] = None,
                   notes: Optional[list] = None, progress: Optional[Progress] = None,
                   records: Optional[pd.DataFrame] = None) -> Corpus:
        """Preprocess documents into a stored corpus, reusing an identical earlier one.

        Parameters
        ----------
        documents : list of str
        name : str
        cfg : PreprocessConfig, optional
        notes : list of str, optional
        progress : callable, optional
        records : pandas.DataFrame, optional
            ``doc_id`` and label columns, one row per document (written to the
            corpus's ``documents.parquet``); default: the ``records`` a
            :class:`~embedlab.sources.documents.DocumentList` carries.

        Returns
        -------
        Corpus
            With ``id`` set.

        Notes
        -----
        An earlier corpus is reused only when its name, preprocessing, text
        *and* document ids and labels are the same: the same reviews with other
        labels, or a corpus prepared before document tables existed, are
        prepared again.

        Raises
        ------
        InputError
            Nothing left after preprocessing.
        """
        import hashlib

        cfg = cfg or PreprocessConfig()
        if records is None:
            records = getattr(documents, "records", None)
        key = hashlib.sha256()
        key.update(json.dumps([name, cfg.to_dict()], sort_keys=True).encode())
        for doc in documents:
            key.update(doc.encode("utf-8", "surrogatepass"))
            key.update(b"\x00")
        key.update(_records_key(records))
        source_key = key.hexdigest()
        with self._db() as db:
            row = db.execute("SELECT id FROM corpora WHERE source_key=?", (source_key,)).fetchone()
        if row is not None:
            try:
                return self.open_corpus(row[0])
            except InputError:
                self.delete_corpus(row[0])
        # the stored corpus is about the size of its text (normalised lines, plus the counts)
        self.check_quota(sum(len(d) for d in documents), f"The corpus '{name}'")
        corpus_id = new_id()
        corpus = self.write_atomically(self.corpora_dir, corpus_id, lambda folder: build_corpus(
            documents, folder, name, cfg, notes=notes, progress=progress, records=records))
        with self._db() as db:
            db.execute(
                "INSERT INTO corpora(id, name, source_key, fingerprint, documents, tokens, vocabulary, created_at)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (corpus_id, name, source_key, corpus.fingerprint, corpus.stats["documents"], corpus.stats["tokens"],
                 corpus.stats["vocabulary"], time.time()),
            )
        return Corpus.open(self.corpora_dir / corpus_id, id=corpus_id)

    def add_sample_corpus(self, key: str, cfg: Optional[PreprocessConfig] = None,
                          progress: Optional[Progress] = None) -> Corpus:
        """Preprocess a shipped corpus (a key of :data:`embedlab.sources.samples.SAMPLES`) into this workspace.

        Raises
        ------
        InputError
            Unknown sample key.
        """
        raw = sample_documents(key)
        return self.add_corpus(raw.documents, key, cfg, notes=raw.notes, progress=progress)

    def corpora(self) -> pd.DataFrame:
        """Stored corpora, newest first."""
        with self._db() as db:
            rows = [dict(r) for r in db.execute(
                "SELECT id, name, documents, tokens, vocabulary, fingerprint, created_at FROM corpora"
                " ORDER BY created_at DESC")]
        return pd.DataFrame(rows, columns=["id", "name", "documents", "tokens", "vocabulary", "fingerprint",
                                           "created_at"])

    def open_corpus(self, corpus_id: str) -> Corpus:
        """Open a stored corpus.

        Raises
        ------
        InputError
            Unknown id or damaged files.
        """
        if not valid_id(corpus_id):
            raise InputError("That is not a corpus id.")
        with self._db() as db:
            row = db.execute("SELECT id FROM corpora WHERE id=?", (corpus_id,)).fetchone()
        if row is None:
            raise InputError(f"There is no corpus '{corpus_id}' in this workspace. Prepare one on the Data page.")
        return Corpus.open(self.corpora_dir / corpus_id, id=corpus_id)

    def delete_corpus(self, corpus_id: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM corpora WHERE id=?", (corpus_id,))
        shutil.rmtree(self.corpora_dir / corpus_id, ignore_errors=True)

    def disk_usage(self) -> int:
        """Bytes used by the workspace's files (one ``stat`` per file; a workspace holds few, large files)."""
        total, stack = 0, [str(self.root)]
        while stack:
            try:
                with os.scandir(stack.pop()) as entries:
                    for entry in entries:
                        try:
                            if entry.is_dir(follow_symlinks=False):
                                stack.append(entry.path)
                            elif entry.is_file(follow_symlinks=False):
                                total += entry.stat(follow_symlinks=False).st_size
                        except OSError:  # removed while we looked
                            continue
            except OSError:
                continue
        return total


# -- the on-disk format of a space ----------------------------------------------
