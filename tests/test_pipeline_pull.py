"""The pull on hand-made fixtures: report arithmetic, duplicates, quarantine, never-publish fields,
determinism, stale files, strict mode and the command line. Publication policy is faked here
(tests/pipeline_fakes.py); tests/test_pipeline_e2e.py runs the real rules."""

import json
import os
import shutil
from datetime import date

import pytest
import yaml

import pipeline_fakes
from pipeline.cli import main
from pipeline.errors import PipelineError
from pipeline.pull import pull
from pipeline.report import Report

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "exports")
AS_OF = date(2024, 6, 30)
ID_NUMBER = "370281198503150027"  # the synthetic ID numbers in the fixtures


@pytest.fixture(autouse=True)
def _fake_rules(monkeypatch):
    pipeline_fakes.install(monkeypatch)
    monkeypatch.setenv("GONGSHI_CODE_SECRET", "test-secret-0123456789abcdef")


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exports")
    for name in os.listdir(FIXTURES):
        shutil.copy(os.path.join(FIXTURES, name), folder / name)
    return folder


def _pull(exports, tmp_path, name="content", **kw):
    content = tmp_path / name
    report = pull(str(exports), as_of=AS_OF, content_dir=str(content), codes_path=str(tmp_path / "codes.csv"),
                  report_path=str(tmp_path / "report.json"), progress=False, **kw)
    return report, content


def _all_text(root) -> str:
    return "\n".join(text for _, text in pipeline_fakes.texts(root))


def test_report_accounts_for_every_row(exports, tmp_path):
    report, _ = _pull(exports, tmp_path)
    for name, t in report.tables.items():
        assert t["rows"] == t["published"] + sum(t["withheld"].values()) + len(t["quarantined"]), name
    pen = report.tables["penalties"]
    assert pen["rows"] == 9
    assert pen["withheld"]["duplicate"] == 1
    assert pen["withheld"]["natural_person"] == 1
    assert os.path.exists(tmp_path / "report.json")


def test_conflicting_duplicates_are_both_quarantined_naming_each_other(exports, tmp_path):
    report, _ = _pull(exports, tmp_path)
    q = {(e["file"], e["row"]): e for e in report.tables["penalties"]["quarantined"]}
    assert "第8行" in q[("penalties.csv", 7)]["reason"]
    assert "第7行" in q[("penalties.csv", 8)]["reason"]
    assert "统一社会信用代码" in q[("penalties.csv", 9)]["field"]


def test_reference_problems_are_quarantined(exports, tmp_path):
    report, _ = _pull(exports, tmp_path)
    officers = report.tables["officers"]
    assert [(e["row"], e["field"]) for e in officers["quarantined"]] == [(4, "所属主体")]
    assert officers["withheld"] == {"certificate_expired": 1}
    events = report.tables["case_events"]["quarantined"]
    assert [(e["row"], e["field"]) for e in events] == [(9, "案件编号")]


def test_unknown_columns_are_reported_not_used(exports, tmp_path):
    report, content = _pull(exports, tmp_path)
    assert report.unknown_columns == {"matters.csv": ["内部备注"], "penalties.csv": ["内部编号"]}
    assert "仅内部" not in _all_text(content)
    assert "内部编号" in report.summary()


def test_never_publish_and_masking(exports, tmp_path):
    _, content = _pull(exports, tmp_path)
    text = _all_text(content)
    assert ID_NUMBER not in text and ID_NUMBER[:14] not in text
    assert "李四" not in text and "冯九" not in text       # natural persons
    assert "刘大" not in text                              # 个体工商户 operator
    assert "13812345678" not in text                       # phone number in free text
    assert "张小明" not in text                             # an informant named in 违法事实
    case = yaml.safe_load(open(next((content / "cases").glob("*.yaml")), encoding="utf-8"))
    assert "query_code" not in case


def test_penalty_record_fields(exports, tmp_path):
    from pipeline.ids import penalty_id
    _, content = _pull(exports, tmp_path)
    pid = penalty_id("11370281MB0000001R", "胶市监罚〔2024〕1号")
    rec = yaml.safe_load(open(content / "penalties" / f"{pid}.yaml", encoding="utf-8"))
    assert rec["fine_wan"] == "0.2" and rec["fine_yuan"] == 2000
    assert rec["decision_date"] == "2024-03-05" and rec["kinds"] == ["罚款", "没收违法所得"]
    assert rec["major"] is True and rec["legal_review_before_decision"] is True
    assert rec["case_id"].startswith("aj-") and rec["agency_id"] == "11370281mb0000001r"
    raw = open(content / "penalties" / f"{pid}.yaml", encoding="utf-8").read()
    assert 'decision_date: "2024-03-05"' in raw  # quoted ISO date, never a YAML date
    other = yaml.safe_load(open(content / "penalties" / f"{penalty_id('11370281MB0000001R', '胶市监罚〔2024〕3号')}.yaml",
                                encoding="utf-8"))
    assert other["legal_rep"] is None and other["legal_review_before_decision"] is False


