"""kg: a linked-data knowledge graph of Vietnamese public administration.

The package is a library first (``kg.load``, ``kg.validate``, ``kg.export``,
``kg.stats``, ``kg.diagram``); ``kg.cli`` is a thin command-line layer over it.
Importing ``kg`` itself stays cheap: nothing here pulls in rdflib.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"


# The library's entry points. They import lazily so that `import kg` (and `kg --help`)
# stays cheap. Importing a submodule of the same name (kg.load, kg.validate, kg.export)
# rebinds the package attribute to the module, so each call puts the functions back.
def load(*args, **kwargs):  # type: ignore[no-untyped-def]
    """Load RDF files into an rdflib Dataset (see kg.load.load)."""
    from kg.load import load as _load

    _restore()
    return _load(*args, **kwargs)


def validate(*args, **kwargs):  # type: ignore[no-untyped-def]
    """Validate a dataset with the SHACL shapes and the SPARQL checks (see kg.validate.validate)."""
    from kg.validate import validate as _validate

    _restore()
    return _validate(*args, **kwargs)


def export(*args, **kwargs):  # type: ignore[no-untyped-def]
    """Serialise a dataset in one format, deterministically (see kg.export.export)."""
    from kg.export import export as _export

    _restore()
    return _export(*args, **kwargs)


_API = {"load": load, "validate": validate, "export": export}


def _restore() -> None:
    globals().update(_API)


__all__ += ["export", "load", "validate"]
