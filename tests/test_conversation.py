"""The answers as a user reads them, from actions.conversation.respond (understand → decide → compose).

The clock is fixed at 2026-11-25 (POLICY_TODAY) so time statuses are stable.
"""
import re

import pytest

from actions.conversation import respond


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setenv("POLICY_TODAY", "2026-11-25")


def ask(kb, *turns, intent=""):
    """Replies (joined text) for a conversation of several turns."""
    context, out = {}, []
    for text in turns:
        reply = respond(kb, text, intent, {}, context)
        context = reply.context
        out.append("\n".join(reply.texts))
    return out


def first_sentence(text):
    for end in "。\n":
        text = text.split(end)[0]
    return text


def test_a_person_with_two_numbers_gets_both_with_their_notice(kb):
    [text] = ask(kb, "赵鹏的电话是多少")
    assert "83926768" in text and "83926742" in text and "1号" in text and "6号" in text
    assert "69046334" not in text  # never another district's contact


def test_article_lookup_gives_that_article_and_its_own_contacts(kb):
    [text] = ask(kb, "西城6号文第九条联系人")
    assert "杜颖" in text and "83509353" in text and "孟兰" in text and "63134703" in text
    assert "83926768" not in text and "赵鹏" not in text
    [text] = ask(kb, "25号文第十条")
    assert "外贸" in text and "89089317" in text
    [text] = ask(kb, "1号文第十四条")
    assert "延期" in text and "62268630" in text


def test_a_sub_item_contact_is_the_one_printed_for_it(kb):
    [text] = ask(kb, "西城停征特种设备检验费找谁")
    assert first_sentence(text).count("83976786") == 1 and "孟辉" in text
    assert "66217223" not in text and "88391698" not in text


def test_stated_layoffs_are_judged_at_once_against_the_printed_limit(kb):
    [text] = ask(kb, "密云的饭店，租国企房子，我们一共40个人，裁了3个，还能减房租吗")
    assert "不符合" in first_sentence(text) and "5.5%" in text and "7.5%" in text
    assert "贵单位是中小微企业" not in text


def test_numbers_in_the_question_give_the_amount(kb):
    [text] = ask(kb, "西城区租区属国企房子做办公室，月租5万，3、4月能减多少")
    assert "50,000元" in text and "50%" in text
    assert "已结束" in text


def test_software_is_in_the_listed_industries_and_the_loan_qualifies(kb):
    [text] = ask(kb, "我们是西城的软件企业，4月贷了一年期200万普惠贷款，能贴息吗")
    assert "符合" in first_sentence(text) and "不符合" not in first_sentence(text)
    assert "30%" in text and "83926768" in text


@pytest.mark.parametrize("question, printed", [
    ("西城贷款贴息，我们是餐饮企业，贷了18个月", "不超过一年期"),
    ("密云再贷款贴息，总成本5.2%，能贴吗", "4.5%"),
    ("密云的科技企业，收入降了90%，职工培训了10课时，能拿以训稳岗补贴吗", "20课时"),
])
def test_stated_durations_rates_and_hours_are_judged(kb, question, printed):
    [text] = ask(kb, question)
    assert "不符合" in first_sentence(text) and printed in text


def test_an_unknown_industry_is_unknown_not_refused(kb):
    [text] = ask(kb, "我们是西城做建材的企业，4月贷了一年期200万，能贴息吗")
    assert "不符合" not in first_sentence(text) and "还需确认" in first_sentence(text) and "所属行业" in text


def test_a_landlord_subsidy_is_not_presented_as_the_tenants_benefit(kb):
    [text] = ask(kb, "1号文 我们小微企业找担保公司贷款 担保费的补贴能直接给我们吗")
    assert "不能" in first_sentence(text) and "担保机构" in text


def test_time_questions_say_the_measure_is_over(kb):
    [text] = ask(kb, "2026年西城还免房租吗")
    assert "已结束" in first_sentence(text) and "2020年" in first_sentence(text)
    [text] = ask(kb, "密云以训稳岗补贴现在还能申请吗")
    assert "2020年8月31日截止" in first_sentence(text)


def test_every_measure_answer_states_its_time_status(kb):
    for question in ["西城区房租减免怎么申请", "密云区贷款贴息的条件", "西城延期纳税找谁"]:
        [text] = ask(kb, question)
        assert "已结束" in text or "不再执行" in text, question


def test_other_districts_are_told_what_is_covered_without_any_phone(kb):
    [text] = ask(kb, "朝阳区有房租减免吗")
    assert "朝阳" in text and "西城区" in text and "密云区" in text
    assert not any(ch.isdigit() for ch in text.replace("2020", "").replace("〔", "").replace("1号", "")
                   .replace("6号", "").replace("25号", ""))


def test_miyun_has_no_tax_measure_and_gets_no_miyun_phone(kb):
    [text] = ask(kb, "密云有延期纳税的政策吗")
    assert text.startswith("没有") and "62268630" not in text and "690" not in text


def test_english_and_weather_get_no_officials_phones(kb):
    [text] = ask(kb, "What relief is there for small businesses?")
    assert "Xicheng" in text and "Miyun" in text
    [text] = ask(kb, "今天天气怎么样")
    assert "抱歉" in text and "电话" not in text


def test_follow_ups_stay_with_the_measure_and_keep_the_sub_item(kb):
    texts = ask(kb, "西城社保能缓缴吗", "找谁")
    assert "66201856" in texts[1] and "侯军" in texts[1]
    assert "66206171" not in texts[1]
    texts = ask(kb, "西城国企的房子房租能免吗", "办公室也能免吗")
    assert "50%" in texts[1] and "创新券" not in texts[1]


def test_traditional_characters_are_understood(kb):
    [text] = ask(kb, "西城區停徵特種設備檢驗費找誰")
    assert "83976786" in text


