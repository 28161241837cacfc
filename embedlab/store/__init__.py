"""The workspace: a SQLite registry plus one folder per model, corpus, table and job.

:mod:`.workspace` (the :class:`Workspace` and its registry), :mod:`.model_files`
(the on-disk format of a model), :mod:`.processes` (which writer or worker is
still alive) and :mod:`.publishing` (a shared server's published models).
"""

from embedlab.ids import new_id, valid_id  # noqa: F401
from embedlab.store.model_files import MODEL_FILES, model_files_problem, read_space, write_space  # noqa: F401
from embedlab.store.processes import proc_start, same_process_alive  # noqa: F401
from embedlab.store.workspace import Workspace  # noqa: F401
