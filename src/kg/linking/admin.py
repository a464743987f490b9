"""Links from the graph to public-administration datasets (``data/links/``).

One module because the units, their codes, their succession and the article's places
are generated together from one release of vietnamadminunits, and one IRI scheme ties
them: the graph is only right as a whole.

Administrative units are time-scoped: a unit is valid from ``schema:validFrom`` to
``schema:validThrough``, created (``prov:wasGeneratedBy``) and ended
(``prov:wasInvalidatedBy``) by a reform, and ``dct:replaces`` the units it was formed
from. A statistics-office code (``kgo:gsoCode``) belongs to one such unit; the same code
passes to successors (13972 was xã Nam Điền's code and is phường Vị Khê's since 2025),
so a code alone is not an identity.

* ``admin_outputs`` renders ``data/links/admin-units.trig`` from the ``vietnamadminunits``
  package (its legacy and 2025 tables and its 2025 conversion table): the article's
  province and district, every legacy unit of the district, the 2025 units that replaced
  them, the other units those were formed from, and the provinces involved.
* ``curated_outputs`` renders the hand-curated tables (``data/links/*.tsv``, one fact
  a line, each naming its source) into TriG: what the dataset lacks.

Every output is deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, XSD

from kg.core import paths
from kg.core.errors import InputError, one_line
from kg.core.files import Output
from kg.core.namespaces import (
    GRAPH,
    KGO,
    KIND_NS,
    PREFIXES,
    SDO,
    links_graph,
)
from kg.core.text import slugify
from kg.linking.matching import UnitName, same_unit, search_key, split_unit_name

PLACE = KIND_NS["place"]
SOURCE = KIND_NS["source"]
EVENT = KIND_NS["event"]

#: The dataset release the admin links are generated from. Another release may hold
#: other units or codes, so it must be chosen on purpose (and the links regenerated).
VAU_DISTRIBUTION = "vietnamadminunits"
VAU_VERSION = "1.0.4"
VAU_SOURCE = SOURCE["vietnamadminunits-1-0-4"]
#: The copyright line of the package's MIT licence, which asks it to travel with copies.
VAU_COPYRIGHT = "Copyright (c) 2025 Tran Ngoc Minh Hieu"

#: The 2025 reform: units of the legacy tables end the day before, 2025 units begin on
#: the day. Its sources are in data/links/admin-units-curated.tsv (event row).
REFORM_2025 = EVENT["sap-xep-don-vi-hanh-chinh-2025"]
REFORM_2025_DATE = date(2025, 7, 1)

G_ADMIN = links_graph("admin-units")

LEGACY_WARD_TYPES = {"Xã": KGO.Commune, "Phường": KGO.Ward, "Thị trấn": KGO.Township}
LEGACY_DISTRICT_TYPES = {"Huyện": KGO.District, "Thành phố": KGO.ProvincialCity}
NEW_WARD_TYPES = {"Xã": KGO.Commune, "Phường": KGO.Ward}
EN_TYPE = {
    KGO.Commune: "commune",
    KGO.Ward: "ward",
    KGO.Township: "township",
    KGO.District: "district",
    KGO.ProvincialCity: "city",
    KGO.Province: "province",
}


# -- the dataset ---------------------------------------------------------------------------


def _vau_dir() -> Path:
    try:
        from importlib.metadata import PackageNotFoundError, version

        found = version(VAU_DISTRIBUTION)
    except PackageNotFoundError:
        raise InputError(
            f"the {VAU_DISTRIBUTION} package is not installed (pip install "
            f"'{VAU_DISTRIBUTION}=={VAU_VERSION}')"
        ) from None
    if found != VAU_VERSION:
        raise InputError(
            f"{VAU_DISTRIBUTION} {found} is installed; the links are generated from "
            f"{VAU_VERSION} (pip install '{VAU_DISTRIBUTION}=={VAU_VERSION}')"
        )
    import importlib.util

    spec = importlib.util.find_spec(VAU_DISTRIBUTION)
    if spec is None or not spec.submodule_search_locations:
        raise InputError(f"cannot locate the {VAU_DISTRIBUTION} package")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@dataclass(frozen=True)
class LegacyUnit:
    province: str
    province_short: str
    province_code: str
    province_key: str
    district: str
    district_short: str
    district_type: str
    district_code: str
    district_key: str
    ward: str
    ward_short: str
    ward_type: str
    ward_code: str
    ward_key: str
    ward_alias: tuple[str, ...]
    #: (latitude, longitude) as the dataset gives them, or None where it has none
    province_point: tuple[float, float] | None = None
    district_point: tuple[float, float] | None = None
    ward_point: tuple[float, float] | None = None

    @property
    def converter_key(self) -> str:
        return f"{self.province_key}_{self.district_key}_{self.ward_key}"


@dataclass(frozen=True)
class NewUnit:
    province: str
    province_short: str
    province_code: str
    province_key: str
    ward: str
    ward_short: str
    ward_type: str
    ward_code: str
    ward_key: str
    province_point: tuple[float, float] | None = None
    ward_point: tuple[float, float] | None = None


@dataclass
class AdminData:
    legacy: list[LegacyUnit]
    new: list[NewUnit]
    #: new province key -> legacy province keys merged into it
    provinces: dict[str, list[str]]
    #: (new province key, new ward key) -> legacy converter keys
    successors: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    #: every (legacy converter key, (new province key, new ward key)) pair of the
    #: conversion table, and whether the new unit took all of the legacy one (False: the
    #: legacy unit was divided and this is one of the units that took a part of it)
    conversion: dict[tuple[str, tuple[str, str]], bool] = field(default_factory=dict)


def read_admin_data(directory: Path | None = None) -> AdminData:
    """The legacy units, the 2025 units and the 2025 conversion of ``vietnamadminunits``."""
    base = _vau_dir() if directory is None else directory
    db = base / "dataset.db"
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            conn.row_factory = sqlite3.Row
            legacy_rows = conn.execute(
                "SELECT province, provinceShort, provinceCode, provinceKey, district, "
                "districtShort, districtType, districtCode, districtKey, ward, wardShort, "
                "wardType, wardCode, wardKey, wardAlias, provinceLat, provinceLon, districtLat, "
                "districtLon, wardLat, wardLon FROM admin_units_legacy "
                "ORDER BY provinceCode, districtCode, wardCode"
            ).fetchall()
            new_rows = conn.execute(
                "SELECT province, provinceShort, provinceCode, provinceKey, ward, wardShort, "
                "wardType, wardCode, wardKey, provinceLat, provinceLon, wardLat, wardLon "
                "FROM admin_units ORDER BY provinceCode, wardCode"
            ).fetchall()
        converter = json.loads((base / "converter_2025.json").read_text(encoding="utf-8"))
    except (sqlite3.Error, OSError, ValueError) as exc:
        raise InputError(f"cannot read the administrative-unit dataset: {exc}", base) from None
    legacy = [
        LegacyUnit(
            **{k: r[c] or "" for k, c in _LEGACY_COLUMNS.items()},
            ward_alias=tuple(json.loads(r["wardAlias"])) if r["wardAlias"] else (),
            province_point=_point(r["provinceLat"], r["provinceLon"]),
            district_point=_point(r["districtLat"], r["districtLon"]),
            ward_point=_point(r["wardLat"], r["wardLon"]),
        )
        for r in legacy_rows
    ]
    new = [
        NewUnit(
            **{k: r[c] or "" for k, c in _NEW_COLUMNS.items()},
            province_point=_point(r["provinceLat"], r["provinceLon"]),
            ward_point=_point(r["wardLat"], r["wardLon"]),
        )
        for r in new_rows
    ]
    successors: dict[tuple[str, str], list[str]] = {}
    conversion: dict[tuple[str, tuple[str, str]], bool] = {}
    for province, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward, olds in wards.items():
            successors.setdefault((province, ward), []).extend(olds)
            for old in olds:
                conversion[(old, (province, ward))] = True
    for province, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, news in olds.items():
            for candidate in news:
                conversion[(old, (province, candidate["newWardKey"]))] = False
                if candidate.get("isDefaultNewWard"):
                    successors.setdefault((province, candidate["newWardKey"]), []).append(old)
    return AdminData(
        legacy=legacy,
        new=new,
        provinces={k: list(v) for k, v in converter["DICT_PROVINCE"].items()},
        successors=successors,
        conversion=conversion,
    )


def _point(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    return None if lat is None or lon is None else (float(lat), float(lon))


_LEGACY_COLUMNS = {
    "province": "province",
    "province_short": "provinceShort",
    "province_code": "provinceCode",
    "province_key": "provinceKey",
    "district": "district",
    "district_short": "districtShort",
    "district_type": "districtType",
    "district_code": "districtCode",
    "district_key": "districtKey",
    "ward": "ward",
    "ward_short": "wardShort",
    "ward_type": "wardType",
    "ward_code": "wardCode",
    "ward_key": "wardKey",
}
_NEW_COLUMNS = {
    "province": "province",
    "province_short": "provinceShort",
    "province_code": "provinceCode",
    "province_key": "provinceKey",
    "ward": "ward",
    "ward_short": "wardShort",
    "ward_type": "wardType",
    "ward_code": "wardCode",
    "ward_key": "wardKey",
}


# -- the article's places -----------------------------------------------------------------


@dataclass(frozen=True)
class ArticlePlace:
    iri: URIRef
    kind: URIRef
    label: str
    parent: URIRef | None


def article_places(dataset: Dataset) -> list[ArticlePlace]:
    """The administrative units of the facts and context graphs, with their @vi labels."""
    union = Graph()
    for graph in dataset.graphs():
        name = str(graph.identifier)
        if name.startswith(str(GRAPH["facts/"])) or name.startswith(str(GRAPH["context/"])):
            for triple in graph:
                union.add(triple)
    kinds = (KGO.Province, KGO.District, KGO.Commune, KGO.Township)
    places: list[ArticlePlace] = []
    for kind in kinds:
        for iri in sorted({s for s in union.subjects(RDF.type, kind) if isinstance(s, URIRef)}):
            labels = [
                o for o in union.objects(iri, RDFS.label) if getattr(o, "language", None) == "vi"
            ]
            if not labels or not isinstance(iri, URIRef):
                continue
            parent = union.value(iri, SDO.containedInPlace)
            places.append(
                ArticlePlace(
                    iri, kind, str(labels[0]), parent if isinstance(parent, URIRef) else None
                )
            )
    return places


@dataclass
class Resolution:
    """Which legacy rows the article's places are, and which are not in the dataset."""

    provinces: dict[URIRef, str] = field(default_factory=dict)  # iri -> province key
    districts: dict[URIRef, tuple[str, str]] = field(default_factory=dict)  # -> (prov, dist)
    wards: dict[URIRef, LegacyUnit] = field(default_factory=dict)
    absent: list[ArticlePlace] = field(default_factory=list)


