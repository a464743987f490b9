"""The distribution as a user gets it: built, installed outside the checkout, run.

The sdist and the wheel are built from this checkout (``python -m build``, no
isolation: the build backend comes with the test extra, nothing is downloaded). The
wheel must carry the licence files and the resources (ontology, data, queries); installed
into a fresh virtual environment (its dependencies are this environment's: the
environment sees the system's packages, and the wheel goes in without them), ``kg build``
and a stored query run from a folder outside the checkout, on the wheel's own files.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tomllib
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "-o", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return out


def the(folder: Path, pattern: str) -> Path:
    [found] = folder.glob(pattern)
    return found


def test_the_distribution_name_is_not_kg() -> None:
    # `kg` on PyPI is another project (a KEGG client): `pip install kg` installs it.
    assert PROJECT["name"] == "vn-kg"
    assert PROJECT["scripts"] == {"kg": "kg.cli:main"}


def test_the_wheel_carries_the_licences_and_the_resources(dist: Path) -> None:
    wheel = the(dist, "vn_kg-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    licences = [n for n in names if ".dist-info/licenses/" in n]
    assert {Path(n).name for n in licences} >= {"LICENSE", "CC-BY-4.0.txt", "README.md"}
    metadata = (
        zipfile.ZipFile(wheel)
        .read(next(n for n in names if n.endswith(".dist-info/METADATA")))
        .decode()
    )
    assert "License-Expression: MIT AND CC-BY-4.0" in metadata
    assert "Project-URL: Homepage, https://w3id.org/vn-kg/" in metadata
    for resource in (
        "kg/_resources/ontology/kg.ttl",
        "kg/_resources/data/sources/nam-truc-2021-11-01.txt",
        "kg/_resources/queries/party-members-count.rq",
        "kg/py.typed",
        # kg serve's pages: the stylesheet, and the YASGUI editor with its licence.
        "kg/http/static/kg.css",
        "kg/http/static/kg-yasgui.js",
        "kg/http/static/yasgui/yasgui.min.js",
        "kg/http/static/yasgui/yasgui.min.css",
        "kg/http/static/yasgui/LICENSE",
        "kg/http/static/yasgui/README.md",
    ):
        assert resource in names
    assert any(n.endswith(".dist-info/licenses/src/kg/http/static/yasgui/LICENSE") for n in names)


def test_the_sdist_carries_the_licences(dist: Path) -> None:
    sdist = the(dist, "vn_kg-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {Path(n).relative_to(Path(n).parts[0]).as_posix() for n in archive.getnames()}
    assert {"LICENSE", "LICENSES/CC-BY-4.0.txt", "LICENSES/README.md", "pyproject.toml"} <= names


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh environment with the wheel installed; its ``bin`` folder."""
    home = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(home)
    python = home / "bin" / "python"
    wheel = the(dist, "vn_kg-*.whl")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    yield home / "bin"


def test_the_installed_wheel_builds_and_answers_outside_the_checkout(
    installed: Path, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KG_STORE")}
    where = subprocess.run(
        [
            str(installed / "python"),
            "-c",
            "import kg, kg.core.paths as p; "
            "print(kg.__file__); print(p.ontology_dir()); print(p.queries_dir())",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert all(str(installed.parent) in line for line in where), where
    build = subprocess.run(
        [str(installed / "kg"), "build", "-d", str(tmp_path / "release")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    # Every export format, the links as SSSOM and their DCAT catalogue (kg.publish.dcat).
    assert sorted(p.name for p in (tmp_path / "release").iterdir()) == sorted(
        f"kg-0.1.0.{end}"
        for end in (
            *("ttl", "jsonld", "nt", "nq", "trig", "rdf", "sssom.tsv", "catalog.ttl"),
            *("gazetteer.nq", "gazetteer.trig"),
        )
    )
    command = ["query", "run", "party-members-count", "-f", "csv"]
    answer = subprocess.run(
        [str(installed / "kg"), *command],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    here = subprocess.run(
        [sys.executable, "-m", "kg", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout == here.stdout and "10000" in answer.stdout
