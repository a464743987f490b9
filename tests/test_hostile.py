"""The catalogue of hostile inputs (tests/hostile/manifest.yaml), one test per case.

A ``cli`` case runs ``kg`` in a fresh subprocess through tests/audit_runner.py (no
network, no file outside the inputs, no process start), under a memory limit and a
time limit, and checks the exit code and the one-line error. The manifest's header
says what each field means, for ``http`` cases too.
"""

from __future__ import annotations

import http.client
import os
import resource
import shutil
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from audit_runner import VIOLATION_EXIT
from serve_helper import kg_server_factory  # noqa: F401 (fixture, for http cases)

HERE = Path(__file__).parent
HOSTILE = HERE / "hostile"
FIXTURES = HERE / "fixtures"
RUNNER = HERE / "audit_runner.py"
#: Address space of one case, bytes: an expansion bomb fails here instead of swapping.
MEMORY_LIMIT = 3 * 1024**3
DEFAULT_SECONDS = 30.0
KINDS = ("cli", "http")
_CLI_FIELDS = {"id", "kind", "what", "seconds", "file", "command", "exit", "message", "stdout"}
_CLI_FIELDS |= {"copy", "after"}
#: What an ``after`` entry may require of a path (see the manifest's header).
AFTER_CHECKS = ("symlink", "unchanged", "contains ")
_HTTP_FIELDS = {"id", "kind", "what", "seconds", "serve", "method", "path", "headers"}
_HTTP_FIELDS |= {"body", "body_file", "status", "message", "unchanged"}


def load_cases() -> list[dict[str, Any]]:
    document = yaml.safe_load((HOSTILE / "manifest.yaml").read_text(encoding="utf-8"))
    cases: list[dict[str, Any]] = document["cases"]
    return cases


CASES = load_cases()


def test_manifest_is_well_formed() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids)), "duplicate ids"
    used: set[Path] = set()
    for case in CASES:
        assert case.get("kind") in KINDS, case["id"]
        assert case.get("what"), f"{case['id']}: say what the case tries"
        allowed = _CLI_FIELDS if case["kind"] == "cli" else _HTTP_FIELDS
        assert set(case) <= allowed, f"{case['id']}: unknown fields {set(case) - allowed}"
        if case["kind"] == "cli":
            assert isinstance(case["command"], list)
            assert (HOSTILE / case["file"]).exists(), case["id"]
            assert case["exit"] != 2 or case.get("message"), f"{case['id']}: exit 2 needs message"
            for path, check in case.get("after", {}).items():
                assert str(check).startswith(AFTER_CHECKS), f"{case['id']}: after {path}: {check}"
                assert not Path(path).is_absolute() and ".." not in Path(path).parts, case["id"]
            used.add((HOSTILE / case["file"]).resolve())
        if case["kind"] == "http":
            assert str(case["path"]).startswith("/"), case["id"]
            assert isinstance(case["status"], int), case["id"]
            for arg in case.get("serve", []):
                if "{dir}" in arg:
                    used.add(Path(arg.replace("{dir}", str(HOSTILE))).resolve())
        if case.get("body_file"):
            assert (HOSTILE / case["body_file"]).is_file(), case["id"]
            used.add((HOSTILE / case["body_file"]).resolve())
    # Every input file is some case's (data.ttl is the benign data shapes cases check).
    inputs = {
        p.resolve()
        for p in HOSTILE.rglob("*")
        if p.is_file()
        and p.name not in ("manifest.yaml", "data.ttl")
        and not p.name.startswith(".")
    }
    unused = {p for p in inputs if not ({p, *p.parents} & used)}
    assert not unused, f"files no case uses: {sorted(p.name for p in unused)}"


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _input(case: dict[str, Any], tmp: Path) -> Path:
    """The case's input: in this folder, or its copy in ``tmp`` for a case with copy."""
    original = (HOSTILE / case.get("file", "")).resolve()
    return tmp / original.name if case.get("copy") else original


def _copy_input(case: dict[str, Any], tmp: Path) -> None:
    # Symbolic links stay links: some cases are about writing onto one.
    original = HOSTILE / case["file"]
    if original.is_dir():
        shutil.copytree(original, _input(case, tmp), symlinks=True)
    else:
        shutil.copy2(original, _input(case, tmp), follow_symlinks=False)


def _check_after(case: dict[str, Any], tmp: Path) -> None:
    """The ``after`` requirements of a case, and what every case must leave: no
    temporary file of kg's writer (``.NAME.PID.RANDOM.tmp``) anywhere under ``tmp``."""
    leftovers = [p for p in tmp.rglob(".*.tmp") if p.is_file()]
    assert not leftovers, f"temporary files left: {leftovers}"
    original_folder = (HOSTILE / case.get("file", "")).parent
    for name, check in case.get("after", {}).items():
        path = tmp / name
        if check == "symlink":
            assert path.is_symlink(), f"{name} is no longer a symbolic link"
        elif check == "unchanged":
            before = (original_folder / name).read_bytes()
            assert path.read_bytes() == before, f"{name} was changed"
        else:
            text = str(check).removeprefix("contains ")
            assert text in path.read_text(encoding="utf-8"), f"{name} lacks {text!r}"


