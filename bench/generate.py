"""A synthetic kg graph at any size, with the project's ontology, shapes and IRI patterns.

    python bench/generate.py --triples 1e6 -o /tmp/kg-1e6.nq [--seed 1] [--error-rate 0.01]
    python bench/generate.py --districts 20 --years 5 -o /tmp/kg.trig

One "article" per district and year, modelled on data/nam-truc-2021-11-01: a yearly report
of a district party organisation on implementing Central Resolution 4 (khóa XII), in the
named graphs kgg:facts/SLUG and kgg:evidence/SLUG (SLUG = district slug + publication
date). Each article has a Vietnamese source text (kgo:text) and one oa:Annotation per
quoted span, whose TextQuoteSelector and TextPositionSelector point at the words of that
text, so the evidence checks hold. The facts copy the patterns of the real data: bodies
(district party organisation, committee, standing committee, inspection committee,
commune party committees), places, posts and memberships, national and local documents
with ELI properties, counts and percentages with exact values or bounds and their
qualifiers, a partition, a subset, a derived sum, activities, a quotation with lessons.

Only data is written: validate it with the shipped ontology and vocabulary beside it,

    kg validate ontology/kg.ttl ontology/vocabularies.ttl /tmp/kg.nq

With --error-rate R, each of the ERROR_KINDS sites of every article is corrupted with
probability R; every planted error is listed, with the validation results it must
cause (focus node, constraint component or check), in a JSON manifest beside the
output (FILE.manifest.json). The same arguments give the same bytes. Lines are written
as they are made (N-Quads, or TriG when FILE ends in .trig), to a temporary file that is
renamed at the end; nothing is held in an rdflib graph.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from kg.core.namespaces import BASE, PREFIXES
from kg.core.text import ENGLISH_MONTHS, slugify
from kg.publish.evidence import CONTEXT_CHARS

FIRST_YEAR = 2016  # Central Resolution 4 (khóa XII) dates from October 2016
MAX_YEARS_AUTO = 10  # --triples grows the years up to this, then the districts

ERROR_KINDS: dict[str, str] = {
    "count-exact-and-bound": "a count with an exact value and a bound (kgo:minExclusive)",
    "percentage-over-100": "a percentage above 100",
    "missing-label": "an activity without its English label",
    "part-above-whole": "a part of a partition above its whole (the sum breaks too)",
    "broken-evidence-offset": "a TextPositionSelector shifted by one code point",
    "subset-above-superset": "a subset's share above its superset's",
    "derived-sum-mismatch": "a derived sum that is not the sum of its inputs",
    "negative-count": "a negative count",
    "bad-document-number": "a document number (eli:id_local) not in the form 12-NQ/HU",
    "dangling-scope": "a statistic whose kgo:scope is an undescribed body",
}


def _p(prefixed: str) -> str:
    prefix, _, local = prefixed.partition(":")
    return f"<{PREFIXES[prefix]}{local}>"


XSD = PREFIXES["xsd"]
RDF_TYPE = _p("rdf:type")
LABEL = _p("rdfs:label")
INTEGER = f"{XSD}integer"
DECIMAL = f"{XSD}decimal"

# -- names -------------------------------------------------------------------------------

SYLLABLES = [
    "An",
    "Bình",
    "Cẩm",
    "Đông",
    "Gia",
    "Hải",
    "Hòa",
    "Hưng",
    "Kim",
    "Lạc",
    "Long",
    "Mỹ",
    "Nam",
    "Nghĩa",
    "Ninh",
    "Phú",
    "Phúc",
    "Quảng",
    "Tân",
    "Thạch",
    "Thanh",
    "Thiệu",
    "Thuận",
    "Tiên",
    "Trực",
    "Trường",
    "Tứ",
    "Văn",
    "Vĩnh",
    "Xuân",
    "Yên",
    "Đức",
    "Hà",
    "Lâm",
    "Sơn",
    "Định",
    "Lộc",
    "Thọ",
    "Bảo",
    "Hoài",
]
PROVINCES = [
    "Nam Định",
    "Thái Bình",
    "Ninh Bình",
    "Hà Nam",
    "Hải Dương",
    "Hưng Yên",
    "Bắc Ninh",
    "Bắc Giang",
    "Phú Thọ",
    "Vĩnh Phúc",
    "Thanh Hóa",
    "Nghệ An",
    "Hà Tĩnh",
    "Quảng Bình",
    "Quảng Trị",
    "Quảng Nam",
    "Quảng Ngãi",
    "Bình Định",
    "Phú Yên",
    "Khánh Hòa",
    "Đắk Lắk",
    "Gia Lai",
    "Lâm Đồng",
    "Long An",
    "Tiền Giang",
    "Bến Tre",
    "Trà Vinh",
    "Vĩnh Long",
    "Đồng Tháp",
    "An Giang",
    "Kiên Giang",
    "Sóc Trăng",
    "Bạc Liêu",
    "Cà Mau",
    "Tây Ninh",
    "Bình Phước",
]
SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Phan",
    "Trịnh",
]
MIDDLE = ["Văn", "Thị", "Quang", "Minh", "Đức", "Thanh", "Hữu", "Ngọc", "Xuân", "Công"]
GIVEN = [
    "Huy",
    "Hùng",
    "Lan",
    "Mai",
    "Nam",
    "Sơn",
    "Tuấn",
    "Dũng",
    "Hà",
    "Thắng",
    "Trọng",
    "Hải",
    "Long",
    "Bình",
    "Cường",
    "Phương",
    "Hương",
    "Khánh",
    "Thành",
    "Tâm",
]
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")

TITLES = (
    (
        "Đảng bộ {d} tạo chuyển biến từ thực hiện Nghị quyết Trung ương 4",
        "{d} party organisation brings change by implementing Central Resolution 4",
    ),
    (
        "{d}: nâng cao năng lực lãnh đạo, sức chiến đấu của tổ chức cơ sở đảng",
        "{d}: stronger leadership and fighting strength of base party organisations",
    ),
    (
        "Đảng bộ huyện {d} tổng kết công tác xây dựng Đảng năm {y}",
        "The {d} district party organisation reviews party building in {y}",
    ),
)
LOCAL_TOPICS = (
    ("về nâng cao chất lượng sinh hoạt chi bộ", "on better party-cell meetings"),
    ("về công tác cán bộ giai đoạn mới", "on cadre work in the new period"),
    ("về xây dựng nông thôn mới kiểu mẫu", "on model new rural areas"),
    ("về cải cách hành chính", "on administrative reform"),
    ("về phát triển kinh tế tập thể", "on the collective economy"),
)
DIRECTIVE_TOPICS = (
    ("về tăng cường công tác kiểm tra, giám sát", "on stronger inspection and supervision"),
    ("về thực hiện trách nhiệm nêu gương", "on exemplary responsibility"),
    ("về công tác tiếp công dân", "on receiving citizens"),
)
VIOLATIONS = (
    (
        "khong-chap-hanh-nghiem-nguyen-tac-to-chuc-cua-dang",
        "không chấp hành nghiêm các nguyên tắc tổ chức của Đảng",
    ),
    ("sa-sut-y-chi-phan-dau", "sa sút ý chí phấn đấu"),
    ("ne-trach-nhiem", "né trách nhiệm"),
    ("thieu-trach-nhiem", "thiếu trách nhiệm"),
    ("lam-viec-qua-loa-dai-khai-kem-hieu-qua", "làm việc qua loa, đại khái, kém hiệu quả"),
    ("vi-pham-nguyen-tac-tap-trung-dan-chu", "vi phạm nguyên tắc tập trung dân chủ"),
    ("gay-mat-doan-ket-noi-bo", "gây mất đoàn kết nội bộ"),
    (
        "gay-lang-phi-that-thoat",
        "gây lãng phí, thất thoát tài chính, tài sản, ngân sách Nhà nước, đất đai, tài nguyên",
    ),
    ("chi-tieu-cong-quy-tuy-tien-vo-nguyen-tac", "chi tiêu công quỹ tùy tiện, vô nguyên tắc"),
)
REVIEW_TOPICS = (
    ("xay-dung-ntm", "các vấn đề trong xây dựng NTM"),
    ("dam-bao-hanh-lang-giao-thong", "đảm bảo hành lang giao thông"),
    ("ve-sinh-moi-truong", "công tác vệ sinh môi trường"),
    ("giu-gin-doan-ket-noi-bo", "công tác giữ gìn đoàn kết nội bộ"),
    ("dam-bao-an-ninh-trat-tu", "đảm bảo an ninh trật tự"),
    ("quan-ly-nha-nuoc-ve-dat-dai", "công tác quản lý Nhà nước về đất đai"),
    ("giai-quyet-don-thu-khieu-nai-to-cao", "công tác giải quyết đơn thư khiếu nại, tố cáo"),
    ("quy-hoach-tao-nguon-can-bo", "công tác quy hoạch, tạo nguồn cán bộ"),
    ("ty-le-bao-phu-bao-hiem-y-te", "tỷ lệ bao phủ bảo hiểm y tế"),
)
LESSONS = (
    (
        "phải kịp thời nắm vững diễn biến tư tưởng của cán bộ, đảng viên",
        "keep track of the thinking of cadres and members",
    ),
    ("người đứng đầu phải thật sự gương mẫu", "heads must set a true example"),
    ("phải nghiêm túc tự phê bình và phê bình", "self-criticism and criticism must be serious"),
    (
        "thường xuyên kiểm tra, giám sát định kỳ, đột xuất",
        "regular scheduled and unscheduled inspection and supervision",
    ),
    ("kiên quyết xử lý những trường hợp suy thoái", "firmly deal with cases of degradation"),
    ("kịp thời biểu dương, khen thưởng cách làm hay", "praise and reward good practice in time"),
    ("phát huy vai trò giám sát của nhân dân", "make the most of supervision by the people"),
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def percent_vi(value: float) -> str:
    text = f"{value:.1f}".replace(".", ",")
    return (text[:-2] if text.endswith(",0") else text) + "%"


# -- terms -------------------------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def iri(kind: str, local: str) -> str:
    return f"<{BASE}id/{kind}/{local}>"


def lit(text: str) -> str:
    return '"' + text.translate(_ESCAPES) + '"'


def vi(text: str) -> str:
    return lit(text) + "@vi"


def en(text: str) -> str:
    return lit(text) + "@en"


def typed(lexical: str, datatype: str) -> str:
    return f'"{lexical}"^^<{datatype}>'


def integer(n: int) -> str:
    return typed(str(n), INTEGER)


def decimal(value: float) -> str:
    # The canonical spelling (XSD 1.1: no trailing zeros, no point for whole values),
    # which every store keeps as written; Oxigraph would store "98.0" as "98".
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return typed(text if text not in ("", "-0") else "0", DECIMAL)


def graph_iri(kind: str, slug: str) -> str:
    return f"<{BASE}graph/{kind}/{slug}>"


def bare(term: str) -> str:
    """The IRI inside ``<...>``."""
    return term[1:-1]


# -- the source text ---------------------------------------------------------------------


class Text:
    """A source text written piece by piece; a piece may be evidence for resources."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.spans: dict[tuple[int, int], list[str]] = {}

    def add(self, piece: str, *bodies: str) -> tuple[int, int]:
        piece = nfc(piece)
        start = self.length
        self.parts.append(piece)
        self.length += len(piece)
        if bodies:
            self.mark(start, self.length, *bodies)
        return start, self.length

    def mark(self, start: int, end: int, *bodies: str) -> None:
        listed = self.spans.setdefault((start, end), [])
        for body in bodies:
            if body not in listed:
                listed.append(body)

    def text(self) -> str:
        return "".join(self.parts)