def test_withdrawal_notice_and_facts(exports, tmp_path):
    _, content = _pull(exports, tmp_path)
    [notice] = [yaml.safe_load(open(p, encoding="utf-8")) for p in (content / "withdrawals").glob("*.yaml")]
    assert notice["reason"] == "行政复议决定撤销" and "party_name" not in notice
    facts = yaml.safe_load(open(content / "facts" / "penalties-2024.yaml", encoding="utf-8"))
    unpublished = [f for f in facts if not f["published"]]
    assert unpublished and all(f["id"] is None for f in unpublished)
    assert {f["withheld_reason"] for f in unpublished} == {"natural_person", "withdrawn", "simple_procedure"}
    # the withdrawn decision's item points at its notice (statistics link to it), no other does
    assert [f["notice_id"] for f in facts if f["notice_id"]] == [notice["id"]]
    assert [f["withheld_reason"] for f in facts if f["notice_id"]] == ["withdrawn"]


def test_blacklist_never_lists_natural_persons(exports, tmp_path):
    report, content = _pull(exports, tmp_path)
    assert report.tables["blacklist"]["withheld"] == {"natural_person": 1}
    names = {yaml.safe_load(open(p, encoding="utf-8"))["name"] for p in (content / "blacklist").glob("*.yaml")}
    assert names == {"青岛丙建设有限公司", "青岛丁环保有限公司"}


def test_codes_file_outside_content(exports, tmp_path):
    _, content = _pull(exports, tmp_path)
    codes = (tmp_path / "codes.csv").read_text(encoding="utf-8").splitlines()
    assert codes[0] == "案件编号,查询码" and len(codes) == 4
    text = _all_text(content)
    assert all(line.split(",")[1] not in text for line in codes[1:])
    with pytest.raises(PipelineError, match="content"):
        pull(str(exports), as_of=AS_OF, content_dir=str(tmp_path / "c2"),
             codes_path=str(tmp_path / "c2" / "codes.csv"), progress=False)


def test_deterministic_and_unchanged_files_untouched(exports, tmp_path):
    _, a = _pull(exports, tmp_path, "a")
    _, b = _pull(exports, tmp_path, "b")
    assert pipeline_fakes.tree_hash(a) == pipeline_fakes.tree_hash(b)
    before = {p: p.stat().st_mtime_ns for p in a.rglob("*.yaml")}
    _pull(exports, tmp_path, "a")
    assert {p: p.stat().st_mtime_ns for p in a.rglob("*.yaml")} == before


def test_records_no_longer_publishable_are_removed(exports, tmp_path):
    report, content = _pull(exports, tmp_path)
    penalties = sorted(p.name for p in (content / "penalties").glob("*.yaml"))
    assert len(penalties) == 2
    later = pull(str(exports), as_of=date(2025, 3, 10), content_dir=str(content), codes_path=None, progress=False)
    left = sorted(p.name for p in (content / "penalties").glob("*.yaml"))
    assert len(left) == 1 and later.tables["penalties"]["withheld"]["expired"] == 1
    assert yaml.safe_load(open(content / "site.yaml", encoding="utf-8"))["as_of"] == "2025-03-10"


def test_strict_mode_fails_and_writes_nothing(exports, tmp_path):
    report, content = _pull(exports, tmp_path, strict=True)
    assert not report.ok and not report.exported
    assert not content.exists()
    code = main(["pull", "--source", str(exports), "--as-of", "2024-06-30", "--content", str(tmp_path / "c"),
                 "--codes", str(tmp_path / "k.csv"), "--strict", "--quiet"])
    assert code == 1


