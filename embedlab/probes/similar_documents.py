"""Nearest documents: of a stored document, or of a typed text ("Find similar")."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.probes.neighbours import similarities, top_k
from embedlab.space import Space


def document_table(space: Space, indices: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    """Rows of a document space with their scores: ``doc_id``, ``cosine``, ``label`` and the label columns."""
    indices = np.asarray(indices, dtype=np.int64)
    table = pd.DataFrame({"doc_id": [space.words[i] for i in indices],
                          "cosine": np.asarray(scores, dtype=np.float64)})
    meta = space.meta.iloc[indices]
    for col in ["label"] + [c for c in space.info.get("label_columns", []) if c in meta]:
        if col in meta:
            table[col] = meta[col].to_numpy()
    return table


def similar_documents(space: Space, vector: np.ndarray, k: int = 10, exclude=()) -> pd.DataFrame:
    """The ``k`` documents whose vectors are closest to ``vector`` by cosine.

    Parameters
    ----------
    space : Space
        A document space.
    vector : ndarray of shape (dim,)
    k : int
        At least 1.
    exclude : iterable of int
        Rows to skip (the query document itself).

    Returns
    -------
    pandas.DataFrame
        See :func:`document_table`; best first.

    Raises
    ------
    InputError
        ``k`` below 1, or ``vector`` of the wrong width.
    """
    if k < 1:
        raise InputError("Ask for at least one document.")
    vector = np.asarray(vector, dtype=np.float32)
    if vector.shape != (space.dim,):
        raise InputError(f"The vector has shape {vector.shape}; this model's documents have {space.dim} dimensions.")
    scores = similarities(space, vector)
    best = top_k(scores, k, exclude)
    return document_table(space, best, scores[best])


def nearest_documents(space: Space, doc_id: str, k: int = 10) -> pd.DataFrame:
    """The ``k`` documents nearest to a document of the space (itself excluded).

    Raises
    ------
    UnknownWordError
        No document has that id.
    """
    row = space.index(str(doc_id))
    return similar_documents(space, space.vectors[row], k, exclude=[row])


@dataclass
class SimilarToText:
    """The answer of "Find similar".

    Attributes
    ----------
    table : pandas.DataFrame
        Nearest documents (:func:`document_table`), best first.
    unknown_words : list of str
        Words of the text the model does not know (ignored).
    vector : ndarray of shape (dim,)
        The text's inferred vector.
    """

    table: pd.DataFrame
    unknown_words: list
    vector: np.ndarray


def find_similar(space: Space, inferrer, text: str, k: int = 10) -> SimilarToText:
    """Embed a typed text with a document model and list the nearest documents.

    Parameters
    ----------
    space : Space
        The document model's space.
    inferrer : LoadedInferrer
        From :func:`embedlab.train.docspace.load_inferrer` for the same model.
    text : str
    k : int

    Returns
    -------
    SimilarToText

    Raises
    ------
    InputError
        Empty text, no known word, ``k`` below 1.
    """
    vector, unknown = inferrer.infer(text)
    return SimilarToText(similar_documents(space, vector, k), unknown, vector)
