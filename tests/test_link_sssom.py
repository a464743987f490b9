"""The SSSOM mapping set parses and validates with the sssom package."""

from __future__ import annotations

import logging

import pytest

from kg.core import paths
from kg.linking.linksets import read_reviewed

SSSOM_FILE = paths.data_dir() / "links" / "kg.sssom.tsv"


@pytest.mark.slow
def test_the_mapping_set_parses_and_validates() -> None:
    pytest.importorskip("sssom")
    from sssom.constants import SchemaValidationType
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    logging.getLogger().setLevel(logging.ERROR)
    msdf = parse_sssom_table(SSSOM_FILE)
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
    meta = msdf.metadata
    assert meta["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert meta["creator_id"] == ["body:kg-contributors"]
    df = msdf.df
    for column in ("mapping_justification", "confidence", "author_id", "mapping_date"):
        assert df[column].notna().all(), column
    # identity only where it holds: the one owl:sameAs is the country
    same = df[df.predicate_id == "owl:sameAs"]
    assert list(same.object_id) == ["wd:Q881"]


def test_every_reviewed_link_is_in_the_mapping_set_with_its_source() -> None:
    text = SSSOM_FILE.read_text(encoding="utf-8")
    for mapping in read_reviewed():
        row = mapping.row
        assert (
            f"{row['subject_id']}\t{row['subject_label']}\t{row['predicate_id']}\t{row['object_id']}"
            in text
        )
        assert "found in" in row["comment"]
