"""The country-wide gazetteer: every administrative unit of Vietnam before and after the
1 July 2025 reform, generated from the pinned ``vietnamadminunits`` release.

``gazetteer_output`` renders ``data/gazetteer/admin-units.trig``, one named graph
(``kgg:gazetteer/admin-units``) holding, for both tables of the dataset (the legacy one:
63 provinces, their districts and 10,040 communes, wards and townships; the 2025 one: 34
provinces and 3,321 communes, wards and special zones):

* the unit, typed by its kind (``kgo:Province``, ``kgo:District``, ``kgo:UrbanDistrict``,
  ``kgo:DistrictTown``, ``kgo:ProvincialCity``, ``kgo:Commune``, ``kgo:Ward``,
  ``kgo:Township``, ``kgo:SpecialZone``), its name as written (``schema:name``), labels
  (``rdfs:label`` @vi and @en), its statistics-office code (``kgo:gsoCode``), a folded
  search key (``kgo:searchKey``), the unit it lies in (``schema:containedInPlace``), its
  validity (``schema:validThrough`` 2025-06-30 and ``prov:wasInvalidatedBy`` the reform,
  or ``schema:validFrom`` 2025-07-01 and ``prov:wasGeneratedBy`` it) and ``dct:source``
  the dataset;
* its point, where the dataset has one: ``geo:hasCentroid <unit#centroid>``, whose
  ``geo:asWKT`` is a WKT ``POINT(longitude latitude)``;
* succession from the conversion table: ``dct:isReplacedBy`` / ``dct:replaces`` between
  a former unit and each 2025 unit that took its territory, qualified by
  ``kgo:isWhollyReplacedBy`` / ``kgo:replacesWhole`` (the successor took all of it) or
  ``kgo:isPartlyReplacedBy`` / ``kgo:replacesPart`` (it took a part; the former unit
  was divided). Districts, abolished as a level, are replaced by the 2025 units that
  took their communes; provinces by the province they were merged into.

The IRIs are the ones ``data/links/admin-units.trig`` has always used (so the article's
places and that slice stay valid), made unique where two units would share one: a
legacy commune ``place:{name}-{district}`` gains ``-{province}`` (then ``-{code}``), a
district ``place:{name}`` gains ``-{province}``, a 2025 unit
``place:{name}-{province}-2025`` gains its code before ``-2025``. The article's own
places keep their IRIs (found by name, type and parent as for the slice).

The file is written directly (not through rdflib's serialiser, which takes minutes on
250,000 triples), sorted, so the same dataset gives the same bytes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from rdflib import Dataset, URIRef

from kg.core import paths
from kg.core.errors import InputError
from kg.core.files import Output
from kg.core.namespaces import GRAPH, PREFIXES
from kg.core.text import slugify
from kg.linking.admin import (
    PLACE,
    REFORM_2025,
    REFORM_2025_DATE,
    VAU_DISTRIBUTION,
    VAU_SOURCE,
    VAU_VERSION,
    AdminData,
    LegacyUnit,
    NewUnit,
    article_places,
    read_admin_data,
    resolve,
)
from kg.linking.matching import search_key

K = TypeVar("K", str, tuple[str, str])

G_GAZETTEER = GRAPH["gazetteer/admin-units"]
GAZETTEER_FILE = Path(paths.GAZETTEER_DIR) / "admin-units.trig"

LAST_LEGACY_DAY = REFORM_2025_DATE - timedelta(days=1)
#: The first day the gazetteer vouches for a unit it gives no start (``schema:validFrom``):
#: its source's legacy table is the state of its last day, 30 June 2025, and has no start
#: dates, so such a unit is known to exist from that day only. The gazetteer's stored
#: queries state the same day in their text (queries/units-of-province-on-day.rq,
#: unit-with-code-on-day.rq); the VoID/DCAT description states it as the start of the
#: gazetteer's dct:temporal (kg.linking.linksets); kg.linking.addresses reads it too.
KNOWN_FROM = LAST_LEGACY_DAY

#: unit type as the dataset writes it -> (class, English type word)
PROVINCE_TYPES = {"Tỉnh": ("kgo:Province", "province"), "Thành phố": ("kgo:Province", "city")}
DISTRICT_TYPES = {
    "Huyện": ("kgo:District", "district"),
    "Quận": ("kgo:UrbanDistrict", "urban district"),
    "Thị xã": ("kgo:DistrictTown", "town"),
    "Thành phố": ("kgo:ProvincialCity", "city"),
}
LEGACY_WARD_TYPES = {
    "Xã": ("kgo:Commune", "commune"),
    "Phường": ("kgo:Ward", "ward"),
    "Thị trấn": ("kgo:Township", "township"),
}
NEW_WARD_TYPES = {
    "Xã": ("kgo:Commune", "commune"),
    "Phường": ("kgo:Ward", "ward"),
    "Đặc khu": ("kgo:SpecialZone", "special zone"),
}


def _type_of(full: str, short: str) -> str:
    return full[: len(full) - len(short)].strip()


def _literal(text: str, lang: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


@dataclass
class _Unit:
    iri: str  # the local name under place:
    kind: str
    full: str
    short: str
    en_type: str
    code: str
    parent: str | None
    point: tuple[float, float] | None
    legacy: bool
    successors: dict[str, bool] = field(default_factory=dict)  # iri -> whole


@dataclass
class Gazetteer:
    units: dict[str, _Unit]
    notes: list[str]

    def triples(self) -> int:
        return sum(len(v) for v in _statements(self).values())


def _unique(bases: dict[K, str], fallbacks: Iterable[dict[K, str]]) -> dict[K, str]:
    """key -> IRI: the base IRI where it is unique, else the first fallback that is."""
    chosen = dict(bases)
    for fallback in fallbacks:
        counts: dict[str, int] = defaultdict(int)
        for iri in chosen.values():
            counts[iri] += 1
        clashing = [k for k, iri in chosen.items() if counts[iri] > 1]
        if not clashing:
            return chosen
        for k in clashing:
            chosen[k] = fallback[k]
    counts = defaultdict(int)
    for iri in chosen.values():
        counts[iri] += 1
    if any(n > 1 for n in counts.values()):
        clash = sorted(iri for iri, n in counts.items() if n > 1)[0]
        raise InputError(f"two units would share the IRI place:{clash}")
    return chosen


def _local(iri: URIRef) -> str:
    return str(iri)[len(str(PLACE)) :]


def build_gazetteer(data: AdminData, dataset: Dataset | None = None) -> Gazetteer:
    """Every unit of both tables, with its succession (see the module docstring)."""
    notes: list[str] = []
    resolution = resolve(article_places(dataset), data) if dataset is not None else None

    provinces: dict[str, LegacyUnit] = {}
    districts: dict[tuple[str, str], LegacyUnit] = {}
    wards: dict[str, LegacyUnit] = {}
    for u in data.legacy:
        provinces.setdefault(u.province_key, u)
        districts.setdefault((u.province_key, u.district_key), u)
        if u.ward_key:
            wards[u.converter_key] = u

    p_iri = _unique({k: slugify(u.province) for k, u in provinces.items()}, [])
    d_iri = _unique(
        {k: slugify(u.district) for k, u in districts.items()},
        [{k: f"{slugify(u.district)}-{slugify(u.province_short)}" for k, u in districts.items()}],
    )
    w_iri = _unique(
        {k: f"{slugify(u.ward)}-{slugify(u.district_short)}" for k, u in wards.items()},
        [
            {
                k: f"{slugify(u.ward)}-{slugify(u.district_short)}-{slugify(u.province_short)}"
                for k, u in wards.items()
            },
            {
                k: f"{slugify(u.ward)}-{slugify(u.district_short)}-{slugify(u.province_short)}"
                f"-{u.ward_code}"
                for k, u in wards.items()
            },
        ],
    )
    if resolution is not None:
        for iri, key in resolution.provinces.items():
            p_iri[key] = _local(iri)
        for iri, dkey in resolution.districts.items():
            d_iri[dkey] = _local(iri)
        for iri, row in resolution.wards.items():
            w_iri[row.converter_key] = _local(iri)

    new_provinces: dict[str, NewUnit] = {}
    new_wards: dict[tuple[str, str], NewUnit] = {}
    for n in data.new:
        new_provinces.setdefault(n.province_key, n)
        new_wards[(n.province_key, n.ward_key)] = n
    np_iri = _unique({k: f"{slugify(n.province)}-2025" for k, n in new_provinces.items()}, [])
    nw_iri = _unique(
        {k: f"{slugify(n.ward)}-{slugify(n.province_short)}-2025" for k, n in new_wards.items()},
        [
            {
                k: f"{slugify(n.ward)}-{slugify(n.province_short)}-{n.ward_code}-2025"
                for k, n in new_wards.items()
            }
        ],
    )

    units: dict[str, _Unit] = {}

    def add(unit: _Unit) -> None:
        if unit.iri in units:
            raise InputError(f"two units would share the IRI place:{unit.iri}")
        units[unit.iri] = unit

    def kind_of(table: dict[str, tuple[str, str]], written: str, what: str) -> tuple[str, str]:
        found = table.get(written)
        if found is None:
            raise InputError(f"no class for the unit type {written!r} ({what})")
        return found

    for key, u in provinces.items():
        kind, en = kind_of(PROVINCE_TYPES, _type_of(u.province, u.province_short), u.province)
        add(
            _Unit(p_iri[key], kind, u.province, u.province_short, en, u.province_code, None,
                  u.province_point, True)
        )  # fmt: skip
    for dkey, u in districts.items():
        kind, en = kind_of(DISTRICT_TYPES, u.district_type, u.district)
        add(
            _Unit(d_iri[dkey], kind, u.district, u.district_short, en, u.district_code,
                  p_iri[u.province_key], u.district_point, True)
        )  # fmt: skip
    for wkey, u in wards.items():
        kind, en = kind_of(LEGACY_WARD_TYPES, u.ward_type, u.ward)
        add(
            _Unit(w_iri[wkey], kind, u.ward, u.ward_short, en, u.ward_code,
                  d_iri[(u.province_key, u.district_key)], u.ward_point, True)
        )  # fmt: skip
    for key, n in new_provinces.items():
        kind, en = kind_of(PROVINCE_TYPES, _type_of(n.province, n.province_short), n.province)
        add(
            _Unit(np_iri[key], kind, n.province, n.province_short, en, n.province_code, None,
                  n.province_point, False)
        )  # fmt: skip
    for nkey, n in new_wards.items():
        kind, en = kind_of(NEW_WARD_TYPES, n.ward_type, n.ward)
        add(
            _Unit(nw_iri[nkey], kind, n.ward, n.ward_short, en, n.ward_code,
                  np_iri[n.province_key], n.ward_point, False)
        )  # fmt: skip

    # Succession. A commune's, from the conversion table; a ward-less district (the
    # island districts) is in the table itself, under an empty commune key.
    district_succ: dict[tuple[str, str], dict[str, bool]] = defaultdict(dict)
    district_wards: dict[tuple[str, str], list[str]] = defaultdict(list)
    for wkey, u in wards.items():
        district_wards[(u.province_key, u.district_key)].append(w_iri[wkey])
    for (old, new_key), whole in sorted(data.conversion.items()):
        target = nw_iri.get(new_key)
        if target is None:
            notes.append(f"{old}: its successor {new_key[1]} is not in the 2025 table")
            continue
        province_key, district_key, ward_key = old.split("_", 2)
        if not ward_key and (province_key, district_key) in districts:
            units[d_iri[(province_key, district_key)]].successors[target] = whole
            continue
        if old not in wards:
            notes.append(f"{old}: in the conversion table, not in the legacy table")
            continue
        units[w_iri[old]].successors[target] = whole
        district_succ[(province_key, district_key)].setdefault(target, True)
    # A district went wholly into a 2025 unit only if all its communes did and no other
    # unit took any of them.
    for dkey, targets in district_succ.items():
        unit = units[d_iri[dkey]]
        only_whole = all(all(units[c].successors.values()) for c in district_wards[dkey])
        for target in targets:
            unit.successors[target] = only_whole and len(targets) == 1
    for new_province, old_provinces in data.provinces.items():
        for old_province in old_provinces:
            if old_province not in p_iri:
                notes.append(f"{old_province}: a predecessor of {new_province} not in the table")
                continue
            units[p_iri[old_province]].successors[np_iri[new_province]] = True
    for unit in units.values():
        if unit.legacy and not unit.successors:
            notes.append(f"place:{unit.iri}: no successor in the conversion table")
    return Gazetteer(units=units, notes=notes)


def _point_wkt(point: tuple[float, float]) -> str:
    lat, lon = point
    return f'"POINT({lon!r} {lat!r})"^^geo:wktLiteral'


def _statements(g: Gazetteer) -> dict[str, list[tuple[str, str]]]:
    """subject (as written) -> [(predicate, object)], every term as TriG text."""
    source = "source:" + str(VAU_SOURCE).rsplit("/", 1)[-1]
    reform = "event:" + str(REFORM_2025).rsplit("/", 1)[-1]
    out: dict[str, list[tuple[str, str]]] = {}
    replaces: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for unit in g.units.values():
        for target, whole in unit.successors.items():
            replaces[target].append((unit.iri, whole))
    for unit in g.units.values():
        s = f"place:{unit.iri}"
        suffix = "" if unit.legacy else " (2025)"
        kind_vi = _type_of(unit.full, unit.short)
        vi = f"{kind_vi.lower()} {unit.short}" if kind_vi else unit.short
        po = [
            ("a", unit.kind),
            ("rdfs:label", _literal(f"{unit.short} {unit.en_type}{suffix}", "en")),
            ("rdfs:label", _literal(vi + suffix, "vi")),
            ("schema:name", _literal(unit.full, "vi")),
            ("kgo:gsoCode", _literal(unit.code)),
            ("kgo:searchKey", _literal(search_key(unit.short))),
            ("dct:source", source),
        ]
        if unit.parent is not None:
            po.append(("schema:containedInPlace", f"place:{unit.parent}"))
        if unit.legacy:
            po.append(("schema:validThrough", f'"{LAST_LEGACY_DAY.isoformat()}"^^xsd:date'))
            po.append(("prov:wasInvalidatedBy", reform))
        else:
            po.append(("schema:validFrom", f'"{REFORM_2025_DATE.isoformat()}"^^xsd:date'))
            po.append(("prov:wasGeneratedBy", reform))
        for target, whole in unit.successors.items():
            po.append(("dct:isReplacedBy", f"place:{target}"))
            qualified = "kgo:isWhollyReplacedBy" if whole else "kgo:isPartlyReplacedBy"
            po.append((qualified, f"place:{target}"))
        for former, whole in replaces.get(unit.iri, []):
            po.append(("dct:replaces", f"place:{former}"))
            po.append(("kgo:replacesWhole" if whole else "kgo:replacesPart", f"place:{former}"))
        if unit.point is not None:
            centroid = f"<{PLACE}{unit.iri}#centroid>"
            po.append(("geo:hasCentroid", centroid))
            out[centroid] = [("a", "geo:Geometry"), ("geo:asWKT", _point_wkt(unit.point))]
        out[s] = po
    graph = f"<{G_GAZETTEER}>"
    out[graph] = [
        ("rdfs:label", _literal("địa danh hành chính Việt Nam, trước và sau 2025", "vi")),
        (
            "rdfs:label",
            _literal("gazetteer of Vietnam's administrative units, before and after 2025", "en"),
        ),
        ("dct:source", source),
    ]
    out[source] = [
        ("a", "foaf:Document"),
        ("rdfs:label", _literal(f"{VAU_DISTRIBUTION} {VAU_VERSION}", "vi")),
        ("foaf:homepage", f"<https://pypi.org/project/{VAU_DISTRIBUTION}/{VAU_VERSION}/>"),
        ("owl:versionInfo", _literal(VAU_VERSION)),
        ("dct:license", "<https://spdx.org/licenses/MIT>"),
    ]
    return out


USED_PREFIXES = (
    "dct",
    "event",
    "foaf",
    "geo",
    "kgo",
    "owl",
    "place",
    "prov",
    "rdfs",
    "schema",
    "source",
    "xsd",
)

HEADER = (
    (
        f"# GENERATED by `kg link admin` from the {VAU_DISTRIBUTION} {VAU_VERSION} package "
        "(MIT licence):\n"
    )
    + """# every unit of its legacy table (63 provinces) and of its 2025 table (34 provinces), and
