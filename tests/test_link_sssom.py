"""The SSSOM mapping set parses and validates with the sssom package."""

from __future__ import annotations

import pytest

from kg.core import paths
from kg.linking.linksets import read_reviewed
from sssom_checks import validated_sssom

SSSOM_FILE = paths.data_dir() / "links" / "kg.sssom.tsv"


@pytest.mark.slow
def test_the_mapping_set_parses_and_validates() -> None:
    msdf = validated_sssom(SSSOM_FILE)
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