# -- one article -------------------------------------------------------------------------


@dataclass
class District:
    index: int
    name: str
    slug: str
    province: str
    communes: list[tuple[str, str, bool]]  # name, slug, is a township
    seed: str


@dataclass
class Article:
    district: District
    year: int
    slug: str
    facts: list[tuple[str, str, str]] = field(default_factory=list)
    evidence: list[tuple[str, str, str]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    seen: set[tuple[str, str, str]] = field(default_factory=set)

    def add(self, s: str, p: str, o: str) -> None:
        # A graph is a set: a triple stated twice (the author is also the secretary, the
        # year is also the first year) is written once. The set is only asked, never
        # iterated, so the output order stays that of the code.
        if (s, p, o) not in self.seen:
            self.seen.add((s, p, o))
            self.facts.append((s, p, o))

    def labelled(self, s: str, types: list[str], label_vi: str, label_en: str | None) -> None:
        for t in types:
            self.add(s, RDF_TYPE, _p(t))
        self.add(s, LABEL, vi(label_vi))
        if label_en is not None:
            self.add(s, LABEL, en(label_en))


def make_districts(count: int, seed: int) -> list[District]:
    rng = random.Random(f"kg-generate:{seed}:districts")
    taken: set[str] = set()
    districts: list[District] = []
    for index in range(count):
        for attempt in range(1000):
            n = 2 if attempt < 50 else 3
            name = " ".join(rng.sample(SYLLABLES, n))
            slug = slugify(name)
            if slug not in taken:
                taken.add(slug)
                break
        else:  # pragma: no cover - 40^3 names
            raise SystemExit("ran out of district names")
        province = PROVINCES[rng.randrange(len(PROVINCES))]
        communes: list[tuple[str, str, bool]] = []
        commune_slugs: list[str] = []
        for c in range(rng.randint(3, 6)):
            while True:
                cname = " ".join(rng.sample(SYLLABLES, 2))
                cslug = slugify(cname)
                if cslug not in commune_slugs:
                    commune_slugs.append(cslug)
                    break
            communes.append((cname, cslug, c == 0))
        districts.append(District(index, name, slug, province, communes, f"{seed}:{slug}"))
    return districts


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def build_article(district: District, year: int, rate: float) -> Article:
    """Every quad of one article, and the errors planted in it."""
    rng = random.Random(f"kg-generate:{district.seed}:{year}")
    err_rng = random.Random(f"kg-generate:{district.seed}:{year}:errors")
    planted = [kind for kind in ERROR_KINDS if err_rng.random() < rate]
    d, ds, year_s = district.name, district.slug, str(year)
    published = dt.date(year, 12, 1) + dt.timedelta(days=rng.randrange(28))
    pub = published.isoformat()
    slug = f"{ds}-{pub}"
    a = Article(district, year, slug)
    facts_g = graph_iri("facts", slug)
    # ---- IRIs
    article = iri("article", slug)
    source = iri("source", slug)
    dataset = iri("dataset", slug)
    party = iri("body", "dang-cong-san-viet-nam")
    cc = iri("body", "ban-chap-hanh-trung-uong-khoa-xii")
    politburo = iri("body", "bo-chinh-tri")
    term = iri("term", "khoa-xii")
    plenum = iri("event", "hoi-nghi-trung-uong-4-khoa-xii")
    nq4 = iri("document", "04-nq-tw-khoa-xii")
    ct5 = iri("document", "05-ct-tw-khoa-xii")
    province = iri("place", "tinh-" + slugify(district.province))
    place = iri("place", "huyen-" + ds)
    org = iri("body", "dang-bo-huyen-" + ds)
    committee = iri("body", "huyen-uy-" + ds)
    standing = iri("body", "ban-thuong-vu-huyen-uy-" + ds)
    inspection = iri("body", "uy-ban-kiem-tra-huyen-uy-" + ds)
    p_pub = iri("period", pub)
    p_year = iri("period", year_s)
    p_first = iri("period", str(FIRST_YEAR))
    p_since = iri("period", f"{FIRST_YEAR}-to-{pub}")
    implementation = iri("activity", f"thuc-hien-nghi-quyet-trung-uong-4-{ds}-{year}")
    discipline = iri("activity", f"xu-ly-ky-luat-dang-vien-{ds}-{year}")
    supervision = iri("activity", f"kiem-tra-giam-sat-{ds}-{year}")
    assessment = iri("activity", f"danh-gia-xep-loai-{ds}-{year}")
    review = iri("activity", f"goi-y-kiem-diem-{ds}-{year}")
    outcome = iri("outcome", f"dong-thuan-trong-nhan-dan-{ds}-{year}")

    def stat(what: str, period: str) -> str:
        return iri("statistic", f"{ds}-{what}-{period}")

    s_total = stat("to-chuc-co-so-dang", pub)
    s_committees = stat("dang-bo-co-so", pub)
    s_cells = stat("chi-bo-co-so", pub)
    s_members = stat("dang-vien", pub)
    s_admitted = stat("ket-nap-dang-vien", year_s)
    groups = (
        ("tu-tuong-chinh-tri", "vi phạm về tư tưởng chính trị", "political ideology"),
        ("dao-duc-loi-song", "suy thoái về đạo đức, lối sống", "morality and lifestyle"),
        (
            "tu-dien-bien-tu-chuyen-hoa",
            "có biểu hiện “tự diễn biến”, “tự chuyển hóa”",
            "“self-evolution”, “self-transformation”",
        ),
    )
    s_groups = [stat(f"ky-luat-{g[0]}", year_s) for g in groups]
    s_disciplined = stat("ky-luat-tong", year_s)
    s_inspected_orgs = stat("kiem-tra-to-chuc-dang", year_s)
    s_inspected_members = stat("kiem-tra-dang-vien", year_s)
    s_base_rated = stat("to-chuc-co-so-dang-hoan-thanh-tot-tro-len", year_s)
    s_members_rated = stat("dang-vien-hoan-thanh-tro-len", year_s)
    s_excellent = stat("dang-vien-hoan-thanh-xuat-sac", year_s)

    # ---- the district's people: the secretary changes with the term (every 5 years)
    term_rng = random.Random(f"kg-generate:{district.seed}:term:{(year - FIRST_YEAR) // 5}")
    secretary_name = person_name(term_rng)
    secretary = iri("person", slugify(secretary_name))
    author_name = person_name(rng)
    author = iri("person", slugify(author_name))
    post = iri("post", "bi-thu-huyen-uy-" + ds)
    membership = iri("membership", f"{slugify(secretary_name)}-huyen-uy-{ds}")

    # ---- the figures
    committees_n = rng.randint(15, 35)
    cells_n = rng.randint(10, 40)
    total_n = committees_n + cells_n
    members_n = rng.randint(40, 160) * 100 + rng.randrange(100)
    admitted_n = rng.randint(80, 400)
    group_n = [rng.randint(1, 15), rng.randint(2, 40), rng.randint(1, 30)]
    inspected_orgs_n = rng.randint(3, 25)
    inspected_members_n = rng.randint(5, 60)
    base_rated = round(rng.uniform(80.0, 95.0), 1)
    members_rated = round(rng.uniform(90.0, 99.0), 1)
    excellent = round(rng.uniform(10.0, 20.0), 1)
    member_form = rng.randrange(3)  # 0 exact, 1 "hơn N nghìn", 2 "gần N nghìn"
    base_form = rng.randrange(2)  # 0 exact, 1 "trên N%"
    excellent_form = rng.randrange(2)
    n_resolution = rng.randint(1, 60)
    n_directive = rng.randint(1, 30)
    resolution_date = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(120))
    directive_date = resolution_date + dt.timedelta(days=rng.randrange(1, 150))
    local_res = iri("document", f"{n_resolution}-nq-hu-{ds}-{year}")
    local_dir = iri("document", f"{n_directive}-ct-btv-{ds}-{year}")
    res_topic = rng.choice(LOCAL_TOPICS)
    dir_topic = rng.choice(DIRECTIVE_TOPICS)
    violations = rng.sample(VIOLATIONS, 3)
    topics = rng.sample(REVIEW_TOPICS, 3)
    lesson_picks = rng.sample(range(len(LESSONS)), 3)
    title_vi, title_en = rng.choice(TITLES)
    title_vi = title_vi.format(d=d, y=year)
    title_en = title_en.format(d=d, y=year)

    # ---- the source text, with the evidence spans
    t = Text()
    t.add(title_vi, article)
    t.add("\nCập nhật lúc")
    hour, minute = rng.randint(6, 20), rng.randrange(60)
    stamp_start = t.length
    t.add(f"{hour:02d}:{minute:02d}, {WEEKDAYS[published.weekday()]}, ")
    t.add(published.strftime("%d/%m/%Y"), p_pub)
    t.add(" (GMT+7)")
    t.mark(stamp_start - len("Cập nhật lúc"), t.length, article)
    t.add("\n\n")
    first = t.length
    t.add("Đảng bộ ")
    t.add(f"huyện {d}", place)
    t.mark(first, t.length, org)
    t.add(" (")
    t.add(f"tỉnh {district.province}", province)
    t.add(") ")
    t.add("hiện có", p_pub)
    t.add(" ")
    t.add(f"{total_n} tổ chức cơ sở đảng", s_total)
    t.mark(first, t.length, dataset)
    t.add(", trong đó có ")
    t.add(f"{committees_n} đảng bộ", s_committees)
    t.add(" và ")
    t.add(f"{cells_n} chi bộ cơ sở", s_cells)
    t.add(" trực thuộc với ")
    if member_form == 0:
        t.add(f"{thousands(members_n)} đảng viên", s_members)
    elif member_form == 1:
        t.add(f"hơn {members_n // 1000} nghìn đảng viên", s_members)
    else:
        t.add(f"gần {members_n // 1000 + 1} nghìn đảng viên", s_members)
    t.add(". Địa bàn huyện có ")
    commune_iris: list[tuple[str, str, str, str, bool]] = []
    for i, (cname, cslug, township) in enumerate(district.communes):
        kind_vi, kind_slug = ("thị trấn", "thi-tran") if township else ("xã", "xa")
        cplace = iri("place", f"{kind_slug}-{cslug}-{ds}")
        cbody = iri("body", f"dang-bo-{kind_slug}-{cslug}-{ds}")
        commune_iris.append((cname, cplace, cbody, kind_vi, township))
        if i:
            t.add(", " if i < len(district.communes) - 1 else " và ")
        start = t.length
        t.add("Đảng bộ ")
        t.add(f"{kind_vi} {cname}", cplace)
        t.mark(start, t.length, cbody)
    t.add(" là những đơn vị tiêu biểu.\n\n")

    t.add(f"Năm {year}", p_year)
    t.add(", toàn Đảng bộ kết nạp được ")
    t.add(f"{admitted_n} đảng viên mới", s_admitted)
    t.add(". ")
    impl_start = t.length
    t.add("Thực hiện ")
    nq4_start = t.length
    t.add("Nghị quyết Trung ương 4 (")
    t.add("khóa XII", term)
    t.add(")")
    t.mark(nq4_start, t.length, nq4, plenum)
    t.add(" của ")
    t.add("Ban Chấp hành Trung ương", cc)
    t.add(" về tăng cường xây dựng, chỉnh đốn ")
    t.add("Đảng", party)
    t.add(" và ")
    t.add("Chỉ thị 05-CT/TW", ct5)
    t.add(" của ")
    t.add("Bộ Chính trị", politburo)
    t.mark(impl_start, t.length, implementation)
    t.add(" ")
    t.add("từ năm 2016 đến nay", p_since)
    t.mark(t.length - len("năm 2016 đến nay"), t.length - len(" đến nay"), p_first)
    t.add(", ")
    t.add(f"Huyện ủy {d}", committee)
    t.add(" đã ban hành ")
    t.add(f"Nghị quyết số {n_resolution}-NQ/HU", local_res)
    t.add(f" ngày {resolution_date.strftime('%d/%m/%Y')} {res_topic[0]}; ")
    t.add(f"Ban Thường vụ Huyện ủy {d}", standing)
    t.add(" ban hành ")
    t.add(f"Chỉ thị số {n_directive}-CT/HU", local_dir)
    t.add(f" ngày {directive_date.strftime('%d/%m/%Y')} {dir_topic[0]}, ")
    t.add("tạo sự đồng thuận trong nhân dân", outcome)
    t.add(".\n\n")

    t.add(f"Trong năm {year}, Ban Thường vụ Huyện ủy đã ")
    t.add("xem xét, xử lý kỷ luật", discipline)
    t.add(" ")
    for i, (_, words, _) in enumerate(groups):
        if i:
            t.add(", " if i < 2 else " và ")
        t.add(f"{group_n[i]} đảng viên {words}", s_groups[i])
    t.add(". Các vi phạm chủ yếu là ")
    for i, (vslug, words) in enumerate(violations):
        if i:
            t.add(", " if i < 2 else " và ")
        t.add(words, iri("concept", "violation-type/" + vslug))
    t.add(". ")
    t.add("Ủy ban Kiểm tra Huyện ủy", inspection)
    t.add(" đã ")
    start = t.length
    t.add("kiểm tra ")
    t.add(f"{inspected_orgs_n} tổ chức đảng", s_inspected_orgs)
    t.add(" và ")
    t.add(f"{inspected_members_n} đảng viên", s_inspected_members)
    t.mark(start, t.length, supervision)
    t.add(" khi có dấu hiệu vi phạm.\n\n")

    t.add("Kết quả ")
    t.add(f"đánh giá, xếp loại năm {year}", assessment)
    t.add(": ")
    if base_form == 0:
        t.add(f"{percent_vi(base_rated)} tổ chức cơ sở đảng", s_base_rated)
    else:
        t.add(f"trên {int(base_rated)}% tổ chức cơ sở đảng", s_base_rated)
    t.add(" hoàn thành tốt nhiệm vụ trở lên; ")
    t.add(f"{percent_vi(members_rated)} đảng viên hoàn thành nhiệm vụ trở lên", s_members_rated)
    t.add(", trong đó ")
    if excellent_form == 0:
        t.add(f"{percent_vi(excellent)} hoàn thành xuất sắc nhiệm vụ", s_excellent)
    else:
        t.add(f"hơn {int(excellent)}% hoàn thành xuất sắc nhiệm vụ", s_excellent)
    t.add(". Hằng năm, Ban Thường vụ Huyện ủy ")
    t.add("gợi ý kiểm điểm", review)
    t.add(" đối với tập thể cấp ủy cấp xã, tập trung vào ")
    for i, (tslug, words) in enumerate(topics):
        if i:
            t.add(", " if i < 2 else " và ")
        t.add(words, iri("concept", "review-topic/" + tslug))
    t.add(".\n\nĐồng chí ")
    t.add(secretary_name, secretary)
    t.add(", ")
    t.add(f"Bí thư Huyện ủy {d}", post, membership)
    t.add(" cho biết: “")
    quote_start = t.length
    quote = iri("quote", f"{slugify(secretary_name)}-bai-hoc-{ds}-{year}")
    lessons: list[tuple[str, int]] = []
    for i, pick in enumerate(lesson_picks):
        if i:
            t.add("; ")
        lesson = iri("lesson", f"{ds}-{year}-{i + 1}")
        lessons.append((lesson, pick))
        t.add(LESSONS[pick][0], lesson)
    t.mark(quote_start, t.length, quote)
    t.add("”.\n\nẢnh: ")
    caption = f"Hội nghị tổng kết công tác xây dựng Đảng năm {year} của huyện {d}."
    image = iri("image", f"{slug}-1")
    t.add(caption, image)
    t.add("\n\nBài và ảnh: ")
    t.add(author_name, author)
    t.add("\n")
    text = t.text()

    # ---- the facts: the article, its photo, its author
    a.labelled(article, ["schema:NewsArticle"], title_vi, title_en)
    a.add(article, _p("schema:headline"), vi(title_vi))
    a.add(article, _p("dct:title"), vi(title_vi))
    stamp = f"{pub}T{hour:02d}:{minute:02d}:00+07:00"
    a.add(article, _p("schema:datePublished"), typed(stamp, f"{XSD}dateTime"))
    a.add(article, _p("schema:inLanguage"), lit("vi"))
    a.add(article, _p("schema:author"), author)
    a.add(article, _p("schema:image"), image)
    a.add(article, _p("schema:about"), org)
    a.add(article, _p("schema:about"), nq4)
    a.add(article, _p("schema:mentions"), quote)
    a.labelled(image, ["schema:Photograph"], caption, f"The {year} party-building review of {d}.")
    a.add(image, _p("schema:caption"), vi(caption))
    a.add(image, _p("schema:author"), author)
    a.add(image, _p("schema:isPartOf"), article)
    a.add(image, _p("foaf:depicts"), place)
    for who, name in ((author, author_name), (secretary, secretary_name)):
        a.labelled(who, ["foaf:Person", "schema:Person"], name, name)
        a.add(who, _p("foaf:name"), lit(name))
    a.add(secretary, _p("org:holds"), post)

    # ---- the Party and the centre (every article restates them, as a source would)
    a.labelled(
        party, ["kgo:PoliticalParty"], "Đảng Cộng sản Việt Nam", "Communist Party of Vietnam"
    )
    a.labelled(term, ["kgo:PartyTerm"], "khóa XII", "12th term")
    a.add(term, _p("kgo:ordinal"), integer(12))
    a.add(term, _p("time:hasBeginning"), p_first)
    a.labelled(
        cc, ["kgo:CentralCommittee"], "Ban Chấp hành Trung ương khóa XII", "12th Central Committee"
    )
    a.add(cc, _p("kgo:term"), term)
    a.add(cc, _p("org:subOrganizationOf"), party)
    a.labelled(
        plenum,
        ["kgo:Plenum"],
        "Hội nghị Trung ương 4 khóa XII",
        "Fourth Plenum of the 12th Central Committee",
    )
    a.add(plenum, _p("kgo:ordinal"), integer(4))
    a.add(plenum, _p("kgo:term"), term)
    a.add(plenum, _p("prov:wasAssociatedWith"), cc)
    a.labelled(politburo, ["kgo:Politburo"], "Bộ Chính trị", "Politburo")
    a.add(politburo, _p("org:subOrganizationOf"), party)
    a.labelled(
        nq4,
        ["kgo:Resolution"],
        "Nghị quyết Trung ương 4 (khóa XII)",
        "Central Resolution 4 of the 12th Central Committee",
    )
    a.add(nq4, _p("eli:type_document"), _p("doctype:nghi-quyet"))
    a.add(nq4, _p("eli:id_local"), lit("04-NQ/TW"))
    a.add(nq4, _p("eli:passed_by"), cc)
    a.add(nq4, _p("kgo:term"), term)
    a.add(nq4, _p("prov:wasGeneratedBy"), plenum)
    a.labelled(
        ct5,
        ["kgo:Directive"],
        "Chỉ thị 05-CT/TW của Bộ Chính trị",
        "Directive 05-CT/TW of the Politburo",
    )
    a.add(ct5, _p("eli:type_document"), _p("doctype:chi-thi"))
    a.add(ct5, _p("eli:id_local"), lit("05-CT/TW"))
    a.add(ct5, _p("eli:passed_by"), politburo)
    a.add(ct5, _p("eli:date_document"), typed("2016-05-15", f"{XSD}date"))

    # ---- places and bodies of the district (the same triples every year)
    a.labelled(
        province, ["kgo:Province"], f"tỉnh {district.province}", f"{district.province} province"
    )
    a.labelled(place, ["kgo:District"], f"huyện {d}", f"{d} district")
    a.add(place, _p("schema:containedInPlace"), province)

    def body(s: str, kind: str, label_vi: str, label_en: str, parent: str, link: str) -> None:
        a.labelled(s, [kind], label_vi, label_en)
        a.add(s, _p(link), parent)
        a.add(s, _p("kgo:territory"), place)

    body(
        org,
        "kgo:DistrictPartyOrganisation",
        f"Đảng bộ huyện {d}",
        f"{d} district party organisation",
        party,
        "org:transitiveSubOrganizationOf",
    )
    body(
        committee,
        "kgo:DistrictPartyCommittee",
        f"Huyện ủy {d}",
        f"{d} district party committee",
        org,
        "org:unitOf",
    )
    body(
        standing,
        "kgo:StandingCommittee",
        f"Ban Thường vụ Huyện ủy {d}",
        f"standing committee of the {d} district party committee",
        committee,
        "org:unitOf",
    )
    body(
        inspection,
        "kgo:PartyBody",
        f"Ủy ban Kiểm tra Huyện ủy {d}",
        f"inspection committee of the {d} district party committee",
        committee,
        "org:unitOf",
    )
    a.add(
        inspection,
        _p("skos:editorialNote"),
        en(
            "The ontology has no class for inspection committees: "
            "a party body under the district committee."
        ),
    )
    for cname, cplace, cbody, kind_vi, township in commune_iris:
        kind_en = "township" if township else "commune"
        a.labelled(
            cplace,
            ["kgo:Township" if township else "kgo:Commune"],
            f"{kind_vi} {cname}",
            f"{cname} {kind_en}",
        )
        a.add(cplace, _p("schema:containedInPlace"), place)
        a.labelled(
            cbody,
            ["kgo:CommunePartyCommittee"],
            f"Đảng bộ {kind_vi} {cname}",
            f"{cname} {kind_en} party committee",
        )
        a.add(cbody, _p("org:subOrganizationOf"), org)
        a.add(cbody, _p("kgo:territory"), cplace)
    a.labelled(
        post, ["org:Post"], f"Bí thư Huyện ủy {d}", f"secretary of the {d} district party committee"
    )
    a.add(post, _p("org:role"), _p("role:bi-thu"))
    a.add(post, _p("org:postIn"), committee)
    a.add(post, _p("org:heldBy"), secretary)
    a.labelled(
        membership,
        ["org:Membership"],
        f"{secretary_name}, Bí thư Huyện ủy {d}",
        f"{secretary_name}, secretary of the {d} district party committee",
    )
    a.add(membership, _p("org:member"), secretary)
    a.add(membership, _p("org:organization"), committee)
    a.add(membership, _p("org:role"), _p("role:bi-thu"))
    a.add(membership, _p("kgo:post"), post)
    a.add(membership, _p("kgo:attestedAt"), p_pub)

    # ---- periods
    a.labelled(
        p_pub,
        ["time:Instant"],
        published.strftime("%d/%m/%Y"),
        f"{published.day} {ENGLISH_MONTHS[published.month - 1]} {year}",
    )
    a.add(p_pub, _p("time:inXSDDate"), typed(pub, f"{XSD}date"))
    for y, node in ((year, p_year), (FIRST_YEAR, p_first)):
        a.labelled(node, ["time:Instant"], f"năm {y}", str(y))
        a.add(node, _p("time:inXSDgYear"), typed(str(y), f"{XSD}gYear"))
    a.labelled(
        p_since,
        ["time:ProperInterval"],
        f"từ năm {FIRST_YEAR} đến nay ({published.strftime('%d/%m/%Y')})",
        f"from {FIRST_YEAR} to the publication date ({pub})",
    )
    a.add(p_since, _p("time:hasBeginning"), p_first)
    a.add(p_since, _p("time:hasEnd"), p_pub)

    # ---- documents of the district
    n_res_local = f"{n_resolution}-NQ/HU"
    if "bad-document-number" in planted:
        bad = f"NQ-{n_resolution}/HU"
        a.errors.append(
            _error(
                "bad-document-number",
                facts_g,
                local_res,
                [(local_res, "sh:PatternConstraintComponent", "kgsh:PartyDocumentShape")],
                f"eli:id_local {bad!r}, not {n_res_local!r}",
            )
        )
        n_res_local = bad
    for doc, kind, dtype, number, issued, topic, issuer in (
        (
            local_res,
            "kgo:Resolution",
            "doctype:nghi-quyet",
            n_res_local,
            resolution_date,
            res_topic,
            committee,
        ),
        (
            local_dir,
            "kgo:Directive",
            "doctype:chi-thi",
            f"{n_directive}-CT/HU",
            directive_date,
            dir_topic,
            standing,
        ),
    ):
        word_vi = "Nghị quyết" if kind == "kgo:Resolution" else "Chỉ thị"
        word_en = "Resolution" if kind == "kgo:Resolution" else "Directive"
        shown = number if doc != local_res else f"{n_resolution}-NQ/HU"
        a.labelled(doc, [kind], f"{word_vi} số {shown} {topic[0]}", f"{word_en} {shown} {topic[1]}")
        a.add(doc, _p("eli:type_document"), _p(dtype))
        a.add(doc, _p("eli:id_local"), lit(number))
        a.add(doc, _p("eli:passed_by"), issuer)
        a.add(doc, _p("eli:date_document"), typed(issued.isoformat(), f"{XSD}date"))
        a.add(doc, _p("dct:description"), vi(topic[0]))
        a.add(doc, _p("dct:description"), en(topic[1]))

    # ---- activities
    impl_en = (
        None
        if "missing-label" in planted
        else (f"implementation of Central Resolution 4 (12th term) in {d}, {year}")
    )
    if impl_en is None:
        a.errors.append(
            _error(
                "missing-label",
                facts_g,
                implementation,
                [(implementation, "sh:QualifiedMinCountConstraintComponent", "kgsh:LabelEn")],
                "no rdfs:label @en",
            )
        )
    a.labelled(
        implementation,
        ["kgo:ResolutionImplementation"],
        f"thực hiện Nghị quyết Trung ương 4 (khóa XII) ở Đảng bộ huyện {d} năm {year}",
        impl_en,
    )
    a.add(implementation, _p("kgo:implements"), nq4)
    for doc in (ct5, local_res, local_dir):
        a.add(implementation, _p("kgo:implementedTogetherWith"), doc)
    a.add(implementation, _p("kgo:ledBy"), committee)
    a.add(implementation, _p("prov:wasAssociatedWith"), org)
    a.add(implementation, _p("kgo:period"), p_since)
    a.labelled(
        outcome, ["kgo:Outcome"], "tạo sự đồng thuận trong nhân dân", "consensus among the people"
    )
    a.add(outcome, _p("prov:wasGeneratedBy"), implementation)
    a.labelled(
        discipline,
        ["kgo:DisciplinaryHandling"],
        f"xem xét, xử lý kỷ luật đảng viên năm {year}",
        f"disciplinary handling of party members, {year}",
    )
    a.add(discipline, _p("kgo:ledBy"), standing)
    a.add(discipline, _p("kgo:period"), p_year)
    for vslug, _ in violations:
        a.add(discipline, _p("kgo:violationType"), iri("concept", "violation-type/" + vslug))
    a.add(discipline, _p("dct:isPartOf"), implementation)
    a.labelled(
        supervision,
        ["kgo:Supervision"],
        f"kiểm tra tổ chức đảng và đảng viên năm {year}",
        f"inspection of party organisations and members, {year}",
    )
    a.add(supervision, _p("kgo:ledBy"), inspection)
    a.add(supervision, _p("dct:isPartOf"), implementation)
    a.labelled(
        assessment,
        ["kgo:Assessment"],
        f"đánh giá, xếp loại tổ chức cơ sở đảng, đảng viên năm {year}",
        f"assessment and rating of base party organisations and members, {year}",
    )
    a.add(assessment, _p("kgo:frequency"), _p("frequency:hang-nam"))
    a.add(assessment, _p("kgo:period"), p_year)
    a.add(assessment, _p("prov:wasAssociatedWith"), org)
    a.labelled(
        review,
        ["kgo:ReviewSuggestion"],
        f"gợi ý kiểm điểm của Ban Thường vụ Huyện ủy {d} năm {year}",
        f"review suggestions of the {d} standing committee, {year}",
    )
    a.add(review, _p("kgo:ledBy"), standing)
    a.add(review, _p("kgo:frequency"), _p("frequency:hang-nam"))
    for tslug, _ in topics:
        a.add(review, _p("kgo:reviewTopic"), iri("concept", "review-topic/" + tslug))
    a.add(review, _p("dct:isPartOf"), implementation)

    # ---- the quotation and its lessons
    a.labelled(
        quote,
        ["schema:Quotation"],
        f"Bài học kinh nghiệm của Đảng bộ huyện {d} năm {year}",
        f"Lessons of the {d} district party organisation, {year}",
    )
    a.add(quote, _p("schema:creator"), secretary)
    a.add(quote, _p("schema:isPartOf"), article)
    a.add(quote, _p("schema:about"), implementation)
    for ordinal, (lesson, pick) in enumerate(lessons, start=1):
        words, gloss = LESSONS[pick]
        a.labelled(lesson, ["kgo:Lesson"], words, gloss)
        a.add(lesson, _p("schema:text"), vi(words))
        a.add(lesson, _p("kgo:ordinal"), integer(ordinal))
        a.add(lesson, _p("kgo:lessonOf"), implementation)
        a.add(lesson, _p("dct:isPartOf"), quote)

    # ---- statistics
    a.labelled(
        dataset,
        ["qb:DataSet"],
        f"Số liệu của bài {title_vi}",
        f"Figures reported in the article “{title_en}”",
    )
    a.add(dataset, _p("qb:structure"), _p("kgo:statisticsStructure"))
    a.add(dataset, _p("dct:source"), article)

    def figure(
        s: str,
        kind: str,
        label_vi: str,
        label_en: str,
        counted: str,
        period: str,
        values: list[tuple[str, str]],
        qualifier: str,
        scope: str = org,
    ) -> None:
        a.labelled(s, [kind], label_vi, label_en)
        a.add(s, _p("qb:dataSet"), dataset)
        a.add(s, _p("kgo:countedClass"), _p(counted))
        a.add(s, _p("kgo:scope"), scope)
        a.add(s, _p("kgo:period"), period)
        for prop, value in values:
            a.add(s, _p(prop), value)
        a.add(s, _p("kgo:valueQualifier"), _p(qualifier))
        unit = "unit:NUM" if kind == "kgo:Count" else "unit:PERCENT"
        a.add(s, _p("kgo:unit"), _p(unit))
        a.add(s, _p("kgo:reportedIn"), article)

    exact = "qualifier:exact"
    cells_value = cells_n
    if "part-above-whole" in planted:
        cells_value = total_n + 1 + err_rng.randrange(10)
        a.errors.append(
            _error(
                "part-above-whole",
                facts_g,
                s_cells,
                [
                    (s_cells, "sh:SPARQLConstraintComponent", "kgsh:PartNotAboveWhole"),
                    (s_total, "sh:SPARQLConstraintComponent", "kgsh:PartsAddUp"),
                ],
                f"part {cells_value} above its whole {total_n}",
            )
        )
    figure(
        s_total,
        "kgo:Count",
        f"số tổ chức cơ sở đảng của Đảng bộ huyện {d}",
        f"base party organisations of the {d} district party organisation",
        "kgo:BasePartyOrganisation",
        p_pub,
        [("kgo:exactValue", integer(total_n))],
        exact,
    )
    a.add(s_total, _p("kgo:isPartition"), typed("true", f"{XSD}boolean"))
    for s, n, counted, words_vi, words_en in (
        (
            s_committees,
            committees_n,
            "kgo:BasePartyCommittee",
            "số đảng bộ cơ sở",
            "base party committees",
        ),
        (
            s_cells,
            cells_value,
            "kgo:BasePartyCell",
            "số chi bộ cơ sở trực thuộc",
            "base party cells directly under",
        ),
    ):
        figure(
            s,
            "kgo:Count",
            f"{words_vi} của Đảng bộ huyện {d}",
            f"{words_en} the {d} district party organisation",
            counted,
            p_pub,
            [("kgo:exactValue", integer(n))],
            exact,
        )
        a.add(s, _p("kgo:partOf"), s_total)
    if member_form == 0:
        members_values, members_q = [("kgo:exactValue", integer(members_n))], exact
    elif member_form == 1:
        members_values = [("kgo:minExclusive", integer(members_n // 1000 * 1000))]
        members_q = "qualifier:more-than"
    else:
        members_values = [("kgo:maxExclusive", integer((members_n // 1000 + 1) * 1000))]
        members_q = "qualifier:less-than"
    figure(
        s_members,
        "kgo:Count",
        f"số đảng viên của Đảng bộ huyện {d}",
        f"party members of the {d} district party organisation",
        "kgo:PartyMember",
        p_pub,
        members_values,
        members_q,
    )
    admitted_values = [("kgo:exactValue", integer(admitted_n))]
    if "count-exact-and-bound" in planted:
        admitted_values.append(("kgo:minExclusive", integer(admitted_n - 1)))
        a.errors.append(
            _error(
                "count-exact-and-bound",
                facts_g,
                s_admitted,
                [(s_admitted, "sh:SPARQLConstraintComponent", "kgsh:ValueWithoutQualifier")],
                "kgo:exactValue and kgo:minExclusive with qualifier:exact",
            )
        )
    figure(
        s_admitted,
        "kgo:Count",
        f"số đảng viên mới được kết nạp năm {year}",
        f"new party members admitted in {year}",
        "kgo:PartyMember",
        p_year,
        admitted_values,
        exact,
    )
    degradation = ("tu-tuong-chinh-tri", "dao-duc-loi-song", "tu-dien-bien-tu-chuyen-hoa")
    for i, (_, words, gloss) in enumerate(groups):
        s = s_groups[i]
        figure(
            s,
            "kgo:Count",
            f"số đảng viên bị xử lý kỷ luật năm {year}: {words}",
            f"party members disciplined in {year}: {gloss}",
            "kgo:PartyMember",
            p_year,
            [("kgo:exactValue", integer(group_n[i]))],
            exact,
        )
        a.add(s, _p("kgo:degradationGroup"), _p("degradation:" + degradation[i]))
        a.add(s, _p("kgo:decidedBy"), standing)
        a.add(s, _p("prov:wasGeneratedBy"), discipline)
    derived = sum(group_n)
    if "derived-sum-mismatch" in planted:
        derived += 1 + err_rng.randrange(5)
        a.errors.append(
            _error(
                "derived-sum-mismatch",
                facts_g,
                s_disciplined,
                [(s_disciplined, "sh:SPARQLConstraintComponent", "kgsh:DerivedSumMatches")],
                f"{derived}, not {sum(group_n)}",
            )
        )
    a.labelled(
        s_disciplined,
        ["kgo:Count", "kgo:DerivedStatistic"],
        f"tổng số đảng viên bị xử lý kỷ luật năm {year} (suy ra)",
        f"party members disciplined in {year}, all three groups (derived)",
    )
    a.add(
        s_disciplined,
        _p("skos:editorialNote"),
        en("Not stated in the source: the sum of the three group figures."),
    )
    a.add(s_disciplined, _p("qb:dataSet"), dataset)
    a.add(s_disciplined, _p("kgo:countedClass"), _p("kgo:PartyMember"))
    a.add(s_disciplined, _p("kgo:scope"), org)
    a.add(s_disciplined, _p("kgo:period"), p_year)
    a.add(s_disciplined, _p("kgo:exactValue"), integer(derived))
    a.add(s_disciplined, _p("kgo:valueQualifier"), _p(exact))
    a.add(s_disciplined, _p("kgo:unit"), _p("unit:NUM"))
    a.add(s_disciplined, _p("kgo:decidedBy"), standing)
    a.add(s_disciplined, _p("kgo:derivationMethod"), _p("derivation:sum"))
    for s in s_groups:
        a.add(s_disciplined, _p("prov:wasDerivedFrom"), s)
    orgs_scope = org
    if "dangling-scope" in planted:
        orgs_scope = iri("body", f"uy-ban-kiem-tra-{ds}")
        a.errors.append(
            _error(
                "dangling-scope",
                facts_g,
                s_inspected_orgs,
                [
                    (
                        s_inspected_orgs,
                        "check:dangling-reference",
                        "dangling-reference-violation.rq",
                    ),
                    (s_inspected_orgs, "sh:ClassConstraintComponent", "kgsh:StatisticShape"),
                ],
                f"kgo:scope {bare(orgs_scope)}, which is not described",
            )
        )
    figure(
        s_inspected_orgs,
        "kgo:Count",
        f"số tổ chức đảng được kiểm tra năm {year}",
        f"party organisations inspected in {year}",
        "kgo:PartyOrganisation",
        p_year,
        [("kgo:exactValue", integer(inspected_orgs_n))],
        exact,
        scope=orgs_scope,
    )
    a.add(s_inspected_orgs, _p("prov:wasGeneratedBy"), supervision)
    inspected_value = inspected_members_n
    if "negative-count" in planted:
        inspected_value = -inspected_members_n
        a.errors.append(
            _error(
                "negative-count",
                facts_g,
                s_inspected_members,
                [(s_inspected_members, "sh:MinInclusiveConstraintComponent", "kgsh:CountShape")],
                f"{inspected_value}",
            )
        )
    figure(
        s_inspected_members,
        "kgo:Count",
        f"số đảng viên được kiểm tra năm {year}",
        f"party members inspected in {year}",
        "kgo:PartyMember",
        p_year,
        [("kgo:exactValue", integer(inspected_value))],
        exact,
    )
    a.add(s_inspected_members, _p("prov:wasGeneratedBy"), supervision)

    if base_form == 0:
        base_values, base_q = [("kgo:exactValue", base_rated)], exact
    else:
        base_values, base_q = [("kgo:minExclusive", float(int(base_rated)))], "qualifier:more-than"
    if "percentage-over-100" in planted:
        base_values = [(base_values[0][0], 100.0 + round(err_rng.uniform(0.5, 20.0), 1))]
        a.errors.append(
            _error(
                "percentage-over-100",
                facts_g,
                s_base_rated,
                [(s_base_rated, "sh:MaxInclusiveConstraintComponent", "kgsh:PercentageShape")],
                f"{base_values[0][1]:.1f}%",
            )
        )
    figure(
        s_base_rated,
        "kgo:Percentage",
        f"tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên năm {year}",
        f"share of base party organisations rated 'completed tasks well' or better, {year}",
        "kgo:BasePartyOrganisation",
        p_year,
        [(prop, decimal(v)) for prop, v in base_values],
        base_q,
    )
    a.add(s_base_rated, _p("kgo:minimumRatingLevel"), _p("rating:hoan-thanh-tot-nhiem-vu"))
    a.add(s_base_rated, _p("prov:wasGeneratedBy"), assessment)
    figure(
        s_members_rated,
        "kgo:Percentage",
        f"tỷ lệ đảng viên hoàn thành nhiệm vụ trở lên năm {year}",
        f"share of party members rated 'completed tasks' or better, {year}",
        "kgo:PartyMember",
        p_year,
        [("kgo:exactValue", decimal(members_rated))],
        exact,
    )
    a.add(s_members_rated, _p("kgo:minimumRatingLevel"), _p("rating:hoan-thanh-nhiem-vu"))
    a.add(s_members_rated, _p("prov:wasGeneratedBy"), assessment)
    if excellent_form == 0:
        excellent_values, excellent_q = [("kgo:exactValue", excellent)], exact
    else:
        excellent_values = [("kgo:minExclusive", float(int(excellent)))]
        excellent_q = "qualifier:more-than"
    if "subset-above-superset" in planted:
        excellent_values = [(excellent_values[0][0], members_rated + 0.5)]
        a.errors.append(
            _error(
                "subset-above-superset",
                facts_g,
                s_excellent,
                [(s_excellent, "sh:SPARQLConstraintComponent", "kgsh:SubsetNotAboveSuperset")],
                f"{members_rated + 0.5:.1f}% above {members_rated:.1f}%",
            )
        )
    figure(
        s_excellent,
        "kgo:Percentage",
        f"tỷ lệ đảng viên hoàn thành xuất sắc nhiệm vụ năm {year}",
        f"share of party members rated 'excellently completed tasks', {year}",
        "kgo:PartyMember",
        p_year,
        [(prop, decimal(v)) for prop, v in excellent_values],
        excellent_q,
    )
    a.add(s_excellent, _p("kgo:ratingLevel"), _p("rating:hoan-thanh-xuat-sac-nhiem-vu"))
    a.add(s_excellent, _p("kgo:subsetOf"), s_members_rated)
    a.add(s_excellent, _p("prov:wasGeneratedBy"), assessment)

    # ---- the evidence graph: the source text and one annotation per span
    ev = a.evidence
    ev.append((source, RDF_TYPE, _p("kgo:SourceText")))
    ev.append((source, RDF_TYPE, _p("dctype:Text")))
    ev.append((source, LABEL, vi(f"văn bản nguồn {slug}")))
    ev.append((source, LABEL, en(f"source text {slug}")))
    ev.append((source, _p("dct:format"), lit("text/plain; charset=utf-8")))
    ev.append((source, _p("dct:language"), lit("vi")))
    ev.append((source, _p("dct:isFormatOf"), article))
    ev.append((source, _p("kgo:text"), lit(text)))
    # As the shipped source says (SHACL requires it): whose rights the text is quoted under.
    rights = source[:-1] + "#rights>"
    ev.append((source, _p("dct:rights"), rights))
    ev.append((rights, RDF_TYPE, _p("dct:RightsStatement")))
    ev.append((rights, LABEL, en("A generated text: no rights of anyone's.")))
    broken = s_members if "broken-evidence-offset" in planted else None
    for (start, end), bodies in sorted(t.spans.items()):
        node = f"{BASE}id/annotation/{slug}/{start}-{end}"
        ann, target = f"<{node}>", f"<{node}#target>"
        quote_sel, position = f"<{node}#quote>", f"<{node}#position>"
        ev.append((ann, RDF_TYPE, _p("oa:Annotation")))
        ev.append((ann, _p("oa:motivatedBy"), _p("kgo:evidencing")))
        for b in bodies:
            ev.append((ann, _p("oa:hasBody"), b))
        ev.append((ann, _p("oa:hasTarget"), target))
        ev.append((target, RDF_TYPE, _p("oa:SpecificResource")))
        ev.append((target, _p("oa:hasSource"), source))
        ev.append((target, _p("oa:hasSelector"), quote_sel))
        ev.append((target, _p("oa:hasSelector"), position))
        exact_words = text[start:end]
        prefix = text[max(0, start - CONTEXT_CHARS) : start]
        suffix = text[end : end + CONTEXT_CHARS]
        ev.append((quote_sel, RDF_TYPE, _p("oa:TextQuoteSelector")))
        ev.append((quote_sel, _p("oa:exact"), lit(exact_words)))
        ev.append((quote_sel, _p("oa:prefix"), lit(prefix)))
        ev.append((quote_sel, _p("oa:suffix"), lit(suffix)))
        at, to = start, end
        if broken is not None and broken in bodies:
            at, to = start + 1, end + 1
            expected = []
            if text[at:to] != exact_words:
                expected.append(
                    (
                        target,
                        "check:evidence-quote-at-offsets",
                        "evidence-quote-at-offsets-violation.rq",
                    )
                )
            if not text[:at].endswith(prefix) or not text[to:].startswith(suffix):
                expected.append(
                    (target, "check:evidence-quote-context", "evidence-quote-context-violation.rq")
                )
            a.errors.append(
                _error(
                    "broken-evidence-offset",
                    graph_iri("evidence", slug),
                    target,
                    expected,
                    f"offsets {at}-{to} for the quote at {start}-{end}",
                )
            )
        ev.append((position, RDF_TYPE, _p("oa:TextPositionSelector")))
        ev.append((position, _p("oa:start"), integer(at)))
        ev.append((position, _p("oa:end"), integer(to)))
    return a


def _error(
    kind: str, graph: str, focus: str, expected: list[tuple[str, str, str]], detail: str
) -> dict[str, Any]:
    return {
        "kind": kind,
        "graph": bare(graph),
        "focus": bare(focus),
        "detail": detail,
        "expected": [
            {"focus": bare(f), "constraint": component, "shape": shape}
            for f, component, shape in expected
        ],
    }


# -- writing -----------------------------------------------------------------------------


def article_lines(a: Article, fmt: str) -> str:
    parts: list[str] = []
    for kind, triples in (("facts", a.facts), ("evidence", a.evidence)):
        g = graph_iri(kind, a.slug)
        if fmt == "nquads":
            parts.extend(f"{s} {p} {o} {g} .\n" for s, p, o in triples)
        else:
            parts.append(f"{g} {{\n")
            parts.extend(f"    {s} {p} {o} .\n" for s, p, o in triples)
            parts.append("}\n\n")
    return "".join(parts)


def articles(
    districts: list[District], years: list[int], rate: float, seed: int
) -> Iterator[Article]:
    for district in districts:
        for year in years:
            yield build_article(district, year, rate)


def size_of(a: Article) -> int:
    return len(a.facts) + len(a.evidence)


def plan(target: int, seed: int) -> tuple[int, int]:
    """Districts and years whose articles add up to about ``target`` quads."""
    sample = make_districts(4, seed)
    sizes = [size_of(build_article(d, FIRST_YEAR + i, 0.0)) for i, d in enumerate(sample)]
    per_article = sum(sizes) / len(sizes)
    wanted = max(1, round(target / per_article))
    most = 5  # a term of office
    if wanted > 5 * 700:  # about as many districts as Vietnam had; then more years
        most = min(MAX_YEARS_AUTO, math.ceil(wanted / 700))
    best: tuple[float, int, int] | None = None
    for years in range(min(most, wanted), 0, -1):
        districts = max(1, round(wanted / years))
        miss = abs(districts * years - wanted) / wanted
        if miss <= 0.05:
            return districts, years
        if best is None or miss < best[0]:
            best = (miss, districts, years)
    assert best is not None
    return best[1], best[2]


def header(fmt: str) -> str:
    if fmt == "trig":
        return "# Synthetic kg data made by bench/generate.py; full IRIs, no prefixes needed.\n\n"
    return ""


def generate(
    output: Path,
    districts_n: int,
    years_n: int,
    seed: int,
    rate: float,
    manifest_path: Path | None = None,
) -> dict[str, Any]:
    """Write the graph to ``output`` (atomically) and its manifest; return the manifest."""
    fmt = "trig" if output.name.lower().endswith(".trig") else "nquads"
    districts = make_districts(districts_n, seed)
    years = [FIRST_YEAR + i for i in range(years_n)]
    quads = 0
    errors: list[dict[str, Any]] = []
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(header(fmt))
            for a in articles(districts, years, rate, seed):
                stream.write(article_lines(a, fmt))
                quads += size_of(a)
                errors.extend(a.errors)
        os.chmod(tmp, 0o644)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    manifest = {
        "generator": "bench/generate.py",
        "format": fmt,
        "seed": seed,
        "districts": districts_n,
        "years": years,
        "articles": districts_n * years_n,
        "quads": quads,
        "error_rate": rate,
        "error_kinds": ERROR_KINDS,
        "errors": errors,
    }
    _write_json(manifest_path or manifest_for(output), manifest)
    return manifest


def manifest_for(output: Path) -> Path:
    return output.with_name(output.name + ".manifest.json")


def _write_json(path: Path, data: Any) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            json.dump(data, stream, ensure_ascii=False, indent=1)
            stream.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _count(text: str) -> int:
    value = float(text)
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text}")
    return int(value)


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"not between 0 and 1: {text}")
    return value


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="FILE.nq (N-Quads) or FILE.trig (TriG)"
    )
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--triples", type=_count, help="about this many quads, e.g. 1e6")
    size.add_argument("--districts", type=_count, help="number of districts (with --years)")
    parser.add_argument("--years", type=_count, default=5, help="years per district (default 5)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--error-rate",
        type=_rate,
        default=0.0,
        help="probability that each error site of an article is corrupted",
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        default=None,
        help="the JSON manifest of planted errors (default: FILE.manifest.json)",
    )
    args = parser.parse_args(argv)
    if args.triples is not None:
        districts_n, years_n = plan(args.triples, args.seed)
    else:
        districts_n, years_n = args.districts, args.years
    started = time.perf_counter()
    manifest = generate(
        args.output, districts_n, years_n, args.seed, args.error_rate, args.manifest
    )
    seconds = time.perf_counter() - started
    print(
        f"{args.output}: {manifest['quads']} quads, {districts_n} districts x {years_n} years "
        f"= {manifest['articles']} articles, {len(manifest['errors'])} planted errors, "
        f"{args.output.stat().st_size / 1e6:.1f} MB in {seconds:.1f} s",
        file=out,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
