"""Turn a ``Decision`` into the Chinese (or English) reply a user reads.

The first sentence answers what was asked (yes/no, an amount, a phone, the steps, whether the
period is over); then the figure, the contact for what was asked, and the source with its time
status. Every fact comes from the KB.
"""

from __future__ import annotations

import re
from typing import Dict, List, Tuple

from actions import eligibility
from actions.answers import MONEY_KINDS, NOT_ENTITLEMENTS, caveats, contact_line, stated_case_benefits
from actions.clock import today
from actions.decision import MONTHS_ASKED, RELATION_ASKED, ROLE_BENEFIT, Decision, benefit_asked_about
from actions.english_answer import english_answer
from actions.knowledge_base import KnowledgeBase, Measure
from actions.quantities import format_money
from actions.retrieval import retriever_for
from actions.text_tools import char_bigrams, compact, expand_synonyms, tokens
from actions.time_status import cn_date, relief_month_numbers, relief_months, status_of
from actions.understanding import THRESHOLD_ASKED, content_words

MAX_CONTACTS = 6
EXAMPLES = "例如“西城区房租减免怎么申请”“密云区贷款贴息的条件”“25号文第十条找谁”"


def coverage(kb: KnowledgeBase) -> str:
    """'西城区（西政办发〔2020〕1号、西政办发〔2020〕6号）和密云区（密政发〔2020〕25号）'."""
    parts = []
    for district in kb.districts:
        docs = "、".join(d.doc_number for d in kb.documents.values() if d.district == district)
        parts.append(f"{district}（{docs}）")
    return "和".join(parts)


def source_line(m: Measure, d: Decision) -> str:
    status = d.time.sentence if d.time else ""
    return f"来源：{m.article}（{m.document.issued}发布）。{status}。"


def contacts_block(d: Decision, limit: int = MAX_CONTACTS) -> List[str]:
    contacts = d.contacts[:limit]
    lines = []
    current = None
    for c in contacts:
        if c.get("item") and c["item"] != current and not d.contacts_specific:
            current = c["item"]
            lines.append(f"【{current}】")
        lines.append("· " + contact_line(c))
    if len(d.contacts) > limit:
        lines.append(f"（另有{len(d.contacts) - limit}个联系方式，可回复“联系方式”查看全部）")
    return lines


def _who(c: Dict) -> str:
    parts = [c["unit"] + (c.get("office") or "")]
    if c.get("persons"):
        parts.append("、".join(c["persons"]))
    who = " ".join(parts)
    reach = []
    if c.get("phones"):
        reach.append("电话" + "、".join(c["phones"]))
    if c.get("emails"):
        reach.append("邮箱" + "、".join(c["emails"]))
    return who + ("，" + "，".join(reach) if reach else "")


UNINCLUDED = re.compile(r"附件|未收录")


def unincluded_notes(kb: KnowledgeBase, m: Measure, text: str) -> List[str]:
    """ "具体社区的电话有吗": the curator's note that the notice keeps that list in an attachment the
    source does not include, when the question names what the note is about."""
    words = [w for w in tokens(retriever_for(kb).tokenizer, content_words(kb, text)) if len(w) >= 2]
    return [n for n in m.notes if UNINCLUDED.search(n) and any(w in n for w in words)]


def contact_answer(kb: KnowledgeBase, d: Decision) -> List[str]:
    m = d.measure
    assert m is not None  # a contact answer is about a measure
    missing = unincluded_notes(kb, m, d.u.text) if LIST_ASKED_FOR.search(d.u.text) else []
    if missing:
        return ["抱歉，我这里查不到：" + "".join(missing), "可先联系原文列出的联系人："] + contacts_block(d, limit=12)
    if d.contacts_withheld:
        registered = d.facts.get("registered_in") or "其他区"
        return [
            f"这项措施是{m.district}的，要求在{m.district}注册纳税；您说企业注册在{registered}，"
            f"{m.district}的联系人不适用。如需了解{registered}的相关措施，请直接问我。"
        ]
    if not d.contacts:
        units = "、".join(m.responsible_units) or "相关部门"
        said = source_sentences(m, d.u.text) or [m.summary]
        return [f"原文没有为“{m.title}”公布联系电话，责任单位是{units}。", "原文：" + "".join(said)]
    if d.contacts_specific and len(d.contacts) <= 2:
        item = d.contacts[0].get("item") or m.title
        first = f"{item}请联系{_who(d.contacts[0])}"
        if len(d.contacts) == 2:
            first += f"；或{_who(d.contacts[1])}"
        return [first + "。"]
    return [f"“{m.title}”的联系方式如下："] + contacts_block(d, limit=12)


