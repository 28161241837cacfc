"""Benchmark scores that show their work: the Google analogy set, WordSim-353, SimLex-999.

:func:`evaluate_analogies` gives the same answer as gensim's
``KeyedVectors.evaluate_word_analogies(path, restrict_vocab, case_insensitive)``
question for question (gensim 4.4, ``gensim/models/keyedvectors.py``):

* only the first ``restrict_vocab`` keys take part; with ``case_insensitive``
  every key and question word is upper-cased and the first (most frequent)
  key of each upper-cased form stands for it;
* a question with any word outside that vocabulary is skipped (counted as OOV);
* the answer is gensim's ``most_similar(positive=[b, c], negative=[a], topn=5)``
  (cosine with the normalised mean of the unit vectors, the three input keys
  removed), then the first of those five whose upper-cased form is not one of
  the question's words; if all five are, the fifth is the prediction.

Instead of one ``most_similar`` call per question we compute the cosines of
the few distinct question words with the vocabulary once and add them up per
question (:mod:`embedlab.probes.analogy.kernels`). Those sums round differently
from gensim's product with the mean vector in the last bits, so every question
whose decision rests on a score gap below 1e-5 is answered again by exactly
gensim's arithmetic (same mean vector, same matrix-vector product, same
``matutils.argsort``): ties and near-ties come out as in gensim.

:func:`evaluate_word_pairs` matches gensim's ``evaluate_word_pairs`` file
parsing (``#`` comment lines, tab-separated ``word1, word2, score``) and its
Spearman correlation (``scipy.stats.spearmanr``).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

import numpy as np
import pandas as pd

from embedlab.errors import InputError
from embedlab.progress import Progress, no_progress
from embedlab.space import Space

#: gensim's test data files used as the built-in benchmarks.
GOOGLE_ANALOGIES = "questions-words.txt"
WORDSIM353 = "wordsim353.tsv"
SIMLEX999 = "simlex999.txt"
BUILTIN_PAIRS = {"WordSim-353": WORDSIM353, "SimLex-999": SIMLEX999}

_TOP = 5  # gensim asks most_similar for topn=5
_NEAR_TIE = 1e-5


def builtin_path(name: str) -> str:
    """Path of one of gensim's test data files (``questions-words.txt``, ``wordsim353.tsv``, ``simlex999.txt``)."""
    from gensim.test.utils import datapath

    return datapath(name)


def _fold(word, case_insensitive: bool):
    return word.upper() if case_insensitive and isinstance(word, str) else word


def _read_text(source, name: Optional[str]) -> tuple[str, str]:
    """(text, name) from a path or from uploaded bytes (decoded safely)."""
    from embedlab.sources.uploads import decode

    if isinstance(source, (bytes, bytearray)):
        name = name or "the uploaded file"
        return decode(bytes(source), name).text, name
    path = Path(source)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read '{path.name}' ({exc.strerror}). Check the path.") from exc
    return decode(data, name or path.name).text, name or path.name


# -- analogy questions -------------------------------------------------------------------------

def parse_analogies(source: Union[str, Path, bytes], name: Optional[str] = None) -> pd.DataFrame:
    """Read an analogy test set in the ``questions-words.txt`` format.

    Lines ``: section name`` start a section; every other line is ``a b c d``
    (whitespace-separated) meaning a : b :: c : d. Lines without exactly four
    words are skipped and counted, as gensim does (gensim also refuses a blank
    line before the first section; we skip blank lines anywhere).

    Parameters
    ----------
    source : path or bytes
        A file path, or the bytes of an upload.
    name : str, optional
        Shown in messages.

    Returns
    -------
    pandas.DataFrame
        Columns ``section``, ``line`` (0-based line number), ``a``, ``b``, ``c``,
        ``expected``; ``attrs["skipped_lines"]`` counts malformed lines.

    Raises
    ------
    InputError
        Unreadable or binary file, a question before the first section line,
        or no questions at all.
    """
    text, name = _read_text(source, name)
    rows, section, skipped = [], None, 0
    # gensim reads the file in binary mode, so lines end at b"\n" only
    for line_no, line in enumerate(text.split("\n")):
        if line.startswith(": "):
            section = line.lstrip(": ").strip()
            continue
        parts = line.split()
        if not parts:
            continue
        if section is None:
            raise InputError(f"Line {line_no + 1} of '{name}' comes before any section line. Start the file with "
                             "a line like ': capital-common-countries' (colon, space, section name).")
        if len(parts) != 4:
            skipped += 1
            continue
        rows.append((section, line_no, *parts))
    if not rows:
        raise InputError(f"'{name}' holds no analogy questions. Each line should be four words 'a b c d' "
                         "(a is to b as c is to d), grouped under ': section' lines.")
    frame = pd.DataFrame(rows, columns=["section", "line", "a", "b", "c", "expected"])
    frame.attrs["skipped_lines"] = skipped
    frame.attrs["name"] = name
    return frame


