"""Compare two (or more) embedding spaces: neighbourhood overlap, alignment, stability.

* **Jaccard@k** — for each word of the shared vocabulary, the overlap of its
  ``k`` nearest neighbours in space A and in space B, ``|N_A ∩ N_B| / |N_A ∪ N_B|``
  (1 = the same neighbours, 0 = none in common). Neighbours are searched
  within the shared vocabulary, so a word that one model lacks cannot make a
  neighbourhood look different. It needs no common coordinate system: the two
  spaces may have different dimensions. (Used for model comparison e.g. by
  Hamilton, Leskovec & Jurafsky 2016, "Cultural shift or linguistic drift?",
  and for run-to-run stability by Antoniak & Mimno 2018, "Evaluating the
  stability of embedding-based word similarities", and Wendlandt, Kummerfeld &
  Mihalcea 2018, "Factors influencing the surprising instability of word
  embeddings".)
* **Orthogonal Procrustes** (Schönemann 1966) — the rotation/reflection ``R``
  minimising ``||B R − A||_F`` over the shared vocabulary
  (:func:`scipy.linalg.orthogonal_procrustes`), after each space's vectors are
  unit-normalised, mean-centred and unit-normalised again (Artetxe, Labaka &
  Agirre 2016). Word2Vec spaces trained twice are equal only up to such a
  rotation, so after alignment the distance between a word's two positions
  says how much the word itself moved.
* **Stability** — the mean Jaccard@k of each word over every pair of several
  models (same settings, different seeds).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from embedlab.errors import InputError, UnknownWordError
from embedlab.probes.neighbours import knn_within, nearest_neighbours
from embedlab.progress import Progress, no_progress, scaled
from embedlab.space import Space


# -- shared vocabulary ------------------------------------------------------------

def shared_vocabulary(spaces: Sequence[Space], n_words: Optional[int] = None) -> list:
    """Words that every space has, most frequent first.

    Words are ordered by the sum of their frequency ranks (index order) in the
    spaces, so "most frequent" means frequent in all of them.

    Parameters
    ----------
    spaces : sequence of Space
        At least one.
    n_words : int, optional
        Keep only this many (the most frequent shared words).

    Returns
    -------
    list of str

    Raises
    ------
    InputError
        The spaces have no word in common, or ``n_words`` below 1.
    """
    if not spaces:
        raise InputError("Choose at least one model.")
    if n_words is not None and n_words < 1:
        raise InputError("Choose at least one word to compare.")
    first = spaces[0]
    common = [w for w in first.words if all(w in s for s in spaces[1:])]
    if not common:
        raise InputError("These models have no word in common, so they cannot be compared. "
                         "Pick models trained on the same (or overlapping) text.")
    ranks = np.zeros(len(common), dtype=np.int64)
    for s in spaces:
        ranks += np.fromiter((s.kv.key_to_index[w] for w in common), dtype=np.int64, count=len(common))
    order = np.argsort(ranks, kind="stable")
    if n_words is not None:
        order = order[:n_words]
    return [common[i] for i in order]


def _unit_rows(space: Space, words: Sequence[str]) -> np.ndarray:
    return space.unit[space.indices(words)]


def neighbour_sets(space: Space, words: Sequence[str], k: int, progress: Optional[Progress] = None) -> np.ndarray:
    """Each word's ``k`` nearest neighbours among ``words`` (cosine similarity).

    Parameters
    ----------
    space : Space
    words : sequence of str, length n_words
        All in ``space``.
    k : int
        Below ``n_words``.

    Returns
    -------
    ndarray of shape (n_words, k), int64
        Positions in ``words``, best first.
    """
    return knn_within(_unit_rows(space, words), k, progress=progress)


def jaccard_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Jaccard index of two sets of neighbour indices.

    Parameters
    ----------
    a, b : ndarray of shape (n_words, k), int
        Each row holds ``k`` distinct indices.

    Returns
    -------
    ndarray of shape (n_words,), float64, in [0, 1]
    """
    k = a.shape[1]
    both = np.sort(np.concatenate([a, b], axis=1), axis=1)
    # rows hold distinct indices, so a repeated value appears once in each set
    inter = (np.diff(both, axis=1) == 0).sum(axis=1)
    return inter / (2 * k - inter)


