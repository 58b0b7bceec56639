"""Understand one user turn: which districts, which measure and sub-item, what is asked, which facts.

Pure Python. The NLU intent is a hint for *what is asked* and for chit-chat; the measure comes
from direct references (document and article, person, phone, unit) or retrieval, and a follow-up
without a topic of its own stays with the measure of the conversation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from actions import references
from actions.eligibility import facts_needed
from actions.fact_extraction import extract_facts
from actions.knowledge_base import KnowledgeBase, Measure
from actions.retrieval import Hit, retriever_for
from actions.text_tools import clean_question, detect_values, tokens
from actions.typo_correction import correct_typos

# What is asked, by the words that ask it; the first listed that matches wins, intents break ties.
ASKED_PATTERNS = [
    (
        "contact",
        r"找谁|联系|电话|号码|手机|邮箱|email|打给谁|打谁|谁负责|谁管|哪个部门|哪个科|咨询谁|问谁|对接人|负责人|窗口|报给谁|交给谁|给谁|找哪|哪位|是谁|谁来|谁认定|找哪个|问哪|哪个单位|什么部门",
    ),
    (
        "time",
        r"截止|到期|有效期|什么时候|啥时候|何时|还能|还可以|还有吗|还有没有|还在|还管用|现在|目前|今年|明年|过期|20(?:2[1-9]|3\d)年|失效|还执行|还办",
    ),
    (
        "procedure",
        r"怎么申请|如何申请|怎么办理|如何办理|怎么报|咋报|如何报|怎么办|咋办|咋申请|流程|手续|步骤|去哪|到哪|在哪(儿|里)?(申请|办|交)|申报|提交|材料|怎么弄|怎么操作|需要什么(?!条件|要求|资格|门槛)|要什么(?!条件|要求|资格|门槛)|怎么领|怎么拿|办理"
        # how long the office takes: the steps print it ("2个工作日内完成审核")
        r"|(审|批|办|到账|下来|拨付)[^，。？?]{0,4}(几天|多久|多长时间)|(几天|多久|多长时间)[^，。？?]{0,4}(审|批|办|到账|下来|拨付)|几个工作日",
    ),
    ("amount", r"多少钱|多少|几万|能减多少|补多少|算一?算|金额|能省|能拿|能领"),
    (
        "eligibility",
        r"能[^，。？?]{0,14}吗|可以[^，。？?]{0,14}吗|有(减免|补贴|优惠)吗|够线|达标|过线|有没有(减免|补贴|优惠)|(能|可以)[^，。？?]{0,8}不[？?]?$|能不能|可不可以|能否|是否|够不够|够格|有资格|符合|算不算|属不属于|能享受|可以享受|能申请|能办|能减|能免|能补|能贴|能拿到|可以吗|能吗|行吗|行不行|有份吗|沾边|适用",
    ),
    (
        "conditions",
        r"条件|要求|门槛|资格|标准|[哪那]些企业|什么企业|谁能|[哪那]些行业|什么行业|哪个行业|哪类企业|哪类行业",
    ),
    # "有啥说法", "有什么规定" ask what a measure says, not for a list
    (
        "list",
        r"有哪些|有什么(?!说法|规定|要求|条件|门槛)|都有啥|有啥(?!说法|规定|要求|条件|门槛)|哪些政策|哪些(?=费|措施|支持|补贴|优惠)|什么政策|政策有|汇总|一共几条|都包括",
    ),
]
INTENT_ASKED = {
    "ask_contact": "contact",
    "human_handoff": "contact",
    "ask_how_to_apply": "procedure",
    "ask_amount": "amount",
    "ask_eligibility": "eligibility",
    "ask_conditions": "conditions",
    "list_policies": "list",
}
CHITCHAT_INTENTS = {"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge"}
# A turn that only refers back ("那办公室呢", "电话多少") has at most this many content characters.
FOLLOW_UP_MAX_CHARS = 12
STICKY_RATIO = 0.6  # the conversation's measure stays when its score is this close to the best
# Asking words that say nothing about the measure, left out of the retrieval query.
RETRIEVAL_NOISE = ASKED_PATTERNS[0][1] + r"|能不能|可不可以|怎么办|怎么|如何|请问|是多少|多少|吗|呢|啊|吧|一下|我们|我"
CLEAR_LEAD = 1.6  # a top hit this far ahead of the next one is taken even with low coverage
NAMED_MONTHS_RATIO = 0.3  # a measure for the months the question names wins over a closer one for other months
ENGLISH_MIN_SCORE = 1.0  # English questions share few words with the Chinese KB: the best hit is taken


@dataclass
class Understanding:
    text: str
    intent: str = ""
    english: bool = False
    districts: List[str] = field(default_factory=list)  # covered districts named in this turn
    other_places: List[str] = field(default_factory=list)  # places the notices do not cover
    district: Optional[str] = None  # named, or from the conversation
    asked: List[str] = field(default_factory=list)  # contact, time, procedure, amount, ...
    facts: Dict[str, Any] = field(default_factory=dict)  # stated in this turn
    measures: List[Measure] = field(default_factory=list)  # what the turn is about, best first
    hits: List[Hit] = field(default_factory=list)
    by_reference: str = ""  # article | person | phone | unit | context
    person_refs: List[references.ContactRef] = field(default_factory=list)
    units: List[str] = field(default_factory=list)
    follow_up: bool = False
    confident: bool = False
    previous_text: str = ""  # the question a follow-up continues
    documents: List[str] = field(default_factory=list)  # notices named by number
    options: List[Measure] = field(default_factory=list)  # one measure per district, district not yet said
    listed_topic: List[str] = field(default_factory=list)  # [topic, district] of the list just shown

    @property
    def measure(self) -> Optional[Measure]:
        return self.measures[0] if self.measures else None

    @property
    def primary_ask(self) -> str:
        return self.asked[0] if self.asked else "what"


def is_english(text: str) -> bool:
    letters = len(re.findall(r"[A-Za-z]", text))
    return letters >= 6 and not re.search(r"[\u4e00-\u9fff]", text)


def english_gloss(kb: KnowledgeBase, text: str) -> str:
    """The Chinese terms an English question names (taxonomy ``english``), longest phrase first:
    "temporary job subsidy in Miyun, phone?" → "临时性岗位补贴 密云区 联系电话"."""
    rest = " " + re.sub(r"[^a-z0-9&\-]+", " ", text.lower()) + " "
    numbers = [f"{n}号文" for n in re.findall(r"\b(?:no|number|notice)\s*(\d{1,3})\b", rest)]
    phrases = sorted(((p, term) for term, ps in kb.taxonomy.english.items() for p in ps), key=lambda x: -len(x[0]))
    found = []
    for phrase, term in phrases:
        if f" {phrase} " in rest:
            rest = rest.replace(f" {phrase} ", " | ")
            if term not in found:
                found.append(term)
    return " ".join(numbers + found)


def asked_of(text: str, intent: str) -> List[str]:
    asked = [name for name, pattern in ASKED_PATTERNS if re.search(pattern, text, re.IGNORECASE)]
    hinted = INTENT_ASKED.get(intent)
    if hinted and hinted not in asked:
        asked.append(hinted)
    if "amount" in asked and "contact" in asked and re.search(r"(电话|号码|手机|邮箱)[^，。？?]{0,3}多少", text):
        asked.remove("amount")  # "电话多少" asks for the number, not for a sum
    if "conditions" in asked and "eligibility" in asked and re.search(r"[哪那]些|什么|哪类|哪个", text):
        asked.remove("conditions")
        asked.insert(0, "conditions")  # "哪些行业能申请" asks for the conditions, not a verdict
    if "amount" in asked and "eligibility" in asked and not re.search(r"多少|几万|金额|算", text):
        asked.remove("amount")
    if (
        "time" in asked
        and "eligibility" in asked
        and not re.search(r"20(?:2[1-9]|3\d)年|现在|目前|今年|明年|截止|到期|有效期|过期|什么时候|啥时候", text)
    ):
        asked.remove("time")  # "还能减房租吗" asks whether, not when
    return asked


def is_statement(text: str) -> bool:
    """A turn that asks nothing ("我们是区教委批的，一个老师都没裁"): no asking words, no question mark."""
    return not re.search(r"[?？吗呢]", text) and not any(re.search(p, text, re.IGNORECASE) for _, p in ASKED_PATTERNS)


def content_chars(kb: KnowledgeBase, text: str) -> int:
    """Chinese characters that are not question words, districts or filler (how topical a turn is)."""
    return len(re.findall(r"[\u4e00-\u9fffA-Za-z]", content_words(kb, text)))


def printed_in(m: Measure, kb: KnowledgeBase, text: str) -> bool:
    """ "由谁认定 找哪个部门" after a measure that prints "经行业主管部门认定": every word the turn
    says beyond asking words is in the measure's own text, so the turn is about it."""
    words = [w for w in tokens(retriever_for(kb).tokenizer, content_words(kb, text)) if len(w) >= 2]
    printed = m.text + m.title
    return bool(words) and all(w in printed for w in words)


