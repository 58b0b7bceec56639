"""Enterprise facts stated in a free-text Chinese message ("我们裁员8%", "月租3万", "国企的房子").

Pure and deterministic: each fact has a pattern anchored on the words that name it, so the 8 in
"裁员8%" is a layoff ratio and the 80 in "收入下降80%" a revenue decline.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

from actions.knowledge_base import KnowledgeBase
from actions.quantities import arabic, parse_money, parse_number
from actions.text_tools import detect_values, normalize

NUM = r"(\d+(?:\.\d+)?)"
MONEY = NUM + r"\s*(亿|万|千|k|w)?\s*(?:元|块)?"
# A sum: with its unit, or a bare number of 4+ digits (一万五 arrives as 15000 after cn2an).
MONEY_WITH_UNIT = (
    r"(\d+(?:\.\d+)?\s*(?:亿|万|千|k|w|元|块)|\d{4,}(?:\.\d+)?(?![\d.]|\s*(?:个|人|名|年|月|日|号|课时|分钟|%)))"
)

PATTERNS = {
    "layoff_ratio": [
        rf"(?:裁员|裁了|减员|辞退|裁掉)[^\d%。，,]{{0,8}}{NUM}\s*%",
        rf"{NUM}\s*%[^。，,]{{0,4}}(?:裁员|的人|员工)",
    ],
    "revenue_decline": [
        rf"(?:收入|营收|营业额|流水|销售额|生意)[^\d%。，,]{{0,10}}(?:下降|降|少|减少|下滑|跌)了?[^\d%]{{0,4}}{NUM}\s*%",
        rf"(?:下降|降了|少了|下滑|跌了|掉了|降低了?|减少了?)\s*{NUM}\s*%",
    ],
    "loan_cost": [
        rf"(?:利率|成本|利息|年化|费率)[^\d%。，,]{{0,8}}{NUM}\s*%",
        rf"{NUM}\s*%\s*(?:的)?(?:年化|利率|总成本|综合成本|成本|利息)",
    ],
    "training_hours": [rf"{NUM}\s*个?课时", rf"(?:培训|学了|上了)[^\d。，,]{{0,6}}{NUM}\s*(?:个)?(?:课时|学时)"],
    "employees_trained": [rf"{NUM}\s*(?:个|名|位)\s*(?:人|员工|职工)(?!民币)", rf"{NUM}\s*(?:人|员工|职工)(?!民币)"],
    "loan_term_months": [rf"(?:期限|贷|借)[^\d。，,]{{0,8}}{NUM}\s*个?月", rf"{NUM}\s*个月(?:的)?(?:贷款|期)"],
}
MONEY_PATTERNS = {
    "monthly_rent": [
        rf"(?:月租|每月租金|每个月房租|房租每月|一个月房租|月租金|租金每月|房租一个月|每月房租|每个月租金)[^\d。，,]{{0,6}}{MONEY}",
        rf"(?:房租|租金)[^\d。，,]{{0,4}}{MONEY}\s*(?:一个月|每月|/月)",
        rf"\d{{1,2}}\s*月(?:份)?(?:的)?(?:房租|租金)(?:是|为|要|有)?\s*{MONEY_WITH_UNIT}",
        r"\d{1,2}\s*月(?:份)?(?:的)?(?:房租|租金)(?:是|为|要|有)?\s*(\d{3,}(?:\.\d+)?)",
        rf"(?:1个月|一个月|每个月|每月)(?:要|交|付)?\s*{MONEY_WITH_UNIT}",
        rf"(?:房租|租金)[^，,。]{{0,3}}各\s*{MONEY_WITH_UNIT}",
        rf"(?<!年)(?:房租|租金)(?:是|为|要|大概|差不多|每个月|一个月)?\s*{MONEY_WITH_UNIT}(?![^。，,]{{0,3}}年)",
    ],
    "interest_paid": [
        rf"(?:利息|利息支出|付息)(?:一共|总共|共|合计|是|有|大概)?\s*{MONEY_WITH_UNIT}",
        rf"{MONEY_WITH_UNIT}\s*(?:的)?利息",
    ],
    "loan_amount": [
        rf"{MONEY_WITH_UNIT}\s*(?:元|块)?\s*(?:\d+\s*年期)?(?:的)?(?:普惠|信用|银行|流动资金)?(?:贷款|贷|授信|借款)",
        rf"(?:贷款|授信|借款|贷了|借了|额度)[^\d。，,]{{0,6}}{MONEY_WITH_UNIT}",
    ],
    "rent_waived": [
        rf"(?:减免了|免了|减了|让了)[^\d。，,]{{0,6}}{MONEY_WITH_UNIT}",
        rf"(?:减|免)[^。，,]{{0,12}}?(?:一共|总共|合计|共)\s*{MONEY_WITH_UNIT}",
    ],
    "annual_revenue": [
        rf"(?:营业收入|年收入|年营收|营收)[^\d。，,下降少跌减]{{0,6}}{NUM}(?![\d.])\s*(亿|万|千|k|w)?\s*(?:元|块)?(?!\s*%)"
    ],
}
GENERIC_VALUES = {"其他"}
NO_LAYOFFS = re.compile(
    r"(没有?裁员|没裁人|不裁员|没有减员|零裁员|一个没裁|都没裁|没有?裁过|没辞退|没有辞退|一个(人|员工|老师)?都没(裁|辞退|减))"
)
LANDLORD = re.compile(
    r"(我|我们|本公司|我司)(是|作为|就是)[^，。,]{0,6}(房东|业主|出租方)|作为(房东|业主)|(我|我们)(房东|业主)"
    r"|(租给|出租给|把.{0,6}租给)|给租户|为租户|我们.{0,6}出租"
    r"|^(房东|业主)\s*[:：]|(房东|业主)(这边)?(问|咨询|想问)"
    r"|(房东|业主)(减了|免了|减免了|已减|已免)(?![^，。,；]{0,8}(我|咱|俺))|给(?!我|咱|俺)[^，。,\s]{1,8}(减了|免了|减免了)"
)
# The asker is the tenant whatever else matches ("我们房东减了我们2个月房租", "我们是承租方")
TENANT = re.compile(
    r"承租方|我们是租户|我们是承租|减了我们|免了我们|给我们减|给我们免|给咱们减|给咱们免|我们的房东|我们房东(?=减|免|给|说)"
)
GUARANTOR = re.compile(
    r"我们?(是|作为)?.{0,6}(担保公司|担保机构)(?!贷款)|^(驻区|政府性)?(融资)?担保(公司|机构)(?!收费|费|太|贵|不)"
)
# What a guarantee institution states about its 2020 business (西政办发〔2020〕6号（六）)
GUARANTOR_MONEY = {
    "guarantee_fee_cut": [rf"(?:费用降低额度?|降低额度?|降费)(?:是|为|有|共|一共|大概|约)?\s*{MONEY_WITH_UNIT}"],
    "subsidy_claimed": [rf"(?:算|申请)[^。，,\d]{{0,8}}补贴[^\d。，,]{{0,3}}{MONEY_WITH_UNIT}"],  # "算出来补贴680万"
    "guaranteed_loans": [rf"(?:担保(?!费)|放款)[^\d。，,]{{0,8}}{MONEY_WITH_UNIT}"],  # not "担保费收了30万"
}
GUARANTEE_RATE = re.compile(r"费率[^\d。，,]{0,6}(\d+(?:\.\d+)?)\s*%")
NEGATED_BEFORE = r"(?<!不是)(?<!并非)(?<!不属于)(?<!非)(?<!不)"
MEDIUM_SIZED = re.compile(NEGATED_BEFORE + r"(?<!中小)中型(企业|公司)")
NOT_SMALL_MICRO = re.compile(r"(不是|并非|不属于|非)(小微|小型|微型)")
SMALL_MICRO = re.compile(NEGATED_BEFORE + r"(?<!中)(小微|小型企业|微型企业|个体户|个体工商户|小公司|小店)")
NOT_DIRECT = re.compile(r"(不是|并非|非|没有)直营")
DIRECT_STORE = re.compile(NEGATED_BEFORE + r"(直营|分公司形式)")
FRANCHISE = re.compile(NEGATED_BEFORE + r"加盟")
SME_YES = re.compile(r"(小微|中小企业|小企业|个体户|个体工商户|小公司|小店)")
SME_NO = re.compile(r"(大型企业|大企业|上市公司)")
NEGATION = re.compile(r"(不是|没有|没|不|非)$")
# "不是区属国企": a negation a short qualifier away from the word (区属 before 国企)
NEGATION_BEFORE_QUALIFIER = re.compile(r"(不是|并非|不属于|而非)(区属|市属|中央|国有|民营)$")


HEADCOUNT = re.compile(
    r"(?:(?:一共|总共|共有|共|全公司|公司|员工|职工|店里|我们)\D{0,3}?)?(?<![\d.])(\d+)\s*(?:个人|个员工|名员工|人|名|位)"
)
OTHERS_MET = re.compile(r"其他(条件|的|方面)?都(满足|符合|没问题|达标|够)|其余(条件)?都(满足|符合)")
MINUTES_PER_CLASS_HOUR = 45  # the notices: 20课时（900分钟）
LAID_OFF = re.compile(r"(?:裁了|裁掉了?|裁员了?|辞退了?|减员了?|开除了?|走了|减了|裁)\s*(\d+)\s*(?:个人|个|人|名|位)")
LOAN_MONTH = re.compile(
    r"(?<![\d、])(\d{1,2})\s*月份?(?:份)?(?:\d{1,2}\s*[号日])?\D{0,3}(?:贷|借|放款|放的|发放|拿到|拿了|批)|(?:贷款|放款|借款)\D{0,4}?(?<![\d、])(\d{1,2})\s*月(?:份)?(?:发放|放款|到账|下来)"
)


def layoff_counts(text: str) -> Dict[str, float]:
    """ "一共40个人，裁了3个" → {"headcount": 40, "laid_off": 3}."""
    out: Dict[str, float] = {}
    laid = LAID_OFF.search(text)
    if laid:
        out["laid_off"] = float(laid.group(1))
        total = HEADCOUNT.search(text[: laid.start()]) or HEADCOUNT.search(text[laid.end() :])
        if total:
            out["headcount"] = float(total.group(1))
    return out


def layoff_ratio(facts: Dict[str, Any]) -> Any:
    """The layoff ratio in percent from a headcount and a number laid off (possibly said in different turns)."""
    total, laid = facts.get("headcount"), facts.get("laid_off")
    if not total or laid is None or float(laid) > float(total):
        return None
    return round(100 * float(laid) / float(total), 2)


# "分别减了5万 8万 2万": several sums, one per tenant, that add up.
OTHER_PERIOD = re.compile(r"今年|(?<!比)去年(?!同期)|前年|本月|上个?月|20(?:2[1-9]|3\d)年|(?<!\d)2[1-9]年")
RELIEF_PERIOD = re.compile(r"2020|(?<!\d)20年|2\s*月?\s*[-到至~]\s*4\s*月|二月?[到至]四月|2、3、4月|疫情期间")
WAIVED_SUM = re.compile(rf"(?:减免了|免了|减了|让了)(?:(?!每|月租)[^。，,；;])*?{MONEY_WITH_UNIT}")
SEVERAL_SUMS = re.compile(rf"分别[^\d。，,]{{0,6}}((?:{MONEY_WITH_UNIT}[、，,\s和及]*){{2,8}})")
REVENUE_SUMS = re.compile(
    rf"(?:收入|营收|营业额|销售额|流水)[^\d。]{{0,6}}?{MONEY}[^。]{{0,16}}?(?:同期|今年|20年|2020年?)[^\d。]{{0,6}}?{MONEY}"
)
NO_TRAINING = re.compile(r"(没|没有|未)(组织|参加|搞|做|安排)?[^，。,]{0,4}培训")
TRAINED = re.compile(
    r"(组织了?|参加了?|搞了|做了|安排了?|开展了?)[^，。,没]{0,4}培训|培训(了|过)|都(参加了?|上了)?培训"
)


def revenue_decline_from_sums(text: str) -> Any:
    """ "19年2-4月收入100万，20年同期20万" → a decline of 80 (percent); None unless it fell."""
    m = REVENUE_SUMS.search(text)
    if not m:
        return None
    before = parse_money(m.group(1) + (m.group(2) or ""))
    after = parse_money(m.group(3) + (m.group(4) or m.group(2) or ""))
    if not before or after is None or after >= before:
        return None
    return round(100 * (before - after) / before, 2)


def registration_place(text: str, kb: KnowledgeBase) -> Any:
    """Where the enterprise says it is registered or pays tax ("注册在海淀", "西城注册纳税")."""
    places = (
        list(kb.districts)
        + [f for d in kb.districts for f in kb.taxonomy.synonyms.get(d, [])]
        + list(kb.taxonomy.other_places)
    )
    for place in sorted(places, key=len, reverse=True):
        p = re.escape(place)
        if re.search(
            rf"(注册|纳税|税)(地|地在|在|于|也在|都在|均在|是在|都是在|全在)?\s*(北京)?{p}|{p}[^，,。；\s]{{0,4}}(注册|纳税|交税|缴税)",
            text,
        ):
            canon = kb.taxonomy.canonical(place)
            return canon if canon in kb.districts else place
    return None


NEGATED_INDUSTRY = re.compile(r"(不是|并非|不属于|非|不做|不搞|不干)[^，,。；;\s]{1,8}")


def industries_named(text: str, kb: KnowledgeBase) -> List[str]:
    """Industries as the notices list them (软件 → 软件和信息服务), from the KB and its synonyms;
    a negated one ("我们不是餐饮企业") is not the enterprise's."""
    text = NEGATED_INDUSTRY.sub(" ", text)
    known = sorted(
        {i for m in kb for i in m.industries}
        | {i for m in kb for c in m.conditions if c["fact"] == "industry" for i in c["value"]}
    )
    listed = detect_values(text, known, kb.taxonomy.synonyms)
    return listed or detect_values(text, list(kb.taxonomy.other_industries), kb.taxonomy.other_industries)


