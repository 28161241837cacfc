"""Document vectors as weighted means of word vectors from a stored word model.

Three weightings of the tokens of a document that the word model knows:

``mean``
    v_d = (1/n) Σ_t v_t over the document's n known tokens (repeats count).
``tfidf``
    v_d = Σ_t idf(t) v_t / Σ_t idf(t), so a token weighs tf · idf; idf is
    scikit-learn's smoothed ln((1 + N) / (1 + df)) + 1 over the corpus's N documents.
``sif``
    Smooth inverse frequency (Arora, Liang & Ma 2017, "A Simple but
    Tough-to-Beat Baseline for Sentence Embeddings", ICLR, Algorithm 1):
    v_d = (1/n) Σ_t a / (a + p(t)) v_t with p(t) the word's share of the
    corpus's tokens, then every v_d minus its projection on the first singular
    vector u of the matrix of all v_d (v_d − u uᵀ v_d), as in the authors'
    code (``SIF_embedding.py``: ``TruncatedSVD(n_components=1, n_iter=7,
    random_state=0)``, no centring). The paper takes p from a large corpus;
    here it is the corpus being embedded.

A document with no known token gets no vector and is left out (``info`` says
how many). The word vectors are copied into the model's inference files, so
"Find similar" keeps working if the word model is deleted later.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import scipy.sparse as sp

from embedlab.errors import InputError
from embedlab.progress import Progress, ShouldStop, no_progress
from embedlab.sources.corpus import Corpus
from embedlab.sources.docset import DocumentSet
from embedlab.space import Space
from embedlab.train.docspace import (build_document_space, check_documents, check_output_size, load_array,
                                     load_json)
from embedlab.train.params import Params, param
from embedlab.train.registry import Family

NAME = "mean_vectors"
TITLE = "Mean of word vectors (plain, TF-IDF or SIF)"
CITATION = ("Averaged word vectors; SIF weighting and common-component removal of Sanjeev Arora, Yingyu Liang "
            "and Tengyu Ma (2017), \"A Simple but Tough-to-Beat Baseline for Sentence Embeddings\", ICLR.")


@dataclass
class MeanVectorsConfig(Params):
    """Settings of :func:`train_mean_vectors`.

    Attributes
    ----------
    word_model : str
        Id of a stored word model (Word2Vec, FastText, imported vectors).
    weighting : {"mean", "tfidf", "sif"}
    sif_a : float
        ``a`` of SIF's weight a / (a + p(w)).
    """

    word_model: str = param("", "The stored word model whose vectors are averaged (Word2Vec, FastText, GloVe, "
                            "imported vectors); trained with the same preprocessing as the corpus, ideally on it.",
                            label="word model", widget="model", item_kind="word")
    weighting: str = param(
        "mean", "mean: every token counts the same; tfidf: tokens weighted by idf, so tf·idf per word "
        "(Salton & Buckley 1988); sif: weight a/(a + p(w)) and the common component removed "
        "(Arora, Liang & Ma 2017).", choices=("mean", "tfidf", "sif"),
        choice_labels={"mean": "plain mean", "tfidf": "TF-IDF weighted", "sif": "SIF"})
    sif_a: float = param(1e-3, "SIF's a in a/(a + p(w)): smaller down-weights frequent words more (Arora et al. "
                         "2017 use 1e-3 to 1e-4).", 1e-6, 1.0, format="%.0e", label="SIF a")

    def check(self) -> None:
        if not isinstance(self.word_model, str):
            raise InputError(f"word_model must be a model id; got {self.word_model!r}.")


def train_mean_vectors(corpus: Corpus, word_space: Space, cfg: Optional[MeanVectorsConfig] = None,
                       progress: Optional[Progress] = None, should_stop: Optional[ShouldStop] = None,
                       name: Optional[str] = None) -> Space:
    """Weighted means of a word model's vectors over each document of a corpus.

    Parameters
    ----------
    corpus : Corpus
    word_space : Space
        The word model (keys are words).
    cfg : MeanVectorsConfig, optional
        ``word_model`` is only recorded here; the vectors come from ``word_space``.
    progress, should_stop : callable, optional
    name : str, optional

    Returns
    -------
    Space
        ``kind='mean_vectors'``, vectors of shape (n_documents, word_space.dim).

    Raises
    ------
    InputError
        ``word_space`` is a document space, shares no word with the corpus, or
        fewer than two documents have a known word.
    """
    cfg = cfg or MeanVectorsConfig(word_model=str(word_space.info.get("id", "given")))
    progress = progress or no_progress
    if word_space.info.get("item_kind", "word") != "word":
        raise InputError(f"'{word_space.name}' is a space of {word_space.info['item_kind']}s, not of words. "
                         "Choose a word model (Word2Vec, FastText or imported word vectors).")
    docset = DocumentSet.of(corpus)
    check_output_size(len(docset), word_space.dim, "dimensions (the word model's)")
    t0 = time.perf_counter()
    counts = corpus.counts
    known_words = [w for w in counts.index if w in word_space]
    if not known_words:
        raise InputError(f"No word of '{corpus.name}' is in the word model '{word_space.name}'. Choose a word "
                         "model trained on similar text with the same preprocessing (e.g. lower-cased).")
    column = {w: j for j, w in enumerate(known_words)}
    progress(0.1, f"Counting the known words of {len(docset):,} documents")
    matrix = _count_matrix(docset, column, should_stop)
    n_tokens = np.asarray(matrix.sum(axis=1)).ravel()
    rows = np.flatnonzero(n_tokens > 0)
    notes = []
    if len(rows) < len(docset):
        notes.append(f"{len(docset) - len(rows):,} document(s) have no word the word model knows; they are left out.")
    if len(rows) < 2:
        raise InputError(f"Only {len(rows)} document(s) of '{corpus.name}' have a word known to '{word_space.name}'. "
                         "Choose a word model trained on similar text.")
    matrix = matrix[rows]
    word_vectors = np.asarray(word_space.vectors[word_space.indices(known_words)], dtype=np.float32)
    weights = word_weights(cfg.weighting, matrix, counts[known_words].to_numpy(), int(counts.sum()), cfg.sif_a)
    progress(0.6, "Averaging")
    vectors = weighted_means(matrix, weights, word_vectors, cfg.weighting)
    component = None
    if cfg.weighting == "sif":
        vectors, component = remove_common_component(vectors)
    known_share = float(matrix.sum() / max(int(docset.kept["tokens"].iloc[rows].sum()), 1))
    inference = {
        "config": {"family": NAME, "preprocess": dict(corpus.preprocess), "weighting": cfg.weighting},
        "json": {"words": known_words},
        "arrays": {"word_vectors": word_vectors, "weights": weights.astype(np.float64),
                   **({"common_component": component} if component is not None else {})},
    }
    info = {"train_seconds": time.perf_counter() - t0, "word_model_id": word_space.info.get("id"),
            "word_model_name": word_space.name, "words_used": len(known_words),
            "known_token_share": known_share, "notes": notes}
    space = build_document_space(docset, vectors, rows, NAME, cfg.to_dict(), name, info, inference)
    progress(1.0, "Document vectors ready")
    return space


def _count_matrix(docset: DocumentSet, column: dict, should_stop: Optional[ShouldStop]) -> sp.csr_matrix:
    """Sparse (n_documents, n_words) matrix of how often each known word occurs in each document."""
    from embedlab.errors import Cancelled

    indptr, indices = [0], []
    for i, tokens in enumerate(docset.iter_documents()):
        indices.extend(column[t] for t in tokens if t in column)
        indptr.append(len(indices))
        if should_stop is not None and i % 1000 == 999 and should_stop():
            raise Cancelled("Training was cancelled.")
    data = np.ones(len(indices), dtype=np.float64)
    matrix = sp.csr_matrix((data, np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
                           shape=(len(indptr) - 1, len(column)))
    matrix.sum_duplicates()
    return matrix


def word_weights(weighting: str, matrix: sp.csr_matrix, word_counts: np.ndarray, total_tokens: int,
                 sif_a: float = 1e-3) -> np.ndarray:
    """Weight of each word: 1 (mean), smoothed idf (tfidf) or a / (a + p(w)) (sif).

    Parameters
    ----------
    weighting : {"mean", "tfidf", "sif"}
    matrix : sparse matrix of shape (n_documents, n_words)
        Word counts per document (for the document frequencies of idf).
    word_counts : ndarray of shape (n_words,)
        Occurrences of each word in the corpus (for p(w) of SIF).
    total_tokens : int
        Tokens in the corpus.
    sif_a : float

    Returns
    -------
    ndarray of shape (n_words,), float64
    """
    if weighting == "mean":
        return np.ones(matrix.shape[1])
    if weighting == "tfidf":
        df = np.bincount(matrix.indices, minlength=matrix.shape[1]).astype(np.float64)
        return np.log((1.0 + matrix.shape[0]) / (1.0 + df)) + 1.0
    if weighting == "sif":
        return sif_a / (sif_a + np.asarray(word_counts, dtype=np.float64) / max(total_tokens, 1))
    raise InputError(f"Unknown weighting '{weighting}'; choose mean, tfidf or sif.")


def weighted_means(matrix: sp.csr_matrix, weights: np.ndarray, word_vectors: np.ndarray,
                   weighting: str) -> np.ndarray:
    """Document vectors from word counts, word weights and word vectors.

    Parameters
    ----------
    matrix : sparse matrix of shape (n_documents, n_words)
    weights : ndarray of shape (n_words,)
    word_vectors : ndarray of shape (n_words, dim)
    weighting : str
        ``tfidf`` divides by the sum of the weights; ``mean`` and ``sif`` by the number of tokens.

    Returns
    -------
    ndarray of shape (n_documents, dim), float32
    """
    weighted = matrix @ sp.diags(weights)
    norm = np.asarray((weighted if weighting == "tfidf" else matrix).sum(axis=1)).ravel()
    sums = weighted @ word_vectors.astype(np.float64)
    return (sums / norm[:, None]).astype(np.float32)


def remove_common_component(vectors: np.ndarray) -> tuple:
    """SIF's step 2: remove the projection on the first singular vector (Arora et al. 2017).

    Parameters
    ----------
    vectors : ndarray of shape (n_documents, dim)

    Returns
    -------
    vectors : ndarray of shape (n_documents, dim), float32
    component : ndarray of shape (dim,), float32
        The unit singular vector u removed (v − u uᵀ v).
    """
    from sklearn.decomposition import TruncatedSVD

    svd = TruncatedSVD(n_components=1, n_iter=7, random_state=0)
    svd.fit(vectors)
    u = svd.components_[0].astype(np.float64)
    out = vectors - np.outer(vectors @ u, u)
    return out.astype(np.float32), u.astype(np.float32)


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry: average a stored word model's vectors over a stored corpus.

    ``args``: ``corpus_id``, ``config`` (a :class:`MeanVectorsConfig` dict with
    ``word_model``), optional ``name``. Returns ``{"model_id": ..., "corpus_id": ...}``.
    """
    cfg = MeanVectorsConfig.from_dict(args.get("config"))
    corpus = workspace.open_corpus(args["corpus_id"])
    word_space = workspace.load_space(_chosen_word_model(cfg))
    space = train_mean_vectors(corpus, word_space, cfg, progress, name=args.get("name"))
    return {"model_id": workspace.save_space(space), "corpus_id": corpus.id}


