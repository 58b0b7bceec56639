"""The curators' report: what people ask, what went unanswered, which answers were marked wrong.

Pure Python over the events Rasa's SQL event broker stores (``event_broker`` in
``bot/endpoints.yml``: table ``events``, one JSON event per row). ``compute`` takes those events
(dicts) and returns the figures; ``render_html`` and ``tables`` turn them into the page and the CSV
files. Served by the running bot at ``/webhooks/curator/`` (``bot/channels/curator_report.py``,
token ``CURATOR_TOKEN``) and written as a static file by ``python -m actions.kb report``.

What a turn was is read from the metadata ``action_respond`` puts on its first bot message
(``turn``: decision kind, measure, retrieval confidence; ``actions/rasa_actions.py``):

* 已回答 answered — a measure, person, unit, list, notice, a place or topic the notices do not cover;
* 反问 asked back — which district, or the next question of the step-by-step check;
* 未找到 not found — nothing in the notices (``no_answer``, ``empty``);
* 超出范围 out of scope — not a policy question (NLU, or a wording a curator marked);
* 转人工 handed off — the user asked for a person (``human_handoff``).

Small talk and feedback are not questions. Reply time: from the user's message to the last bot
message of that turn. Percentiles are linear between closest ranks (like numpy's default).
Sender ids are shown as pseudonyms (keyed hash); phone numbers, ID numbers and e-mail addresses
typed by users are masked everywhere (``actions.curation.mask_personal``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import html
import io
import json
import math
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from actions.curation import mask_personal, similarity

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ENDPOINTS = ROOT / "bot" / "endpoints.yml"
DEFAULT_RETENTION_DAYS = 180
GROUP_SIMILARITY = 0.6  # two unanswered questions this alike are one group
LOW_NLU_CONFIDENCE = 0.5
CHANNEL_LABELS = {"socketio": "网页", "rest": "REST接口", "wechat": "微信", "console": "热线后台", "cmdline": "命令行"}
CATEGORIES = [
    ("answered", "已回答"),
    ("asked_back", "反问"),
    ("not_found", "未找到"),
    ("out_of_scope", "超出范围"),
    ("handed_off", "转人工"),
]
CATEGORY_LABELS = dict(CATEGORIES)
ANSWERED_KINDS = {"measure", "person", "unit", "list", "document", "not_covered", "other_place"}
NEGATIVE = {"down", "wrong"}
RATING_LABELS = {"up": "有帮助", "down": "没帮助", "right": "回答正确", "wrong": "回答错误"}
TZ = dt.timezone(dt.timedelta(hours=8))  # dates in Beijing time


# ---- turns ----------------------------------------------------------------------------------


@dataclass
class Turn:
    conversation: str
    channel: str
    user: str  # pseudonym
    text: str  # masked
    time: float
    intent: str = ""
    intent_confidence: Optional[float] = None
    replies: List[str] = field(default_factory=list)
    reply_time: Optional[float] = None
    info: Dict[str, Any] = field(default_factory=dict)  # the bot's ``turn`` metadata
    entities: Dict[str, str] = field(default_factory=dict)

    @property
    def date(self) -> str:
        return dt.datetime.fromtimestamp(self.time, TZ).strftime("%Y-%m-%d")

    @property
    def kind(self) -> str:
        return self.info.get("kind") or ""

    @property
    def is_feedback(self) -> bool:
        return self.kind == "feedback" or self.intent == "feedback"

    @property
    def category(self) -> Optional[str]:
        """answered | asked_back | not_found | out_of_scope | handed_off; None: not a question."""
        if self.is_feedback or self.kind in ("chitchat", "empty") or (not self.kind and self.info.get("small_talk")):
            return None
        if self.intent == "human_handoff":
            return "handed_off"
        if self.kind == "which_district" or (not self.kind and self.info.get("asks_back")):
            return "asked_back"
        if self.kind == "out_of_scope":
            return "out_of_scope"
        if self.kind in ANSWERED_KINDS or (self.kind == "english" and self.info.get("measure_id")):
            return "answered"
        if not self.kind and not self.info:
            return None  # no reply of action_respond (a channel's own reply: command, empty input)
        return "not_found"

    @property
    def low_confidence(self) -> bool:
        if self.category != "answered":
            return False
        nlu_low = self.intent_confidence is not None and self.intent_confidence < LOW_NLU_CONFIDENCE
        return bool(self.info.get("low_confidence")) or (nlu_low and not self.info.get("by"))


def pseudonym(sender: str, salt: bytes) -> str:
    return "访客-" + hmac.new(salt, sender.encode("utf-8"), hashlib.sha256).hexdigest()[:8]


def channel_of(conversation: str, event: Dict[str, Any]) -> str:
    prefix = conversation.split(":", 1)[0] if ":" in conversation else ""
    if prefix in CHANNEL_LABELS:
        return prefix
    return event.get("input_channel") or prefix or "其他"


def turns_of(events: Iterable[Dict[str, Any]], salt: bytes) -> List[Turn]:
    """The user turns of every conversation, in order, with the bot's replies and their metadata."""
    by_conversation: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
    for e in events:
        by_conversation[str(e.get("sender_id") or "")].append(e)
    turns: List[Turn] = []
    for conversation, evs in by_conversation.items():
        current: Optional[Turn] = None
        for e in evs:
            kind = e.get("event")
            if kind == "user":
                parse = e.get("parse_data") or {}
                intent = parse.get("intent") or {}
                ents = {x.get("entity"): str(x.get("value")) for x in parse.get("entities") or [] if x.get("entity")}
                text = e.get("text") or ""
                current = Turn(
                    conversation,
                    channel_of(conversation, e),
                    pseudonym(conversation, salt),
                    mask_personal(text),
                    float(e.get("timestamp") or 0),
                    intent.get("name") or "",
                    intent.get("confidence"),
                    entities={k: mask_personal(v) for k, v in ents.items()},
                )
                turns.append(current)
            elif kind == "bot" and current is not None:
                current.replies.append(mask_personal(e.get("text") or ""))
                current.reply_time = max(0.0, float(e.get("timestamp") or 0) - current.time)
                meta = e.get("metadata") or {}
                if isinstance(meta.get("turn"), dict) and not current.info:
                    current.info = dict(meta["turn"])
    return turns


