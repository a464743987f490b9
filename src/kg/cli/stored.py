"""``kg query run`` itself, without click: the stored query run, its answer written.

The click command (``kg.cli.query``) and the click-free dispatcher (``kg.cli.dispatch``)
both end here, so that the two ways in do the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kg.cli.outcome import say
from kg.cli.output import emit, refuse_output_over_inputs
from kg.core.errors import InputError
from kg.io import formats
from kg.store.base import UNION_DEFAULT_GRAPH

_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
#: The query forms whose answer is a graph, written by rdflib's serialisers.
GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")


def offered(form: str) -> tuple[str, ...]:
    """The --format names for the answer of a ``form`` query; the first is the default."""
    return formats.names(formats.formats_for(form, formats.Audience.TERMINAL))


#: The values of --lang.
LANGUAGES = ("vi", "en")
#: Every format of an answer of ``kg query run`` and ``kg sparql``.
ANSWER_FORMATS = tuple(
    dict.fromkeys(
        f for form in _FORMS for f in formats.formats_for(form, formats.Audience.TERMINAL)
    )
)


def format_named(value: str, among: Sequence[formats.Format]) -> str | None:
    """The name of the format of ``among`` that ``value`` is the name or an alias of in
    ``kg.io.formats`` (``ttl``, ``jsonld``, ``rdfxml``: what the server's ``?format=``
    takes), in any case; None if it names none. Not a media type: ``text/plain`` is
    N-Triples to the registry and a table to a terminal."""
    if "/" in value:
        return None
    chosen = formats.by_name(value, among)
    return None if chosen is None else chosen.name


def check_format(fmt: str, form: str) -> None:
    """InputError if ``fmt`` cannot hold the answer of a ``form`` query."""
    allowed = offered(form)
    if fmt not in allowed:
        kind = "a graph" if form in GRAPH_FORMS else f"{form} results"
        raise InputError(
            f"--format {fmt} cannot hold {kind}: this is a {form} query (use {', '.join(allowed)})"
        )


def write_answer(result: object, fmt: str | None, output: str) -> None:
    """``result`` (a ``kg.sparql.results.Result``) written as ``fmt`` (None: the first
    format its form offers) to ``output``."""
    from kg.sparql.results import Result, serialise

    assert isinstance(result, Result)
    emit(serialise(result, fmt or offered(result.form)[0]), output)


def run_stored(
    name: str,
    params: tuple[str, ...],
    fmt: str | None,
    output: str,
    *,
    lang: str | None = None,
    page: str | None = None,
    endpoint: str | None = None,
    timeout: float | None = None,
    sources: tuple[str, ...] = (),
    store: str | None = None,
    before_graph_answer: Callable[[], None] | None = None,
    union_default: bool = UNION_DEFAULT_GRAPH,
) -> None:
    """Run the stored query ``name`` and write its answer (``kg query run``).

    ``before_graph_answer`` is called once the query is known to answer with a graph
    (written by rdflib, which logs): the dispatcher sets up logging there, where the
    click group sets it up before every command."""
    import kg.store
    from kg.core import paths
    from kg.sparql import catalogue as queries
    from kg.store import store_spec

    query_file = paths.queries_dir() / f"{name}.rq"
    refuse_output_over_inputs(output, [] if endpoint else list(sources) or None, query_file)
    stored = queries.get(name)
    if stored.form in GRAPH_FORMS and before_graph_answer is not None:
        before_graph_answer()
    if fmt is not None:
        check_format(fmt, stored.form)
    values = queries.parse_params(params)
    page = queries.page_asked(stored, values, page)
    result = kg.store.run(
        stored,
        values,
        lang=lang,
        endpoint=endpoint,
        timeout=timeout,
        sources=list(sources) or None,
        store=store_spec(store),
        page=page,
        union_default=union_default,
    )
    write_answer(result, fmt, output)
    if stored.pagination is not None:
        shown = page or "1"
        follows = (
            f"next: --page {result.next_page}" if result.next_page is not None else "last page"
        )
        # stderr: the answer on stdout stays a well-formed document.
        say(f"kg: {stored.name}: page {int(shown)}, {stored.pagination} rows a page; {follows}")
