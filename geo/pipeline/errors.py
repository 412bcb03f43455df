"""What went wrong with one article: its content (a rejection) or the code (an internal error).

A *rejection* is about the article: :class:`geo.text.corpus.ArticleRejected`, with a reason fit
to show to a user (empty, binary, too large, not English, too long for the model). Anything else
raised while analysing or storing an article is an *internal error*: a bug, a broken install or
a failing store, which the user cannot fix by changing the article. The pipeline logs those with
their traceback and reports them as such (status ``failed``), never as a rejection.

Worker processes send errors back pickled; an exception's class may not unpickle in the parent
and its traceback never travels, so a worker sends :class:`WorkerError` instead, which carries
the error's type, message and formatted traceback (shown as its cause, as
``concurrent.futures`` does for the exceptions of its own workers).
"""

from __future__ import annotations

import traceback

from geo.text.corpus import ArticleRejected


def is_rejection(exc: BaseException) -> bool:
    """Whether ``exc`` says the article is unusable (rather than the code broke)."""
    return isinstance(exc, ArticleRejected)


class _RemoteTraceback(Exception):
    """The traceback of an error raised in another process (the cause of a WorkerError)."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f'\n"""\n{self.text.rstrip()}\n"""'


class WorkerError(Exception):
    """An internal error raised in a worker process, with the traceback it had there."""

    def __init__(self, type_name: str, message: str, traceback_text: str):
        super().__init__(type_name, message, traceback_text)
        self.type_name, self.message, self.traceback_text = type_name, message, traceback_text
        self.__cause__ = _RemoteTraceback(traceback_text)  # logged with exc_info: the worker's traceback

    def __str__(self) -> str:
        return f"{self.type_name}: {self.message}" if self.message else self.type_name

    @classmethod
    def from_exception(cls, exc: BaseException) -> WorkerError:
        return cls(type(exc).__qualname__, str(exc), "".join(traceback.format_exception(exc)))


def for_another_process(exc: Exception) -> Exception:
    """``exc`` in a form that pickles and unpickles anywhere, keeping what the parent needs:
    a rejection stays a rejection (its reason), anything else becomes a WorkerError."""
    if is_rejection(exc):
        return ArticleRejected(str(exc))
    return WorkerError.from_exception(exc)


def describe(exc: BaseException) -> str:
    """``Type: message`` of an internal error (a WorkerError is already in that form)."""
    if isinstance(exc, WorkerError):
        return str(exc)
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
