"""kg link wikidata against a real local Oxigraph holding a Wikidata-shaped fixture."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.oxigraph_server import OxigraphServer

from kg.cli import cli
from kg.core.namespaces import KIND_NS

FIXTURE = Path(__file__).parent / "fixtures" / "wikidata" / "places.ttl"
PLACE = KIND_NS["place"]
WD = "http://www.wikidata.org/entity/"


@pytest.fixture(scope="module")
def wikidata(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with OxigraphServer(tmp_path_factory.mktemp("wikidata")) as server:
        server.load(FIXTURE.read_bytes(), "text/turtle")
        yield server.query_url


def _candidates(endpoint: str, *only: str) -> list[dict[str, str]]:
    args = ["link", "wikidata", "--endpoint", endpoint, "--timeout", "20"]
    for iri in only:
        args += ["--only", iri]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    lines = [ln for ln in result.output.splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines)), delimiter="\t"))


@pytest.mark.external
def test_the_district_is_found_by_name_and_osm_relation_and_ranked_first(wikidata: str) -> None:
    rows = _candidates(wikidata, str(PLACE["huyen-nam-truc"]))
    assert rows[0]["object_id"] == WD + "Q990000011"
    assert rows[0]["score"] == "1.00"
    assert rows[0]["evidence"] == "name,osm,country,type,parent"
    # the 2025 commune called Nam Trực: same name, wrong type and parent
    other = next(r for r in rows if r["object_id"] == WD + "Q990000021")
    assert float(other["score"]) < 0.6
    assert "parent" not in other["evidence"] and "type" not in other["evidence"]


@pytest.mark.external
def test_a_same_named_commune_elsewhere_is_not_a_good_candidate(wikidata: str) -> None:
    rows = _candidates(wikidata, str(PLACE["xa-dien-xa"]))
    assert [r["object_id"] for r in rows] == [WD + "Q990000031"]
    assert "parent" not in rows[0]["evidence"]
    assert float(rows[0]["score"]) <= 0.6


@pytest.mark.external
def test_topics_are_found_by_english_label(wikidata: str) -> None:
    rows = _candidates(wikidata, str(KIND_NS["topic"]["covid-19"]))
    assert rows[0]["object_id"] == WD + "Q81068910"


@pytest.mark.external
def test_every_place_and_topic_gets_a_query_and_output_is_deterministic(wikidata: str) -> None:
    assert _candidates(wikidata) == _candidates(wikidata)


def test_an_endpoint_that_does_not_answer_is_one_line_and_exit_2() -> None:
    from tests.oxigraph_server import free_port

    result = CliRunner().invoke(
        cli,
        [
            "link",
            "wikidata",
            "--endpoint",
            f"http://127.0.0.1:{free_port()}/sparql",
            "--only",
            str(PLACE["huyen-nam-truc"]),
            "--timeout",
            "2",
        ],
    )
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "kg: error:" in result.output
