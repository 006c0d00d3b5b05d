"""Blacklist listings, the business credit check, open data, feeds and the sitemap (issue 4)."""

from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml
from playwright.sync_api import expect

from conftest import DEMO_AS_OF, render_tree, serve_folder

ATOM = "{http://www.w3.org/2005/Atom}"
CREDIT_FAMILIES = ["generators.blacklist", "generators.credit", "generators.feeds",
                   "generators.opendata", "generators.sitemap", "generators.decisions",
                   "generators.search"]


def load_dir(folder: Path) -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.yaml"))]


def render_with_feeds(content_dir: str, output_dir: str) -> str:
    from pipeline.render import render_site

    render_site(content_dir, output_dir, extra_settings={
        "GONGSHI_FAMILIES": CREDIT_FAMILIES, "GONGSHI_FEEDS": True, "SITEURL": "https://gs.example.cn"})
    return output_dir


@pytest.fixture(scope="module")
def feeds_site(demo_build, tmp_path_factory) -> Path:
    return Path(render_with_feeds(demo_build.content_dir, str(tmp_path_factory.mktemp("feeds") / "out")))


def test_blacklist_listing_counts_match_the_yaml(demo_build):
    entries = load_dir(Path(demo_build.content_dir) / "blacklist")
    active = [e for e in entries if e["status"] != "移出"]
    removed = [e for e in entries if e["status"] == "移出"]
    assert active and removed, "the demo should have active entries and removal notices"
    html = (Path(demo_build.output_dir) / "blacklist" / "index.html").read_text(encoding="utf-8")
    assert f"列入名单的主体（{len(active)} 个）" in html
    assert f"移出公告（{len(removed)} 个）" in html
    for area in {e["area_slug"] for e in entries}:
        in_area = [e for e in active if e["area_slug"] == area]
        page = (Path(demo_build.output_dir) / "blacklist" / "area" / area / "index.html").read_text(encoding="utf-8")
        assert f"列入名单的主体（{len(in_area)} 个）" in page
    for e in entries:
        page = (Path(demo_build.output_dir) / "blacklist" / e["id"] / "index.html").read_text(encoding="utf-8")
        assert ("已移出" if e["status"] == "移出" else "列入") in page
        assert e["credit_code"] in page


def test_no_natural_person_on_the_blacklist(demo_build):
    for e in load_dir(Path(demo_build.content_dir) / "blacklist"):
        # credit codes of organisations and 个体工商户; natural persons have none and never appear
        assert re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{18}", e["credit_code"]), e["id"]


def test_open_data_csv_round_trips_the_field_list(feeds_site, demo_build):
    from plugins.gongshi.opendata_fields import DATASETS

    for name, (kind, _title, fields) in DATASETS.items():
        raw = (feeds_site / "data" / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), "CSV needs a BOM so Excel reads UTF-8"
        frame = pd.read_csv(feeds_site / "data" / f"{name}.csv", encoding="utf-8-sig", dtype=str,
                            keep_default_na=False)
        assert list(frame.columns) == [header for _, header, _, _ in fields]
        records = load_dir(Path(demo_build.content_dir) / kind)
        assert len(frame) == len(records)
        ids = set(frame["记录编号"])
        assert ids == {r["id"] for r in records}
        one = records[0]
        assert (feeds_site / "data" / name / f"{one['id']}.json").exists()


def test_csv_cells_cannot_become_formulas():
    from plugins.gongshi.generators.opendata import to_csv

    fields = [("a", "甲", "文本", "")]
    text = to_csv([{"a": "=HYPERLINK(\"http://x\")"}, {"a": "+1"}, {"a": "正常"}], fields).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+1" in text and "\r\n正常" in text


def test_feeds_are_well_formed_atom(feeds_site, demo_build):
    feeds = sorted(feeds_site.glob("feeds/**/*.atom"))
    agencies = load_dir(Path(demo_build.content_dir) / "agencies")
    assert len(feeds) == 2 + len(agencies)
    for path in feeds:
        root = ET.parse(path).getroot()
        assert root.tag == f"{ATOM}feed"
        for required in ("id", "title", "updated"):
            assert root.find(f"{ATOM}{required}") is not None, (path, required)
        for entry in root.findall(f"{ATOM}entry"):
            for required in ("id", "title", "updated", "link"):
                assert entry.find(f"{ATOM}{required}") is not None, (path, required)
            assert entry.find(f"{ATOM}link").get("href").startswith("https://gs.example.cn/")
    city = ET.parse(feeds_site / "feeds" / "decisions.atom").getroot()
    assert len(city.findall(f"{ATOM}entry")) == 50