def resolve(places: list[ArticlePlace], data: AdminData) -> Resolution:
    """Find the article's places in the legacy table by name, type and parent (matcher)."""
    out = Resolution()
    labels = {p.iri: p.label for p in places}
    for place in places:
        parent_label = labels.get(place.parent) if place.parent else None
        if place.kind == KGO.Province:
            keys = {
                u.province_key
                for u in data.legacy
                if same_unit(UnitName(place.label), UnitName(u.province))
            }
            if len(keys) == 1:
                out.provinces[place.iri] = keys.pop()
                continue
        elif place.kind == KGO.District:
            keys2 = {
                (u.province_key, u.district_key)
                for u in data.legacy
                if same_unit(UnitName(place.label, parent_label), UnitName(u.district, u.province))
            }
            if len(keys2) == 1:
                out.districts[place.iri] = keys2.pop()
                continue
        else:
            rows = [
                u
                for u in data.legacy
                if same_unit(UnitName(place.label, parent_label), UnitName(u.ward, u.district))
            ]
            if len(rows) == 1:
                out.wards[place.iri] = rows[0]
                continue
        out.absent.append(place)
    return out


# -- rendering ---------------------------------------------------------------------------


def _lower_type(full: str, short: str) -> str:
    """ "Xã Nam Điền" -> "xã Nam Điền": the house style of @vi labels."""
    prefix = full[: len(full) - len(short)].strip()
    return f"{prefix.lower()} {short}" if prefix else short


