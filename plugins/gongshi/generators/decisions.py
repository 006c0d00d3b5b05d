"""办理结果: one page per published penalty and permit, paginated listings (all, by body, by
处罚类别, by month) and withdrawal notices (撤销/变更 … with the reason, no party details)."""

from __future__ import annotations

from ..base import FamilyGenerator
from ..jinja_helpers import zh_month
from ..store import penalty_kind_slug
from .. import urls


def by_month(records: list[dict]) -> dict[str, list[dict]]:
    """'YYYY-MM' -> records decided that month, keeping the input order."""
    groups: dict[str, list[dict]] = {}
    for record in records:
        month = str(record.get("decision_date") or "")[:7]
        if len(month) == 7:
            groups.setdefault(month, []).append(record)
    return groups


class _DecisionFamily(FamilyGenerator):
    """Shared shape of penalties and permits; subclasses name their kinds, labels and facets."""

    record_kind = ""      # content folder
    one = ""              # url kind of one record
    label = ""            # 行政处罚 / 行政许可

    def facets(self, records: list[dict]) -> list[tuple[str, str, dict[str, list[dict]], dict[str, str]]]:
        """[(heading, url kind, {id: records}, {id: label})]: the listings this family writes."""
        agencies = self.store.by_id("agencies")
        groups = self.store.group_by(self.record_kind, "agency_id", newest_by="decision_date")
        months = by_month(records)
        return [
            ("按执法机关", f"{self.record_kind}_by_agency", groups,
             {a: agencies.get(a, {}).get("name") or groups[a][0].get("agency_name") or a for a in groups}),
            ("按月份", f"{self.record_kind}_by_month", months, {m: zh_month(m) for m in months}),
        ]

    def generate_output(self, writer):
        records = self.store.newest_first(self.record_kind)
        home = [("首页", "/")]
        crumbs = home + [(self.label, urls.url_for(self.record_kind))]
        facet_links = []
        for heading, kind, groups, names in self.facets(records):
            # months newest first, everything else by its label
            ordered = sorted(groups, reverse=True) if kind.endswith("_month") \
                else sorted(groups, key=lambda k: (names[k], k))
            facet_links.append((heading, [(names[k], urls.url_for(kind, k), len(groups[k])) for k in ordered]))
            # one body's listing: its name is the page's title, not a column on every row
            show_agency = not kind.endswith("_by_agency")
            for key in ordered:
                self.write_paginated(writer, kind, key, groups[key], "decision_list.html",
                                     title=f"{self.label}：{names[key]}", breadcrumbs=crumbs,
                                     record_kind=self.record_kind, facet_links=None,
                                     show_agency=show_agency)
        self.write_paginated(writer, self.record_kind, None, records, "decision_list.html",
                             title=f"{self.label}决定公示", breadcrumbs=home,
                             record_kind=self.record_kind, facet_links=facet_links,
                             show_agency=True)
        for record in records:
            self.write(writer, urls.path_for(self.one, record["id"]), f"{self.one}.html",
                       title=f"{self.label}决定 {record.get('decision_no') or ''}".strip(),
                       breadcrumbs=crumbs, record=record, **self.links(record))

    def links(self, record: dict) -> dict:
        return {"agency": self.store.by_id("agencies").get(record.get("agency_id"))}


class PenaltyGenerator(_DecisionFamily):
    family = "penalties"
    nav = (50, "penalties", "行政处罚")
    record_kind, one, label = "penalties", "penalty", "行政处罚"

    def facets(self, records):
        kinds: dict[str, list[dict]] = {}
        names: dict[str, str] = {}
        for record in records:
            for kind in dict.fromkeys(record.get("kinds") or []):
                slug = penalty_kind_slug(kind)
                names[slug] = kind
                kinds.setdefault(slug, []).append(record)
        by_agency, months = super().facets(records)
        return [by_agency, ("按处罚类别", "penalties_by_kind", kinds, names), months]

    def links(self, record):
        links = super().links(record)
        case = self.store.by_id("cases").get(record.get("case_id")) or {}
        links["matter"] = self.store.by_id("matters").get(case.get("matter_id"))
        return links


class PermitGenerator(_DecisionFamily):
    family = "permits"
    nav = (60, "permits", "行政许可")
    record_kind, one, label = "permits", "permit", "行政许可"


class WithdrawalGenerator(FamilyGenerator):
    family = "withdrawals"
    nav = (70, "withdrawals", "撤销公告")

    def generate_output(self, writer):
        agencies = self.store.by_id("agencies")
        notices = self.store.newest_first("withdrawals", "status_date")
        home = [("首页", "/")]
        self.write_paginated(writer, "withdrawals", None, notices, "withdrawals.html",
                             title="撤销、变更公告", breadcrumbs=home, agencies=agencies)
        crumbs = home + [("撤销、变更公告", urls.url_for("withdrawals"))]
        for notice in notices:
            self.write(writer, urls.path_for("withdrawal", notice["id"]), "withdrawal.html",
                       title=f"{notice.get('status') or '撤销'}公告 {notice.get('decision_no') or ''}".strip(),
                       breadcrumbs=crumbs, notice=notice, agency=agencies.get(notice.get("agency_id")))


GENERATORS = [PenaltyGenerator, PermitGenerator, WithdrawalGenerator]
