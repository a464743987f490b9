"""Where the model, the data and the queries are.

Two layouts are supported:

* a source checkout or an editable install: the project root is two levels
  above the package (``src/kg/``) and holds ``ontology/``, ``data/`` and
  ``queries/``;
* a wheel install: pyproject force-includes those folders under
  ``kg/_resources/``.

The wheel layout is tried first: if ``_resources`` exists it is what was
installed, whatever happens to sit two levels above the package in site-packages.
"""

from __future__ import annotations

from pathlib import Path

#: the ``kg`` package folder (this file is ``kg/core/paths.py``)
_PACKAGE_DIR = Path(__file__).resolve().parents[1]
_WHEEL_RESOURCES = _PACKAGE_DIR / "_resources"
_CHECKOUT_ROOT = _PACKAGE_DIR.parents[1]

ONTOLOGY_FILE = "kg.ttl"
VOCABULARY_FILE = "vocabularies.ttl"
SHAPES_FILE = "shapes.ttl"
CONTEXT_FILE = "context.jsonld"


def resource_root() -> Path:
    """The folder that holds ``ontology/``, ``data/`` and ``queries/``."""
    if (_WHEEL_RESOURCES / "ontology").is_dir():
        return _WHEEL_RESOURCES
    return _CHECKOUT_ROOT


def project_root() -> Path | None:
    """The root of the source checkout, or None in a wheel install.

    Only a checkout has ``README.md`` and ``docs/``, which ``kg generate`` rewrites.
    """
    if (_WHEEL_RESOURCES / "ontology").is_dir():
        return None
    if (_CHECKOUT_ROOT / "pyproject.toml").is_file():
        return _CHECKOUT_ROOT
    return None


def ontology_dir() -> Path:
    return resource_root() / "ontology"


def data_dir() -> Path:
    return resource_root() / "data"


def queries_dir() -> Path:
    return resource_root() / "queries"


def checks_dir() -> Path:
    return queries_dir() / "checks"


def ontology_path() -> Path:
    return ontology_dir() / ONTOLOGY_FILE


def vocabulary_path() -> Path:
    return ontology_dir() / VOCABULARY_FILE


def shapes_path() -> Path:
    return ontology_dir() / SHAPES_FILE


def context_path() -> Path:
    return ontology_dir() / CONTEXT_FILE


#: The folder under ``data/`` of the country-wide gazetteer (``kg link admin``).
GAZETTEER_DIR = "gazetteer"


def default_sources() -> list[Path]:
    """The files of the article's dataset, in load order: what rdflib loads by default.

    The ontology and vocabulary files (those that exist), then every TriG file
    under ``data/`` but the gazetteer's (``gazetteer_sources``), sorted so that the load
    order never depends on the file system. The gazetteer is 50 times the rest: rdflib
    takes seconds to parse it, so only the paths that need it load it
    (``shipped_sources``).
    """
    sources = [p for p in (ontology_path(), vocabulary_path()) if p.is_file()]
    data = data_dir()
    if data.is_dir():
        gazetteer = data / GAZETTEER_DIR
        sources.extend(p for p in sorted(data.rglob("*.trig")) if gazetteer not in p.parents)
    return sources


def gazetteer_sources() -> list[Path]:
    """The gazetteer's files (``data/gazetteer/*.trig``), sorted."""
    return sorted((data_dir() / GAZETTEER_DIR).glob("*.trig"))


def shipped_sources() -> list[Path]:
    """Everything that is shipped: ``default_sources`` and the gazetteer. The stores
    (``kg query``, ``kg serve``) and the command line (``kg build``, ``kg validate``,
    ``kg export``) hold these when no paths are given."""
    return default_sources() + gazetteer_sources()
