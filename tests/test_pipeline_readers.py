"""Readers: encodings detected from bytes, spreadsheets, JSON, row numbers, column mapping."""

import codecs
import json

import pytest

from pipeline.errors import PipelineError
from pipeline.readers import read_file
from pipeline.sources import Source, map_columns, resolve

HEADER = ["主体名称", "统一社会信用代码", "主体类别"]
ROW = ["胶州市市场监督管理局", "11370281MB0000001R", "法定行政机关"]


def _csv_bytes(encoding: str) -> bytes:
    text = "\r\n".join(",".join(r) for r in (HEADER, ROW)) + "\r\n"
    if encoding == "utf-8-sig":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    return text.encode(encoding)


@pytest.mark.parametrize("encoding,expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                               ("gb18030", "gb18030"), ("gbk", "gb18030")])
def test_csv_encoding_is_detected_from_bytes(tmp_path, encoding, expected):
    # the file name says nothing about the encoding; the bytes do
    path = tmp_path / "agencies.csv"
    path.write_bytes(_csv_bytes(encoding))
    table = read_file(str(path))
    assert table.encoding == expected
    assert table.header == HEADER
    assert table.rows == [(2, ROW)]


def test_gb18030_bytes_are_not_valid_utf8(tmp_path):
    # guard for the test above: the GBK sample really needs the fallback
    with pytest.raises(UnicodeDecodeError):
        _csv_bytes("gbk").decode("utf-8")


def test_explicit_encoding_wins_and_a_wrong_one_names_the_file(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(_csv_bytes("gb18030"))
    with pytest.raises(PipelineError, match="x.csv"):
        read_file(str(path), encoding="utf-8")


def test_row_numbers_as_seen_in_a_spreadsheet(tmp_path):
    # a quoted cell with a line break is one row; blank rows keep their number
    path = tmp_path / "t.csv"
    path.write_text('a,b\n"x\ny",1\n\nz,2\n', encoding="utf-8")
    table = read_file(str(path))
    assert table.rows == [(2, ["x\ny", "1"]), (4, ["z", "2"])]


def test_a_ragged_row_is_set_aside_not_the_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n3,4,5\n6,7,\n", encoding="utf-8")
    table = read_file(str(path))
    assert table.rows == [(2, ["1", "2"]), (4, ["6", "7"])]
    assert [n for n, _ in table.broken] == [3]


def test_xlsx_cells_are_strings(tmp_path):
    import datetime
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["处罚决定日期", "罚款金额(万元)", "编号"])
    ws.append([datetime.date(2024, 3, 5), 0.2, 12])
    ws.append([None, None, None])
    ws.append(["2024/3/6", "1", "007"])
    path = tmp_path / "penalties.xlsx"
    wb.save(path)
    table = read_file(str(path))
    assert table.encoding is None
    assert table.rows[0] == (2, ["2024-03-05 00:00:00", "0.2", "12"])
    assert table.rows[1] == (4, ["2024/3/6", "1", "007"])


def test_xls_written_with_xlwt(tmp_path):
    import xlwt
    wb = xlwt.Workbook()
    ws = wb.add_sheet("导出")
    for col, value in enumerate(HEADER):
        ws.write(0, col, value)
    for col, value in enumerate(ROW):
        ws.write(1, col, value)
    ws.write(1, 3, 45356)  # an Excel serial date as a number cell
    path = tmp_path / "agencies.xls"
    wb.save(str(path))
    table = read_file(str(path), sheet="导出")
    assert table.header[:3] == HEADER
    assert table.rows == [(2, ROW + ["45356"])]


def test_missing_sheet_names_file_and_sheet(tmp_path):
    import xlwt
    wb = xlwt.Workbook()
    wb.add_sheet("A").write(0, 0, "x")
    path = tmp_path / "a.xls"
    wb.save(str(path))
    with pytest.raises(PipelineError, match=r"a\.xls.*工作表 B"):
        read_file(str(path), sheet="B")


def test_json_list_of_objects(tmp_path):
    path = tmp_path / "agencies.json"
    path.write_text(json.dumps([dict(zip(HEADER, ROW)), {"主体名称": "乙", "网址": 1}], ensure_ascii=False),
                    encoding="utf-8")
    table = read_file(str(path))
    assert table.header == HEADER + ["网址"]
    assert table.rows == [(2, ROW + [""]), (3, ["乙", "", "", "1"])]


def test_json_must_be_a_list_of_objects(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"a": 1}', encoding="utf-8")
    with pytest.raises(PipelineError, match="bad.json"):
        read_file(str(path))


def test_unreadable_file_names_the_file(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(PipelineError, match="broken.xlsx"):
        read_file(str(path))


def test_aliases_and_unknown_columns():
    src = Source("p.csv", "penalties")
    cmap = map_columns(src, ["CF_XDR_MC", "cf_xdr_lb", "CF_WSH", "CF_WFXW", "CF_SY", "CF_YJ", "CF_CFLB",
                             "CF_NR", "罚款金额（万元）", "CF_JDRQ", "CF_CFJG", "CF_CFJGDM", "内部编号"])
    keys = dict(cmap.by_index)
    assert keys[0] == "party_name" and keys[1] == "party_kind" and keys[8] == "fine"
    assert cmap.unknown == ["内部编号"]


def test_missing_required_column_names_file_and_column():
    src = Source("/x/agencies.csv", "agencies")
    with pytest.raises(PipelineError) as err:
        map_columns(src, ["主体名称", "主体类别"])
    assert "agencies.csv" in str(err.value) and "统一社会信用代码" in str(err.value)


def test_column_mapping_and_constant_values():
    src = Source("b.csv", "blacklist",
                 columns={"iname": "主体名称", "code_num": "统一社会信用代码", "duty": "列入事由",
                          "court": "认定部门", "gist_id": "认定依据", "case_code": "认定文书号",
                          "reg_date": "列入日期"},
                 values={"领域": "其他", "状态": "列入", "有效期至": "2030-12-31", "列入日期": "2020-01-01"})
    cmap = map_columns(src, ["", "iname", "code_num", "duty", "court", "gist_id", "case_code", "age"])
    assert dict(cmap.by_index)[1] == "name"
    assert cmap.unknown == ["（第1列，无表头）", "age"]
    assert cmap.unmatched == ["reg_date"]  # a mapping naming no header is reported too
    assert cmap.constants == {"area": "其他", "status": "列入", "expires": "2030-12-31",
                              "listed_date": "2020-01-01"}


def test_two_columns_for_one_field_is_an_error():
    with pytest.raises(PipelineError, match="CF_XDR_MC"):
        map_columns(Source("p.csv", "penalties"), ["行政相对人名称", "CF_XDR_MC"])


def test_folder_and_sources_file(tmp_path):
    (tmp_path / "agencies.csv").write_bytes(_csv_bytes("utf-8"))
    (tmp_path / "penalties-2024.csv").write_text("x\n", encoding="utf-8")
    (tmp_path / "readme.csv").write_text("x\n", encoding="utf-8")
    found = resolve(str(tmp_path))
    assert [(s.table, s.path.rsplit("/", 1)[1]) for s in found.sources] == \
        [("agencies", "agencies.csv"), ("penalties", "penalties-2024.csv")]
    assert [p.rsplit("/", 1)[1] for p in found.ignored] == ["readme.csv"]
    (tmp_path / "sources.yaml").write_text(
        "demo: true\nsources:\n  - path: readme.csv\n    table: agencies\n    encoding: gbk\n", encoding="utf-8")
    spec = resolve(str(tmp_path))
    assert spec.demo and spec.sources[0].table == "agencies" and spec.sources[0].encoding == "gbk"


def test_unknown_source_path_is_an_error(tmp_path):
    with pytest.raises(PipelineError, match="nowhere"):
        resolve(str(tmp_path / "nowhere"))


def test_header_below_a_title_row_is_found(tmp_path):
    from pipeline.pull import _header_and_columns
    path = tmp_path / "agencies.csv"
    path.write_text("执法主体公示表,,\n\n" + ",".join(HEADER) + "\n" + ",".join(ROW) + "\n", encoding="utf-8")
    raw, cmap = _header_and_columns(Source(str(path), "agencies"), read_file(str(path)))
    assert raw.header == HEADER and raw.rows == [(4, ROW)]
    assert dict(cmap.by_index) == {0: "name", 1: "credit_code", 2: "kind"}
    path.write_text("执法主体公示表\n主体名称\n甲\n", encoding="utf-8")
    with pytest.raises(PipelineError, match="统一社会信用代码"):
        _header_and_columns(Source(str(path), "agencies"), read_file(str(path)))


def test_readers_say_whether_a_cell_can_hold_a_lone_surrogate(tmp_path):
    """Strict UTF-8/GB18030 decoding and calamine cannot give one, so their rows skip the per-cell
    search; a JSON \\ud800 escape (or pair: only a hint) or an odd codec may."""
    path = tmp_path / "agencies.csv"
    path.write_bytes(_csv_bytes("gb18030"))
    assert read_file(str(path)).surrogates is False
    path.write_bytes(_csv_bytes("utf-8"))
    assert read_file(str(path)).surrogates is False
    assert read_file(str(path), encoding="unicode_escape").surrogates is False  # none in this text
    path.write_bytes(b"a\n\\ud800\n")
    assert read_file(str(path), encoding="unicode_escape").rows == [(2, ["\ud800"])]
    assert read_file(str(path), encoding="unicode_escape").surrogates is True
    wb = pytest.importorskip("xlsxwriter").Workbook(str(tmp_path / "a.xlsx"))
    sheet = wb.add_worksheet()
    sheet.write(0, 0, "主体名称")
    sheet.write(1, 0, "甲")
    wb.close()
    assert read_file(str(tmp_path / "a.xlsx")).surrogates is False
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps([dict(zip(HEADER, ROW))]), encoding="utf-8")  # \\u escapes, no surrogate
    assert read_file(str(plain)).surrogates is False
    lone = tmp_path / "lone.json"
    lone.write_text(json.dumps([{"主体名称": "甲\ud800"}]), encoding="utf-8")
    table = read_file(str(lone))
    assert table.surrogates is True and table.rows == [(2, ["甲\ud800"])]


def test_a_lone_surrogate_in_a_column_name_is_shown_escaped(tmp_path):
    """Column names go into the report (a UTF-8 file) and are never published: the surrogate is
    shown as its escape; the column matches no known name and is reported as unknown."""
    path = tmp_path / "agencies.json"
    path.write_text(json.dumps([{**dict(zip(HEADER, ROW)), "备注\udc00": "x"}]), encoding="utf-8")
    table = read_file(str(path))
    assert table.header == HEADER + ["备注\\udc00"] and table.rows[0][1][-1] == "x"
    csv_path = tmp_path / "agencies.csv"
    csv_path.write_bytes(",".join(HEADER + ["备注\\udc00"]).encode("unicode_escape") + b"\n" +
                         ",".join(ROW + ["x"]).encode("unicode_escape") + b"\n")
    assert read_file(str(csv_path), encoding="unicode_escape").header[-1] == "备注\\udc00"


def test_replacement_character_flag_is_exact_for_every_reader(tmp_path):
    """RawTable.replacement lets normalise skip looking for U+FFFD cell by cell: it must be True
    whenever a cell holds one (as a JSON escape too), or its row warning would be lost."""
    import openpyxl

    def csv_file(cell):
        path = tmp_path / "agencies.csv"
        path.write_bytes(("\r\n".join(",".join(r) for r in (HEADER, ROW[:2] + [cell])) + "\r\n").encode("gb18030"))
        return path

    def json_file(cell, ascii_only):
        path = tmp_path / "agencies.json"
        path.write_text(json.dumps([dict(zip(HEADER, ROW[:2] + [cell]))], ensure_ascii=ascii_only), encoding="utf-8")
        return path

    def xlsx_file(cell):
        path = tmp_path / "agencies.xlsx"
        book = openpyxl.Workbook()
        book.active.append(HEADER)
        book.active.append(ROW[:2] + [cell])
        book.save(path)
        return path

    for cell, expected in (("法定\ufffd机关", True), ("法定行政机关", False)):
        for path in (csv_file(cell), json_file(cell, True), json_file(cell, False), xlsx_file(cell)):
            table = read_file(str(path))
            assert table.replacement is expected, path.name
            assert table.rows[0][1][2] == cell
