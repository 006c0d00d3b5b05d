"""Inline SVG charts: accessible name and description, escaped labels, CSV of the same data."""

import csv
import io
import xml.etree.ElementTree as ET

from plugins.gongshi.charts import Chart, csv_text, svg

NS = {"s": "http://www.w3.org/2000/svg"}


def _chart(rows=None):
    return Chart(id="actions-2026", title="2026年各类执法行为数量", label_header="事项类别", value_header="件数",
                 rows=rows if rows is not None else [("行政许可", 3), ("行政处罚", 8), ("行政检查", 1)])


def test_svg_is_an_accessible_image_with_title_and_desc():
    root = ET.fromstring(str(svg(_chart())))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "actions-2026-title actions-2026-desc"
    assert root.find("s:title", NS).get("id") == "actions-2026-title"
    assert root.find("s:title", NS).text == "2026年各类执法行为数量"
    desc = root.find("s:desc", NS).text
    assert desc.startswith("2026年各类执法行为数量：共3项，合计12") and "行政处罚（8）" in desc
    assert "style" not in str(svg(_chart()))   # CSP: no inline style attributes


def test_bars_are_proportional_to_the_values():
    root = ET.fromstring(str(svg(_chart())))
    widths = [float(r.get("width")) for r in root.iter("{http://www.w3.org/2000/svg}rect")]
    assert len(widths) == 3
    assert widths[1] == max(widths)                       # the largest value has the longest bar
    assert abs(widths[0] / widths[1] - 3 / 8) < 0.01


def test_labels_are_escaped():
    markup = str(svg(_chart([('<script>alert(1)</script>&"', 2)])))
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup
    ET.fromstring(markup)   # still well-formed XML


def test_empty_chart_says_so():
    chart = _chart([])
    assert "暂无数据" in str(svg(chart)) and chart.description().endswith("暂无数据。")


def test_csv_has_bom_headers_rows_and_no_formulas():
    text = csv_text(_chart([("行政许可", 3), ("=cmd()", 1)]))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows == [["事项类别", "件数"], ["行政许可", "3"], ["'=cmd()", "1"]]