def legacy_ward_iri(u: LegacyUnit) -> URIRef:
    return PLACE[f"{slugify(u.ward)}-{slugify(u.district_short)}"]


def legacy_district_iri(u: LegacyUnit) -> URIRef:
    return PLACE[slugify(u.district)]


def legacy_province_iri(u: LegacyUnit) -> URIRef:
    return PLACE[slugify(u.province)]


def new_ward_iri(u: NewUnit) -> URIRef:
    return PLACE[f"{slugify(u.ward)}-{slugify(u.province_short)}-2025"]


def new_province_iri(u: NewUnit) -> URIRef:
    return PLACE[f"{slugify(u.province)}-2025"]


class _Builder:
    def __init__(self) -> None:
        self.graph = Graph()
        self.owners: dict[URIRef, str] = {}

    def claim(self, iri: URIRef, owner: str) -> None:
        # Two different units must never get one IRI.
        previous = self.owners.setdefault(iri, owner)
        if previous != owner:
            raise InputError(f"two units would share the IRI {iri}: {previous} and {owner}")

    def unit(
        self,
        iri: URIRef,
        kind: URIRef,
        full: str,
        short: str,
        code: str,
        parent: URIRef | None,
        describe: bool,
        suffix: str = "",
    ) -> None:
        g = self.graph
        if describe:
            g.add((iri, RDF.type, kind))
            g.add((iri, RDFS.label, Literal(_lower_type(full, short) + suffix, lang="vi")))
            g.add((iri, RDFS.label, Literal(f"{short} {EN_TYPE[kind]}{suffix}", lang="en")))
            if parent is not None:
                g.add((iri, SDO.containedInPlace, parent))
        g.add((iri, SDO.name, Literal(full, lang="vi")))
        g.add((iri, KGO.gsoCode, Literal(code)))
        g.add((iri, DCTERMS.source, VAU_SOURCE))

    def ended(self, iri: URIRef) -> None:
        end = REFORM_2025_DATE - timedelta(days=1)
        self.graph.add((iri, SDO.validThrough, Literal(end.isoformat(), datatype=XSD.date)))
        self.graph.add((iri, PROV.wasInvalidatedBy, REFORM_2025))

    def started(self, iri: URIRef) -> None:
        start = REFORM_2025_DATE.isoformat()
        self.graph.add((iri, SDO.validFrom, Literal(start, datatype=XSD.date)))
        self.graph.add((iri, PROV.wasGeneratedBy, REFORM_2025))

    def replaces(self, new: URIRef, old: URIRef, whole: bool) -> None:
        self.graph.add((new, DCTERMS.replaces, old))
        self.graph.add((old, DCTERMS.isReplacedBy, new))
        # As in the gazetteer (kg.linking.gazetteer): how much of the former unit it took.
        self.graph.add((new, KGO.replacesWhole if whole else KGO.replacesPart, old))
        self.graph.add((old, KGO.isWhollyReplacedBy if whole else KGO.isPartlyReplacedBy, new))


