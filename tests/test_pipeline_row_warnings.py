"""Cells the pull changes or cannot vouch for get a row-numbered warning in the pull report, and
the row is still imported:
- invisible characters (C0/C1 controls, DEL, bidi controls) removed from a text cell
  (pipeline.normalise._INVISIBLE_CONTROLS) — the content is published cleaned;
- U+FFFD, the replacement character: a character lost to a wrong encoding upstream (an old .xls
  cell holding half a UTF-16 surrogate pair reaches the pipeline as one) — published as it is.
Each warning names the file, row, field and kind, never the cell's value, through every reader
(CSV in GB18030, .xlsx, .xls, JSON); thousands of them do not blow the report up."""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import re
import shutil

import pytest
import yaml

from conftest import REPO

EXPORTS = os.path.join(REPO, "tests", "fixtures", "exports")
AS_OF = dt.date(2024, 6, 30)  # the fixture exports' date: their decisions are published
SECRET = "row-warnings-test-secret-0123456789abcdef"
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
PLACEHOLDER = "\ue123"  # a private-use character, turned into a lone surrogate in the .xls bytes

# (file, row, field, kind) -> a fragment of the cell that must not show up in the report
PLANTED = {
    ("permits.json", 2, "行政相对人名称", "invisible_removed"): "甲食品",
    ("permits.json", 2, "许可内容", "replacement_char"): "预包装",
    ("penalties.csv", 2, "违法事实", "invisible_removed"): "经抽检",
    ("penalties.csv", 2, "违法事实", "replacement_char"): "经抽检",
    ("penalties.csv", 3, "违法事实", "invisible_removed"): "经抽检",
    ("penalties.csv", 3, "违法事实", "replacement_char"): "经抽检",
    ("agencies.xls", 2, "职责", "replacement_char"): "综合监督",
    ("agencies.xls", 3, "办公地址", "invisible_removed"): "兰州东路",
    ("matters.xlsx", 3, "事项名称", "replacement_char"): "食品经营",
    ("matters.xlsx", 2, "救济途径", "invisible_removed"): "行政复议",
}


def _rows(path: str) -> tuple[list[str], list[list[str]]]:
    from pipeline.readers import read_file

    raw = read_file(path)
    return raw.header, [cells for _, cells in raw.rows]


def _plant_json(folder: str) -> None:
    path = os.path.join(folder, "permits.json")
    with open(path, encoding="utf-8") as fh:
        items = json.load(fh)
    # a C0 control, a right-to-left override (it would show the name's end reversed) and DEL
    items[0]["行政相对人名称"] = "青岛甲\x01食品有限\u202e公司\x7f"
    items[0]["许可内容"] = "预包装\ufffd食品销售"
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(items, fh, ensure_ascii=False)


def _plant_csv(folder: str) -> None:
    """penalties.csv stays GB18030 (which encodes U+FFFD like any character); rows 2 and 3 are the
    same decision and stay identical (a duplicate, not a conflict)."""
    import csv
    import io

    path = os.path.join(folder, "penalties.csv")
    header, rows = _rows(path)
    facts = header.index("CF_SY")
    for row in rows[:2]:
        assert row[facts].startswith("当事人生产的食品经抽检不合格")
        row[facts] = "当事人生产的\x02食品\x1b经抽检\ufffd不合格" + row[facts][len("当事人生产的食品经抽检不合格"):]
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([header] + rows)
    with open(path, "wb") as fh:
        fh.write(out.getvalue().encode("gb18030"))


