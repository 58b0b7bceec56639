"""NLU synonyms, lookup tables and the jieba user dictionary, generated from the KB vocabulary.

python -m actions.nlu_generation          (writes data/nlu/generated/kb_terms.yml and bot/jieba_userdict/)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Dict, List

import yaml

from actions.knowledge_base import KnowledgeBase, load_kb
from actions.text_tools import write_user_dictionary

ROOT = Path(__file__).resolve().parent.parent
NLU_FILE = ROOT / "data" / "nlu" / "generated" / "kb_terms.yml"
USERDICT_FILE = ROOT / "bot" / "jieba_userdict" / "kb_terms.txt"


def entity_values(kb: KnowledgeBase) -> Dict[str, List[str]]:
    """Canonical values per entity, from the taxonomy and the measures."""
    facts = kb.taxonomy.facts
    units = sorted(
        {c["unit"] for m in kb for c in m.contacts}
        | {u for m in kb for u in m.responsible_units if not u.startswith("各")}
    )
    return {
        "district": list(kb.districts),
        "property_owner": list(facts["property_owner"]["values"]),
        "premises_use": list(facts["premises_use"]["values"]),
        "industry": sorted({i for m in kb for i in m.industries}),
        "unit": [u for u in units if len(u) <= 20],
    }


def nlu_data(kb: KnowledgeBase) -> dict:
    values = entity_values(kb)
    synonyms = kb.taxonomy.synonyms
    used = set()
    nlu = []
    for entity, canon_values in values.items():
        forms = []
        for canon in canon_values:
            variants = [v for v in synonyms.get(canon, []) if v not in used and v != canon]
            used.update(variants)
            forms += [canon] + variants
            if variants:
                nlu.append({"synonym": canon, "examples": "".join(f"- {v}\n" for v in variants)})
        nlu.append({"lookup": entity, "examples": "".join(f"- {f}\n" for f in dict.fromkeys(forms))})
    return {"version": "3.1", "nlu": nlu}


class _Literal(str):
    pass


def _literal(dumper, data):
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")


def write(kb: KnowledgeBase, nlu_file: Path = NLU_FILE, userdict_file: Path = USERDICT_FILE) -> None:
    yaml.add_representer(_Literal, _literal)
    data = nlu_data(kb)
    for item in data["nlu"]:
        item["examples"] = _Literal(item["examples"])
    text = "# Generated from policies_kb/ by `python -m actions.nlu_generation`. Do not edit.\n" + yaml.dump(
        data, allow_unicode=True, sort_keys=False
    )
    _write_if_changed(nlu_file, text)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "terms.txt"
        write_user_dictionary(kb, fresh)
        _write_if_changed(userdict_file, fresh.read_text(encoding="utf-8"))


def _write_if_changed(path: Path, text: str) -> None:
    """Unchanged files keep their time stamp, so the model is not retrained for nothing."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main() -> int:
    kb = load_kb()
    write(kb)
    print(f"wrote {NLU_FILE.relative_to(ROOT)} and {USERDICT_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
