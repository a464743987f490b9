"""How a ``kg`` command ends: its last words on stderr and its exit code, without click.

``finish`` runs a command, the click tree's (``kg.cli.commands.main``) or the
dispatcher's (``kg.cli.main``), with the same endings: a KgError is ``kg: error: ...``
and its exit code (2), SIGTERM, SIGINT and SIGHUP are ``kg: stopped by SIGTERM`` and
128 + the signal's number after the cleanups on the way out have run (no temporary file
is left), a bug is one line with an incident number.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from kg.core import signals
from kg.core.errors import EXIT_ERROR, Interrupted, KgError, internal_error
from kg.core.text import printable


def finish(command: Callable[[], None]) -> None:
    """Run ``command`` with the stop signals handled (``kg.core.signals``) and end it as
    every ``kg`` command ends (the module's docstring)."""
    try:
        signals.install()
        command()
    except KgError as error:  # raised outside a KgGroup, e.g. while parsing options
        say(f"kg: error: {printable(str(error))}")
        sys.exit(error.exit_code)
    except Interrupted as stop:
        signals.announce(stop)
        sys.exit(stop.exit_code)
    except BrokenPipeError:
        # `kg export | head`: the reader left; say nothing, and keep Python from
        # complaining again when it flushes stdout at exit.
        silence_stdout()
        sys.exit(EXIT_ERROR)
    except Exception as error:
        # A bug, in kg or a library: one line, not Python's traceback and wording
        # (KG_DEBUG=1 shows them).
        if os.environ.get("KG_DEBUG"):
            raise
        setup_logging()  # the traceback goes to the internal log, not to the terminal
        say(f"kg: error: {internal_error(error)}; KG_DEBUG=1 shows where")
        sys.exit(EXIT_ERROR)


def say(line: str) -> None:
    """``line`` on stderr, as ``click.echo(line, err=True)`` writes it."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def silence_stdout() -> None:
    """stdout sent to the null device: nothing more to write, nothing to complain about."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def setup_logging() -> None:
    """Log records as ``kg: LEVEL: message`` on stderr, from here on (``kg.cli.logs``,
    imported now: only what logs pays for ``logging``)."""
    from kg.cli.logs import install

    install()