def google_analogies() -> pd.DataFrame:
    """The Google analogy set (Mikolov et al. 2013; gensim's ``questions-words.txt``), 19,544 questions."""
    return parse_analogies(builtin_path(GOOGLE_ANALOGIES), "questions-words.txt")


@dataclass
class AnalogyEvaluation:
    """Accuracy on an analogy test set, per section and per question.

    Attributes
    ----------
    method : str
        "3CosAdd" or "3CosMul".
    sections : pandas.DataFrame
        ``section``, ``kind`` ("semantic" or "syntactic": Google's ``gram*``
        sections are syntactic), ``questions``, ``evaluated``, ``skipped (OOV)``,
        ``correct``, ``accuracy`` (NaN when nothing was evaluated).
    totals : pandas.DataFrame
        The same columns for ``semantic``, ``syntactic`` and ``all``.
    questions : pandas.DataFrame
        One row per question: ``section``, ``a``, ``b``, ``c``, ``expected``,
        ``predicted`` (a key of the space; empty when skipped), ``correct``,
        ``status`` ("correct", "wrong", "skipped: OOV"), ``expected rank``
        (1 = best; among all keys but the three inputs), ``expected score``,
        ``predicted score``, ``missing words``.
    restrict_vocab, case_insensitive : as passed
    rechecked : int
        Questions answered again with gensim's exact arithmetic because of a near tie.
    """

    method: str
    sections: pd.DataFrame
    totals: pd.DataFrame
    questions: pd.DataFrame
    restrict_vocab: int
    case_insensitive: bool
    rechecked: int = 0
    notes: list = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        """Overall accuracy on the evaluated (in-vocabulary) questions, in [0, 1]; NaN if none."""
        return float(self.totals.set_index("section").loc["all", "accuracy"])

    @property
    def skipped(self) -> int:
        return int(self.totals.set_index("section").loc["all", "skipped (OOV)"])


def _kind(section: str) -> str:
    """Google's convention: ``gram*`` sections are syntactic, the others semantic."""
    return "syntactic" if str(section).startswith("gram") else "semantic"


def _ok_vocab(space: Space, restrict_vocab: int, case_insensitive: bool) -> dict:
    ok = {}
    for i, key in enumerate(space.words[:restrict_vocab]):
        ok.setdefault(_fold(key, case_insensitive), i)  # the first (most frequent) form wins, as in gensim
    return ok


def _gensim_mean(vectors, norms, a: int, b: int, c: int) -> np.ndarray:
    """gensim's ``most_similar`` query vector for one question, ndarray of shape (dim,), float32, bit for bit.

    ``get_mean_vector([b, c, a], weights=[1, 1, -1], pre_normalize=True, post_normalize=True)``:
    float32 accumulation of float64-weighted unit rows, divided by the float64
    total weight, then ``matutils.unitvec`` (BLAS dnrm2) and float32.
    """
    from gensim.matutils import blas_nrm2

    mean = np.zeros(vectors.shape[1], dtype=vectors.dtype)
    for weight, i in ((np.float64(1.0), b), (np.float64(1.0), c), (np.float64(-1.0), a)):
        mean += weight * (vectors[i] / norms[i])
    mean = mean / np.float64(3.0)
    veclen = blas_nrm2(mean) if mean.size else 0.0
    return (mean * (1.0 / veclen if veclen > 0 else 1.0)).astype(np.float32)


