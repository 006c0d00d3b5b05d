import os
from pathlib import Path

import pytest
import yaml

from pipeline.citations import parse_citations
from pipeline.laws import load_library

LAWS = Path(os.environ.get("GONGSHI_LAWS_DIR", Path(__file__).resolve().parents[2] / "shared" / "laws"))
PROCEDURES = Path(__file__).resolve().parents[1] / "pipeline" / "reference" / "procedures.yaml"
STAGES = {"案源登记", "立案", "调查取证", "告知", "听证", "法制审核", "集体讨论", "决定", "送达", "执行", "结案"}
CATEGORIES = {"行政许可", "行政处罚", "行政强制", "行政征收", "行政征用", "行政检查", "行政确认", "行政给付",
              "行政裁决", "行政奖励", "其他行政权力"}


@pytest.fixture(scope="module")
def procedures():
    return yaml.safe_load(PROCEDURES.read_text(encoding="utf-8"))["procedures"]


def _entries(procedures):
    for proc in procedures:
        for group in ("steps", "rights", "remedies"):
            for entry in proc[group]:
                yield proc["id"], group, entry


def test_ids_and_categories(procedures):
    ids = [p["id"] for p in procedures]
    assert ids == ["chufa-putong", "chufa-jianyi", "xuke", "qiangzhi", "jiancha", "zhengshou", "qita"]
    covered = [c for p in procedures if p["id"] != "chufa-jianyi" for c in p["categories"]]
    assert sorted(covered) == sorted(CATEGORIES)   # every 事项类别 maps to exactly one procedure


def test_shape(procedures):
    for proc in procedures:
        assert proc["name"] and proc["summary"] and proc["steps"] and proc["remedies"]
        for step in proc["steps"]:
            assert set(step) == {"name", "stage", "optional", "description", "time_limit", "days",
                                 "working_days", "citations"}
            assert step["stage"] is None or step["stage"] in STAGES
    penalty = next(p for p in procedures if p["id"] == "chufa-putong")
    assert [s["stage"] for s in penalty["steps"]] == [
        "案源登记", "立案", "调查取证", "告知", "听证", "法制审核", "集体讨论", "决定", "送达", "执行", "结案"]
    decide = next(s for s in penalty["steps"] if s["stage"] == "决定")
    assert decide["days"] == 90 and decide["working_days"] is False
    for proc in procedures:
        names = {r["name"]: r for r in proc["remedies"]}
        assert names["行政复议"]["days"] == 60 and names["行政诉讼"]["time_limit"] == "六个月"


@pytest.mark.skipif(not LAWS.is_dir(), reason="law texts folder not available")
def test_every_citation_points_to_a_real_article(procedures):
    lib = load_library(str(LAWS))
    for pid, group, entry in _entries(procedures):
        assert entry["citations"] or entry["name"] == "结案", (pid, entry["name"])
        for raw in entry["citations"]:
            cites = parse_citations(raw, lib)
            assert len(cites) == 1, raw
            c = cites[0]
            assert c["law_id"] and c["article"], (pid, group, raw)
            article = lib.by_id(c["law_id"]).articles[c["article"]]
            assert article.has(c["paragraph"], c["item"]), (pid, raw)


@pytest.mark.skipif(not LAWS.is_dir(), reason="law texts folder not available")
def test_key_time_limits_match_the_law(procedures):
    lib = load_library(str(LAWS))
    punish = lib.find("行政处罚法")
    assert "九十日" in punish.articles[60].text
    assert "五日内" in punish.articles[64].text and "七日前" in punish.articles[64].text
    assert "二十日内" in lib.find("行政许可法").articles[42].text
    assert "六十日" in lib.find("行政复议法").articles[20].text
    assert "六个月" in lib.find("行政诉讼法").articles[46].text
