"""Validation stage on its own: row normalisation into records, duplicates, references."""

from datetime import date

from pipeline.readers import RawTable
from pipeline.sources import Source, map_columns
from pipeline.validate import TableState, check_references, dedupe, rows_to_records

AS_OF = date(2024, 6, 30)


def _state(table, header, rows, file="x.csv", is_minor=lambda n, on: False):
    state = TableState(table)
    raw = RawTable(f"/in/{file}", header, [(i + 2, r) for i, r in enumerate(rows)], "utf-8")
    rows_to_records(state, raw, map_columns(Source(raw.path, table), raw.header), as_of=AS_OF, is_minor=is_minor)
    return state


EVENT_HEADER = ["案件编号", "环节", "日期", "说明"]
SUP_HEADER = ["年度", "抽查案卷数"]


def test_identical_rows_collapse_and_are_counted():
    state = _state("supervision", SUP_HEADER, [["2024", "3"], ["2024", "3"], ["2023", "1"]])
    dedupe(state)
    assert sorted(r["year"] for r in state.records) == [2023, 2024]
    assert state.withheld["duplicate"] == 1 and not state.quarantined


def test_conflicting_rows_are_all_quarantined_naming_the_others():
    state = _state("supervision", SUP_HEADER, [["2024", "3"], ["2023", "1"], ["2024", "4"], ["2024", "5"]],
                   file="s.csv")
    dedupe(state)
    assert [r["year"] for r in state.records] == [2023]
    reasons = {q.row: q.reason for q in state.quarantined}
    assert set(reasons) == {2, 4, 5}
    assert "s.csv 第4行" in reasons[2] and "s.csv 第5行" in reasons[2]
    assert "s.csv 第2行" in reasons[4]
    assert all(q.field == "年度" for q in state.quarantined)


def test_events_only_collapse():
    # two different notes for the same stage on one day are two real events, not a conflict
    state = _state("case_events", EVENT_HEADER, [["A1", "调查取证", "2024-01-02", "询问"],
                                                 ["A1", "调查取证", "2024-01-02", "勘验"],
                                                 ["A1", "调查取证", "2024-01-02", "勘验"]])
    dedupe(state)
    assert len(state.records) == 2 and state.withheld["duplicate"] == 1 and not state.quarantined


def test_bad_rows_are_quarantined_with_file_row_field():
    state = _state("supervision", SUP_HEADER, [["2024", "三"], ["", "1"]], file="sup.csv")
    assert [(q.file, q.row, q.field) for q in state.quarantined] == [("sup.csv", 2, "抽查案卷数"),
                                                                     ("sup.csv", 3, "年度")]
    assert state.rows == 2 and not state.records


def test_minor_flag_uses_the_id_number_then_forgets_it():
    seen = []

    def is_minor(number, on):
        seen.append((number, on))
        return True
    header = ["案件编号", "案件名称", "实施主体", "程序类型", "当事人名称", "当事人类别", "立案日期", "当事人证件号码"]
    state = _state("cases", header, [["A1", "案", "甲局", "普通程序", "张三", "自然人", "2024-01-05",
                                      "110101201001011237"]], is_minor=is_minor)
    [record] = state.records
    assert record["_minor"] is True and seen == [("110101201001011237", date(2024, 1, 5))]
    assert "110101201001011237" not in repr(record)


def test_references_between_tables():
    agencies = _state("agencies", ["主体名称", "统一社会信用代码", "主体类别"],
                      [["甲局", "11370281MB0000001R", "法定行政机关"]])
    matters = _state("matters", ["事项编码", "事项名称", "事项类别", "实施主体", "设定依据", "办理程序"],
                     [["M1", "事项", "行政检查", "甲局", "依据", "行政检查"],
                      ["M2", "事项", "行政检查", "11370281MB0000001R", "依据", "行政检查"],
                      ["M3", "事项", "行政检查", "乙局", "依据", "行政检查"]], file="m.csv")
    cases = _state("cases", ["案件编号", "案件名称", "实施主体", "程序类型", "当事人名称", "当事人类别", "立案日期",
                             "事项编码"],
                   [["A1", "案", "甲局", "普通程序", "某公司", "法人及非法人组织", "2024-01-05", "M9"]])
    events = _state("case_events", EVENT_HEADER, [["A1", "立案", "2024-01-05", ""],
                                                  ["A（2）", "立案", "2024-01-05", ""]], file="e.csv")
    states = {n: TableState(n) for n in ("officers", "major_decisions", "penalties", "permits")}
    states.update(agencies=agencies, matters=matters, cases=cases, case_events=events)
    warnings = check_references(states)
    assert [r["code"] for r in matters.records] == ["M1", "M2"]
    assert matters.records[0]["agency_id"] == "11370281mb0000001r"
    assert [(q.file, q.row, q.field) for q in matters.quarantined] == [("m.csv", 4, "实施主体")]
    assert [(q.row, q.field) for q in events.quarantined] == [(3, "案件编号")]
    assert cases.records[0]["matter_id"] is None and any("事项编码" in w for w in warnings)


def test_every_problem_of_a_row_is_named_in_one_entry():
    state = _state("supervision", SUP_HEADER + ["整改意见书数"], [["二〇二四", "三", "1"]], file="s.csv")
    [q] = state.quarantined
    assert q.field == "年度" and "抽查案卷数" in q.reason


def test_an_id_number_in_the_code_column_makes_the_party_a_natural_person():
    header = ["案件编号", "案件名称", "实施主体", "程序类型", "当事人名称", "当事人类别", "立案日期", "当事人统一社会信用代码"]
    state = _state("cases", header, [["A1", "案", "甲局", "普通程序", "王某某", "法人及非法人组织", "2024-01-05",
                                      "110101201001011237"]])
    [record] = state.records
    assert record["party_kind"] == "自然人" and record["party_credit_code"] is None and state.reclassified == 1