def verdict_sentence(kb: KnowledgeBase, d: Decision) -> List[str]:
    v = d.verdict
    m = d.measure
    if v is None:
        return []
    if v.status == eligibility.NOT_ELIGIBLE:
        reasons = "；".join(f"{r.condition['text']}（您的情况：{_fact_value(kb, r.fact, r.value)}）" for r in v.failed)
        return [f"按原文条件，您不符合{m.title}的要求：{reasons}。"]
    if v.status == eligibility.ELIGIBLE:
        own = ROLE_BENEFIT.get(d.facts.get("role"))
        entitled = [b for b in v.benefits if b["kind"] not in NOT_ENTITLEMENTS or b["kind"] == own]
        for_others = [
            b for b in v.benefits if b["kind"] in ("landlord_subsidy", "guarantee_subsidy") and b["kind"] != own
        ]
        money_asked = re.search(r"补贴|补助|给钱|拿钱|资金", d.u.text)
        only = stated_case_only(d)
        if only:
            return only
        if for_others and (not entitled or (money_asked and not any(b["kind"] in MONEY_KINDS for b in entitled))):
            whom = "、".join(
                dict.fromkeys(
                    {"landlord_subsidy": "出租房屋并减免租金的业主（房东）", "guarantee_subsidy": "融资担保机构"}[
                        b["kind"]
                    ]
                    for b in for_others
                )
            )
            return [
                f"您不能享受这项补贴：补贴对象是{whom}，不直接发给企业本身。原文："
                + "；".join(b["text"] for b in for_others)
                + "。"
            ]
        stated_met = [r.condition["text"] for r in v.results if r.status == eligibility.MET and r.fact in d.u.facts]
        if entitled:
            lines = ["按您说的情况，符合原文列明的条件，可享受：" + "；".join(b["text"] for b in entitled) + "。"]
            if stated_met:
                lines.append("已满足：" + "；".join(dict.fromkeys(stated_met)) + "。")
        else:
            lines = [
                "按您说的情况，符合原文列明的条件，但原文没有给您直接的减免或补贴："
                + "；".join(b["text"] for b in v.benefits)
                + "。"
            ]
        if d.assumed_sme:
            lines.append("（以上按贵单位为中小微企业判断。）")
        return lines + [c.lstrip("· ") for c in caveats(v)]
    only = stated_case_only(d)
    if only:
        return only  # the stated case gets no relief, whatever else is still unknown
    missing = "、".join(kb.taxonomy.facts[f]["label"] for f in v.missing_facts if f in kb.taxonomy.facts)
    # only what the enterprise said: not the district taken from the question, nor an assumed SME
    said = set(d.facts) - ({"is_sme"} if d.assumed_sme else set())
    met = list(dict.fromkeys(r.condition["text"] for r in v.results if r.status == eligibility.MET and r.fact in said))
    undecided = [r for r in v.results if r.status == eligibility.UNKNOWN and r.value is not None]
    line = "；".join(
        f"您的情况（{_fact_value(kb, r.fact, r.value)}）是否属于原文所列“{r.condition['text']}”，原文没有写明，还需主管部门认定"
        for r in undecided
    )
    line = (line + "。" if line else "") + (f"还需确认{missing}，" if missing else "")
    line += f"才能判断您是否符合{m.title}的条件。" if missing else ""
    if met:
        line += "已满足：" + "；".join(met) + "。"
    return [line]


def stated_case_only(d: Decision) -> List[str]:
    """ "房东是民营的", "房子是央企的": what the notice says for the stated case when that is all it
    says for it (an encouragement, no relief of the measure's own)."""
    for_your_case = stated_case_benefits(d.verdict) if d.verdict else []
    if not for_your_case:
        return []
    lead = "不能享受这项减免：" if d.u.primary_ask == "eligibility" else ""
    return [lead + "按原文，" + "；".join(b["text"].rstrip("。") for b in for_your_case) + "。"]