def test_cli_missing_required_column_exits_nonzero_naming_file_and_column(tmp_path, capsys):
    (tmp_path / "agencies.csv").write_text("主体名称,主体类别\n甲,法定行政机关\n", encoding="utf-8")
    code = main(["pull", "--source", str(tmp_path), "--as-of", "2024-06-30", "--content", str(tmp_path / "c"),
                 "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "agencies.csv" in err and "统一社会信用代码" in err


def test_cli_success_prints_summary(exports, tmp_path, capsys):
    code = main(["pull", "--source", str(exports), "--as-of", "2024-06-30", "--content", str(tmp_path / "c"),
                 "--codes", str(tmp_path / "k.csv"), "--report", str(tmp_path / "r.json"), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0 and "penalties" in out and "隔离" in out


def test_report_arithmetic_fails_loudly():
    report = Report(as_of="2024-06-30", source="x")
    report.tables["penalties"] = {"rows": 3, "published": 1, "withheld": {"expired": 1}, "quarantined": []}
    with pytest.raises(PipelineError, match="penalties"):
        report.check_arithmetic()
    report.tables["penalties"]["quarantined"].append({"file": "p.csv", "row": 2, "field": "x", "reason": "y"})
    report.check_arithmetic()


def test_missing_query_code_secret_stops_before_writing(exports, tmp_path, monkeypatch):
    monkeypatch.delenv("GONGSHI_CODE_SECRET")
    monkeypatch.delenv("GONGSHI_CODE_SECRET_FILE", raising=False)
    with pytest.raises(PipelineError, match="GONGSHI_CODE_SECRET"):
        _pull(exports, tmp_path)
    assert not (tmp_path / "content").exists()


def test_summary_folds_consecutive_rows_with_one_reason():
    report = Report(as_of="2024-06-30", source="x")
    same = {"file": "e.csv", "field": "案件编号", "reason": "案件不存在"}
    report.tables["case_events"] = {"rows": 4, "published": 0, "withheld": {}, "quarantined": [
        {**same, "row": 5}, {**same, "row": 6}, {**same, "row": 7}, {**same, "row": 9}]}
    text = report.summary()
    assert "e.csv 第5–7行（3 行）" in text and "e.csv 第9行" in text


def test_file_and_folder_names_that_are_not_utf8(exports, tmp_path):
    """A zip made on Windows gives GBK file names; os.listdir returns them with lone surrogates.
    Such a folder or an ignored file is shown escaped in the report (which stays valid JSON and
    printable); a table file so named is refused with its name as GBK reads it."""
    folder = tmp_path / os.fsdecode("导出".encode("gbk"))
    shutil.copytree(exports, folder)
    shutil.copy(exports / "officers.csv", folder / os.fsdecode("说明.csv".encode("gbk")))
    report = pull(str(folder), as_of=AS_OF, content_dir=str(tmp_path / "content"),
                  codes_path=str(tmp_path / "codes.csv"), report_path=str(tmp_path / "report.json"),
                  progress=False)
    saved = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert saved["source"] == str(folder) and saved["ignored_files"] == report.ignored_files
    report.summary().encode("utf-8")  # printed to stdout, a strict UTF-8 stream
    assert "\\udc" in report.summary()
    mapped = tmp_path / "mapped"
    mapped.mkdir()
    shutil.copy(exports / "penalties.csv", mapped / os.fsdecode("处罚.csv".encode("gbk")))
    (tmp_path / "sources.yaml").write_text("sources:\n  - path: mapped\n    table: penalties\n", encoding="utf-8")
    with pytest.raises(PipelineError, match="处罚.csv: 文件名不是 UTF-8 编码.*penalties.csv"):
        pull(str(tmp_path / "sources.yaml"), as_of=AS_OF, content_dir=str(tmp_path / "c2"),
             codes_path=str(tmp_path / "codes2.csv"), progress=False)


def test_numbers_typed_in_full_width_or_other_digits_are_masked(exports, tmp_path):
    """A phone number typed with a Chinese IME comes in full-width digits: the pull masks it like
    an ASCII one (before, it went through unmasked and the leak gate then failed the build)."""
    from pipeline.leakgate import scan_tree

    folder = tmp_path / "exports"
    shutil.copytree(exports, folder)
    penalties = folder / "penalties.csv"
    wide = "".join(chr(ord(c) + 0xFEE0) for c in "13812345678")
    penalties.write_bytes(penalties.read_bytes().decode("gb18030").replace("13812345678", wide).encode("gb18030"))
    assert wide.encode("gb18030") in penalties.read_bytes()
    _, content = _pull(folder, tmp_path)
    text = _all_text(content)
    assert wide not in text and "13812345678" not in text and "［已隐去］" in text
    assert scan_tree(str(content)) == []