def _gensim_exact(vectors, norms, restrict: int, mean: np.ndarray, all_keys: list) -> list:
    """gensim's ``most_similar`` top-5 indices for one query (same arithmetic, same argsort)."""
    from gensim import matutils

    dists = np.dot(vectors[:restrict], mean) / norms[:restrict]
    best = matutils.argsort(dists, topn=_TOP + len(all_keys), reverse=True)
    return [int(i) for i in best if int(i) not in all_keys][:_TOP]


def evaluate_analogies(space: Space, questions: Optional[pd.DataFrame] = None, restrict_vocab: int = 300_000,
                       case_insensitive: bool = True, method: str = "3CosAdd", epsilon: float = 1e-3,
                       progress: Optional[Progress] = None) -> AnalogyEvaluation:
    """Evaluate a space on analogy questions, batched, with every answer shown.

    With ``method="3CosAdd"`` the answers equal gensim's
    ``evaluate_word_analogies(path, restrict_vocab, case_insensitive)`` question
    for question (see the module docstring). ``method="3CosMul"`` uses the same
    protocol (vocabulary, skipping, input words ignored) with the 3CosMul
    objective of Levy & Goldberg (2014) and ``epsilon``.

    Parameters
    ----------
    space : Space
    questions : pandas.DataFrame, optional
        From :func:`parse_analogies`; default the Google analogy set.
    restrict_vocab : int
        Only the first ``restrict_vocab`` keys are candidates and known words.
    case_insensitive : bool
        Upper-case keys and question words before matching.
    method : {"3CosAdd", "3CosMul"}
    epsilon : float
        ε of 3CosMul.
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    AnalogyEvaluation

    Raises
    ------
    InputError
        Unknown method or ``restrict_vocab`` below 1; a space whose items are not words.
    """
    space.require_words("The analogy benchmark")
    if method not in ("3CosAdd", "3CosMul"):
        raise InputError("method must be '3CosAdd' or '3CosMul'.")
    if not isinstance(restrict_vocab, (int, np.integer)) or restrict_vocab < 1:
        raise InputError("restrict_vocab must be a whole number of at least 1.")
    progress = progress or no_progress
    if questions is None:
        questions = google_analogies()
    restrict = int(min(restrict_vocab, len(space)))
    ok = _ok_vocab(space, restrict, case_insensitive)
    words = space.words
    canon = np.array([ok[_fold(w, case_insensitive)] for w in words[:restrict]], dtype=np.int64)

    n = len(questions)
    cols = ("a", "b", "c", "expected")
    raw = {col: questions[col].tolist() for col in cols}
    lookup = {w: ok.get(_fold(w, case_insensitive), -1) for col in cols for w in set(raw[col])}
    idx = {col: np.array([lookup[w] for w in raw[col]], dtype=np.int64) for col in cols}
    known = (idx["a"] >= 0) & (idx["b"] >= 0) & (idx["c"] >= 0) & (idx["expected"] >= 0)
    missing = [""] * n
    for q in np.flatnonzero(~known).tolist():
        missing[q] = ", ".join(dict.fromkeys(raw[col][q] for col in cols if idx[col][q] < 0))
    sel = np.flatnonzero(known)
    ia, ib, ic, ie = (idx[col][sel] for col in ("a", "b", "c", "expected"))

    vectors = np.asarray(space.vectors)
    norms = np.linalg.norm(vectors, axis=1)  # as gensim's fill_norms
    predicted = np.full(n, -1, dtype=np.int64)
    pred_score = np.full(n, np.nan)
    exp_rank = np.full(n, np.nan)
    exp_score = np.full(n, np.nan)
    rechecked = 0
    if len(sel):
        from embedlab.probes.analogy.kernels import scan_analogies  # imports numba: only when needed

        with np.errstate(divide="ignore", invalid="ignore"):  # all-zero rows: NaN scores, as in gensim
            unit = (vectors[:restrict] / norms[:restrict, None]).astype(np.float32)
        if method == "3CosMul":
            unit[norms[:restrict] == 0] = 0
        top, top_scores, ranks, exp_s = scan_analogies(
            unit, ia, ib, ic, ie, method, epsilon, top_n=min(_TOP + 1, restrict),
            progress=lambda f: progress(f, f"{len(sel):,} questions: {f:.0%} of the vocabulary scanned"))
        rows = np.arange(len(sel))
        n_inputs = 1 + (ib != ia) + ((ic != ia) & (ic != ib))  # distinct input words of each question
        n_avail = restrict - n_inputs
        # gensim keeps the first of its top 5 whose upper-cased form is not a question word, else the fifth
        width = min(_TOP, top.shape[1])
        cand = top[:, :width]
        avail = np.minimum(width, n_avail)
        cand_canon = canon[np.maximum(cand, 0)]
        usable = ~((cand_canon == ia[:, None]) | (cand_canon == ib[:, None]) | (cand_canon == ic[:, None]))
        usable &= (np.arange(width)[None, :] < avail[:, None]) & (cand >= 0)
        pos = np.where(usable.any(axis=1), usable.argmax(axis=1), avail - 1)
        chosen = np.where(pos >= 0, cand[rows, np.maximum(pos, 0)], -1)
        chosen_score = np.where(pos >= 0, top_scores[rows, np.maximum(pos, 0)], np.nan)
        if method == "3CosAdd" and top_scores.shape[1] > 1:
            # our sums of cosines round differently from gensim's product with the mean vector:
            # where the decision rests on a gap below _NEAR_TIE, ask gensim's exact arithmetic
            with np.errstate(invalid="ignore"):
                gaps = top_scores[:, :-1] - top_scores[:, 1:]
                near = ((gaps < _NEAR_TIE) & (np.arange(gaps.shape[1])[None, :] <= pos[:, None])).any(axis=1)
            for r in np.flatnonzero(near & (pos >= 0)):
                rechecked += 1
                exact_mean = _gensim_mean(vectors, norms, int(ia[r]), int(ib[r]), int(ic[r]))
                cands = _gensim_exact(vectors, norms, restrict, exact_mean, [int(ib[r]), int(ic[r]), int(ia[r])])
                ignore = {ia[r], ib[r], ic[r]}
                p = next((p for p, j in enumerate(cands) if canon[j] not in ignore), len(cands) - 1)
                chosen[r] = cands[p] if cands else -1
                chosen_score[r] = float(np.dot(unit[chosen[r]], exact_mean)) if cands else np.nan
        predicted[sel] = chosen
        pred_score[sel] = np.where(chosen >= 0, chosen_score, np.nan)
        exp_rank[sel] = ranks
        exp_score[sel] = exp_s

    correct = np.zeros(n, dtype=bool)
    has_pred = predicted >= 0
    correct[has_pred] = canon[predicted[has_pred]] == idx["expected"][has_pred]
    status = np.where(~known, "skipped: OOV", np.where(correct, "correct", "wrong"))
    table = pd.DataFrame({
        "section": questions["section"].to_numpy(),
        "a": questions["a"].to_numpy(), "b": questions["b"].to_numpy(), "c": questions["c"].to_numpy(),
        "expected": questions["expected"].to_numpy(),
        "predicted": [words[i] if i >= 0 else "" for i in predicted],
        "correct": correct,
        "status": status,
        "expected rank": pd.array(np.where(np.isnan(exp_rank), 0, exp_rank).astype(np.int64), dtype="Int64"),
        "expected score": exp_score,
        "predicted score": pred_score,
        "missing words": missing,
    })
    table.loc[np.isnan(exp_rank), "expected rank"] = pd.NA
    section_names = list(dict.fromkeys(table["section"].tolist()))
    sections = _summarise(table, "section", section_names)
    sections.insert(1, "kind", [_kind(s) for s in sections["section"]])
    kind_of = {s: _kind(s) for s in section_names}
    kinds = table.assign(kind=[kind_of[s] for s in table["section"].tolist()], all="all")
    totals = pd.concat([_summarise(kinds, "kind", ["semantic", "syntactic"]), _summarise(kinds, "all", ["all"])],
                       ignore_index=True)
    notes = []
    if questions.attrs.get("skipped_lines"):
        notes.append(f"{questions.attrs['skipped_lines']} malformed line(s) without four words were skipped.")
    return AnalogyEvaluation(method, sections, totals, table, int(restrict_vocab), bool(case_insensitive),
                             rechecked, notes)


