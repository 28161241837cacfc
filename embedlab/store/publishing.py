"""The published area of a shared server: models an instructor copied there, which every workspace lists read-only."""

from __future__ import annotations

import hashlib
import secrets
from typing import Optional

from embedlab import config
from embedlab.errors import InputError


def instructor_key(secret: str) -> str:
    """The SHA-256 of an instructor secret: what a session keeps instead of the secret itself."""
    return hashlib.sha256(("embedlab-instructor\0" + secret).encode()).hexdigest()


def instructor_key_valid(key: Optional[str]) -> bool:
    """True when ``key`` is the hash of the instructor secret in effect now (EMBEDLAB_INSTRUCTOR_TOKEN).

    Compared on every use, so changing or unsetting the secret revokes every
    session that proved the old one.
    """
    secret = config.instructor_token()
    if not key or secret is None:
        return False
    return secrets.compare_digest(str(key), instructor_key(secret))


class Publishing:
    """What a :class:`~embedlab.store.workspace.Workspace` knows of the published area (a mixin).

    Needs ``published_root`` (a path or None), ``_published`` (a cache), and the
    workspace's ``model_record``, ``_has_model``, ``load_space`` and ``save_space``.
    """

    def _refuse_published(self, model_id: str, what: str) -> None:
        if self.model_record(model_id)["published"]:
            raise InputError("This model was published by the instructor for everyone; it is read-only and cannot "
                             f"be {what} here. Use it as it is, or train your own.")

    # -- the published area (shared server) ------------------------------------
    def published_area(self) -> Optional["Publishing"]:
        """The workspace of published models, or None when there is none."""
        if self.published_root is None:
            return None
        if self._published is None:
            self._published = type(self)(self.published_root, published=False, quota=None)
        return self._published

    def publish_model(self, model_id: str, name: Optional[str] = None) -> str:
        """Copy one of this workspace's models to the published area; return its published id.

        The model's folder is copied whole (attachments included) like any save
        (partial folder, rename, registry row last), so visitors only ever see
        complete published models.

        Raises
        ------
        InputError
            No published area (not a shared server), unknown, damaged or
            already-published model.
        """
        pub = self.published_area()
        if pub is None:
            raise InputError("Publishing needs a shared server (EMBEDLAB_SHARED=1).")
        if self.model_record(model_id)["published"]:
            raise InputError("That model is already published.")
        problem = self.model_files_problem(model_id)
        if problem is not None:
            raise InputError(f"The model '{self.model_record(model_id)['name']}' is damaged ({problem}); it cannot "
                             "be published.")
        return pub.register_copy(self.model_folder(model_id), self.model_record(model_id), name)

    def unpublish_model(self, model_id: str) -> None:
        """Remove a model from the published area (the instructor's copy stays in their workspace)."""
        pub = self.published_area()
        if pub is None or not pub._has_model(model_id):
            raise InputError(f"There is no published model '{model_id}'.")
        pub.delete_model(model_id)
