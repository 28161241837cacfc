"""Settings read from the environment, with the defaults a local install wants.

Every setting is read when asked for, so tests can change the environment.

EMBEDLAB_HOME           workspace directory (default ``~/.embedlab``)
EMBEDLAB_MAX_UPLOAD_MB  largest upload accepted, after decompression (default 200)
EMBEDLAB_MAX_JOBS       background jobs that run at once; more wait in a queue (default 2)
EMBEDLAB_SHARED         ``1`` to run as a shared server with one private workspace per visitor
EMBEDLAB_UMAP_WARMUP    ``0`` to skip compiling UMAP in the background at server start (default on)
EMBEDLAB_MAX_WORKSPACE_MB  disk space one workspace may use (default 2000 on a shared server,
                        unlimited locally; ``0`` means unlimited)
EMBEDLAB_INSTRUCTOR_TOKEN  secret that lets a visitor publish models to everyone
                        (open the app with ``?instructor=<secret>``); unset: nobody can
EMBEDLAB_FAMILY_MODULES  comma-separated modules outside ``embedlab.train`` that declare
                        model families (``FAMILY = Family(...)``), e.g. a course's own model
EMBEDLAB_SESSION_MB     memory one browser session may keep for its own spaces and results (default 400)
EMBEDLAB_SHARED_CACHE_MB  memory for published models and shipped samples, shared by all sessions (default 1024)
EMBEDLAB_INLINE_SCALE   scales the sizes above which heavy page work runs as a background job
                        (default 1; ``0`` sends all of it to jobs)
"""

import os
from pathlib import Path
from typing import Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = PROJECT_ROOT / "sample_corpora"


def home() -> Path:
    """Directory that holds the workspace(s)."""
    return Path(os.environ.get("EMBEDLAB_HOME") or Path.home() / ".embedlab").expanduser()


def max_upload_bytes() -> int:
    """Largest upload, in bytes, accepted after decompression."""
    return int(float(os.environ.get("EMBEDLAB_MAX_UPLOAD_MB", "200")) * 1024 * 1024)


def max_jobs() -> int:
    """How many background jobs may run at once."""
    return max(1, int(os.environ.get("EMBEDLAB_MAX_JOBS", "2")))


def shared_mode() -> bool:
    """True when the app runs as a shared server (one workspace per visitor)."""
    return os.environ.get("EMBEDLAB_SHARED", "").strip().lower() in {"1", "true", "yes", "on"}


def umap_warmup() -> bool:
    """True unless ``EMBEDLAB_UMAP_WARMUP`` is off: compile UMAP's numba code when the server starts."""
    return os.environ.get("EMBEDLAB_UMAP_WARMUP", "1").strip().lower() not in {"0", "false", "no", "off"}


def max_workspace_bytes() -> Optional[int]:
    """Disk space, in bytes, one workspace may use; None for no limit."""
    raw = os.environ.get("EMBEDLAB_MAX_WORKSPACE_MB", "").strip()
    if not raw:
        return 2000 * 1024 * 1024 if shared_mode() else None
    mb = float(raw)
    return int(mb * 1024 * 1024) if mb > 0 else None


def instructor_token() -> Optional[str]:
    """The instructor's secret, or None when nobody may publish."""
    token = os.environ.get("EMBEDLAB_INSTRUCTOR_TOKEN", "").strip()
    return token or None


def family_modules() -> list:
    """Dotted names of extra modules that declare model families (``EMBEDLAB_FAMILY_MODULES``)."""
    return [m.strip() for m in os.environ.get("EMBEDLAB_FAMILY_MODULES", "").split(",") if m.strip()]


#: Sizes above which a page hands heavy work to a background job (times EMBEDLAB_INLINE_SCALE).
INLINE_LIMITS = {
    "corpus_bytes": 1_000_000,         # text to preprocess (lee_background: 0.7 MB, inline)
    "analogy_cells": 3_000_000,        # candidate words x dimensions scanned per analogy question
    "projection_points": 5_000,        # points of a UMAP or t-SNE (PCA always runs inline)
    "debias_words": 20_000,            # words of a space to hard-debias and save
    "import_bytes": 5_000_000,         # bytes of uploaded vectors
    "image_zip_bytes": 5_000_000,      # bytes of an uploaded zip of images (decoded and resized one by one)
    "knn_accuracy_work": 1_000_000_000,  # images² x dimensions, summed over the embeddings of a k-NN accuracy check
    "cooccur_tokens": 300_000,         # corpus tokens to count co-occurrences of (lee_background: 60,000, inline)
}


def inline_limit(what: str) -> float:
    """Largest size of ``what`` (a key of :data:`INLINE_LIMITS`) computed in the page itself."""
    scale = float(os.environ.get("EMBEDLAB_INLINE_SCALE", "1") or 1)
    return INLINE_LIMITS[what] * max(scale, 0.0)
