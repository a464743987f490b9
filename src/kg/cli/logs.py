"""Where log records go when the ``kg`` command runs: one line each on stderr.

Its own module, imported only when logging is set up (``kg.cli.outcome.setup_logging``),
so that a command that logs nothing (a stored query answered by Oxigraph,
``kg.cli.dispatch``) does not import ``logging``.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from kg.core.errors import INTERNAL_LOG

_CONVERTER = re.compile(r",? Converter=<[^>]*>")


class _NoTracebackFormatter(logging.Formatter):
    # rdflib logs ill-typed literals with exc_info; a user wants the message only.
    def formatException(self, ei: Any) -> str:
        return ""

    def format(self, record: logging.LogRecord) -> str:
        record.exc_info = None
        record.exc_text = None
        # rdflib names the Python function that failed to read a literal's value:
        # "Converter=<function parse_xsd_date at 0x7f...>" says nothing to a user.
        return _CONVERTER.sub("", super().format(record)).rstrip()


def install() -> None:
    """Warnings and errors as ``kg: LEVEL: message`` on stderr, once per process."""
    root = logging.getLogger()
    if any(getattr(h, "_kg", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler._kg = True  # type: ignore[attr-defined]
    handler.setFormatter(_NoTracebackFormatter("kg: %(levelname)s: %(message)s"))
    # An internal error's one line is the `kg: error:` line already; its traceback is
    # for the server's log (kg serve), or for KG_DEBUG=1.
    internal_log = logging.getLogger(INTERNAL_LOG)
    handler.addFilter(lambda record: record.name != INTERNAL_LOG)
    if os.environ.get("KG_DEBUG") and not internal_log.handlers:
        internal_log.addHandler(logging.StreamHandler())
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