@dataclass
class AdminLinks:
    graph: Graph
    resolution: Resolution
    notes: list[str]


def admin_links(dataset: Dataset, data: AdminData) -> AdminLinks:
    """The admin-unit link graph for the article's places (see the module docstring)."""
    places = article_places(dataset)
    resolution = resolve(places, data)
    b = _Builder()
    g = b.graph
    notes: list[str] = []

    legacy_by_key = {u.converter_key: u for u in data.legacy}
    known_district = {v: k for k, v in resolution.districts.items()}
    known_province = {v: k for k, v in resolution.provinces.items()}
    known_ward = {u.converter_key: k for k, u in resolution.wards.items()}

    def ward_iri(u: LegacyUnit) -> URIRef:
        return known_ward.get(u.converter_key) or legacy_ward_iri(u)

    def district_iri(u: LegacyUnit) -> URIRef:
        return known_district.get((u.province_key, u.district_key)) or legacy_district_iri(u)

    def province_iri(u: LegacyUnit) -> URIRef:
        return known_province.get(u.province_key) or legacy_province_iri(u)

    # 1. the legacy wards in scope: every ward of the article's districts, the article's
    #    wards, then every other ward the 2025 successors of those were formed from.
    scope: dict[str, LegacyUnit] = {}
    for u in data.legacy:
        if (u.province_key, u.district_key) in resolution.districts.values():
            scope[u.converter_key] = u
    for u in resolution.wards.values():
        scope[u.converter_key] = u
    new_by_key = {(u.province_key, u.ward_key): u for u in data.new}
    successor_of: dict[str, tuple[str, str]] = {}
    for new_key, olds in sorted(data.successors.items()):
        for old in olds:
            successor_of.setdefault(old, new_key)
    new_in_scope = sorted({successor_of[k] for k in scope if k in successor_of})
    for new_key in new_in_scope:
        for old in data.successors[new_key]:
            if old in legacy_by_key:
                scope.setdefault(old, legacy_by_key[old])
            else:
                notes.append(f"{old}: a predecessor of {new_key[1]} missing from the legacy table")

    # 2. legacy units: provinces, districts, wards
    for key in sorted(
        scope, key=lambda k: (scope[k].province_code, scope[k].district_code, scope[k].ward_code)
    ):
        u = scope[key]
        p_iri, d_iri, w_iri = province_iri(u), district_iri(u), ward_iri(u)
        b.claim(p_iri, f"province {u.province_code}")
        b.claim(d_iri, f"district {u.district_code}")
        b.claim(w_iri, f"ward {u.ward_code} (legacy)")
        b.unit(
            p_iri,
            KGO.Province,
            u.province,
            u.province_short,
            u.province_code,
            None,
            describe=p_iri not in resolution.provinces,
        )
        d_kind = LEGACY_DISTRICT_TYPES.get(u.district_type)
        w_kind = LEGACY_WARD_TYPES.get(u.ward_type)
        if d_kind is None or w_kind is None:
            raise InputError(
                f"no class for the unit type {u.district_type!r}/{u.ward_type!r} ({key})"
            )
        b.unit(
            d_iri,
            d_kind,
            u.district,
            u.district_short,
            u.district_code,
            p_iri,
            describe=d_iri not in resolution.districts,
        )
        b.unit(
            w_iri,
            w_kind,
            u.ward,
            u.ward_short,
            u.ward_code,
            d_iri,
            describe=w_iri not in resolution.wards,
        )
        for iri in (p_iri, d_iri, w_iri):
            b.ended(iri)

    # 3. 2025 units and what they replace
    for province_key, ward_key in new_in_scope:
        n = new_by_key.get((province_key, ward_key))
        if n is None:
            notes.append(f"{province_key}/{ward_key}: not in the 2025 table")
            continue
        np_iri, nw_iri = new_province_iri(n), new_ward_iri(n)
        b.claim(np_iri, f"province {n.province_code} (2025)")
        b.claim(nw_iri, f"ward {n.ward_code} (2025)")
        kind = NEW_WARD_TYPES.get(n.ward_type)
        if kind is None:
            raise InputError(f"no class for the unit type {n.ward_type!r} ({ward_key})")
        b.unit(
            np_iri,
            KGO.Province,
            n.province,
            n.province_short,
            n.province_code,
            None,
            describe=True,
            suffix=" (2025)",
        )
        b.unit(
            nw_iri, kind, n.ward, n.ward_short, n.ward_code, np_iri, describe=True, suffix=" (2025)"
        )
        b.started(np_iri)
        b.started(nw_iri)
        for old in data.successors[(province_key, ward_key)]:
            if old in scope:
                whole = data.conversion.get((old, (province_key, ward_key)), True)
                b.replaces(nw_iri, ward_iri(scope[old]), whole)
        for old_province in data.provinces.get(province_key, []):
            row = next((u for u in data.legacy if u.province_key == old_province), None)
            if row is None:
                notes.append(
                    f"{old_province}: a predecessor of {province_key} missing from the legacy table"
                )
                continue
            op_iri = province_iri(row)
            b.claim(op_iri, f"province {row.province_code}")
            b.unit(
                op_iri,
                KGO.Province,
                row.province,
                row.province_short,
                row.province_code,
                None,
                describe=op_iri not in resolution.provinces,
            )
            b.ended(op_iri)
            b.replaces(np_iri, op_iri, True)

    for place in resolution.absent:
        notes.append(
            f"{place.label} ({place.iri}): not in the {VAU_DISTRIBUTION} {VAU_VERSION} legacy table"
        )
    return AdminLinks(graph=g, resolution=resolution, notes=notes)