def stated_case_sentences(d: Decision) -> List[str]:
    """The printed rate for the case the user stated, when it singles out one of the measure's
    branches ("那办公室呢" → the office-space rate). Not for a landlord: the rates are the tenant's."""
    facts = d.u.facts
    if d.facts.get("role") == "业主":
        return []
    branches = [b for b in d.measure.benefits if b.get("when")]

    def fits(b) -> bool:
        said = [c for c in b["when"] if c["fact"] in facts]
        return bool(said) and all(
            facts[c["fact"]] == c.get("value") or facts[c["fact"]] in (c.get("value") or []) for c in said
        )

    matched = [b for b in branches if fits(b)]
    if not matched or len(matched) == len(branches) > 1:  # every branch fits: it singles out none
        return []
    return [f"按原文，{b['text']}" + rate(b) + "。" for b in matched]


LIST_WITH_SUMMARIES = 8
LIST_ASKED_FOR = re.compile(r"具体|各个|每个|所有|全部|各社区|名单|列表|附件|哪些社区")
BASIS_ASKED = re.compile(r"依据|哪个文件|什么文件|哪份文件|根据什么|根据哪|出处|政策来源")
CITED_DOCUMENT = re.compile(r"公告\d{4}|〔\d{4}〕|\(\S{0,12}\d{4}\S{0,8}号\)|（\S{0,12}\d{4}\S{0,8}号）")
DURATION_ASKED = re.compile(r"几天|多久|多长时间|几个工作日|多快")
PRINTED_TIME_LIMIT = re.compile(r"[^，。；,;]*\d+个?(?:工作日|日|天)内[^，。；,;]*")


def rate(b) -> str:
    """ "（50%）" after a benefit's text when the text does not print the percentage itself."""
    return "" if b.get("percent") is None or f"{b['percent']:g}%" in b["text"] else f"（{b['percent']:g}%）"


def amount_sentences(kb: KnowledgeBase, d: Decision) -> List[str]:
    if d.amounts:
        lines = []
        several = len({m.id for m, _ in d.amounts}) > 1  # Xicheng's February (1号) and March–April (6号)
        for m, a in d.amounts:
            lines.append(f"· {m.article}：{a.explanation}。" if several else f"按原文标准估算：{a.explanation}。")
        if additive(d.amounts):
            total = sum(a.yuan for _, a in d.amounts)
            months = sorted({n for m, _ in d.amounts for n in relief_month_numbers(m)}) if several else []
            span = f"{len(months)}个月（{'、'.join(f'{n}月' for n in months)}）" if len(months) > 1 else ""
            if several:  # the sum first: it is what "一共…多少" asks
                return [f"按原文标准估算，合计{span}{format_money(total)}，其中："] + lines
            lines.append(f"合计{span}{format_money(total)}。")
        return lines
    if d.amount_missing:
        labels = "、".join(kb.taxonomy.facts[f]["label"] for f in d.amount_missing if f in kb.taxonomy.facts)
        return [f"要算出具体金额，还需要知道您的{labels}。"]
    return []


def additive(amounts) -> bool:
    """Amounts that add up: of several measures, or different kinds of one (training + per person);
    not the alternative branches of one rent waiver (shop vs office when the use is not said)."""
    if len(amounts) < 2:
        return False
    branches = [(m.id, a.benefit["kind"]) for m, a in amounts]
    return len(set(branches)) == len(branches)


def _fact_value(kb: KnowledgeBase, fact: str, value) -> str:
    kind = kb.taxonomy.facts.get(fact, {}).get("type")
    if kind == "percent":
        return f"{value:g}%"
    if kind == "bool":
        return "是" if value else "否"
    if kind == "money":
        return format_money(value)
    if isinstance(value, list):
        return "、".join(map(str, value))
    if isinstance(value, float):
        return f"{value:g}" + str(kb.taxonomy.facts.get(fact, {}).get("unit") or "")  # "12个月", "10课时"
    return str(value)