def _expand(arg: str, case: dict[str, Any], tmp: Path) -> str:
    return arg.format(
        file=str(_input(case, tmp)),
        dir=str(HOSTILE.resolve()),
        fixtures=str(FIXTURES.resolve()),
        tmp=str(tmp),
    )


def run_cli(case: dict[str, Any], tmp: Path) -> None:
    if case.get("copy"):
        _copy_input(case, tmp)
    args = [_expand(a, case, tmp) for a in case["command"]]
    command = [sys.executable, str(RUNNER), "--allow", str(HOSTILE), "--allow", str(FIXTURES)]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    limit = float(case.get("seconds", DEFAULT_SECONDS))
    started = time.monotonic()
    try:
        done = subprocess.run(
            [*command, "--", *args],
            capture_output=True,
            timeout=limit,
            preexec_fn=_limit_memory,
            env=env,
            cwd=tmp,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{case['id']}: still running after {limit} s")
    elapsed = time.monotonic() - started
    stderr = done.stderr.decode("utf-8", "replace")
    stdout = done.stdout.decode("utf-8", "replace")
    assert done.returncode != VIOLATION_EXIT, f"network or file access:\n{stderr}"
    assert "Traceback" not in stderr, stderr
    assert "MemoryError" not in stderr, stderr
    assert done.returncode == case["exit"], f"exit {done.returncode}, stderr:\n{stderr[-2000:]}"
    errors = [line for line in stderr.splitlines() if line.startswith("kg: error:")]
    if case["exit"] == 2:
        assert len(errors) == 1, stderr
        assert case["message"] in errors[0], errors[0]
        named = _expand("{file}", case, tmp)
        assert named in errors[0] or case["file"] in errors[0], f"file not named: {errors[0]}"
    else:
        assert not errors, stderr
    if case.get("stdout"):
        assert case["stdout"] in stdout, stdout[-2000:]
    _check_after(case, tmp)
    assert elapsed <= limit


def _http(
    base: str, method: str, path: str, body: bytes | None, headers: dict[str, str], timeout: float
) -> tuple[int, bytes]:
    parsed = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _quads(base: str) -> int:
    status, body = _http(base, "GET", "/health", None, {}, 10)
    assert status == 200
    return int(body.split()[1])


def run_http(case: dict[str, Any], tmp: Path, start_server: Callable[..., str]) -> None:
    base = start_server(*[_expand(a, case, tmp) for a in case.get("serve", [])])
    if "body_file" in case:
        body: bytes | None = (HOSTILE / case["body_file"]).read_bytes()
    elif "body" in case:
        body = str(case["body"]).encode("utf-8")
    else:
        body = None
    limit = float(case.get("seconds", DEFAULT_SECONDS))
    before = _quads(base) if case.get("unchanged") else None
    started = time.monotonic()
    status, answer = _http(
        base, case.get("method", "GET"), case["path"], body, dict(case.get("headers", {})), limit
    )
    elapsed = time.monotonic() - started
    text = answer.decode("utf-8", "replace")
    assert status == case["status"], f"HTTP {status}: {text[:500]}"
    if status >= 400:
        # One line, no traceback, no path of the server's files.
        assert text.strip() and "\n" not in text.strip(), text[:2000]
        assert "Traceback" not in text and str(HERE.parent) not in text, text[:2000]
    if case.get("message"):
        assert case["message"] in text, text[:2000]
    if before is not None:
        assert _quads(base) == before, "the request changed the data"
    assert elapsed <= limit, f"{elapsed:.1f} s"


#: Cli cases that take more than a few seconds (deep-union.rq: 5,000 UNION branches, ~7 s).
SLOW_CASES = {"deep-union.rq"}


def _marks(case: dict[str, Any]) -> list[pytest.MarkDecorator]:
    # An http case starts a kg serve (tests/serve_helper.py); a cli case is one process.
    if case["kind"] == "http":
        return [pytest.mark.external]
    return [pytest.mark.slow] if case["id"] in SLOW_CASES else []


@pytest.mark.parametrize(
    "case", [pytest.param(case, id=case["id"], marks=_marks(case)) for case in CASES]
)
def test_hostile(case: dict[str, Any], tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if case["kind"] == "cli":
        run_cli(case, tmp_path)
    else:
        run_http(case, tmp_path, request.getfixturevalue("kg_server_factory"))