def _summarise(table: pd.DataFrame, by: str, order: list) -> pd.DataFrame:
    keys = np.asarray(table[by].to_numpy(dtype=object))
    evaluated_mask = np.asarray(table["status"].to_numpy(dtype=object) != "skipped: OOV")
    correct_mask = np.asarray(table["correct"].to_numpy(dtype=bool))
    rows = []
    for key in order:
        part = keys == key
        questions = int(part.sum())
        evaluated = int((part & evaluated_mask).sum())
        correct = int((part & correct_mask).sum())
        rows.append({"section": key, "questions": questions, "evaluated": evaluated,
                     "skipped (OOV)": questions - evaluated, "correct": correct,
                     "accuracy": correct / evaluated if evaluated else float("nan")})
    return pd.DataFrame(rows)


# -- word-pair similarity ----------------------------------------------------------------------

def parse_word_pairs(source: Union[str, Path, bytes], name: Optional[str] = None,
                     delimiter: str = "\t") -> pd.DataFrame:
    """Read a word-similarity test set (WordSim-353 / SimLex-999 format, as gensim reads it).

    Lines starting with ``#`` are comments; every other line is
    ``word1<TAB>word2<TAB>score``. Lines that do not split into exactly three
    fields with a numeric score are skipped (and counted).

    Returns
    -------
    pandas.DataFrame
        Columns ``word 1``, ``word 2``, ``human``; ``attrs["skipped_lines"]``.

    Raises
    ------
    InputError
        Unreadable or binary file, or no valid pairs.
    """
    text, name = _read_text(source, name)
    rows, skipped = [], 0
    for line in io.StringIO(text, newline=None):
        if not line or line.startswith("#"):
            continue
        parts = line.split(delimiter)
        try:
            a, b, sim = parts
            sim = float(sim)
        except (ValueError, TypeError):
            if line.strip():
                skipped += 1
            continue
        if not np.isfinite(sim):
            skipped += 1
            continue
        rows.append((a, b, sim))
    if not rows:
        raise InputError(f"'{name}' holds no word pairs. Each line should be 'word1<TAB>word2<TAB>score' "
                         "(lines starting with # are comments).")
    frame = pd.DataFrame(rows, columns=["word 1", "word 2", "human"])
    frame.attrs["skipped_lines"] = skipped
    frame.attrs["name"] = name
    return frame


