"""Amounts from the KB's rates and caps."""
import pytest

from actions.calculators import (NotApplicable, interest_subsidy, landlord_subsidy, per_person_subsidy,
                                 rent_waived, training_subsidy)


def test_rent_waived_for_production_premises_is_two_full_months_in_miyun(kb):
    a = rent_waived(kb.get("my25-01"), 20000, "生产经营")
    assert a.yuan == 40000


def test_office_rent_is_halved_for_one_month_in_xicheng_1(kb):
    a = rent_waived(kb.get("xc1-13"), 20000, "办公用房")
    assert a.yuan == 10000 and "50%" in a.explanation


def test_landlord_subsidy_rates_differ_by_notice(kb):
    assert landlord_subsidy(kb.get("xc1-13"), 100000).yuan == 30000
    assert landlord_subsidy(kb.get("my25-02"), 100000).yuan == 20000


@pytest.mark.parametrize("hours, per_person", [(10, 0), (20, 500), (39, 500), (40, 1000), (120, 3000), (200, 3000)])
def test_training_subsidy_steps_and_cap(kb, hours, per_person):
    assert training_subsidy(kb.get("my25-13"), hours, 1).yuan == per_person


def test_training_subsidy_total_for_a_team(kb):
    a = training_subsidy(kb.get("my25-13"), 60, 10)
    assert a.yuan == 15000 and "1,500元" in a.explanation


def test_temporary_post_subsidy_per_person(kb):
    assert per_person_subsidy(kb.get("my25-13"), 10).yuan == 15400


def test_interest_subsidy_caps(kb):
    assert interest_subsidy(kb.get("my25-05")).yuan == 200000
    assert interest_subsidy(kb.get("my25-11"), 300000).yuan == 150000
    assert interest_subsidy(kb.get("my25-11"), 2000000).yuan == 500000


def test_measures_without_amounts_refuse_to_invent_them(kb):
    with pytest.raises(NotApplicable):
        training_subsidy(kb.get("xc6-13"), 40, 1)
    with pytest.raises(NotApplicable):
        rent_waived(kb.get("xc1-14"), 10000)