def _source_description(g: Graph) -> None:
    g.add((VAU_SOURCE, RDF.type, FOAF.Document))
    g.add((VAU_SOURCE, RDFS.label, Literal(f"{VAU_DISTRIBUTION} {VAU_VERSION}", lang="vi")))
    g.add(
        (
            VAU_SOURCE,
            RDFS.label,
            Literal(
                f"{VAU_DISTRIBUTION} {VAU_VERSION}: Vietnamese administrative units, "
                "legacy (63 provinces) "
                "and 2025 (34 provinces), from the statistics office's lists",
                lang="en",
            ),
        )
    )
    g.add(
        (
            VAU_SOURCE,
            FOAF.homepage,
            URIRef(f"https://pypi.org/project/{VAU_DISTRIBUTION}/{VAU_VERSION}/"),
        )
    )
    g.add((VAU_SOURCE, OWL.versionInfo, Literal(VAU_VERSION)))
    g.add((VAU_SOURCE, DCTERMS.license, URIRef("https://spdx.org/licenses/MIT")))


HEADER = (
    (
        f"# GENERATED by `kg link admin` from the {VAU_DISTRIBUTION} {VAU_VERSION} package "
        "(MIT licence):\n"
    )
    + """# its legacy table (63 provinces), its 2025 table (34 provinces) and its 2025 conversion
# table. Do not edit: change src/kg/linking/admin.py or data/links/admin-units-curated.tsv and
# regenerate. What the dataset lacks is in admin-units-curated.trig.
"""
)


