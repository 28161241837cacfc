"""Latent semantic analysis (Deerwester et al. 1990): TF-IDF, then a truncated SVD.

Each document's TF-IDF vector (scikit-learn's ``TfidfVectorizer``: smoothed
idf, optional sublinear tf 1 + log tf, rows scaled to unit length) is
projected on the ``dims`` leading right singular vectors of the
document-term matrix (scikit-learn's ``TruncatedSVD``, randomized, Halko,
Martinsson & Tropp 2011); a document's vector is its row of U Σ.

New text is embedded the same way from the stored vocabulary, idf and
components (:class:`LSAInferrer`), equal to ``pipeline.transform`` of the
fitted scikit-learn pipeline (``tests/test_documents.py``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from embedlab.errors import InputError
from embedlab.progress import Progress, ShouldStop, no_progress
from embedlab.sources.corpus import Corpus
from embedlab.sources.docset import DocumentSet
from embedlab.space import Space
from embedlab.train.docspace import (build_document_space, check_documents, check_output_size, load_array,
                                     load_json)
from embedlab.train.params import Params, param
from embedlab.train.registry import Family

NAME = "lsa"
TITLE = "LSA (TF-IDF + truncated SVD)"
CITATION = ("Scott Deerwester, Susan Dumais, George Furnas, Thomas Landauer and Richard Harshman (1990), "
            "\"Indexing by Latent Semantic Analysis\", JASIS 41(6); scikit-learn's TfidfVectorizer and "
            "TruncatedSVD.")


@dataclass
class LSAConfig(Params):
    """Settings of :func:`train_lsa`.

    Attributes
    ----------
    dims : int
        Singular vectors kept.
    sublinear_tf : bool
    min_df : int
    n_iter : int
    seed : int
    """

    dims: int = param(100, "Dimensions kept by the truncated SVD of the TF-IDF matrix (Deerwester et al. 1990; "
                      "scikit-learn TruncatedSVD n_components).", 2, 1000)
    sublinear_tf: bool = param(True, "Count a word 1 + log(tf) times instead of tf, so repeats weigh less "
                               "(scikit-learn TfidfVectorizer sublinear_tf; Salton & Buckley 1988).")
    min_df: int = param(2, "Drop words found in fewer documents than this (scikit-learn TfidfVectorizer min_df).",
                        1, 10_000)
    n_iter: int = param(5, "Power iterations of the randomized SVD; more is more exact (Halko et al. 2011; "
                        "scikit-learn n_iter).", 1, 50, advanced=True)
    seed: int = param(0, "Seed of the randomized SVD (scikit-learn random_state).", 0, 2**31 - 1, advanced=True)

    def vectorizer(self):
        """The scikit-learn ``TfidfVectorizer`` of these settings (tokens are already split by spaces)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(analyzer=str.split, lowercase=False, sublinear_tf=self.sublinear_tf,
                               min_df=self.min_df)

    def svd(self):
        """The scikit-learn ``TruncatedSVD`` of these settings."""
        from sklearn.decomposition import TruncatedSVD

        return TruncatedSVD(n_components=self.dims, algorithm="randomized", n_iter=self.n_iter,
                            random_state=self.seed)


def train_lsa(corpus: Corpus, cfg: Optional[LSAConfig] = None, progress: Optional[Progress] = None,
              should_stop: Optional[ShouldStop] = None, name: Optional[str] = None) -> Space:
    """Fit LSA on a prepared corpus: one vector per document.

    Parameters
    ----------
    corpus : Corpus
    cfg : LSAConfig, optional
    progress : callable, optional
    should_stop : callable, optional
        Polled between the two steps (a job's Cancel stops the process at once anyway).
    name : str, optional

    Returns
    -------
    Space
        ``kind='lsa'``, vectors U Σ of shape (n_documents, dims); ``info``
        holds the explained variance ratio of each dimension.

    Raises
    ------
    InputError
        ``dims`` not below both the number of documents and of words kept by ``min_df``.
    """
    from embedlab.errors import Cancelled

    cfg = cfg or LSAConfig()
    progress = progress or no_progress
    docset = DocumentSet.of(corpus)
    check_output_size(len(docset), cfg.dims, "dimensions (dims)")
    t0 = time.perf_counter()
    progress(0.05, f"TF-IDF of {len(docset):,} documents")
    vectorizer = cfg.vectorizer()
    try:
        tfidf = vectorizer.fit_transform(docset.texts())
    except ValueError as exc:  # scikit-learn: min_df leaves no word, or too few documents for it
        raise InputError(f"No word occurs in at least min_df={cfg.min_df} documents of '{corpus.name}' "
                         f"({len(docset)} documents). Lower min_df.") from exc
    n_docs, n_terms = tfidf.shape
    if cfg.dims >= min(n_docs, n_terms):
        raise InputError(f"LSA can keep fewer dimensions than there are documents ({n_docs:,}) and words "
                         f"({n_terms:,} with min_df={cfg.min_df}); choose dims below {min(n_docs, n_terms):,}.")
    if should_stop is not None and should_stop():
        raise Cancelled("Training was cancelled.")
    progress(0.4, f"Truncated SVD of a {n_docs:,} × {n_terms:,} matrix to {cfg.dims} dimensions")
    svd = cfg.svd()
    vectors = svd.fit_transform(tfidf)
    seconds = time.perf_counter() - t0
    inference = {
        "config": {"family": NAME, "preprocess": dict(corpus.preprocess), "sublinear_tf": cfg.sublinear_tf,
                   "norm": "l2"},
        "json": {"vocabulary": [str(t) for t in vectorizer.get_feature_names_out()]},
        "arrays": {"idf": np.asarray(vectorizer.idf_, dtype=np.float64),
                   "components": np.asarray(svd.components_, dtype=np.float32)},
    }
    info = {"train_seconds": seconds, "vocabulary": int(n_terms),
            "explained_variance_ratio": [float(v) for v in svd.explained_variance_ratio_]}
    space = build_document_space(docset, vectors, None, NAME, cfg.to_dict(), name, info, inference)
    progress(1.0, "LSA finished")
    return space