def builtin_pairs(name: str) -> pd.DataFrame:
    """``"WordSim-353"`` or ``"SimLex-999"`` from gensim's test data."""
    if name not in BUILTIN_PAIRS:
        raise InputError(f"Unknown test set '{name}'; choose one of {', '.join(BUILTIN_PAIRS)}.")
    return parse_word_pairs(builtin_path(BUILTIN_PAIRS[name]), name)


@dataclass
class PairsEvaluation:
    """Correlation of a space's cosines with human similarity scores.

    Attributes
    ----------
    spearman, spearman_p : float
        Spearman's rank correlation (scipy.stats.spearmanr) over in-vocabulary pairs, and its p-value.
    pearson : float
    evaluated, oov : int
        Pairs scored, and pairs skipped because a word is out of vocabulary.
    pairs : pandas.DataFrame
        ``word 1``, ``word 2``, ``human``, ``cosine`` (NaN when OOV), ``oov``.
    """

    name: str
    spearman: float
    spearman_p: float
    pearson: float
    evaluated: int
    oov: int
    pairs: pd.DataFrame

    @property
    def oov_rate(self) -> float:
        """Share of pairs with an out-of-vocabulary word, in [0, 1]."""
        total = self.evaluated + self.oov
        return self.oov / total if total else float("nan")


