"""Publication windows (domain §4, §7) applied from pipeline/rules/publication.yaml."""

from datetime import date, timedelta

import pytest
import yaml

from pipeline.rules import (DEFAULT_RULES, RulesError, blacklist_status, load_rules, officer_status,
                            penalty_end, penalty_status, permit_status)

ORG, PERSON, BIZ = "法人及非法人组织", "自然人", "个体工商户"


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def penalty(rules, **over):
    args = dict(decision_date=date(2025, 3, 5), as_of=date(2025, 6, 1), party_kind=ORG, procedure="普通程序",
                kinds=["罚款"], severity="一般", status="公示中", status_date=None, end_date=None,
                secret=False, minor=False, rules=rules)
    args.update(over)
    return penalty_status(**args)


# --- derived end dates, regimes and their boundary --------------------------------------------

@pytest.mark.parametrize("decided, severity, end", [
    (date(2025, 3, 5), "一般", date(2026, 3, 5)),
    (date(2025, 3, 5), "严重", date(2028, 3, 5)),
    (date(2025, 3, 5), None, date(2026, 3, 5)),          # default severity 一般
    (date(2025, 3, 5), "", date(2026, 3, 5)),
    (date(2025, 3, 5), "严重失信", date(2028, 3, 5)),     # alias
    (date(2024, 2, 29), "一般", date(2025, 2, 28)),       # clamped to the shorter month
    (date(2026, 4, 1), "一般", date(2027, 4, 1)),
    (date(2026, 4, 1), "严重", date(2029, 4, 1)),
])
def test_derived_end_is_decision_plus_maximum(rules, decided, severity, end):
    assert penalty_end(decided, None, severity, rules) == end
    assert penalty(rules, decision_date=decided, severity=severity, as_of=decided).publish_until == end


def test_public_through_end_date_gone_the_day_after(rules):
    end = date(2026, 3, 5)
    on_end = penalty(rules, as_of=end)
    after = penalty(rules, as_of=end + timedelta(days=1))
    assert on_end.published and on_end.publish_until == end
    assert not after.published and after.reason == "expired"


def test_regime_chosen_by_decision_date(rules):
    before = penalty(rules, decision_date=date(2026, 3, 31), severity="轻微", as_of=date(2026, 11, 20))
    after = penalty(rules, decision_date=date(2026, 4, 1), severity="轻微", as_of=date(2026, 11, 20))
    assert before.regime == "2019" and before.published and before.publish_until == date(2027, 3, 31)
    assert after.regime == "2026-04-01" and not after.published and after.reason == "minor_severity"
    # 轻微 stays unpublished under the new rule even with an explicit end date.
    explicit = penalty(rules, decision_date=date(2026, 4, 1), severity="轻微", end_date=date(2026, 12, 31),
                       as_of=date(2026, 11, 20))
    assert explicit.reason == "minor_severity"


def test_repair_respects_the_regime_minimum(rules):
    # 严重: minimum 6 months under the 2019 rule, 1 year under 信用修复管理办法.
    old = dict(decision_date=date(2026, 3, 31), severity="严重", status="已信用修复", status_date=date(2026, 5, 1))
    new = dict(old, decision_date=date(2026, 4, 1))
    on = date(2026, 10, 15)
    assert penalty(rules, as_of=on, **old).reason == "repaired"          # after 2026-09-30
    still = penalty(rules, as_of=on, **new)
    assert still.published and still.publish_until == date(2027, 3, 31)  # until the 1-year minimum
    assert penalty(rules, as_of=date(2027, 4, 1), **new).reason == "repaired"
    assert not penalty(rules, as_of=date(2026, 9, 30), **old).published
    assert penalty(rules, as_of=date(2026, 9, 29), **old).published


def test_repair_after_minimum_ends_at_status_date(rules):
    # The day before the repair the build cannot know of it yet: the original end date holds.
    pub = penalty(rules, status="已信用修复", status_date=date(2025, 8, 1), as_of=date(2025, 7, 31))
    assert pub.published and pub.publish_until == date(2026, 3, 5)
    gone = penalty(rules, status="已信用修复", status_date=date(2025, 8, 1), as_of=date(2025, 8, 1))
    assert not gone.published and gone.reason == "repaired"


# --- explicit 公示截止期 and the 5-year cap -------------------------------------------------------

def test_explicit_end_date_wins(rules):
    pub = penalty(rules, end_date=date(2025, 12, 31), severity="严重")
    assert pub.publish_until == date(2025, 12, 31)
    assert penalty(rules, end_date=date(2025, 12, 31), as_of=date(2026, 1, 1)).reason == "expired"


def test_explicit_end_date_capped_at_five_years(rules):
    decided = date(2020, 2, 29)
    cap = date(2025, 2, 28)
    pub = penalty(rules, decision_date=decided, end_date=date(2031, 1, 1), as_of=cap)
    assert pub.published and pub.publish_until == cap
    assert penalty(rules, decision_date=decided, end_date=date(2031, 1, 1), as_of=cap + timedelta(days=1)).reason \
        == "expired"


# --- withheld for who or what it is -----------------------------------------------------------

@pytest.mark.parametrize("over, reason", [
    ({"party_kind": PERSON}, "natural_person"),
    ({"procedure": "简易程序"}, "simple_procedure"),
    ({"kinds": ["警告"]}, "warning_only"),
    ({"secret": True}, "secret"),
    ({"minor": True}, "minor_party"),
    ({"decision_date": date(2025, 6, 2)}, "not_yet_public"),
])
def test_withheld_reasons(rules, over, reason):
    pub = penalty(rules, **over)
    assert not pub.published and pub.reason == reason and not pub.withdrawal_notice


