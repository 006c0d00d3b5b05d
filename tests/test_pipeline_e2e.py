"""End to end with the real rules and sanitiser: the synthetic demo exports, and the real court
list of dishonest debtors (read in place, never copied) as a blacklist-like source."""

import os
import re
import subprocess
import sys
from datetime import date

import pytest
import yaml

from pipeline.pull import pull
from pipeline_fakes import texts, tree_hash

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REALDATA = os.path.join(REPO, "..", "shared", "realdata", "court-dishonest-debtors-shanghai-sample.csv")
DEMO_AS_OF = date(2026, 11, 20)


def _require_rules():
    import pipeline.rules as rules
    if not hasattr(rules, "penalty_status"):
        pytest.skip("pipeline/rules.py (publication rules) is not in the tree yet")


def _check_arithmetic(report):
    for name, t in report.tables.items():
        assert t["rows"] == t["published"] + sum(t["withheld"].values()) + len(t["quarantined"]), name


# --- demo data ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_exports(tmp_path_factory):
    if not os.path.exists(os.path.join(REPO, "pipeline", "demo.py")):
        pytest.skip("pipeline/demo.py (demo data generator) is not in the tree yet")
    out = tmp_path_factory.mktemp("demo") / "exports"
    subprocess.run([sys.executable, "-m", "pipeline", "demo", "--out", str(out)], cwd=REPO, check=True,
                   capture_output=True)
    return out


@pytest.fixture(scope="module")
def demo_pull(demo_exports, tmp_path_factory):
    _require_rules()
    root = tmp_path_factory.mktemp("demo-pull")
    report = pull(str(demo_exports), as_of=DEMO_AS_OF, content_dir=str(root / "content"),
                  codes_path=str(root / "codes.csv"), report_path=str(root / "report.json"), progress=False)
    return report, root


def test_demo_pull_accounts_for_every_row(demo_pull):
    report, root = demo_pull
    _check_arithmetic(report)
    assert report.exported
    tables = report.tables
    assert tables["penalties"]["published"] > 0 and tables["permits"]["published"] > 0
    assert tables["penalties"]["withheld"], "demo data has withheld penalties (natural persons, expired …)"
    assert sum(len(t["quarantined"]) for t in tables.values()) > 0, "demo data has deliberately bad rows"
    for t in tables.values():
        for q in t["quarantined"]:
            assert q["file"] and q["row"] >= 2 and q["field"] and q["reason"]
    site = yaml.safe_load(open(root / "content" / "site.yaml", encoding="utf-8"))
    assert site["demo"] is True and site["as_of"] == "2026-11-20"


def test_demo_pull_is_deterministic(demo_exports, demo_pull, tmp_path):
    _, root = demo_pull
    pull(str(demo_exports), as_of=DEMO_AS_OF, content_dir=str(tmp_path / "content"),
         codes_path=str(tmp_path / "codes.csv"), progress=False)
    assert tree_hash(tmp_path / "content") == tree_hash(root / "content")
    assert (tmp_path / "codes.csv").read_bytes() == (root / "codes.csv").read_bytes()