def render_graph(graph: Graph, name: URIRef, header: str) -> bytes:
    """One named graph as TriG, deterministically, with the project's prefixes only."""
    from kg.io.parse import add_quads, new_dataset
    from kg.io.serialise import export

    ds = new_dataset()
    add_quads(ds, ((s, p, o, name) for s, p, o in graph))
    body = export(ds, "trig").decode("utf-8")
    return (header + "\n" + _used_prefixes_only(body)).encode("utf-8")


def _used_prefixes_only(trig: str) -> str:
    lines = trig.splitlines()
    prefix_lines = [ln for ln in lines if ln.startswith("@prefix ")]
    rest = "\n".join(ln for ln in lines if not ln.startswith("@prefix ")).lstrip("\n")
    kept = []
    for ln in prefix_lines:
        name = ln.split()[1]  # "kgo:"
        if name != ":" and (name in rest or name == "xsd:"):
            kept.append(ln)
    return "\n".join(kept) + "\n\n" + rest + ("\n" if not rest.endswith("\n") else "")


def admin_outputs(dataset: Dataset | None = None, data: AdminData | None = None) -> list[Output]:
    from kg.io.parse import load

    ds = load() if dataset is None else dataset
    links = admin_links(ds, read_admin_data() if data is None else data)
    g = links.graph
    g.add((G_ADMIN, DCTERMS.source, VAU_SOURCE))
    g.add((G_ADMIN, RDFS.label, Literal("liên kết đơn vị hành chính", lang="vi")))
    g.add((G_ADMIN, RDFS.label, Literal("administrative-unit links", lang="en")))
    _source_description(g)
    out = paths.data_dir() / "links" / "admin-units.trig"
    return [Output(out, render_graph(g, G_ADMIN, HEADER))]


# -- hand-curated tables ---------------------------------------------------------------------

CURATED_COLUMNS = ("subject", "predicate", "object", "source", "note")


@dataclass(frozen=True)
class CuratedFact:
    line: int
    subject: str
    predicate: str
    object: str
    source: str
    note: str


