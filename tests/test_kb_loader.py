"""A bad KB file is refused with an error naming the file, the measure and the field."""
import shutil
from pathlib import Path

import pytest
import yaml

from actions.knowledge_base import KBValidationError, load_kb

KB_DIR = Path(__file__).resolve().parent.parent / "policies_kb"

MINI_SOURCE = "示例区人民政府 示范〔2024〕1号 2024年1月1日 （一）房租补贴。按月租金10%给予补贴。联系人：张三 联系电话：12345678 邮箱：zs@example.com"


def mini_document(**measure_overrides):
    measure = {
        "id": "ex1-01", "label": "（一）", "title": "房租补贴", "topics": ["rent"],
        "summary": "按月租金10%给予补贴。", "text": "房租补贴。按月租金10%给予补贴。",
        "benefits": [{"id": "subsidy", "kind": "rent_subsidy", "text": "按月租金10%给予补贴", "percent": 10, "of": "月租金"}],
        "contacts": [{"unit": "示例区商务局", "persons": ["张三"], "phones": ["12345678"], "emails": ["zs@example.com"]}],
    }
    measure.update(measure_overrides)
    return {
        "document": {"id": "ex-2024-1", "doc_number": "示范〔2024〕1号", "issuer": "示例区人民政府",
                     "title": "示例措施", "district": "示例区", "issued": "2024-01-01",
                     "source_file": "sources/ex-2024-1.txt"},
        "measures": [measure],
    }


def make_kb(tmp_path, document=None, raw_text=None):
    """A KB folder with the real taxonomy and one small document."""
    (tmp_path / "sources").mkdir()
    shutil.copy(KB_DIR / "taxonomy.yml", tmp_path / "taxonomy.yml")
    (tmp_path / "sources" / "ex-2024-1.txt").write_text(MINI_SOURCE, encoding="utf-8")
    path = tmp_path / "ex-2024-1.yml"
    if raw_text is not None:
        path.write_text(raw_text, encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(document or mini_document(), allow_unicode=True), encoding="utf-8")
    return tmp_path


def errors_of(tmp_path, **kwargs):
    with pytest.raises(KBValidationError) as exc:
        load_kb(make_kb(tmp_path, **kwargs))
    return [str(e) for e in exc.value.errors]


def test_a_valid_small_kb_loads(tmp_path):
    kb = load_kb(make_kb(tmp_path))
    assert kb.get("ex1-01").title == "房租补贴"


def test_missing_field_is_named(tmp_path):
    doc = mini_document()
    del doc["measures"][0]["summary"]
    assert errors_of(tmp_path, document=doc) == ["ex-2024-1.yml: measure ex1-01: field summary: required field is missing"]


def test_unknown_topic_is_named(tmp_path):
    errors = errors_of(tmp_path, document=mini_document(topics=["rent", "lottery"]))
    assert errors == ["ex-2024-1.yml: measure ex1-01: field topics[1]: unknown topic 'lottery' (see taxonomy.yml)"]


def test_duplicate_id_is_named(tmp_path):
    doc = mini_document()
    doc["measures"].append(dict(doc["measures"][0]))
    errors = errors_of(tmp_path, document=doc)
    assert any("measure ex1-01: field id: duplicate measure id 'ex1-01'" in e for e in errors)


def test_malformed_phone_is_named(tmp_path):
    contact = {"unit": "示例区商务局", "persons": ["张三"], "phones": ["1234-56"]}
    errors = errors_of(tmp_path, document=mini_document(contacts=[contact]))
    assert len(errors) == 1
    assert errors[0].startswith("ex-2024-1.yml: measure ex1-01: field contacts[0].phones[0]:")


def test_yaml_syntax_error_is_named(tmp_path):
    errors = errors_of(tmp_path, raw_text="document:\n  id: [unclosed\nmeasures: []\n")
    assert len(errors) == 1
    assert errors[0].startswith("ex-2024-1.yml: YAML syntax error (line")


def test_unknown_fact_in_condition_is_named(tmp_path):
    cond = {"fact": "star_sign", "op": "eq", "value": "狮子座", "text": "房租补贴"}
    errors = errors_of(tmp_path, document=mini_document(eligibility={"conditions": [cond]}))
    assert errors == ["ex-2024-1.yml: measure ex1-01: field eligibility.conditions[0].fact: unknown fact 'star_sign' (see taxonomy.yml)"]


def test_the_real_kb_rejects_a_broken_copy_naming_the_file(tmp_path):
    target = tmp_path / "kb"
    shutil.copytree(KB_DIR, target)
    path = target / "my-2020-25.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("topics: [rent]", "topics: [renting]", 1), encoding="utf-8")
    with pytest.raises(KBValidationError) as exc:
        load_kb(target)
    assert "my-2020-25.yml: measure my25-01: field topics[0]: unknown topic 'renting'" in str(exc.value)


def test_new_document_is_added_as_data_only(tmp_path):
    """An extra document (YAML + source text) in the KB folder is loaded, searched and checked: no code change."""
    target = tmp_path / "kb"
    shutil.copytree(KB_DIR, target)
    (target / "ex-2024-1.yml").write_text(yaml.safe_dump(mini_document(), allow_unicode=True), encoding="utf-8")
    (target / "sources" / "ex-2024-1.txt").write_text(MINI_SOURCE, encoding="utf-8")
    kb = load_kb(target)
    assert len(kb) == 51
    assert "示例区" in kb.districts
    assert [m.id for m in kb.filter(district="示例区")] == ["ex1-01"]
    from actions.retrieval import Retriever
    hits = Retriever(kb).search("示例区房租补贴怎么算")
    assert hits[0].measure.id == "ex1-01"
    from actions.calculators import rent_subsidy
    assert rent_subsidy(kb.get("ex1-01"), 10000).yuan == 1000


def test_an_article_label_printed_as_di_x_tiao_is_not_wrapped_twice():
    import dataclasses
    from actions.knowledge_base import load_kb
    m = load_kb().get("xc1-13")
    assert m.article == "西政办发〔2020〕1号第(十三)条"
    assert dataclasses.replace(m, label="第一条").article == "西政办发〔2020〕1号第一条"