def test_the_questionnaire_is_offered_not_forced_and_a_question_inside_it_is_answered(kb):
    context = {}
    first = respond(kb, "西城国企的房子能减房租吗", "ask_eligibility", {}, context)
    assert "逐项帮我判断" in [b[0] for b in first.buttons]
    assert not first.texts[0].startswith("贵单位")
    started = respond(kb, "", "ask_eligibility", {"measure_id": first.context["measure_id"]}, first.context)
    assert "？" in started.texts[0]
    question = respond(kb, "延期纳税找谁", "ask_contact", {}, started.context)
    assert "62268630" in question.texts[0]


def test_procedure_answers_carry_a_contact(kb):
    [text] = ask(kb, "西城停征占道费怎么申报")
    assert "88391597" in text


@pytest.mark.parametrize("question, fact, value", [
    ("餐馆 2020年4月份放的1000万普惠贷 一年期 利息一共四十万", "interest_paid", 400000),
    ("2020年3月贷了100万一年期普惠贷款", "loan_term_months", 12),
    ("区属国企的办公房 没裁人 二月房租一万五", "monthly_rent", 15000),
    ("19年底200人，4月底前减了11人", "layoff_ratio", 5.5),
    ("物流公司2020年6月10号放款的普惠贷款", "loan_issued_month", 6),
])
def test_numbers_written_many_ways_are_read(kb, question, fact, value):
    from actions.fact_extraction import extract_facts
    assert extract_facts(question, kb)[fact] == value


def test_where_the_enterprise_is_registered_decides_the_district_condition(kb):
    [text] = ask(kb, "公司注册在海淀 在西城租的区属国企的办公室 能享受6号文3-4月租金减半不")
    assert "不符合" in first_sentence(text) and "海淀" in text


def test_a_follow_up_naming_the_other_notice_or_months_moves_to_that_measure(kb):
    texts = ask(kb, "西城区属国企的写字楼 我们租来办公 1号文减了多少", "6号文又管了几个月")
    assert "6号" in texts[1] and "4月" in texts[1]
    texts = ask(kb, "西城国企房子开店 2月房租能免吗", "那3月和4月呢")
    assert "西政办发〔2020〕6号" in texts[1]


def test_rent_of_both_xicheng_notices_adds_up(kb):
    [text] = ask(kb, "西城区属国企的房子开饭馆 月租12000 1号文加6号文一共免多少钱")
    assert "36,000元" in text


def test_a_person_then_a_notice(kb):
    texts = ask(kb, "赵鹏电话", "6号文的")
    assert "83926742" in texts[1] and "83926768" not in texts[1]


def test_an_english_question_gets_the_figures_and_the_contact_in_english(kb):
    [figures] = ask(kb, "How much does Miyun's training subsidy pay per worker?")
    assert "CNY 3,000" in figures and "ended on August 31, 2020" in figures
    reply, follow_up = ask(kb, "Who handles the temporary post subsidy in Miyun? Phone?", "and when did it end?")
    assert reply.startswith("Contact for Miyun district") and "89037309" in reply
    assert "69041298" not in reply                     # not the loan office
    assert "item （十三）" in follow_up and "ended" in follow_up   # the follow-up stays on the measure


def test_an_english_question_about_a_notice_by_number_reads_that_notice(kb):
    [reply] = ask(kb, "Does Xicheng notice No. 6 waive rent for firms renting from state-owned companies?")
    assert "西政办发〔2020〕6号" in reply and "100%" in reply and "50%" in reply


def test_facts_failing_in_both_districts_get_a_plain_no_first(kb):
    [reply] = ask(kb, "我们公司是城市运行保障的，收入只降了50%，能领临时性岗位补贴吗")
    assert reply.startswith("按您说的情况，不符合") and "80%" in reply


def test_revenue_before_and_after_make_the_decline(kb):
    [reply] = ask(kb, "密云科技创新类小微企业，交北京失业保险，19年2-4月收入100万，20年同期20万，每人培训了40课时，临时性岗位补贴符合条件吗")
    assert reply.startswith("按您说的情况，符合"), reply[:80]


def test_a_stated_fact_keeps_the_measure_and_picks_its_contact(kb):
    _, _, contact = ask(kb, "美容美发连锁 在密云有分公司门店 房租能减吗", "房子是私人房东的", "房东找谁申请")
    assert "谷金来" in contact and "89089303" in contact
    assert "69043376" not in contact          # the state-owned premises' contact is not theirs


def test_who_decides_is_answered_from_the_printed_duties(kb):
    _, reply = ask(kb, "我们民营公司出租办公楼 按西城1号文给小微租户免了10万房租 区里补多少", "谁来认定")
    assert reply.startswith("按原文：") and "行业主管部门认定" in reply


def test_a_follow_up_naming_a_branch_gets_that_branch_rate(kb):
    _, office = ask(kb, "密云区属国企的房子 房租能免吗", "那办公室呢")
    assert office.startswith("按原文，承租用于办公用房的") and "50%" in office


def test_a_landlord_stating_the_sum_waived_gets_the_subsidy(kb):
    *_, reply = ask(kb, "我们是西城的区属国企，出租房子给小微企业", "那我们减免的部分有补贴吗 咋算", "3、4月给入驻企业一共减了20万")
    assert "60,000元" in reply


def test_the_contact_of_the_benefit_the_question_points_to(kb):
    [training] = ask(kb, "密云 有个员工线上学了130课时 是不是能拿3500")
    assert "梁红艳" in training and "89038088" in training
    assert "赵小龙" not in training and "a69043092@126.com" not in training   # other sub-item, mail-in address


def test_sums_for_several_tenants_add_up(kb):
    [reply] = ask(kb, "西城的园区(非国企)给三家小微租户分别减了5万 8万 2万 能拿多少补贴")
    assert reply.startswith("按原文标准估算") and "45,000元" in reply


def test_the_month_named_picks_the_notice_that_covers_it(kb):
    [reply] = ask(kb, "我们小饭馆租的西城区属国企门面 一直开着没裁人 每月房租4万 2月能免多少")
    assert "40,000元" in reply and "西政办发〔2020〕1号" in reply and "80,000" not in reply