def evaluate_word_pairs(space: Space, pairs: pd.DataFrame, restrict_vocab: int = 300_000,
                        case_insensitive: bool = True, name: Optional[str] = None) -> PairsEvaluation:
    """Spearman correlation between human scores and cosine similarity, as gensim's ``evaluate_word_pairs``.

    Parameters
    ----------
    space : Space
    pairs : pandas.DataFrame
        From :func:`parse_word_pairs` / :func:`builtin_pairs`.
    restrict_vocab : int
    case_insensitive : bool

    Returns
    -------
    PairsEvaluation
        Correlations are NaN when fewer than two pairs are in the vocabulary.
    """
    from scipy import stats

    space.require_words("The word-similarity benchmark")
    restrict = int(min(restrict_vocab, len(space)))
    ok = _ok_vocab(space, restrict, case_insensitive)
    i1 = np.array([ok.get(_fold(w, case_insensitive), -1) for w in pairs["word 1"]], dtype=np.int64)
    i2 = np.array([ok.get(_fold(w, case_insensitive), -1) for w in pairs["word 2"]], dtype=np.int64)
    known = (i1 >= 0) & (i2 >= 0)
    unit = space.unit
    cosine = np.full(len(pairs), np.nan)
    cosine[known] = np.einsum("ij,ij->i", unit[i1[known]], unit[i2[known]])
    table = pd.DataFrame({"word 1": pairs["word 1"].to_numpy(), "word 2": pairs["word 2"].to_numpy(),
                          "human": pairs["human"].to_numpy(dtype=np.float64), "cosine": cosine, "oov": ~known})
    human = table["human"].to_numpy()[known]
    if known.sum() >= 2 and np.ptp(human) > 0 and np.ptp(cosine[known]) > 0:
        sp = stats.spearmanr(human, cosine[known])
        spearman, spearman_p = float(sp.statistic), float(sp.pvalue)
        pearson = float(stats.pearsonr(human, cosine[known]).statistic)
    else:
        spearman = spearman_p = pearson = float("nan")
    return PairsEvaluation(name or pairs.attrs.get("name", "pairs"), spearman, spearman_p, pearson,
                           int(known.sum()), int((~known).sum()), table)


# -- the full evaluation as a background job ------------------------------------------------------

_EVAL_TABLES = ("sections", "totals", "questions")


def run_eval_job(workspace, args: dict, progress: Progress) -> dict:
    """Background job ``analogy_eval``: :func:`evaluate_analogies` of a workspace model, tables saved beside the job.

    The Benchmarks page runs this when a model is large (candidate words ×
    dimensions above :func:`embedlab.config.inline_limit` ``("analogy_cells")``).

    Parameters
    ----------
    workspace : Workspace
    args : dict
        ``model_id``, ``restrict_vocab``, ``case_insensitive``, ``method``,
        optional ``questions`` (a staged upload path, removed when the job
        ends, with ``questions_name``) and ``job_folder`` (set by the worker):
        where the tables go (Parquet, read back by :func:`load_evaluation`).
    progress : callable

    Returns
    -------
    dict
        ``accuracy`` (NaN as None) and ``folder``.
    """
    try:
        questions = (parse_analogies(Path(args["questions"]).read_bytes(), args.get("questions_name"))
                     if args.get("questions") else google_analogies())
    finally:
        if args.get("questions"):
            workspace.unstage(args["questions"])
    space = workspace.load_space(args["model_id"])
    result = evaluate_analogies(space, questions, int(args.get("restrict_vocab", 300_000)),
                                bool(args.get("case_insensitive", True)), args.get("method", "3CosAdd"),
                                progress=progress)
    folder = Path(args["job_folder"])
    for name in _EVAL_TABLES:
        getattr(result, name).to_parquet(folder / f"evaluation-{name}.parquet", index=False)
    facts = {"method": result.method, "restrict_vocab": result.restrict_vocab,
             "case_insensitive": result.case_insensitive, "rechecked": result.rechecked, "notes": list(result.notes)}
    (folder / "evaluation.json").write_text(json.dumps(facts), encoding="utf-8")
    accuracy = result.accuracy
    return {"accuracy": None if accuracy != accuracy else float(accuracy), "folder": str(folder)}


def load_evaluation(folder) -> AnalogyEvaluation:
    """Read back what :func:`run_eval_job` saved in a job's folder.

    Raises
    ------
    InputError
        The files are missing (the job was removed).
    """
    import json

    folder = Path(folder)
    try:
        facts = json.loads((folder / "evaluation.json").read_text(encoding="utf-8"))
        tables = {name: pd.read_parquet(folder / f"evaluation-{name}.parquet") for name in _EVAL_TABLES}
    except (OSError, ValueError) as exc:
        raise InputError(f"The saved evaluation is gone ({exc}); evaluate again.") from exc
    return AnalogyEvaluation(facts["method"], tables["sections"], tables["totals"], tables["questions"],
                             facts["restrict_vocab"], facts["case_insensitive"], facts.get("rechecked", 0),
                             facts.get("notes", []))
