"""embedlab: train embeddings on real data and look inside the space they learn.

The library behind the app; everything a page does is a call into it::

    import embedlab
    ws = embedlab.Workspace("~/embedlab-demo")
    corpus = embedlab.prepare_sample(ws, "movie_reviews")
    space = embedlab.train_word2vec(corpus, embedlab.Word2VecConfig(epochs=5))
    model_id = ws.save_space(space, name="reviews")
    embedlab.nearest_neighbours(ws.load_space(model_id), "movie", k=5)
    [f.title for f in embedlab.families("corpus")]   # the model families that train on a corpus
"""

import os as _os

# Idle BLAS (OpenBLAS) and OpenMP (numba's parallel loops) threads spin after each call (OpenBLAS: 2**28
# cycles, ~0.1 s), and on 2 cores the spinning slows the next call of the other library: an analogy query
# right after a neighbour query took 22 ms instead of 13 (p95 30 ms instead of 14). OpenBLAS now spins
# 2**20 cycles (well under a millisecond) and OpenMP threads sleep at once. Both read these settings when
# they load, so they are set here, before embedlab imports numpy; a value already in the environment wins.
for _name, _value in (("OPENBLAS_THREAD_TIMEOUT", "20"), ("OMP_WAIT_POLICY", "PASSIVE")):
    _os.environ.setdefault(_name, _value)

from embedlab.errors import InputError, UnknownWordError  # noqa: E402
from embedlab.probes.neighbours import nearest_neighbours  # noqa: E402
from embedlab.sources.corpus import Corpus  # noqa: E402
from embedlab.sources.documents import RawDocuments, read_documents, read_path  # noqa: E402
from embedlab.sources.preprocess import PreprocessConfig  # noqa: E402
from embedlab.sources.samples import SAMPLES, sample_documents  # noqa: E402
from embedlab.space import Space  # noqa: E402
from embedlab.store import Workspace  # noqa: E402
from embedlab.train.fasttext import FastTextConfig, train_fasttext  # noqa: E402
from embedlab.train.registry import Family, families, family  # noqa: E402
from embedlab.train.word2vec import Word2VecConfig, train_word2vec  # noqa: E402


def prepare_sample(workspace: Workspace, key: str, cfg: PreprocessConfig = None, progress=None) -> Corpus:
    """Read a shipped corpus (see :data:`SAMPLES`) and store it, preprocessed, in ``workspace``.

    Same as :meth:`Workspace.add_sample_corpus`.

    Raises
    ------
    InputError
        Unknown sample key.
    """
    return workspace.add_sample_corpus(key, cfg, progress=progress)


def prepare_file(workspace: Workspace, path, cfg: PreprocessConfig = None, text_column=None, encoding=None,
                 progress=None) -> Corpus:
    """Read a text/CSV/TSV/zip(.gz) file from disk and store it, preprocessed, in ``workspace``.

    Raises
    ------
    InputError
        See :func:`embedlab.read_documents`.
    """
    raw = read_path(path, text_column=text_column, encoding=encoding)
    return workspace.add_corpus(raw.documents, raw.name, cfg, notes=raw.notes, progress=progress)


__all__ = [
    "Corpus", "Family", "FastTextConfig", "InputError", "PreprocessConfig", "RawDocuments", "SAMPLES", "Space",
    "UnknownWordError", "families", "family",
    "Word2VecConfig", "Workspace", "nearest_neighbours", "prepare_file", "prepare_sample", "read_documents",
    "read_path", "sample_documents", "train_fasttext", "train_word2vec",
]