def test_a_tenant_whose_landlord_is_private_is_not_taken_for_the_landlord(kb):
    [reply] = ask(kb, "西城1号文里 房东是民营的 房租能减吗")
    assert reply.startswith("不能享受这项减免：按原文") and "协商" in reply and "不直接发给企业本身" not in reply


def test_a_quoted_percentage_settles_the_district(kb):
    [reply] = ask(kb, "连锁餐厅的直营分店 3、4月房租那个30%补贴 商务局哪个科 电话多少")
    assert "西政办发〔2020〕6号" in reply and "83509352" in reply and "哪个区" not in reply


def test_a_procedure_without_printed_steps_says_who_decides_and_the_landlords_share(kb):
    [reply] = ask(kb, "我是房东 给租户减了租 1号文那个补贴要走什么流程")
    assert "行业主管部门认定" in reply and "您作为业主" in reply and "30%" in reply


def test_follow_ups_after_which_district_stay_on_both_measures_until_one_is_named(kb):
    _, when, district = ask(kb, "临时性岗位补贴是哪段时间", "现在还能报吗", "密云的")
    assert when.startswith("密云区和西城区各有这项措施") or when.startswith("西城区和密云区各有这项措施") and "2020年8月31日截止" in when
    assert "密政发〔2020〕25号第（十三）条" in district and "89037309" in district and "66206171" not in district


def test_a_term_only_one_district_prints_settles_the_district(kb):
    [xicheng] = ask(kb, "稳岗培训补贴 人社局哪个科室 电话多少")
    assert "66201990" in xicheng and "89038088" not in xicheng
    [miyun] = ask(kb, "以训稳岗补贴找谁")
    assert "89038088" in miyun and "66201990" not in miyun


def test_a_restaurant_is_a_consumer_service_business_as_the_notices_say(kb):
    _, reply = ask(kb, "西城稳岗培训补贴有啥门槛", "我们餐馆2-4月比去年同期降了7成")
    assert reply.startswith("按原文条件，您不符合") and "（您的情况：70%）" in reply
    assert "您的情况：餐饮" not in reply           # 餐饮 is one of the 生活性服务业 the notices list


def test_saying_the_other_district_moves_the_measure_being_discussed(kb):
    *_, reply = ask(kb, "西城稳岗培训补贴有啥门槛", "那找谁问问", "哦对了 我们其实注册在密云")
    assert "密政发〔2020〕25号第（十三）条" in reply and "66201990" not in reply


def test_no_training_organised_fails_xichengs_condition_and_sevenths_are_tenths(kb):
    [no_training] = ask(kb, "餐厅2-4月营收同比跌了90% 但是没组织员工培训 能拿西城稳岗培训补贴吗")
    assert no_training.startswith("按原文条件，您不符合") and "组织员工开展相关培训" in no_training
    [fell] = ask(kb, "我们是做家政的 参加了北京失业保险 2-4月收入比去年同期掉了75% 能拿以训稳岗补贴吗")
    assert fell.startswith("按原文条件，您不符合") and "（您的情况：75%）" in fell


def test_this_notice_and_them_refer_back_not_to_another_measure(kb):
    *_, reply = ask(kb, "国高新认定 密云区谁管", "现在还能按这个文件找他们申报吗")
    assert "着力培育国家高新技术企业" in reply and "89089317" not in reply


def test_a_guarantor_gets_the_contact_of_the_guarantors_subsidy(kb):
    [reply] = ask(kb, "1号文 我们是西城的担保公司 降了担保费 补贴谁来认定 电话")
    assert "83926768" in reply and "66022202" not in reply


def test_an_amount_question_without_the_rent_still_gets_the_rate_of_the_stated_case(kb):
    [reply] = ask(kb, "西城区属国企的写字楼 我们租来办公 1号文减了多少")
    assert reply.startswith("按原文，承租用于办公用房的") and "50%" in reply


def test_other_conditions_met_is_not_a_landlord_type(kb):
    _, reply = ask(kb, "密云租区属国企的房子，一共40个人，裁了3个，能免吗", "要是只裁了2个呢 其他条件都符合")
    assert reply.startswith("按您说的情况，符合") and "您的情况：其他" not in reply


def test_asking_for_the_contact_persons_gives_the_named_people(kb):
    _, reply = ask(kb, "密云有没有贷款方面的热线", "联系人是谁")
    assert "刘义" in reply


def test_a_short_follow_up_quotes_the_sentence_it_names(kb):
    _, reply = ask(kb, "西城融资担保有什么支持", "费率有啥要求")
    assert "综合费率不足2%" in reply


def test_a_measure_without_a_phone_still_says_what_the_notice_prints(kb):
    [reply] = ask(kb, "疫情期间遇到别的特殊困难 6号文咋说的 找谁")
    assert "经区政府决策后" in reply


def test_what_the_notice_says_for_a_case_is_not_a_list(kb):
    [reply] = ask(kb, "租的民企的房子 6号文对房租有啥说法没")
    assert "协商" in reply


def test_a_landlord_asking_how_much_gets_the_landlords_subsidy_not_the_tenants_waiver(kb):
    first, second = ask(kb, "我是西城区的房东，给租户减免了房租，能补多少", "5万")
    assert "月租金" not in first and "15,000元" in second and "50,000元/月" not in second


def test_asking_words_alone_never_pick_a_measure(kb):
    [reply] = ask(kb, "电话呢")
    assert not re.search(r"\\d{8}", reply)


def test_the_other_districts_follow_up_never_gives_the_first_districts_phone(kb):
    _, miyun, who = ask(kb, "西城区贷款贴息", "那密云呢", "找谁")
    assert "密政发〔2020〕25号第（五）条" in miyun and "69041298" in who and "83926768" not in who
    *_, phone = ask(kb, "西城区担保费补贴", "那密云呢", "电话")
    assert "83926768" not in phone and "66022202" not in phone


