"""Errors that embedlab raises on purpose.

A user's mistake (a bad upload, an unknown word, a parameter out of range)
raises :class:`InputError` with a message that says what was wrong and what to
do about it. Pages show it with ``st.error`` and keep running. Any other
exception is a bug and should surface as one.
"""


class InputError(ValueError):
    """A user's input cannot be used; the message says why and how to fix it."""


class UnknownWordError(InputError, KeyError):
    """A word is not in a space's vocabulary.

    Attributes
    ----------
    word : str
        The word that was asked for.
    suggestions : list of str
        Close spellings from the vocabulary (may be empty).

    ``message`` replaces the first sentence (e.g. "No item has the title or
    id ..." for a space of movies); the suggestions follow it.
    """

    def __init__(self, word, suggestions=(), message=None):
        self.word = word
        self.suggestions = list(suggestions)
        hint = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__((message or f"'{word}' is not in this model's vocabulary.") + hint)

    def __str__(self):  # KeyError would otherwise quote the message
        return self.args[0]


class AmbiguousLabelError(InputError):
    """A display label (e.g. a movie title) names several items of a space.

    Attributes
    ----------
    label : str
        What was asked for.
    candidates : list of (str, str)
        (key, label) of every item it could mean.
    """

    def __init__(self, label, candidates, noun="item", label_name="title"):
        self.label = label
        self.candidates = list(candidates)
        shown = "; ".join(f"{lab} [id {key}]" for key, lab in self.candidates[:10])
        more = f" and {len(self.candidates) - 10} more" if len(self.candidates) > 10 else ""
        same = len({lab for _, lab in self.candidates}) == 1
        what = "the id" if same else f"the id or the full {label_name}"
        super().__init__(f"'{label}' is the {label_name} of {len(self.candidates)} {noun}s: {shown}{more}. "
                         f"Type {what} of the one you mean.")


class Cancelled(Exception):
    """Long work was cancelled by the user; nothing was written."""
