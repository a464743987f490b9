"""The download URLs of the release catalogue download: ``kg serve --dist DIR`` answers
each ``dcat:downloadURL`` (under the project's base, as the w3id redirect sends it) with
the file ``kg build -d DIR`` wrote, the bytes the catalogue gives the size and SHA-256 of.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT

from kg.core.namespaces import BASE, SPDX
from kg.io.formats import IANA_MEDIA_TYPES
from serve_helper import kg_server, kg_server_factory  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.slow, pytest.mark.external]


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "kg", "build", "-d", str(folder)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return folder


@pytest.fixture(scope="module")
def catalogue(release: Path) -> Graph:
    [path] = release.glob("*.catalog.ttl")
    return Graph().parse(path, format="turtle")


@pytest.fixture(scope="module")
def served(release: Path, kg_server_factory) -> str:  # noqa: F811
    return str(kg_server_factory("--dist", str(release)))


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    """The status, headers (their names in any case) and body of a GET of ``url``."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def on_server(url: URIRef, server: str) -> str:
    """Where the w3id redirect sends a download URL: the same path on the server."""
    assert str(url).startswith(BASE + "dist/"), url
    return server + "/" + str(url)[len(BASE) :]


def test_every_download_url_gives_the_bytes_the_catalogue_describes(
    catalogue: Graph, served: str
) -> None:
    downloads = sorted(set(catalogue.subject_objects(DCAT.downloadURL)))
    # kg in six formats, the gazetteer in two, the mapping set as SSSOM.
    assert len(downloads) == 9
    for distribution, url in downloads:
        assert isinstance(url, URIRef)
        status, headers, body = fetch(on_server(url, served))
        assert status == 200, (url, body[:200])
        size = int(catalogue.value(distribution, DCAT.byteSize))
        checksum = catalogue.value(distribution, SPDX.checksum)
        digest = str(catalogue.value(checksum, SPDX.checksumValue))
        assert len(body) == size, url
        assert hashlib.sha256(body).hexdigest() == digest, url
        assert int(headers["Content-Length"]) == size
        assert headers["ETag"] == f'"{digest}"'
        media = str(catalogue.value(distribution, DCAT.mediaType))
        assert headers["Content-Type"].split(";")[0] == media.removeprefix(IANA_MEDIA_TYPES)


def test_a_download_already_held_is_not_sent_again(catalogue: Graph, served: str) -> None:
    url = next(iter(catalogue.objects(None, DCAT.downloadURL)))
    assert isinstance(url, URIRef)
    _, headers, _ = fetch(on_server(url, served))
    status, _, body = fetch(on_server(url, served), {"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")


def test_the_release_catalogue_is_served_beside_the_files(release: Path, served: str) -> None:
    [path] = release.glob("*.catalog.ttl")
    status, headers, body = fetch(f"{served}/dist/{path.name}")
    assert (status, body) == (200, path.read_bytes())
    assert headers["Content-Type"] == "text/turtle; charset=utf-8"


def test_the_served_description_names_this_servers_downloads(served: str) -> None:
    status, _, body = fetch(f"{served}/catalog", {"Accept": "text/turtle"})
    assert status == 200
    described = Graph().parse(data=body, format="turtle")
    downloads = {str(o) for o in described.objects(None, DCAT.downloadURL)}
    assert downloads and all(url.startswith(f"{served}/dist/kg-") for url in downloads)
    for url in downloads:
        assert fetch(url, {"Range": "bytes=0-0"})[0] == 206, url


@pytest.mark.parametrize(
    "path",
    ["/dist/pyproject.toml", "/dist/..%2Fpyproject.toml", "/dist/sub/kg-0.1.0.ttl", "/dist/kg-x"],
)
def test_nothing_but_a_release_file_is_served_from_the_folder(served: str, path: str) -> None:
    status, _, body = fetch(served + path)
    assert status == 404, body[:200]


def test_without_dist_a_download_url_says_where_the_files_are(kg_server: str) -> None:  # noqa: F811
    status, headers, body = fetch(f"{kg_server}/dist/kg-0.1.0.ttl", {"Accept": "text/html"})
    assert status == 404
    assert "kg serve --dist DIR" in body.decode("utf-8")
    assert not headers["Content-Type"].startswith("text/html")
