"""Browser journey over http://127.0.0.1: home → a body → one of its powers → the cited law
article, with the large-text (适老化) mode switched on by keyboard and kept across navigation."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from conftest import serve_folder

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fixture_url(fixture_site):
    with serve_folder(fixture_site.output_dir) as url:
        yield url


@pytest.fixture(params=["fixture_url", "site_url"])
def base_url(request):
    return request.getfixturevalue(request.param)


def _large_text_on(page) -> bool:
    return page.evaluate("document.documentElement.classList.contains('large-text')")


def _follow(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def test_journey_to_law_article_with_large_text(page, base_url):
    foreign = []
    page.on("request", lambda r: foreign.append(r.url)
            if urlsplit(r.url).hostname not in ("127.0.0.1", None) else None)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(base_url + "/")
    toggle = page.locator("#large-text-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-pressed") == "false"
    size_before = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    toggle.focus()
    page.keyboard.press("Enter")  # keyboard, not mouse
    assert toggle.get_attribute("aria-pressed") == "true" and _large_text_on(page)
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") > size_before

    _follow(page, page.get_by_role("navigation", name="主导航").get_by_role("link", name="执法主体"))
    assert _large_text_on(page)
    _follow(page, page.locator("main table a").first)          # a body
    assert _large_text_on(page)
    assert page.locator("h1").count() == 1
    _follow(page, page.locator("main a[href^='/matters/m-']").first)  # one of its powers
    assert page.url.split(base_url)[1].startswith("/matters/")
    article_link = page.locator("main .citations a[href*='#art-']").first
    anchor = article_link.get_attribute("href").split("#")[1]
    _follow(page, article_link)
    assert page.url.endswith("#" + anchor)
    assert page.locator(f"#{anchor}").is_visible()
    assert page.evaluate("location.hash") == "#" + anchor
    assert _large_text_on(page)
    assert page.locator("#large-text-toggle").get_attribute("aria-pressed") == "true"

    page.locator("#large-text-toggle").press("Space")   # and off again, still by keyboard
    page.reload()
    assert not _large_text_on(page)
    assert foreign == [] and errors == []


NARROW_PATHS = ["/", "/agencies/", "/penalties/", "/permits/", "/laws/", "/procedures/chufa-putong/",
                "/about/", "/withdrawals/"]


@pytest.mark.parametrize("large_text", [False, True])
def test_no_horizontal_scroll_at_320px(browser, base_url, large_text):
    """At 320 px no page scrolls sideways, in normal and in large-text mode; record pages too."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    pg = context.new_page()
    try:
        pg.goto(base_url + "/")
        if large_text:
            pg.locator("#large-text-toggle").click()
        records = [pg.goto(base_url + listing) and
                   pg.locator("main table a").first.get_attribute("href")
                   for listing in ("/agencies/", "/penalties/", "/permits/", "/laws/")]
        for path in NARROW_PATHS + records:
            pg.goto(base_url + path)
            assert _large_text_on(pg) == large_text
            wide = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert wide <= 0, (path, wide)
    finally:
        context.close()


STACKED_CELLS = """() => {
  const table = document.querySelector('main table.data-table');
  const headers = Array.from(table.tHead.rows[0].cells, th => th.textContent.trim());
  const thead = table.tHead.getBoundingClientRect();
  return {headers: headers, theadOffScreen: thead.right <= 0,
          rows: Array.from(table.tBodies[0].rows, tr => Array.from(tr.cells, td => ({
            display: getComputedStyle(td).display,
            label: getComputedStyle(td, '::before').content})))};
}"""


@pytest.mark.parametrize("kind", ["penalties", "permits"])
def test_a_bodys_listing_stacks_at_320px_with_its_column_labels(browser, base_url, kind):
    """One body's listing has no body column (its name is the title); at 320 px each row becomes a
    card whose cells are labelled with their own column's header, in large-text mode too."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    pg = context.new_page()
    try:
        pg.goto(base_url + f"/{kind}/")
        pg.locator("#large-text-toggle").click()
        pg.goto(base_url + pg.locator(f"a[href^='/{kind}/agency/']").first.get_attribute("href"))
        assert _large_text_on(pg)
        shown = pg.evaluate(STACKED_CELLS)
        assert "处罚机关" not in shown["headers"] and "许可机关" not in shown["headers"]
        assert shown["theadOffScreen"] and shown["rows"]
        for cells in shown["rows"]:
            assert [c["display"] for c in cells] == ["block"] * len(shown["headers"])
            assert [c["label"] for c in cells] == [f'"{h}："' for h in shown["headers"]]
    finally:
        context.close()


# Colour pairs of every visible text in print: printers leave out background colours (Chromium's
# default) unless an element asks for print-color-adjust: exact, so white-on-colour text vanishes.
_PRINT_TEXT = """() => {
  const printed = cs => (cs.printColorAdjust || cs.webkitPrintColorAdjust) === 'exact'
                        ? cs.backgroundColor : 'rgba(0, 0, 0, 0)';
  const items = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    const cs = getComputedStyle(el);
    if (!own || cs.visibility === 'hidden' || !el.getClientRects().length) continue;
    const bg = [];
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) bg.push([printed(getComputedStyle(n)), 1]);
    bg.push(['rgb(255, 255, 255)', 1]);
    items.push({what: el.tagName.toLowerCase() + '.' + el.className + ' «' + el.textContent.trim().slice(0, 12) + '»',
                kind: 'text', fg: [cs.color, parseFloat(cs.opacity)], bg: bg,
                px: parseFloat(cs.fontSize), weight: parseFloat(cs.fontWeight)});
  }
  return items;
}"""


def test_printed_pages_keep_their_text_and_drop_the_screen_furniture(page, base_url):
    from a11y_helpers import contrast_problems

    page.goto(base_url + "/penalties/")
    page.locator("main table a[href^='/penalties/']").first.click()
    page.wait_for_load_state()
    page.emulate_media(media="print")
    assert page.locator("main .tag").count() > 0            # the status tag, white on blue on screen
    assert contrast_problems(page.evaluate(_PRINT_TEXT)) == []
    for hidden in (".header-search", ".main-nav", "#large-text-toggle"):
        assert not page.locator(hidden).is_visible(), hidden
    assert page.locator(".demo-banner").is_visible()       # a printed demo page still says so
    assert page.locator("main h1").is_visible()