QUESTION_FILLER = re.compile(
    r"怎么|如何|什么|多少|能不能|可以|是否|请问|我们|你们|政策|措施|西城|密云|区|的|了|吗|呢|啊|吧|有|是|啥|哪些|要求|规定|说法"
)


def source_sentences(m: Measure, question: str, limit: int = 2) -> List[str]:
    """The sentences of the measure's printed text that share the most words with the question."""

    q = set(char_bigrams(QUESTION_FILLER.sub(" ", question)))
    if not q:
        return []
    sentences = [x.strip() for x in re.split(r"(?<=[。；])", m.text) if len(x.strip()) > 4]
    scored = [(len(q & set(char_bigrams(x))), i, x) for i, x in enumerate(sentences)]
    need = 2 if len(q) >= 3 else 1  # "费率有啥要求": a short follow-up names one thing
    best = sorted([t for t in scored if t[0] >= need], key=lambda t: (-t[0], t[1]))[:limit]
    return [x for _, _, x in sorted(best, key=lambda t: t[1])]


# "谁来认定", "谁审核": who does what is printed in the measure's text, not in its contact list.
ITEM_STEP = re.compile(r"企业[^，。]{0,20}(提出|提交|报送|申请)")
DUTY_WORDS = re.compile(r"认定|审核|审批|核实|公布|汇总|受理|拨付|兑付|签订|办理")


def duty_sentences(m: Measure, question: str) -> List[str]:
    """The printed clauses that say who does what the question asks about ("由行业主管部门认定")."""
    duties = set(DUTY_WORDS.findall(question))
    if not duties:
        return []
    clauses = [
        x.strip()
        for x in re.split(r"(?<=[。；，,])", m.text)
        if any(re.search(f"由[^，,。；]{{1,20}}{w}", x) for w in duties)
    ]
    return ["按原文：" + "".join(clauses).rstrip("，,；") + "。"] if clauses else []


