"""The federated stored query: the graph on one Oxigraph, the administrative-unit dataset
on a second, joined with SERVICE over loopback; the embedded store refuses SERVICE."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rdflib import Dataset
from tests.oxigraph_server import OxigraphServer

import kg.store
from kg.core import paths
from kg.core.errors import InputError
from kg.sparql import catalogue as queries
from kg.store import export

FEDERATED = paths.queries_dir() / "federated" / "admin-unit-codes.rq"
DEFAULT_SERVICE = "<http://127.0.0.1:7879/query>"

pytest.importorskip("vietnamadminunits")


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, shipped_dataset: Dataset
) -> Iterator[tuple[str, str]]:
    from kg.linking.admin import units_ntriples

    base = tmp_path_factory.mktemp("federation")
    with OxigraphServer(base / "kg") as graph, OxigraphServer(base / "units") as units:
        graph.load(export(shipped_dataset, "nquads"), "application/n-quads")
        units.load(units_ntriples(), "application/n-triples")
        yield graph.query_url, units.query_url


def _federated(units_url: str) -> queries.StoredQuery:
    text = FEDERATED.read_text(encoding="utf-8")
    assert DEFAULT_SERVICE in text
    return queries.parse(text.replace(DEFAULT_SERVICE, f"<{units_url}>"), name="admin-unit-codes")


@pytest.mark.external
def test_codes_are_joined_with_the_second_endpoint(servers: tuple[str, str]) -> None:
    graph_url, units_url = servers
    result = kg.store.run(_federated(units_url), {"lang": "vi"}, endpoint=graph_url, timeout=60)
    rows = {(str(r["place"]).rsplit("/", 1)[-1], str(r["table"])): r for r in result.rows}  # type: ignore[index]
    district = rows[("huyen-nam-truc", "legacy")]
    assert (str(district["code"]), str(district["unitName"]), str(district["parentName"])) == (
        "362",
        "Huyện Nam Trực",
        "Tỉnh Nam Định",
    )
    assert str(rows[("phuong-vi-khe-ninh-binh-2025", "2025")]["unitName"]) == "Phường Vị Khê"
    assert str(rows[("xa-nam-dien-nam-truc", "legacy")]["unitName"]) == "Xã Nam Điền"
    # every coded place of kg's dataset finds its unit in the table of its time (the
    # gazetteer, a dataset of its own, holds every unit of the country)
    coded = kg.store.run_text(
        "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { GRAPH ?g { ?p kgo:gsoCode ?c } }",
        sources=paths.default_sources(),
    )
    assert len({key[0] for key in rows}) == int(coded.rows[0]["n"])  # type: ignore[index]


def test_the_embedded_store_refuses_service() -> None:
    with pytest.raises(InputError, match="SERVICE"):
        kg.store.run(queries.parse(FEDERATED.read_text(encoding="utf-8"), name="f"), {"lang": "en"})