def read_curated(path: Path) -> list[CuratedFact]:
    """A hand-curated table: one fact a line, each with its source (a ``source:`` IRI)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    facts: list[CuratedFact] = []
    rows = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    header_seen = False
    for number, row in enumerate(rows, start=1):
        if not row or row[0].startswith("#"):
            continue
        if not header_seen:
            if tuple(row) != CURATED_COLUMNS:
                raise InputError(f"the header must be {' '.join(CURATED_COLUMNS)}", path, number)
            header_seen = True
            continue
        if len(row) != len(CURATED_COLUMNS):
            raise InputError(
                f"expected {len(CURATED_COLUMNS)} tab-separated columns, got {len(row)}",
                path,
                number,
            )
        fact = CuratedFact(number, *(cell.strip() for cell in row))
        if not fact.source:
            raise InputError("every fact names its source", path, number)
        facts.append(fact)
    return facts


def curated_graph(path: Path) -> Graph:
    """The facts of a curated table; each subject also gets ``dct:source`` its sources."""
    from kg.io.parse import NO_BASE, refuse_relative

    prefixes = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in sorted(PREFIXES.items()))
    graph = Graph()
    for fact in read_curated(path):
        text = prefixes + f"{fact.subject} {fact.predicate} {fact.object} .\n"
        text += f"{fact.subject} <{DCTERMS.source}> {fact.source} .\n"
        try:
            # A relative IRI in a cell is refused, not resolved against the current folder.
            parsed = Graph().parse(data=text, format="turtle", publicID=NO_BASE)
        except Exception as exc:
            raise InputError(f"not a Turtle triple: {one_line(exc)}", path, fact.line) from None
        for triple in parsed:
            for term in triple:
                try:
                    refuse_relative(term, path)
                except InputError as exc:
                    exc.line = fact.line
                    raise
            graph.add(triple)
    return graph


CURATED_HEADER = """# GENERATED by `kg link admin` from {table} (hand-curated: one fact a line, with
# its source; each unit's kgo:searchKey is derived from its label). Do not edit: edit the
# table and regenerate.
"""


def add_search_keys(graph: Graph) -> None:
    """``kgo:searchKey`` for each unit of ``graph`` with a Vietnamese label, its name
    without its type folded as the gazetteer folds its names: units-by-name then finds
    the units a curated table adds (the communes the gazetteer's source left out)."""
    for unit in {s for s, o in graph.subject_objects(RDF.type) if o in EN_TYPE}:
        for label in graph.objects(unit, RDFS.label):
            if isinstance(label, Literal) and label.language == "vi":
                bare = split_unit_name(str(label))[1]
                graph.add((unit, KGO.searchKey, Literal(search_key(bare))))


def curated_outputs() -> list[Output]:
    outputs: list[Output] = []
    for table in sorted((paths.data_dir() / "links").glob("*-curated.tsv")):
        name = table.name[: -len(".tsv")]
        graph_name = links_graph(name)
        g = curated_graph(table)
        add_search_keys(g)
        g.add((graph_name, RDFS.label, Literal(f"liên kết do người biên soạn: {name}", lang="vi")))
        g.add((graph_name, RDFS.label, Literal(f"hand-curated links: {name}", lang="en")))
        header = CURATED_HEADER.format(table=f"data/links/{table.name}")
        outputs.append(Output(table.with_suffix(".trig"), render_graph(g, graph_name, header)))
    return outputs


def iter_links(
    dataset: Dataset, predicates: Iterable[URIRef]
) -> Iterator[tuple[URIRef, URIRef, URIRef, URIRef]]:
    """(graph, subject, predicate, object) of the link triples in ``kgg:links/...`` graphs."""
    wanted = set(predicates)
    prefix = str(GRAPH["links/"])
    for s, p, o, g in sorted(
        dataset.quads((None, None, None, None)), key=lambda q: tuple(map(str, q))
    ):
        if (
            p in wanted
            and str(g).startswith(prefix)
            and isinstance(o, URIRef)
            and isinstance(s, URIRef)
        ):
            yield g, s, p, o  # type: ignore[misc]


# -- the dataset as RDF, for a second endpoint ------------------------------------------

UNIT_IRI = "urn:x-vietnamadminunits:" + VAU_VERSION + ":{table}:{code}"


def units_ntriples(data: AdminData | None = None) -> bytes:
    """Every unit of the dataset as N-Triples (schema.org terms), sorted, for serving from
    a second SPARQL endpoint (the federated query joins the graph with it).

    A unit is ``urn:x-vietnamadminunits:VERSION:TABLE:CODE`` (TABLE is ``legacy`` or
    ``2025``; provinces and districts of the legacy table too) with ``schema:identifier``
    (the statistics-office code), ``schema:name``, ``schema:temporalCoverage`` (the table)
    and ``schema:containedInPlace``. These IRIs are the package's, not the graph's.
    """
    d = read_admin_data() if data is None else data
    g = Graph()

    def unit(table: str, code: str, name: str, parent: str | None) -> None:
        iri = URIRef(UNIT_IRI.format(table=table, code=code))
        g.add((iri, RDF.type, SDO.AdministrativeArea))
        g.add((iri, SDO.identifier, Literal(code)))
        g.add((iri, SDO.name, Literal(name, lang="vi")))
        g.add((iri, SDO.temporalCoverage, Literal(table)))
        if parent:
            g.add((iri, SDO.containedInPlace, URIRef(UNIT_IRI.format(table=table, code=parent))))

    for u in d.legacy:
        unit("legacy", u.province_code, u.province, None)
        unit("legacy", u.district_code, u.district, u.province_code)
        unit("legacy", u.ward_code, u.ward, u.district_code)
    for n in d.new:
        unit("2025", n.province_code, n.province, None)
        unit("2025", n.ward_code, n.ward, n.province_code)
    lines = g.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
    return ("\n".join(sorted(ln for ln in lines if ln.strip())) + "\n").encode("utf-8")
