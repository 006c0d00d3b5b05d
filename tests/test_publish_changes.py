"""Change summary between two content trees, and the staff report that shows it."""

from __future__ import annotations

import os

import yaml

from pipeline.changes import compare_content
from pipeline.staff_report import render_report, write_report


def _tree(root, as_of, records: dict[str, list[dict]], facts: dict[str, list[dict]] | None = None):
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "site.yaml"), "w", encoding="utf-8") as fh:
        yaml.safe_dump({"as_of": as_of}, fh)
    for table, items in records.items():
        os.makedirs(os.path.join(root, table), exist_ok=True)
        for item in items:
            with open(os.path.join(root, table, f"{item['id']}.yaml"), "w", encoding="utf-8") as fh:
                yaml.safe_dump(item, fh, allow_unicode=True, sort_keys=False)
    for name, items in (facts or {}).items():
        os.makedirs(os.path.join(root, "facts"), exist_ok=True)
        with open(os.path.join(root, "facts", f"{name}.yaml"), "w", encoding="utf-8") as fh:
            yaml.safe_dump(items, fh, allow_unicode=True, sort_keys=False)
    return str(root)


def _penalty(pid, until="2027-01-01", **extra):
    return {"id": pid, "agency_id": "a1", "decision_date": "2026-01-05", "kinds": ["罚款"],
            "fine_yuan": 2000, "publish_until": until, **extra}


def test_added_changed_removed_with_reasons(tmp_path):
    old = _tree(tmp_path / "old", "2026-11-20", {
        "penalties": [_penalty("cf-expired", "2026-11-21"), _penalty("cf-withdrawn"),
                      _penalty("cf-repaired", fine_yuan=5000), _penalty("cf-gone"),
                      _penalty("cf-same"), _penalty("cf-edit")],
        "blacklist": [{"id": "hm-1", "expires": "2026-11-20", "status": "移出"}],
    })
    new = _tree(tmp_path / "new", "2026-11-22", {
        "penalties": [_penalty("cf-same"), _penalty("cf-edit", facts="更正"), _penalty("cf-new")],
        "withdrawals": [{"id": "cf-withdrawn", "status": "已撤销"}],
    }, facts={"penalties-2026": [
        {"id": None, "agency_id": "a1", "decision_date": "2026-01-05", "kinds": ["罚款"],
         "fine_yuan": 5000, "published": False, "withheld_reason": "repaired"},
        {"id": "cf-same", "agency_id": "a1", "decision_date": "2026-01-05", "kinds": ["罚款"],
         "fine_yuan": 2000, "published": True, "withheld_reason": None},
    ]})
    summary = compare_content(old, new)
    tables = {t.table: t for t in summary.tables}
    assert (summary.old_as_of, summary.new_as_of, summary.first_release) == \
        ("2026-11-20", "2026-11-22", False)
    assert tables["penalties"].added == ["cf-new"]
    assert tables["penalties"].changed == ["cf-edit"]
    assert tables["penalties"].removed == {"cf-expired": "expired", "cf-withdrawn": "withdrawn",
                                           "cf-repaired": "repaired", "cf-gone": "not_in_source"}
    assert tables["withdrawals"].added == ["cf-withdrawn"]
    assert tables["blacklist"].removed == {"hm-1": "expired"}
    text = summary.format_text()
    assert "penalties: 新增 1，变更 1，删除 4" in text and "expired" in text
    assert "agencies" not in text  # untouched tables are left out


def test_first_release_and_no_change(tmp_path):
    new = _tree(tmp_path / "new", "2026-11-20", {"penalties": [_penalty("cf-a")]})
    first = compare_content(None, new)
    assert first.first_release and {t.table: t for t in first.tables}["penalties"].added == ["cf-a"]
    same = compare_content(new, new)
    assert same.empty and "无变化" in same.format_text()


def test_format_text_shortens_long_lists(tmp_path):
    new = _tree(tmp_path / "new", "2026-11-20",
                {"permits": [{"id": f"xk-{i:03d}"} for i in range(30)]})
    text = compare_content(None, new).format_text(limit=5)
    assert "xk-004" in text and "xk-005" not in text and "（共 30 条）" in text


def test_staff_report_escapes_everything_and_lists_quarantine(tmp_path):
    new = _tree(tmp_path / "new", "2026-11-20", {"penalties": [_penalty("cf-<b>")]})
    quarantine = [{"table": "penalties", "file": "<script>alert(1)</script>.csv", "row": 7,
                   "field": "处罚决定日期", "reason": "日期无效 & 缺失"}]
    html = render_report(build_id="20261120-abc", ok=True, as_of="2026-11-20", source="x",
                         changes=compare_content(None, new), quarantine=quarantine,
                         counts={"penalties": {"rows": 8, "published": 1, "withheld": 6,
                                               "quarantined": 1}})
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;.csv" in html
    assert "cf-&lt;b&gt;" in html and "日期无效 &amp; 缺失" in html
    assert "<td>7</td>" in html and "已发布" in html
    path = write_report(str(tmp_path / "r" / "x.report.html"), build_id=None, ok=False,
                        as_of="2026-11-20", source="s", error="泄露检查发现 1 处", problems=["a:1"])
    with open(path, encoding="utf-8") as fh:
        failed = fh.read()
    assert "发布失败，线上网站未改变" in failed and "<li>a:1</li>" in failed


def test_staff_report_lists_the_pull_reports_row_warnings(tmp_path):
    """Cells imported but cleaned (or holding U+FFFD) are listed for staff, escaped, with the
    table; a report without any shows no such section."""
    from pipeline.publish import _row_warnings

    pulled = {"tables": {"permits": {"rows": 1, "published": 1, "withheld": {}, "quarantined": [],
                                     "warnings": [{"table": "permits", "file": "<i>permits</i>.json",
                                                   "row": 2, "field": "行政相对人名称", "kind": "invisible_removed",
                                                   "reason": "删除了 1 个不可见字符（C0 控制字符 U+0001）"}]},
                         "agencies": {"rows": 2, "published": 2, "withheld": {}, "quarantined": []}}}
    warnings = _row_warnings(pulled)
    assert [(w["table"], w["row"]) for w in warnings] == [("permits", 2)]
    html = render_report(build_id="20261120-abc", ok=True, as_of="2026-11-20", source="x",
                         warnings=warnings)
    assert "需要核对的单元格（1）" in html and "&lt;i&gt;permits&lt;/i&gt;.json" in html and "<i>" not in html
    assert "<td>行政相对人名称</td>" in html and "U+0001" in html
    assert "需要核对的单元格" not in render_report(build_id=None, ok=True, as_of="2026-11-20", source="x")


def test_staff_report_shows_a_non_utf8_source_path_escaped(tmp_path):
    """A folder named in GBK (a zip made on Windows) reaches the report with lone surrogates."""
    source = "/data/" + os.fsdecode("导出".encode("gbk"))
    path = write_report(str(tmp_path / "x.report.html"), build_id=None, ok=False, as_of="2026-11-20",
                        source=source, error="x")
    with open(path, encoding="utf-8") as fh:
        assert "/data/\\udcb5\\udcbc\\udcb3\\udcf6" in fh.read()