def test_kinds_as_export_text(rules):
    assert penalty(rules, kinds="警告").reason == "warning_only"
    assert penalty(rules, kinds="警告；罚款").published


def test_warning_with_fine_is_published_and_individual_business_too(rules):
    assert penalty(rules, kinds=["警告", "罚款"]).published
    assert penalty(rules, party_kind=BIZ).published
    assert penalty(rules, kinds=[]).published


# --- withdrawal -------------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["已撤销", "已变更", "确认违法", "确认无效"])
def test_withdrawn_with_notice_until_original_end(rules, status):
    kw = dict(status=status, status_date=date(2025, 5, 10))
    pub = penalty(rules, **kw)
    assert not pub.published and pub.reason == "withdrawn"
    assert pub.withdrawal_notice and pub.notice_until == date(2026, 3, 5)
    last = penalty(rules, as_of=date(2026, 3, 5), **kw)
    assert last.withdrawal_notice
    gone = penalty(rules, as_of=date(2026, 3, 6), **kw)
    assert gone.reason == "withdrawn" and not gone.withdrawal_notice
    # Before the status date the decision is still public (dated builds).
    assert penalty(rules, as_of=date(2025, 5, 9), **kw).published


def test_withdrawn_natural_person_gets_no_notice(rules):
    pub = penalty(rules, party_kind=PERSON, status="已撤销", status_date=date(2025, 5, 10))
    assert pub.reason == "natural_person" and not pub.withdrawal_notice


# --- permits ----------------------------------------------------------------------------------

def permit(rules, **over):
    args = dict(decision_date=date(2025, 3, 5), valid_until=date(2028, 3, 4), current_status="有效",
                party_kind=ORG, secret=False, minor=False, as_of=date(2026, 11, 20), rules=rules)
    args.update(over)
    return permit_status(**args)


def test_permits(rules):
    assert permit(rules).published and permit(rules).publish_until == date(2028, 3, 4)
    assert permit(rules, current_status="1").published
    assert permit(rules, current_status=1).published
    assert permit(rules, current_status="无效").reason == "invalid"
    assert permit(rules, current_status="2").reason == "invalid"
    assert permit(rules, valid_until=date(2026, 11, 20)).published
    assert permit(rules, valid_until=date(2026, 11, 19)).reason == "expired"
    assert permit(rules, valid_until=None).published
    assert permit(rules, decision_date=date(2026, 11, 21)).reason == "not_yet_public"
    assert permit(rules, party_kind=PERSON).reason == "natural_person"
    assert permit(rules, secret=True).reason == "secret"
    assert permit(rules, minor=True).reason == "minor_party"


# --- blacklist --------------------------------------------------------------------------------

def entry(rules, **over):
    args = dict(party_kind=ORG, listed_date=date(2024, 6, 1), expires=date(2027, 5, 31), status="列入",
                removed_date=None, as_of=date(2026, 11, 20), rules=rules)
    args.update(over)
    return blacklist_status(**args)


def test_blacklist(rules):
    active = entry(rules)
    assert active.published and not active.withdrawal_notice and active.publish_until == date(2027, 5, 31)
    assert entry(rules, as_of=date(2027, 5, 31)).published
    assert entry(rules, as_of=date(2027, 6, 1)).reason == "expired"
    assert entry(rules, party_kind=PERSON).reason == "natural_person"
    assert entry(rules, listed_date=date(2026, 12, 1)).reason == "not_yet_public"
    removed = dict(status="移出", removed_date=date(2025, 7, 1))
    notice = entry(rules, **removed)
    assert notice.published and notice.withdrawal_notice and notice.notice_until == date(2027, 5, 31)
    assert entry(rules, as_of=date(2027, 5, 31), **removed).withdrawal_notice
    assert entry(rules, as_of=date(2027, 6, 1), **removed).reason == "removed_expired"
    # Removal dated after as_of: still an active entry on that day.
    later = entry(rules, status="移出", removed_date=date(2026, 12, 1))
    assert later.published and not later.withdrawal_notice


def test_officers(rules):
    assert officer_status(valid_until=date(2026, 11, 20), as_of=date(2026, 11, 20), rules=rules).published
    assert officer_status(valid_until=date(2026, 11, 19), as_of=date(2026, 11, 20),
                          rules=rules).reason == "certificate_expired"


# --- the rules are configuration --------------------------------------------------------------

def test_yaml_edits_change_behaviour(tmp_path):
    data = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
    new = data["penalties"]["regimes"][1]
    new["severities"]["一般"]["maximum"] = {"months": 6}
    new["severities"]["轻微"] = {"publish": True, "minimum": {"months": 1}, "maximum": {"months": 2}}
    data["penalties"]["default_severity"] = "严重"
    data["penalties"]["withheld_procedures"] = []
    data["penalties"]["cap"] = {"years": 2}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    edited = load_rules(path)
    decided = date(2026, 5, 31)
    assert penalty_end(decided, None, "一般", edited) == date(2026, 11, 30)     # clamped: 30 Nov
    assert penalty_end(decided, None, "轻微", edited) == date(2026, 7, 31)
    assert penalty_end(decided, None, None, edited) == date(2028, 5, 31)        # default now 严重, capped 2y
    assert penalty_end(decided, date(2030, 1, 1), "一般", edited) == date(2028, 5, 31)
    assert penalty(edited, decision_date=decided, procedure="简易程序", as_of=decided).published


def test_malformed_rules_file_names_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("penalties: {}\n", encoding="utf-8")
    with pytest.raises(RulesError, match="bad.yaml"):
        load_rules(path)
    path.write_text(DEFAULT_RULES.read_text(encoding="utf-8").replace("{years: 5}", "{decades: 1}"),
                    encoding="utf-8")
    with pytest.raises(RulesError, match="bad.yaml"):
        load_rules(path)
