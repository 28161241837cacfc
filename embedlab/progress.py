"""The progress-callback convention used by all long work in embedlab.

Core code reports progress through ``progress(fraction, message, **details)``:
``fraction`` is in [0, 1], ``message`` is a short human sentence and
``details`` carries figures a page may plot (epoch losses, words/s). The same
function runs under Streamlit, in a background job, in tests and benchmarks.
"""

from typing import Callable, Optional, Protocol


class Progress(Protocol):
    def __call__(self, fraction: float, message: str = "", **details) -> None: ...


def no_progress(fraction: float, message: str = "", **details) -> None:
    """A progress callback that ignores every report."""


def scaled(progress: Optional[Progress], start: float, end: float) -> Progress:
    """Map a sub-task's [0, 1] progress into [start, end] of its parent's."""
    progress = progress or no_progress

    def report(fraction, message="", **details):
        progress(start + (end - start) * min(max(fraction, 0.0), 1.0), message, **details)

    return report


ShouldStop = Callable[[], bool]
