"""The registry of model families: every trainer declares itself, and the job runner and pages read it.

A **model family** is one module of :mod:`embedlab.train` that declares, at
module level::

    FAMILY = Family(name="word2vec", title="Word2Vec", data="corpus", item="word",
                    config=Word2VecConfig, job="embedlab.train.word2vec:run_job",
                    source="Mikolov et al. 2013", description="...")

(``FAMILIES = [...]`` declares several from one module). Nothing else lists
the families: :func:`families` imports every module of the ``embedlab.train``
package tree (sub-packages included) once and collects what they declare, plus
the modules named in ``EMBEDLAB_FAMILY_MODULES`` (comma-separated dotted names,
for families kept outside embedlab, e.g. a course's own model). So adding a
family is adding one module: the job runner (:mod:`embedlab.jobs`) runs its
job, the Train page (or the page of its data kind) draws its config form from
the dataclass field metadata (:mod:`embedlab.ui.forms`), and the Models page
names it.

The contract a family module keeps
----------------------------------
- ``config``: a dataclass whose fields all have defaults; each field may carry
  ``metadata={"help": one line, "label": ..., "min": ..., "max": ...,
  "choices": (...), "choice_labels": {...}, "format": "%.4f", "step": ...,
  "widget": "slider", "advanced": True}`` (see :func:`field_help`); it has
  ``to_dict()`` and a classmethod ``from_dict(dict)``, and ``__post_init__``
  raises :class:`~embedlab.errors.InputError` for bad values.
- ``job``: ``run_job(workspace, args, progress) -> dict`` with ``args``
  ``{<data arg>: id, "config": config.to_dict(), "name": str}`` that saves the
  model and returns at least ``{"model_id": ...}``; the model's ``Space.kind``
  is the family's ``name``.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import threading
from dataclasses import dataclass
from typing import Callable, Optional, Union

from embedlab import config as settings
from embedlab.errors import InputError

#: What a user brings, with the job argument that names a stored one. The title
#: is what the app calls it. Graphs, documents and images land with their readers.
DATA_KINDS = {
    "corpus": {"title": "Text corpus", "arg": "corpus_id"},
    "ratings": {"title": "Rating table", "arg": "table_id"},
    "graph": {"title": "Graph", "arg": "graph_id"},
    "documents": {"title": "Labelled documents", "arg": "documents_id"},
    "images": {"title": "Images", "arg": "images_id"},
}

#: What the items of a trained space are.
ITEM_KINDS = ("word", "item", "node", "document", "image")


@dataclass(frozen=True)
class Family:
    """One model family: what it trains on, its settings and the job that trains it.

    Attributes
    ----------
    name : str
        The job kind and the ``Space.kind`` of the models it saves (``"word2vec"``).
    title : str
        What the app calls it (``"Word2Vec"``).
    data : str
        The data kind it trains on: a key of :data:`DATA_KINDS`.
    item : str
        What the items of its spaces are: one of :data:`ITEM_KINDS`.
    config : type
        Its config dataclass (see the module docstring for the contract).
    job : str or callable
        ``"module:function"`` or the function itself, called as
        ``job(workspace, args, progress)``.
    source : str
        The paper (and library) the method comes from.
    description : str
        One line: what it learns, shown above its form.
    details : str, optional
        A longer explanation (the model's formula), shown under the description.
    loss_note : str, optional
        How to read the per-epoch losses its job reports (``details["epoch_losses"]``),
        or why there are none.
    reports_loss : bool
        Its job reports a loss (or cost) per epoch, so the training view waits for a curve.
    check : str or callable, optional
        ``check(workspace, args)`` raises InputError before a job is queued when
        the data cannot train this model (too few words survive ``min_count``, ...).
    data_arg : str, optional
        The job argument naming the stored data, when not the data kind's usual one.
    preview : str or callable, optional
        ``preview(workspace, args) -> str``: what training on this data will take
        (memory, time), shown above *Start training*; it may raise InputError to
        say at once that the data cannot train this model.
    order : int
        Position among the families of its data kind (smaller first; then by title).
    """

    name: str
    title: str
    data: str
    item: str
    config: type
    job: Union[str, Callable]
    source: str
    description: str
    details: str = ""
    loss_note: str = ""
    reports_loss: bool = False
    check: Union[str, Callable, None] = None
    data_arg: Optional[str] = None
    preview: Union[str, Callable, None] = None
    order: int = 100

    def __post_init__(self):
        problems = []
        if not self.name or not self.name.replace("_", "").replace("-", "").isalnum():
            problems.append(f"name {self.name!r} must be a short identifier (the job kind)")
        if self.data not in DATA_KINDS:
            problems.append(f"data {self.data!r} is not one of {', '.join(DATA_KINDS)}")
        if self.item not in ITEM_KINDS:
            problems.append(f"item {self.item!r} is not one of {', '.join(ITEM_KINDS)}")
        if not (dataclasses.is_dataclass(self.config) and isinstance(self.config, type)):
            problems.append("config must be a dataclass")
        else:
            for f in dataclasses.fields(self.config):
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    problems.append(f"config field {f.name!r} needs a default (the form starts from it)")
            for method in ("to_dict", "from_dict"):
                if not callable(getattr(self.config, method, None)):
                    problems.append(f"config has no {method}()")
        if not (callable(self.job) or (isinstance(self.job, str) and ":" in self.job)):
            problems.append("job must be a function or 'module:function'")
        if problems:
            raise ValueError(f"Model family {self.name!r}: " + "; ".join(problems) + ".")

    @property
    def arg(self) -> str:
        """The job argument that names the stored data (``corpus_id``, ``table_id``, ...)."""
        return self.data_arg or DATA_KINDS[self.data]["arg"]

    def job_function(self) -> Callable:
        """The function that runs this family's jobs (imported on first use)."""
        return _load(self.job)

    def run_check(self, workspace, args: dict) -> None:
        """Run the family's pre-queue check, if it has one (raises InputError)."""
        if self.check is not None:
            _load(self.check)(workspace, args)

    def run_preview(self, workspace, args: dict) -> str:
        """The family's preview for this data, or "" when it has none (raises InputError like ``check``)."""
        return _load(self.preview)(workspace, args) if self.preview is not None else ""

    def make_config(self, values: Optional[dict] = None):
        """A config from a (partial) dict; defaults fill the rest. Raises InputError on bad values."""
        return self.config.from_dict(dict(values or {}))


def _load(target: Union[str, Callable]) -> Callable:
    if callable(target):
        return target
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def field_help(field: dataclasses.Field) -> dict:
    """The form metadata of one config field, with its defaults filled in.

    Keys: ``help`` (one line, shown with the widget), ``label`` (default: the
    field name, as the field's papers and libraries call it), ``min``, ``max``,
    ``step``, ``format`` (printf style, for floats), ``choices`` (a tuple of
    allowed values), ``choice_labels`` ({value: what the user reads}),
    ``widget`` (``"slider"`` for a slider instead of a number box; ``"model"``
    for a picker of the workspace's stored models, its value a model id, with
    ``item_kind`` naming which: ``"word"`` lists the word models), ``advanced``
    (True: drawn under "More settings").
    """
    meta = dict(field.metadata or {})
    meta.setdefault("label", field.name)
    meta.setdefault("help", "")
    meta.setdefault("advanced", False)
    return meta


# -- discovery --------------------------------------------------------------------------------

_LOCK = threading.Lock()
_FOUND: Optional[dict] = None  # name -> Family, from the package scan (once per process)
_REGISTERED: dict = {}  # name -> Family, added with register()


def register(family: Family) -> Family:
    """Add a family by hand (scripts and tests; modules declare ``FAMILY`` instead).

    Raises
    ------
    ValueError
        Another family already has this name.
    """
    with _LOCK:
        known = {**(_FOUND or {}), **_REGISTERED}
        if family.name in known and known[family.name] is not family:
            raise ValueError(f"There already is a model family named {family.name!r}.")
        _REGISTERED[family.name] = family
    return family


def unregister(name: str) -> None:
    """Remove a family added with :func:`register` (tests)."""
    with _LOCK:
        _REGISTERED.pop(name, None)


def rescan() -> None:
    """Forget the package scan: the next call imports the family modules again (after
    ``EMBEDLAB_FAMILY_MODULES`` changed; modules already imported are not re-imported)."""
    global _FOUND
    with _LOCK:
        _FOUND = None


def _declared(module) -> list:
    found = getattr(module, "FAMILIES", None) or []
    single = getattr(module, "FAMILY", None)
    return list(found) + ([single] if single is not None else [])


def _scan() -> dict:
    import embedlab.train as package

    modules = [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    modules += settings.family_modules()
    out: dict = {}
    for name in modules:
        for family in _declared(importlib.import_module(name)):
            if not isinstance(family, Family):
                raise TypeError(f"{name} declares FAMILY as {type(family).__name__}, not a Family.")
            if family.name in out and out[family.name] is not family:
                raise ValueError(f"Two modules declare a model family named {family.name!r}.")
            out[family.name] = family
    return out


def _all() -> dict:
    global _FOUND
    if _FOUND is None:
        found = _scan()  # outside the lock: importing a module may take a second
        with _LOCK:
            if _FOUND is None:
                _FOUND = found
    with _LOCK:
        return {**_FOUND, **_REGISTERED}


def families(data: Optional[str] = None) -> list:
    """Every model family (of one data kind), in their ``order``, then by title.

    Parameters
    ----------
    data : str, optional
        A key of :data:`DATA_KINDS`; None lists all.
    """
    out = [f for f in _all().values() if data is None or f.data == data]
    return sorted(out, key=lambda f: (f.order, f.title.lower()))


def family(name: str) -> Family:
    """The family named ``name`` (a job kind, or a model's ``Space.kind``).

    Raises
    ------
    InputError
        No family has that name.
    """
    known = _all()
    if name not in known:
        raise InputError(f"There is no model family '{name}'. Known: {', '.join(sorted(known)) or 'none'}.")
    return known[name]


def find(name: Optional[str]) -> Optional[Family]:
    """The family named ``name``, or None (imported vectors, user spaces, unknown kinds)."""
    return _all().get(name) if name else None


def data_kinds() -> dict:
    """The data kinds that at least one family trains on, in :data:`DATA_KINDS` order."""
    used = {f.data for f in _all().values()}
    return {k: v for k, v in DATA_KINDS.items() if k in used}
