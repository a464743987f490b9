"""Where a command's answer goes, without click: stdout or a file replaced whole, never
one of the command's inputs.

Shared by the click commands (through ``kg.cli.options``) and ``kg.cli.dispatch``,
which answers ``kg query run`` without importing click.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO, cast


def binary_stdout() -> BinaryIO:
    """The byte stream under ``sys.stdout`` (what ``click.get_binary_stream("stdout")``
    gives): its ``buffer``, or the stream itself when it is one."""
    buffer = getattr(sys.stdout, "buffer", None)
    return cast(BinaryIO, buffer if buffer is not None else sys.stdout)


def emit(data: bytes, output: str) -> None:
    """Write ``data`` to ``output``: ``-`` is stdout, anything else a file, atomically."""
    if output == "-":
        stream = binary_stdout()
        stream.write(data)
        stream.flush()
        return
    from kg.core.files import write_atomic

    write_atomic(Path(output), data)


def input_files(sources: list[str] | None, *others: str | Path | None) -> list[Path]:
    """The files a command reads: the data files of ``sources`` (None: the shipped data)
    and ``others`` (a shapes file, a query file, a checks folder: the files under it)."""
    from kg.store.base import source_files

    files = list(source_files(sources))
    for other in others:
        if other is None:
            continue
        path = Path(other)
        files.extend(path.rglob("*") if path.is_dir() else [path])
    return files


def refuse_output_over_inputs(
    output: str | None, sources: list[str] | None, *others: str | Path | None
) -> None:
    """OutputError, before anything is read, if ``output`` (None or ``-``: stdout) is one
    of the files the command reads (``input_files``)."""
    if output is None or output == "-":
        return
    from kg.core.files import refuse_overwriting

    refuse_overwriting(output, input_files(sources, *others))
