"""JSON Schema of a policy document file in ``policies_kb/`` (see ``policies_kb/SCHEMA.md``).

Topic and fact ids are checked against ``taxonomy.yml`` by the loader, not here, so that a
curator can extend the taxonomy without touching code.
"""

PHONE_PATTERN = r"^(\d{8}|\d{9}|1\d{10}|\d{8}-\d{1,6})$"
EMAIL_PATTERN = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"
MONEY_PATTERN = r"^\d+(\.\d+)?(万|亿)?元$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
MONTH_PATTERN = r"^\d{4}-\d{2}$"
# A measure's label as printed: (一)/（一）, 一、, 第一条/第1条, 1. 1、 1．, (1)/（1）.
LABEL_PATTERN = (
    r"^([(（][一二三四五六七八九十百]+[)）]|[一二三四五六七八九十百]+、|第[一二三四五六七八九十百零〇\d]+条"
    r"|\d{1,3}[.．、]|[(（]\d{1,3}[)）])$"
)

_money = {"type": "string", "pattern": MONEY_PATTERN}
_percent = {"type": "number", "minimum": 0, "maximum": 100}
_date = {"type": "string", "pattern": DATE_PATTERN}
_strings = {"type": "array", "items": {"type": "string", "minLength": 1}}

CONDITION = {
    "type": "object",
    "required": ["fact", "op", "text"],
    "additionalProperties": False,
    "properties": {
        "fact": {"type": "string"},
        "op": {"enum": ["eq", "in", "le", "lt", "ge", "gt", "is_true"]},
        "value": {},
        "text": {"type": "string", "minLength": 1},
        # the printed list ends in 等 ("科技创新…等重点行业"): a value outside it is not decided
        "open": {"type": "boolean"},
    },
}

BENEFIT = {
    "type": "object",
    "required": ["id", "kind", "text"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]*$"},
        "kind": {
            "enum": [
                "rent_waiver",
                "landlord_subsidy",
                "rent_subsidy",
                "guarantee_subsidy",
                "interest_subsidy",
                "training_subsidy",
                "per_person_subsidy",
                "tax_deferral",
                "fee_exemption",
                "fee_reduction",
                "funding",
                "service",
                "coordination",
                "other",
            ]
        },
        "text": {"type": "string", "minLength": 1},
        "when": {"type": "array", "items": CONDITION},
        "months": {"type": "array", "items": {"type": "string", "pattern": MONTH_PATTERN}},
        "percent": _percent,
        "of": {"type": "string"},
        "cap": _money,
        "cap_scope": {"type": "string"},
        # the rate below which a reduction counts ("对于综合费率不足2%的部分" → 2)
        "rate_below": {"type": "number"},
        "max_term_months": {"type": "integer", "minimum": 1},
        "unit_hours": {"type": "integer", "minimum": 1},
        "per_unit": _money,
        "max_hours": {"type": "integer", "minimum": 1},
        "amount": _money,
        "max_months": {"type": "integer", "minimum": 1},
        "items": _strings,
    },
}

CONTACT = {
    "type": "object",
    "required": ["unit"],
    "additionalProperties": False,
    "properties": {
        "item": {"type": "string"},
        "unit": {"type": "string", "minLength": 1},
        "office": {"type": "string"},
        "persons": _strings,
        "phones": {"type": "array", "items": {"type": "string", "pattern": PHONE_PATTERN}},
        "emails": {"type": "array", "items": {"type": "string", "pattern": EMAIL_PATTERN}},
        "note": {"type": "string"},
    },
}

MEASURE = {
    "type": "object",
    "required": ["id", "label", "title", "topics", "summary", "text"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z]+[0-9]+-[0-9]{2}$"},
        "label": {"type": "string", "pattern": LABEL_PATTERN},
        "section": {"type": "string"},
        "title": {"type": "string", "minLength": 1},
        "topics": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "summary": {"type": "string", "minLength": 1},
        "keywords": _strings,
        "examples": _strings,  # question wordings a curator attached (python -m actions.kb attach)
        "primary": {"type": "boolean"},
        "industries": _strings,
        "text": {"type": "string", "minLength": 1},
        "eligibility": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "text": {"type": "string"},
                "conditions": {"type": "array", "items": CONDITION},
            },
        },
        "benefits": {"type": "array", "items": BENEFIT},
        "application": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "steps": _strings,
                "urls": _strings,
                "deadline": _date,
                "deadline_text": {"type": "string"},
            },
        },
        "responsible_units": _strings,
        "contacts": {"type": "array", "items": CONTACT},
        "notes": _strings,
    },
}

DOCUMENT_FILE = {
    "type": "object",
    "required": ["document", "measures"],
    "additionalProperties": False,
    "properties": {
        "document": {
            "type": "object",
            "required": ["id", "doc_number", "issuer", "title", "district", "issued", "source_file"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "pattern": r"^[a-z]+-\d{4}-\d+$"},
                "doc_number": {"type": "string", "minLength": 1},
                "issuer": {"type": "string", "minLength": 1},
                "title": {"type": "string", "minLength": 1},
                "district": {"type": "string", "minLength": 1},
                "issued": _date,
                "valid_until": _date,
                "validity_text": {"type": "string"},
                "source_file": {"type": "string", "minLength": 1},
                "scope_text": {"type": "string"},
            },
        },
        "measures": {"type": "array", "minItems": 1, "items": MEASURE},
        # Written by the importer (python -m actions.kb import); optional, ignored by the bot.
        "notes": _strings,  # document-level review notes
        "spans": {  # field path -> [start, end] in the source copy
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "minItems": 2,
                "maxItems": 2,
                "items": {"type": "integer", "minimum": 0},
            },
        },
    },
}
