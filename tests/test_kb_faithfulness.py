"""Every fact in the KB is printed in its own source document, and every contact printed is in the KB."""
import re

import pytest

from actions.faithfulness import measure_fields, printed_values
from actions.text_tools import compact

FULL_DOCUMENTS = {"xc-2020-1": 23, "xc-2020-6": 14, "my-2020-25": 13}
PHONE_IN_TEXT = re.compile(r"(?<!\d)(\d{8,11}(?:-\d{1,6})?)(?!\d)")
EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
URL_IN_TEXT = re.compile(r"(?:https?://|www\.)[A-Za-z0-9./_-]+")


def measures_of(kb, doc_id):
    return [m for m in kb if m.document.id == doc_id]


def source(kb, doc_id):
    return compact(kb.documents[doc_id].source_text)


def test_every_measure_of_every_notice_is_present(kb):
    for doc_id, count in FULL_DOCUMENTS.items():
        ids = [m.id for m in measures_of(kb, doc_id)]
        prefix = {"xc-2020-1": "xc1", "xc-2020-6": "xc6", "my-2020-25": "my25"}[doc_id]
        assert ids == [f"{prefix}-{i:02d}" for i in range(1, count + 1)]


def test_labels_are_printed_in_the_source(kb):
    for m in kb:
        assert compact(m.label) in compact(m.document.source_text), m.id


def _facts(m, taxonomy):
    """(kind, printed form) of every checkable fact in a measure (actions/faithfulness.py)."""
    return printed_values(measure_fields(m), taxonomy)


@pytest.mark.parametrize("doc_id", sorted(FULL_DOCUMENTS))
def test_every_fact_is_printed_in_its_own_document(kb, doc_id):
    text = source(kb, doc_id)
    missing = [(m.id, kind, value) for m in measures_of(kb, doc_id)
               for kind, value in _facts(m, kb.taxonomy) if compact(value) not in text]
    assert missing == []


@pytest.mark.parametrize("doc_id", sorted(FULL_DOCUMENTS))
def test_every_printed_phone_email_and_url_is_in_the_kb(kb, doc_id):
    raw = kb.documents[doc_id].source_text
    ms = measures_of(kb, doc_id)
    phones = {p for m in ms for c in m.contacts for p in c.get("phones") or []}
    emails = {e for m in ms for c in m.contacts for e in c.get("emails") or []}
    urls = {u for m in ms for u in (m.application or {}).get("urls") or []}
    without_emails = EMAIL_IN_TEXT.sub(" ", raw)
    printed_phones = set(PHONE_IN_TEXT.findall(without_emails))
    assert printed_phones - phones == set()
    assert set(EMAIL_IN_TEXT.findall(raw)) - emails == set()
    printed_urls = {u.rstrip(".") for u in URL_IN_TEXT.findall(raw)}
    assert {u for u in printed_urls if not any(u in k or k in u for k in urls)} == set()


def test_malformed_phones_are_kept_and_flagged(kb):
    m = kb.get("xc1-12")
    assert any("635586695" in c.get("phones", []) for c in m.contacts)
    assert any("635586695" in n for n in m.notes)
    for m in kb:
        for c in m.contacts:
            for p in c.get("phones") or []:
                if not re.fullmatch(r"\d{8}(-\d+)?|1\d{10}", p):
                    assert any(p in n for n in m.notes), (m.id, p)


def test_same_person_keeps_each_measures_own_number(kb):
    zhao_1 = {p for c in kb.get("xc1-10").contacts if "赵鹏" in c.get("persons", []) for p in c["phones"]}
    zhao_6 = {p for c in kb.get("xc6-06").contacts if "赵鹏" in c.get("persons", []) for p in c["phones"]}
    assert zhao_1 == {"83926768"}
    assert zhao_6 == {"83926742"}


def test_document_metadata_matches_the_notices(kb):
    docs = kb.documents
    assert docs["xc-2020-1"].doc_number == "西政办发〔2020〕1号"
    assert docs["xc-2020-1"].issued == "2020-02-17"
    assert docs["xc-2020-1"].valid_until == "2020-12-31"
    assert docs["xc-2020-6"].doc_number == "西政办发〔2020〕6号"
    assert docs["xc-2020-6"].issued == "2020-05-11"
    assert docs["my-2020-25"].doc_number == "密政发〔2020〕25号"
    assert docs["my-2020-25"].issued == "2020-05-14"
    assert docs["my-2020-25"].district == "密云区"
    for d in docs.values():
        assert compact(d.doc_number) in compact(d.source_text)


def test_only_xicheng_1_has_a_tax_measure(kb):
    assert [m.id for m in kb.filter(topic="tax")] == ["xc1-14"]


def test_a_person_with_different_numbers_in_different_measures_is_flagged_everywhere(kb):
    phones, measures = {}, {}
    for m in kb:
        for c in m.contacts:
            if len(c.get("persons") or []) == 1:
                person = c["persons"][0]
                phones.setdefault(person, []).append(set(c.get("phones") or []))
                measures.setdefault(person, set()).add(m.id)
    for person, sets in phones.items():
        disjoint = any(not (a & b) for a in sets for b in sets)
        if disjoint:
            for mid in measures[person]:
                assert any(person in n for n in kb.get(mid).notes), (person, mid)
