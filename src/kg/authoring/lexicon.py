"""The words a Vietnamese administrative report uses to qualify, count and name.

Kept as data, apart from the recognisers that use them, so that a reader can check a
reading ("trên 84%" is more than 84, not 84) against one table, and extend it.
"""

from __future__ import annotations

#: Words before a number and the kind of bound they make of it. Longest first, so that
#: "không dưới" (at least) wins over "dưới" (below).
BOUND_WORDS: tuple[tuple[str, str], ...] = tuple(
    sorted(
        {
            "hơn": "min-exclusive",
            "trên": "min-exclusive",
            "vượt": "min-exclusive",
            "ít nhất": "min-inclusive",
            "tối thiểu": "min-inclusive",
            "không dưới": "min-inclusive",
            "không ít hơn": "min-inclusive",
            "dưới": "max-exclusive",
            "chưa đến": "max-exclusive",
            "chưa tới": "max-exclusive",
            "chưa đầy": "max-exclusive",
            "không đến": "max-exclusive",
            "tối đa": "max-inclusive",
            "không quá": "max-inclusive",
            "không vượt quá": "max-inclusive",
            "nhiều nhất": "max-inclusive",
            "gần": "approximate",
            "khoảng": "approximate",
            "xấp xỉ": "approximate",
            "chừng": "approximate",
            "ước tính": "approximate",
            "hàng": "approximate",
        }.items(),
        key=lambda item: -len(item[0]),
    )
)

#: The bound kinds as the ontology's value qualifiers and value properties name them.
BOUND_PROPERTY = {
    "exact": ("kgo:exactValue", "qualifier:exact"),
    "min-exclusive": ("kgo:minExclusive", "qualifier:more-than"),
    "min-inclusive": ("kgo:minInclusive", "qualifier:at-least"),
    "max-exclusive": ("kgo:maxExclusive", "qualifier:less-than"),
    "max-inclusive": ("kgo:maxInclusive", "qualifier:at-most"),
    # The ontology has no value property for an approximate figure yet: the draft says
    # so and the author decides (see docs/drafting.md).
    "approximate": ("", ""),
}

#: Words after a number that multiply it ("10 nghìn" is 10000).
SCALE_WORDS = {"nghìn": 1000, "ngàn": 1000, "triệu": 1_000_000, "tỷ": 10**9, "tỉ": 10**9}

#: Words right before a number that make it part of a name, not a figure: "Nghị quyết
#: Trung ương 4" is the fourth plenum's resolution, "khóa XII" a term.
NAME_BEFORE_NUMBER = (
    "trung ương",
    "hội nghị",
    "khóa",
    "số",
    "điều",
    "khoản",
    "chương",
    "mục",
    "lúc",
    "ngày",
    "tháng",
    "năm",
    "giai đoạn",
    "nhiệm kỳ",
    "quy định",
    "chỉ thị",
    "nghị quyết",
    "kết luận",
)

#: Words that end the phrase naming what a number counts.
COUNTED_STOP_WORDS = frozenset(
    (
        "và",
        "có",
        "với",
        "của",
        "trong",
        "là",
        "được",
        "đã",
        "đang",
        "sẽ",
        "để",
        "từ",
        "đến",
        "theo",
        "cho",
        "tại",
        "ở",
        "như",
        "hoặc",
        "nhưng",
        "đạt",
    )
)
COUNTED_MAX_WORDS = 6

#: Party and state document types, by the code in a document number ("05-CT/TW") and by
#: the word that names them ("Chỉ thị 05-CT/TW"), with the ontology class proposed.
#: A type the ontology lacks falls back to kgo:PartyDocument for a party issuer and to
#: ELI's legal resource for a state one.
DOCUMENT_CODES = {
    "NQ": "kgo:Resolution",
    "CT": "kgo:Directive",
    "QĐ": "kgo:Regulation",
    "QĐi": "kgo:Regulation",
}
DOCUMENT_WORDS = {
    "nghị quyết": "kgo:Resolution",
    "chỉ thị": "kgo:Directive",
    "quy định": "kgo:Regulation",
    "quyết định": "",
    "kết luận": "",
    "hướng dẫn": "",
    "nghị định": "",
    "thông tư": "",
    "luật": "",
    "kế hoạch": "",
    "đề án": "",
}
#: Issuer codes of party bodies ("/TW" the Central Committee and its organs, "/TU" a
#: provincial committee, "/HU" a district committee); any other issuer is the state's.
PARTY_ISSUERS = frozenset({"TW", "TU", "HU", "ĐU", "TƯ", "QU", "ĐUK", "BTGTW", "UBKTTW"})
PARTY_DOCUMENT = "kgo:PartyDocument"
STATE_DOCUMENT = "eli:LegalResource"

#: Words that open a person's name.
PERSON_TITLES = ("đồng chí", "ông", "bà")

#: Words that open a post ("Phó Bí thư Thường trực Huyện ủy Nam Trực").
POST_HEADS = (
    "tổng bí thư",
    "phó bí thư",
    "bí thư",
    "phó chủ tịch",
    "chủ tịch",
    "phó trưởng ban",
    "trưởng ban",
    "ủy viên",
    "huyện ủy viên",
    "tỉnh ủy viên",
    "thành ủy viên",
    "giám đốc",
    "phó giám đốc",
    "chánh văn phòng",
)

