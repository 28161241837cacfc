"""Document spaces: building them from a document set, saving what inference needs, inferring.

A document space is a :class:`~embedlab.space.Space` whose keys are document
ids (strings), with ``info["item_kind"] = "document"``, a ``label`` meta
column (a short snippet of the raw text, for hover text and lists), ``count``
(tokens of the document) and the upload's label columns (``sentiment``;
``year``, ``president``, ``kind``).

"Find similar" needs more than the document vectors: Doc2Vec's word and
output weights, LSA's vocabulary, idf and components, the word vectors and
weights of a mean-of-word-vectors model. They are kept in the model's folder
under ``inference/`` as ``.npy`` (read with ``allow_pickle=False``) and JSON,
never pickled. :func:`save_document_space` writes them after
:meth:`Workspace.save_space <embedlab.store.Workspace.save_space>` has
registered the model, into a partial folder renamed when complete; a model
whose ``inference/`` is missing (a job killed in between, or a copy made by
code that does not know the folder, such as publishing today) still explores
and evaluates, and :func:`load_inferrer` says why it cannot infer.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Optional, Protocol

import numpy as np

from embedlab.errors import InputError
from embedlab.sources.docset import DocumentSet
from embedlab.sources.preprocess import PreprocessConfig, tokenize
from embedlab.space import Space

INFERENCE_DIR = "inference"
INFERENCE_FILE = "inference.json"
#: Longest text "Find similar" accepts, in characters (a long article; bounds the work per request).
MAX_QUERY_CHARS = 200_000

#: family name -> "module:class" of its inferrer (each has ``from_folder(folder, config)``).
INFERRERS = {
    "doc2vec": "embedlab.train.doc2vec:Doc2VecInferrer",
    "lsa": "embedlab.train.lsa:LSAInferrer",
    "mean_vectors": "embedlab.train.mean_vectors:MeanVectorInferrer",
}


#: Largest document matrix a family may allocate, in cells (n_documents × dimensions): 200 million
#: float32 cells are 800 MB; a training job must not take the server's memory.
MAX_DOCUMENT_CELLS = 200_000_000


def check_output_size(n_documents: int, dim: int, what: str = "dimensions") -> None:
    """Refuse a document matrix over :data:`MAX_DOCUMENT_CELLS` before anything is allocated.

    Raises
    ------
    InputError
        n_documents × dim is too large; the message says the largest ``dim`` that fits.
    """
    if n_documents * dim > MAX_DOCUMENT_CELLS:
        raise InputError(f"{n_documents:,} documents × {dim:,} {what} is too large a model for this server; "
                         f"choose at most {max(MAX_DOCUMENT_CELLS // max(n_documents, 1), 1):,} {what}.")


class DocumentSpace(Space):
    """A document :class:`Space` plus the arrays and facts its inference needs.

    Parameters
    ----------
    kv, meta, info : see :class:`Space`
    inference : dict
        ``{"config": JSON-able dict, "arrays": {name: ndarray}, "json": {name: JSON-able}}``;
        written by :func:`save_document_space`.
    """

    def __init__(self, kv, meta=None, info=None, inference: Optional[dict] = None):
        super().__init__(kv, meta=meta, info=info)
        self.inference = inference or {}


def build_document_space(docset: DocumentSet, vectors: np.ndarray, rows: Optional[np.ndarray], kind: str,
                         params: dict, name: Optional[str], info: dict, inference: dict) -> DocumentSpace:
    """Wrap document vectors as a :class:`DocumentSpace`.

    Parameters
    ----------
    docset : DocumentSet
    vectors : ndarray of shape (n_rows, dim)
        One vector per document in ``rows``.
    rows : ndarray of int or None
        Indices into ``docset.kept`` of the documents in ``vectors`` (None: all, in order).
    kind : str
        ``info["kind"]`` (``doc2vec``, ``lsa``, ``mean_vectors``).
    params : dict
        The config as a dict.
    name : str, optional
    info : dict
        Family-specific facts (train seconds, notes, ...), merged in.
    inference : dict
        See :class:`DocumentSpace`.
    """
    corpus = docset.corpus
    meta = docset.space_meta(rows)
    ids = meta.index.tolist()
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vectors.shape[1], count=0, dtype=np.float32)
    kv.add_vectors(ids, vectors)
    notes = list(docset.notes) + list(info.pop("notes", []))
    full = {
        "kind": kind, "name": name or f"{kind} on {corpus.name}", "params": params, "item_kind": "document",
        "label_columns": list(docset.label_columns), "corpus_name": corpus.name,
        "corpus_fingerprint": corpus.fingerprint, "corpus_id": corpus.id, "preprocess": dict(corpus.preprocess),
        "documents_in_corpus": int(len(docset.table)), "empty_documents": int(docset.n_empty),
        "documents_without_vector": int(len(docset) - len(ids)), "notes": notes, **info,
    }
    return DocumentSpace(kv, meta=meta, info=full, inference=inference)


# -- saving and finding the inference files -------------------------------------------

def write_inference(folder, inference: dict) -> None:
    """Write ``inference`` (see :class:`DocumentSpace`) into ``folder/inference/``, atomically.

    The files go to a partial folder first, renamed when complete, so a
    reader never sees half of them.
    """
    target = Path(folder) / INFERENCE_DIR
    partial = Path(folder) / f".{INFERENCE_DIR}-partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        for key, array in inference.get("arrays", {}).items():
            np.save(partial / f"{key}.npy", np.asarray(array), allow_pickle=False)
        for key, value in inference.get("json", {}).items():
            (partial / f"{key}.json").write_text(json.dumps(value), encoding="utf-8")
        (partial / INFERENCE_FILE).write_text(json.dumps(inference.get("config", {}), indent=1), encoding="utf-8")
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def save_document_space(workspace, space: Space, name: Optional[str] = None) -> str:
    """Save a document space and its inference files; return the model id.

    Raises
    ------
    InputError
        The workspace is over its disk quota.
    """
    inference = getattr(space, "inference", None) or {}
    extra = sum(np.asarray(a).nbytes for a in inference.get("arrays", {}).values())
    workspace.check_quota(extra, "Saving this model")
    model_id = workspace.save_space(space, name)
    if inference:
        write_inference(model_folder(workspace, model_id), inference)
    return model_id


def model_folder(workspace, model_id: str) -> Path:
    """The folder holding a model's files (this workspace's, or the published area's).

    Raises
    ------
    InputError
        Unknown model.
    """
    workspace.model_record(model_id)
    own = Path(workspace.models_dir) / model_id
    if own.is_dir():
        return own
    pub = workspace.published_area()
    if pub is not None and (Path(pub.models_dir) / model_id).is_dir():
        return Path(pub.models_dir) / model_id
    raise InputError(f"The files of model '{model_id}' are missing. Delete it and train it again.")


def load_array(folder: Path, name: str) -> np.ndarray:
    """``folder/name.npy``, never unpickled."""
    return np.load(Path(folder) / f"{name}.npy", allow_pickle=False)


def load_json(folder: Path, name: str):
    return json.loads((Path(folder) / f"{name}.json").read_text(encoding="utf-8"))


# -- inference -------------------------------------------------------------------------

class Inferrer(Protocol):
    """What every family's inferrer offers (see :func:`load_inferrer`)."""

    vocabulary: dict

    def infer_tokens(self, tokens: list) -> np.ndarray: ...