def test_a_phone_question_never_starts_the_amount_questions(kb):
    _, phone = ask(kb, "西城区贷款贴息", "电话多少")
    assert "83926768" in phone and "利息是多少" not in phone


def test_thanks_or_no_with_a_district_is_still_a_question(kb):
    for text in ["谢谢，那密云呢", "不对，我问的是密云"]:
        context = respond(kb, "西城区国企房租能减免吗", "", {}, {}).context
        reply = respond(kb, text, "thank", {}, context)
        assert reply.texts and "密政发〔2020〕25号" in reply.texts[0]


def test_english_about_another_city_gets_no_phone(kb):
    [reply] = ask(kb, "What about Chaoyang rent?")
    assert "Chaoyang" in reply and not re.search(r"\\d{8}", reply)


def test_no_printed_conditions_is_never_a_yes(kb):
    [reply] = ask(kb, "西城的企业能缓交社保吗")
    assert reply.startswith("原文没有列出可逐项判断的条件") and "符合原文列明的条件" not in reply


def test_two_unlabelled_branches_say_which_use_each_sum_is_for(kb):
    [reply] = ask(kb, "我们在密云租的国企房子，每月房租3万，能免多少")
    assert "若用于生产经营：30,000元/月 × 100%" in reply and "若用于办公用房：30,000元/月 × 50%" in reply


def test_a_curators_out_of_scope_mark_does_not_silence_the_same_question_for_another_district(kb):
    import copy

    marked = copy.copy(kb)
    marked.out_of_scope = ["我们是西城区的餐饮企业想问一下能不能申请贷款贴息"]
    same = respond(marked, "我们是西城区的餐饮企业想问一下能不能申请贷款贴息", "", {}, {})
    other = respond(marked, "我们是密云区的餐饮企业想问一下能不能申请贷款贴息", "", {}, {})
    assert "超出了我的范围" in same.texts[0]
    assert "超出了我的范围" not in other.texts[0] and "密政发" in other.texts[0]


def test_which_fees_lists_the_fee_measures_not_a_loan_measure(kb):
    [reply] = ask(kb, "西城区减免哪些费用")
    assert "停征部分行政事业性收费" in reply and "增加信贷投放" not in reply


def test_a_month_only_one_district_covers_settles_the_district(kb):
    [text] = ask(kb, "小美容店 租区属国企的门脸 按规定关门停业了 员工一个没裁 2月房租当时能免吗")
    assert first_sentence(text).startswith("按您说的情况，符合")
    assert "西政办发〔2020〕1号第(十三)条" in text and "请告诉我您的企业在哪个区" not in text
    assert "密政发" not in text


def test_facts_that_meet_both_districts_conditions_get_the_verdict_before_the_district_question(kb):
    [text] = ask(kb, "我们小微企业租区属国企的房子开饭馆，一直营业，没裁员，能免房租吗")
    assert first_sentence(text).startswith("按您说的情况，符合") and "都已结束" in first_sentence(text)
    assert "请告诉我您的企业在哪个区注册纳税" in text
    assert not re.search(r"\d{8}", text)  # no contact until the district is known


def test_rent_of_two_notices_gives_the_sum_first_with_its_months(kb):
    [text] = ask(kb, "区属国企房子开饭馆 月租12000 1号文加6号文 一共免几个月 多少钱")
    assert first_sentence(text) == "按原文标准估算，合计3个月（2月、3月、4月）36,000元，其中："
    assert "西政办发〔2020〕1号第(十三)条：12,000元/月" in text and "西政办发〔2020〕6号第（一）条：12,000元/月" in text


def test_a_number_quoted_from_one_notice_gets_every_printed_number_of_that_person(kb):
    [text] = ask(kb, "我看6号文上赵鹏是83926742 哪个对")
    assert "83926742" in text and "83926768" in text and "1号" in text


def test_homophone_typos_of_kb_terms_are_read_as_the_terms(kb):
    [text] = ask(kb, "以训稳岗补帖找谁")
    assert "梁红艳" in text and "89038088" in text
    [text] = ask(kb, "密云fangzu能减免吗")
    assert "房租" in text and "密政发" in text


def test_a_term_that_mixes_both_districts_names_settles_no_district(kb):
    [text] = ask(kb, "以训稳岗培训补贴 人社局联系人电话")
    assert "请告诉我您的企业在哪个区注册纳税" in text
    assert "66201990" not in text  # Xicheng's 稳岗培训补贴 contact would be a guess


def test_a_generic_word_that_one_notice_happens_to_print_settles_no_district(kb):
    [text] = ask(kb, "家政公司 稳岗补贴 商务局找谁")
    assert "请告诉我您的企业在哪个区注册纳税" in text
    assert "89038088" not in text and "89037309" not in text  # Miyun's 人社局, a guess


def test_a_franchised_shop_is_not_a_directly_run_chain_store(kb):
    [text] = ask(kb, "我们餐饮店是加盟的 不是直营 能申请6号文第四条那个房租补贴吗")
    assert first_sentence(text).startswith("按原文条件，您不符合") and "连锁直营门店" in first_sentence(text)
    [text] = ask(kb, "我们是便利店连锁直营门店，在西城注册纳税，小微企业，能申请6号文第四条的房租补贴吗")
    assert first_sentence(text).startswith("按您说的情况，符合")


def test_how_long_the_office_takes_is_answered_first_from_the_printed_steps(kb):
    [text] = ask(kb, "密云临时性岗位补贴交了申请 区人社局几天能审完")
    assert first_sentence(text) == "按原文，区人力资源和社会保障局在2个工作日内完成审核"
    assert "89037309" in text or "办理流程" in text


def test_no_district_and_no_sure_hit_asks_rather_than_guesses(kb):
    [text] = ask(kb, "贴息是管哪段时间放的贷款")
    assert "请告诉我您的企业在哪个区注册纳税" in text
    assert not re.search(r"\d{8}", text)