def test_demo_content_has_no_query_codes_or_personal_data(demo_pull):
    _, root = demo_pull
    codes = [line.split(",", 1)[1] for line in (root / "codes.csv").read_text(encoding="utf-8").splitlines()[1:]]
    assert codes
    sample = set(codes[:: max(1, len(codes) // 200)])
    for path, text in texts(root / "content"):
        assert not any(code in text for code in sample), path
    try:
        from pipeline.leakgate import scan_tree
    except ImportError:
        return
    leaks = scan_tree(str(root / "content"))
    assert not leaks, leaks[:5]


# --- real data: court list of dishonest debtors ------------------------------------------------

COMMON_SURNAMES = set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
                      "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
                      "戴莫孔向汤凌施邱")
ROLE = re.compile(r"(?:原告|申请人|申请执行人|第三人|上诉人|被上诉人|举报人)[:：]?([\u4e00-\u9fa5]{2,3})"
                  r"(?=[，,。；;、的于与及人诉（(：:\s]|$)")
SOURCES = """\
sources:
  - path: {path}
    table: blacklist
    columns:
      iname: 主体名称
      code_num: 统一社会信用代码
      business_entity: 法定代表人
      duty: 列入事由
      gist_id: 认定依据
      court: 认定部门
      case_code: 认定文书号
      reg_date: 列入日期
    values:
      领域: 其他
      状态: 列入
      有效期至: "2030-12-31"
"""


def _pull_sources(root, csv_path):
    (root / "sources.yaml").write_text(SOURCES.format(path=os.path.abspath(csv_path)), encoding="utf-8")
    report = pull(str(root / "sources.yaml"), as_of=DEMO_AS_OF, content_dir=str(root / "content"),
                  codes_path=None, report_path=str(root / "report.json"), progress=False)
    return report, root / "content"


@pytest.fixture(scope="module")
def realdata_pull(tmp_path_factory):
    """The sample read in place. Its organisations carry 9-digit organisation codes or masked
    credit codes, so they are quarantined: this run shows the pipeline holds on real input."""
    if not os.path.exists(REALDATA):
        pytest.skip(f"real data sample not found at {REALDATA}")
    _require_rules()
    return _pull_sources(tmp_path_factory.mktemp("realdata"), REALDATA)


@pytest.fixture(scope="module")
def realdata_listed_pull(tmp_path_factory):
    """The same rows in a temporary copy (never in the repo) where each organisation gets a
    synthetic valid credit code, so organisations are listed and their `duty` text — naming
    plaintiffs and other third parties — really goes through the scrubber onto content/."""
    if not os.path.exists(REALDATA):
        pytest.skip(f"real data sample not found at {REALDATA}")
    _require_rules()
    import csv
    from stdnum.cn import uscc
    root = tmp_path_factory.mktemp("realdata-listed")
    rows = _rows()
    for i, r in enumerate(rows):
        if r["sexy"] not in ("1", "2"):
            body = f"91310000MA{i:07d}"
            r["code_num"] = body + uscc.calc_check_digit(body)
    path = root / "debtors.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return _pull_sources(root, path)


def _rows():
    import csv
    with open(REALDATA, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_realdata_completes_with_a_report(realdata_pull):
    report, content = realdata_pull
    _check_arithmetic(report)
    t = report.tables["blacklist"]
    assert t["rows"] == 2000
    assert t["withheld"].get("natural_person", 0) >= 1000
    assert all(q["field"] == "统一社会信用代码" for q in t["quarantined"])
    unknown = report.unknown_columns["court-dishonest-debtors-shanghai-sample.csv"]
    assert {"sexy", "age", "performance", "disrupt_type_name"} <= set(unknown)


def test_realdata_with_valid_codes_lists_organisations(realdata_listed_pull):
    report, content = realdata_listed_pull
    _check_arithmetic(report)
    t = report.tables["blacklist"]
    assert t["published"] >= 500
    assert len(list((content / "blacklist").glob("*.yaml"))) == t["published"]


@pytest.mark.parametrize("which", ["realdata_pull", "realdata_listed_pull"])
def test_realdata_leaks_no_person_id_or_third_party(which, request):
    _, content = request.getfixturevalue(which)
    rows = _rows()
    persons = [r for r in rows if r["sexy"] in ("1", "2")]
    orgs = [r for r in rows if r["sexy"] not in ("1", "2")]
    # Names that are public in their own right: organisation names and their legal representatives
    # (domain §7 lists 法定代表人 by name). A debtor who shares such a name is not a leak.
    public = {r["iname"] for r in orgs} | {r["business_entity"] for r in orgs}
    text = "\n".join(t for _, t in texts(content))
    assert text, "something was written"
    for r in persons:
        name = r["iname"].strip()
        if len(name) >= 2 and not any(name in p for p in public):
            assert name not in text, f"natural person's name leaked (row {rows.index(r) + 2})"
        code = r["code_num"].strip()
        if code:
            assert code not in text
            for part in re.findall(r"\d{4,}", code):
                if len(part) >= 6:
                    assert part not in text, "ID-number fragment leaked"
    assert not re.search(r"\d{6,}[*＊]{2,}", text), "masked ID-number pattern leaked"
    assert not re.search(r"(?<![0-9A-Z])\d{17}[\dXx](?![0-9A-Z])", text), "18-digit ID-like number leaked"
    third = {m for r in orgs for m in ROLE.findall(r["duty"])
             if m[0] in COMMON_SURNAMES and not re.search(r"申请|被|告|人", m)}  # '向申请人' is no name
    third -= {n for n in third if any(n in p for p in public)}
    assert third, "the sample names third parties in duty"
    leaked = sorted(n for n in third if n in text)
    assert not leaked, f"third-party names from duty leaked: {len(leaked)}"