# ---- figures --------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> Optional[float]:
    """Linear interpolation between closest ranks (numpy's default); None for no values."""
    xs = sorted(values)
    if not xs:
        return None
    k = (len(xs) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def group_questions(turns: List[Turn], threshold: float = GROUP_SIMILARITY) -> List[Dict[str, Any]]:
    """Near-duplicate questions together (greedy, most frequent wording first)."""
    wordings = Counter(t.text for t in turns)
    groups: List[Dict[str, Any]] = []
    for wording, _ in sorted(wordings.items(), key=lambda x: (-x[1], x[0])):
        for g in groups:
            if similarity(wording, g["wording"]) >= threshold:
                g["variants"].append(wording)
                break
        else:
            groups.append({"wording": wording, "variants": [wording]})
    out = []
    for g in groups:
        members = [t for t in turns if t.text in g["variants"]]
        kinds = Counter(
            ("低置信度" if t.low_confidence else CATEGORY_LABELS.get(t.category, t.category)) for t in members
        )
        out.append(
            {
                "wording": g["wording"],
                "variants": g["variants"],
                "count": len(members),
                "channels": sorted({CHANNEL_LABELS.get(t.channel, t.channel) for t in members}),
                "first": min(t.date for t in members),
                "last": max(t.date for t in members),
                "kind": "、".join(k for k, _ in kinds.most_common()),
                "measure_id": next((t.info.get("measure_id") for t in members if t.info.get("measure_id")), ""),
            }
        )
    out.sort(key=lambda g: g["last"], reverse=True)
    out.sort(key=lambda g: -g["count"])
    return out


def compute(
    events: Iterable[Dict[str, Any]],
    kb=None,
    salt: bytes = b"",
    days: Optional[int] = None,
    now: Optional[float] = None,
) -> Dict[str, Any]:
    """Every figure of the report from the event broker's events (dicts as Rasa publishes them)."""
    now = now if now is not None else dt.datetime.now(TZ).timestamp()
    turns = turns_of(events, salt)
    if days:
        turns = [t for t in turns if t.time >= now - days * 86400]
    questions = [t for t in turns if t.category]
    total = len(questions)

    per_day: Dict[str, Counter] = defaultdict(Counter)
    for t in questions:
        per_day[t.date][t.channel] += 1
    channels = sorted({t.channel for t in questions})

    cats = Counter(t.category for t in questions)
    shares = [
        {"category": c, "label": label, "count": cats.get(c, 0), "share": (cats.get(c, 0) / total) if total else 0.0}
        for c, label in CATEGORIES
    ]

    measure_counts = Counter(
        t.info["measure_id"] for t in questions if t.category == "answered" and t.info.get("measure_id")
    )
    topic_counts: Counter = Counter()
    for t in questions:
        if t.category == "answered":
            for topic in t.info.get("topics") or []:
                topic_counts[topic] += 1

    def measure_title(mid: str) -> str:
        m = kb.get(mid) if kb is not None else None
        return f"{m.district} {m.label}{m.title}" if m else ""

    def topic_label(topic: str) -> str:
        return kb.taxonomy.topic_label(topic) if kb is not None else topic

    curated = set(kb.out_of_scope) if kb is not None else set()
    from actions.curation import best_match

    unanswered = [
        t
        for t in questions
        if t.category == "not_found"
        or t.low_confidence
        or (
            t.category == "out_of_scope" and not t.info.get("curated") and not (curated and best_match(t.text, curated))
        )
    ]
    groups = group_questions(unanswered)
    if kb is not None:
        from actions.retrieval import search

        for g in groups:
            hits = search(kb, g["wording"], top_k=1)
            g["suggestion"] = hits[0].measure.id if hits else ""
            g["suggestion_title"] = measure_title(g["suggestion"]) if hits else ""

    feedback = []
    by_conversation: Dict[str, List[Turn]] = defaultdict(list)
    for t in turns:
        by_conversation[t.conversation].append(t)
    for conv_turns in by_conversation.values():
        for i, t in enumerate(conv_turns):
            if not t.is_feedback:
                continue
            rating = t.entities.get("rating") or t.info.get("rating") or ""
            answered = next((x for x in reversed(conv_turns[:i]) if x.category), None)
            feedback.append(
                {
                    "date": t.date,
                    "channel": t.channel,
                    "user": t.user,
                    "rating": rating,
                    "negative": rating in NEGATIVE,
                    "note": t.entities.get("note", ""),
                    "correct_measure": t.entities.get("correct_measure", ""),
                    "question": answered.text if answered else "",
                    "reply": "\n".join(answered.replies) if answered else "",
                    "measure_id": (answered.info.get("measure_id") or "") if answered else "",
                    "time": t.time,
                }
            )
    feedback.sort(key=lambda f: f["time"])
    ratings = Counter(f["rating"] for f in feedback)

    times = [t.reply_time for t in questions if t.reply_time is not None]
    per_channel_times = {
        c: [t.reply_time for t in questions if t.channel == c and t.reply_time is not None] for c in channels
    }
    reply_times = [
        {"channel": "全部", "count": len(times), "median": percentile(times, 50), "p95": percentile(times, 95)}
    ]
    reply_times += [
        {"channel": CHANNEL_LABELS.get(c, c), "count": len(v), "median": percentile(v, 50), "p95": percentile(v, 95)}
        for c, v in per_channel_times.items()
    ]

    return {
        "generated": dt.datetime.fromtimestamp(now, TZ).strftime("%Y-%m-%d %H:%M"),
        "days": days,
        "total_questions": total,
        "conversations": len({t.conversation for t in questions}),
        "channels": [{"id": c, "label": CHANNEL_LABELS.get(c, c)} for c in channels],
        "per_day": [
            {"date": d, **{c: per_day[d].get(c, 0) for c in channels}, "total": sum(per_day[d].values())}
            for d in sorted(per_day)
        ],
        "shares": shares,
        "top_measures": [
            {"measure_id": m, "title": measure_title(m), "count": n} for m, n in measure_counts.most_common(15)
        ],
        "top_topics": [{"topic": tp, "label": topic_label(tp), "count": n} for tp, n in topic_counts.most_common(15)],
        "unanswered": groups,
        "feedback": feedback,
        "ratings": {k: ratings.get(k, 0) for k in RATING_LABELS},
        "negative_feedback": [f for f in feedback if f["negative"]],
        "reply_times": reply_times,
        "median_reply": percentile(times, 50),
        "p95_reply": percentile(times, 95),
    }


# ---- tables and CSV ---------------------------------------------------------------------------


def _ms(seconds: Optional[float]) -> str:
    return "" if seconds is None else f"{seconds * 1000:.0f}"


def tables(report: Dict[str, Any]) -> Dict[str, Tuple[str, List[str], List[List[Any]]]]:
    """Every table of the report: name → (Chinese title, header, rows). The page and the CSV files."""
    chans = report["channels"]
    return {
        "per_day": (
            "每日提问数（按渠道）",
            ["日期"] + [c["label"] for c in chans] + ["合计"],
            [[d["date"]] + [d[c["id"]] for c in chans] + [d["total"]] for d in report["per_day"]],
        ),
        "shares": (
            "回答情况",
            ["类别", "问题数", "占比"],
            [[s["label"], s["count"], f"{s['share'] * 100:.1f}%"] for s in report["shares"]],
        ),
        "top_measures": (
            "问得最多的措施",
            ["措施编号", "措施", "次数"],
            [[m["measure_id"], m["title"], m["count"]] for m in report["top_measures"]],
        ),
        "top_topics": ("问得最多的主题", ["主题", "次数"], [[t["label"], t["count"]] for t in report["top_topics"]]),
        "unanswered": (
            "未答出和低置信度的问题（相近问法已合并）",
            ["问题", "次数", "渠道", "首次", "最近", "情况", "相近问法", "建议措施"],
            [
                [
                    g["wording"],
                    g["count"],
                    "、".join(g["channels"]),
                    g["first"],
                    g["last"],
                    g["kind"],
                    "；".join(v for v in g["variants"] if v != g["wording"]),
                    (g.get("suggestion", "") + " " + g.get("suggestion_title", "")).strip(),
                ]
                for g in report["unanswered"]
            ],
        ),
        "negative_feedback": (
            "被标记为没帮助或错误的回答",
            ["日期", "渠道", "用户（化名）", "评价", "问题", "给出的回答", "备注", "应由哪条措施回答"],
            [
                [
                    f["date"],
                    CHANNEL_LABELS.get(f["channel"], f["channel"]),
                    f["user"],
                    RATING_LABELS.get(f["rating"], f["rating"]),
                    f["question"],
                    f["reply"],
                    f["note"],
                    f["correct_measure"],
                ]
                for f in report["negative_feedback"]
            ],
        ),
        "reply_times": (
            "回复用时（毫秒）",
            ["渠道", "回复数", "中位数", "P95"],
            [[r["channel"], r["count"], _ms(r["median"]), _ms(r["p95"])] for r in report["reply_times"]],
        ),
    }


def csv_text(header: List[str], rows: List[List[Any]]) -> str:
    """CSV with a UTF-8 BOM (Excel opens Chinese text correctly)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            ["" if v is None else (("'" + v) if isinstance(v, str) and v and v[0] in "=+-@\t\r" else v) for v in row]
        )
    return "\ufeff" + out.getvalue()


# ---- HTML -----------------------------------------------------------------------------------

CSS = """
:root{--brand:#b3261e;--ink:#1f2328;--muted:#5b6470;--line:#e3e5e8;--bg:#f4f5f7;
--cjk:"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Noto Sans SC","WenQuanYi Micro Hei",sans-serif}
*{box-sizing:border-box}body{margin:0;font-family:var(--cjk);color:var(--ink);background:var(--bg);font-size:14px}
header{background:var(--brand);color:#fff;padding:14px 24px}header h1{margin:0;font-size:22px;font-weight:600}
header p{margin:4px 0 0;opacity:.9;font-size:13px}main{max-width:1280px;margin:0 auto;padding:16px 24px 40px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:16px}
.card{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 4px rgba(0,0,0,.06)}
.card .v{font-size:26px;font-weight:600;color:var(--brand)}.card .k{color:var(--muted);font-size:13px}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}@media(max-width:900px){.grid{grid-template-columns:1fr}}
section{background:#fff;border-radius:8px;padding:14px 16px;box-shadow:0 1px 4px rgba(0,0,0,.06);margin-bottom:16px;min-width:0}
section h2{font-size:16px;margin:0 0 10px;display:flex;justify-content:space-between;align-items:center;gap:8px}
section h2 a{font-size:12px;font-weight:400;color:var(--brand);white-space:nowrap}
.chart{width:100%;height:280px}.wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{background:#fafafa;color:var(--muted);font-weight:600;white-space:nowrap}td.num{text-align:right;white-space:nowrap}
td.reply{max-width:420px;white-space:pre-wrap;color:var(--muted)}td.date{white-space:nowrap}
#t-unanswered td:first-child{min-width:200px;font-weight:500}.empty{color:var(--muted);padding:8px 0}
.fix{display:flex;gap:6px;flex-wrap:wrap;align-items:center}.fix input{width:90px;padding:3px 6px;font-size:13px}
.fix button{padding:3px 8px;font-size:12px;border:1px solid var(--brand);background:#fff;color:var(--brand);border-radius:4px;cursor:pointer}
.fix button:hover{background:#fdeceb}.fix .done{color:#1a7f37}.fix .err{color:var(--brand)}
code{background:#f3f3f3;padding:1px 4px;border-radius:3px;font-size:12px}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _table(
    name: str,
    title: str,
    header: List[str],
    rows: List[List[Any]],
    csv_href: str,
    extra: Optional[List[str]] = None,
    numeric: Iterable[int] = (),
) -> str:
    numeric = set(numeric)
    head = "".join(f"<th>{_e(h)}</th>" for h in header + ([""] if extra else []))
    body = []
    for i, row in enumerate(rows):
        cells = "".join(
            f'<td class="{_cell_class(header[j], v, j in numeric)}">{_e(v)}</td>' for j, v in enumerate(row)
        )
        if extra:
            cells += f"<td>{extra[i]}</td>"
        body.append(f"<tr>{cells}</tr>")
    content = (
        f'<div class="wrap"><table id="t-{name}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
        if rows
        else '<p class="empty">暂无数据。</p>'
    )
    return f'<section><h2>{_e(title)}<a href="{_e(csv_href)}" download>导出CSV</a></h2>{content}</section>'


def _cell_class(name: str, value: Any, numeric: bool) -> str:
    if numeric:
        return "num"
    if name == "给出的回答":
        return "reply"
    return "date" if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else ""


def _seconds(value: Optional[float]) -> str:
    return "—" if value is None else (f"{value * 1000:.0f} 毫秒" if value < 10 else f"{value:.1f} 秒")


def render_html(report: Dict[str, Any], asset_prefix: str = "", csv_prefix: str = "csv/", served: bool = False) -> str:
    """The report page. ``served``: fix buttons that call the bot's curator API; else the CLI commands."""
    t = tables(report)
    ans = next(s for s in report["shares"] if s["category"] == "answered")
    window = f"最近{report['days']}天" if report.get("days") else "保留期内全部对话"
    cards = [
        ("提问数", report["total_questions"]),
        ("对话数", report["conversations"]),
        ("已回答占比", f"{ans['share'] * 100:.1f}%"),
        ("未答出问题组", len(report["unanswered"])),
        ("负面评价", len(report["negative_feedback"])),
        ("回复用时中位数", _seconds(report["median_reply"])),
        ("回复用时P95", _seconds(report["p95_reply"])),
    ]
    card_html = "".join(
        f'<div class="card"><div class="v">{_e(v)}</div><div class="k">{_e(k)}</div></div>' for k, v in cards
    )

    def chart_section(chart_id: str, title: str, table: str) -> str:
        return (
            f'<section><h2>{_e(title)}<a href="{_e(csv_prefix + table)}.csv" download>导出CSV</a></h2>'
            f'<div class="chart" id="{chart_id}" role="img" aria-label="{_e(title)}"></div></section>'
        )

    def fix_cell(g: Dict[str, Any]) -> str:
        if served:
            return (
                f'<div class="fix" data-wording="{_e(g["wording"])}"><input placeholder="措施编号" '
                f'value="{_e(g.get("suggestion", ""))}" aria-label="措施编号"><button data-act="attach">挂到措施</button>'
                f'<button data-act="out_of_scope">标为超出范围</button><span class="msg"></span></div>'
            )
        return (
            f'<code>python -m actions.kb attach "{_e(g["wording"])}" {_e(g.get("suggestion") or "措施编号")}</code><br>'
            f'<code>python -m actions.kb out-of-scope "{_e(g["wording"])}"</code>'
        )

    name, (title, header, rows) = "unanswered", t["unanswered"]
    unanswered_html = _table(
        name,
        title,
        header,
        rows,
        csv_prefix + name + ".csv",
        extra=[fix_cell(g) for g in report["unanswered"]],
        numeric=[1],
    )
    sections = [
        '<div class="grid">',
        chart_section("c-per-day", "每日提问数（按渠道）", "per_day"),
        chart_section("c-shares", "回答情况", "shares"),
        "</div>",
        '<div class="grid">',
        chart_section("c-measures", "问得最多的措施", "top_measures"),
        chart_section("c-topics", "问得最多的主题", "top_topics"),
        "</div>",
        unanswered_html,
        _table("negative_feedback", *t["negative_feedback"], csv_prefix + "negative_feedback.csv"),
        '<div class="grid">',
        _table("shares", *t["shares"], csv_prefix + "shares.csv", numeric=[1, 2]),
        _table("reply_times", *t["reply_times"], csv_prefix + "reply_times.csv", numeric=[1, 2, 3]),
        "</div>",
        '<div class="grid">',
        _table("top_measures", *t["top_measures"], csv_prefix + "top_measures.csv", numeric=[2]),
        _table("top_topics", *t["top_topics"], csv_prefix + "top_topics.csv", numeric=[1]),
        "</div>",
        _table("per_day", *t["per_day"], csv_prefix + "per_day.csv", numeric=range(1, len(t["per_day"][1]))),
    ]
    data = {
        "per_day": report["per_day"],
        "channels": report["channels"],
        "shares": report["shares"],
        "top_measures": report["top_measures"][:10],
        "top_topics": report["top_topics"][:10],
    }
    data_json = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>政策助手运营报告</title><link rel="icon" href="data:,">
<style>{CSS}</style></head><body>
<header><h1>政策助手运营报告</h1><p>生成于 {_e(report["generated"])}（北京时间）· 范围：{_e(window)} · 用户以化名显示，手机号、身份证号、邮箱已隐去</p></header>
<main><div class="cards">{card_html}</div>
{"".join(sections)}
</main>
<script type="application/json" id="report-data">{data_json}</script>
<script src="{_e(asset_prefix)}echarts.min.js"></script>
<script src="{_e(asset_prefix)}report.js"></script>
</body></html>
"""


REPORT_JS = ROOT / "web" / "curator" / "report.js"
ECHARTS_JS = ROOT / "web" / "node_modules" / "echarts" / "dist" / "echarts.min.js"


def write_static(report: Dict[str, Any], out: Path) -> List[Path]:
    """The report as a static page with its scripts and CSV files beside it (no network needed)."""
    import shutil

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    csv_dir = out.parent / (out.stem + "_csv")
    csv_dir.mkdir(exist_ok=True)
    written = [out]
    out.write_text(render_html(report, asset_prefix="", csv_prefix=csv_dir.name + "/"), encoding="utf-8")
    for name, (_, header, rows) in tables(report).items():
        path = csv_dir / f"{name}.csv"
        path.write_text(csv_text(header, rows), encoding="utf-8")
        written.append(path)
    for src in (REPORT_JS, ECHARTS_JS):
        if src.is_file():
            shutil.copyfile(src, out.parent / src.name)
            written.append(out.parent / src.name)
    return written


# ---- where the events are, retention ------------------------------------------------------------


def events_url(endpoints: Path = DEFAULT_ENDPOINTS) -> str:
    """SQLAlchemy URL of the event broker's database (``EVENTS_DB_URL`` overrides ``endpoints.yml``)."""
    if os.environ.get("EVENTS_DB_URL"):
        return os.environ["EVENTS_DB_URL"]
    import yaml

    cfg = (yaml.safe_load(Path(endpoints).read_text(encoding="utf-8")) or {}).get("event_broker") or {}
    return db_url(cfg) if cfg else f"sqlite:///{ROOT / 'var' / 'events.db'}"


def db_url(cfg: Dict[str, Any]) -> str:
    """The URL Rasa builds for an SQL store/broker section (``${VAR}`` expanded)."""
    get = lambda k: os.path.expandvars(str(cfg.get(k))) if cfg.get(k) not in (None, "") else None  # noqa: E731
    dialect, db = get("dialect") or "sqlite", get("db") or "events.db"
    if dialect.startswith("sqlite"):
        path = Path(db)
        return f"sqlite:///{path if path.is_absolute() else ROOT / path}"
    from urllib.parse import quote_plus

    auth = f"{quote_plus(get('username') or '')}:{quote_plus(get('password') or '')}@" if get("username") else ""
    host = get("url") or get("host") or "localhost"
    port = f":{get('port')}" if get("port") else ""
    return f"{dialect}://{auth}{host}{port}/{db}"


def read_events(url: str) -> List[Dict[str, Any]]:
    """Every event the SQL event broker stored, in order (empty when there is no table yet)."""
    import sqlalchemy

    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
        return []
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sqlalchemy.inspect(conn).has_table("events"):
                return []
            rows = conn.execute(sqlalchemy.text("SELECT sender_id, data FROM events ORDER BY id")).fetchall()
    finally:
        engine.dispose()
    events = []
    for sender_id, data in rows:
        try:
            e = json.loads(data)
        except (TypeError, ValueError):
            continue
        e.setdefault("sender_id", sender_id)
        events.append(e)
    return events


def retention_days() -> int:
    try:
        return max(1, int(os.environ.get("EVENT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)))
    except ValueError:
        return DEFAULT_RETENTION_DAYS


def purge(url: str, days: int, now: Optional[float] = None) -> int:
    """Delete the events older than ``days`` from the event broker's table (``sender_id``, ``data``)
    or a tracker store's table (with a ``timestamp`` column). Returns how many rows were deleted."""
    import sqlalchemy

    cutoff = (now if now is not None else dt.datetime.now(TZ).timestamp()) - days * 86400
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
        return 0
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as conn:
            inspector = sqlalchemy.inspect(conn)
            if not inspector.has_table("events"):
                return 0
            columns = {c["name"] for c in inspector.get_columns("events")}
            if "timestamp" in columns:
                return conn.execute(sqlalchemy.text("DELETE FROM events WHERE timestamp < :c"), {"c": cutoff}).rowcount
            old = []
            for row_id, data in conn.execute(sqlalchemy.text("SELECT id, data FROM events")):
                try:
                    if float(json.loads(data).get("timestamp") or 0) < cutoff:
                        old.append(row_id)
                except (TypeError, ValueError):
                    continue
            for i in range(0, len(old), 500):
                chunk = old[i : i + 500]
                conn.execute(
                    sqlalchemy.text("DELETE FROM events WHERE id IN (%s)" % ",".join(str(int(x)) for x in chunk))
                )
            return len(old)
    finally:
        engine.dispose()


def report_salt() -> bytes:
    """The key of the pseudonyms: ``CURATOR_REPORT_SALT``, else a random one kept in ``var/``."""
    if os.environ.get("CURATOR_REPORT_SALT"):
        return os.environ["CURATOR_REPORT_SALT"].encode("utf-8")
    path = ROOT / "var" / "report_salt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(os.urandom(16).hex())
    return path.read_text().strip().encode("utf-8")


def build(kb=None, url: Optional[str] = None, days: Optional[int] = None) -> Dict[str, Any]:
    return compute(read_events(url or events_url()), kb=kb, salt=report_salt(), days=days)


# ---- command line (python -m actions.kb report | purge) ---------------------------------------


def add_arguments(sub) -> None:
    p = sub.add_parser("report", help="生成运营报告（静态HTML + CSV）")
    p.add_argument("--out", default=str(ROOT / "results" / "report.html"))
    p.add_argument(
        "--events", help="事件库：SQLite 文件路径或 SQLAlchemy URL（默认按 bot/endpoints.yml 的 event_broker）"
    )
    p.add_argument("--days", type=int, help="只统计最近N天")
    p = sub.add_parser("purge", help="删除超过保留期的对话事件（事件库和对话库）")
    p.add_argument("--days", type=int, help=f"保留天数（默认 EVENT_RETENTION_DAYS 或 {DEFAULT_RETENTION_DAYS}）")
    p.add_argument("--events", help="事件库（默认按 bot/endpoints.yml 的 event_broker）")
    p.add_argument("--tracker", help="对话库（默认按 bot/endpoints.yml 的 tracker_store）")


def _as_url(value: str) -> str:
    return value if "://" in value else f"sqlite:///{Path(value).resolve()}"


def tracker_url(endpoints: Path = DEFAULT_ENDPOINTS) -> Optional[str]:
    import yaml

    cfg = (yaml.safe_load(Path(endpoints).read_text(encoding="utf-8")) or {}).get("tracker_store") or {}
    return db_url(cfg) if str(cfg.get("type", "")).upper() == "SQL" else None


def run_command(args) -> int:
    if args.command == "report":
        from actions.knowledge_base import load_kb

        kb = load_kb(Path(args.kb))
        report = build(kb, _as_url(args.events) if args.events else None, args.days)
        written = write_static(report, Path(args.out))
        print(
            f"已生成报告：{written[0]}（{report['total_questions']}个问题，{len(report['unanswered'])}组未答出，"
            f"CSV 在 {written[0].parent / (written[0].stem + '_csv')}/）"
        )
        return 0
    days = args.days or retention_days()
    targets = [
        ("事件库", _as_url(args.events) if args.events else events_url()),
        ("对话库", _as_url(args.tracker) if args.tracker else tracker_url()),
    ]
    for label, url in targets:
        if url:
            n = purge(url, days)
            print(f"{label}：删除了{n}条{days}天前的事件。")
    return 0