@dataclass
class NeighbourOverlap:
    """Jaccard@k of two spaces over their shared vocabulary.

    Attributes
    ----------
    words : list of str, length n_words
        The shared vocabulary compared, most frequent first.
    k : int
    neighbours_a, neighbours_b : ndarray of shape (n_words, k), int64
        Each word's neighbours (positions in ``words``) in space A and B.
    jaccard : ndarray of shape (n_words,), float64
    """

    words: list
    k: int
    neighbours_a: np.ndarray
    neighbours_b: np.ndarray
    jaccard: np.ndarray

    @property
    def mean(self) -> float:
        """Mean Jaccard@k over the shared vocabulary."""
        return float(self.jaccard.mean())

    def table(self) -> pd.DataFrame:
        """One row per word: ``word``, ``jaccard``, ``shared neighbours`` (of k), ``frequency rank``,
        ``neighbours in A``, ``neighbours in B`` (the top 5 of each, comma-separated)."""
        inter = np.rint(2 * self.k * self.jaccard / (1 + self.jaccard)).astype(np.int64)
        w = np.asarray(self.words, dtype=object)
        head = min(5, self.k)
        return pd.DataFrame({
            "word": self.words,
            "jaccard": self.jaccard,
            "shared neighbours": inter,
            "frequency rank": np.arange(1, len(self.words) + 1),
            "neighbours in A": [", ".join(row) for row in w[self.neighbours_a[:, :head]]],
            "neighbours in B": [", ".join(row) for row in w[self.neighbours_b[:, :head]]],
        })

    def most_changed(self, n: int = 20) -> pd.DataFrame:
        """The ``n`` words with the lowest Jaccard@k (ties: the more frequent first)."""
        t = self.table()
        return t.iloc[np.argsort(t["jaccard"].to_numpy(), kind="stable")[:n]].reset_index(drop=True)

    def least_changed(self, n: int = 20) -> pd.DataFrame:
        """The ``n`` words with the highest Jaccard@k (ties: the more frequent first)."""
        t = self.table()
        return t.iloc[np.argsort(-t["jaccard"].to_numpy(), kind="stable")[:n]].reset_index(drop=True)


def jaccard_at_k(a: Space, b: Space, k: int = 10, n_words: Optional[int] = None,
                 progress: Optional[Progress] = None) -> NeighbourOverlap:
    """Overlap of each shared word's ``k`` nearest neighbours in two spaces (Jaccard@k).

    Parameters
    ----------
    a, b : Space
        Dimensions may differ.
    k : int
        Neighbours per word, at least 1.
    n_words : int, optional
        Compare only the ``n_words`` most frequent shared words (neighbours
        are searched among them too). Default: the whole shared vocabulary.
    progress : callable, optional

    Returns
    -------
    NeighbourOverlap

    Raises
    ------
    InputError
        No shared words, ``k`` below 1, or ``k`` not below the number of words compared.
    """
    progress = progress or no_progress
    if k < 1:
        raise InputError("k (neighbours per word) must be at least 1.")
    words = shared_vocabulary([a, b], n_words)
    if k >= len(words):
        raise InputError(f"k = {k} needs more than {k} shared words, but only {len(words)} are compared. "
                         "Lower k or compare more words.")
    na = neighbour_sets(a, words, k, scaled(progress, 0.0, 0.5))
    nb = neighbour_sets(b, words, k, scaled(progress, 0.5, 1.0))
    return NeighbourOverlap(words, int(k), na, nb, jaccard_rows(na, nb))


