"""Run ``kg`` under an audit hook that forbids the network and files outside a set.

Usage (tests/test_no_network.py runs it in a subprocess, because an audit hook can
never be removed once installed)::

    python tests/audit_runner.py [--allow PATH]... [--connect HOST:PORT]... -- KG ARGS...

(``KG ARGS... --and KG ARGS...`` runs several commands in the one process.)

The hook (``sys.addaudithook``) is installed before ``kg`` is imported. It refuses:

* ``socket.__new__`` (creating a socket) unless some ``--connect`` is given, and
  ``socket.connect`` / ``socket.getaddrinfo`` to anything but a ``--connect`` host and
  port (``urllib.Request`` to any other host, too);
* ``open`` of a path outside the allowed set: every ``--allow`` path (a file, or a
  folder and what is under it), kg's own source and resources (the checkout), Python's
  stdlib and site-packages (``sys.prefix``, ``sys.base_prefix``), ``/dev/null``, the
  temporary directory, and the few system files the standard library reads at import
  (``SYSTEM_FILES``);
* starting a process (``subprocess.Popen``, ``os.system``, ``os.exec*``, ``os.spawn*``).

A refused event raises ``PermissionError`` at once, so nothing leaves the machine, and
is recorded: after ``kg`` has finished, each is printed as ``AUDIT: event detail`` on
standard error and the runner exits 97, whatever kg's own exit code was (kg may have
turned the PermissionError into a clean error). Otherwise it exits with kg's code.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

VIOLATION_EXIT = 97
ROOT = Path(__file__).resolve().parent.parent

#: Read by the standard library itself (mimetypes when rdflib or werkzeug import it,
#: the resolver configuration) -- configuration, not data, and never written.
SYSTEM_FILES = frozenset(
    {
        "/etc/mime.types",
        "/etc/apache2/mime.types",
        "/etc/apache/mime.types",
        "/etc/httpd/mime.types",
        "/etc/httpd/conf/mime.types",
        "/usr/local/etc/httpd/conf/mime.types",
        "/usr/local/lib/netscape/mime.types",
        "/usr/local/etc/mime.types",
        "/etc/localtime",
        "/dev/null",
        "/dev/urandom",
    }
)


def _parse(argv: list[str]) -> tuple[list[Path], set[tuple[str, int]], list[str]]:
    allowed: list[Path] = []
    connect: set[tuple[str, int]] = set()
    if "--" not in argv:
        raise SystemExit("usage: audit_runner.py [--allow PATH]... [--connect H:P]... -- ARGS")
    split = argv.index("--")
    own, rest = argv[:split], argv[split + 1 :]
    i = 0
    while i < len(own):
        flag, value = own[i], own[i + 1]
        if flag == "--allow":
            allowed.append(Path(value).resolve())
        elif flag == "--connect":
            host, _, port = value.rpartition(":")
            connect.add((host, int(port)))
        else:
            raise SystemExit(f"unknown option {flag}")
        i += 2
    return allowed, connect, rest


def main(argv: list[str]) -> None:
    allowed, connect, args = _parse(argv)
    roots = [
        *allowed,
        ROOT / "src",
        ROOT / "ontology",
        ROOT / "data",
        ROOT / "queries",
        Path(sys.prefix).resolve(),
        Path(sys.base_prefix).resolve(),
        Path(sys.exec_prefix).resolve(),
        Path(tempfile.gettempdir()).resolve(),
    ]
    hosts = {host for host, _ in connect}
    violations: list[str] = []

    def refuse(event: str, detail: object) -> None:
        violations.append(f"{event} {detail!r}")
        raise PermissionError(f"audit_runner: {event} refused: {detail!r}")

    def path_allowed(raw: object) -> bool:
        if isinstance(raw, int):
            return True  # an already open descriptor: its opening was audited
        if isinstance(raw, bytes):
            raw = os.fsdecode(raw)
        if not isinstance(raw, str):
            return True
        if raw in SYSTEM_FILES:
            return True
        path = Path(os.path.abspath(raw))
        with contextlib.suppress(OSError):
            path = path.resolve()
        if str(path) in SYSTEM_FILES:
            return True
        return any(path == root or path.is_relative_to(root) for root in roots)

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event == "open":
            if not path_allowed(args[0]):
                refuse(event, args[0])
        elif event == "socket.__new__":
            if not connect:
                refuse(event, args)
        elif event == "socket.connect":
            address = args[1]
            if not isinstance(address, tuple) or (str(address[0]), int(address[1])) not in connect:
                refuse(event, address)
        elif event == "socket.getaddrinfo":
            host, port = args[0], args[1]
            if isinstance(host, bytes):
                host = host.decode()
            if host not in hosts or (port is not None and (str(host), int(port)) not in connect):
                refuse(event, (host, port))
        elif event == "urllib.Request":
            from urllib.parse import urlsplit

            parts = urlsplit(str(args[0]))
            port = parts.port or (443 if parts.scheme == "https" else 80)
            if (parts.hostname or "", port) not in connect:
                refuse(event, args[0])
        elif event in ("subprocess.Popen", "os.system", "os.posix_spawn") or event.startswith(
            ("os.exec", "os.spawn")
        ):
            refuse(event, args[:2])

    sys.addaudithook(hook)

    from kg.cli import main as kg_main

    # Several commands in one process: ARGS... --and ARGS... (exit: the first non-zero).
    commands: list[list[str]] = [[]]
    for arg in args:
        if arg == "--and":
            commands.append([])
        else:
            commands[-1].append(arg)
    code: object = 0
    for command in commands:
        try:
            kg_main(command)
        except SystemExit as exc:
            if exc.code not in (0, None) and code in (0, None):
                code = exc.code
    if violations:
        sys.stdout.flush()
        for violation in violations:
            print(f"AUDIT: {violation}", file=sys.stderr)
        sys.stderr.flush()
        os._exit(VIOLATION_EXIT)
    sys.exit(code)


if __name__ == "__main__":
    main(sys.argv[1:])