def measure_answer(kb: KnowledgeBase, d: Decision) -> str:
    m = d.measure
    if m is None:
        return no_answer(kb, d)
    u = d.u
    ask = u.primary_ask
    head = f"【{m.district}】{m.title}（{m.article}）"
    lines: List[str] = []
    if ask == "contact":
        lines += duty_sentences(m, u.text)
        lines += contact_answer(kb, d)
        lines.append(source_line(m, d))
        return "\n".join(lines)
    if ask == "time":
        lines.append(d.time.sentence + "。" if d.time else "")
        lines.append(f"{head}：{m.summary}")
    elif ask == "procedure":
        steps = (m.application or {}).get("steps") or []
        limits = [re.sub("后$", "", c) for st in steps for c in PRINTED_TIME_LIMIT.findall(st)]
        if DURATION_ASKED.search(u.text) and limits:  # "几天能审完": the printed time limit, not every step
            lines.append(f"按原文，{'；'.join(limits)}。完整的办理流程请回复“怎么办理”。")
        else:
            if DURATION_ASKED.search(u.text):
                lines.append("原文没有写办理时限。")
            if steps:
                lines.append(f"申请{m.title}的办理流程：")
                lines += [f"{i}. {s}" for i, s in enumerate(steps, 1)]
            else:
                # a contact's printed sub-item that says what the enterprise does ("企业向行业主管部门…提出需求")
                item_steps = [i for i in dict.fromkeys(c.get("item") or "" for c in d.contacts) if ITEM_STEP.search(i)]
                if item_steps:
                    lines += [f"按原文：{i}。" for i in item_steps]
                else:
                    lines.append(f"原文没有写{m.title}的具体申报步骤，请直接联系下面的负责单位。")
                lines += duty_sentences(m, "".join(DUTY_WORDS.pattern.split("|")))  # who does what, as printed
            own = m.benefits_of_kind(ROLE_BENEFIT[d.facts["role"]]) if d.facts.get("role") in ROLE_BENEFIT else []
            lines += [f"您作为{d.facts['role']}：{b['text']}{rate(b)}。" for b in own]
            for url in (m.application or {}).get("urls") or []:
                lines.append(f"网址：{url}")
            if (m.application or {}).get("deadline_text"):
                lines.append(m.application["deadline_text"])
    elif ask in ("eligibility", "amount") and any(a.capped for _, a in d.amounts):
        # "算出来补贴680万 能全拿吗": the printed cap answers it
        lines.append("不能全额拿到：" + "；".join(a.explanation for _, a in d.amounts if a.capped) + "。")
        lines.append(f"{head}：{m.summary}")
    elif d.verdict is not None and d.verdict.status == eligibility.NOT_ELIGIBLE:
        lines += verdict_sentence(kb, d)
        lines.append(f"{head}：{m.summary}")
    elif (
        d.verdict is not None
        and ask == "eligibility"
        or (d.verdict is not None and ask != "amount" and d.verdict.status == eligibility.ELIGIBLE)
    ):
        lines += verdict_sentence(kb, d)
        lines += [] if stated_case_only(d) else amount_sentences(kb, d)  # nothing given: no sum to ask for
        lines.append(f"{head}：{m.summary}")
    elif ask == "amount":
        lines += [] if d.amounts else stated_case_sentences(d)  # "租来办公…减了多少": the office rate
        lines += amount_sentences(kb, d) or ["原文没有给出可计算的金额标准。"]
        lines.append(f"{head}：{m.summary}")
    elif ask == "eligibility" and d.verdict is None:
        elig = (m.eligibility or {}).get("text")
        units = "、".join(m.responsible_units) or "责任单位"
        lines.append(
            f"原文没有列出可逐项判断的条件，是否符合由{units}确认。" + (f"原文的表述是：{elig}。" if elig else "")
        )
        named = benefit_asked_about(m, u)
        if named and (len(m.benefits) > 1 or not elig):  # "能展一年吗": what the notice gives, to compare
            lines.append(f"按原文，{named.rstrip('。')}。")
        lines.append(f"{head}：{m.summary}")
    elif ask == "conditions":
        elig = (m.eligibility or {}).get("text")
        lines.append(f"{m.title}的申请条件：{elig}。" if elig else f"原文没有为{m.title}单列申请条件。")
        lines += [f"· {c['text']}" for c in m.conditions if elig and c["text"] not in elig]
        named = benefit_asked_about(m, u, kb.taxonomy.synonyms) if len(m.benefits) > 1 else ""
        if named and named not in "\n".join(lines):  # "社保能晚点交吗…要什么条件": that benefit's own terms
            lines.append(f"其中您问的这一项，原文写的是：{named.rstrip('。')}。")
        lines.append(f"{head}：{m.summary}")
    else:
        lines += stated_case_sentences(d) if not d.amounts else []
        lines.append(f"{head}：{m.summary}")
        lines += amount_sentences(kb, d)
    if BASIS_ASKED.search(u.text):  # "依据是哪个文件": the documents the measure itself cites, verbatim
        asked = set(
            char_bigrams(content_words(kb, expand_synonyms(BASIS_ASKED.sub(" ", u.text), kb.taxonomy.synonyms)))
        )
        cited = [
            x
            for x in re.split(r"(?<=[。；])", m.text)
            if CITED_DOCUMENT.search(x) and (len(asked & set(char_bigrams(x))) >= 2 or not asked)
        ]  # the cited document of what is asked about ("延期缴纳税款的依据" is not the 减免 公告)
        basis = (
            [f"依据：{m.document.doc_number}{m.label}，原文写明：" + "".join(cited)]
            if cited
            else [f"依据：{m.document.doc_number}《{m.document.title}》{m.label}“{m.title}”。"]
        )
        lines = basis + lines if ask == "what" else lines + basis  # nothing else asked: it comes first
    quoted = [x for x in source_sentences(m, u.text) if x not in "\n".join(lines)]
    if quoted and ask != "contact":
        lines.append("原文：" + "".join(quoted))
    if d.contacts and u.by_reference == "article" and not d.contacts_specific:
        lines.append("联系方式：")
        lines += contacts_block(d, limit=12)
    elif d.contacts:
        if d.contacts_specific or len(d.contacts) <= 3:
            lines.append("联系：" + "；".join(contact_line(c) for c in d.contacts[:3]))
        else:
            units = "、".join(dict.fromkeys(c["unit"] for c in d.contacts))
            lines.append(
                f"联系：原文按事项列了{len(d.contacts)}个联系人（{units}），请回复“联系方式”或说明您的情况（如房东类型、所属行业），我给您对应的联系人。"
            )
    lines.append(source_line(m, d))
    if d.alternatives:
        lines.append("另见：" + "；".join(f"{a.district}{a.article}{a.title}" for a in d.alternatives[:2]))
    return "\n".join(line for line in lines if line)


