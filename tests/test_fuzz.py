"""Random and mutated inputs make the CLI exit 0, 1 or 2 with one line: never a
traceback, a hang or a memory blow-up (hypothesis, deterministic: tests/conftest.py).

* In process (click's CliRunner, fast): Turtle, TriG, JSON-LD and SPARQL, random or
  mutated from real files (data/void.trig, the fixtures, a JSON-LD export, the stored
  queries): bytes flipped, inserted, deleted; invalid UTF-8, NUL bytes, huge numbers,
  long IRIs, deep nesting (JSON-LD 10,000 deep, SPARQL 5,000 nested groups). Any
  exception other than a clean exit fails the test; an exit 2 must come with exactly
  one ``kg: error:`` line.
* In a subprocess (fewer inputs): the same kind of inputs under RLIMIT_AS and an alarm
  per input, so that a hang or a memory blow-up fails the test instead of the run.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from click.testing import CliRunner  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from kg.cli import cli  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SMALL_DATA = FIXTURES / "conforming"

#: Per input, in the subprocess run.
SECONDS = 10
MEMORY = 2 * 1024**3


def _seeds() -> dict[str, list[bytes]]:
    from kg.io.parse import load
    from kg.io.serialise import export

    jsonld = export(load([FIXTURES / "ontology", SMALL_DATA]), "json-ld")
    return {
        "trig": [
            (ROOT / "data" / "void.trig").read_bytes(),
            (SMALL_DATA / "facts.trig").read_bytes(),
        ],
        "ttl": [(FIXTURES / "ontology" / "kg.ttl").read_bytes()],
        "jsonld": [jsonld],
        "rq": [p.read_bytes() for p in sorted((ROOT / "queries").glob("*.rq"))[:8]],
    }


SEEDS = _seeds()

# Fragments that mean something to one of the parsers, or to none.
TOKENS = [
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xe1\xbb",
    b"\xed\xa0\x80",
    b"\xef\xbb\xbf",
    b"{",
    b"}",
    b"[",
    b"]",
    b"(",
    b")",
    b"<",
    b">",
    b'"',
    b"'",
    b'"""',
    b"\\",
    b"\\u0000",
    b"@prefix",
    b"@base",
    b"PREFIX",
    b"GRAPH",
    b"SERVICE",
    b"FROM",
    b"OPTIONAL",
    b"FILTER(",
    b"@context",
    b'"@id"',
    b'"@graph"',
    b'"@list"',
    b'"@value"',
    b'"@type"',
    b"@import",
    b"9" * 5000,
    b"1e999999",
    b"-0.0e-99999",
    b"<https://example.org/" + b"a" * 5000 + b">",
    b"^^<http://www.w3.org/2001/XMLSchema#integer>",
    b"@vi-VN",
    b"_:b",
    b";",
    b",",
    b".",
    "Nam Trực".encode(),
    "Nam Tru\u031b\u0323c".encode(),
]


@st.composite
def mutated(draw: st.DrawFn, kind: str) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS[kind])))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        op = draw(st.sampled_from(["flip", "insert", "token", "delete", "nest", "truncate"]))
        at = draw(st.integers(min_value=0, max_value=len(data)))
        if op == "flip" and data:
            i = min(at, len(data) - 1)
            data[i] ^= 1 << draw(st.integers(min_value=0, max_value=7))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif op == "delete":
            del data[at : at + draw(st.integers(min_value=1, max_value=64))]
        elif op == "nest":
            depth = draw(st.sampled_from([50, 500, 5000]))
            opener, closer = draw(st.sampled_from([(b"{", b"}"), (b"[", b"]"), (b"(", b")")]))
            data[at:at] = opener * depth + closer * draw(st.sampled_from([0, depth]))
        elif op == "truncate":
            del data[at:]
    return bytes(data)


def deep(kind: str, depth: int) -> bytes:
    if kind == "jsonld":
        inner = '{"https://example.org/p": ' * depth + '"x"' + "}" * depth
        return ('{"@id": "https://example.org/x", "https://example.org/p": ' + inner + "}").encode()
    if kind == "rq":
        return ("SELECT * WHERE " + "{ " * depth + "?s ?p ?o " + "} " * depth).encode()
    return (
        "<https://example.org/x> <https://example.org/p> "
        + "[ <https://example.org/p> " * depth
        + '"x"'
        + " ]" * depth
        + " ."
    ).encode()


