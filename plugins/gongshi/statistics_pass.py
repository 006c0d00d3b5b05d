"""Every statistics and accountability figure of a build, in one pass over the records.

plugins/gongshi/statistics.py defines each figure for one dataset and year (`year_figures`,
`accountability`). A build needs them for every year city-wide and for every (body, year): asked
one by one they select the same records ~300 times. Here each record is read once, judged once
against each rule (the same `judge_*` functions), and added to two tallies: its year's city-wide
one and its year's one for its body. tests/test_statistics_pass.py checks that the result equals
the definitions', figure for figure.
"""

from __future__ import annotations

from collections import Counter

from . import statistics as st


class Tally:
    """What the figures of one scope (the city or one body) and one year collect."""

    def __init__(self) -> None:
        self.actions: Counter = Counter()       # power type -> decisions (许可/处罚) or cases filed
        self.penalty_kinds: Counter = Counter()
        self.fine_bands: Counter = Counter()
        self.stages: Counter = Counter()        # current stage of the cases filed that year
        self.days: list[int] = []               # 立案 -> 决定 of the cases decided that year
        self.pending = 0                        # filed that year, undecided after 90 days
        self.metrics = {slug: st.Metric() for slug in st.ACCOUNTABILITY_METRICS}

    def year_figures(self, year: int, supervision: dict | None) -> st.YearFigures:
        return st.YearFigures(
            year=year,
            actions=st.actions_in_order(self.actions),
            penalty_kinds=st._ordered(self.penalty_kinds, st.PENALTY_KINDS),
            fine_bands=st.fine_bands_in_order(self.fine_bands),
            stages=st._ordered(self.stages, st.STAGES),
            durations=st.durations_of(self.days),
            overdue_decided=self.metrics["overdue"],  # one object, as in the definitions' memo
            overdue_pending=self.pending,
            supervision=supervision,
        )


class Tallies:
    """One Tally per (scope, year): scope None is the city, otherwise a body's id."""

    def __init__(self, bodies: list[str], years: list[int]) -> None:
        self.by_key = {(scope, year): Tally() for scope in [None, *bodies] for year in years}

    def of(self, agency_id, year) -> tuple[Tally, ...]:
        """The city's tally of `year` and the body's (none when the year is not reported)."""
        city = self.by_key.get((None, year))
        if city is None:
            return ()
        body = self.by_key.get((agency_id, year)) if agency_id else None
        return (city, body) if body is not None else (city,)


def all_figures(ds: st.Dataset, years: list[int]) -> dict:
    """{"city": {year: YearFigures}, "body": {(agency, year): YearFigures}, "city_acc": {year:
    {slug: Metric}}, "body_acc": {(agency, year): {slug: Metric}}} for every body of
    ds.agency_ids(): what year_figures/accountability give for ds and for ds.by_agency()'s parts."""
    bodies = ds.agency_ids()
    tallies = Tallies(bodies, years)
    with st.memoized():  # each case's event dates, stage and days computed once
        _add_decisions(ds, tallies)
        _add_cases(ds, tallies)
    return _figures(ds, tallies, bodies, years)


def _add_decisions(ds: st.Dataset, tallies: Tallies) -> None:
    """Penalty and permit decisions: counts by decision year, disclosure by decision year,
    withdrawal by the year of the status change (penalties first, as the definitions list them)."""
    for kind, facts in (("penalties", ds.penalty_facts), ("permits", ds.permit_facts)):
        action = "行政处罚" if kind == "penalties" else "行政许可"
        for fact in facts:
            agency = fact.get("agency_id")
            decided = tallies.of(agency, st.year_of(fact.get("decision_date")))
            if decided:
                disclosure = st.judge_disclosure(ds, kind, fact)
                if kind == "penalties":
                    kinds, band = fact.get("kinds") or (), st.fine_band(fact.get("fine_yuan"))
                for tally in decided:
                    tally.actions[action] += 1
                    if kind == "penalties":
                        for k in kinds:
                            tally.penalty_kinds[k] += 1
                        tally.fine_bands[band] += 1
                    tally.metrics["late-disclosure"].record(disclosure)
            changed = tallies.of(agency, st.year_of(fact.get("status_date")))
            if changed:
                withdrawal = st.judge_withdrawal(ds, fact)
                for tally in changed:
                    tally.metrics["late-withdrawal"].record(withdrawal)


def _add_cases(ds: st.Dataset, tallies: Tallies) -> None:
    """Cases: power type, stage, entry and pending by filing year; durations, the 90-day deadline
    and legal review by decision year. A body counts a case's type only by its own matters (as
    its part of the dataset holds only those)."""
    city_category = ds.matter_category
    body_category: dict[str, dict] = {}
    for matter in ds.matters:
        if matter.get("agency_id") and matter.get("id"):
            body_category.setdefault(matter["agency_id"], {})[matter["id"]] = matter.get("category")
    for case in ds.cases:
        agency = case.get("agency_id")
        filed = tallies.of(agency, _year(st._event_date(case, "立案")))
        if filed:
            stage = st.current_stage(case)
            entry = st.judge_entry(ds, case)
            pending = st.is_pending_overdue(case, ds.as_of)
            for i, tally in enumerate(filed):  # the city's tally first, then the body's
                kind = st.case_action_type(case, city_category if i == 0 else body_category.get(agency, {}))
                if kind:
                    tally.actions[kind] += 1
                tally.stages[stage] += 1
                tally.metrics["late-entry"].record(entry)
                tally.pending += pending
        decided = tallies.of(agency, _year(st._event_date(case, "决定")))
        if decided:
            days = st.days_to_decision(case)
            deadline, review = st.judge_deadline(ds, case), st.judge_legal_review(ds, case)
            for tally in decided:
                if days is not None:
                    tally.days.append(days)
                tally.metrics["overdue"].record(deadline)
                tally.metrics["no-legal-review"].record(review)


def _year(when) -> int | None:
    return when.year if when else None


def _figures(ds: st.Dataset, tallies: Tallies, bodies: list[str], years: list[int]) -> dict:
    for tally in tallies.by_key.values():
        for metric in tally.metrics.values():
            st._sort(metric)
    by_key = tallies.by_key
    return {
        "city": {y: by_key[(None, y)].year_figures(y, st.supervision_for(ds.supervision, y)) for y in years},
        "body": {(a, y): by_key[(a, y)].year_figures(y, None) for a in bodies for y in years},
        "city_acc": {y: by_key[(None, y)].metrics for y in years},
        "body_acc": {(a, y): by_key[(a, y)].metrics for a in bodies for y in years},
    }
