"""Inputs that mean the same read the same on every engine: a UTF-8 byte-order mark is not
content (RDF files, query files, query bodies), and a relative IRI is resolved only
against a base the document declares, never against where it was read from (files,
remote answers). The hostile files are in tests/hostile/ with their cases in its
manifest; these tests add the engines the manifest does not run and the remote answers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset

from fake_endpoint import FakeEndpoint, Step
from kg.core.errors import InputError
from kg.http.app import create_app
from kg.http.context import ServerConfig
from kg.sparql import catalogue
from kg.sparql.remote import EndpointError
from kg.store.base import KgStore
from kg.store.oxigraph import OxigraphStore
from kg.store.rdflib import RdflibStore
from kg.store.remote import RemoteStore

HOSTILE = Path(__file__).parent / "hostile"
BOM_FILES = sorted(p for p in (HOSTILE / "bom").iterdir() if p.suffix != ".rq")
RELATIVE = sorted(HOSTILE.glob("relative-iri.*"))
ENGINES = ["rdflib", "oxigraph"]


def engine(name: str) -> KgStore:
    return RdflibStore() if name == "rdflib" else OxigraphStore()


# -- byte-order marks ----------------------------------------------------------------------


@pytest.mark.parametrize("where", ENGINES)
@pytest.mark.parametrize("path", BOM_FILES, ids=lambda p: p.name)
def test_a_byte_order_mark_is_not_content(where: str, path: Path) -> None:
    store = engine(where)
    store.load([path])
    stored = catalogue.read(HOSTILE / "bom" / "bom.rq")
    assert not stored.text.startswith("\ufeff")
    rows = store.query(stored.text).rows
    assert [str(row["o"]) for row in rows] == ["tệp có BOM"]
    store.close()


def test_a_query_body_with_a_byte_order_mark(fixture_dataset: Dataset) -> None:
    from werkzeug.test import Client

    token = "bom-test-token-0123456789abcdef"
    client = Client(create_app(ServerConfig(update_token=token), dataset=fixture_dataset))
    for kind, path, text in (
        ("application/sparql-query", "/sparql", "ASK { }"),
        ("application/sparql-update", "/update", "INSERT DATA { }"),
    ):
        answer = client.post(
            path,
            data="\ufeff" + text,
            content_type=kind,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code in (200, 204), answer.get_data()


# -- relative IRIs ---------------------------------------------------------------------------


@pytest.mark.parametrize("where", ENGINES)
@pytest.mark.parametrize("path", RELATIVE, ids=lambda p: p.name)
def test_a_relative_iri_without_a_base_is_refused(
    where: str, path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # where rdflib would have resolved it
    store = engine(where)
    with pytest.raises(InputError, match=r"relative IRI .*no base IRI") as caught:
        store.load([path])
    assert caught.value.path == str(path)
    store.close()


@pytest.mark.parametrize("where", ENGINES)
def test_a_relative_iri_under_a_declared_base(where: str) -> None:
    store = engine(where)
    store.load([HOSTILE / "relative-iri-with-base.ttl"])
    rows = store.query("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }").rows
    assert [str(row["o"]) for row in rows] == ["http://example.org/doc/thing"]
    store.close()


def test_a_relative_iri_in_a_remote_answer_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    answer = b"<http://example.org/s> <http://example.org/p> <thing> .\n"
    with FakeEndpoint() as fake:
        fake.script(Step(200, {"Content-Type": "text/turtle"}, answer))
        store = RemoteStore(fake.url, timeout=10)
        with pytest.raises(EndpointError, match="relative IRI <thing> and no base IRI"):
            store.query("CONSTRUCT WHERE { ?s ?p ?o }")


# -- the update token ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["mật-khẩu-cập-nhật-máy-chủ", "0123456789abcdef 0123", "0123456789abcdef\x1b[2J", "k9-7x"],
    ids=["non-ascii", "space", "control", "short"],
)
def test_an_update_token_no_header_can_carry_is_refused_at_startup(token: str) -> None:
    environment = {**os.environ, "KG_UPDATE_TOKEN": token}
    done = subprocess.run(
        [sys.executable, "-m", "kg", "serve", "--port", "0"],
        env=environment,
        capture_output=True,
        timeout=60,
    )
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2, stderr
    assert stderr.count("\n") == 1 and stderr.startswith("kg: error: $KG_UPDATE_TOKEN: "), stderr
    assert token not in stderr  # a secret is not echoed


def test_an_update_token_no_header_can_carry_is_refused_by_the_api_too() -> None:
    with pytest.raises(InputError, match="visible ASCII"):
        ServerConfig(update_token="mật-khẩu-cập-nhật-máy-chủ")
