"""The ``#+`` header of a stored query, read without a YAML parser when it is plain.

A header is YAML (grlc's convention), and PyYAML takes longer to import than a stored
query takes to run. The shipped headers use a small part of YAML: ``key: value`` at the
top (the value may be a whole number: ``pagination: 100``), folded text (``key: >`` and
indented lines), and lists of plain values or of one-key mappings (``defaults``,
``enumerate``). ``read`` reads exactly that part and gives what ``yaml.safe_load`` gives
for it; for anything else (another indicator, a quote it would have to unescape, another
value YAML reads as a number, a boolean, a date or null, a comment, a blank line) it
returns None, and the caller asks PyYAML. A test
compares the two on every shipped header and on headers made to trip it.
"""

from __future__ import annotations

import re
from typing import Any

_KEY = r"[A-Za-z_][A-Za-z0-9_-]*"
_ENTRY = re.compile(rf"( *)({_KEY}):(?: (.*))?\Z")
_ITEM = re.compile(r"( *)- (.*)\Z")
# What starts a YAML plain scalar that is not plain text (an indicator), or makes YAML
# read it as something other than a string (numbers, dates, null, merge keys).
_NOT_PLAIN_START = re.compile(r"[-?:,\[\]{}#&*!|>'\"%@`~=<.+0-9]")
_NOT_TEXT = frozenset(["y", "n", "yes", "no", "true", "false", "on", "off", "null"])
# A number YAML 1.1 reads as a decimal int (grlc's ``pagination: 100``); a leading zero
# would make it octal.
_DECIMAL = re.compile(r"[1-9][0-9]*\Z")


def read(lines: list[str]) -> dict[str, Any] | None:
    """What ``yaml.safe_load`` makes of ``lines`` (the header, ``#+`` removed), or None
    when they are not the plain subset this reads."""
    if not lines or any(
        not line.strip() or "\t" in line or line != line.rstrip() for line in lines
    ):
        return None
    indent = len(lines[0]) - len(lines[0].lstrip(" "))
    out: dict[str, Any] = {}
    at = 0
    while at < len(lines):
        entry = _ENTRY.match(lines[at])
        if entry is None or len(entry.group(1)) != indent or entry.group(2) in out:
            return None
        if entry.group(2).lower() in _NOT_TEXT:
            return None
        key, rest = entry.group(2), entry.group(3)
        block, at = _block(lines, at + 1, indent)
        value: str | int | list[Any] | None
        if rest is not None and _DECIMAL.match(rest) and not block:
            value = int(rest)
        elif rest == ">":
            # The last line of the header has no line break for YAML to keep.
            value = _folded(block, indent, final_newline=at < len(lines))
        elif rest is None or rest == "":
            value = _sequence(block, indent)
        elif block:
            return None
        else:
            value = _scalar(rest)
        if value is None:
            return None
        out[key] = value
    return out


def _block(
    lines: list[str], start: int, indent: int, items_alongside: bool = True
) -> tuple[list[str], int]:
    """The lines from ``start`` that belong to the line above them: more indented, or,
    for a mapping's entry (``items_alongside``), list items at its indent (YAML allows a
    mapping's list there)."""
    end = start
    while end < len(lines):
        line = lines[end]
        depth = len(line) - len(line.lstrip(" "))
        alongside = items_alongside and depth == indent and line[depth:].startswith("- ")
        if depth > indent or alongside:
            end += 1
        else:
            break
    return lines[start:end], end


def _folded(block: list[str], indent: int, final_newline: bool) -> str | None:
    # Folded text whose lines all have one indent: joined by spaces, one final newline.
    if not block:
        return None
    depth = len(block[0]) - len(block[0].lstrip(" "))
    if depth <= indent or any(len(line) - len(line.lstrip(" ")) != depth for line in block):
        return None
    return " ".join(line[depth:] for line in block) + ("\n" if final_newline else "")


def _sequence(block: list[str], indent: int) -> list[Any] | None:
    """A list of plain values, of one-key mappings to a plain value, or of one-key
    mappings to a list of plain values."""
    if not block:
        return None
    first = _ITEM.match(block[0])
    if first is None:
        return None
    depth = len(first.group(1))
    items: list[Any] = []
    at = 0
    while at < len(block):
        item = _ITEM.match(block[at])
        if item is None or len(item.group(1)) != depth:
            return None
        body = item.group(2)
        nested, at = _block(block, at + 1, depth, items_alongside=False)
        entry = _ENTRY.match(body)
        if entry is not None:
            key, rest = entry.group(2), entry.group(3)
            if key.lower() in _NOT_TEXT:
                return None
            if rest is None or rest == "":
                inner = _sequence(nested, depth) if nested else None
                if inner is None or any(not isinstance(v, str) for v in inner):
                    return None
                items.append({key: inner})
                continue
            value = _scalar(rest)
            if value is None or nested:
                return None
            items.append({key: value})
            continue
        value = _scalar(body)
        if value is None or nested:
            return None
        items.append(value)
    return items


def _scalar(text: str) -> str | None:
    """A one-line value: plain text, or double-quoted without escapes."""
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        inner = text[1:-1]
        return None if '"' in inner or "\\" in inner else inner
    if (
        not text
        or _NOT_PLAIN_START.match(text)
        or ": " in text
        or " #" in text
        or text.endswith(":")
        or text.lower() in _NOT_TEXT
    ):
        return None
    return text
