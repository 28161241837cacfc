"""Document spaces: building them from a document set, attaching what inference needs, inferring.

A document space is a :class:`~embedlab.space.Space` whose keys are document
ids (strings), with ``info["item_kind"] = "document"``, a ``label`` meta
column (a short snippet of the raw text, for hover text and lists), ``count``
(tokens of the document) and the upload's label columns (``sentiment``;
``year``, ``president``, ``kind``).

"Find similar" needs more than the document vectors: Doc2Vec's word and
output weights, LSA's vocabulary, idf and components, the word vectors and
weights of a mean-of-word-vectors model. They are the model's
**attachments** (:attr:`Space.attachments <embedlab.space.Space.attachments>`,
under ``inference/``: ``.npy`` read with ``allow_pickle=False`` and JSON, never
pickled), so :meth:`Workspace.save_space <embedlab.store.Workspace.save_space>`
writes them inside the model's atomic write, publishing copies them with it
and deleting the model deletes them. :func:`load_inferrer` finds them with
:meth:`Workspace.attachment <embedlab.store.Workspace.attachment>`; a document
model without them (saved by code that did not attach them) still explores and
evaluates, and :func:`load_inferrer` says why it cannot infer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional, Protocol

import numpy as np

from embedlab.errors import InputError
from embedlab.sources.docset import DocumentSet
from embedlab.sources.preprocess import PreprocessConfig, tokenize
from embedlab.space import Space
from embedlab.store.model_files import attachment_path

#: Attachment folder of a document model's inference files, and the file naming the family and its settings.
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


def check_documents(workspace, args: dict, title: str, dim: int, what: str = "dimensions"):
    """Before queueing a document model's job: the corpus has two documents, and the model fits in memory.

    Parameters
    ----------
    workspace : Workspace
    args : dict
        The job's arguments (``corpus_id``).
    title : str
        The family, for the message.
    dim : int
        Dimensions the model will have.
    what : str
        What sets them (the field name), for the message.

    Returns
    -------
    DocumentSet

    Raises
    ------
    InputError
        Unknown corpus, fewer than two non-empty documents, or too large a model.
    """
    corpus = workspace.open_corpus(args.get("corpus_id"))
    docset = DocumentSet.of(corpus)
    if len(docset) < 2:
        raise InputError(f"'{corpus.name}' has {len(docset)} document(s) with a word left after preprocessing; "
                         f"{title} needs at least two. Prepare a corpus with more documents (one per row or line).")
    check_output_size(len(docset), dim, what)
    return docset


def inference_attachments(inference: dict) -> dict:
    """A family's inference files as :attr:`Space.attachments <embedlab.space.Space.attachments>`.

    Parameters
    ----------
    inference : dict
        ``{"config": JSON-able dict (must name the ``family``), "arrays": {name: ndarray},
        "json": {name: JSON-able}}``.

    Returns
    -------
    dict
        ``{"inference/<name>.npy": ndarray, "inference/<name>.json": value, "inference/inference.json": config}``.
    """
    out = {f"{INFERENCE_DIR}/{key}.npy": np.asarray(array) for key, array in inference.get("arrays", {}).items()}
    out.update({f"{INFERENCE_DIR}/{key}.json": value for key, value in inference.get("json", {}).items()})
    out[f"{INFERENCE_DIR}/{INFERENCE_FILE}"] = dict(inference.get("config", {}))
    return out


def build_document_space(docset: DocumentSet, vectors: np.ndarray, rows: Optional[np.ndarray], kind: str,
                         params: dict, name: Optional[str], info: dict, inference: dict) -> Space:
    """Wrap document vectors as a document :class:`~embedlab.space.Space` with its inference attachments.

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
        What inference needs (see :func:`inference_attachments`); saved with the model.

    Returns
    -------
    Space
        Keys = document ids; ``space.attachments`` holds the inference files.
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
    space = Space(kv, meta=meta, info=full)
    space.attachments = inference_attachments(inference)
    return space


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


def inference_folder(source, model_id: Optional[str] = None) -> Path:
    """The folder of a document model's inference attachments.

    Parameters
    ----------
    source : Workspace or path-like
        A workspace (then give ``model_id``; a published model is found too) or a model's folder.
    model_id : str, optional

    Raises
    ------
    InputError
        Unknown model, or a model without inference files (not a document model).
    """
    name = f"{INFERENCE_DIR}/{INFERENCE_FILE}"
    try:
        path = source.attachment(model_id, name) if model_id is not None else attachment_path(source, name)
    except InputError:
        if model_id is not None:
            source.model_record(model_id)  # an unknown model says so
        path = None
    if path is None or not path.is_file():
        raise InputError("This model has no files for embedding new text (it is not a document model, or it was "
                         "saved without them). Train a document model on the Documents page to use Find similar.")
    return path.parent


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
    path = inference_folder(source, model_id)
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
