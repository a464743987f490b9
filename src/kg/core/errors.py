"""Errors the library raises on purpose, and the exit codes the CLI maps them to.

Exit codes (the one place they are defined):

* ``EXIT_OK`` (0): success; for ``kg validate`` the data conforms.
* ``EXIT_NONCONFORMING`` (1): the data does not conform (``kg validate``,
  ``kg build``), or generated files are out of date (``kg generate --check``).
* ``EXIT_ERROR`` (2): an error: bad input file, format or parameter, I/O failure.
* ``EXIT_SIGNAL_BASE`` + the signal's number: stopped by a signal (``Interrupted``):
  129 SIGHUP, 130 SIGINT, 143 SIGTERM, as a shell reports a process a signal ended.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

from kg.core.text import printable

EXIT_OK = 0
EXIT_NONCONFORMING = 1
EXIT_ERROR = 2
EXIT_SIGNAL_BASE = 128


class KgError(Exception):
    """Base class of the errors kg reports to a user, with an optional location.

    ``str()`` gives ``path:line:column: message``, leaving out what is unknown, the
    form editors and CI logs turn into links.
    """

    exit_code = EXIT_ERROR

    def __init__(
        self,
        message: str,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column

    @property
    def location(self) -> str:
        parts: list[str] = []
        if self.path is not None:
            parts.append(self.path)
            if self.line is not None:
                parts.append(str(self.line))
                if self.column is not None:
                    parts.append(str(self.column))
        return ":".join(parts)

    def __reduce__(self) -> tuple[Any, tuple[type[KgError], tuple[Any, ...], dict[str, Any]]]:
        # Pickled whole, whatever a subclass's __init__ takes: a query worker
        # (kg.store.isolated) sends its error back to the server this way.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))

    def __str__(self) -> str:
        location = self.location
        return f"{location}: {self.message}" if location else self.message


def _rebuild(cls: type[KgError], args: tuple[Any, ...], state: dict[str, Any]) -> KgError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class InputError(KgError):
    """A bad input: a file that is missing or cannot be parsed, an unknown format or
    parameter value, or an input refused for safety (remote JSON-LD context, XML DTD)."""


class ParameterError(InputError):
    """A bad query parameter value (wrong type, not in its enumeration, unknown,
    missing): the same message on the command line and over HTTP, and never blamed on
    the file the query came from."""


class Refused(InputError):
    """A query or update kg does not run: it would call another endpoint (SERVICE) or
    fetch a graph kg does not hold (FROM, LOAD). ``kg.sparql.policy`` decides."""

    http_status = 400


class OutputError(KgError):
    """A file could not be written."""


class QueryError(KgError):
    """A SPARQL query or update is malformed, refused or failed to run. ``http_status``
    is the status the server answers it with."""

    http_status = 400


class QueryTimeout(QueryError):
    """The query ran past its time limit."""

    http_status = 503


class QueryMemoryLimit(QueryError):
    """The query needed more memory than its limit."""

    http_status = 503


class TooManyRows(QueryError):
    """The answer holds more rows (or triples) than the limit."""

    http_status = 422


#: Exceptions that say a program went wrong (kg, or a library it calls: rdflib's
#: ``YEAR`` of a malformed date raises ``'Literal' object has no attribute 'year'``)
#: rather than what was wrong with the input: their text is Python's, which a user
#: cannot act on, and may show the program's insides.
INTERNAL_ERRORS: tuple[type[BaseException], ...] = (
    AttributeError,
    TypeError,
    LookupError,
    NameError,
    AssertionError,
)
#: The name of the logger that records an internal error with its traceback: the
#: server's log shows it (``kg serve``); the command line shows only the one-line message.
INTERNAL_LOG = "kg.internal"


def internal_error(cause: BaseException) -> str:
    """The message shown for ``cause``, an unexpected exception: ``internal error`` and
    an incident number, the traceback logged under that number."""
    # Imported here: every kg command imports this module, few ever get this far.
    import logging
    import secrets

    incident = secrets.token_hex(4)
    logging.getLogger(INTERNAL_LOG).error(
        "internal error %s: %s",
        incident,
        type(cause).__name__,
        exc_info=(type(cause), cause, cause.__traceback__),
    )
    return f"internal error (incident {incident})"


class Interrupted(BaseException):
    """The process was asked to stop (SIGTERM, SIGINT, SIGHUP; ``kg.core.signals``).

    A BaseException, as KeyboardInterrupt is, so that ``except Exception`` never
    swallows it while the cleanups that catch everything (``write_atomic`` removing its
    temporary file) run and let it go on up to the CLI, which exits ``exit_code``.
    """

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.name = signal.Signals(signum).name
        self.exit_code = EXIT_SIGNAL_BASE + signum
        super().__init__(f"stopped by {self.name}")


def one_line(cause: BaseException | str) -> str:
    """``cause`` (an exception or its text) as one line of words, for an error message:
    the tools kg calls put newlines and indentation in theirs, and text they quote may
    hold terminal escape sequences (``kg.core.text.printable`` removes them). An
    ``INTERNAL_ERRORS`` exception gives ``internal_error``'s message, never its own text."""
    if isinstance(cause, INTERNAL_ERRORS):
        return internal_error(cause)
    return " ".join(printable(str(cause)).split()) or (
        type(cause).__name__ if isinstance(cause, BaseException) else ""
    )
