"""执法统计 and 问责: annual statistics city-wide and per body, and the accountability figures.

Pages (plugins/gongshi/urls.py):
  statistics/                      all years at a glance, links to each annual report
  statistics/<year>/               年报: city-wide figures and charts, a per-body table
  statistics/<year>/<agency>/      one body's figures for one year
  accountability/                  city-wide accountability figures per year
  accountability/<year>/           one row per body
  accountability/<agency>/<year>/<metric>/   the published records behind a failure count
Every chart's data is also written as CSV next to its page. Figures come from
plugins/gongshi/statistics.py; this module only arranges and renders them.
"""

from __future__ import annotations

import hashlib
import os

import chinese_calendar

from pipeline import workdays

from .. import charts, urls
from .. import statistics as st
from .. import statistics_pass
from ..base import FamilyGenerator
from ..render_cache import DerivedCache, code_digest

# content kinds whose files the figures are computed from (plus the published penalty/permit ids)
FIGURE_INPUTS = ("agencies", "matters", "cases", "facts", "supervision", "withdrawals")

# content kind of a listed record -> url kind of its page
RECORD_PAGE = {"penalties": "penalty", "permits": "permit", "withdrawals": "withdrawal"}


def statistics_agency_id(year: int, agency_id: str) -> str:
    return f"{year}/{agency_id}"


def accountability_list_id(agency_id: str, year: int, slug: str) -> str:
    return f"{agency_id}/{year}/{slug}"


def year_charts(fig: st.YearFigures, scope: str) -> list[charts.Chart]:
    """The four charts of one annual report (scope: 全市 or a body's name)."""
    y = fig.year
    return [
        charts.Chart("actions", f"{scope}{y}年各类执法行为数量", "执法行为类别", "件数",
                     list(fig.actions.items()),
                     "行政许可、行政处罚按决定数计，其他类别按当年立案的案件数计；含未公示的决定和案件。"),
        charts.Chart("penalty-kinds", f"{scope}{y}年行政处罚决定按处罚类别", "处罚类别", "决定数",
                     list(fig.penalty_kinds.items()), "一个决定含多种处罚类别的，分别计入各类别。"),
        charts.Chart("fine-bands", f"{scope}{y}年行政处罚决定按罚款金额", "罚款金额区间", "决定数",
                     list(fig.fine_bands.items())),
        charts.Chart("stages", f"{scope}{y}年立案案件按当前办案环节", "当前办案环节", "案件数",
                     list(fig.stages.items()), "当前环节为截至数据日期的最新办案环节。"),
    ]


def metric_row(metric: st.Metric, href: str | None) -> dict:
    """What a template needs for one figure: counts, share, and the link to its records."""
    return {"m": metric, "href": href if metric.failed else None}


