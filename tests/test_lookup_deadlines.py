"""Case progress and deadlines, checked against hand-computed dates.

National Day 2025: 1–8 October off, Sunday 28 September and Saturday 11 October worked.
National Day 2026: 1–7 October off, Saturday 10 October worked. 2027 is beyond chinese_calendar.
"""

from datetime import date

from pipeline import deadlines as dl


def ev(stage, day):
    return {"stage": stage, "date": day, "entered_date": None, "note": None, "record_mode": "文字"}


def case(events, procedure="普通程序", major=False, filed="2025-09-01"):
    return {"procedure": procedure, "major": major, "filed_date": filed, "events": events}


def right(progress, name):
    return next(r for r in progress.rights if r.name == name)


def test_hearing_request_deadline_across_national_day_2025():
    # 告知 on 30 Sep 2025: working days 9, 10, 11 (adjusted Saturday), 13, 14 October.
    p = dl.case_progress(case([ev("立案", "2025-09-01"), ev("调查取证", "2025-09-05"),
                               ev("告知", "2025-09-30")]), as_of=date(2025, 10, 9))
    hearing = right(p, "要求听证")
    assert hearing.due == date(2025, 10, 14)
    assert hearing.working_days and hearing.calendar_known
    assert hearing.days_left == 5 and hearing.status == "剩余5天"
    assert right(p, "陈述、申辩").due == date(2025, 10, 14)
    assert p.notes == []


def test_statement_deadline_into_2027_counts_mon_to_fri_with_a_note():
    # 告知 Mon 28 Dec 2026: 29, 30, 31 Dec, Fri 1 Jan 2027 (unknown calendar: plain weekday), Mon 4 Jan.
    p = dl.case_progress(case([ev("立案", "2026-11-01"), ev("告知", "2026-12-28")],
                              filed="2026-11-01"), as_of=date(2026, 12, 30))
    statement = right(p, "陈述、申辩")
    assert statement.due == date(2027, 1, 4)
    assert statement.calendar_known is False
    assert any("2027年法定节假日安排尚未公布" in n for n in p.notes)


def test_decision_deadline_is_90_calendar_days_from_filing():
    filed = case([ev("立案", "2025-09-01"), ev("调查取证", "2025-09-02")])
    p = dl.case_progress(filed, as_of=date(2025, 11, 20))
    assert p.decision.due == date(2025, 11, 30)
    assert p.decision.days_left == 10 and p.decision.status == "剩余10天"
    late = dl.case_progress(filed, as_of=date(2025, 12, 3))
    assert late.decision.status == "已超过期限3天"
    decided = dl.case_progress(case([ev("立案", "2025-09-01"), ev("决定", "2025-12-02")]),
                               as_of=date(2026, 1, 5))
    assert decided.decision.status == "超过期限2天完成"


def test_stage_states_current_upcoming_missing_and_legal_review():
    p = dl.case_progress(case([ev("立案", "2025-09-01"), ev("告知", "2025-09-20")], major=True),
                         as_of=date(2025, 9, 22))
    states = [(s.name, s.state) for s in p.stages]
    assert states == [("案源登记", "missing"), ("立案", "done"), ("调查取证", "missing"),
                      ("告知", "done"), ("法制审核", "current"), ("决定", "upcoming"),
                      ("送达", "upcoming"), ("执行", "upcoming"), ("结案", "upcoming")]
    assert p.review_applicable and p.review_date is None
    assert "法制审核" in p.next_step
    assert [s.label for s in p.stages[1:5]] == ["已完成", "未记录", "已完成", "进行中"]
    # optional stages that did not happen stay out; a major decision always shows 法制审核
    assert "听证" not in dict(states) and "集体讨论" not in dict(states)
    minor = dl.case_progress(case([ev("立案", "2025-09-01")]), as_of=date(2025, 9, 2))
    assert "法制审核" not in [s.name for s in minor.stages]


def test_remedies_after_decision_roll_past_national_day_2026():
    # 送达 3 Aug 2026 + 60 days = Fri 2 Oct 2026, a holiday -> first working day Thu 8 Oct.
    # + 6 months = 3 Feb 2027: beyond the known calendar, a Wednesday -> kept, with a note.
    p = dl.case_progress(case([ev("立案", "2026-06-01"), ev("告知", "2026-07-10"),
                               ev("决定", "2026-08-01"), ev("送达", "2026-08-03")],
                              filed="2026-06-01"), as_of=date(2026, 9, 1))
    assert right(p, "申请行政复议").due == date(2026, 10, 8)
    assert right(p, "申请行政复议").days_left == 37
    litigation = right(p, "提起行政诉讼")
    assert litigation.due == date(2027, 2, 3) and litigation.calendar_known is False
    assert [r.name for r in p.rights] == ["申请行政复议", "提起行政诉讼"]  # no 告知 rights now
    assert p.decision.status == "在期限内完成"
    assert p.stages[-2].state == "current" and p.stages[-2].name == "执行"


def test_lapsed_party_right_and_simple_procedure():
    p = dl.case_progress(case([ev("立案", "2025-09-01"), ev("告知", "2025-09-30")]),
                         as_of=date(2025, 10, 20))
    assert right(p, "要求听证").status == "已届满"
    simple = dl.case_progress(case([ev("决定", "2025-05-06"), ev("结案", "2025-05-06")],
                                   procedure="简易程序", filed=None), as_of=date(2025, 5, 7))
    assert simple.decision is None
    assert [(s.name, s.state) for s in simple.stages] == [
        ("告知", "missing"), ("决定", "done"), ("送达", "missing"), ("执行", "missing"), ("结案", "done")]
    assert simple.closed and simple.next_step == "本案已办结。"


def test_stage_lists_follow_the_standard_procedures():
    putong = [s for s, _ in dl.standard_steps("普通程序")]
    assert putong[:4] == ["案源登记", "立案", "调查取证", "告知"] and putong[-1] == "结案"
    assert [s for s, opt in dl.standard_steps("普通程序") if opt] == ["听证", "法制审核", "集体讨论"]
    assert "立案" not in [s for s, _ in dl.standard_steps("简易程序")]


def test_add_months_clamps_to_month_end():
    assert dl.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert dl.add_months(date(2026, 3, 15), 6) == date(2026, 9, 15)
