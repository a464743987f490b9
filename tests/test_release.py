"""The release files of ``kg build`` are byte for byte those whose SHA-256 digests are
checked in (tests/release/SHA256SUMS, ``sha256sum`` format), and there are no others.

The digests were first taken from a build of commit 49f3e1d, before the package was
split into layers, so a refactoring that changes a single byte of a release fails here.
They also change when the data, the ontology version (it names the files) or rdflib's
serialisers change: check the new files, then record their digests on purpose with

    make release-digests

which runs ``kg build -d build/release`` and writes ``sha256sum kg-*`` of that folder
to tests/release/SHA256SUMS; commit it with the change that explains it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DIGESTS = ROOT / "tests" / "release" / "SHA256SUMS"


def recorded_digests() -> dict[str, str]:
    recorded: dict[str, str] = {}
    for line in DIGESTS.read_text(encoding="ascii").splitlines():
        digest, name = line.split("  ", 1)
        recorded[name] = digest
    return recorded


@pytest.mark.slow
def test_release_files_are_byte_identical_to_the_recorded_digests(tmp_path: Path) -> None:
    # A subprocess, as a user runs it: nothing another test set in this process (rdflib's
    # namespace bindings, a store) can reach the files. KG_STORE would pick the store.
    env = {key: value for key, value in os.environ.items() if key != "KG_STORE"}
    done = subprocess.run(
        [sys.executable, "-m", "kg", "build", "-d", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    built = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in tmp_path.iterdir()
    }
    assert built == recorded_digests()