def _first_number(text: str, patterns: List[str]) -> Any:
    for pattern in patterns:
        m = re.search(pattern, text, re.IGNORECASE)
        if m:
            return float(m.group(1))
    return None


def _first_money(text: str, patterns: List[str]) -> Any:
    for pattern in patterns:
        m = re.search(pattern, text, re.IGNORECASE)
        if m:
            return parse_money(m.group(0)[m.start(1) - m.start(0) :])
    return None


def _mentions(text: str, word: str) -> bool:
    """The word occurs and is not directly negated (不是国企)."""
    for m in re.finditer(re.escape(word), text):
        before = text[max(0, m.start() - 5) : m.start()]
        if not NEGATION.search(before[-2:]) and not NEGATION_BEFORE_QUALIFIER.search(before):
            return True
    return False


def extract_facts(text: str, kb: KnowledgeBase) -> Dict[str, Any]:
    """Facts stated in the message, as typed canonical values (see taxonomy.yml `facts`)."""
    raw = normalize(text)
    t = arabic(raw).replace("％", "%")
    t = re.sub(r"百分之\s*" + NUM, r"\1%", t)
    facts: Dict[str, Any] = {}
    tax = kb.taxonomy

    districts = detect_values(raw, kb.districts, tax.synonyms)
    if len(districts) == 1:
        facts["district"] = districts[0]
    registered = registration_place(raw, kb)
    if registered:
        facts["registered_in"] = registered  # decides the district condition (actions.decision)

    for fact, patterns in PATTERNS.items():
        value = _first_number(t, patterns)
        if value is not None:
            facts[fact] = value
    if "layoff_ratio" not in facts and NO_LAYOFFS.search(raw):
        facts["layoff_ratio"] = 0.0
    year = re.search(rf"(?:期限|贷|借)[^\d。，,]{{0,8}}{NUM}\s*年", t)
    if "loan_term_months" not in facts and year:
        facts["loan_term_months"] = float(year.group(1)) * 12
    for fact, patterns in MONEY_PATTERNS.items():
        value = _first_money(t, patterns)
        if value is not None:
            facts[fact] = value
    if "monthly_rent" not in facts and re.search(r"房租|租金", t):
        month_sum = _first_money(t, [rf"(?<![\d.])(?:1[0-2]|[1-9])\s*月(?:份)?\s*{MONEY_WITH_UNIT}"])
        if month_sum:
            facts["monthly_rent"] = month_sum  # "3月4.5万 4月4.5万"
    annual = _first_money(
        t, [rf"(?:年租金|年租|一年房租|每年房租|一年租金|每年租金|1年房租|1年租金)\s*(?:是|为)?\s*{MONEY}"]
    )
    if annual:
        facts["monthly_rent"] = annual / 12
    minutes = re.search(rf"{NUM}\s*分钟", t)
    if minutes and "training_hours" not in facts:
        facts["training_hours"] = float(minutes.group(1)) / MINUTES_PER_CLASS_HOUR
    deferral = re.search(
        rf"(?:延期|延缓|缓|延)[^。，,\d]{{0,6}}{NUM}\s*个?月|(?:延期|延缓|缓|延)[^。，,\d]{{0,6}}半年", t
    )
    if deferral:
        facts["tax_deferral_months"] = float(deferral.group(1)) if deferral.group(1) else 6.0
    extension = re.search(rf"展期?[^。，,\d]{{0,4}}{NUM}\s*(个月|年)|展期?[^。，,\d]{{0,4}}(半年)", t)
    if extension:  # "能展一年吗": the extension asked for, in months
        asked = float(extension.group(1)) * (12 if extension.group(2) == "年" else 1) if extension.group(1) else 6.0
        facts["extension_months"] = asked

    owners = tax.facts["property_owner"]["values"]
    for owner in owners:
        # the value 其他 is also an everyday word ("其他条件都符合"): only its named forms count
        forms = ([] if owner in GENERIC_VALUES else [owner]) + tax.synonyms.get(owner, [])
        if any(_mentions(raw, f) for f in forms if f):
            facts["property_owner"] = owner
            break
    for use in tax.facts["premises_use"]["values"]:
        if any(_mentions(raw, w) for w in [use] + tax.synonyms.get(use, [])):
            facts["premises_use"] = use
            break
    industries = industries_named(raw, kb)
    if industries:
        facts["industry"] = industries
    facts.update(layoff_counts(t))
    ratio = layoff_ratio(facts)
    if ratio is not None and "layoff_ratio" not in facts:
        facts["layoff_ratio"] = ratio
    several = SEVERAL_SUMS.search(t)
    if several and re.search(r"减|免|让", several.group(0)):
        facts["rent_waived"] = sum(parse_money(x) or 0 for x in re.findall(MONEY_WITH_UNIT, several.group(1)))
    tenths = re.search(r"(?:下降|降了|少了|下滑|跌了|掉了|减少)了?\s*(\d)\s*成", t)
    if tenths and "revenue_decline" not in facts and re.search(r"收入|营收|营业额|流水|销售|生意|同期", t):
        facts["revenue_decline"] = float(tenths.group(1)) * 10  # "降了7成" is 70%
    if "revenue_decline" not in facts:
        decline = revenue_decline_from_sums(t)
        if decline is not None:
            facts["revenue_decline"] = decline
    if "revenue_decline" in facts and OTHER_PERIOD.search(t) and not RELIEF_PERIOD.search(t):
        del facts["revenue_decline"]  # "今年收入降了85%": the notices test 2020年2-4月, not another period
    if NO_TRAINING.search(raw):
        facts["training_organized"] = False
        facts.setdefault("training_hours", 0.0)
    elif TRAINED.search(raw) or facts.get("training_hours"):
        facts["training_organized"] = True
    if OTHERS_MET.search(raw):
        facts["others_met"] = True
    term = re.search(r"(\d+(?:\.\d+)?)\s*年期|(?:期限|贷了|借了)\D{0,3}?(\d+(?:\.\d+)?)\s*年", t)
    if "loan_term_months" not in facts and term:
        facts["loan_term_months"] = float(term.group(1) or term.group(2)) * 12
    if "loan_term_months" not in facts and re.search(r"半年期|期限半年|贷了?半年", t):
        facts["loan_term_months"] = 6.0
    issued = LOAN_MONTH.search(t)
    if issued and 1 <= int(issued.group(1) or issued.group(2)) <= 12:
        facts["loan_issued_month"] = float(issued.group(1) or issued.group(2))
    if LANDLORD.search(raw) and not TENANT.search(raw):
        facts["role"] = "业主"
        sums = [parse_money(w.group(0)[w.start(1) - w.start(0) :]) or 0 for w in WAIVED_SUM.finditer(t)]
        waived_total = r"(?:(?:一共|总共|合计|共计|总计)(?:减免了?|免了|减了|让了)|(?:减免了?|免了|减了|让了)(?:一共|总共|合计|共计|总计))"
        total = _first_money(t, [rf"{waived_total}[^。，,？?\d]{{0,4}}{MONEY_WITH_UNIT}"])
        if total is not None and re.search(r"减|免|让", t):
            facts["rent_waived"] = total  # "3月免了5万，4月免了5万，一共免了10万": the stated total
        elif len(sums) > 1:  # "免了2月6万 又免了3、4月12万": the waived total
            facts["rent_waived"] = sum(sums)
        # "给租户减了三个月房租 每月一万": the waived total (read on the raw text: cn2an joins "4三个月" into 43)
        months = re.search(
            r"(?:减|免)[^。，,]{0,12}?(?:(?<![一二两三四五六七八九十])([一二两三四五六七八九十])|(?<!\d)(\d{1,2}))\s*个月",
            raw,
        )
        count = parse_number(months.group(1) or months.group(2)) if months else None
        if count and 0 < count <= 12 and "rent_waived" not in facts and "monthly_rent" in facts:
            facts["rent_waived"] = facts["monthly_rent"] * count
    elif GUARANTOR.search(raw):
        facts["role"] = "担保机构"
        money_text = re.sub(r"(\d)\s*个亿", r"\1亿", t)  # "2个亿"
        for fact, patterns in GUARANTOR_MONEY.items():
            value = _first_money(money_text, patterns)
            if value is not None:
                facts[fact] = value
        rate = GUARANTEE_RATE.search(t)
        if rate:
            facts["guarantee_rate"] = float(rate.group(1))
    if SME_NO.search(raw):
        facts["is_sme"] = False
    elif SME_YES.search(raw):
        facts["is_sme"] = True
    if re.search(r"(国高新|高新技术企业|高企|村高新|高新企业|(?:是|属于|非)高新)", raw):
        facts["high_tech_certified"] = not re.search(
            r"(不是|没有|没评上|非)(国高新|高新|高企|村高新)|高新[^，。,]{0,6}(没评|未评|没有评|没拿到|没认定)", raw
        )
    if re.search(r"(交了?|缴了?|参加了?|有|上了?)(北京|北京市|本市)?的?失业保险|失业保险(交了|有交|都交)", raw):
        facts["unemployment_insured"] = True
    if re.search(r"(没交|没有交|没参加|没有参加|未参加|没[^，。]{0,8}|不交|未缴)失业保险", raw):
        facts["unemployment_insured"] = False
    if NOT_SMALL_MICRO.search(raw) or (MEDIUM_SIZED.search(raw) and not SMALL_MICRO.search(raw)):
        facts["small_micro"] = False  # "我们是中型企业": an SME, but not small or micro
    elif SMALL_MICRO.search(raw):
        facts["small_micro"] = True
    if NOT_DIRECT.search(raw) or (FRANCHISE.search(raw) and not DIRECT_STORE.search(raw)):
        facts["direct_store"] = False  # "加盟的，不是直营"
    elif DIRECT_STORE.search(raw):
        facts["direct_store"] = True
    if re.search(r"(注册在中关村|中关村示范区|在中关村[^，。,]{0,4}注册|中关村的企业)", raw):
        facts["zgc_registered"] = True
    return facts
