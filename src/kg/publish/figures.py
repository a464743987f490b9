"""Figures the README and the docs quote, computed from the shipped data.

A quoted figure sits between markers, ``<!-- fig:triples -->4,700<!-- /fig -->``, and
``kg generate readme`` rewrites every such value from the stored queries of
``queries/figures/`` (``NAME.rq``: a SELECT of one row whose ``?n`` is the figure), so
that the text cannot go on quoting a number the data no longer holds:
``kg generate --check readme`` (and its test) fails when the data changes and the text
does not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from kg.core import paths
from kg.core.errors import InputError

FIGURE = re.compile(r"<!-- fig:([a-z0-9-]+) -->(.*?)<!-- /fig -->")
#: Figures not counted in the data: the catalogue's size.
STORED_QUERIES = "stored-queries"


def figures_dir() -> Path:
    return paths.queries_dir() / "figures"


def compute() -> dict[str, str]:
    """Every figure, as the text quotes it (thousands separated by commas)."""
    import kg.store
    from kg.sparql import catalogue

    store = kg.store.open_store("memory")
    try:
        store.load()
        values = {}
        for query in catalogue.discover(figures_dir()):
            rows = kg.store.run(query, store=store).rows
            if len(rows) != 1 or "n" not in rows[0]:
                raise InputError("a figure query answers one row with ?n", query.path)
            values[query.name] = int(str(rows[0]["n"]))
    finally:
        store.close()
    values[STORED_QUERIES] = len(catalogue.discover())
    return {name: f"{value:,}" for name, value in values.items()}


def fill(text: str, figures: Mapping[str, str], where: Path) -> str:
    """``text`` with every marked figure replaced by its value now; nothing else changes."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in figures:
            known = ", ".join(sorted(figures))
            raise InputError(f"no figure {name!r} (known: {known})", where)
        return f"<!-- fig:{name} -->{figures[name]}<!-- /fig -->"

    return FIGURE.sub(value, text)