def side_by_side(a: Space, b: Space, word: str, k: int = 10, names: tuple = ("A", "B")) -> pd.DataFrame:
    """A query word's ``k`` nearest neighbours in two spaces, next to each other.

    Searched over each space's whole vocabulary (FastText spaces also answer
    out-of-vocabulary words from subwords).

    Parameters
    ----------
    a, b : Space
    word : str
    k : int
    names : (str, str)
        Column prefixes for the two spaces.

    Returns
    -------
    pandas.DataFrame
        ``k`` rows: ``rank``, ``<A> word``, ``<A> cosine``, ``<A> in <B>'s list``,
        and the same three for B.

    Raises
    ------
    InputError
        ``word`` is unknown to one of the spaces (the message names it and
        lists close spellings).
    """
    tables = []
    for space, name in zip((a, b), names):
        try:
            tables.append(nearest_neighbours(space, word, k))
        except UnknownWordError as exc:
            hint = f" Did you mean: {', '.join(exc.suggestions)}?" if exc.suggestions else ""
            raise InputError(f"'{word}' is not in the vocabulary of model {name}.{hint}") from None
    ta, tb = tables
    sa, sb = set(ta["word"]), set(tb["word"])
    n = max(len(ta), len(tb))
    ta, tb = ta.reindex(range(n)), tb.reindex(range(n))
    return pd.DataFrame({
        "rank": np.arange(1, n + 1),
        f"{names[0]} word": ta["word"],
        f"{names[0]} cosine": ta["cosine"],
        f"{names[0]} in {names[1]}'s list": ta["word"].isin(sb),
        f"{names[1]} word": tb["word"],
        f"{names[1]} cosine": tb["cosine"],
        f"{names[1]} in {names[0]}'s list": tb["word"].isin(sa),
    })


# -- orthogonal Procrustes ----------------------------------------------------------

def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    x = x - x.mean(axis=0, keepdims=True)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def align_arrays(a: np.ndarray, b: np.ndarray) -> tuple:
    """Rotate the rows of ``b`` onto the rows of ``a`` (row i of each is the same word) by orthogonal Procrustes.

    Both are unit-normalised, mean-centred and unit-normalised again (Artetxe
    et al. 2016), then ``R = argmin_{R orthogonal} ||B R − A||_F``
    (Schönemann 1966, :func:`scipy.linalg.orthogonal_procrustes`). This is the
    arithmetic of :func:`procrustes_align`, on arrays.

    Parameters
    ----------
    a, b : ndarray of shape (n_words, dim)

    Returns
    -------
    a_normalised : ndarray of shape (n_words, dim), float64
    b_aligned : ndarray of shape (n_words, dim), float64
        ``normalised(b) @ rotation``.
    rotation : ndarray of shape (dim, dim)
        Orthogonal.
    """
    from scipy.linalg import orthogonal_procrustes

    xa, xb = _normalise(a), _normalise(b)
    rotation, _ = orthogonal_procrustes(xb, xa)
    return xa, xb @ rotation, rotation


@dataclass
class Alignment:
    """Space B rotated onto space A by orthogonal Procrustes.

    Attributes
    ----------
    words : list of str, length n_words
        The shared words the rotation was fitted on, most frequent first.
    a : ndarray of shape (n_words, dim)
        A's vectors of ``words``: unit-normalised, centred, unit-normalised.
    b_aligned : ndarray of shape (n_words, dim)
        B's vectors treated the same way, then rotated: ``b @ rotation``.
    rotation : ndarray of shape (dim, dim)
        Orthogonal (``rotation.T @ rotation = I``).
    displacement : ndarray of shape (n_words,)
        Euclidean distance between a word's two (unit-length) positions after
        alignment, in [0, 2]; 0 = the word did not move.
    cosine : ndarray of shape (n_words,)
        Cosine similarity of a word's two positions after alignment.
    """

    words: list
    a: np.ndarray
    b_aligned: np.ndarray
    rotation: np.ndarray
    displacement: np.ndarray
    cosine: np.ndarray

    def table(self) -> pd.DataFrame:
        """``word``, ``displacement``, ``cosine after alignment``, ``frequency rank``; most moved first."""
        t = pd.DataFrame({"word": self.words, "displacement": self.displacement,
                          "cosine after alignment": self.cosine,
                          "frequency rank": np.arange(1, len(self.words) + 1)})
        return t.iloc[np.argsort(-self.displacement, kind="stable")].reset_index(drop=True)

    def rows(self, words: Sequence[str]) -> np.ndarray:
        """Positions of ``words`` in :attr:`words`; raises InputError naming any word not aligned."""
        pos = {w: i for i, w in enumerate(self.words)}
        missing = [w for w in words if w not in pos]
        if missing:
            raise InputError(f"Not in both models (or not among the aligned words): {', '.join(missing[:10])}. "
                             "Pick words both models know.")
        return np.array([pos[w] for w in words], dtype=np.int64)