def person_answer(kb: KnowledgeBase, d: Decision) -> str:
    by_phone: Dict[Tuple, List[Measure]] = {}
    entries: Dict[Tuple, Dict] = {}
    for r in d.person_refs:
        key = (
            r.contact["unit"],
            tuple(r.contact.get("persons") or []),
            tuple(r.contact.get("phones") or []),
            tuple(r.contact.get("emails") or []),
        )
        by_phone.setdefault(key, []).append(r.measure)
        entries.setdefault(key, r.contact)
    names = (
        "、".join(dict.fromkeys(p for r in d.person_refs for p in r.contact.get("persons") or [] if p in d.u.text))
        or "该联系人"
    )
    if len(by_phone) == 1:
        key = next(iter(by_phone))
        ms = by_phone[key]
        where = "、".join(f"{m.article}" for m in ms[:4])
        return f"{names}：{_who(entries[key])}（见{where}）。"
    lines = [f"{names}在不同措施中公布的联系方式不同，请按您要办的事项选择："]
    for key, ms in by_phone.items():
        where = "、".join(f"{m.article}{m.title}" for m in ms[:3])
        more = f"等{len(ms)}条" if len(ms) > 3 else ""
        lines.append(f"· {_who(entries[key])}（{where}{more}）")
    return "\n".join(lines)


def unit_answer(kb: KnowledgeBase, d: Decision) -> str:
    u = d.u
    lines = [f"{'、'.join(u.units)}在各项措施中的联系方式（按原文）："]
    seen = []
    near = [h.measure for h in u.hits[:3] if any(c["unit"] in u.units for c in h.measure.contacts)]
    for m in near or list(kb):
        if u.district and m.district != u.district:
            continue
        for c in m.contacts:
            if c["unit"] in u.units:
                line = contact_line(c)
                if line not in seen:
                    seen.append(line)
                    lines.append(f"· {line}（{m.article}{m.title}）")
    if len(seen) > 8:
        lines = lines[:9] + ["……请告诉我具体事项，我给您对应的联系人。"]
    return "\n".join(lines)


def list_answer(kb: KnowledgeBase, d: Decision) -> str:
    kind = d.topic or d.group  # a topic the question names ("房租减免"), else its group
    measures = kb.filter(district=d.district, topic=kind) if kind else kb.filter(district=d.district)
    if not measures:
        measures = kb.filter(district=d.district)
    where = d.district or "、".join(kb.districts)
    label = (kb.taxonomy.topics[d.topic]["label"] if d.topic else kb.taxonomy.groups.get(d.group, "")) if kind else ""
    years = "、".join(sorted({str(m.document.issued)[:4] for m in measures}))
    dated = [(m, relief_months(m)) for m in measures if relief_months(m)]
    if MONTHS_ASKED.search(d.u.text) and dated:  # "减的是哪几个月": the months of each measure first
        months = sorted({mo for _, ms in dated for mo in ms})
        ended = "（均已结束）" if all(status_of(m, today()).ended for m, _ in dated) else ""
        lines = [f"{where}{label}针对的是{month_list(months)}，分别是{ended}："]
        lines += [f"· {m.article} {m.title}：{month_list(ms)}" for m, ms in dated]
        return "\n".join(lines)
    if d.u.by_reference == "listed":
        lines = [f"请先选择您要问的是{where}{label}的哪一条措施（点选或回复条款号），我再回答您："]
        lines += [f"· {m.article} {m.title}" for m in measures[:8]]
        return "\n".join(lines)
    if d.topic and (not d.u.asked or d.u.primary_ask in ("procedure", "contact")):
        # "西城区房租减免怎么申请": which of the topic's measures, each with its own way and contacts
        how = {"procedure": "，办理方式也不同", "contact": "，联系人也不同"}.get(d.u.primary_ask, "")
        lines = [f"{where}的{label}有{len(measures)}条措施，适用对象各不相同{how}，请选择您要问的一条："]
        lines += [f"· {m.article} {m.title}：{m.summary}" for m in measures[:8]]
        lines.append(f"（均为{years}年出台，写明期限的已结束，其余很可能已不再执行，现行政策请向责任单位确认。）")
        return "\n".join(lines)
    lines = [
        f"{where}{label}方面的措施共{len(measures)}条（均为{years}年出台，写明期限的已结束，其余很可能已不再执行，现行政策请向责任单位确认）："
    ]
    # a short list says what each measure does; a long one only names them
    lines += [
        f"· {m.district} {m.article} {m.title}" + (f"：{m.summary}" if len(measures) <= LIST_WITH_SUMMARIES else "")
        for m in measures[:12]
    ]
    if len(measures) > 12:
        lines.append(f"……共{len(measures)}条，可告诉我具体事项。")
    return "\n".join(lines)