class Query:
    """Tokenising a typed text the way the model's corpus was tokenised.

    Parameters
    ----------
    preprocess : dict
        The corpus's :class:`PreprocessConfig` as a dict.
    vocabulary : dict or set
        The words the model knows.

    Notes
    -----
    gensim's ``Phrases`` model is not stored with a corpus, so for a corpus
    prepared with phrase detection, adjacent tokens are joined when their
    joined form (``new_york``) is a known word -- the phrases that survived
    into the model -- longest first, up to three tokens.
    """

    def __init__(self, preprocess: dict, vocabulary):
        names = set(PreprocessConfig.__dataclass_fields__)
        self.cfg = PreprocessConfig(**{k: v for k, v in (preprocess or {}).items() if k in names})
        self.vocabulary = vocabulary

    def tokens(self, text: str) -> list:
        """The tokens of ``text``.

        Raises
        ------
        InputError
            Empty text, or text longer than :data:`MAX_QUERY_CHARS`.
        """
        text = str(text or "")
        if not text.strip():
            raise InputError("Type or paste a text to find documents like it.")
        if len(text) > MAX_QUERY_CHARS:
            raise InputError(f"The text has {len(text):,} characters; paste at most {MAX_QUERY_CHARS:,}.")
        tokens = tokenize(text, self.cfg)
        if self.cfg.phrases and tokens:
            tokens = self._join_phrases(tokens)
        return tokens

    def _join_phrases(self, tokens: list) -> list:
        out, i = [], 0
        while i < len(tokens):
            for n in (3, 2):
                joined = "_".join(tokens[i:i + n])
                if i + n <= len(tokens) and joined in self.vocabulary:
                    out.append(joined)
                    i += n
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out

    def split(self, tokens: list) -> tuple:
        """(known tokens in order, distinct unknown tokens in order of first appearance)."""
        known = [t for t in tokens if t in self.vocabulary]
        unknown = list(dict.fromkeys(t for t in tokens if t not in self.vocabulary))
        return known, unknown