def content_words(kb: KnowledgeBase, text: str) -> str:
    """The turn without question words, districts and filler."""
    rest = strip_districts(kb, text)
    for _, pattern in ASKED_PATTERNS:
        rest = re.sub(pattern, "", rest, flags=re.IGNORECASE)
    rest = re.sub(
        r"需要|需|满足|具备|什么|啥|哪些|哪个|那|呢|吗|啊|吧|的|了|也|还|我们|我|您|你|他们|她们|它们|他|她|请问|这个|那个|这条|这份|这|是|有|要|给|和|跟|就|都|呀|嘛|么|一下|好的|谢谢|申请|申报|办|报|当时|具体|详细|要是|如果|按|文件|通知|政策",
        "",
        rest,
    )
    return rest


MONTH = re.compile(
    r"(?<![\d.])(1[0-2]|[1-9])\s*月(?!底|\d)|([一二三四五六七八九十]{1,2})月(?!底)|(?<![\d.])(1[0-2]|[1-9])(?=、)"
)
MONTH_RANGE = re.compile(r"(?<![\d.])(1[0-2]|[1-9])\s*(?:月)?\s*(?:到|至|-|~|—)\s*(1[0-2]|[1-9])\s*月")
CN_MONTH = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "十一": 11,
    "十二": 12,
}


