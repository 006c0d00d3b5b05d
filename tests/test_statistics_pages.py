"""Statistics, accountability and catalogue pages rendered from the hand-built tree
tests/fixtures/stats/content: the figures on the pages are the ones counted by hand in
test_statistics_figures.py, the links lead only to published records, nothing unpublished is named."""

import csv
import os

import html5lib
import pytest
import yaml
from conftest import render_tree

import stats_site

from plugins.gongshi.store import ContentStore

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "stats", "content")
A = "11370281mb0000011t"
B = "11370281mb0000022y"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def out():
    return stats_site.rendered()


def read(out, url):
    with open(os.path.join(out, url.strip("/"), "index.html"), encoding="utf-8") as fh:
        return fh.read()


def doc(out, url):
    return html5lib.parse(read(out, url), namespaceHTMLElements=False)


def text(el) -> str:
    return "".join(el.itertext()).strip()


def by_id(tree, ident):
    found = tree.find(f".//*[@id='{ident}']")
    assert found is not None, ident
    return found


def links(tree) -> list[str]:
    return [a.get("href") for a in tree.iter("a") if a.get("href")]


def test_annual_report_shows_the_hand_counted_figures(out):
    tree = doc(out, "/statistics/2026/")
    assert text(by_id(tree, "fig-actions-total")) == "13 件"
    assert text(by_id(tree, "fig-median")) == "39 日"
    assert text(by_id(tree, "fig-p90")) == "106 日"
    assert text(by_id(tree, "fig-decided")) == "7 件"
    assert text(by_id(tree, "fig-overdue")).startswith("2 件（普通程序案件共 6 件）")
    assert text(by_id(tree, "fig-pending")) == "1 件"
    assert [text(by_id(tree, i)) for i in ("sup-monitored", "sup-files", "sup-rectification", "sup-letters")] \
        == ["120", "30", "4", "2"]


def chart_tables(tree) -> dict[str, dict[str, str]]:
    """chart id -> {label: value} read from each chart's data table."""
    tables = {}
    for fig in tree.iter("figure"):
        rows = fig.find(".//table/tbody").findall("tr")
        tables[fig.get("id")[len("chart-"):]] = {text(r.find("th")): text(r.find("td")) for r in rows}
    return tables