def procrustes_align(a: Space, b: Space, n_words: Optional[int] = None) -> Alignment:
    """Rotate space B onto space A with orthogonal Procrustes over their shared vocabulary.

    Both spaces' vectors of the shared words are unit-normalised, mean-centred
    and unit-normalised again (Artetxe et al. 2016), then
    ``R = argmin_{R orthogonal} ||B R − A||_F`` (Schönemann 1966), solved by
    :func:`scipy.linalg.orthogonal_procrustes` from the SVD of ``Bᵀ A``.

    Parameters
    ----------
    a, b : Space
        Same number of dimensions.
    n_words : int, optional
        Fit on the ``n_words`` most frequent shared words only (rare words
        have noisy vectors). Default: the whole shared vocabulary.

    Returns
    -------
    Alignment

    Raises
    ------
    InputError
        Different dimensions (no zero-padding is done: a rotation between
        spaces of different dimension is not what Procrustes answers), no
        shared words, or fewer than 2 shared words.
    """
    if a.dim != b.dim:
        raise InputError(f"Procrustes alignment needs two models with the same number of dimensions, but A has "
                         f"{a.dim} and B has {b.dim}. Neighbourhood overlap (Jaccard@k) still works; to align, "
                         "pick two models with the same vector_size.")
    words = shared_vocabulary([a, b], n_words)
    if len(words) < 2:
        raise InputError("Procrustes alignment needs at least 2 shared words.")
    xa, b_aligned, rotation = align_arrays(a.vectors[a.indices(words)], b.vectors[b.indices(words)])
    displacement = np.linalg.norm(xa - b_aligned, axis=1)
    cosine = np.einsum("ij,ij->i", xa, b_aligned)
    return Alignment(words, xa, b_aligned, rotation, displacement, cosine)


def joint_projection(alignment: Alignment, words: Sequence[str]) -> pd.DataFrame:
    """2-D coordinates of words in both aligned spaces, from one PCA.

    The PCA (:class:`sklearn.decomposition.PCA`) is fitted on the union of the
    chosen words' A vectors and aligned B vectors, so both positions of a word
    share one map and the segment between them shows how far it moved.

    Parameters
    ----------
    alignment : Alignment
    words : sequence of str
        At least 2 words among ``alignment.words``.

    Returns
    -------
    pandas.DataFrame
        ``word``, ``x_a``, ``y_a``, ``x_b``, ``y_b``, ``displacement`` (in the
        full space, not the 2-D map), ``cosine after alignment``.

    Raises
    ------
    InputError
        Fewer than 2 words, or words that were not aligned.
    """
    from sklearn.decomposition import PCA

    words = list(dict.fromkeys(words))
    if len(words) < 2:
        raise InputError("Choose at least 2 words to project.")
    rows = alignment.rows(words)
    both = np.vstack([alignment.a[rows], alignment.b_aligned[rows]])
    xy = PCA(n_components=2, svd_solver="full").fit_transform(both)
    n = len(words)
    return pd.DataFrame({
        "word": words, "x_a": xy[:n, 0], "y_a": xy[:n, 1], "x_b": xy[n:, 0], "y_b": xy[n:, 1],
        "displacement": alignment.displacement[rows], "cosine after alignment": alignment.cosine[rows],
    })


