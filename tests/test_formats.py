"""The format registry (kg.io.formats) and the surfaces that take their formats from it.

The main check: for each query form, every surface offers the same formats — the
command line's ``--format`` (click's choices, then what each form accepts), content
negotiation on ``/sparql``, ``/api/queries/{name}`` and the entity pages (a real
``create_app`` under werkzeug's test client), the catalogue, the OpenAPI document, the
pages' format links and the service description — and they are the ones in
tests/fixtures/formats/offers.json.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import click
import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header
from werkzeug.test import Client

from kg.cli import cli
from kg.http.app import App, create_app
from kg.http.context import ServerConfig
from kg.io import formats
from kg.io.formats import Audience, Format, Kind

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures" / "formats"
OFFERS = json.loads((FIXTURES / "offers.json").read_text("utf-8"))
FORMS = tuple(OFFERS["forms"])
ENTITY = "https://w3id.org/vn-kg/id/body/huyen-uy-nam-truc"
# One query of each form, on the shipped data (every triple is in a named graph).
QUERIES = {
    "SELECT": "SELECT ?s WHERE { GRAPH ?g { ?s a kgo:Count } } LIMIT 2",
    "ASK": "ASK { GRAPH ?g { ?s a kgo:Count } }",
    "CONSTRUCT": f"CONSTRUCT {{ <{ENTITY}> rdfs:label ?l }} "
    f"WHERE {{ GRAPH ?g {{ <{ENTITY}> rdfs:label ?l }} }}",
    "DESCRIBE": f"DESCRIBE <{ENTITY}>",
}
PREFIXES = (
    "PREFIX kgo: <https://w3id.org/vn-kg/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)
# Every name a surface might be asked for: those of any format, and its aliases.
ALL_NAMES = sorted({n for f in formats.FORMATS for n in (f.name, *f.aliases)})


def offered(form: str) -> list[str]:
    return list(OFFERS["forms"][form])


def own(surface: str, form: str) -> list[str]:
    return list(OFFERS["own"][surface][form])


# -- the registry ------------------------------------------------------------------------


def test_the_registry_offers_what_the_fixture_says() -> None:
    for form in FORMS:
        assert list(formats.names(formats.formats_for(form))) == offered(form), form
        assert list(formats.names(formats.formats_for(form, Audience.TERMINAL))) == own(
            "cli", form
        ) + offered(form)
        assert list(formats.names(formats.formats_for(form, Audience.BROWSER))) == own(
            "pages", form
        ) + offered(form)
    assert list(formats.names(formats.export_formats())) == OFFERS["export"]


@pytest.mark.parametrize("kind", list(Kind))
def test_names_and_media_types_are_unique_among_the_formats_of_a_kind(kind: Kind) -> None:
    carrying = formats.carrying(kind)
    names = [n for f in carrying for n in (f.name, *f.aliases)]
    assert len(names) == len(set(names)), names
    media = [m for f in carrying for m in f.media_types]
    assert len(media) == len(set(media)), media
    for fmt in carrying:
        assert formats.by_name(fmt.name, carrying) is fmt
        for alias in fmt.aliases:
            assert formats.by_name(alias, carrying) is fmt
        for media_type in fmt.media_types:
            assert formats.by_media_type(media_type, carrying) is fmt


def _label(found: Format | None) -> str | None:
    return found.label if found else None


def test_lookup_by_name_alias_and_media_type() -> None:
    graph = formats.formats_for("CONSTRUCT")
    select = formats.formats_for("SELECT")
    assert _label(formats.by_name("xml", graph)) == "RDF/XML"
    assert _label(formats.by_name("xml", select)) == "SPARQL 1.1 Query Results XML"
    assert _label(formats.by_name(" TTL ", graph)) == "Turtle"
    assert _label(formats.by_name("json", graph)) == "JSON-LD"
    assert _label(formats.by_name("json", select)) == "SPARQL 1.1 Query Results JSON"
    assert _label(formats.by_name("text/plain; charset=utf-8", graph)) == "N-Triples"
    assert formats.by_name("turtle", select) is None
    assert formats.by_name("yaml") is None
    assert _label(formats.by_media_type("application/json")) == "JSON-LD"
    assert formats.by_media_type("image/png") is None


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("a.ttl", "turtle"),
        ("A.TTL", "turtle"),
        ("a.nt", "nt"),
        ("a.nq", "nquads"),
        ("a.trig", "trig"),
        ("a.jsonld", "json-ld"),
        ("a.json-ld", "json-ld"),
        ("a.rdf", "xml"),
        ("a.owl", "xml"),
        ("a.xml", "xml"),
        ("a.csv", None),
        ("a.json", None),
        ("ld", None),
    ],
)
def test_lookup_by_extension_reads_only_rdf(filename: str, expected: str | None) -> None:
    found = formats.by_extension(filename)
    assert (found.name if found else None) == expected
    if found is not None:
        assert found.parser is not None


def _resolve(reference: tuple[str, str]) -> Any:
    module, function = reference
    return getattr(importlib.import_module(module), function)


@pytest.mark.parametrize("fmt", formats.FORMATS, ids=lambda f: f"{f.name}-{f.media_type}")
def test_every_writer_reference_names_a_function_of_a_writing_module(fmt: Format) -> None:
    for kind in fmt.kinds:
        reference = fmt.writer(kind)
        if fmt.audience is Audience.BROWSER or kind is Kind.QUERY:
            assert reference is None  # the pages write HTML; the query text is not written
            continue
        assert reference is not None, (fmt.name, kind)
        assert reference[0] in ("kg.io.serialise", "kg.sparql.results")
        assert callable(_resolve(reference))


def test_a_format_without_a_writer_for_the_answer_is_refused() -> None:
    from kg.core.errors import InputError
    from kg.sparql.results import Result, serialise

    html = formats.formats_for("SELECT", Audience.BROWSER)[0]
    with pytest.raises(InputError, match="cannot hold the answer to a SELECT query"):
        serialise(Result("SELECT", ["s"], []), html)
    with pytest.raises(InputError, match="turtle format cannot hold"):
        serialise(Result("ASK", boolean=True), "turtle")


def test_content_type_carries_the_charset_of_text_only() -> None:
    by = {f.media_type: f.content_type for f in formats.FORMATS}
    assert by["text/turtle"] == "text/turtle; charset=utf-8"
    assert by["application/sparql-results+json"] == "application/sparql-results+json; charset=utf-8"
    assert by["application/trig"] == "application/trig"


def test_importing_the_registry_loads_no_rdflib() -> None:
    code = "import sys, kg.io.formats; sys.exit(int('rdflib' in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def _negotiation_cases() -> Iterator[Any]:
    for line in (FIXTURES / "negotiation.tsv").read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        form, accept, expected = line.split("\t")
        yield pytest.param(form, accept, expected, id=f"{form}:{accept}")


@pytest.mark.parametrize(("form", "accept", "expected"), list(_negotiation_cases()))
def test_negotiation(form: str, accept: str, expected: str) -> None:
    accepted = None if accept == "(none)" else parse_accept_header(accept, MIMEAccept)
    chosen = formats.negotiate(accepted, formats.formats_for(form))
    assert (f"{chosen.name} {chosen.media_type}" if chosen else "-") == expected


hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_RANGES = sorted(
    {m for f in formats.FORMATS for m in f.media_types}
    | {"*/*", "text/*", "application/*", "image/png", "*/json", "text", "TEXT/Turtle"}
)
_range = st.tuples(
    st.sampled_from(_RANGES),
    st.sampled_from(["", ";q=0", ";q=0.5", ";q=1", ";q=0.500", ";q=1.5", ";charset=utf-8"]),
).map("".join)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(header=st.lists(_range, max_size=5).map(", ".join), form=st.sampled_from(FORMS))
def test_negotiation_chooses_as_werkzeug_does(header: str, form: str) -> None:
    offered_formats = formats.formats_for(form, Audience.BROWSER)
    accepted = parse_accept_header(header, MIMEAccept)
    chosen = formats.negotiate(accepted, offered_formats)
    media = [m for m, _ in formats.offered_media_types(offered_formats)]
    best = accepted.best_match(media)
    by_media = dict(formats.offered_media_types(offered_formats))
    assert chosen is (by_media[best] if best is not None else None)


# -- the surfaces ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> App:
    folder = tmp_path_factory.mktemp("queries")
    for form, text in QUERIES.items():
        header = f"#+ summary: a {form} query\n"
        (folder / f"{form.lower()}.rq").write_text(header + PREFIXES + text + "\n", "utf-8")
    application = create_app(ServerConfig())
    application.ctx.extra["queries_dir"] = folder
    return application


@pytest.fixture(scope="module")
def client(app: App) -> Client:
    return Client(app)


def _choices(command: click.Command) -> list[str]:
    option = next(p for p in command.params if p.name == "fmt")
    assert isinstance(option.type, click.Choice)
    return list(option.type.choices)


def _sparql(form: str, data: Path, *extra: str) -> Any:
    arguments = ["sparql", QUERIES[form], "--data", str(data), *extra]
    result = CliRunner().invoke(cli, arguments, catch_exceptions=False)
    assert result.exit_code in (0, 2), result.output
    return result


def test_the_command_line_offers_the_same_formats() -> None:
    data = HERE / "fixtures" / "conforming"
    query = cli.commands["query"]
    assert isinstance(query, click.Group)
    union = list(dict.fromkeys(n for form in FORMS for n in own("cli", form) + offered(form)))
    assert _choices(cli.commands["sparql"]) == _choices(query.commands["run"]) == union
    assert _choices(cli.commands["export"]) == OFFERS["export"]
    for form in FORMS:
        expected = own("cli", form) + offered(form)
        accepted = [
            name
            for name in _choices(cli.commands["sparql"])
            if _sparql(form, data, "-f", name).exit_code == 0
        ]
        assert sorted(accepted) == sorted(expected), form
        # The first is the default.
        assert _sparql(form, data).output == _sparql(form, data, "-f", expected[0]).output


def _status(client: Client, url: str, **kwargs: Any) -> tuple[int, str]:
    response = client.get(url, **kwargs)
    return response.status_code, response.mimetype


def test_the_protocol_endpoint_offers_the_same_formats(client: Client) -> None:
    for form in FORMS:
        query = {"query": PREFIXES + QUERIES[form]}
        served = [
            name
            for name in ALL_NAMES
            if _status(client, "/sparql", query_string={**query, "format": name})[0] == 200
        ]
        by_accept = [
            fmt.name
            for fmt in formats.FORMATS
            if _status(client, "/sparql", query_string=query, headers={"Accept": fmt.media_type})
            == (200, fmt.media_type)
        ]
        names_and_aliases = {n for f in formats.formats_for(form) for n in (f.name, *f.aliases)}
        assert set(served) == names_and_aliases, form
        assert by_accept == offered(form), form


def test_the_api_offers_the_same_formats(client: Client) -> None:
    catalogue = client.get("/api/queries").get_json()
    entries = {entry["name"]: entry for entry in catalogue["queries"]}
    for form in FORMS:
        url = f"/api/queries/{form.lower()}"
        assert list(entries[form.lower()]["formats"]) == offered(form)
        by_name = [
            name
            for name in ALL_NAMES
            if name in offered(form) + own("api", form)
            and _status(client, url, query_string={"format": name})[0] == 200
        ]
        refused = [
            name
            for name in offered(form) + own("api", form)
            if _status(client, url, query_string={"format": name})[0] != 200
        ]
        assert refused == []
        assert sorted(by_name) == sorted(offered(form) + own("api", form))
        by_accept = [
            fmt.name
            for fmt in formats.FORMATS
            if _status(client, url, headers={"Accept": fmt.media_type}) == (200, fmt.media_type)
        ]
        assert by_accept == offered(form) + own("api", form), form


def test_the_openapi_document_offers_the_same_formats(client: Client) -> None:
    document = client.get("/api/openapi.json").get_json()
    sparql = formats.formats_for(Kind.QUERY)[0]
    for form in FORMS:
        operation = document["paths"][f"/api/queries/{form.lower()}"]["get"]
        content = list(operation["responses"]["200"]["content"])
        expected = [f.media_type for f in formats.formats_for(form)] + [sparql.media_type]
        assert content == expected, form
        (parameter,) = (p for p in operation["parameters"] if p["name"] == "format")
        assert parameter["schema"]["enum"] == offered(form) + own("api", form)


def _format_links(html: str, nav: str = "formats") -> list[str]:
    found = re.search(f'<nav class="{nav}"[^>]*>(.*?)</nav>', html, re.S)
    assert found, html[:500]
    links = re.findall(r'href="([^"]+)"', found.group(1))
    return [parse_qs(urlparse(link.replace("&amp;", "&")).query)["format"][0] for link in links]


def test_the_pages_offer_the_same_formats(client: Client) -> None:
    for form in FORMS:
        page = client.get(f"/queries/{form.lower()}", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert _format_links(page.get_data(as_text=True)) == offered(form), form
        # The query page: its choices, and what each does with this form's answer.
        query_page = client.get("/query").get_data(as_text=True)
        choices = re.findall(r'<option value="([^"]+)"', query_page)
        assert set(own("pages", form) + offered(form)) <= set(choices)
        # Each choice names a format by name or alias (json is JSON-LD for a graph).
        answered = set()
        for name in choices:
            status, mimetype = _status(
                client, "/query", query_string={"query": QUERIES[form], "format": name}
            )
            if status == 200:
                answered.add(mimetype)
        expected = formats.formats_for(form, Audience.BROWSER)
        assert [f.name for f in expected] == own("pages", form) + offered(form)
        assert answered == {f.media_type for f in expected}, form
    entity = client.get(ENTITY[len("https://w3id.org/vn-kg") :], headers={"Accept": "text/html"})
    assert _format_links(entity.get_data(as_text=True)) == offered("DESCRIBE")
    served = [
        fmt.name
        for fmt in formats.FORMATS
        if _status(
            client, ENTITY[len("https://w3id.org/vn-kg") :], headers={"Accept": fmt.media_type}
        )
        == (200, fmt.media_type)
    ]
    assert served == offered("DESCRIBE") + own("pages", "DESCRIBE")


def test_the_service_description_offers_the_same_formats(client: Client) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    result_format = URIRef("http://www.w3.org/ns/sparql-service-description#resultFormat")
    described = sorted(str(o) for o in graph.objects(None, result_format))
    assert described == OFFERS["service_description"]
    from_forms = sorted(
        {f.w3c_iri for form in FORMS for f in formats.formats_for(form) if f.w3c_iri}
    )
    assert described == from_forms


def test_a_graph_answer_in_json_ld_is_the_same_bytes_whatever_the_hash_seed() -> None:
    """rdflib's JSON-LD writer labelled blank nodes and ordered nodes by the hash seed."""
    import os
    import subprocess
    import sys

    from rdflib import Graph
    from rdflib.compare import isomorphic

    text = (
        "CONSTRUCT { ?s kgo:x [ kgo:y ?o ] } WHERE { GRAPH ?g { ?s a kgo:Count ; ?p ?o } }"
        " ORDER BY ?s ?p ?o LIMIT 30"
    )
    answers = set()
    for seed, store in (("1", "memory"), ("2", "memory"), ("3", "rdflib")):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = [sys.executable, "-m", "kg", "sparql", text, "-f", "json-ld", "--store", store]
        done = subprocess.run(command, env=env, capture_output=True, check=True, timeout=120)
        answers.add(done.stdout)
    assert len(answers) == 1
    [answer] = answers
    turtle = subprocess.run(
        [sys.executable, "-m", "kg", "sparql", text, "-f", "turtle"],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    read_back = Graph().parse(data=answer, format="json-ld")
    assert len(read_back) == 60
    assert isomorphic(read_back, Graph().parse(data=turtle, format="turtle"))
