"""The ``kg`` command: a thin layer over the library.

``main`` is the console script. The common forms of ``kg query run`` are answered by
``kg.cli.dispatch`` without importing click (a cold query starts in about the time
pyoxigraph alone takes, bench/results.md); everything else goes to the click command
tree in ``kg.cli.commands``. Its names (``cli``, ``EXPORT_FORMATS``, ...) are also
reachable here, imported on first use, so ``from kg.cli import cli`` still works.

Exit codes are those of ``kg.core.errors``: 0 success, 1 does not conform (or, for
``kg generate --check``, out of date), 2 error, 128 + N stopped by signal N (129 SIGHUP,
130 SIGINT, 143 SIGTERM; ``main`` installs the handlers, ``kg.core.signals``).
"""

from __future__ import annotations

import errno
import importlib
import os
import sys
from typing import Any

from kg.cli.dispatch import StoredRun, answer, recognise
from kg.core import signals
from kg.core.errors import EXIT_ERROR, Interrupted, KgError, internal_error
from kg.core.text import printable

#: The exit code click gives when the reader of stdout went away (``kg ... | head``).
EXIT_BROKEN_PIPE = 1


def main(argv: list[str] | None = None) -> None:
    """The console script. KgErrors become ``kg: error: ...`` and exit code 2; SIGTERM,
    SIGINT and SIGHUP become ``kg: stopped by SIGTERM`` and exit 128 + the signal's
    number, after the cleanups on the way out have run (no temporary file is left)."""
    try:
        signals.install()
        plan = recognise(sys.argv[1:] if argv is None else argv)
        if plan is None:
            from kg.cli.commands import cli

            cli.main(args=argv, prog_name="kg")
        else:
            _answer_as_click_would(plan)
    except KgError as error:  # raised outside a KgGroup, e.g. while parsing options
        _say(f"kg: error: {printable(str(error))}")
        sys.exit(error.exit_code)
    except Interrupted as stop:
        signals.announce(stop)
        sys.exit(stop.exit_code)
    except BrokenPipeError:
        # `kg export | head`: the reader left; say nothing, and keep Python from
        # complaining again when it flushes stdout at exit.
        _silence_stdout()
        sys.exit(EXIT_ERROR)
    except Exception as error:
        # A bug, in kg or a library: one line, not Python's traceback and wording
        # (KG_DEBUG=1 shows them).
        if os.environ.get("KG_DEBUG"):
            raise
        from kg.cli.logs import setup_logging

        setup_logging()  # the traceback goes to the internal log, not to the terminal
        _say(f"kg: error: {internal_error(error)}; KG_DEBUG=1 shows where")
        sys.exit(EXIT_ERROR)


def _answer_as_click_would(plan: StoredRun) -> None:
    """``plan`` answered, ending as click's standalone mode ends a command: SystemExit
    0, and exit 1 without a word when the reader of stdout went away (a KgError goes on
    to ``main``, which words it as click would)."""
    try:
        answer(plan)
    except OSError as error:
        if error.errno != errno.EPIPE:
            raise
        _silence_stdout()
        sys.exit(EXIT_BROKEN_PIPE)
    sys.exit(0)


def _say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def __getattr__(name: str) -> Any:
    # The click command tree's names, imported when first asked for: ``kg.cli.cli``,
    # ``kg.cli.EXPORT_FORMATS``, ... (a submodule, kg.cli.query, is found as usual).
    if name.startswith("__") or name == "commands":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        return getattr(importlib.import_module("kg.cli.commands"), name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