def months_named(text: str) -> List[int]:
    """Months the question names: "2月", "二月", "3、4月", "2月到4月", "2-4月"."""
    from actions.quantities import arabic

    text = arabic(text) if re.search(r"[一二三四五六七八九十]月", text) else text
    out = []
    for m in MONTH_RANGE.finditer(text):
        out += list(range(int(m.group(1)), int(m.group(2)) + 1))
    for m in MONTH.finditer(text):
        value = int(m.group(1) or m.group(3) or 0) or CN_MONTH.get(m.group(2) or "")
        if value:
            out.append(value)
    return sorted(set(out))


def prefer_named_months(text: str, hits: List[Hit]) -> List[Hit]:
    """ "2月房租" belongs to the measure whose relief covers February: move it first among close hits."""
    from actions.time_status import relief_month_numbers

    named = set(months_named(text))
    if not named or not hits:
        return hits
    covers = lambda h: named & relief_month_numbers(h.measure)  # noqa: E731
    if covers(hits[0]):
        return hits
    close = [
        h
        for h in hits[1:]
        if h.score >= NAMED_MONTHS_RATIO * hits[0].score
        and covers(h)
        and set(h.measure.topics) & set(hits[0].measure.topics)
    ]
    if not close:
        return hits
    best = close[0]
    return [best] + [h for h in hits if h is not best]


BARE_MONEY = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(亿|万|千|元|块)")


def bare_money_fact(kb: KnowledgeBase, m: Measure, u: "Understanding") -> None:
    """ "那要是800万呢": a sum with no word saying what it is, in a follow-up, is the money the measure tests."""
    from actions.decision import amount_inputs
    from actions.quantities import arabic, parse_money

    money_facts = [
        f
        for f in [c["fact"] for c in m.conditions] + amount_inputs(m)
        if kb.taxonomy.facts.get(f, {}).get("type") == "money" and f not in u.facts
    ]
    found = BARE_MONEY.search(arabic(u.text))
    if money_facts and found and not any(kb.taxonomy.facts.get(f, {}).get("type") == "money" for f in u.facts):
        u.facts[money_facts[0]] = parse_money(found.group(0))