def inputs(kind: str) -> st.SearchStrategy[bytes]:
    return st.one_of(
        mutated(kind),
        mutated(kind),
        mutated(kind),
        st.binary(max_size=200),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.sampled_from([100, 1000, 5000, 10_000]).map(lambda d: deep(kind, d)),
    )


EXTENSION = {"trig": ".trig", "ttl": ".ttl", "jsonld": ".jsonld", "rq": ".rq"}


def command(kind: str, path: Path) -> list[str]:
    if kind == "rq":
        return ["sparql", "--data", str(SMALL_DATA), "-f", "csv", str(path)]
    return ["export", "-f", "nt", str(path)]


def check_in_process(kind: str, data: bytes, tmp: Path) -> None:
    path = tmp / f"input{EXTENSION[kind]}"
    path.write_bytes(data)
    result = CliRunner().invoke(cli, command(kind, path), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        trace = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"{kind}: {type(result.exception).__name__} for {data[:300]!r}\n{trace}")
    assert result.exit_code in (0, 2), (result.exit_code, result.output[-1000:])
    if result.exit_code == 2:
        errors = [line for line in result.stderr.splitlines() if line.startswith("kg: error:")]
        assert len(errors) == 1, result.stderr[-2000:]
        assert "Traceback" not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(EXTENSION))
@settings(max_examples=300)
@given(data=st.data())
def test_cli_survives(
    kind: str, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    check_in_process(kind, data.draw(inputs(kind)), tmp_path_factory.mktemp("fuzz"))


# -- hangs and memory: a subprocess under limits -----------------------------------------

_RUNNER = r"""
import resource, signal, sys, traceback
resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
def alarm(*_):
    raise TimeoutError("alarm")
signal.signal(signal.SIGALRM, alarm)
from kg.cli import main
for line in sys.stdin:
    args = line.rstrip("\n").split("\t")
    signal.alarm({seconds})
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code
    except BaseException:
        print("FAIL", args[-1], traceback.format_exc().replace("\n", " | "), flush=True)
        continue
    finally:
        signal.alarm(0)
    print("EXIT", code, args[-1], flush=True)
"""


@pytest.mark.slow
def test_no_hang_or_memory_blow_up(tmp_path: Path) -> None:
    rng = random.Random(7)
    lines = []
    for kind in sorted(EXTENSION):
        for i in range(12):
            data = bytearray(rng.choice(SEEDS[kind]))
            for _ in range(rng.randint(1, 4)):
                at = rng.randint(0, len(data))
                data[at:at] = rng.choice(TOKENS) if rng.random() < 0.7 else rng.randbytes(4)
            if i % 4 == 0:
                data = bytearray(deep(kind, rng.choice([1000, 5000, 10_000])))
            path = tmp_path / f"{kind}-{i}{EXTENSION[kind]}"
            path.write_bytes(bytes(data))
            lines.append("\t".join(command(kind, path)))
    script = _RUNNER.format(memory=MEMORY, seconds=SECONDS)
    done = subprocess.run(
        [sys.executable, "-c", script],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=SECONDS * len(lines),
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    results = [line for line in done.stdout.splitlines() if line.startswith(("EXIT", "FAIL"))]
    failures = [line for line in results if line.startswith("FAIL")]
    assert not failures, "\n".join(failures)
    assert len(results) == len(lines), done.stderr[-3000:]
    assert all(line.split()[1] in ("0", "2") for line in results), results
    assert "Traceback" not in done.stderr, done.stderr[-3000:]


def test_seeds_are_valid_inputs(tmp_path: Path) -> None:
    # The mutations start from inputs kg accepts, so that they reach deep into the parsers.
    for kind, seeds in SEEDS.items():
        for i, data in enumerate(seeds):
            path = tmp_path / f"seed{i}{EXTENSION[kind]}"
            path.write_bytes(data)
            result = CliRunner().invoke(cli, command(kind, path))
            assert result.exit_code == 0, (kind, i, result.output[-500:])
    assert json.loads(SEEDS["jsonld"][0])["@graph"]