# -- stability across runs ------------------------------------------------------------

@dataclass
class Stability:
    """Per-word neighbourhood stability over several models.

    Attributes
    ----------
    words : list of str, length n_words
        Words all models share, most frequent first.
    k : int
    pairwise : ndarray of shape (n_pairs, n_words)
        Jaccard@k of each pair of models (pairs in :attr:`pairs` order).
    pairs : list of (int, int)
        Indices of the models in each pair.
    """

    words: list
    k: int
    pairwise: np.ndarray
    pairs: list

    @property
    def mean(self) -> np.ndarray:
        """ndarray of shape (n_words,): mean Jaccard@k over all pairs."""
        return self.pairwise.mean(axis=0)

    def table(self) -> pd.DataFrame:
        """``word``, ``mean jaccard``, ``min jaccard``, ``std jaccard``, ``frequency rank``; least stable first."""
        t = pd.DataFrame({"word": self.words, "mean jaccard": self.mean, "min jaccard": self.pairwise.min(axis=0),
                          "std jaccard": self.pairwise.std(axis=0),
                          "frequency rank": np.arange(1, len(self.words) + 1)})
        return t.iloc[np.argsort(t["mean jaccard"].to_numpy(), kind="stable")].reset_index(drop=True)

    def pair_means(self) -> np.ndarray:
        """ndarray of shape (n_pairs,): mean Jaccard@k of each pair."""
        return self.pairwise.mean(axis=1)


def stability(spaces: Sequence[Space], k: int = 10, n_words: Optional[int] = None,
              progress: Optional[Progress] = None) -> Stability:
    """Mean Jaccard@k of each word over every pair of several models.

    Meant for models trained with the same settings and different seeds
    (Antoniak & Mimno 2018): a word whose neighbours change from run to run
    tells little, whatever its neighbours in one run are.

    Parameters
    ----------
    spaces : sequence of Space
        At least 2.
    k : int
    n_words : int, optional
        Only the ``n_words`` most frequent words all models share.
    progress : callable, optional

    Returns
    -------
    Stability

    Raises
    ------
    InputError
        Fewer than 2 models, no shared words, or ``k`` too large.
    """
    progress = progress or no_progress
    if len(spaces) < 2:
        raise InputError("Run-to-run stability needs at least 2 models; pick more, or train several seeds.")
    if k < 1:
        raise InputError("k (neighbours per word) must be at least 1.")
    words = shared_vocabulary(spaces, n_words)
    if k >= len(words):
        raise InputError(f"k = {k} needs more than {k} shared words, but only {len(words)} are compared. "
                         "Lower k or compare more words.")
    m = len(spaces)
    sets = [neighbour_sets(s, words, k, scaled(progress, i / m, (i + 1) / m)) for i, s in enumerate(spaces)]
    pairs = list(combinations(range(m), 2))
    pairwise = np.vstack([jaccard_rows(sets[i], sets[j]) for i, j in pairs])
    return Stability(words, int(k), pairwise, pairs)


def differing_settings(params: Sequence[dict], ignore: Sequence[str] = ("seed", "workers", "reproducible")) -> list:
    """Hyper-parameters that differ between models (apart from ``ignore``).

    A run-to-run stability view is meant for models that differ only by their
    seed; this names what else differs so the page can warn.

    Parameters
    ----------
    params : sequence of dict
        Each model's ``params`` (as in :meth:`Workspace.model_record`).

    Returns
    -------
    list of str
        Sorted names of the settings that are not the same in every model.
    """
    keys = set().union(*params) - set(ignore) if params else set()
    return sorted(k for k in keys if len({repr(p.get(k)) for p in params}) > 1)
