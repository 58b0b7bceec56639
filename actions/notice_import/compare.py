"""Compare a draft with a curated file: per-category precision/recall and a readable diff.

Categories (each a set of (measure label, value) pairs):
  measures   label with its title (a title the curators wrote themselves — not printed in the
             source — cannot be drafted and is not scored: the label alone counts)
  phones, emails, persons, units
  attachment (label, phone/email, sub-item): the contact is under the right measure and sub-item
             (items agree when both are empty or one contains the other, punctuation ignored)
  figures    percentages and amounts of benefits and conditions
  responsible_units, steps (application steps, in order)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Optional, Set, Tuple

import yaml

from actions.text_tools import compact

CATEGORIES = ["measures", "phones", "emails", "persons", "units", "attachment", "figures", "responsible_units", "steps"]


def load_curated(path: Path) -> Dict:
    with Path(path).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _norm(s) -> str:
    return re.sub(r"[。：:；;，,、\s]", "", compact(str(s or "")))


def _figures(m: Dict, facts_types: Optional[Dict] = None) -> Set[str]:
    out = set()
    conds = list((m.get("eligibility") or {}).get("conditions") or [])
    conds += [c for b in m.get("benefits") or [] for c in b.get("when") or []]
    for c in conds:
        v = c.get("value")
        if (
            isinstance(v, (int, float))
            and not isinstance(v, bool)
            and c["fact"] in ("layoff_ratio", "revenue_decline", "loan_cost")
        ):
            out.add(f"{v:g}%")
        elif isinstance(v, str) and re.fullmatch(r"\d+(\.\d+)?(万|亿)?元", v):
            out.add(v)
    for b in m.get("benefits") or []:
        if "percent" in b:
            out.add(f"{b['percent']:g}%")
        for key in ("cap", "per_unit", "amount"):
            if key in b:
                out.add(b[key])
    return out


def pairs(data: Dict, source: str = "") -> Dict[str, Set[Tuple]]:
    out = {c: set() for c in CATEGORIES}
    compact(source)
    for m in data.get("measures") or []:
        label = compact(m["label"])
        out["measures"].add((label, compact(m["title"])))
        for c in m.get("contacts") or []:
            item = _norm(c.get("item"))
            for p in c.get("phones") or []:
                out["phones"].add((label, p))
                out["attachment"].add((label, p, item))
            for e in c.get("emails") or []:
                out["emails"].add((label, e))
                out["attachment"].add((label, e, item))
            for p in c.get("persons") or []:
                out["persons"].add((label, compact(p)))
            out["units"].add((label, compact(c["unit"])))
        for f in _figures(m):
            out["figures"].add((label, f))
        for u in m.get("responsible_units") or []:
            out["responsible_units"].add((label, compact(u)))
        for i, step in enumerate((m.get("application") or {}).get("steps") or []):
            out["steps"].add((label, i, compact(step)))
    return out


def _items_agree(a: str, b: str) -> bool:
    return a == b or (a and b and (a in b or b in a))


def score(draft: Dict, curated: Dict, source: str) -> Dict[str, Dict]:
    """{category: {tp_draft, n_draft, tp_curated, n_curated, missing, extra}}."""
    d, c = pairs(draft, source), pairs(curated, source)
    printed = compact(source)
    result = {}
    for cat in CATEGORIES:
        if cat == "measures":
            cur_titles = {lab: t for lab, t in c[cat]}
            dr_titles = {lab: t for lab, t in d[cat]}

            tp_d = sum(
                1 for lab, t in d[cat] if lab in cur_titles and (cur_titles[lab] not in printed or cur_titles[lab] == t)
            )
            tp_c = sum(1 for lab, t in c[cat] if lab in dr_titles and (t not in printed or dr_titles[lab] == t))
            missing = sorted(
                (lab, t) for lab, t in c[cat] if not (lab in dr_titles and (t not in printed or dr_titles[lab] == t))
            )
            extra = sorted(
                (lab, t)
                for lab, t in d[cat]
                if not (lab in cur_titles and (cur_titles[lab] not in printed or cur_titles[lab] == t))
            )
            unscored = sum(1 for lab, t in c[cat] if t not in printed)
            result[cat] = dict(
                tp_draft=tp_d,
                n_draft=len(d[cat]),
                tp_curated=tp_c,
                n_curated=len(c[cat]),
                missing=missing,
                extra=extra,
                titles_not_scored=unscored,
            )
            continue
        if cat == "attachment":

            def match(x, pool):
                return any(x[0] == y[0] and x[1] == y[1] and _items_agree(x[2], y[2]) for y in pool)

            tp_d = sum(1 for x in d[cat] if match(x, c[cat]))
            tp_c = sum(1 for x in c[cat] if match(x, d[cat]))
            missing = sorted(x for x in c[cat] if not match(x, d[cat]))
            extra = sorted(x for x in d[cat] if not match(x, c[cat]))
        else:
            tp_d = tp_c = len(d[cat] & c[cat])
            missing, extra = sorted(c[cat] - d[cat]), sorted(d[cat] - c[cat])
        result[cat] = dict(
            tp_draft=tp_d, n_draft=len(d[cat]), tp_curated=tp_c, n_curated=len(c[cat]), missing=missing, extra=extra
        )
    return result


def compare(draft: Dict, curated: Dict) -> Dict:
    """Differences for the review page: measures, titles and contacts that differ, by label."""
    cur = {compact(m["label"]): m for m in curated.get("measures") or []}
    dr = {compact(m["label"]): m for m in draft.get("measures") or []}
    rows = []
    for label in list(dict.fromkeys(list(cur) + list(dr))):
        a, b = dr.get(label), cur.get(label)
        if a is None:
            rows.append((label, "measure", "—", f"{b['id']} {b['title']}"))
            continue
        if b is None:
            rows.append((label, "measure", f"{a['id']} {a['title']}", "—"))
            continue
        if compact(a["title"]) != compact(b["title"]):
            rows.append((label, "title", a["title"], b["title"]))
        for key in ("phones", "emails", "persons"):
            va = sorted({v for c in a.get("contacts") or [] for v in c.get(key) or []})
            vb = sorted({v for c in b.get("contacts") or [] for v in c.get(key) or []})
            if va != vb:
                rows.append((label, key, "、".join(va) or "—", "、".join(vb) or "—"))
        ua = sorted({c["unit"] for c in a.get("contacts") or []})
        ub = sorted({c["unit"] for c in b.get("contacts") or []})
        if ua != ub:
            rows.append((label, "units", "、".join(ua) or "—", "、".join(ub) or "—"))
        fa, fb = sorted(_figures(a)), sorted(_figures(b))
        if fa != fb:
            rows.append((label, "figures", "、".join(fa) or "—", "、".join(fb) or "—"))
    doc_rows = []
    for key in ("doc_number", "issuer", "title", "district", "issued", "valid_until"):
        va, vb = str((draft.get("document") or {}).get(key, "—")), str((curated.get("document") or {}).get(key, "—"))
        if va != vb:
            doc_rows.append((key, va, vb))
    return {"measures": rows, "document": doc_rows}
