"""Unit tests of the plugin's helpers: Chinese dates, money, citation links, store groupings."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

from conftest import FIXTURE_CONTENT, REPO

sys.path.insert(0, os.path.join(REPO, "plugins"))
from gongshi import jinja_helpers, store as store_mod  # noqa: E402


@pytest.mark.parametrize("value, expected", [
    ("2024-03-05", "2024年3月5日"), ("2026-11-20", "2026年11月20日"), (None, ""), ("", ""),
    ("不是日期", "不是日期")])
def test_zh_date(value, expected):
    assert jinja_helpers.zh_date(value) == expected


def test_zh_month_and_money():
    assert jinja_helpers.zh_month("2024-03") == "2024年3月"
    assert jinja_helpers.yuan(2000) == "2,000" and jinja_helpers.yuan(1234567) == "1,234,567"
    assert jinja_helpers.yuan(None) == "" and jinja_helpers.or_dash(None) == "—"


class _Law:
    def __init__(self, id, articles):
        self.id, self.articles = id, dict.fromkeys(articles)


class _Store:
    class library:
        laws = [_Law("law-00000001", [1, 2, 3])]


def test_citation_links_only_to_what_exists():
    link = jinja_helpers.CitationLinker(_Store())
    assert link({"law_id": "law-00000001", "article": 2}) == "/laws/law-00000001/#art-2"
    assert link({"law_id": "law-00000001", "article": 99}) == "/laws/law-00000001/"
    assert link({"law_id": "law-00000001", "article": None}) == "/laws/law-00000001/"
    assert link({"law_id": "law-ffffffff", "article": 1}) is None   # law not in this library
    assert link({"law_id": None, "article": None}) is None


def test_penalty_kind_slugs_are_stable_and_url_safe():
    assert store_mod.penalty_kind_slug("罚款") == "fakuan"
    other = store_mod.penalty_kind_slug("某种新类别")
    assert other == store_mod.penalty_kind_slug("某种新类别") and other.startswith("k-")
    assert all(c.isalnum() or c == "-" for c in other)


def test_store_groupings():
    content = store_mod.ContentStore(FIXTURE_CONTENT)
    newest = content.newest_first("penalties")
    dates = [p["decision_date"] for p in newest]
    assert dates == sorted(dates, reverse=True)
    groups = content.group_by("penalties", "kinds")          # a list field: one group per kind
    assert sum(len(v) for v in groups.values()) == sum(len(p["kinds"]) for p in newest)
    by_agency = content.group_by("penalties", "agency_id", newest_by="decision_date")
    for items in by_agency.values():
        assert [p["decision_date"] for p in items] == sorted((p["decision_date"] for p in items), reverse=True)


def test_build_id_follows_content(tmp_path):
    copy = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, copy)
    first = store_mod.ContentStore(str(copy)).build_id
    assert first == store_mod.ContentStore(FIXTURE_CONTENT).build_id
    with open(copy / "agencies" / os.listdir(copy / "agencies")[0], "a", encoding="utf-8") as fh:
        fh.write("# changed\n")
    assert store_mod.ContentStore(str(copy)).build_id != first