def month_list(months) -> str:
    """["2020-02", "2020-03", "2020-04"] → "2020年2月、3月、4月"."""
    by_year: Dict[str, List[str]] = {}
    for mo in sorted(set(months)):
        by_year.setdefault(mo[:4], []).append(f"{int(mo[5:7])}月")
    return "；".join(f"{y}年" + "、".join(ms) for y, ms in by_year.items())


def which_district_answer(kb: KnowledgeBase, d: Decision) -> str:
    districts = "和".join(dict.fromkeys(o.measure.district for o in d.options))
    if d.options and all(o.failed for o in d.options):
        lines = [f"按您说的情况，不符合：{districts}的这项措施您都不满足，原因如下。"]
    elif d.options and all(o.eligible for o in d.options):
        ended = "，但都已结束" if all(o.time.ended for o in d.options) else ""
        lines = [
            f"按您说的情况，符合：{districts}的这项措施，原文列明的条件您都满足（以主管部门认定为准）{ended}。"
            "请告诉我您的企业在哪个区注册纳税，我给您对应的联系人："
        ]
    elif d.options and all(o.met and not o.failed for o in d.options) and THRESHOLD_ASKED.search(d.u.text):
        # "刚好降80% 够不够线": the question is about the stated figure, which meets each district's line
        met = "；".join(dict.fromkeys(t for o in d.options for t in o.met))
        lines = [
            f"够线：您说的情况符合{districts}原文的“{met}”。"
            "其余条件和联系人因区而异，请告诉我您的企业在哪个区注册纳税："
        ]
    elif d.options and all(o.stated_case for o in d.options):
        lines = [
            f"按您说的情况，{districts}的这项措施都不直接给您减免，原文的说法如下"
            "（如需联系人，请告诉我您的企业在哪个区注册纳税）："
        ]
    elif d.u.primary_ask == "time":
        lines = [f"{districts}各有这项措施，各自的期限如下（请告诉我您的企业在哪个区注册纳税）："]
    else:
        lines = [f"{districts}都有相关措施，条件和联系人不同，请告诉我您的企业在哪个区注册纳税："]
    for o in d.options:
        m = o.measure
        line = f"· {m.district} {m.article} {m.title}：{m.summary}（{o.time.sentence}）"
        if o.failed:
            line += "——按原文“" + "；".join(o.failed) + "”，您的情况不符合"
        elif o.stated_case:
            line += "——按原文，您的情况：" + "；".join(o.stated_case)
        elif o.amounts:
            line += "——按原文标准估算：" + "；".join(a.explanation for a in o.amounts)
        lines.append(line)
    return "\n".join(lines)


def relation_sentences(kb: KnowledgeBase, named: List[str]) -> List[str]:
    """ "6号文跟之前那个23条是啥关系": what one notice prints about another of the same district
    (6号: "在本区…23条措施基础上"). Two notices named: only about each other; one: about the
    district's other notices."""
    docs = kb.documents
    pairs = (
        [(x, y) for x in named for y in named if x != y]
        if len(named) > 1
        else [(named[0], y.id) for y in docs.values() if y.id != named[0] and y.district == docs[named[0]].district]
    )
    out: List[str] = []
    for x, y in pairs:
        if docs[x].district != docs[y].district or (len(named) > 1 and x > y):
            continue  # another district's notice is not related by its text; each pair once
        said = _mentions(kb, x, y) + _mentions(kb, y, x)
        other = f"{docs[y].doc_number}《{docs[y].title}》共{len(kb.measures_of(y))}条措施，于{cn_date(docs[y].issued)}发布。"
        out.append(
            (said[0] if said else "原文没有写明两者的衔接关系，具体以各条原文为准。")
            + (other if len(named) == 1 else "")
        )
    return out


