"""The core dependencies of pyproject.toml: both Oxigraph and the turbo validation
engine are installed by a plain ``pip install .``, turbo only where it has wheels."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from kg.validation.shacl import engine_description, resolve_engine

PROJECT = tomllib.loads(
    (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
)["project"]
CORE = {Requirement(r).name: Requirement(r) for r in PROJECT["dependencies"]}
TURBO = CORE["pyshacl-turbo"]

#: platform.system(), platform.machine() where pyshacl-turbo 0.6.5 ships a CPython wheel
#: (manylinux_2_28 x86_64 and aarch64, macOS x86_64 and arm64, Windows x86_64) ...
WHEELS = [("Linux", "x86_64"), ("Linux", "aarch64"), ("Darwin", "x86_64"), ("Darwin", "arm64")]
WHEELS += [("Windows", "AMD64")]
#: ... and some where it does not (pip would build its sdist, with Rust).
NO_WHEELS = [("Windows", "ARM64"), ("Linux", "armv7l"), ("Linux", "ppc64le")]
NO_WHEELS += [("FreeBSD", "amd64"), ("Linux", "s390x")]


def test_oxigraph_pyshacl_and_rdflib_are_core_dependencies_everywhere() -> None:
    for name in ("pyoxigraph", "pyshacl", "rdflib"):
        assert name in CORE and CORE[name].marker is None, name


@pytest.mark.parametrize(("system", "machine"), WHEELS + NO_WHEELS)
def test_turbo_is_a_dependency_exactly_where_it_has_wheels(system: str, machine: str) -> None:
    where = {"platform_system": system, "platform_machine": machine}
    assert TURBO.marker is not None
    assert TURBO.marker.evaluate(where) == ((system, machine) in WHEELS)
    # Its wheels are abi3 for CPython: another implementation would build the sdist.
    assert not TURBO.marker.evaluate({**where, "platform_python_implementation": "PyPy"})


def test_the_old_extras_still_install() -> None:
    """``pip install 'vn-kg[fast]'`` and ``'vn-kg[oxigraph]'`` keep working (aliases)."""
    extras = PROJECT["optional-dependencies"]
    assert [Requirement(r).name for r in extras["fast"]] == ["pyshacl-turbo"]
    assert Requirement(extras["fast"][0]).marker is None  # asked for: built if need be
    assert extras["oxigraph"] == []


def test_auto_is_turbo_where_the_markers_install_it() -> None:
    """On a platform with wheels the default engine must be turbo, else the install
    missed the dependency."""
    assert TURBO.marker is not None
    if not TURBO.marker.evaluate():
        pytest.skip("pyshacl-turbo has no wheel for this platform: pyshacl is the default")
    assert resolve_engine("auto") == "turbo"
    assert engine_description().startswith("turbo (pyshacl-turbo 0.")