class LoadedInferrer:
    """A family inferrer with the corpus's tokenisation in front of it.

    Attributes
    ----------
    family : str
    config : dict
        ``inference.json``.
    """

    def __init__(self, family: str, config: dict, inferrer):
        self.family, self.config, self.inferrer = family, config, inferrer
        self.query = Query(config.get("preprocess", {}), inferrer.vocabulary)

    def infer(self, text: str) -> tuple:
        """The vector of a typed text and the words of it the model does not know.

        Parameters
        ----------
        text : str

        Returns
        -------
        vector : ndarray of shape (dim,), float32
        unknown_words : list of str
            Distinct tokens of the text (after the corpus's preprocessing)
            that are not in the model's vocabulary; they were ignored.

        Raises
        ------
        InputError
            Empty or over-long text, or no word of it is known.
        """
        tokens = self.query.tokens(text)
        known, unknown = self.query.split(tokens)
        if not known:
            shown = ", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else "")
            raise InputError("None of the words of this text is known to the model"
                             + (f" ({shown})" if shown else " (nothing was left after preprocessing)")
                             + ". Use words that occur in the corpus it was trained on.")
        return np.asarray(self.inferrer.infer_tokens(known), dtype=np.float32), unknown


def load_inferrer(source, model_id: Optional[str] = None) -> LoadedInferrer:
    """Load what a document model needs to embed new text.

    Parameters
    ----------
    source : Workspace or path-like
        A workspace (then give ``model_id``) or a model's folder.
    model_id : str, optional

    Returns
    -------
    LoadedInferrer
        Call ``.infer(text)``; load once and keep it (in the page's session)
        for repeated queries.

    Raises
    ------
    InputError
        Unknown model, a model that is not a document model, or missing or
        damaged inference files.
    """
    folder = model_folder(source, model_id) if model_id is not None else Path(source)
    path = folder / INFERENCE_DIR
    if not (path / INFERENCE_FILE).is_file():
        raise InputError("This model has no files for embedding new text (it is not a document model, or it was "
                         "copied or saved without them, e.g. published, or its job stopped while saving). "
                         "Train it again to use Find similar.")
    try:
        config = load_json(path, INFERENCE_FILE.removesuffix(".json"))
        family = config["family"]
        module, cls = INFERRERS[family].split(":")
        import importlib

        inferrer = getattr(importlib.import_module(module), cls).from_folder(path, config)
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"The files for embedding new text are damaged ({exc}). Train the model again.") from exc
    return LoadedInferrer(family, config, inferrer)


def infer_vector(source, text: str, model_id: Optional[str] = None) -> tuple:
    """Embed a text with a stored document model: ``(vector, unknown_words)``.

    Loads the model's inference files on every call; for repeated queries use
    :func:`load_inferrer` once and call its ``infer``.

    Parameters
    ----------
    source : Workspace or path-like
        A workspace (with ``model_id``) or a model folder.
    text : str
    model_id : str, optional

    Returns
    -------
    vector : ndarray of shape (dim,), float32
    unknown_words : list of str

    Raises
    ------
    InputError
        See :func:`load_inferrer` and :meth:`LoadedInferrer.infer`.
    """
    return load_inferrer(source, model_id).infer(text)
