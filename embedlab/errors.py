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
    """

    def __init__(self, word, suggestions=()):
        self.word = word
        self.suggestions = list(suggestions)
        hint = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"'{word}' is not in this model's vocabulary.{hint}")

    def __str__(self):  # KeyError would otherwise quote the message
        return self.args[0]


class Cancelled(Exception):
    """Long work was cancelled by the user; nothing was written."""
