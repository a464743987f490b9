"""Waiting for a server a test started, and stopping it (shared by the helpers that
start them)."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest


def wait_until_answering(
    url: str,
    process: subprocess.Popen[bytes],
    seconds: float,
    name: str,
    log: Callable[[], str] = lambda: "",
    on_timeout: Callable[[], None] | None = None,
) -> None:
    """Return once ``url`` answers 200; fail the test if ``process`` exits first (with
    the end of its ``log``) or nothing answers within ``seconds`` (``on_timeout`` runs
    first: stop the server)."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            pytest.fail(f"{name} exited with {process.returncode}: {log()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            if on_timeout is not None:
                on_timeout()
            pytest.fail(f"{name} did not answer {url} within {seconds:g} s")
        time.sleep(0.1)


def stop_process(process: subprocess.Popen[bytes] | None, seconds: float = 10) -> None:
    """SIGTERM ``process`` if it still runs, and SIGKILL it after ``seconds``."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
