"""The demo exports: deterministic, big enough, in the stated encodings, with real citations and the
tricky cases the pipeline must handle."""

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from stdnum.cn import uscc

from pipeline.citations import parse_citations
from pipeline.cli import main
from pipeline.demo import FILES, generate
from pipeline.demo_people import CROCKFORD
from pipeline.laws import load_library
from pipeline.workdays import add_workdays

LAWS = Path(os.environ.get("GONGSHI_LAWS_DIR", Path(__file__).resolve().parents[2] / "shared" / "laws"))
pytestmark = pytest.mark.skipif(not LAWS.is_dir(), reason="law texts folder not available")
AS_OF = date(2026, 11, 20)
STAGES = ["案源登记", "立案", "调查取证", "告知", "听证", "法制审核", "集体讨论", "决定", "送达", "执行", "结案"]
CATEGORIES = ["行政许可", "行政处罚", "行政强制", "行政征收", "行政征用", "行政检查", "行政确认", "行政给付",
              "行政裁决", "行政奖励", "其他行政权力"]


def _id_ok(number: str) -> bool:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(number[:17], weights))
    return "10X98765432"[total % 11] == number[17]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    counts = generate(str(out))
    return out, counts


@pytest.fixture(scope="module")
def tables(demo):
    out, _ = demo
    spec = yaml.safe_load((out / "sources.yaml").read_text(encoding="utf-8"))
    result = {}
    for entry in spec["sources"]:
        path = out / entry["path"]
        if path.suffix == ".csv":
            rows = list(csv.DictReader(io.StringIO(path.read_text(encoding=entry["encoding"]), newline="")))
        elif path.suffix == ".xlsx":
            ws = load_workbook(path, read_only=True)[entry["sheet"]]
            values = list(ws.iter_rows(values_only=True))
            rows = [dict(zip(values[0], ("" if v is None else v for v in r))) for r in values[1:]]
        else:
            rows = json.loads(path.read_text(encoding="utf-8"))
        result[entry["table"]] = rows
    return result


def test_same_seed_gives_identical_bytes(demo, tmp_path):
    """In another process with another string-hash seed, so no set or dict order can leak in."""
    out, _ = demo
    env = dict(os.environ, PYTHONHASHSEED="4242")
    subprocess.run([sys.executable, "-m", "pipeline", "demo", "--out", str(tmp_path)], check=True, env=env,
                   cwd=Path(__file__).resolve().parents[1], capture_output=True)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    for name in names:
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_scale_multiplies_only_the_scaled_tables(demo, tmp_path):
    out, counts = demo
    assert main(["demo", "--out", str(tmp_path), "--scale", "2"]) == 0
    for name in ("agencies.xlsx", "officers.csv", "matters.csv"):
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes(), name
    cases = (tmp_path / "cases.csv").read_bytes().count(b"\r\n") - 1   # no line breaks inside cells
    assert cases == 2 * counts["cases"]


def test_counts_at_scale_one(demo, tables):
    _, counts = demo
    assert counts["agencies"] == 27
    assert 280 <= counts["officers"] <= 340
    assert counts["matters"] >= 2600
    assert counts["major_decisions"] >= 1700
    assert counts["cases"] >= 2400
    assert counts["penalties"] >= 1500
    assert counts["permits"] >= 2000
    assert counts["blacklist"] >= 150
    assert [int(r["年度"]) for r in tables["supervision"]] == list(range(2017, 2027))
    assert set(r["事项类别"] for r in tables["matters"]) == set(CATEGORIES)
    assert {r["领域"] for r in tables["blacklist"]} == {"规划建设", "土地管理", "安全生产", "环境保护", "食品安全", "其他"}
    assert counts == {t: len(rows) for t, rows in tables.items()}