def test_the_benefit_asked_about_is_judged_on_its_own_condition(kb):
    [text] = ask(kb, "我们是中型企业 西城政府性担保公司的担保费能减半吗")
    assert first_sentence(text).startswith("按原文条件，您不符合") and "小微企业" in first_sentence(text)
    [text] = ask(kb, "我们是小微企业，西城政府性担保公司的担保费能减半吗")
    assert first_sentence(text).startswith("按您说的情况，符合") and "减半收取" in first_sentence(text)
    assert "给予50%补贴" not in first_sentence(text)  # the guarantor's subsidy is not theirs
    _, text = ask(kb, "西城担保费减半是怎么回事", "我们是中型企业也行吗")
    assert first_sentence(text).startswith("按原文条件，您不符合")


def test_a_private_landlord_is_not_given_the_contact_for_state_owned_landlords(kb):
    _, text = ask(kb, "我们民营公司出租办公楼 按西城1号文给小微租户免了10万房租 区里补多少", "谁来认定")
    assert "66112569" not in text  # 区国资委: the sub-item for 区属国有企业 landlords
    assert "82205558" in text and "83509352" in text  # 园区 and 行业部门 sub-items


def test_which_months_a_kind_of_relief_covers_is_answered_across_notices(kb):
    [text] = ask(kb, "西城房租减免到底减的是哪几个月")
    assert first_sentence(text).startswith("西城区房租减免针对的是2020年2月、3月、4月")
    assert "1号第(十三)条 减免企业房租成本：2020年2月" in text and "6号第（一）条" in text and "均已结束" in text


def test_what_relief_of_a_kind_a_district_has_is_the_list_of_it(kb):
    [text] = ask(kb, "西城房租减免有哪些")
    assert first_sentence(text).startswith("西城区房租减免方面的措施共")
    assert "1号第(十三)条" in text and "6号第（一）条" in text and "密政发" not in text


def test_a_measure_without_testable_conditions_still_quotes_what_it_gives(kb):
    _, text = ask(kb, "股票质押到期还不上钱 西城能帮忙吗", "能展一年吗")
    assert "展期3至6个月" in text.split("【")[0]  # before the card: the figure to compare with


def test_the_figures_a_measure_needs_stay_with_that_measure(kb):
    _, text = ask(kb, "美容美发连锁 直营店是分公司形式 在西城注册纳税 房租分店自己出 合法经营也没裁员 能拿房租补贴吗",
                  "3月4月房租各6万 能补多少")
    assert first_sentence(text) == "按原文标准估算：实际房租120,000元 × 30% = 36,000元"
    assert "6号第（四）条" in text


def test_a_whole_topic_offers_its_measures_and_a_follow_up_picks_one(kb):
    context, replies = {}, []
    for text in ["西城区房租减免怎么申请", "电话多少", "民办幼儿园"]:
        reply = respond(kb, text, "", {}, context)
        context = reply.context
        replies.append(reply)
    first, second, third = ("\n".join(r.texts) for r in replies)
    assert first_sentence(first).startswith("西城区的房租减免有5条措施") and "6号第（四）条" in first
    assert [t for t, _ in replies[0].buttons][:2] == ["减免企业房租成本", "继续实施租金减免（承租区属国企房产）"]
    assert second.startswith("请先选择") and not re.search(r"\d{8}", second)  # no contact of a guessed measure
    assert "民办幼儿园" in first_sentence(third) and "6号第（三）条" in third


def test_a_word_only_one_measure_prints_is_that_measure_not_its_topic(kb):
    [text] = ask(kb, "创新券是啥 密云怎么申请")
    assert "请选择" not in first_sentence(text) and "创新券" in first_sentence(text)


def test_a_follow_up_naming_another_branch_is_judged_on_every_branch(kb):
    _, text = ask(kb, "西城区属国企的门面 2月房租免不免", "那办公室呢")
    assert first_sentence(text).startswith("按您说的情况，符合") and "50%" in first_sentence(text)


def test_what_the_enterprise_does_is_read_from_the_printed_sub_item_when_there_are_no_steps(kb):
    [text] = ask(kb, "西城区我们要买口罩 走什么流程")
    assert first_sentence(text).startswith("按原文：协助拓宽防疫物资购买渠道，企业向行业主管部门或园区主管部门提出需求")


def test_a_place_something_was_sent_to_is_not_where_the_enterprise_is(kb):
    [text] = ask(kb, "我们给武汉捐了口罩 能减税吗")
    assert "您的企业在武汉" not in text and "减免税费" in text
    [text] = ask(kb, "我们是武汉的企业 能减房租吗")
    assert "您的企业在武汉" in text


def test_follow_ups_after_a_topic_list_never_get_a_guessed_measures_contact(kb):
    for district in ("西城区", "密云区"):
        context = {}
        for text in [f"{district}房租减免怎么申请", "联系方式", "怎么申请", "需要什么材料", "电话多少"]:
            reply = respond(kb, text, "", {}, context)
            context = reply.context
        text = "\n".join(reply.texts)
        assert text.startswith("请先选择") and not re.search(r"\d{8}", text), (district, text)


def test_negated_store_and_size_facts_are_read_the_right_way_round(kb):
    [text] = ask(kb, "我们是便利店直营店，不是加盟店，在西城注册纳税，小微企业，能申请6号文第四条的房租补贴吗")
    assert first_sentence(text).startswith("按您说的情况，符合")
    [text] = ask(kb, "我们不是小微企业，西城政府性担保公司的担保费能减半吗")
    assert first_sentence(text).startswith("按原文条件，您不符合")


def test_a_guarantor_is_not_told_it_qualifies_when_nothing_printed_was_tested(kb):
    [text] = ask(kb, "我们是担保公司，西城6号文第六条担保补贴能拿吗")
    assert "符合原文列明的条件" not in text and first_sentence(text).startswith("原文没有列出可逐项判断的条件")


def test_a_landlord_month_does_not_settle_the_district(kb):
    [text] = ask(kb, "我们是区属国企的房东 2月给小微租户免了房租 补贴找谁")
    assert "请告诉我您的企业在哪个区注册纳税" in text and not re.search(r"\d{8}", text)


