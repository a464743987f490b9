"""One check of an SSSOM mapping set with the sssom package, shared by the tests of kg's
own set (test_link_sssom) and of the addresses' (test_addresses)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest


def validated_sssom(path: Path) -> Any:
    """The set at ``path`` parsed by the sssom package, after its JSON schema, prefix map
    and CURIE checks found nothing (the test is skipped without the package)."""
    pytest.importorskip("sssom")
    from sssom.constants import SchemaValidationType
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    logging.getLogger().setLevel(logging.ERROR)
    msdf = parse_sssom_table(path)
    reports = validate(
        msdf,
        validation_types=[
            SchemaValidationType.JsonSchema,
            SchemaValidationType.PrefixMapCompleteness,
            SchemaValidationType.StrictCurieFormat,
        ],
        fail_on_error=False,
    )
    for kind, report in reports.items():
        assert not report.results, (kind, [r.message for r in report.results][:3])
    return msdf