def _mentions(kb: KnowledgeBase, writer: str, of: str) -> List[str]:
    """The clauses of one notice that name another, by its 文号 or by its number of measures ("23条措施")."""
    docs = kb.documents
    pattern = re.compile(
        rf"[^。；;，,:：]*(?:{re.escape(docs[of].doc_number)}|{len(kb.measures_of(of))}条措施)[^。；;]*"
    )
    return [
        f"{docs[writer].doc_number}写明：“{hit.group(0)}”。"
        for hit in pattern.finditer(compact(docs[writer].source_text))
    ]


def document_answer(kb: KnowledgeBase, d: Decision) -> str:
    lines = []
    for doc_id, status in d.document_statuses:
        doc = kb.documents[doc_id]
        count = len(kb.measures_of(doc_id))
        lines.append(
            f"{doc.doc_number}《{doc.title}》（{doc.district}）共{count}条措施，于{cn_date(doc.issued)}发布，"
            f"自发布之日起实施；{status}。"
        )
    named = [doc_id for doc_id, _ in d.document_statuses]
    related = relation_sentences(kb, named) if RELATION_ASKED.search(d.u.text) else []
    return "\n".join(related + lines)  # what was asked (how they relate) first


def empty_answer(kb: KnowledgeBase, d: Decision) -> str:
    return "您好，请输入您想咨询的问题，" + EXAMPLES + "。"


def other_place_answer(kb: KnowledgeBase, d: Decision) -> str:
    places = "、".join(d.u.other_places)
    if "eligibility" in d.u.asked:
        return (
            f"不符合：这几份通知只适用于在{coverage(kb)}注册纳税的企业，您的企业在{places}。"
            f"{places}的政策请咨询当地政府。"
        )
    return f"抱歉，我只能解答{coverage(kb)}的中小微企业扶持政策，没有{places}的政策信息。{places}的政策请咨询当地政府。"


def not_covered_answer(kb: KnowledgeBase, d: Decision) -> str:
    label = kb.taxonomy.topic_label(d.topic) if d.topic else kb.taxonomy.groups.get(d.group or "", d.group or "")
    docs = "、".join(x.doc_number for x in kb.documents.values() if x.district == d.district)
    others = [m for m in kb.filter(topic=d.topic or d.group) if m.district != d.district]
    line = f"没有，{d.district}的通知（{docs}）中没有{label}方面的措施。"
    if others:
        line += (
            "其他区有："
            + "；".join(f"{m.district}{m.article}{m.title}" for m in others[:2])
            + "（仅适用于在该区注册纳税的企业）。"
        )
    return line


def out_of_scope_answer(kb: KnowledgeBase, d: Decision) -> str:
    return f"抱歉，这个问题超出了我的范围。我只解答{coverage(kb)}的中小微企业扶持政策，{EXAMPLES}。"


def no_answer(kb: KnowledgeBase, d: Decision) -> str:
    return (
        f"抱歉，我没能在{coverage(kb)}中找到您问的内容。您可以换个说法，{EXAMPLES}；"
        "也可以回复“有哪些政策”查看全部措施。"
    )


# One renderer per kind of decision (actions.decision.Decision.kind).
RENDERERS = {
    "empty": empty_answer,
    "english": english_answer,
    "other_place": other_place_answer,
    "not_covered": not_covered_answer,
    "document": document_answer,
    "which_district": which_district_answer,
    "person": person_answer,
    "unit": unit_answer,
    "list": list_answer,
    "measure": measure_answer,
    "out_of_scope": out_of_scope_answer,
    "no_answer": no_answer,
}


def compose(kb: KnowledgeBase, d: Decision) -> str:
    return RENDERERS.get(d.kind, no_answer)(kb, d)