def _plant_xls(folder: str) -> None:
    """agencies.csv as an old .xls: row 2's 职责 holds half a surrogate pair (written as UTF-16
    bytes, as old exporters did; calamine reads it as U+FFFD), row 3's address a C0 control."""
    import xlwt

    path = os.path.join(folder, "agencies.csv")
    header, rows = _rows(path)
    os.remove(path)
    duty, address = header.index("职责"), header.index("办公地址")
    assert rows[0][duty] == "负责市场综合监督管理"
    rows[0][duty] = "负责市场" + PLACEHOLDER + "综合监督管理"
    rows[1][address] = rows[1][address].replace("兰州东路", "兰州东路\x03")
    book = xlwt.Workbook()
    sheet = book.add_sheet("导出")
    for r, cells in enumerate([header] + rows):
        for c, value in enumerate(cells):
            sheet.write(r, c, value)
    xls = os.path.join(folder, "agencies.xls")
    book.save(xls)
    with open(xls, "rb") as fh:
        data = fh.read()
    placed = ("场" + PLACEHOLDER + "综").encode("utf-16-le")
    assert data.count(placed) == 1
    with open(xls, "wb") as fh:
        fh.write(data.replace(placed, "场".encode("utf-16-le") + b"\x00\xd8" + "综".encode("utf-16-le")))


def _plant_xlsx(folder: str) -> None:
    import openpyxl

    path = os.path.join(folder, "matters.csv")
    header, rows = _rows(path)
    os.remove(path)
    name, remedy = header.index("事项名称"), header.index("救济途径")
    assert rows[1][name] == "食品经营许可"
    rows[1][name] = "食品经营\ufffd许可"
    rows[0][remedy] = "行政复议\u2066或者\u2069行政诉讼"  # bidi isolates (openpyxl refuses C0 controls)
    book = openpyxl.Workbook()
    for cells in [header] + rows:
        book.active.append(cells)
    book.save(os.path.join(folder, "matters.xlsx"))


def _exports(root) -> str:
    exports = str(root / "exports")
    shutil.copytree(EXPORTS, exports)
    _plant_json(exports)
    _plant_csv(exports)
    _plant_xls(exports)
    _plant_xlsx(exports)
    return exports


