"""The rendered portal: page counts per family, links, citations, page furniture, determinism.

Runs on the small hand-made tree (tests/fixtures/content, fast) and on the demo build."""

from __future__ import annotations

import filecmp
import os
import re

import pytest
import yaml

from conftest import FIXTURE_CONTENT, PORTAL_FAMILIES, render_tree
from pipeline.linkcheck import check_links, html_files

SITES = ["fixture_site", "demo_build"]

# content folder -> the output folder holding one sub-folder per record
FAMILIES = {"agencies": "agencies", "matters": "matters", "penalties": "penalties",
            "permits": "permits", "withdrawals": "withdrawals", "procedures": "procedures"}
LISTING_DIRS = {"page", "type", "agency", "month", "kind"}  # listing folders, not records


@pytest.fixture(params=SITES)
def site(request):
    return request.getfixturevalue(request.param)


def _records(content_dir: str, kind: str) -> list[dict]:
    folder = os.path.join(content_dir, kind)
    if not os.path.isdir(folder):
        return []
    out = []
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), encoding="utf-8") as fh:
            out.append(yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    return out


def _record_pages(output_dir: str, family: str) -> set[str]:
    folder = os.path.join(output_dir, family)
    if not os.path.isdir(folder):
        return set()
    return {name for name in os.listdir(folder)
            if name not in LISTING_DIRS and os.path.isfile(os.path.join(folder, name, "index.html"))}


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


@pytest.mark.parametrize("kind", sorted(FAMILIES))
def test_one_page_per_record(site, kind):
    expected = {r["id"] for r in _records(site.content_dir, kind)}
    assert _record_pages(site.output_dir, FAMILIES[kind]) == expected


def test_one_page_per_law(site):
    from pipeline.laws import load_library

    expected = {law.id for law in load_library().laws}
    assert expected and _record_pages(site.output_dir, "laws") == expected


def test_index_and_error_pages_exist(site):
    for path in ["index.html", "404.html", "about/index.html", "agencies/index.html",
                 "matters/index.html", "laws/index.html", "procedures/index.html",
                 "penalties/index.html", "permits/index.html", "withdrawals/index.html"]:
        assert os.path.isfile(os.path.join(site.output_dir, path)), path


def test_every_internal_link_and_anchor_resolves(site):
    assert check_links(site.output_dir) == []


def test_linkcheck_reports_broken_links(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text(
        '<p id="x"></p><a href="/a/#x">ok</a><a href="/a/#y">bad anchor</a>'
        '<a href="/b/">missing</a><a href="javascript:alert(1)">js</a>', encoding="utf-8")
    reasons = sorted(b.target for b in check_links(str(tmp_path)))
    assert reasons == ["/a/#y", "/b/", "javascript:alert(1)"]


def test_known_citations_link_to_existing_articles(site):
    """Every citation whose law and article exist links to that article's anchor; an unknown law
    is plain text with a note."""
    from pipeline.laws import load_library

    library = {law.id: law for law in load_library().laws}
    checked = unknown = 0
    for kind, url_kind in (("matters", "matters"), ("penalties", "penalties")):
        for record in _records(site.content_dir, kind)[:200]:
            html = _read(os.path.join(site.output_dir, url_kind, record["id"], "index.html"))
            for c in record.get("citations") or []:
                law = library.get(c.get("law_id"))
                if law and c.get("article") in law.articles:
                    href = f'/laws/{law.id}/#art-{c["article"]}'
                    assert f'href="{href}"' in html, (record["id"], c["raw"])
                    assert f'id="art-{c["article"]}"' in _read(
                        os.path.join(site.output_dir, "laws", law.id, "index.html"))
                    checked += 1
                elif not c.get("law_id"):
                    assert "本站未收录该法规文本" in html
                    unknown += 1
    assert checked > 0
    if site.content_dir == FIXTURE_CONTENT:
        assert unknown > 0


def test_law_page_lists_citing_records(fixture_site):
    html = _read(os.path.join(fixture_site.output_dir, "laws", "law-2984d2cc", "index.html"))
    article = html[html.index('id="art-97"'):]
    article = article[:article.index('class="article"')]
    assert "/matters/m-cf-002/" in article and "/penalties/" in article


HOST_REQUEST = re.compile(r'(?:src|action|srcset)\s*=\s*"(?:https?:)?//|<link[^>]+href="(?:https?:)?//',
                          re.IGNORECASE)


def test_every_page_has_furniture_and_no_foreign_requests(site):
    pages = html_files(site.output_dir)
    assert pages
    for rel in pages:
        html = _read(os.path.join(site.output_dir, rel))
        assert '<html lang="zh-CN">' in html, rel
        assert re.search(r"<title>[^<]+</title>", html), rel
        assert len(re.findall(r"<h1[\s>]", html)) == 1, rel
        assert not HOST_REQUEST.search(html), rel
        assert "Content-Security-Policy" in html and "script-src 'self'" in html, rel
        assert 'name="q"' in html and 'for="site-search-q"' in html, rel
        assert 'href="#main"' in html and '<main id="main"' in html, rel
        # the build id changes with any record: only home, about and open data show it (render cache)
        assert "数据截至" in html and ("构建编号" in html) == (rel in ("index.html", "about/index.html", "data/index.html")), rel
        assert "<script>" not in html and " onclick=" not in html and " style=" not in html, rel
        # several search landmarks (header form + the search page's own) need distinct names
        searches = re.findall(r'<form[^>]*role="search"[^>]*>', html)
        names = [re.search(r'aria-label="([^"]+)"', f) for f in searches]
        assert all(names) and len({n.group(1) for n in names}) == len(searches), rel


def test_demo_banner_follows_site_yaml(site):
    demo = yaml.safe_load(_read(os.path.join(site.content_dir, "site.yaml"))).get("demo")
    html = _read(os.path.join(site.output_dir, "about", "index.html"))
    assert ("demo-banner" in html) == bool(demo)


def test_css_has_no_foreign_urls():
    css_dir = os.path.join(os.path.dirname(FIXTURE_CONTENT), "..", "..", "theme", "static", "css")
    for name in os.listdir(css_dir):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", _read(os.path.join(css_dir, name))), name


def test_listings_are_paginated_at_50(tmp_path):
    """A body with 117+ penalties gets 3 pages of 50/50/rest, and nothing beyond."""
    import shutil

    content = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, content)
    template = _records(str(content), "penalties")[0]
    for i in range(117):
        record = dict(template, id=f"cf-gen{i:09d}", decision_no=f"胶测罚〔2026〕{i + 100}号")
        with open(content / "penalties" / f"{record['id']}.yaml", "w", encoding="utf-8") as fh:
            yaml.safe_dump(record, fh, allow_unicode=True, sort_keys=False)
    out = render_tree(str(content), str(tmp_path / "out"), PORTAL_FAMILIES)
    base = os.path.join(out, "penalties", "agency", template["agency_id"])
    counts = [_read(os.path.join(base, *p, "index.html")).count('data-label="决定书文号"')
              for p in ([], ["page", "2"], ["page", "3"])]
    own = sum(1 for r in _records(FIXTURE_CONTENT, "penalties") if r["agency_id"] == template["agency_id"])
    assert counts == [50, 50, 117 + own - 100]
    assert not os.path.exists(os.path.join(base, "page", "4"))
    assert check_links(out) == []


def test_render_is_deterministic(tmp_path):
    first = render_tree(FIXTURE_CONTENT, str(tmp_path / "one"), PORTAL_FAMILIES)
    second = render_tree(FIXTURE_CONTENT, str(tmp_path / "two"), PORTAL_FAMILIES)
    for rel in html_files(first):
        assert filecmp.cmp(os.path.join(first, rel), os.path.join(second, rel), shallow=False), rel


@pytest.mark.parametrize("kind", ["penalties", "permits", "withdrawals"])
def test_listing_pages_match_record_count(site, kind):
    import math

    n = len(_records(site.content_dir, kind))
    pages_dir = os.path.join(site.output_dir, kind, "page")
    extra = len(os.listdir(pages_dir)) if os.path.isdir(pages_dir) else 0
    assert 1 + extra == max(1, math.ceil(n / 50))
    listed = 0
    for p in range(1, 2 + extra):
        rel = [kind, "index.html"] if p == 1 else [kind, "page", str(p), "index.html"]
        listed += len(re.findall(rf'href="/{kind}/[a-z0-9-]+/"', _read(os.path.join(site.output_dir, *rel))))
    assert listed == n


def test_rendered_site_passes_the_leak_gate(site):
    """Nothing the templates add (phones of bodies, certificate numbers, ids) looks like personal data."""
    from pipeline.leakgate import scan_tree

    assert scan_tree(site.output_dir) == []


def test_theme_assets_are_versioned_by_their_content(site):
    """Every /theme/ URL a page names carries ?v=<digest of the served file>, so nginx may let
    browsers keep it for a year and a release never pairs a new page with an old script."""
    import hashlib

    seen = set()
    for rel in html_files(site.output_dir):
        html = _read(os.path.join(site.output_dir, rel))
        for url in re.findall(r'(?:src|href)="(/theme/[^"]+)"', html):
            path, _, query = url.partition("?")
            assert query.startswith("v="), (rel, url)
            if url in seen:
                continue
            with open(os.path.join(site.output_dir, path.lstrip("/")), "rb") as fh:
                assert query == "v=" + hashlib.sha256(fh.read()).hexdigest()[:12], (rel, url)
            seen.add(url)
    assert any("lookup.js" in u for u in seen) and any("site.css" in u for u in seen)


def _table_rows(html: str) -> list[tuple[list[str], list[list[tuple[str, str | None]]]]]:
    """[(column headers, [[(cell tag, data-label) per cell] per body row])] of each table with a
    <thead>; a lone colspan cell ("暂无数据") is left out."""
    import html5lib

    def text(el):
        return "".join(el.itertext()).strip()

    tree = html5lib.parse(html, namespaceHTMLElements=False)
    out = []
    for table in tree.iter("table"):
        head, body = table.find("thead"), table.find("tbody")
        if head is None or body is None:
            continue
        rows = [[(c.tag, c.get("data-label")) for c in tr if c.tag in ("td", "th")]
                for tr in body.findall("tr")]
        out.append(([text(th) for th in head.iter("th")],
                    [r for r in rows if not (len(r) == 1 and r[0][0] == "td")]))
    return out


def test_table_cells_line_up_with_their_headers(site):
    """Every body row has one cell per column header and each cell's data-label (the label the
    320 px stacked layout shows) names its own column, also where a template leaves a column
    out. A label may shorten its header: 校验值 for 校验值（SHA-256 前 12 位）."""
    from a11y_helpers import one_page_per_shape

    checked = 0
    for path in one_page_per_shape(site.output_dir).values():
        rel = path.lstrip("/") + ("index.html" if path.endswith("/") else "")
        for headers, rows in _table_rows(_read(os.path.join(site.output_dir, rel))):
            for cells in rows:
                assert len(cells) == len(headers), (path, headers, cells)
                for header, (_tag, label) in zip(headers, cells):
                    assert label is None or header == label or header.startswith(label + "（"), \
                        (path, header, label)
                checked += 1
    assert checked > 20


@pytest.mark.parametrize("kind, column", [("penalties", "处罚机关"), ("permits", "许可机关")])
def test_a_bodys_own_listing_leaves_out_the_body_column(site, kind, column):
    """On /penalties/agency/<id>/ every row is that body's: its name is in the title, not in a
    column. The listings that mix bodies (all, by month, by kind) keep the column."""
    names = {a["id"]: a["name"] for a in _records(site.content_dir, "agencies")}
    own = os.path.join(site.output_dir, kind, "agency")
    listings = [os.path.join(folder, "index.html") for folder, _dirs, files in os.walk(own)
                if "index.html" in files]
    assert listings
    for path in listings:
        html = _read(path)
        body = os.path.relpath(path, own).split(os.sep)[0]
        assert f"<h1>{'行政处罚' if kind == 'penalties' else '行政许可'}：{names[body]}" in html  # page 2+: …（第 2 页）
        assert [h for h, _rows in _table_rows(html)] != []
        for headers, rows in _table_rows(html):
            assert column not in headers and rows
            assert all(label != column for cells in rows for _tag, label in cells)
    mixed = [os.path.join(site.output_dir, kind, "index.html")]
    months = os.path.join(site.output_dir, kind, "month")
    mixed += [os.path.join(months, m, "index.html") for m in sorted(os.listdir(months))[:2]]
    for path in mixed:
        for headers, rows in _table_rows(_read(path)):
            assert column in headers, path
            assert all(cells[headers.index(column)][1] == column for cells in rows)