def test_an_industry_gets_its_own_department_among_a_measures_many_contacts(kb):
    _, builder, mall = ask(kb, "西城6号文第十二条是什么", "我们是搞建筑施工的 该找谁", "要是开商场的呢")
    assert "苏彦鹏" in builder and "66015590" in builder
    assert "66201219" not in builder and "83509369" not in builder  # the other departments
    assert "丁宁" in mall and "83509369" in mall and "66015590" not in mall


def test_a_follow_up_whose_words_the_measure_prints_stays_on_that_measure(kb):
    *_, who = ask(
        kb,
        "西城的家政连锁直营门店 分公司形式 房租自己交 能拿6号文的房租补贴吗",
        "这个认定是哪个部门管",
    )
    assert "6号" in who and "第（四）条" in who
    assert "柴卫红" in who or "丁宁" in who
    assert "66112569" not in who  # 1号（十三）'s 区国资委 contact: another measure


def test_switching_district_keeps_the_sub_item_asked_about(kb):
    *_, miyun = ask(kb, "西城的稳岗培训补贴怎么认定", "找哪位", "不对 我们公司在密云")
    assert "梁红艳" in miyun and "89038088" in miyun
    assert "赵小龙" not in miyun and "89037309" not in miyun  # Miyun's 临时性岗位补贴 contact


def test_the_asking_words_of_an_english_question_do_not_choose_the_measure(kb):
    [text] = ask(kb, "Do we qualify for the loan interest subsidy in Miyun?")
    assert "（五）" in text and "69041298" in text
    assert "89098215" not in text  # （十一）'s 中关村密云园 contact: "qualify" matched its conditions


def test_a_department_only_one_districts_measure_lists_settles_the_district(kb):
    [text] = ask(kb, "我们是民办培训机构 在区属国企的楼里办学 房租的事该找区教委哪位")
    assert "王竞艳" in text and "66201155-26042" in text and "6号" in text
    assert "66112569" not in text  # the 区国资委 contact: 国企 is the landlord here, not the department asked for


def test_a_company_registered_in_one_district_asking_the_others_relief_is_told_no(kb):
    [text] = ask(kb, "我们注册纳税都在西城 在密云租了区属国企的厂房 密云那边的房租减免我们能享受吗")
    assert first_sentence(text).startswith("按原文条件，您不符合")
    assert "在密云区注册" in text and "请告诉我您的企业在哪个区" not in text


def test_a_landlord_who_waived_some_months_gets_the_subsidy_of_the_notice_covering_them(kb):
    [text] = ask(kb, "房东咨询：给名单上的美容美发店免了2、3、4月三个月的租金 每个月八千 补贴有多少")
    assert "密政发〔2020〕25号第（三）条" in text and "4,800元" in text
    assert "请告诉我您的企业在哪个区" not in text  # only Miyun pays landlords for February to April


def test_a_tenant_of_a_central_enterprise_is_told_each_notice_only_encourages_relief(kb):
    [both] = ask(kb, "我们租的是中央企业的写字楼 不是区属国企 房租有减免吗")
    assert first_sentence(both).startswith("按您说的情况") and "都不直接给您减免" in both
    assert "鼓励在密中央企业参照上述房租减免政策执行" in both and "鼓励业主（房东）" in both
    [miyun] = ask(kb, "密云 房东是央企 能免房租吗")
    assert first_sentence(miyun).startswith("不能享受这项减免") and "鼓励在密中央企业" in miyun
    assert "还需确认" not in miyun  # the layoff ratio does not matter when nothing is given


def test_a_negation_before_a_qualified_owner_word_is_read(kb):
    from actions.fact_extraction import extract_facts

    assert extract_facts("房东不是区属国企 是央企", kb)["property_owner"] == "中央企业"


def test_a_list_the_notice_keeps_in_an_attachment_is_said_to_be_missing(kb):
    *_, text = ask(kb, "返京员工去社区报到找谁", "各个社区的联系电话能给一下吗")
    assert first_sentence(text).startswith("抱歉，我这里查不到")
    assert "附件" in text and "13810050072" in text


def test_the_sub_item_asked_before_keeps_its_contact_on_a_time_question(kb):
    _, later, who = ask(kb, "污水处理费停征吗", "现在还停吗", "问谁")
    assert "88391698" in who and "83976786" not in who  # 特种设备检验费's 孟辉
    assert "83976786" not in later


def test_a_landlords_waived_sums_across_both_xicheng_notices_are_added_once(kb):
    [text] = ask(kb, "我们是民营房东 西城的 2月给租户免了5万 后来3、4月又免了10万 区里补贴总共多少")
    assert "150,000元 × 30% = 45,000元" in text
    assert "90,000元" not in text  # the total is one base: not counted under both notices


def test_a_landlord_asking_how_to_apply_is_told_the_landlords_own_subsidy(kb):
    [text] = ask(kb, "西城1号文 业主已减免了房租 申请补贴怎么走流程")
    assert "您作为业主" in text and "30%" in text


def test_an_industry_outside_a_closed_list_fails_and_outside_an_open_list_is_left_to_the_office(kb):
    [closed] = ask(kb, "西城的服装厂 4月贷了一年期300万普惠贷款 贴息能拿吗")
    assert first_sentence(closed).startswith("按原文条件，您不符合") and "制造业" in closed
    [open_list] = ask(kb, "西城 我们是建筑公司 2-4月收入降了九成 员工都培训了 稳岗培训补贴能申请吗")
    assert "原文没有写明，还需主管部门认定" in open_list and "您不符合" not in open_list
    [retail] = ask(kb, "西城 服装店连锁直营 分公司形式 6号文那个门店房租30%补贴能拿吗")
    assert first_sentence(retail).startswith("按原文条件，您不符合") and "第（四）条" in retail


