"""The store the benchmark measures: ``kg.store.open_store`` (``memory`` or
``oxigraph:PATH``), and how to remove an Oxigraph store's folder between runs.

``IMPLEMENTATION`` names the store module; the benchmark prints it with the results.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from kg.store import open_store

IMPLEMENTATION = "kg.store"

__all__ = ["IMPLEMENTATION", "open_store", "remove_store"]


def remove_store(spec: str) -> None:
    """Delete the on-disk data of an ``oxigraph:PATH`` store."""
    if spec.startswith("oxigraph:"):
        shutil.rmtree(Path(spec[len("oxigraph:") :]), ignore_errors=True)
