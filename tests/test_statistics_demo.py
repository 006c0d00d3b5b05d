"""Catalogue, statistics and accountability pages on the demo build (scale 1): counts match the
content YAML, every listing links only to published records, nothing unpublished is named."""

import os
import re

import html5lib
import pytest

from plugins.gongshi import statistics as st
from plugins.gongshi.store import ContentStore


def _doc(output_dir, url):
    with open(os.path.join(output_dir, url.strip("/"), "index.html"), encoding="utf-8") as fh:
        return html5lib.parse(fh.read(), namespaceHTMLElements=False)


def _text(el):
    return "".join(el.itertext()).strip()


@pytest.fixture(scope="module")
def store(demo_build):
    return ContentStore(demo_build.content_dir)


def test_catalogue_has_every_item_of_the_yaml(demo_build, store):
    items = store.records("major_decisions")
    assert len(items) >= 1700
    tree = _doc(demo_build.output_dir, "/catalogue/")
    assert _text(tree.find(".//*[@id='catalogue-total']")) == str(len(items))
    rows = 0
    for agency_id in {i["agency_id"] for i in items if i.get("agency_id")}:
        body = _doc(demo_build.output_dir, f"/catalogue/agency/{agency_id}/")
        rows += len(body.find(".//table/tbody").findall("tr"))
    assert rows == sum(1 for i in items if i.get("agency_id"))


def test_annual_report_counts_match_the_facts(demo_build, store):
    ds = st.dataset_from_store(store)
    year = ds.as_of.year
    tree = _doc(demo_build.output_dir, f"/statistics/{year}/")
    table = tree.find(".//figure[@id='chart-actions']//table/tbody")
    shown = {_text(r.find("th")): int(_text(r.find("td"))) for r in table.findall("tr")}
    assert shown["行政处罚"] == len(st.select(ds.penalty_facts, year=year))
    assert shown["行政许可"] == len(st.select(ds.permit_facts, year=year))


def test_accountability_listings_link_only_to_published_pages(demo_build, store):
    out = os.path.join(demo_build.output_dir, "accountability")
    published = {f"/{kind}/{r['id']}/" for kind in ("penalties", "permits", "withdrawals")
                 for r in store.records(kind)}
    listings = 0
    for root, _dirs, files in os.walk(out):
        if "index.html" not in files or root.count(os.sep) - out.count(os.sep) != 3:
            continue
        listings += 1
        with open(os.path.join(root, "index.html"), encoding="utf-8") as fh:
            body = fh.read()
        main = body[body.index("<main"):body.index("</main>")]
        for href in re.findall(r'href="(/(?:penalties|permits|withdrawals)/[^"]+)"', main):
            assert href in published, (root, href)
    assert listings > 0


def test_unpublished_case_numbers_never_appear(demo_build, store):
    hidden = [c["case_no"] for c in store.records("cases") if not c.get("published") and c.get("case_no")]
    assert hidden
    pattern = re.compile("|".join(re.escape(n) for n in hidden))
    for folder in ("statistics", "accountability", "catalogue"):
        for root, _dirs, files in os.walk(os.path.join(demo_build.output_dir, folder)):
            for name in files:
                with open(os.path.join(root, name), encoding="utf-8-sig") as fh:
                    found = pattern.search(fh.read())
                assert found is None, (os.path.join(root, name), found and found.group(0))