def sibling_for(kb: KnowledgeBase, current: Measure, docs: List[str], text: str) -> Optional[Measure]:
    """In a follow-up, the measure of the same topic and district in the notice or months now named
    ("6号文呢", "那3月和4月呢") when the conversation's measure is another notice's or months'."""
    from actions.time_status import relief_month_numbers

    months = set(months_named(text))
    own_months = relief_month_numbers(current)
    wants_doc = docs and current.document.id not in docs
    wants_months = months and own_months and not months & own_months
    if not (wants_doc or wants_months):
        return None
    for m in kb.filter(district=current.district):
        if m.id == current.id or not set(m.topics) & set(current.topics[:1]):
            continue
        if wants_doc and m.document.id not in docs:
            continue
        if wants_months and not months & relief_month_numbers(m):
            continue
        if {b["kind"] for b in m.benefits} & {b["kind"] for b in current.benefits} - {"other", "service"}:
            return m
    return None


def strip_districts(kb: KnowledgeBase, text: str) -> str:
    for d in kb.districts:
        for f in sorted([d] + kb.taxonomy.synonyms.get(d, []), key=len, reverse=True):
            text = text.replace(f, "")
    return text


def clear_lead(hits: List[Hit]) -> bool:
    from actions.retrieval import MIN_CONFIDENT_SCORE

    second = hits[1].score if len(hits) > 1 else 0.0
    return hits[0].score >= 2 * MIN_CONFIDENT_SCORE and hits[0].score >= CLEAR_LEAD * second


def district_of_names(kb: KnowledgeBase, u: "Understanding") -> Optional[str]:
    """The district when the units or persons named occur in one district's notices only (科信局 → 西城区)."""
    districts = set()
    for unit in u.units:
        districts |= {m.district for m in kb for c in m.contacts if c["unit"] == unit}
    for r in u.person_refs:
        districts.add(r.measure.district)
    return next(iter(districts)) if len(districts) == 1 else None


def gives_amount_inputs(current: Measure, u: Understanding, best: Optional[Hit]) -> bool:
    """ "3月4月房租各6万，能补多少": the figures the measure being discussed needs for its amount,
    asked about in its own words, are for that measure, not a sibling of the same topic."""
    from actions.decision import amount_inputs

    return bool(
        best
        and "amount" in u.asked
        and set(u.facts) & set(amount_inputs(current, u.facts))
        and set(best.measure.topics[:1]) <= set(current.topics)
        and best.measure.district == current.district
    )


DESTINATION_BEFORE = re.compile(r"(给|捐给|寄给|送给|发往|寄往|运往|送往|支援|援助)$")


def only_as_destination(text: str, place: str) -> bool:
    """ "给武汉捐了口罩": the place is where something went, not where the enterprise is."""
    return all(DESTINATION_BEFORE.search(text[: i.start()]) for i in re.finditer(re.escape(place), text))


def district_asked_about(
    kb: KnowledgeBase, text: str, districts: List[str], registered: Optional[str]
) -> Optional[str]:
    """Two districts named: the one whose relief is asked about ("按密云政策", "西城房租减免找谁"),
    else the one the enterprise is registered in ("在西城注册纳税，不是密云的企业"), else none."""
    a, b = (re.escape(x[:2]) for x in districts)
    if re.search(rf"{a}\S{{0,3}}(和|与|跟|及|、|还是|或|\s|){b}|{b}\S{{0,3}}(和|与|跟|及|、|还是|或|\s|){a}", text):
        return None  # "西城和密云的房租政策有什么区别", "西城密云房租减免找谁": both are asked about
    policy = [
        d
        for d in districts
        if any(
            re.search(
                rf"{re.escape(f)}(?:区)?(?:的|那边的?|这边的?)?(?:政策|规定|文件|措施|减免|补贴|房租|贴息|通知)", text
            )
            for f in [d] + kb.taxonomy.synonyms.get(d, [])
        )
    ]
    if len(policy) == 1:
        return policy[0]
    return registered if registered in districts and not policy else None