def _chosen_word_model(cfg: MeanVectorsConfig) -> str:
    if not cfg.word_model.strip():
        raise InputError("Choose the word model whose vectors to average. If there is none, train Word2Vec on the "
                         "Train page (on this corpus, so the words match) or import word vectors first.")
    return cfg.word_model.strip()


def check_job(workspace, args: dict) -> None:
    """Before queueing: a stored word model is chosen, and the corpus has two documents.

    Raises
    ------
    InputError
        No word model chosen, an unknown model, a model whose items are not words, or too few documents.
    """
    cfg = MeanVectorsConfig.from_dict(args.get("config"))
    model_id = _chosen_word_model(cfg)
    record = workspace.model_record(model_id)
    if model_id not in set(workspace.models_of("word")["id"]):
        raise InputError(f"'{record['name']}' is not a word model (or its files are damaged). Choose a Word2Vec, "
                         "FastText or imported word model.")
    check_documents(workspace, args, "Averaging word vectors", int(record.get("dim") or 1),
                    "dimensions (the word model's)")


FAMILY = Family(
    name=NAME, title="Mean of word vectors", data="documents", data_arg="corpus_id", item="document",
    config=MeanVectorsConfig, job=run_job,
    source="averaged word vectors; SIF weighting: Arora, Liang & Ma 2017",
    description="A vector per document: the (weighted) mean of the vectors a stored word model gives its words. "
                "Nothing new is trained; how good it is depends on the word model.",
    details="plain: v_d = (1/n) Σ v_w; TF-IDF: weights idf(w); SIF: weights a / (a + p(w)), then the first "
            "singular vector of all v_d is removed.",
    loss_note="Nothing is trained by epochs: the document vectors are averages, so there is no loss curve.",
    check=check_job, order=30)