class StatisticsGenerator(FamilyGenerator):
    family = "statistics"
    nav = (80, "statistics", "统计")

    def generate_context(self):
        ds = st.dataset_from_store(self.store)
        self.ds = ds
        self.bodies = ds.agency_ids()
        self.years = [y for y in ds.years() if y <= ds.as_of.year]
        agencies = self.store.by_id("agencies")
        # bodies with a page of their own; figures may name a body the agencies table lacks
        self.agency_pages = set(agencies)
        self.agency_names = {aid: (agencies.get(aid) or {}).get("name") or aid for aid in self.bodies}
        self.agency_order = sorted(self.bodies, key=lambda a: (self.agency_names[a], a))
        self.published_decisions = {kind: self.published_by_body_year(kind) for kind in ("penalties", "permits")}
        # every figure, reused from the last build when its inputs are unchanged (render cache on):
        # a changed penalty text changes no figure, only the pages listing that penalty
        cache = DerivedCache(self.settings, "statistics.pickle")
        self.figures = cache.derived(self.figures_key(), self.compute_figures)

    def figures_key(self) -> str | None:
        files = self.store.inputs_digest(FIGURE_INPUTS)
        if files is None:
            return None
        code = code_digest(st, statistics_pass, workdays, chinese_calendar)
        digest = hashlib.sha256(code.encode() + files.encode())
        for kind in sorted(self.ds.published):
            digest.update(kind.encode() + b"\0" + "\0".join(sorted(self.ds.published[kind])).encode())
        return digest.hexdigest()

    def compute_figures(self) -> dict:
        """Year figures and accountability metrics city-wide (by year) and per (body, year)."""
        return statistics_pass.all_figures(self.ds, self.years)

    def published_by_body_year(self, kind: str) -> dict[tuple[str, int], list[dict]]:
        """Published decisions of one kind by (body, decision year), newest first: the records
        behind a body's yearly 许可/处罚 counts."""
        groups: dict[tuple[str, int], list[dict]] = {}
        for record in self.store.newest_first(kind, "decision_date"):
            year = st.year_of(record.get("decision_date"))
            if year and record.get("agency_id"):
                groups.setdefault((record["agency_id"], year), []).append(record)
        return groups

    # -- output helpers -------------------------------------------------------------------------

    def write(self, writer, path: str, template: str, **variables) -> None:
        super().write(writer, path, template, agency_pages=self.agency_pages, **variables)

    def write_csvs(self, page_kind: str, page_id: str | None, chart_list: list[charts.Chart]) -> dict:
        """Write each chart's CSV beside its page; returns chart id -> CSV URL."""
        folder = os.path.dirname(urls.path_for(page_kind, page_id))
        hrefs = {}
        for chart in chart_list:
            self.write_bytes(os.path.join(folder, chart.csv_name), charts.csv_text(chart).encode("utf-8"))
            hrefs[chart.id] = urls.url_for(page_kind, page_id) + chart.csv_name
        return hrefs

    def write_charts_page(self, writer, kind, page_id, template, chart_list, **variables):
        csv_hrefs = self.write_csvs(kind, page_id, chart_list)
        self.write(writer, urls.path_for(kind, page_id), template, charts=chart_list, csv_hrefs=csv_hrefs,
                   agency_names=self.agency_names, **variables)

    # -- pages ----------------------------------------------------------------------------------

    def generate_output(self, writer):
        home = [("首页", "/")]
        self.write_statistics(writer, home)
        self.write_accountability(writer, home)

    def write_statistics(self, writer, home):
        figures = self.figures["city"]
        overview = charts.Chart("yearly", "历年执法决定和立案数量", "年度", "件数",
                                [(f"{y}年", sum(figures[y].actions.values()), urls.url_for("statistics_year", y))
                                 for y in self.years],
                                "含行政许可、行政处罚决定和其他类别的立案案件。")
        self.write_charts_page(writer, "statistics", None, "statistics.html", [overview], title="执法统计",
                               breadcrumbs=home, years=self.years, figures=figures)
        crumbs = home + [("执法统计", urls.url_for("statistics"))]
        for year in self.years:
            fig = figures[year]
            bodies = []
            for aid in self.agency_order:
                body_fig = self.figures["body"][(aid, year)]
                if not any(body_fig.actions.values()) and not any(body_fig.stages.values()):
                    continue
                bodies.append((aid, body_fig))
                self.write_charts_page(
                    writer, "statistics_agency", statistics_agency_id(year, aid), "statistics_year.html",
                    year_charts(body_fig, self.agency_names[aid]), title=f"{self.agency_names[aid]}{year}年执法统计",
                    breadcrumbs=crumbs + [(f"{year}年执法统计年报", urls.url_for("statistics_year", year))],
                    fig=body_fig, agency_id=aid, bodies=None, overdue=self.overdue_href(aid, year, body_fig),
                    penalties=self.published_decisions["penalties"].get((aid, year), []),
                    permits=self.published_decisions["permits"].get((aid, year), []))
            types = [t for t in st.POWER_TYPES if any(f.actions.get(t) for _, f in bodies)]
            self.write_charts_page(
                writer, "statistics_year", year, "statistics_year.html", year_charts(fig, "全市"),
                title=f"{year}年执法统计年报", breadcrumbs=crumbs, fig=fig, agency_id=None,
                bodies=bodies, body_types=types, overdue=None,
                linked_types={"行政处罚": "published", "行政许可": "published"})

    def overdue_href(self, aid: str, year: int, fig: st.YearFigures) -> str | None:
        if not fig.overdue_decided.failed:
            return None
        return urls.url_for("accountability_list", accountability_list_id(aid, year, "overdue"))

    def write_accountability(self, writer, home):
        city = self.figures["city_acc"]
        self.write(writer, urls.path_for("accountability"), "accountability.html", title="执法问责",
                   breadcrumbs=home, years=self.years, city=city, metrics=st.ACCOUNTABILITY_METRICS,
                   estimated=any(m.estimated for ms in city.values() for m in ms.values()), limits=_limits())
        crumbs = home + [("执法问责", urls.url_for("accountability"))]
        records = {kind: self.store.by_id(kind) for kind in RECORD_PAGE}
        for year in self.years:
            rows = []
            for aid in self.agency_order:
                metrics = self.figures["body_acc"][(aid, year)]
                if not any(m.total or m.missing for m in metrics.values()):
                    continue
                cells = {}
                for slug, metric in metrics.items():
                    list_id = accountability_list_id(aid, year, slug)
                    cells[slug] = metric_row(metric, urls.url_for("accountability_list", list_id))
                    if metric.failed:
                        self.write_listing(writer, list_id, aid, year, slug, metric, records,
                                           crumbs + [(f"{year}年", urls.url_for("accountability_year", year))])
                rows.append((aid, self.agency_names[aid], cells))
            self.write(writer, urls.path_for("accountability_year", year), "accountability_year.html",
                       title=f"{year}年执法问责情况", breadcrumbs=crumbs, year=year, rows=rows,
                       city=city[year], metrics=st.ACCOUNTABILITY_METRICS, limits=_limits(),
                       estimated=any(m.estimated for _, _, c in rows for m in (x["m"] for x in c.values())))

    def write_listing(self, writer, list_id, aid, year, slug, metric, records, crumbs):
        listed = []
        for kind, rid in metric.failures:
            record = records[kind].get(rid)
            if record is not None:  # published right now (statistics already checked; belt and braces)
                listed.append((RECORD_PAGE[kind], record, metric.details.get((kind, rid), "")))
        label = st.ACCOUNTABILITY_METRICS[slug][0]
        self.write(writer, urls.path_for("accountability_list", list_id), "accountability_list.html",
                   title=f"{self.agency_names[aid]}{year}年未达标记录：{label}", breadcrumbs=crumbs,
                   metric=metric, listed=listed, hidden=metric.failed - len(listed), label=label,
                   agency_name=self.agency_names[aid], agency_id=aid, year=year, slug=slug)


def _limits() -> dict:
    return {"disclosure": st.DISCLOSURE_LIMIT_WORKDAYS, "entry": st.ENTRY_LIMIT_WORKDAYS,
            "decision": st.DECISION_LIMIT_DAYS, "withdrawal": st.WITHDRAWAL_LIMIT_WORKDAYS}


GENERATORS = [StatisticsGenerator]