def test_sitemap_lists_every_public_page(feeds_site):
    root = ET.parse(feeds_site / "sitemap.xml").getroot()
    locs = {loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    pages = {p for p in feeds_site.rglob("*.html") if p.name != "404.html"}
    assert len(locs) == len(pages)
    assert "https://gs.example.cn/credit/" in locs


def _artefact_text(output: Path) -> str:
    """Every text artefact except HTML pages: downloads, feeds, sitemap, shards, search files."""
    chunks = []
    for path in output.rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".json", ".atom", ".xml"):
            chunks.append(path.read_text(encoding="utf-8-sig", errors="replace"))
    return "\n".join(chunks)


def test_an_expiring_penalty_vanishes_from_every_artefact(demo_exports, tmp_path):
    """A penalty whose last public day is D is everywhere when built on D and nowhere on D+1."""
    from pipeline.pull import pull

    day = date(2026, 11, 21)
    builds = {}
    for as_of in (day, date(2026, 11, 22)):
        content = tmp_path / f"content-{as_of}"
        pull(demo_exports, as_of=as_of, content_dir=str(content),
             codes_path=str(tmp_path / "codes.csv"), progress=False)
        builds[as_of] = (content, Path(render_with_feeds(str(content), str(tmp_path / f"out-{as_of}"))))
    content, output = builds[day]
    expiring = [p for p in load_dir(content / "penalties") if p["publish_until"] == day.isoformat()]
    assert expiring, "the demo data should have penalties whose publication ends on 2026-11-21"
    _, later = builds[date(2026, 11, 22)]
    text_before, text_after = _artefact_text(output), _artefact_text(later)
    sitemap_after = (later / "sitemap.xml").read_text(encoding="utf-8")
    for p in expiring:
        assert (output / "penalties" / p["id"] / "index.html").exists()
        assert p["id"] in text_before and p["decision_no"] in text_before
        assert not (later / "penalties" / p["id"]).exists()
        assert p["id"] not in text_after, "expired id left in a download, feed, shard or index"
        assert p["decision_no"] not in text_after
        assert p["id"] not in sitemap_after


@pytest.mark.browser
def test_credit_check_in_the_browser(demo_build, site_url, page):
    listed = next(e for e in load_dir(Path(demo_build.content_dir) / "blacklist") if e["status"] == "列入")
    page.goto(site_url + "/credit/")
    status = page.locator("#credit-status")

    # full-width, lower-case input of a listed business
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c.lower() for c in listed["credit_code"])
    page.fill("#credit-code", full_width)
    page.click("#credit-form button")
    expect(status).to_contain_text("查询完成")  # polls without eval (the page's CSP forbids it)
    result = page.locator("#credit-result")
    assert "列入严重失信主体名单" in result.inner_text()
    assert listed["name"] in result.inner_text()
    assert page.locator(f"#credit-result a[href='/blacklist/{listed['id']}/']").count() == 1

    # a valid code with nothing published
    from stdnum.cn import uscc

    clean = "91370281MA00000" + "00"
    clean += uscc.calc_check_digit(clean)
    page.fill("#credit-code", clean)
    page.click("#credit-form button")
    expect(status).to_contain_text("未查到")
    assert "不在严重失信主体名单中" in page.locator("#credit-result").inner_text()

    # a malformed code: wrong check digit
    bad = listed["credit_code"][:17] + ("0" if listed["credit_code"][17] != "0" else "1")
    page.fill("#credit-code", bad)
    page.click("#credit-form button")
    assert "校验位不正确" in status.inner_text()
    assert page.locator("#credit-code").get_attribute("aria-invalid") == "true"
    assert page.locator("#credit-result").is_hidden()


@pytest.mark.browser
def test_blacklist_filter_and_sort_enhance_the_static_table(site_url, page):
    page.goto(site_url + "/blacklist/")
    rows = page.locator("table[data-listfilter] tbody tr")
    total = rows.count()
    assert total > 0
    area = page.locator("select").nth(1)  # 认定部门 first, then 领域
    options = area.locator("option").all_inner_texts()
    area.select_option(options[1])
    visible = page.locator("table[data-listfilter] tbody tr:not([hidden])").count()
    assert 0 < visible < total
    assert f"显示 {visible} / {total} 条" in page.locator(".filter-status").inner_text()
    page.locator("th .sort-button").first.click()
    assert page.locator("th[aria-sort='ascending']").count() == 1
