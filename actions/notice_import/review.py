"""Static HTML review page: the draft beside the source text, each extracted value highlighted
where it came from, and the differences from the curated file when one exists.

Self-contained (inline CSS, no script, no CDN); every piece of text goes through html.escape.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import Dict, List, Optional

KIND_OF = [
    ("phones", "phone"),
    ("emails", "email"),
    ("persons", "person"),
    ("unit", "unit"),
    ("office", "unit"),
    ("responsible_units", "unit"),
    ("percent", "figure"),
    ("cap", "figure"),
    ("amount", "figure"),
    ("per_unit", "figure"),
    ("value", "figure"),
    ("months", "figure"),
    ("hours", "figure"),
    ("label", "label"),
    ("title", "label"),
    ("item", "item"),
]
CSS = """
body{font-family:sans-serif;margin:0;font-size:14px;color:#222}
header{padding:8px 16px;background:#f3f3f3;border-bottom:1px solid #ccc}
.cols{display:flex;height:calc(100vh - 120px)}
.col{flex:1;overflow:auto;padding:8px 16px}
pre{white-space:pre-wrap;word-break:break-all;line-height:1.7;font-size:15px}
mark{background:#eee;border-radius:2px}
mark.phone{background:#ffd6d6}mark.email{background:#ffe4b3}mark.person{background:#d6f5d6}
mark.unit{background:#d6e6ff}mark.figure{background:#f1d6ff}mark.label{background:#fff3a3}mark.item{background:#d9f2f2}
mark:target{outline:3px solid #e00}
.m{border:1px solid #ddd;border-radius:4px;margin:8px 0;padding:6px 10px}
.m h3{margin:2px 0;font-size:15px}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top;text-align:left}
.notes li{color:#8a4b00}.problems li{color:#b00}
a.f{text-decoration:none;border-bottom:1px dotted #555;color:inherit}
small{color:#666}
"""


def _kind(path: str) -> str:
    leaf = re.sub(r"\[\d+\]", "", path.rsplit(".", 1)[-1])
    for key, kind in KIND_OF:
        if leaf == key or leaf.endswith(key):
            return kind
    return "other"


def _line_col(source: str, pos: int) -> str:
    line = source.count("\n", 0, pos) + 1
    col = pos - (source.rfind("\n", 0, pos) + 1) + 1
    return f"{line}:{col}"


def _painted_source(source: str, spans: Dict[str, List[int]], ids: Dict[str, int]) -> str:
    owner = [None] * len(source)
    for path, (s, e) in sorted(spans.items(), key=lambda kv: -(kv[1][1] - kv[1][0])):
        for i in range(max(0, s), min(e, len(source))):
            owner[i] = path
    out, i, first_seen = [], 0, set()
    while i < len(source):
        j = i
        while j < len(source) and owner[j] == owner[i]:
            j += 1
        chunk = escape(source[i:j])
        path = owner[i]
        if path is None:
            out.append(chunk)
        else:
            n = ids[path]
            anchor = f' id="s{n}"' if n not in first_seen else ""
            first_seen.add(n)
            out.append(f'<mark class="{_kind(path)}"{anchor} title="{escape(path)}">{chunk}</mark>')
        i = j
    return "".join(out)


def _value(v) -> str:
    if isinstance(v, list):
        return "、".join(_value(x) for x in v)
    if isinstance(v, dict):
        return "；".join(f"{k}: {_value(x)}" for k, x in v.items())
    return str(v)


def _fact(path: str, value, spans, ids, source) -> str:
    text = escape(_value(value))
    if path in spans:
        s = spans[path][0]
        return f'<a class="f" href="#s{ids[path]}" title="{escape(path)} @ {_line_col(source, s)}">{text}</a>'
    return text


def _measure_html(m: Dict, spans, ids, source) -> str:
    mid = m["id"]
    p = lambda key: f"{mid}.{key}"  # noqa: E731
    rows = [
        f'<div class="m"><h3>{_fact(p("label"), m["label"], spans, ids, source)} '
        f"{_fact(p('title'), m['title'], spans, ids, source)} <small>{escape(mid)} · {escape(', '.join(m['topics']))}"
        f"{' · ' + escape(m['section']) if m.get('section') else ''}</small></h3>"
    ]
    if m.get("responsible_units"):
        rows.append(
            "<div>责任单位："
            + "、".join(
                _fact(p(f"responsible_units[{i}]"), u, spans, ids, source) for i, u in enumerate(m["responsible_units"])
            )
            + "</div>"
        )
    for i, b in enumerate(m.get("benefits") or []):
        fields = [
            f"{escape(k)}={_fact(p(f'benefits[{i}].{k}'), v, spans, ids, source)}"
            for k, v in b.items()
            if k not in ("id", "text")
        ]
        rows.append(f"<div>优惠 <b>{escape(b['kind'])}</b> {' '.join(fields)}</div>")
    for i, c in enumerate((m.get("eligibility") or {}).get("conditions") or []):
        rows.append(
            f"<div>条件 {escape(c['fact'])} {escape(c['op'])} "
            f"{_fact(p(f'eligibility.conditions[{i}].value'), c.get('value', ''), spans, ids, source)}</div>"
        )
    steps = (m.get("application") or {}).get("steps") or []
    if steps:
        rows.append(
            f"<div>办理流程：{len(steps)}步 "
            + " ".join(_fact(p(f"application.steps[{i}]"), f"[{i + 1}]", spans, ids, source) for i in range(len(steps)))
            + "</div>"
        )
    if m.get("contacts"):
        rows.append(
            "<table><tr><th>子项</th><th>单位</th><th>科室</th><th>联系人</th><th>电话</th><th>邮箱</th><th>备注</th></tr>"
        )
        for i, c in enumerate(m["contacts"]):

            def cell(key, i=i, c=c):
                return _fact(p(f"contacts[{i}].{key}"), c[key], spans, ids, source) if c.get(key) else ""

            def multi(key, i=i, c=c):
                return "、".join(
                    _fact(p(f"contacts[{i}].{key}[{j}]"), v, spans, ids, source) for j, v in enumerate(c.get(key) or [])
                )

            rows.append(
                f"<tr><td>{cell('item')}</td><td>{cell('unit')}</td><td>{cell('office')}</td><td>{multi('persons')}</td>"
                f"<td>{multi('phones')}</td><td>{multi('emails')}</td><td>{cell('note')}</td></tr>"
            )
        rows.append("</table>")
    if m.get("notes"):
        rows.append('<ul class="notes">' + "".join(f"<li>{escape(n)}</li>" for n in m["notes"]) + "</ul>")
    rows.append("</div>")
    return "".join(rows)


def render(
    data: Dict, source: str, diff: Optional[Dict] = None, problems: List[str] = (), curated_path: Optional[Path] = None
) -> str:
    spans = data.get("spans") or {}
    ids = {path: n for n, path in enumerate(spans)}
    doc = data["document"]
    head = [
        f"<h2>草稿审核：{escape(doc.get('title', ''))}</h2>",
        "<div>"
        + " · ".join(
            _fact(f"document.{k}", doc[k], spans, ids, source)
            for k in ("doc_number", "issuer", "district", "issued", "valid_until")
            if k in doc
        )
        + "</div>",
        f"<small>{len(data['measures'])} 条措施，"
        f"{sum(len(m.get('contacts') or []) for m in data['measures'])} 个联系方式，{len(spans)} 个定位。"
        "点击左侧的值跳到原文位置；颜色：电话 邮箱 联系人 单位 数字 编号/标题 子项。</small>",
    ]
    left = []
    if problems:
        left.append('<h3>问题</h3><ul class="problems">' + "".join(f"<li>{escape(x)}</li>" for x in problems) + "</ul>")
    if data.get("notes"):
        left.append(
            '<h3>待核对</h3><ul class="notes">' + "".join(f"<li>{escape(x)}</li>" for x in data["notes"]) + "</ul>"
        )
    if diff is not None:
        left.append(f"<h3>与现有文件的差异（{escape(str(curated_path or ''))}）</h3>")
        if not diff["measures"] and not diff["document"]:
            left.append("<p>无差异。</p>")
        else:
            left.append("<table><tr><th>位置</th><th>项目</th><th>草稿</th><th>现有文件</th></tr>")
            for key, a, b in diff["document"]:
                left.append(f"<tr><td>document</td><td>{escape(key)}</td><td>{escape(a)}</td><td>{escape(b)}</td></tr>")
            for label, key, a, b in diff["measures"]:
                left.append(
                    f"<tr><td>{escape(label)}</td><td>{escape(key)}</td><td>{escape(str(a))}</td><td>{escape(str(b))}</td></tr>"
                )
            left.append("</table>")
    left.append("<h3>措施</h3>")
    left += [_measure_html(m, spans, ids, source) for m in data["measures"]]
    return (
        '<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">'
        f"<title>{escape(doc.get('id', ''))} 草稿审核</title><style>{CSS}</style></head><body>"
        f'<header>{"".join(head)}</header><div class="cols"><div class="col">{"".join(left)}</div>'
        f'<div class="col"><h3>原文（{escape(doc.get("source_file", ""))}）</h3><pre>{_painted_source(source, spans, ids)}</pre></div>'
        "</div></body></html>\n"
    )