def test_every_chart_has_title_desc_table_and_csv_with_the_same_data(out):
    tree = doc(out, "/statistics/2026/")
    figures = list(tree.iter("figure"))
    assert len(figures) == 4
    for fig in figures:
        svg = fig.find(f".//{SVG}svg")
        assert svg.get("role") == "img"
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        table = fig.find(".//table")
        assert text(table.find("caption")) == title.text
        csv_href = next(h for h in links(fig) if h.endswith(".csv"))
        with open(os.path.join(out, csv_href.strip("/")), encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
        shown = {text(r.find("th")): text(r.find("td")) for r in table.find("tbody").findall("tr")}
        assert dict(rows[1:]) == shown
        assert len(svg.findall(f".//{SVG}rect")) == len(shown)
    tables = chart_tables(tree)
    assert tables["actions"] == {"行政许可": "3", "行政处罚": "8", "行政强制": "1", "行政检查": "1"}
    assert tables["fine-bands"]["不足1万元"] == "3" and tables["fine-bands"]["50万元及以上"] == "1"
    assert tables["stages"]["结案"] == "3"


def test_per_body_report_matches_the_figures(out):
    tables = chart_tables(doc(out, f"/statistics/2026/{A}/"))
    assert tables["actions"] == {"行政许可": "1", "行政处罚": "6", "行政强制": "1", "行政检查": "1"}
    tables = chart_tables(doc(out, f"/statistics/2026/{B}/"))
    assert tables["actions"] == {"行政许可": "2", "行政处罚": "2"}


def test_accountability_year_cells_and_links(out):
    tree = doc(out, "/accountability/2026/")
    row = by_id(tree, A)
    cell = row.find(".//td[@class='metric-late-disclosure']")
    assert "66.7%" in text(cell) and "（4/6）" in text(cell) and "未达标 2 件" in text(cell)
    assert links(cell) == [f"/accountability/{A}/2026/late-disclosure/"]
    review = text(row.find(".//td[@class='metric-no-legal-review']"))
    assert "33.3%" in review and "（1/3）" in review
    b_entry = text(by_id(tree, B).find(".//td[@class='metric-late-entry']"))
    assert "100.0%" in b_entry and "另 2 件无日期记录" in b_entry
    # every failure link leads to a page that exists
    for href in links(tree):
        if href.startswith("/accountability/"):
            assert os.path.exists(os.path.join(out, href.strip("/").split("#")[0], "index.html")), href


@pytest.mark.parametrize("agency, year, slug, listed, hidden", [
    (A, 2026, "late-disclosure", ["/penalties/cf-p2/"], 1),
    (B, 2026, "late-disclosure", ["/permits/xk-x2/"], 0),
    (A, 2026, "late-entry", [], 2),
    (A, 2026, "no-legal-review", ["/penalties/cf-p2/"], 1),
    (B, 2026, "overdue", ["/penalties/cf-p6/"], 0),
    (A, 2026, "late-withdrawal", ["/withdrawals/cf-p9/"], 0),
    (A, 2025, "late-entry", ["/penalties/cf-p2/"], 0),
])
def test_listing_pages_list_only_published_records(out, agency, year, slug, listed, hidden):
    tree = doc(out, f"/accountability/{agency}/{year}/{slug}/")
    main = tree.find(".//main")
    record_links = [h for h in links(main) if h.startswith(("/penalties/", "/permits/", "/withdrawals/"))]
    assert record_links == listed
    assert text(by_id(tree, "failed-count")) == str(len(listed) + hidden)
    if hidden:
        assert f"另有 {hidden} 件" in text(by_id(tree, "hidden-count"))
    else:
        assert tree.find(".//*[@id='hidden-count']") is None
    for href in record_links:
        assert os.path.exists(os.path.join(out, href.strip("/"), "index.html"))


def test_no_listing_page_without_failures(out):
    assert not os.path.exists(os.path.join(out, "accountability", B, "2026", "late-entry"))


def test_unpublished_cases_and_decisions_are_never_named(out):
    # Unpublished: cases 4, 5, 7, 8, 9 (numbers 胶案〔2026〕N号, names 样例案件N, party 张*).
    cases = ContentStore(FIXTURE).records("cases")
    secrets = [c[k] for c in cases if not c["published"] for k in ("case_no", "name", "id")]
    secrets += ["张*", "cf-p4", "cf-p5"]
    for folder in ("statistics", "accountability", "catalogue"):
        for root, _dirs, files in os.walk(os.path.join(out, folder)):
            for name in files:
                with open(os.path.join(root, name), encoding="utf-8-sig") as fh:
                    body = fh.read()
                for secret in secrets:
                    assert secret not in body, (secret, os.path.join(root, name))


def test_catalogue_counts_match_the_yaml(out):
    items = ContentStore(FIXTURE).records("major_decisions")
    tree = doc(out, "/catalogue/")
    assert text(by_id(tree, "catalogue-total")) == str(len(items)) == "4"
    facets = {text(li.find("a")): text(li.find("span")) for li in tree.iter("li") if li.find("span") is not None
              and "count" in (li.find("span").get("class") or "")}
    assert facets["胶州市市场监督管理局"] == "3 项" and facets["青岛市生态环境局胶州分局"] == "1 项"
    assert facets["行政处罚"] == "3 项" and facets["行政强制"] == "1 项"
    by_type = doc(out, "/catalogue/type/chufa/")
    rows = by_type.find(".//table/tbody").findall("tr")
    assert [r.get("id") for r in rows] == ["zd-0001", "zd-0002", "zd-0003"]


def test_catalogue_item_shows_threshold_office_basis_and_power_link(out):
    tree = doc(out, f"/catalogue/agency/{A}/")
    row = by_id(tree, "zd-0001")
    cells = {td.get("data-label"): td for td in row.findall("td")}
    assert text(cells["重大情形"]) == "对法人处十万元以上罚款"
    assert text(cells["审核机构"]) == "胶州市司法局"
    assert links(cells["事项名称"]) == ["/matters/m-cf01/"]
    # the fixture's law ids are not in the law library: plain text with a note, never a broken link
    assert "《中华人民共和国行政处罚法》第五十八条" in text(cells["审核依据"])
    assert links(cells["审核依据"]) == []
    # zd-0004 has no matter: its name is plain text
    assert links(by_id(tree, "zd-0004").find("td[@data-label='事项名称']")) == []


def test_nav_has_catalogue_and_statistics(out):
    nav = doc(out, "/statistics/").find(".//nav[@class='main-nav']")
    assert {"/catalogue/", "/statistics/"} <= set(links(nav))


def test_statistics_index_links_each_year(out):
    tree = doc(out, "/statistics/")
    assert {"/statistics/2025/", "/statistics/2026/"} <= set(links(tree))
    with open(os.path.join(out, "statistics", "yearly.csv"), encoding="utf-8-sig") as fh:
        assert list(csv.reader(fh)) == [["年度", "件数"], ["2025年", "1"], ["2026年", "13"]]


@pytest.mark.parametrize("penalty, major, review", [
    ("cf-p1", "是", "是，办案记录显示在作出决定前进行了法制审核"),
    ("cf-p2", "是", "否，办案记录中没有决定前的法制审核（重大执法决定应当在决定前经法制审核）"),
    ("cf-p3", "否", "无办案环节记录"),
    ("cf-p8", "否", "无办案环节记录"),
])
def test_penalty_page_shows_major_decision_and_legal_review(out, penalty, major, review):
    record = yaml.safe_load(open(os.path.join(FIXTURE, "penalties", f"{penalty}.yaml"), encoding="utf-8"))
    section = doc(out, f"/penalties/{penalty}/").find(".//section[@class='legal-review']")
    rows = {text(div.find("dt")): text(div.find("dd")) for div in section.iter("div")}
    assert rows["是否重大执法决定"] == major == ("是" if record["major"] else "否")
    assert rows["决定前是否经过法制审核"] == review


def _plugin_modules(out):
    """The portal plugin as Pelican imported it (by its short name, from PLUGIN_PATHS) and as the
    tests import it (plugins.gongshi): two module objects of one file."""
    import sys

    suffix = os.path.join("plugins", "gongshi", "__init__.py")
    return [m for m in list(sys.modules.values()) if (getattr(m, "__file__", "") or "").endswith(suffix)]


def test_a_bodys_catalogue_is_one_page_so_search_anchors_resolve(out, tmp_path, monkeypatch):
    # 120 items for one body: all on catalogue/agency/<id>/, each row carrying its id as anchor.
    # Only the catalogue family is rendered here: the rest of the site is not under test.
    import shutil

    for module in _plugin_modules(out):
        monkeypatch.setattr(module, "GENERATOR_MODULES", ["generators.catalogue"])

    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    template = yaml.safe_load(open(content / "major_decisions" / "zd-0001.yaml", encoding="utf-8"))
    for n in range(120):
        item = dict(template, id=f"zd-x{n:03d}", number=f"ZD-X{n:03d}")
        with open(content / "major_decisions" / f"zd-x{n:03d}.yaml", "w", encoding="utf-8") as fh:
            yaml.safe_dump(item, fh, allow_unicode=True)
    site = render_tree(str(content), str(tmp_path / "output"))
    rows = doc(site, f"/catalogue/agency/{A}/").find(".//table/tbody").findall("tr")
    assert len(rows) == 123 and {f"zd-x{n:03d}" for n in range(120)} <= {r.get("id") for r in rows}
    assert not os.path.exists(os.path.join(site, "catalogue", "agency", A, "page"))
    assert not os.path.exists(os.path.join(site, "search"))   # only the catalogue was rendered
    # the by-type listing is paginated instead
    assert os.path.exists(os.path.join(site, "catalogue", "type", "chufa", "page", "2", "index.html"))


def test_body_report_lists_the_published_decisions_behind_its_counts(out):
    tree = doc(out, f"/statistics/2026/{A}/")
    # A 2026: 6 penalties (p1, p2, p3 published; p4, p5, p9 not), 1 permit (x1, published)
    assert text(by_id(tree, "published-penalty-count")) == "3"
    assert text(by_id(tree, "published-permit-count")) == "1"
    assert [h for h in links(by_id(tree, "published-penalties")) if h.startswith("/penalties/")] == \
        ["/penalties/cf-p1/", "/penalties/cf-p2/", "/penalties/cf-p3/"]
    assert links(by_id(tree, "published-permits")) == ["/permits/xk-x1/"]
    city = doc(out, "/statistics/2026/")
    assert f"/statistics/2026/{A}/#published" in links(city)


def test_statistics_pages_have_no_broken_links(out):
    from pipeline.linkcheck import check_links

    mine = ("statistics/", "accountability/", "catalogue/")
    broken = [b for b in check_links(out) if b.source.lstrip("/").startswith(mine)]
    assert broken == []


def test_a_body_missing_from_the_agencies_table_is_counted_but_not_linked(tmp_path, monkeypatch, out):
    import shutil

    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    path = content / "facts" / "permits-2026.yaml"
    facts = yaml.safe_load(path.read_text(encoding="utf-8"))
    facts.append(dict(facts[0], id=None, agency_id="913702810000000000", published=False))
    path.write_text(yaml.safe_dump(facts, allow_unicode=True), encoding="utf-8")
    for module in _plugin_modules(out):
        monkeypatch.setattr(module, "GENERATOR_MODULES", ["generators.statistics"])
    site = render_tree(str(content), str(tmp_path / "output"))
    row = by_id(doc(site, "/accountability/2026/"), "913702810000000000")
    assert text(row.find("th")) == "913702810000000000" and links(row.find("th")) == []
    assert "/agencies/913702810000000000/" not in read(site, "/statistics/2026/913702810000000000/")
