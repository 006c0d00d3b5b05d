"""Search in real headless Chromium over http://127.0.0.1: the Python-built index queried by
lunr.js. Expected top results are derived from the content tree (a record is picked from it and
must come first), never hard-coded ids."""

from __future__ import annotations

import os
import shutil
import unicodedata
from urllib.parse import quote, urlsplit

import pytest
import yaml

from conftest import FIXTURE_CONTENT, render_tree, serve_folder
from plugins.gongshi import urls
from plugins.gongshi.store import ContentStore

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"


def _plant(content: str, kind: str, template_id: str, new_id: str, **changes) -> None:
    """Copy one fixture record under a new id with some fields changed."""
    with open(os.path.join(content, kind, f"{template_id}.yaml"), encoding="utf-8") as fh:
        record = yaml.safe_load(fh)
    record.update(id=new_id, **changes)
    with open(os.path.join(content, kind, f"{new_id}.yaml"), "w", encoding="utf-8") as fh:
        yaml.safe_dump(record, fh, allow_unicode=True, sort_keys=False)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """The fixture tree plus records for escaping, phrase ranking and mixed scripts."""
    root = tmp_path_factory.mktemp("search-site")
    content = str(root / "content")
    shutil.copytree(FIXTURE_CONTENT, content)
    template = sorted(os.listdir(os.path.join(content, "penalties")))[0][:-5]
    _plant(content, "penalties", template, "cf-search00xss", party_name=XSS,
           decision_no="胶市监罚〔2026〕901号", party_credit_code=None)
    # title has 食品 and 安全 apart (boosted title field scores high) ...
    _plant(content, "penalties", template, "cf-search0apart", party_name="安全食品测试有限公司",
           decision_no="胶市监罚〔2026〕902号", violation_type="其他违法行为", party_credit_code=None)
    # ... this one has the exact phrase 食品安全 in a key field only: it must still come first
    _plant(content, "penalties", template, "cf-search0exact", party_name="甲测试有限公司",
           decision_no="胶市监罚〔2026〕903号", violation_type="违反食品安全测试规定",
           party_credit_code=None)
    _plant(content, "penalties", template, "cf-search0mixed", party_name="ABC测试商贸有限公司",
           decision_no="胶市监罚〔2026〕904号", party_credit_code=None)
    out = render_tree(content, str(root / "output"))
    with serve_folder(out) as url:
        yield url, ContentStore(content), out