def district_of_terms(kb: KnowledgeBase, text: str) -> Optional[str]:
    """The district when the question uses a term of the taxonomy that only one district's notices
    print (稳岗培训补贴 is Xicheng's name, 以训稳岗补贴 Miyun's)."""
    districts, vetoes = set(), set()
    units = {c["unit"] for m in kb for c in m.contacts}
    for term in kb.taxonomy.synonyms:
        if len(term) < 4 or term in kb.districts or term in units:
            continue
        if term in text:
            districts |= {m.district for m in kb if term in m.printed}
        # the first or last four characters of a longer term can only veto: "以训稳岗培训补贴" names
        # Miyun's 以训稳岗 as much as Xicheng's 稳岗培训补贴, so it settles nothing
        for piece in {term[:4], term[-4:]} - {term}:
            if piece in text:
                naming = {m.district for m in kb if piece in m.printed}
                if len(naming) == 1:
                    vetoes |= naming
    if len(districts) != 1 or vetoes - districts:
        return None
    return next(iter(districts))


def understand(
    kb: KnowledgeBase,
    raw_text: str,
    intent: str = "",
    entities: Optional[Dict[str, str]] = None,
    context: Optional[Dict[str, Any]] = None,
    forced_district: Optional[str] = None,
) -> Understanding:
    context = context or {}
    entities = entities or {}
    text = clean_question(raw_text)
    if not is_english(text):
        text = correct_typos(kb, text)  # 培训补帖 → 培训补贴, fangzu → 房租
    u = Understanding(text=text, intent=intent, english=is_english(text))
    tax = kb.taxonomy
    if u.english:
        text = u.text = english_gloss(kb, text)  # read through the Chinese terms it names
        if not text:
            return u
    u.districts = detect_values(text, kb.districts, tax.synonyms)
    u.other_places = [
        p
        for p in tax.other_places
        if p in text and not any(p in d for d in u.districts) and not only_as_destination(text, p)
    ]
    u.district = (
        forced_district
        or (u.districts[0] if len(u.districts) == 1 else None)
        or (context.get("district") if not u.districts and not u.other_places else None)
    )
    u.asked = asked_of(text, intent)
    u.facts = extract_facts(text, kb)
    u.facts.pop("district", None)
    if not u.district and len(u.districts) == 2:
        u.district = district_asked_about(kb, text, u.districts, u.facts.get("registered_in"))

    u.person_refs = references.person_contacts(kb, text) or references.phone_contacts(kb, text)
    u.units = references.unit_names(kb, text)
    explicit = entities.get("measure_id")
    if explicit and kb.get(explicit):
        u.measures, u.by_reference, u.confident = [kb.get(explicit)], "button", True
        return u
    article = references.article_measures(kb, text, u.district)
    if article:
        u.measures, u.by_reference, u.confident = article, "article", True
        return u
    if not text:
        return u

    if not u.district and not u.other_places:
        u.district = district_of_names(kb, u) or district_of_terms(kb, text)
    docs = references.documents_named(kb, text)
    u.documents = docs
    doc_districts = {kb.documents[x].district for x in docs}
    if len(doc_districts) == 1 and not u.districts:
        u.district = next(iter(doc_districts))
    retriever = retriever_for(kb)
    # only asking words ("电话呢"): nothing to search for; the conversation's measure, if any, answers
    query = re.sub(RETRIEVAL_NOISE, " ", text).strip()
    if u.english:  # the gloss's asking terms ("can I" → 符合条件吗) say nothing about the measure
        query = " ".join(t for t in query.split() if not any(re.search(p, t) for _, p in ASKED_PATTERNS))
    current = kb.get(context.get("measure_id") or "")
    topical = content_chars(kb, text)
    if (
        u.districts
        and (not current or current.district not in u.districts)
        and context.get("last_question")
        and (topical <= 2 or (is_statement(text) and not retriever.question_topics(text)))
    ):
        # "那密云呢": the previous question, asked about the other district; the measure being
        # discussed says best what it was about (a long conversation's questions drift).
        u.previous_text = strip_districts(kb, context["last_question"])
        query = f"{current.title} {current.summary}" if current else u.previous_text
        u.follow_up = True
    hits = list(retriever.search(query, district=u.district, top_k=12, documents=docs or None)) if query else []
    hits = prefer_named_months(text, hits)
    u.hits = hits
    if u.follow_up and current and u.district and current.district != u.district:
        # "那密云呢": that district's measure of the same topic, the closest first
        same_topic = [h.measure for h in hits if set(h.measure.topics) & set(current.topics[:1])]
        if same_topic:
            u.measures, u.by_reference, u.confident = same_topic[:1], "context", True
            return u
    short = topical <= FOLLOW_UP_MAX_CHARS
    if not u.person_refs and context.get("person") and docs and topical <= 2:
        # "6号文的": the person asked about just before, in that notice.
        u.person_refs = [r for r in references.person_contacts(kb, context["person"]) if r.measure.document.id in docs]
    sibling = sibling_for(kb, current, docs, text) if current else None
    if sibling:
        u.measures, u.by_reference, u.follow_up, u.confident = [sibling], "context", True, True
        u.previous_text = context.get("last_question") or ""
        return u
    if current and not u.person_refs and (not u.districts or current.district in u.districts) and not u.other_places:
        current_hit = next((h for h in hits if h.measure.id == current.id), None)
        best = hits[0] if hits else None
        states_facts = (
            bool(u.facts) and is_statement(text) and set(best.measure.topics[:1]) <= set(current.topics)
            if best
            else False
        )  # "房子是私人房东的": a fact for the measure being discussed
        stays = (
            best is None
            or topical <= 2
            or not (best.confident or clear_lead(hits))
            or states_facts
            or printed_in(current, kb, text)
            or gives_amount_inputs(current, u, best)
            or (current_hit is not None and current_hit.score >= STICKY_RATIO * best.score)
        )
        if stays and short:
            u.measures, u.by_reference, u.follow_up, u.confident = [current], "context", True, True
            u.previous_text = context.get("last_question") or ""
            bare_money_fact(kb, current, u)
            return u
    if u.person_refs:
        named = {r.measure.id: r.measure for r in u.person_refs}
        ranked = [h.measure for h in hits if h.measure.id in named and h.confident]
        u.measures = ranked or list(named.values())
        u.by_reference, u.confident = "person", True
        return u
    if u.english and current and not retriever.question_topics(text):
        u.measures, u.by_reference, u.follow_up, u.confident = [current], "context", True, True
        return u
    if u.english and hits and not hits[0].confident and hits[0].score >= ENGLISH_MIN_SCORE:
        u.measures, u.confident = [hits[0].measure], True
        return u
    if u.english and current and not (hits and hits[0].confident):
        u.measures, u.by_reference, u.follow_up, u.confident = [current], "context", True, True
        return u
    listed = listed_topic(kb, context)
    if listed and short and not current and not u.other_places and (not u.district or u.district == listed[1]):
        # right after the list of a topic's measures: "区属国企的" picks one of them if its words do;
        # "联系方式", "电话多少", "怎么申请" (asking words only) are still about the list
        within = list(retriever.search(query, district=listed[1], topic=listed[0], top_k=3)) if query else []
        if within and (within[0].confident or clear_lead(within)) and topical > 2:
            u.measures, u.hits, u.confident, u.district = [within[0].measure], within, True, listed[1]
            return u
        theirs = naming_the_industry(kb, listed, context) or naming_the_industry(kb, listed, {"facts": u.facts})
        pointing = topical <= 2 or bool(POINTING.search(text))  # "我们是做软件的，这个找谁": still about the list
        if pointing and theirs:  # the one listed measure for the asker's industry
            u.measures, u.by_reference, u.confident, u.district = [theirs], "listed", True, listed[1]
            return u
        if POINTING.search(text) and (u.asked or u.facts):
            u.listed_topic, u.by_reference, u.follow_up = listed, "listed", True  # which one is still to be chosen
            return u
        if topical <= 2 and (u.asked or u.facts) and not (u.intent in CHITCHAT_INTENTS and not u.asked):
            u.listed_topic, u.by_reference, u.follow_up = listed, "listed", True
            return u
    judged = measures_judging(kb, u)
    sure = bool(hits) and (hits[0].confident or clear_lead(hits)) and hits[0].measure.id in {m.id for m in judged}
    if judged and not sure:
        # "营收降了70%，够不够线", "贷款利率4.8%，够线吗": the measures whose printed line the figure is held to
        u.measures, u.confident, u.by_reference = judged, True, "judged"
        return u
    if hits and (hits[0].confident or clear_lead(hits)):
        u.measures = [hits[0].measure] + [h.measure for h in hits[1:] if h.confident]
        u.confident = True
        for_months = sibling_for(kb, u.measures[0], [], text) if months_named(text) else None
        if for_months:  # "西城…2月能免多少": the notice whose relief covers February
            u.measures = [for_months] + [x for x in u.measures if x.id != for_months.id]
    elif (
        current
        and (short or is_statement(text))
        and (not u.districts or current.district in u.districts)
        and not u.other_places
    ):
        # a short follow-up, or a statement of facts ("我们是区教委批的…一个老师都没裁"), continues the measure
        u.measures, u.by_reference, u.follow_up, u.confident = [current], "context", True, True
        u.previous_text = context.get("last_question") or ""
    elif context.get("options") and short and not u.districts and not u.other_places and not u.district:
        # "现在还能报吗" right after "which district?": still about the same measures of both districts
        u.options = [m for m in (kb.get(i) for i in context["options"]) if m]
        u.by_reference, u.follow_up = "options", True
        u.previous_text = context.get("last_question") or ""
    elif listed and short and not u.other_places and not current and (u.asked or u.facts):
        # "一共40个人" right after the list of a topic's measures: which one is still to be chosen
        u.listed_topic, u.by_reference, u.follow_up = listed, "listed", True
    return u


