"""The common forms of ``kg query run``, answered without importing click.

Importing click and kg's command tree costs a cold ``kg query run`` about as much as
loading the shipped data and answering the query (bench/results.md, issue 12 item 5).
``recognise`` reads exactly these forms of the arguments:

    kg query run NAME [-p|--param NAME=VALUE ...] [-f|--format F] [--lang vi|en]
                      [--store SPEC] [-o|--output FILE]

each option given as ``--option VALUE`` or ``--option=VALUE`` (long names) or
``-x VALUE`` (short ones), in any order around NAME, and gives ``None`` for anything
else: help, another command or option, a value that starts with ``-``, a --format or a
--lang that click's choices refuse (``kg.cli.stored.format_named``, ``LANGUAGES``), a missing
value or NAME, a second NAME, click's completion variable. ``kg.cli.main`` then hands
the arguments to click, which parses them, reports their errors and runs the same
``kg.cli.stored.run_stored`` for the forms above. What reaches the user is the same
either way, byte for byte (tests/test_dispatch.py runs a matrix of valid and invalid
forms through both).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import NamedTuple

from kg.cli.outcome import setup_logging
from kg.cli.stored import ANSWER_FORMATS, LANGUAGES, format_named, run_stored
from kg.store.base import STORE_VARIABLE

#: The environment variable that makes click complete the command line instead of
#: running it (``_{PROG}_COMPLETE``).
COMPLETION_VARIABLE = "_KG_COMPLETE"

_LONG = {
    "--param": "params",
    "--format": "fmt",
    "--lang": "lang",
    "--store": "store",
    "--output": "output",
}
_SHORT = {"-p": "params", "-f": "fmt", "-o": "output"}


class StoredRun(NamedTuple):
    """``kg query run`` with its arguments read as click reads them."""

    name: str
    params: tuple[str, ...] = ()
    fmt: str | None = None
    store: str | None = None
    output: str = "-"
    lang: str | None = None


def recognise(argv: Sequence[str]) -> StoredRun | None:
    """The arguments after ``kg`` as a ``StoredRun``, or None when they are not exactly
    one of the forms this module answers (click answers those)."""
    if COMPLETION_VARIABLE in os.environ:
        return None
    if len(argv) < 3 or argv[0] != "query" or argv[1] != "run":
        return None
    name: str | None = None
    params: list[str] = []
    single: dict[str, str] = {}
    rest = list(argv[2:])
    at = 0
    while at < len(rest):
        token = rest[at]
        at += 1
        if not token.startswith("-"):
            if name is not None:
                return None  # click: "Got unexpected extra argument"
            name = token
            continue
        if token.startswith("--") and "=" in token:
            option, _, value = token.partition("=")
            field = _LONG.get(option)
        else:
            field = _LONG.get(token) or _SHORT.get(token)
            if field is None or at >= len(rest):
                return None
            value = rest[at]
            at += 1
        if field is None or value.startswith("-"):
            return None
        if field == "params":
            params.append(value)
        else:
            single[field] = value  # given twice: the last one, as click takes it
    if name is None:
        return None
    fmt = single.get("fmt")
    if fmt is not None:
        fmt = format_named(fmt, ANSWER_FORMATS)
        if fmt is None:
            return None
    lang = single.get("lang")
    if lang is not None and lang not in LANGUAGES:
        return None
    # --store, else $KG_STORE unless empty, as click's envvar reads it.
    store = single.get("store", os.environ.get(STORE_VARIABLE) or None)
    return StoredRun(name, tuple(params), fmt, store, single.get("output", "-"), lang)


def answer(run: StoredRun) -> None:
    """Run the stored query and write its answer, as the click command does."""
    run_stored(
        run.name,
        run.params,
        run.fmt,
        run.output,
        lang=run.lang,
        store=run.store,
        # The click group sets logging up before every command; here only before
        # rdflib, the one thing on this path that logs, writes a graph.
        before_graph_answer=setup_logging,
    )
