"""The part of an administrative unit's page that shows where it lies and what it became:
the units it lay in, its successors (or the units it was formed from), whether each took
all of it or part, and a small map, an inline SVG drawn from the gazetteer's points
(``geo:hasCentroid``) of the unit among the units it merged with. Nothing is fetched
from elsewhere: the map is a few circles and names on a plain background.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, cast

from kg.core.prefixes import DCTERMS, GEO, KGO, RDFS, SDO

#: How the entity pages render a term: (request, term, label) -> HTML.
TermHtml = Callable[["Request", "Node", "str | None"], str]


def esc(value: object) -> str:
    return escape(str(value), quote=True)


if TYPE_CHECKING:
    from rdflib.term import Identifier, Node
    from werkzeug.wrappers import Request

    from kg.http.service import AppContext

_PREFIXES = (
    f"PREFIX dct: <{DCTERMS}> PREFIX geo: <{GEO}> PREFIX kgo: <{KGO}> "
    f"PREFIX rdfs: <{RDFS}> PREFIX schema: <{SDO}> "
)
Q_POINT = _PREFIXES + (
    "SELECT ?wkt ?label WHERE { GRAPH ?g { ?s geo:hasCentroid ?c . ?c geo:asWKT ?wkt . } "
    'OPTIONAL { GRAPH ?l { ?s rdfs:label ?label . } FILTER (LANG(?label) = "vi") } }'
)
Q_PARENT = _PREFIXES + (
    "SELECT DISTINCT ?parent WHERE { GRAPH ?g { ?s schema:containedInPlace ?parent . } }"
)
#: ?s's successors (or, with the other predicate, predecessors) and whether each is partial
Q_SUCCESSORS = _PREFIXES + (
    "SELECT DISTINCT ?unit ?part ?whole WHERE { GRAPH ?g { ?s dct:isReplacedBy ?unit . } "
    "BIND (EXISTS { GRAPH ?h { ?s kgo:isPartlyReplacedBy ?unit . } } AS ?part) "
    "BIND (EXISTS { GRAPH ?w { ?s kgo:isWhollyReplacedBy ?unit . } } AS ?whole) }"
)
#: A former district is left out where its communes are listed.
Q_PREDECESSORS = _PREFIXES + (
    "SELECT DISTINCT ?unit ?part ?whole WHERE { GRAPH ?g { ?s dct:replaces ?unit . } "
    "BIND (EXISTS { GRAPH ?h { ?s kgo:replacesPart ?unit . } } AS ?part) "
    "BIND (EXISTS { GRAPH ?w { ?s kgo:replacesWhole ?unit . } } AS ?whole) "
    "FILTER NOT EXISTS { GRAPH ?f { ?s dct:replaces ?finer . ?finer schema:containedInPlace "
    "?unit . } } }"
)
Q_LABEL = _PREFIXES + (
    'SELECT ?label WHERE { GRAPH ?g { ?s rdfs:label ?label . } FILTER (LANG(?label) = "vi") }'
)
#: A map with more units than this shows the nearest (a district's successors can be 20).
MAX_MAP_UNITS = 24
_POINT = re.compile(r"^\s*POINT\s*\(\s*(-?[0-9.]+)\s+(-?[0-9.]+)\s*\)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class MapUnit:
    iri: str
    label: str
    lon: float
    lat: float
    role: str  # "self", "successor", "predecessor", "merged"


def _rows(ctx: AppContext, text: str, s: str) -> list[dict[str, Node]]:
    from rdflib import URIRef

    from kg.http import api

    result = api.run(ctx, text, cast("dict[str, Identifier]", {"s": URIRef(s)}))
    return [dict(row) for row in result.rows]


def _point(ctx: AppContext, iri: str) -> tuple[float, float, str] | None:
    for row in _rows(ctx, Q_POINT, iri):
        found = _POINT.match(str(row["wkt"]))
        if found:
            label = row.get("label")
            return float(found.group(1)), float(found.group(2)), str(label) if label else ""
    return None


def _related(ctx: AppContext, text: str, iri: str) -> list[tuple[str, str]]:
    """(unit, "part" / "whole" / "" where the succession is not qualified)."""
    found = set()
    for row in _rows(ctx, text, iri):
        part, whole = (str(row.get(k)).lower() == "true" for k in ("part", "whole"))
        found.add((str(row["unit"]), "part" if part else "whole" if whole else ""))
    return sorted(found)


def _label(ctx: AppContext, iri: str) -> str | None:
    labels = sorted(str(r["label"]) for r in _rows(ctx, Q_LABEL, iri))
    return labels[0] if labels else None


def map_units(ctx: AppContext, iri: str) -> list[MapUnit]:
    """The unit, what replaced it (or what it replaced) and the units it merged with,
    each where the gazetteer has its point."""
    roles: dict[str, str] = {iri: "self"}
    successors = _related(ctx, Q_SUCCESSORS, iri)
    for successor, _ in successors:
        roles.setdefault(successor, "successor")
        for merged, _ in _related(ctx, Q_PREDECESSORS, successor):
            roles.setdefault(merged, "merged")
    if not successors:
        for former, _ in _related(ctx, Q_PREDECESSORS, iri):
            roles.setdefault(former, "predecessor")
    units = []
    for unit, role in roles.items():
        found = _point(ctx, unit)
        if found is not None:
            units.append(MapUnit(unit, found[2], found[0], found[1], role))
    me = next((u for u in units if u.role == "self"), None)
    if me is not None and len(units) > MAX_MAP_UNITS:
        units.sort(key=lambda u: (u.role != "self", (u.lon - me.lon) ** 2 + (u.lat - me.lat) ** 2))
        units = units[:MAX_MAP_UNITS]
    return sorted(units, key=lambda u: (u.role != "self", u.label, u.iri))


_FILL = {"self": "#c0392b", "successor": "#1f5fa8", "predecessor": "#7a7a7a", "merged": "#7a7a7a"}


def map_svg(units: list[MapUnit], width: int = 360, height: int = 260) -> str:
    """An SVG map of ``units``: equirectangular, north up, scaled to fit with a margin."""
    if not units:
        return ""
    mid_lat = sum(u.lat for u in units) / len(units)
    x_scale = math.cos(math.radians(mid_lat))
    xs = [u.lon * x_scale for u in units]
    ys = [u.lat for u in units]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 0.01)
    margin = 40
    scale = min(width - 2 * margin, height - 2 * margin) / span
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def at(u: MapUnit) -> tuple[float, float]:
        return (
            round(width / 2 + (u.lon * x_scale - cx) * scale, 1),
            round(height / 2 - (u.lat - cy) * scale, 1),
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="unit-map" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="unit-map-title">',
        '<title id="unit-map-title">Where the unit lies among the units it merged with '
        "(points from the gazetteer)</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f4f1ea" stroke="#ccc"/>',
    ]
    for u in units:
        x, y = at(u)
        r = 6 if u.role == "self" else 4
        shape = (
            f'<rect x="{x - r}" y="{y - r}" width="{2 * r}" height="{2 * r}"'
            if u.role == "successor"
            else f'<circle cx="{x}" cy="{y}" r="{r}"'
        )
        parts.append(
            f'<g class="{u.role}">{shape} fill="{_FILL[u.role]}"><title>{esc(u.label)}'
            f"</title></{'rect' if u.role == 'successor' else 'circle'}>"
            f'<text x="{x + 7}" y="{y + 4}" font-size="10" fill="#222">{esc(u.label)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def place_html(ctx: AppContext, request: Request, iri: str, term_html: TermHtml) -> str:
    """The "where it lies and what it became" section, or "" for what is not a unit.
    ``term_html`` renders a linked term as the entity pages do (``kg.http.pages``, which
    calls this: passed in, so that the two modules do not import each other)."""
    from rdflib import URIRef

    successors = _related(ctx, Q_SUCCESSORS, iri)
    predecessors = _related(ctx, Q_PREDECESSORS, iri)
    chain: list[str] = []
    current = iri
    for _ in range(3):
        parents = [str(r["parent"]) for r in _rows(ctx, Q_PARENT, current)]
        if len(parents) != 1:
            break
        current = parents[0]
        chain.append(current)
    units = map_units(ctx, iri)
    if not (successors or predecessors or units):
        return ""
    labels = {u.iri: u.label for u in units}

    def item(unit: str, coverage: str, whole_text: str, part_text: str) -> str:
        link = term_html(request, URIRef(unit), labels.get(unit) or _label(ctx, unit))
        text = {"whole": whole_text, "part": part_text}.get(coverage)
        return f"<li>{link} — {esc(text)}</li>" if text else f"<li>{link}</li>"

    html = ['<section id="place"><h2>Where it lies and what it became</h2>']
    if chain:
        links = ", ".join(term_html(request, URIRef(p), _label(ctx, p)) for p in chain)
        html.append(f"<p>Lies in: {links}</p>")
    if successors:
        html.append("<p>Replaced by:</p><ul>")
        html.extend(item(u, p, "took all of it", "took part of it") for u, p in successors)
        html.append("</ul>")
    if predecessors:
        html.append("<p>Formed from:</p><ul>")
        html.extend(item(u, p, "all of it", "part of it") for u, p in predecessors)
        html.append("</ul>")
    if units:
        html.append(
            f"<figure>{map_svg(units)}<figcaption>Red: this unit; blue squares: "
            "what replaced it; grey: the units it merged with or was formed from. "
            "Points from the gazetteer, no boundaries.</figcaption></figure>"
        )
    html.append("</section>")
    return "\n".join(html)