def test_a_guarantor_gets_its_subsidy_from_loans_and_rate_and_is_held_to_the_cap(kb):
    [computed] = ask(kb, "我们是驻区担保机构 2020年为小微企业担保了5000万 综合费率收的0.5% 6号文补贴能拿多少")
    assert "375,000元" in computed  # 5000万 × (2% − 0.5%) × 50%
    [capped] = ask(kb, "驻区融资担保公司 我们自己算的补贴是900万 能全部拿到吗")
    assert first_sentence(capped).startswith("不能全额拿到") and "5,000,000元" in capped


def test_an_amount_above_the_printed_cap_is_the_cap(kb):
    from actions import calculators

    amount = calculators.capped_claim(kb.get("xc6-06"), "guarantee_subsidy", 6_000_000)
    assert amount.capped and amount.yuan == 5_000_000
    assert not calculators.capped_claim(kb.get("xc6-06"), "guarantee_subsidy", 4_000_000).capped


def test_a_long_can_we_question_is_a_yes_no_question(kb):
    [text] = ask(kb, "我们是美发店 2-4月收入同比降了九成 员工都培训了 能拿西城的稳岗培训补贴吗")
    assert first_sentence(text).startswith("按您说的情况，符合")


def test_a_private_kindergarten_renting_state_premises_is_told_yes(kb):
    [text] = ask(kb, "密云 区教委批的民办幼儿园 没裁员 租的区属国企的房子 3、4月房租能免吗")
    assert first_sentence(text).startswith("按您说的情况，符合") and "免收3月和4月房租" in text


def test_a_chain_store_renting_from_a_private_landlord_hears_the_landlords_subsidy(kb):
    _, private = ask(kb, "密云 家政连锁的分公司门店 房租有没有减免", "我们的房东是个人")
    assert "20%" in private and "业主（房东）" in private


def test_the_district_is_asked_only_when_the_other_district_has_a_measure_of_the_same_kind(kb):
    [text] = ask(kb, "区属国企一直拖着欠我们的工程款 这事该找谁")
    assert "张秋" in text and "66117163" in text
    assert "请告诉我您的企业在哪个区" not in text  # Miyun's rent relief is not about arrears


def test_a_threshold_question_without_a_district_is_answered_for_the_stated_figure(kb):
    [text] = ask(kb, "生活性服务业 2-4月营收同比下降正好80% 组织过培训 达标吗")
    assert first_sentence(text).startswith("够线") and "80%（含）以上" in text
    [loan] = ask(kb, "20年4月贷了300万一年期普惠贷款 能贴息吗")
    assert not first_sentence(loan).startswith("够线")  # a whole-measure question: the industry is unasked


def test_a_what_is_there_question_that_one_measure_answers_gets_that_measure(kb):
    [text] = ask(kb, "西城区融资需求有啥快速对接的机制")
    assert "第(四)条" in text and "微信群" in text


def test_this_after_a_list_is_the_one_listed_measure_that_names_the_askers_industry(kb):
    *_, listing, who = ask(kb, "我们是西城区的一家民办幼儿园 房租能免吗", "贷款这块都有哪些支持", "这个该联系谁")
    assert "北京银行" in listing  # a short list says what each measure does
    assert "第（五）条" in who and "王竞艳" in who and "66201155-26042" in who


def test_a_conditions_follow_up_stays_on_the_measure_and_quotes_the_benefit_asked_about(kb):
    _, conditions = ask(kb, "西城 社保费可以晚点交吗", "需要满足什么条件")
    assert "实施援企稳岗政策" in conditions and "政府采购" not in conditions
    assert "经行业主管部门确认" in conditions


def test_the_basis_asked_for_is_the_document_the_measure_cites(kb):
    [text] = ask(kb, "西城 参加疫情防治的企业减税 依据是什么文件")
    assert first_sentence(text).startswith("依据：西政办发〔2020〕1号(十四)")
    assert "财政部税务总局公告2020第8、9、10、11号" in text


def test_a_stated_figure_is_judged_against_the_one_benefit_that_prints_its_limit(kb):
    _, longer = ask(kb, "西城 股票质押快到期了还不上 能帮忙吗", "展期8个月行不行")
    assert first_sentence(longer).startswith("按原文条件，您不符合") and "展期3至6个月（您的情况：8个月）" in longer
    _, shorter = ask(kb, "西城 股票质押快到期了还不上 能帮忙吗", "展期4个月行不行")
    assert "您不符合" not in shorter


def test_how_two_notices_relate_is_answered_from_the_notice_itself(kb):
    [text] = ask(kb, "西城6号文和之前的文件是什么关系")
    assert first_sentence(text).startswith("西政办发〔2020〕6号写明：“在本区促进中小微企业持续健康发展23条措施基础上")
    assert "西政办发〔2020〕1号" in text


# ---- from the independent review of this change (each input reproduced a wrong reply) ----------


def test_a_tenant_whose_landlord_waived_rent_is_not_taken_for_the_landlord(kb):
    from actions.fact_extraction import extract_facts

    for text in ("房东减了我们两个月房租，西城还能申请补贴吗", "房东给咱们减了2个月房租，月租3万，西城还有补贴吗",
                 "房东这边说没接到通知，西城的房租减免我们能享受吗", "房东不给减房租怎么办"):
        assert extract_facts(text, kb).get("role") != "业主", text
    [text] = ask(kb, "房东减了我们两个月房租，西城还能申请补贴吗")
    assert "可享受：经认定后，区政府给予减免金额30%" not in text


def test_two_districts_named_the_one_asked_about_or_registered_in_is_answered(kb):
    [asked] = ask(kb, "我们注册在西城，密云那边也有个仓库，西城房租减免找谁")
    assert "69043376" not in asked and "王楠" not in asked  # Miyun's contact
    [registered] = ask(kb, "我们在西城注册纳税，不是密云的企业，房租能减免吗")
    assert "在密云区注册" not in registered and "69043376" not in registered


def test_a_withheld_contact_is_not_said_to_be_unpublished(kb):
    [text] = ask(kb, "公司注册在西城，想问按密云政策租区属国企房子的减免找谁")
    assert "原文没有为" not in text and "69043376" not in text
    assert "注册在西城区" in text


