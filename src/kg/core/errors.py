"""Errors the library raises on purpose, and the exit codes the CLI maps them to.

Exit codes (the one place they are defined):

* ``EXIT_OK`` (0): success; for ``kg validate`` the data conforms.
* ``EXIT_NONCONFORMING`` (1): the data does not conform (``kg validate``,
  ``kg build``), or generated files are out of date (``kg generate --check``).
* ``EXIT_ERROR`` (2): an error: bad input file, format or parameter, I/O failure.
"""

from __future__ import annotations

from pathlib import Path

from kg.core.text import printable

EXIT_OK = 0
EXIT_NONCONFORMING = 1
EXIT_ERROR = 2


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

    def __str__(self) -> str:
        location = self.location
        return f"{location}: {self.message}" if location else self.message


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


class TooManyRows(QueryError):
    """The answer holds more rows (or triples) than the limit."""

    http_status = 422


def one_line(cause: BaseException | str) -> str:
    """``cause`` (an exception or its text) as one line of words, for an error message:
    the tools kg calls put newlines and indentation in theirs, and text they quote may
    hold terminal escape sequences (``kg.core.text.printable`` removes them)."""
    return " ".join(printable(str(cause)).split()) or (
        type(cause).__name__ if isinstance(cause, BaseException) else ""
    )
