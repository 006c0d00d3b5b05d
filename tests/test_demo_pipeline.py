"""The demo exports go through the real pull: only the deliberately bad rows are quarantined, every
column is recognised, and nothing personal reaches content/."""

import datetime as dt
import os
from collections import Counter
from pathlib import Path

import pytest
import yaml

from pipeline.demo import generate

LAWS = Path(os.environ.get("GONGSHI_LAWS_DIR", Path(__file__).resolve().parents[2] / "shared" / "laws"))
pytestmark = pytest.mark.skipif(not LAWS.is_dir(), reason="law texts folder not available")


@pytest.fixture(scope="module")
def pulled(tmp_path_factory):
    from pipeline.pull import pull

    root = tmp_path_factory.mktemp("demo-pull")
    generate(str(root / "exports"))
    report = pull(str(root / "exports"), as_of=dt.date(2026, 11, 20), content_dir=str(root / "content"),
                  codes_path=str(root / "codes.csv"), progress=False)
    return root, report.to_dict()


def test_only_the_deliberately_bad_rows_are_quarantined(pulled):
    _, report = pulled
    assert report["unknown_columns"] == {} and report["ignored_files"] == []
    quarantined = {t: [(q["field"], q["reason"]) for q in v["quarantined"]] for t, v in report["tables"].items()}
    assert [f for f, _ in quarantined["officers"]] == ["所属主体"]
    assert [f for f, _ in quarantined["cases"]] == ["立案日期"]
    fields = Counter(f for f, _ in quarantined["penalties"])
    assert fields["处罚决定日期"] == 1 and fields["行政相对人代码_1(统一社会信用代码)"] == 1
    assert len(quarantined["penalties"]) == 4          # + the two rows sharing one decision number
    assert {f for f, _ in quarantined["case_events"]} <= {"案件编号"}   # events of the dateless case
    for table in ("agencies", "matters", "major_decisions", "permits", "blacklist", "supervision"):
        assert quarantined[table] == [], table
    assert report["tables"]["permits"]["withheld"].get("duplicate") == 1


def test_demo_content_has_the_interesting_cases(pulled):
    root, report = pulled
    tables = report["tables"]
    assert tables["penalties"]["published"] > 200
    withheld = tables["penalties"]["withheld"]
    for reason in ("natural_person", "simple_procedure", "warning_only", "expired", "withdrawn", "repaired"):
        assert withheld.get(reason), reason
    assert tables["blacklist"]["withheld"].get("natural_person", 0) >= 2
    site = yaml.safe_load((root / "content" / "site.yaml").read_text(encoding="utf-8"))
    assert site["demo"] is True
    assert any((root / "content" / "withdrawals").iterdir())


def test_no_personal_data_in_content(pulled):
    from pipeline.leakgate import scan_tree

    root, _ = pulled
    assert scan_tree(str(root / "content")) == []


def test_people_named_in_demo_free_text_are_masked(pulled):
    """The demo's free text names whistle-blowers, questioned parties, operators and legal
    representatives right after their role word; no such role word + name reaches content/
    (their names may appear elsewhere: a legal representative's own field, an officer's name)."""
    import re

    root, _ = pulled
    raw = []
    for path in (root / "exports").iterdir():
        data = path.read_bytes()
        for encoding in ("utf-8", "gb18030"):
            try:
                raw.append(data.decode(encoding))
                break
            except UnicodeDecodeError:
                continue
    named = set(re.findall(r"(举报人|询问当事人|经营者|法定代表人)([\u4e00-\u9fff]{2,4})[（，(]", "\n".join(raw)))
    content = "\n".join(p.read_text(encoding="utf-8") for p in (root / "content").rglob("*.yaml"))
    assert len(named) > 100
    assert sorted(role + name for role, name in named if role + name in content) == []
