"""Hard debiasing (neutralise + equalise) of Bolukbasi et al. (2016); tolga-b/debiaswe ``debias.debias``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

import numpy as np

from embedlab.data import bias_words
from embedlab.probes.bias.direction import Direction, bias_direction
from embedlab.space import Space


@dataclass
class DebiasResult:
    """The answer of :func:`hard_debias`.

    Attributes
    ----------
    space : Space
        The new, debiased space (``info["kind"] == "debiased"``); unit-length vectors.
    direction : Direction
        The bias direction found in the original space and removed.
    n_neutralised : int
        Words projected off the direction (every word not in the gender-specific list).
    equalised : list of (str, str)
        Equalise pairs applied (both words in the vocabulary).
    missing_equalise : list of (str, str)
        Equalise pairs skipped (a word out of vocabulary, or a word already in an earlier pair).
    """

    space: Space
    direction: Direction
    n_neutralised: int
    equalised: list
    missing_equalise: list


def hard_debias(space: Space, definitional_pairs: Sequence = None, equalise_pairs: Sequence = None,
                specific_words: Iterable[str] = None, method: str = "pca", name: Optional[str] = None,
                progress=None) -> DebiasResult:
    """Hard debiasing, neutralise and equalise (Bolukbasi et al. 2016; tolga-b/debiaswe ``debias.py``).

    1. Find the bias direction g from ``definitional_pairs`` (:func:`bias_direction`).
    2. Neutralise: every unit word vector not in ``specific_words`` loses its
       component along g and is renormalised.
    3. Equalise: for each pair (a, b), with mean mu and its part nu = mu - (mu.g) g
       orthogonal to g, set a = nu + z g and b = nu - z g with z = sqrt(1 - |nu|^2)
       (sign keeping a on its original side). Afterwards every neutralised word
       is equidistant from a and b.

    The result is a *new* space; the original is not touched. FastText spaces
    become plain vector spaces (the character n-grams are not debiased).

    Parameters
    ----------
    space : Space
    definitional_pairs : sequence of (str, str), optional
        Default: :data:`bias_words.GENDER_DEFINITIONAL_PAIRS`.
    equalise_pairs : sequence of (str, str), optional
        Default: :data:`bias_words.GENDER_EQUALISE_PAIRS`.
    specific_words : iterable of str, optional
        Words that keep their component along g. Default: :data:`bias_words.GENDER_SPECIFIC`;
        the words of both pair lists are always added.
    method : {"pca", "mean"}
        How the direction is found.
    name : str, optional
        Name of the new space (default: "<original> · hard-debiased").
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    DebiasResult

    Raises
    ------
    InputError
        See :func:`bias_direction`.
    """
    report = progress or (lambda *a, **k: None)
    definitional_pairs = list(definitional_pairs if definitional_pairs is not None
                              else bias_words.GENDER_DEFINITIONAL_PAIRS)
    equalise_pairs = [(str(a), str(b)) for a, b in (equalise_pairs if equalise_pairs is not None
                                                    else bias_words.GENDER_EQUALISE_PAIRS)]
    specific = set(specific_words if specific_words is not None else bias_words.GENDER_SPECIFIC)
    specific |= {w for pair in list(definitional_pairs) + equalise_pairs for w in pair}
    report(0.05, "finding the bias direction")
    direction = bias_direction(space, definitional_pairs, method=method)
    g = direction.vector
    vecs = space.unit.copy()  # float32, a copy: the original space is left as it was
    g32 = g.astype(np.float32)
    report(0.3, "neutralising")
    neutral = np.array([w not in specific for w in space.words], dtype=bool)
    rows = np.flatnonzero(neutral)
    # In blocks, so a large pretrained space needs little memory beyond its copy.
    for start in range(0, len(rows), 50_000):
        idx = rows[start:start + 50_000]
        block = vecs[idx]
        block -= np.outer(block @ g32, g32)
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        vecs[idx] = block / norms
    report(0.7, "equalising")
    equalised, skipped, seen = [], [], set()
    for a, b in equalise_pairs:
        if a not in space or b not in space or a == b or a in seen or b in seen:
            skipped.append((a, b))
            continue
        ia, ib = space.kv.key_to_index[a], space.kv.key_to_index[b]
        mu = (vecs[ia].astype(np.float64) + vecs[ib]) / 2
        nu = mu - (mu @ g) * g
        z = math.sqrt(max(0.0, 1.0 - float(nu @ nu)))
        if float((vecs[ia] - vecs[ib]) @ g) < 0:
            z = -z
        vecs[ia], vecs[ib] = nu + z * g, nu - z * g
        equalised.append((a, b))
        seen.update((a, b))
    report(0.9, "building the new space")
    info = {
        "kind": "debiased",
        "name": name or f"{space.name} · hard-debiased",
        "corpus_name": space.info.get("corpus_name"),
        "corpus_fingerprint": space.info.get("corpus_fingerprint"),
        "params": {
            "method": "hard debias (neutralise + equalise, Bolukbasi et al. 2016)",
            "direction_method": method,
            "source_model_id": space.info.get("id"),
            "source_name": space.info.get("name"),
            "source_kind": space.kind,
            "definitional_pairs": [list(p) for p in direction.pairs],
            "equalise_pairs": [list(p) for p in equalised],
            "n_specific_words": len(specific),
            "n_neutralised": int(neutral.sum()),
        },
    }
    meta = space.meta.copy()
    new = Space.from_vectors(list(space.words), vecs, meta=meta, info=info)
    report(1.0, "done")
    return DebiasResult(space=new, direction=direction, n_neutralised=int(neutral.sum()),
                        equalised=equalised, missing_equalise=skipped)


def run_debias_job(workspace, args: dict, progress) -> dict:
    """Background job ``debias``: :func:`hard_debias` a workspace model and save the new model.

    The Bias page runs this for spaces above :func:`embedlab.config.inline_limit`
    ``("debias_words")`` words: every vector is rewritten and the copy saved.

    Parameters
    ----------
    workspace : Workspace
    args : dict
        ``model_id``, ``definitional_pairs``, ``equalise_pairs`` (lists of
        [a, b]), ``method``, ``name``.
    progress : callable

    Returns
    -------
    dict
        ``model_id`` (the new model), ``name``, ``n_neutralised``, ``equalised`` (count),
        ``missing_equalise`` (pairs skipped).
    """
    progress(0.0, "Loading the model")
    space = workspace.load_space(args["model_id"])
    made = hard_debias(space, [tuple(p) for p in args["definitional_pairs"]],
                       [tuple(p) for p in args["equalise_pairs"]], method=args.get("method", "pca"),
                       name=args.get("name"), progress=lambda f, m="", **d: progress(0.1 + 0.7 * f, m))
    progress(0.8, "Saving the debiased model")
    new_id = workspace.save_space(made.space, args.get("name"))
    return {"model_id": new_id, "name": workspace.model_record(new_id)["name"], "n_neutralised": int(made.n_neutralised),
            "equalised": len(made.equalised), "missing_equalise": [list(p) for p in made.missing_equalise]}
