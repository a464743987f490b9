"""Shared fixtures: the tiny stand-in model and data under tests/fixtures, and the
shipped data loaded with the default loader."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset

from kg.core import paths
from kg.io.parse import load
from kg.store.oxigraph import OxigraphStore

FIXTURES = Path(__file__).parent / "fixtures"
BAD = FIXTURES / "bad"
FIXTURE_ONTOLOGY = FIXTURES / "ontology"
CONFORMING = FIXTURES / "conforming"
NONCONFORMING = FIXTURES / "nonconforming"
FIXTURE_SHAPES = FIXTURES / "shapes.ttl"
FIXTURE_CHECKS = FIXTURES / "checks"


def fixture_sources() -> list[Path]:
    return [FIXTURE_ONTOLOGY, CONFORMING]


@pytest.fixture(scope="session")
def fixture_dataset() -> Dataset:
    return load(fixture_sources())


@pytest.fixture(scope="session")
def shipped_dataset() -> Dataset:
    if not paths.default_sources():
        pytest.skip("no shipped ontology or data yet")
    return load()


@pytest.fixture(scope="session")
def oxigraph_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphStore]:
    """A persistent Oxigraph store (kg.store) holding the shipped data, for the session."""
    store = OxigraphStore(tmp_path_factory.mktemp("store") / "kg")
    store.load()
    yield store
    store.close()


@pytest.fixture(scope="session", params=["fixture", "shipped"])
def any_dataset(request: pytest.FixtureRequest) -> Dataset:
    """Each test using this runs on the fixtures and on the shipped data."""
    name = request.param
    return request.getfixturevalue(f"{name}_dataset")


def pytest_configure(config: pytest.Config) -> None:
    # rdflib 7 warns about its own internal use of ConjunctiveGraph; not ours to fix.
    config.addinivalue_line("filterwarnings", r"ignore::DeprecationWarning:rdflib\..*")


# Hypothesis (tests/test_fuzz.py, tests/test_roundtrip.py): the same examples on every
# run, so that CI is deterministic; HYPOTHESIS_PROFILE=explore searches afresh.
try:
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "ci",
        derandomize=True,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    settings.register_profile("explore", deadline=None, max_examples=1000)
    import os as _os

    settings.load_profile(_os.environ.get("HYPOTHESIS_PROFILE", "ci"))
except ImportError:  # the test extra is not installed; those tests skip themselves
    pass