def test_files_in_stated_encodings(demo):
    out, _ = demo
    spec = yaml.safe_load((out / "sources.yaml").read_text(encoding="utf-8"))
    assert spec["demo"] is True
    assert [e["path"] for e in spec["sources"]] == [f[0] for f in FILES]
    for entry in spec["sources"]:
        data = (out / entry["path"]).read_bytes()
        encoding = entry.get("encoding")
        if encoding == "utf-8-sig":
            assert data.startswith(b"\xef\xbb\xbf")
        elif encoding == "utf-8":
            assert not data.startswith(b"\xef\xbb\xbf")
            data.decode("utf-8")
        elif encoding == "gb18030":
            data.decode("gb18030")
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
        elif entry["path"].endswith(".xlsx"):
            assert data[:2] == b"PK"
    penalties = (out / "penalties.csv").read_text(encoding="gb18030").splitlines()[0].split(",")
    assert "CF_XDR_MC" in penalties and "CF_WSH" in penalties and "违法事实" in penalties
    assert set(spec["sources"][6]["columns"]) <= set(penalties)


def test_every_citation_resolves_to_an_existing_article(tables):
    lib = load_library(str(LAWS))
    fields = {"matters": "设定依据", "penalties": "处罚依据", "blacklist": "认定依据", "major_decisions": "审核依据"}
    seen = set()
    for table, column in fields.items():
        for row in tables[table]:
            text = row[column]
            if text in seen:
                continue
            seen.add(text)
            cites = parse_citations(text, lib)
            assert cites, (table, text)
            for c in cites:
                assert c["law_id"] and c["article"], (table, text)
                article = lib.by_id(c["law_id"]).articles[c["article"]]
                assert article.has(c["paragraph"], c["item"]), (table, text)
    # penalty matters cite the 法律责任 / 罚则 chapter
    for row in tables["matters"]:
        if row["事项类别"] == "行政处罚":
            c = parse_citations(row["设定依据"], lib)[0]
            assert c["article"] in lib.by_id(c["law_id"]).liability_articles(), row["设定依据"]


def test_credit_codes_and_identity_numbers(tables):
    for row in tables["agencies"]:
        code = row["统一社会信用代码"]
        assert uscc.is_valid(code) and code[:2] in ("11", "12") and code[2:8] == "370281"
    bad = 0
    for row in tables["penalties"]:
        kind, code = row["CF_XDR_LB"], row["CF_XDR_SHXYM"]
        if kind == "自然人":
            assert code == "" and _id_ok(row["证件号码"])
            assert row["证件号码"] in row["违法事实"]
            assert re.search(r"1[3-9]\d{9}", row["违法事实"])
        else:
            assert code.startswith("91" if kind == "法人及非法人组织" else "92")
            assert re.search(r"[A-Z]", code)      # never mistakable for an 18-digit ID number
            bad += not uscc.is_valid(code)
            assert _id_ok(row["法定代表人证件号码"])
    assert bad == 1


def test_penalty_variety(tables):
    rows = tables["penalties"]
    assert Counter(r["程序类型"] for r in rows)["简易程序"] > 50
    assert any(r["处罚类别"] == "警告" for r in rows)
    assert {r["失信程度"] for r in rows} >= {"轻微", "一般", "严重", ""}
    statuses = Counter(r["状态"] for r in rows)
    assert statuses["已信用修复"] > 5 and statuses["已撤销"] > 5
    withdrawn = [r for r in rows if r["状态"] in ("已撤销", "已变更", "确认违法", "确认无效")]
    assert all(r["撤回理由"] and r["状态日期"] for r in withdrawn)
    assert sum(1 for r in rows if r["公示截止期"] == "") > len(rows) / 3
    assert sum(1 for r in rows if r["公示截止期"] == "2026/11/21") >= 3
    assert any(r["CF_JDRQ"] and r["CF_JDRQ"] < "2021/01/01" for r in rows)     # long expired ones
    spring = sorted(r["公示日期"] for r in rows if r["CF_JDRQ"] == "2026/02/13")
    decided = date(2026, 2, 13)
    assert add_workdays(decided, 7).strftime("%Y/%m/%d") in spring
    assert add_workdays(decided, 8).strftime("%Y/%m/%d") in spring
    assert all(r["公示日期"] <= "2026/11/20" for r in rows)
    late = [r for r in rows if r["公示日期"] and r["CF_JDRQ"]
            and r["公示日期"] > add_workdays(date.fromisoformat(r["CF_JDRQ"].replace("/", "-")), 7).strftime("%Y/%m/%d")]
    assert 0.03 * len(rows) < len(late) < 0.3 * len(rows)


