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