def _wait_until(page, expression: str, timeout: float = 15.0) -> None:
    """Poll a JS expression with page.evaluate (wait_for_function evaluates strings in a way the
    page's CSP, script-src 'self', blocks)."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(50)


def _search(page, base, q, **params):
    extra = "".join(f"&{k}={quote(v)}" for k, v in params.items())
    page.goto(f"{base}/search/?q={quote(q)}{extra}")
    page.wait_for_selector("#search-app[data-state=done]", timeout=15000)


def _result_links(page):
    return [urlsplit(h).path + ("#" + urlsplit(h).fragment if urlsplit(h).fragment else "")
            for h in page.eval_on_selector_all("#search-results li > a", "els => els.map(e => e.href)")]


def _all_results_first(page):
    """The first result of the only shown group (use kind= to pick the group)."""
    links = _result_links(page)
    assert links, page.text_content("#search-status")
    return links[0]


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" else c for c in text)


@pytest.fixture
def guarded(page):
    errors, dialogs, foreign = [], [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: foreign.append(r.url)
            if urlsplit(r.url).hostname not in ("127.0.0.1", None) else None)
    yield page
    assert not errors and not dialogs and not foreign


def test_agency_name_finds_the_agency_first(guarded, planted):
    base, store, _ = planted
    agency = store.records("agencies")[0]
    _search(guarded, base, agency["name"])
    assert _all_results_first(guarded) == urls.url_for("agency", agency["id"])
    assert "条结果" in guarded.text_content("#search-status")
    assert guarded.get_attribute("#search-status", "role") == "status"


def test_topic_query_highlights_the_match(guarded, planted):
    base, _, _ = planted
    _search(guarded, base, "食品")
    marks = guarded.eval_on_selector_all("#search-results mark", "els => els.map(e => e.textContent)")
    assert marks and set(marks) == {"食品"}
    kinds = guarded.eval_on_selector_all("#search-results h2", "els => els.map(e => e.textContent)")
    assert any(k.startswith("行政处罚") for k in kinds)


def test_exact_phrase_ranks_first(guarded, planted):
    base, _, _ = planted
    _search(guarded, base, "食品安全测试", kind="penalty")
    assert _all_results_first(guarded) == urls.url_for("penalty", "cf-search0exact")
    _search(guarded, base, "食品安全", kind="penalty")
    links = _result_links(guarded)
    assert links.index(urls.url_for("penalty", "cf-search0exact")) < \
        links.index(urls.url_for("penalty", "cf-search0apart"))


def test_decision_number_in_full_width_jumps_to_the_record(guarded, planted):
    base, store, _ = planted
    penalty = next(p for p in store.records("penalties") if p["id"].startswith("cf-") and
                   any(c.isdigit() for c in p["decision_no"]) and "search" not in p["id"])
    query = _full_width(penalty["decision_no"]).replace("〔", "［").replace("〕", "］")
    with guarded.expect_navigation(url=f"**{urls.url_for('penalty', penalty['id'])}"):
        guarded.goto(f"{base}/search/?q={quote(query)}")
    # back to the search page: no second jump, the exact match is listed instead
    guarded.go_back()
    guarded.wait_for_selector("#search-app[data-state=done]")
    exact = guarded.eval_on_selector_all("#search-exact-list a", "els => els.map(e => e.pathname)")
    assert exact == [urls.url_for("penalty", penalty["id"])]


def test_credit_code_jumps_to_the_agency(guarded, planted):
    base, store, _ = planted
    agency = store.records("agencies")[-1]
    with guarded.expect_navigation(url=f"**{urls.url_for('agency', agency['id'])}"):
        guarded.goto(f"{base}/search/?q={quote(agency['credit_code'].lower())}")


def test_mixed_chinese_ascii(guarded, planted):
    base, _, _ = planted
    _search(guarded, base, "ａｂｃ测试商贸")
    assert _all_results_first(guarded) == urls.url_for("penalty", "cf-search0mixed")


def test_html_in_a_title_renders_as_text(guarded, planted):
    base, _, _ = planted
    _search(guarded, base, "onerror alert")
    titles = guarded.eval_on_selector_all("#search-results li > a", "els => els.map(e => e.textContent)")
    assert XSS in titles
    assert guarded.eval_on_selector_all("#search-results img", "els => els.length") == 0


def test_lunr_syntax_does_not_throw(guarded, planted):
    base, _, _ = planted
    for q in ("案号:123", "title:食品 +罚款 -警告 ~2 ^10 *", "\\", "。。。"):
        _search(guarded, base, q)
        assert guarded.text_content("#search-status")


def test_query_in_url_filters_and_back_button(guarded, planted):
    base, store, _ = planted
    _search(guarded, base, "食品")
    guarded.fill("#search-q", "应急")
    guarded.click("#search-form button[type=submit]")
    _wait_until(guarded, "document.querySelector('#search-app').dataset.state === 'done' "
                              "&& location.search.includes(encodeURIComponent('应急'))")
    guarded.select_option("#search-kind", "agency")
    assert "kind=agency" in guarded.url
    headings = guarded.eval_on_selector_all("#search-results h2", "els => els.map(e => e.textContent)")
    assert len(headings) == 1 and headings[0].startswith("执法主体")
    guarded.go_back()
    _wait_until(guarded, "!location.search.includes('kind=')")
    guarded.go_back()
    _wait_until(guarded, "document.querySelector('#search-q').value === '食品'")
    guarded.wait_for_selector("#search-results mark")


def test_empty_state_and_noscript(guarded, planted):
    base, _, _ = planted
    _search(guarded, base, "不存在的词语组合")
    assert guarded.is_visible("#search-empty")
    assert "没有找到" in guarded.text_content("#search-status")
    html = guarded.content()
    assert "<noscript>" in html and "JavaScript" in html


@pytest.fixture
def demo_site(request):
    try:
        return request.getfixturevalue("site_url"), request.getfixturevalue("demo_build")
    except ImportError as exc:  # a pipeline stage not written yet
        pytest.skip(f"demo build unavailable: {exc}")


def test_search_figures_count_what_the_browser_fetched(planted, browser):
    from plugins.gongshi.search_bench import default_queries, search_figures

    _, _, out = planted
    queries = default_queries(out)
    assert len(queries) == 20 and len(set(queries)) == 20
    figures = search_figures(out, ["食品", "食品安全测试"], browser=browser)
    for run in figures["queries"]:
        assert run["files"] >= 3  # manifest, at least one index shard, a doc-store chunk
        assert run["data_gzip"] > 0 and run["render_ms"] is not None
    assert figures["index"]["parts"]["i"]["files"] > 1


def test_demo_first_search_within_budget(demo_site, browser):
    """Scale 1 (the demo): a first search transfers <= 300 KB gzipped, page and scripts included."""
    from plugins.gongshi.search_bench import search_figures

    _, demo_build = demo_site
    store = ContentStore(demo_build.content_dir)
    queries = ["食品", "安全生产", store.records("agencies")[0]["name"],
               store.records("penalties")[0]["party_name"]]
    figures = search_figures(demo_build.output_dir, queries, browser=browser)
    assert figures["first_search_total_gzip_max"] <= 300 * 1024
    # timing means little on an overloaded machine (parallel builds): only judge it when idle
    if os.getloadavg()[0] <= (os.cpu_count() or 1):
        assert figures["first_ms"]["median"] < 100, figures["queries"]


def test_demo_queries(page, demo_site):
    """On the demo build: a body and a penalty party come first; results render fast."""
    site_url, demo_build = demo_site
    store = ContentStore(demo_build.content_dir)
    agency = store.records("agencies")[0]
    _search(page, site_url, agency["name"], kind="agency")
    assert _all_results_first(page) == urls.url_for("agency", agency["id"])
    penalty = store.records("penalties")[0]
    _search(page, site_url, penalty["party_name"], kind="penalty")
    assert urls.url_for("penalty", penalty["id"]) in _result_links(page)[:5]
    assert float(page.get_attribute("#search-app", "data-first-ms")) >= 0
