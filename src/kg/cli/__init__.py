"""The ``kg`` command: a thin layer over the library.

``main`` is the console script. The common forms of ``kg query run`` are answered by
``kg.cli.dispatch`` without importing click (a cold query starts in about the time
pyoxigraph alone takes, docs/cold-start.md); everything else goes to the click command
tree, ``kg.cli.commands``. Its names (``cli``, ``EXPORT_FORMATS``, ...) are reachable
here too, imported on first use, so ``from kg.cli import cli`` works as it did.

Exit codes are those of ``kg.core.errors``: 0 success, 1 does not conform (or, for
``kg generate --check``, out of date), 2 error, 128 + N stopped by signal N (129 SIGHUP,
130 SIGINT, 143 SIGTERM; ``kg.cli.outcome.finish`` installs the handlers).
"""

from __future__ import annotations

import errno
import importlib
import sys
from typing import Any

from kg.cli.dispatch import StoredRun, answer, recognise
from kg.cli.outcome import finish, silence_stdout

#: The exit code click gives when the reader of stdout went away (``kg ... | head``).
EXIT_BROKEN_PIPE = 1


def main(argv: list[str] | None = None) -> None:
    """The console script (``argv`` None: ``sys.argv[1:]``)."""
    plan = recognise(sys.argv[1:] if argv is None else argv)
    if plan is None:
        importlib.import_module("kg.cli.commands").main(argv)
        return
    finish(lambda: _answer_as_click_would(plan))


def _answer_as_click_would(plan: StoredRun) -> None:
    """``plan`` answered, ending as click's standalone mode ends a command: SystemExit
    0, and exit 1 without a word when the reader of stdout went away (a KgError goes on
    to ``finish``, which words it as click would)."""
    try:
        answer(plan)
    except OSError as error:
        if error.errno != errno.EPIPE:
            raise
        silence_stdout()
        sys.exit(EXIT_BROKEN_PIPE)
    sys.exit(0)


def __getattr__(name: str) -> Any:
    # The click command tree's names, imported when first asked for: ``kg.cli.cli``,
    # ``kg.cli.EXPORT_FORMATS``, ... (a submodule, kg.cli.query, is found as usual).
    if name.startswith("__") or name == "commands":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        return getattr(importlib.import_module("kg.cli.commands"), name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
