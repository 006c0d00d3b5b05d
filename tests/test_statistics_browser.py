"""The statistics, accountability and catalogue pages in Chromium: no axe-core violations, no CSP
errors (no inline style or script), charts exposed to assistive technology as named images."""

from __future__ import annotations

import os
import shutil

import pytest

import stats_site
from conftest import REPO, serve_folder

pytestmark = pytest.mark.browser

AXE = os.path.join(REPO, "node_modules", "axe-core", "axe.min.js")
A = "11370281mb0000011t"
PAGES = ["/statistics/", "/statistics/2026/", f"/statistics/2026/{A}/", "/accountability/",
         "/accountability/2026/", f"/accountability/{A}/2026/late-disclosure/", "/catalogue/",
         f"/catalogue/agency/{A}/", "/catalogue/type/chufa/", "/penalties/cf-p2/"]


@pytest.fixture(scope="module")
def stats_url():
    out = stats_site.rendered()
    if os.path.exists(AXE):  # served same-origin, so the page's CSP (script-src 'self') stays on
        shutil.copy(AXE, os.path.join(out, "axe.min.js"))
    with serve_folder(out) as url:
        yield url


@pytest.mark.parametrize("path", PAGES)
def test_page_passes_axe_and_csp(page, stats_url, path):
    if not os.path.exists(AXE):
        pytest.skip("axe-core not installed (npm ci)")
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(stats_url + path)
    page.add_script_tag(url=stats_url + "/axe.min.js")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert violations == []
    assert problems == []


def test_chart_is_a_named_image_with_a_description(page, stats_url):
    page.goto(stats_url + "/statistics/2026/")
    chart = page.get_by_role("img", name="全市2026年各类执法行为数量")
    assert chart.count() == 1
    description = chart.evaluate("el => document.getElementById(el.getAttribute('aria-labelledby').split(' ')[1]).textContent")
    assert "行政处罚（8）" in description
    table = page.get_by_role("table", name="全市2026年各类执法行为数量")
    assert table.get_by_role("row").count() == 5   # header + 4 categories


# The rendered size of the smallest chart label, how far the page scrolls sideways, and whether
# the chart's box scrolls (its content wider than the box).
_CHART_AT_WIDTH = """() => {
  const svg = document.querySelector('svg.chart');
  const scale = svg.getScreenCTM().a;
  const sizes = Array.from(svg.querySelectorAll('text'), t => parseFloat(getComputedStyle(t).fontSize) * scale);
  const box = svg.closest('.chart-scroll');
  return {smallest: Math.min(...sizes), pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          boxScrolls: box.scrollWidth > box.clientWidth};
}"""


@pytest.mark.parametrize("large_text, smallest", [(False, 13), (True, 16)])
def test_chart_labels_stay_readable_on_a_phone(browser, stats_url, large_text, smallest):
    """At 320 px a chart does not shrink its labels to ~6 px: it keeps 13 px (16 px in large-text
    mode) and scrolls sideways in its own box, which the keyboard can reach; the page does not."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    pg = context.new_page()
    try:
        pg.goto(stats_url + "/statistics/2026/")
        if large_text:
            pg.locator("#large-text-toggle").click()
        figures = pg.evaluate(_CHART_AT_WIDTH)
        assert figures["smallest"] >= smallest - 0.5 and figures["pageOverflow"] <= 0, figures
        assert figures["boxScrolls"]
        box = pg.get_by_role("group", name="全市2026年各类执法行为数量（图表，可左右滚动）")
        box.focus()
        pg.keyboard.press("ArrowRight")
        for _ in range(50):  # keyboard scrolling is animated: wait for it to start (at most 2.5 s)
            if box.evaluate("el => el.scrollLeft") > 0:
                break
            pg.wait_for_timeout(50)
        assert box.evaluate("el => el.scrollLeft") > 0
    finally:
        context.close()