#: Words that open the name of a party or state body.
BODY_HEADS = (
    "ban chấp hành trung ương",
    "bộ chính trị",
    "ban bí thư",
    "ban thường vụ",
    "thường trực",
    "ủy ban kiểm tra",
    "ủy ban nhân dân",
    "hội đồng nhân dân",
    "mặt trận tổ quốc",
    "đảng bộ",
    "đảng ủy",
    "chi bộ",
    "huyện ủy",
    "tỉnh ủy",
    "thành ủy",
    "các ban xây dựng đảng",
    "mttq",
    "ubnd",
    "hđnd",
)

#: Verbs that introduce what a person said.
SAYING_VERBS = ("cho biết", "khẳng định", "nhấn mạnh", "nói", "phát biểu", "chia sẻ", "cho rằng")

#: Place-unit words, as `kg.linking.matching` knows them.
PLACE_HEADS = (
    "thành phố",
    "thị trấn",
    "thị xã",
    "phường",
    "tỉnh",
    "huyện",
    "quận",
    "xã",
    "tp.",
)

#: What a body's head words make it: its class, its English label with the name that
#: follows ({name}, e.g. "Nam Trực"), the body it is a unit of and the place it covers
#: ({slug}: the name's slug). A head with no English pattern leaves the English label to
#: the author; a parent or territory is proposed only when the graph or the draft has it.
BODY_CLASSES: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "ban thường vụ huyện ủy",
        "kgo:StandingCommittee",
        "standing committee of the {name} district party committee",
        "org:unitOf body:huyen-uy-{slug}",
        "place:huyen-{slug}",
    ),
    (
        "thường trực huyện ủy",
        "kgo:StandingOffice",
        "standing office of the {name} district party committee",
        "org:unitOf body:huyen-uy-{slug}",
        "place:huyen-{slug}",
    ),
    (
        "đảng bộ huyện",
        "kgo:DistrictPartyOrganisation",
        "{name} district party organisation",
        "org:transitiveSubOrganizationOf body:dang-cong-san-viet-nam",
        "place:huyen-{slug}",
    ),
    (
        "huyện ủy",
        "kgo:DistrictPartyCommittee",
        "{name} district party committee",
        "org:unitOf body:dang-bo-huyen-{slug}",
        "place:huyen-{slug}",
    ),
    ("ban chấp hành trung ương", "kgo:CentralCommittee", "", "", ""),
    ("bộ chính trị", "kgo:Politburo", "Politburo", "", ""),
    ("mặt trận tổ quốc", "kgo:FatherlandFront", "", "", ""),
    ("mttq", "kgo:FatherlandFront", "", "", ""),
    ("chi bộ", "kgo:PartyCell", "", "", ""),
    ("đảng bộ", "kgo:PartyOrganisation", "", "", ""),
    ("đảng ủy", "kgo:PartyCommittee", "", "", ""),
    ("các ban xây dựng đảng", "kgo:PartyBuildingBoard", "", "", ""),
)

#: The role concept a post's head words name (the role scheme in ontology/vocabularies.ttl).
#: With the role's English name, for the post's English label ("secretary of the …").
POST_ROLES: tuple[tuple[str, str, str], ...] = (
    ("phó bí thư thường trực", "role:pho-bi-thu-thuong-truc", "standing deputy secretary"),
    ("ủy viên ban thường vụ", "role:uy-vien-ban-thuong-vu", "member of the standing committee"),
    ("huyện ủy viên", "role:huyen-uy-vien", "member"),
    ("bí thư", "role:bi-thu", "secretary"),
)

#: What a count counts, by the words after the number ("63 tổ chức cơ sở đảng").
COUNTED_CLASSES: tuple[tuple[str, str], ...] = (
    ("tổ chức cơ sở đảng", "kgo:BasePartyOrganisation"),
    ("chi bộ cơ sở", "kgo:BasePartyCell"),
    ("đảng bộ cơ sở", "kgo:BasePartyCommittee"),
    ("đảng bộ", "kgo:BasePartyCommittee"),
    ("chi bộ", "kgo:PartyCell"),
    ("đảng viên", "kgo:PartyMember"),
)

#: A place's unit word: its class and its English word ("huyện Hải Hậu": "Hải Hậu district").
PLACE_CLASSES = {
    "tỉnh": ("kgo:Province", "province"),
    "thành phố": ("kgo:ProvincialCity", "city"),
    "tp.": ("kgo:ProvincialCity", "city"),
    "huyện": ("kgo:District", "district"),
    "quận": ("kgo:District", "urban district"),
    "thị xã": ("kgo:District", "town"),
    "xã": ("kgo:Commune", "commune"),
    "phường": ("kgo:Ward", "ward"),
    "thị trấn": ("kgo:Township", "township"),
}

#: English names of the document classes, for a numbered document's English label.
DOCUMENT_CLASS_EN = {
    "kgo:Resolution": "Resolution",
    "kgo:Directive": "Directive",
    "kgo:Regulation": "Regulation",
    "kgo:PartyDocument": "Party document",
    "eli:LegalResource": "Legal document",
}