class MeanVectorInferrer:
    """The same weighted mean (and SIF removal) for a new text.

    Parameters
    ----------
    words : list of str, length n_words
    word_vectors : ndarray of shape (n_words, dim)
    weights : ndarray of shape (n_words,)
    weighting : str
    component : ndarray of shape (dim,) or None
        SIF's removed singular vector.
    """

    def __init__(self, words: list, word_vectors: np.ndarray, weights: np.ndarray, weighting: str,
                 component: Optional[np.ndarray] = None):
        self.vocabulary = {w: i for i, w in enumerate(words)}
        self.word_vectors, self.weights, self.weighting, self.component = word_vectors, weights, weighting, component

    @classmethod
    def from_folder(cls, folder: Path, config: dict) -> "MeanVectorInferrer":
        """Read ``words.json``, ``word_vectors.npy``, ``weights.npy`` (+ ``common_component.npy``).

        Raises
        ------
        ValueError
            The files disagree in length.
        """
        words = load_json(folder, "words")
        vectors, weights = load_array(folder, "word_vectors"), load_array(folder, "weights")
        if not (len(words) == vectors.shape[0] == weights.shape[0]):
            raise ValueError("the words, vectors and weights disagree")
        component = load_array(folder, "common_component") if (Path(folder) / "common_component.npy").is_file() \
            else None
        return cls(words, vectors, weights, config["weighting"], component)

    def infer_tokens(self, tokens: list) -> np.ndarray:
        """The weighted mean of known tokens' vectors.

        Parameters
        ----------
        tokens : list of str

        Returns
        -------
        ndarray of shape (dim,), float32
        """
        idx = np.fromiter((self.vocabulary[t] for t in tokens), dtype=np.int64)
        w = self.weights[idx]
        total = w.sum() if self.weighting == "tfidf" else len(idx)
        v = (w @ self.word_vectors[idx].astype(np.float64)) / total
        if self.component is not None:
            u = self.component.astype(np.float64)
            v = v - (v @ u) * u
        return v.astype(np.float32)