def test_negated_or_unrelated_words_are_not_the_askers_industry(kb):
    _, text = ask(kb, "西城6号文第十二条讲的啥", "我们不是餐饮企业 找谁")
    assert "丁宁" not in text or "武婷婷" in text  # no 商务局 pick for a negated 餐饮
    [area] = ask(kb, "我们店建筑面积200平，能申请西城贷款贴息吗")
    assert "建筑业" not in area and "您不符合" not in area
    [landlord] = ask(kb, "我们租的房地产公司的写字楼，能申请西城贷款贴息吗")
    assert "房地产业" not in landlord


def test_a_stated_total_is_not_added_to_its_parts(kb):
    [text] = ask(kb, "我们是西城的房东，3月免了5万，4月免了5万，一共免了10万，补贴多少")
    assert "100,000元 × 30% = 30,000元" in text and "200,000元" not in text


def test_a_high_tech_title_not_yet_obtained_is_not_met(kb):
    [text] = ask(kb, "我们在密云，租的民营房东的房子，高新还没评上，房租能减吗")
    assert "已满足：" not in text or "国家高新技术企业和中关村高新技术企业" not in text.split("已满足：")[1].split("\n")[0]


def test_guarantor_figures_are_read_only_from_what_they_are(kb):
    from actions.fact_extraction import extract_facts

    facts = extract_facts("我们是驻区担保机构 2020年担保费收了30万 综合费率1% 6号文补贴能拿多少", kb)
    assert "guaranteed_loans" not in facts
    assert "subsidy_claimed" not in extract_facts("我们是担保公司，补贴上限是500万吗", kb)
    assert extract_facts("担保公司收费太高，西城有补贴吗", kb).get("role") != "担保机构"


def test_a_community_contact_the_notice_prints_is_given(kb):
    _, text = ask(kb, "西城1号第一条", "返京人员社区报到找谁")
    assert "张宇" in text and "13810050072" in text and "查不到" not in text


def test_another_periods_figure_is_not_the_2020_decline_and_unsaid_facts_are_not_met(kb):
    [text] = ask(kb, "今年营业收入下降了85%，够线吗")
    assert not first_sentence(text).startswith("够线")
    [miyun] = ask(kb, "密云有补贴吗")
    assert "已满足：在密云区注册" not in miyun


def test_the_basis_of_a_measure_that_cites_no_document_is_its_notice(kb):
    [text] = ask(kb, "西城6号文第十三条的依据是哪个文件")
    assert "依据：西政办发〔2020〕6号" in text


# ---- from the second review (each input reproduced a wrong reply) ---------------------------


def test_this_after_a_list_with_an_unlisted_industry_is_asked_to_choose_not_another_measure(kb):
    _, text = ask(kb, "西城房租减免", "我们是做软件的，这个找谁")
    assert first_sentence(text).startswith("请先选择") and "83926768" not in text  # 1号（七）贴息's 赵鹏


def test_a_tenant_saying_our_landlord_is_not_a_landlord_and_a_landlord_saying_zhebian_is(kb):
    from actions.fact_extraction import extract_facts

    assert extract_facts("我们房东减了我们2个月房租，我们是西城的小微企业，还能申请房租减免吗", kb).get("role") != "业主"
    assert extract_facts("房东减了3个月 每月2万 我们是承租方，西城的，还能补贴吗", kb).get("role") != "业主"
    assert extract_facts("业主这边想问：减免了租户房租60万补贴多少，西城的", kb).get("role") == "业主"


def test_a_total_that_is_not_a_waived_sum_is_not_the_waived_total(kb):
    from actions.fact_extraction import extract_facts

    facts = extract_facts("我们是西城的房东，公司年营收合计3000万，给租户减了10万租金，补贴多少", kb)
    assert facts["rent_waived"] == 100000


def test_guarantors_without_the_zhuqu_prefix_are_still_guarantors(kb):
    [text] = ask(kb, "融资担保公司，2020年担保放款2个亿，费率1%，能拿多少补贴")
    assert "1,000,000元" in text


def test_a_year_on_year_decline_is_the_2020_figure(kb):
    from actions.fact_extraction import extract_facts

    assert extract_facts("西城的餐饮企业，营收比去年同期降了85%，组织了培训", kb)["revenue_decline"] == 85
    assert "revenue_decline" not in extract_facts("今年营业收入下降了85%", kb)


def test_both_districts_named_together_are_both_answered(kb):
    [text] = ask(kb, "西城和密云的房租政策有什么区别")
    assert "西城区" in text and "密云区" in text


def test_a_chain_store_of_a_beijing_company_is_judged_on_in_jing_registration(kb):
    [text] = ask(kb, "我们是西城注册的餐饮连锁小微企业，在密云设立了直营分公司门店，密云的房租减免政策能享受吗")
    assert "要求在密云区注册" not in text and "您不符合" not in first_sentence(text)
    [outside] = ask(kb, "公司在天津注册 在密云有家直营分公司餐饮门店 能享受密云的房租减免吗")
    assert first_sentence(outside).startswith("按原文条件，您不符合") and "在京注册" in outside


def test_the_basis_of_a_deferral_is_not_the_tax_reduction_notice(kb):
    [text] = ask(kb, "延期缴纳税款的依据是什么文件")
    assert first_sentence(text).startswith("依据：西政办发〔2020〕1号") and "公告2020第8" not in first_sentence(text)


def test_a_figure_with_a_threshold_question_and_no_measure_is_held_to_the_measures_printing_that_line(kb):
    [low] = ask(kb, "营业额同比掉了七成，这够不够线")
    assert first_sentence(low).startswith("按您说的情况，不符合") and "80%（含）以上" in low
    [cost] = ask(kb, "贷款利率4.8%，够线吗")
    assert first_sentence(cost).startswith("按原文条件，您不符合") and "4.5%" in cost
