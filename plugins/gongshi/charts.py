"""Accessible inline SVG bar charts, each with the same data as a table and a CSV file.

The SVG is built here as trusted markup (markupsafe.Markup) with every label escaped, so templates
can insert it without `|safe` on any data field. Screen readers get `role="img"` named by the
chart's <title> and described by its <desc>; the data table next to it (theme partial
partials/chart.html) carries the exact figures, and the CSV offers them for download.
No inline style and no script: colours and sizes are SVG presentation attributes and CSS classes,
which a `style-src 'self'` policy allows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 190     # left column for the category labels
VALUE_WIDTH = 70      # right margin for the value printed after each bar
ROW_HEIGHT = 28
BAR_HEIGHT = 18
PAD_TOP = 8


@dataclass
class Chart:
    """One figure: rows of (label, value[, href]) shown as bars, a table and a CSV."""

    id: str                      # unique on its page; also the CSV file's stem
    title: str                   # 图表标题 (the table caption too)
    label_header: str            # column header of the labels, e.g. 事项类别
    value_header: str            # column header of the values, e.g. 件数
    rows: list[tuple] = field(default_factory=list)   # (label, value) or (label, value, href|None)
    note: str = ""               # extra sentence for <desc> and below the table

    @property
    def total(self) -> float:
        return sum(r[1] or 0 for r in self.rows)

    @property
    def csv_name(self) -> str:
        return f"{self.id}.csv"

    def description(self) -> str:
        """A one-sentence summary for <desc>: how many categories, the largest, the total."""
        if not self.rows:
            return f"{self.title}：暂无数据。"
        top = max(self.rows, key=lambda r: r[1] or 0)
        text = f"{self.title}：共{len(self.rows)}项，合计{_fmt(self.total)}，最多的是{top[0]}（{_fmt(top[1])}）。"
        return text + (self.note or "")

    def table_rows(self) -> list[tuple[str, float, str | None]]:
        return [(r[0], r[1], r[2] if len(r) > 2 else None) for r in self.rows]

    def svg(self) -> Markup:
        return svg(self)


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return f"{int(value):,}"


def svg(chart: Chart) -> Markup:
    """The chart as an inline <svg> (horizontal bars, one row per label)."""
    ident = escape(chart.id)
    height = PAD_TOP * 2 + max(1, len(chart.rows)) * ROW_HEIGHT
    peak = max((r[1] or 0 for r in chart.rows), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" xmlns="http://www.w3.org/2000/svg" '
        f'preserveAspectRatio="xMinYMin meet" focusable="false">',
        f'<title id="{ident}-title">{escape(chart.title)}</title>',
        f'<desc id="{ident}-desc">{escape(chart.description())}</desc>',
    ]
    for i, (label, value, _href) in enumerate(chart.table_rows()):
        y = PAD_TOP + i * ROW_HEIGHT
        bar = round(span * (value or 0) / peak, 1)
        text_y = y + BAR_HEIGHT / 2 + 5
        parts.append(
            f'<g class="chart-row" aria-hidden="true">'
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{text_y}" text-anchor="end" '
            f'font-size="13" fill="#1f2328">{escape(label)}</text>'
            f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y}" width="{bar}" height="{BAR_HEIGHT}" '
            f'fill="#1d5fa8"></rect>'
            f'<text class="chart-value" x="{LABEL_WIDTH + bar + 6}" y="{text_y}" font-size="13" '
            f'fill="#1f2328">{escape(_fmt(value))}</text></g>')
    if not chart.rows:
        parts.append(f'<text x="{LABEL_WIDTH}" y="{PAD_TOP + 18}" font-size="13" fill="#1f2328">暂无数据</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def csv_text(chart: Chart) -> str:
    """CSV of the chart's data, UTF-8 with BOM so spreadsheet programs read the Chinese headers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([chart.label_header, chart.value_header])
    for label, value, _href in chart.table_rows():
        writer.writerow([_cell(label), "" if value is None else value])
    return "\ufeff" + out.getvalue()


def _cell(text) -> str:
    """Keep a spreadsheet from reading a label as a formula (CSV injection)."""
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
