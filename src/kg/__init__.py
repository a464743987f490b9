"""kg: a linked-data knowledge graph of Vietnamese public administration.

The package is a library first (``kg.load``, ``kg.validate``, ``kg.export``,
``kg.stats``, ``kg.diagram``); ``kg.cli`` is a thin command-line layer over it.
Importing ``kg`` itself stays cheap: nothing here pulls in rdflib.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