# the succession of its 2025 conversion table. Do not edit: change
# src/kg/linking/gazetteer.py and regenerate. The model is in docs/gazetteer.md.
"""
)


def render_gazetteer(g: Gazetteer) -> bytes:
    """The gazetteer as TriG: subjects sorted, one predicate a line, objects sorted."""
    lines = [HEADER]
    lines.extend(f"@prefix {p}: <{PREFIXES[p]}> ." for p in USED_PREFIXES)
    lines.append("")
    lines.append(f"<{G_GAZETTEER}> {{")
    statements = _statements(g)

    def order(subject: str) -> tuple[int, str]:
        # graph description and source first, then units by IRI (each with its point next)
        return (0 if subject.startswith("<https://w3id.org/vn-kg/graph/") else 1, subject)

    for subject in sorted(statements, key=lambda s: (order(s)[0], _sort_key(s))):
        by_predicate: dict[str, list[str]] = defaultdict(list)
        for p, o in statements[subject]:
            if o not in by_predicate[p]:
                by_predicate[p].append(o)
        predicates = sorted(by_predicate, key=lambda p: "" if p == "a" else p)
        parts = [f"{p} {', '.join(sorted(by_predicate[p]))}" for p in predicates]
        lines.append(f"    {subject} " + " ;\n        ".join(parts) + " .")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _sort_key(subject: str) -> str:
    # place:x and <...place/x#centroid> sort together
    if subject.startswith("place:"):
        return str(PLACE) + subject[len("place:") :]
    return subject.strip("<>")


def gazetteer_output(dataset: Dataset | None = None, data: AdminData | None = None) -> Output:
    from kg.io.parse import load

    ds = load() if dataset is None else dataset
    g = build_gazetteer(read_admin_data() if data is None else data, ds)
    return Output(paths.data_dir() / GAZETTEER_FILE, render_gazetteer(g))