def run_job(workspace, args: dict, progress: Progress) -> dict:
    """Background-job entry: fit LSA on a stored corpus and save the model.

    ``args``: ``corpus_id``, ``config`` (an :class:`LSAConfig` dict), optional ``name``.
    Returns ``{"model_id": ..., "corpus_id": ...}``.
    """
    corpus = workspace.open_corpus(args["corpus_id"])
    space = train_lsa(corpus, LSAConfig.from_dict(args.get("config")), progress, name=args.get("name"))
    return {"model_id": workspace.save_space(space), "corpus_id": corpus.id}


def check_job(workspace, args: dict) -> None:
    """Before queueing: two documents at least, and fewer dimensions than documents.

    Raises
    ------
    InputError
        Unknown corpus, too few documents, or ``dims`` not below the number of documents.
    """
    cfg = LSAConfig.from_dict(args.get("config"))
    docset = check_documents(workspace, args, "LSA", cfg.dims, "dimensions (dims)")
    if cfg.dims >= len(docset):
        raise InputError(f"LSA keeps fewer dimensions than there are documents ({len(docset):,}); choose dims "
                         f"below {len(docset):,}.")


FAMILY = Family(
    name=NAME, title=TITLE, data="documents", data_arg="corpus_id", item="document", config=LSAConfig, job=run_job,
    source="Deerwester et al. 1990; scikit-learn TfidfVectorizer + TruncatedSVD",
    description="A vector per document: its TF-IDF row projected on the leading singular vectors of the "
                "document-term matrix (latent semantic analysis). Fast, deterministic, a strong baseline.",
    details="x_d = TF-IDF(d) · V_k, so that the document-term matrix X ≈ U_k Σ_k V_kᵀ and x_d is d's row of U_k Σ_k.",
    loss_note="LSA is a truncated SVD, not trained by epochs: there is no loss curve.", check=check_job, order=10)


class LSAInferrer:
    """TF-IDF then projection on the stored components, without scikit-learn objects.

    Parameters
    ----------
    vocabulary : list of str, length n_terms
    idf : ndarray of shape (n_terms,)
    components : ndarray of shape (dims, n_terms)
    sublinear_tf : bool
    """

    def __init__(self, vocabulary: list, idf: np.ndarray, components: np.ndarray, sublinear_tf: bool):
        self.vocabulary = {w: i for i, w in enumerate(vocabulary)}
        self.idf, self.components, self.sublinear_tf = idf, components, sublinear_tf

    @classmethod
    def from_folder(cls, folder: Path, config: dict) -> "LSAInferrer":
        """Read ``vocabulary.json``, ``idf.npy`` and ``components.npy``.

        Raises
        ------
        ValueError
            The files disagree in length.
        """
        vocabulary = load_json(folder, "vocabulary")
        idf, components = load_array(folder, "idf"), load_array(folder, "components")
        if not (len(vocabulary) == idf.shape[0] == components.shape[1]):
            raise ValueError("the vocabulary, idf and components disagree")
        return cls(vocabulary, idf, components, bool(config.get("sublinear_tf", True)))

    def infer_tokens(self, tokens: list) -> np.ndarray:
        """The LSA vector of known tokens, as ``TruncatedSVD.transform(TfidfVectorizer.transform(...))``.

        Parameters
        ----------
        tokens : list of str
            Tokens in the vocabulary (repeats count).

        Returns
        -------
        ndarray of shape (dims,), float32
        """
        cols, tf = np.unique(np.fromiter((self.vocabulary[t] for t in tokens), dtype=np.int64), return_counts=True)
        weight = (1.0 + np.log(tf)) if self.sublinear_tf else tf.astype(np.float64)
        weight = weight * self.idf[cols]
        weight /= np.linalg.norm(weight)
        return (self.components[:, cols] @ weight).astype(np.float32)