@pytest.fixture(scope="module")
def warned(tmp_path_factory):
    from pipeline.pull import pull

    root = tmp_path_factory.mktemp("row-warnings")
    exports = _exports(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GONGSHI_CODE_SECRET", SECRET)
        report = pull(exports, as_of=AS_OF, content_dir=str(root / "content"),
                      codes_path=str(root / "codes.csv"), report_path=str(root / "report.json"),
                      progress=False)
    return {"root": root, "report": report, "exports": exports,
            "saved": (root / "report.json").read_text(encoding="utf-8")}


def _warnings(tables: dict) -> list[dict]:
    return [w for t in tables.values() for w in t.get("warnings", [])]


def test_every_planted_cell_is_warned_with_file_row_field_and_kind(warned):
    saved = json.loads(warned["saved"])
    found = {(w["file"], w["row"], w["field"], w["kind"]) for w in _warnings(saved["tables"])}
    assert found == set(PLANTED)  # every reader; and no warning for any clean cell
    assert all(w["table"] == name for name, t in saved["tables"].items() for w in t["warnings"])
    reasons = {(w["file"], w["row"], w["field"], w["kind"]): w["reason"] for w in _warnings(saved["tables"])}
    # what kind and how many, by code point
    name = reasons[("permits.json", 2, "行政相对人名称", "invisible_removed")]
    assert "删除了 3 个不可见字符" in name and "U+0001" in name and "U+202E" in name and "U+007F" in name
    assert "2 个不可见字符" in reasons[("penalties.csv", 2, "违法事实", "invisible_removed")]
    # the position of the lost character, counted in the cell as read
    assert "第4个字符是替换字符 U+FFFD" in reasons[("permits.json", 2, "许可内容", "replacement_char")]
    assert "第5个字符" in reasons[("agencies.xls", 2, "职责", "replacement_char")]
    assert "第5个字符" in reasons[("matters.xlsx", 3, "事项名称", "replacement_char")]
    assert "第14个字符" in reasons[("penalties.csv", 3, "违法事实", "replacement_char")]


def test_the_rows_are_imported_not_quarantined(warned):
    report = warned["report"]
    for table in ("permits", "agencies", "matters"):
        t = report.tables[table]
        assert not t["quarantined"] and t["published"] == t["rows"], table
    assert not [q for q in report.tables["penalties"]["quarantined"] if q["row"] in (2, 3)]
    for t in report.tables.values():
        assert t["rows"] == t["published"] + sum(t["withheld"].values()) + len(t["quarantined"])


def test_the_report_never_holds_the_cells_values(warned):
    summary = warned["report"].summary()
    for (file, row, field, _), fragment in PLANTED.items():
        assert fragment not in warned["saved"], (file, row, field)
        assert fragment not in summary, (file, row, field)
    assert "permits.json 第2行 字段“行政相对人名称”" in summary
    assert "agencies.xls 第2行 字段“职责”" in summary
    # the two identical penalty rows' warnings are one line per kind
    assert "penalties.csv 第2–3行（2 行） 字段“违法事实”" in summary


def test_published_content_is_cleaned_and_keeps_the_replacement_character(warned):
    content = warned["root"] / "content"
    texts = {}
    for path in glob.glob(str(content / "**" / "*.yaml"), recursive=True):
        with open(path, encoding="utf-8") as fh:
            texts[path] = fh.read()
        assert not CONTROLS.search(texts[path]), path
    every = "\n".join(texts.values())
    permits = [yaml.safe_load(t) for p, t in texts.items() if os.sep + "permits" + os.sep in p]
    assert [p["party_name"] for p in permits] == ["青岛甲食品有限公司"]
    assert "预包装\ufffd食品销售" in every
    assert "胶州市兰州东路2号" in every
    assert "负责市场\ufffd综合监督管理" in every
    assert "食品经营\ufffd许可" in every
    assert "行政复议或者行政诉讼" in every
    assert "当事人生产的食品经抽检\ufffd不合格" in every


def test_thousands_of_cells_are_listed_up_to_a_limit_then_summed_up(tmp_path, monkeypatch):
    """Every row of a 3000-row export carries the same control character: the report lists the
    first rows one by one and sums up the rest in one entry, and the summary stays short."""
    import csv
    import io

    from pipeline.pull import pull
    from pipeline.validate import MAX_WARNINGS_PER_FILE

    monkeypatch.setenv("GONGSHI_CODE_SECRET", SECRET)
    exports = tmp_path / "exports"
    shutil.copytree(EXPORTS, exports)
    path = str(exports / "case_events.csv")
    header, rows = _rows(path)
    note = header.index("说明")
    row = list(rows[0])
    row[note] = row[note][:2] + "\x0e" + row[note][2:]
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([header] + [row] * 3000 + rows[1:])
    (exports / "case_events.csv").write_text(out.getvalue(), encoding="utf-8")
    report = pull(str(exports), as_of=AS_OF, content_dir=str(tmp_path / "content"),
                  codes_path=str(tmp_path / "codes.csv"), report_path=str(tmp_path / "report.json"),
                  progress=False)
    warnings = report.tables["case_events"]["warnings"]
    assert len(warnings) == MAX_WARNINGS_PER_FILE + 1
    assert [w["row"] for w in warnings[:-1]] == list(range(2, MAX_WARNINGS_PER_FILE + 2))
    last = warnings[-1]
    rest = 3000 - MAX_WARNINGS_PER_FILE
    assert (last["row"], last["field"], last["kind"]) == (MAX_WARNINGS_PER_FILE + 2, "说明", "invisible_removed")
    assert f"另有 {rest} 个单元格" in last["reason"] and f"第{MAX_WARNINGS_PER_FILE + 2}–3001行" in last["reason"]
    assert os.path.getsize(tmp_path / "report.json") < 150_000
    summary = report.summary()
    assert len(summary.splitlines()) < 40
    assert f"case_events.csv 第2–{MAX_WARNINGS_PER_FILE + 1}行（{MAX_WARNINGS_PER_FILE} 行） 字段“说明”" in summary