# Facts that only a few measures test; a figure for one of them says which measures are meant.
SPECIFIC_FACTS = ("revenue_decline", "loan_cost", "training_hours", "extension_months")
THRESHOLD_ASKED = re.compile(r"够不够|够线|够格|达标|达不达|过线|过不过|算不算达到|到没到")
MAX_JUDGING = 3


def measures_judging(kb: KnowledgeBase, u: Understanding) -> List[Measure]:
    """With no measure named and a yes/no question, the measures (at most 3) whose printed
    conditions test a figure the question states."""
    stated = [f for f in SPECIFIC_FACTS if f in u.facts]
    if not stated or not THRESHOLD_ASKED.search(u.text) or content_chars(kb, u.text) > 12:
        return []
    judging = [m for m in kb if (not u.district or m.district == u.district) and set(stated) & set(facts_needed(m))]
    return judging if len(judging) <= MAX_JUDGING else []


POINTING = re.compile(r"这个|这条|这项|这些|上面|它们?")


def naming_the_industry(kb: KnowledgeBase, listed: List[str], context: Dict[str, Any]) -> Optional[Measure]:
    """The only measure of the list just shown that prints the industry the enterprise stated
    (a 民办幼儿园 asking about loans: 6号（五） names 民办幼儿园)."""
    industries = (context.get("facts") or {}).get("industry") or []
    industries = industries if isinstance(industries, list) else [industries]
    named = [
        m for m in kb.filter(district=listed[1], topic=listed[0]) if any(str(i) in m.text for i in industries if i)
    ]
    return named[0] if len(named) == 1 else None


def listed_topic(kb: KnowledgeBase, context: Dict[str, Any]) -> List[str]:
    """[topic, district] of the list of measures just shown, if it still names a topic and district."""
    value = context.get("listed_topic")
    if isinstance(value, list) and len(value) == 2 and value[0] in kb.taxonomy.topics and value[1] in kb.districts:
        return value
    return []