def test_fines_in_wan_match_the_content(tables):
    numbers = Counter(r["CF_WSH"] for r in tables["penalties"])
    [conflict] = [n for n, k in numbers.items() if k > 1]
    for row in tables["penalties"]:
        m = re.search(r"罚款人民币(\d+)元", row["处罚内容"])
        if row["CF_WSH"] == conflict:
            continue
        assert bool(m) == bool(row["CF_NR_FK"])
        if m:
            assert Decimal(row["CF_NR_FK"]) * 10000 == Decimal(m.group(1))
            if row["程序类型"] == "简易程序":
                assert int(m.group(1)) <= (200 if row["CF_XDR_LB"] == "自然人" else 3000)


def test_cases_and_timelines(tables):
    cases = tables["cases"]
    pattern = re.compile(r"^.+(?:简)?立〔20(?:1[7-9]|2[0-6])〕\d+号$")
    assert all(pattern.match(r["案件编号"]) for r in cases)
    codes = [r["查询码"] for r in cases if r["查询码"]]
    assert 0.4 * len(cases) < len(codes) < 0.6 * len(cases)
    assert all(len(c) >= 16 and set(c) <= set(CROCKFORD) for c in codes) and len(set(codes)) == len(codes)
    events: dict[str, dict[str, list]] = {}
    for e in tables["case_events"]:
        assert e["日期"] <= "2026-11-20" and e["录入日期"] >= e["日期"]
        events.setdefault(e["案件编号"], {}).setdefault(e["环节"], []).append(e)
    assert {stage for ev in events.values() for stage in ev} == set(STAGES)
    filed = {r["案件编号"]: date.fromisoformat(r["立案日期"]) for r in cases if r["立案日期"]}
    decided = {no: date.fromisoformat(ev["决定"][0]["日期"]) for no, ev in events.items() if "决定" in ev}
    overdue = [no for no, d in decided.items() if no in filed and (d - filed[no]).days > 90]
    pending = [no for no in filed if no not in decided]
    stuck = [no for no in pending if (AS_OF - filed[no]).days > 90]
    assert len(overdue) > 20 and len(pending) > 20 and len(stuck) >= 4
    majors = [r["案件编号"] for r in cases if r["是否重大执法决定"] == "是"]
    reviewed = [no for no in majors if "法制审核" in events.get(no, {})]
    assert 0 < len(reviewed) < len(majors)
    late_entry = [e for e in tables["case_events"] if e["环节"] == "立案"
                  and (date.fromisoformat(e["录入日期"]) - date.fromisoformat(e["日期"])).days > 3]
    assert late_entry
    with_decision = {r["决定书文号"] for r in cases if r["决定书文号"]}
    assert with_decision <= {r["CF_WSH"] for r in tables["penalties"]}


def test_deliberately_bad_rows(tables):
    permits = [tuple(r.values()) for r in tables["permits"]]
    assert len(permits) - len(set(permits)) == 1
    assert sum(1 for r in tables["cases"] if not r["立案日期"]) == 1
    assert sum(1 for r in tables["penalties"] if not r["CF_JDRQ"]) == 1
    bodies = {r["主体名称"] for r in tables["agencies"]} | {r["统一社会信用代码"] for r in tables["agencies"]}
    assert [r["所属主体"] for r in tables["officers"] if r["所属主体"] not in bodies] == ["胶州市城市管理局"]


def test_blacklist_contents(tables):
    rows = tables["blacklist"]
    persons = [r for r in rows if r["统一社会信用代码"].isdigit() or r["统一社会信用代码"][:17].isdigit()]
    assert 2 <= len(persons) <= 6 and all(_id_ok(r["统一社会信用代码"]) for r in persons)
    removed = Counter(r["移出事由"] for r in rows if r["状态"] == "移出")
    assert removed["期满"] and removed["信用修复"]
    assert any(r["状态"] == "列入" and r["有效期至"] > "2026-11-20" for r in rows)
