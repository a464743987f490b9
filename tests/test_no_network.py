"""No network unless asked: the whole pipeline under an audit hook.

Each command runs in a fresh subprocess through tests/audit_runner.py, which installs
a ``sys.addaudithook`` hook before ``kg`` is imported (a hook cannot be removed, so it
never goes into the pytest process). The hook refuses, and the runner then exits 97:
creating a socket, ``socket.connect``, ``socket.getaddrinfo``, ``urllib.Request``,
starting a process, and ``open`` of a path outside the inputs, kg's own files, Python's
installation, ``/dev/null`` and the temporary directory.

* Every command that reads data (validate on both engines, export in every format,
  stats, build, every stored query, ad-hoc SPARQL) on the shipped data: exit 0, no
  access refused.
* The hostile inputs that try to make kg fetch (remote @context, owl:imports, SHACL-JS,
  SERVICE, FROM, external entities) are cases of tests/hostile/manifest.yaml, run under
  the same hook by tests/test_hostile.py.
* ``--endpoint``: the only connections are to the host and port the user named.
* The hook itself works: an open outside the set, or a connection elsewhere, is caught.

What the hook cannot see: native code that opens sockets without Python (pyoxigraph's
SERVICE client). That is why SERVICE and FROM are refused by reading the query text,
before any engine (tests/hostile: checks-service on the turbo engine).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit_runner import VIOLATION_EXIT
from fake_endpoint import FakeEndpoint, Step
from kg.io import formats
from kg.sparql.catalogue import names

EXPORT_NAMES = formats.names(formats.export_formats())

HERE = Path(__file__).parent
RUNNER = HERE / "audit_runner.py"


def audited(
    *args: str, allow: tuple[Path, ...] = (), connect: tuple[str, ...] = (), cwd: Path
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(RUNNER)]
    for path in allow:
        command += ["--allow", str(path)]
    for address in connect:
        command += ["--connect", address]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [*command, "--", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
    )


def assert_clean(done: subprocess.CompletedProcess[str], code: int = 0) -> None:
    assert done.returncode != VIOLATION_EXIT, done.stderr
    assert "AUDIT:" not in done.stderr
    assert done.returncode == code, done.stderr[-3000:]


PIPELINE = [
    # pyshacl takes ~12 s on the shipped data; its code path is the same on the fixtures.
    pytest.param(
        [
            *("validate", "--engine", "pyshacl", "{fixtures}/ontology", "{fixtures}/conforming"),
            *("--shapes", "{fixtures}/shapes.ttl", "--checks", "{fixtures}/checks"),
        ],
        id="validate-pyshacl",
    ),
    pytest.param(["validate", "--engine", "turbo"], id="validate-turbo"),
    pytest.param(["validate", "--format", "turtle"], id="validate-report"),
    *(pytest.param(["export", "-f", fmt], id=f"export-{fmt}") for fmt in EXPORT_NAMES),
    pytest.param(["export", "-f", "trig", "-o", "{tmp}/out.trig"], id="export-to-file"),
    pytest.param(["stats", "--format", "json"], id="stats"),
    pytest.param(["build", "-d", "{tmp}/dist"], id="build"),
    pytest.param(
        ["sparql", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"], id="sparql"
    ),
    pytest.param(["sparql", "--data", "{data}", "ASK { GRAPH ?g { ?s ?p ?o } }"], id="sparql-data"),
    pytest.param(["query", "list"], id="query-list"),
]


@pytest.mark.parametrize("args", PIPELINE)
def test_pipeline_makes_no_network_request(args: list[str], tmp_path: Path) -> None:
    fixtures = HERE / "fixtures"
    data = fixtures / "conforming"
    expanded = [
        a.replace("{tmp}", str(tmp_path))
        .replace("{data}", str(data))
        .replace("{fixtures}", str(fixtures))
        for a in args
    ]
    assert_clean(audited(*expanded, allow=(fixtures,), cwd=tmp_path))
    if "build" in args:
        # One file per export format, the links as SSSOM and their catalogue
        # (kg.publish.dcat).
        written = sorted(p.name for p in (tmp_path / "dist").iterdir())
        assert [n for n in written if n.endswith(".catalog.ttl")] == ["kg-0.1.0.catalog.ttl"]
        mappings = f"kg-0.1.0.{formats.MAPPINGS_RELEASE}"
        assert mappings in written
        written.remove(mappings)
        gazetteer = [n for n in written if f".{formats.GAZETTEER_RELEASE}." in n]
        assert sorted(Path(n).suffix for n in gazetteer) == sorted(
            f".{e.extension}" for e in formats.gazetteer_formats()
        )
        kg_files = [n for n in written if n not in gazetteer and not n.endswith(".catalog.ttl")]
        assert sorted(Path(n).suffix for n in kg_files) == sorted(
            f".{e.extension}" for e in formats.export_formats()
        )


@pytest.mark.slow
def test_every_stored_query_makes_no_network_request(tmp_path: Path) -> None:
    commands: list[str] = []
    for name in names():
        commands += [*(["--and"] if commands else []), "query", "run", name, "-f", "csv"]
    assert_clean(audited(*commands, cwd=tmp_path))


# -- remote access only where asked --------------------------------------------------------

_EMPTY_SELECT = Step(
    200,
    {"Content-Type": "application/sparql-results+json"},
    b'{"head": {"vars": []}, "results": {"bindings": []}}',
)


@pytest.fixture
def endpoint() -> Iterator[FakeEndpoint]:
    with FakeEndpoint() as fake:
        yield fake


def test_endpoint_is_the_only_connection(endpoint: FakeEndpoint, tmp_path: Path) -> None:
    endpoint.script("ok")
    done = audited(
        "sparql",
        "ASK { ?s ?p ?o }",
        "--endpoint",
        endpoint.url,
        connect=(f"127.0.0.1:{endpoint.port}",),
        cwd=tmp_path,
    )
    assert_clean(done)
    assert "true" in done.stdout
    # One POST (kg.sparql.remote posts every query), no retry, no second connection.
    assert [method for method, _ in endpoint.requests] == ["POST"]


def test_stored_query_on_endpoint_connects_only_there(
    endpoint: FakeEndpoint, tmp_path: Path
) -> None:
    endpoint.script(_EMPTY_SELECT)
    done = audited(
        "query",
        "run",
        "places",
        "--endpoint",
        endpoint.url,
        "-f",
        "csv",
        connect=(f"127.0.0.1:{endpoint.port}",),
        cwd=tmp_path,
    )
    assert_clean(done)
    assert len(endpoint.requests) == 1


def test_hook_catches_a_connection_elsewhere(endpoint: FakeEndpoint, tmp_path: Path) -> None:
    # The same command, allowed a different port: the hook must stop it.
    endpoint.script("ok")
    done = audited(
        "sparql",
        "ASK { ?s ?p ?o }",
        "--endpoint",
        endpoint.url,
        connect=(f"127.0.0.1:{endpoint.port + 1}",),
        cwd=tmp_path,
    )
    assert done.returncode == VIOLATION_EXIT
    assert "AUDIT: " in done.stderr
    assert endpoint.requests == []


def test_hook_catches_a_file_outside_the_inputs(tmp_path: Path) -> None:
    outside = Path("/etc/hostname") if Path("/etc/hostname").is_file() else Path("/etc/passwd")
    done = audited("sparql", str(outside), cwd=tmp_path)
    assert done.returncode == VIOLATION_EXIT
    assert f"AUDIT: open '{outside}'" in done.stderr


def test_hook_catches_a_socket_when_no_endpoint_is_named(tmp_path: Path) -> None:
    done = audited(
        "sparql", "ASK { ?s ?p ?o }", "--endpoint", "http://192.0.2.1/sparql", cwd=tmp_path
    )
    assert done.returncode == VIOLATION_EXIT
    assert "AUDIT: urllib.Request" in done.stderr


#: Inputs that try to make kg fetch or read something: each is a case of the hostile
#: catalogue, which runs it under this same hook (tests/test_hostile.py).
FETCHING = (
    "remote-context.jsonld",
    "remote-import.jsonld",
    "file-context.jsonld",
    "owl-imports.ttl",
    "owl-imports.trig",
    "shapes-js.ttl",
    "shapes-service.ttl",
    "shapes-from.ttl",
    "shapes-owl-imports.ttl",
    "checks-service",
    "service.rq",
    "service-escaped.rq",
    "from-remote.rq",
    "from-named-remote.rq",
    "from-escaped.rq",
    "xxe-passwd.rdf",
    "xxe-remote-dtd.rdf",
    "xinclude.rdf",
)


def test_fetching_inputs_run_under_the_hook() -> None:
    from test_hostile import CASES

    audited_ids = {case["id"] for case in CASES if case["kind"] == "cli"}
    assert set(FETCHING) <= audited_ids, sorted(set(FETCHING) - audited_ids)


@pytest.mark.external
def test_push_connects_only_to_the_named_store(tmp_path: Path) -> None:
    """kg push to a real Oxigraph server under the hook: it reaches that host and port
    and nothing else, and every graph arrives (exit 0)."""
    from oxigraph_server import OxigraphServer

    with OxigraphServer(tmp_path / "oxigraph") as server:
        done = audited(
            "push",
            "--endpoint",
            server.query_url,
            connect=(f"127.0.0.1:{server.port}",),
            cwd=tmp_path,
        )
        assert_clean(done)
        assert "mismatch" not in done.stdout
