"""The checkers catch what they are meant to catch: copies of a built page, each broken on purpose
(a form field without its label, an inline script, an event handler, a style attribute, a
javascript: URL, a weakened CSP, a stray end tag, a too-wide element, no focus indicator), are
served from a temp folder and each checker must report its problem — so the real suite would fail
on such a page."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from a11y_helpers import (axe_run, blocking_violations, focus_visible,  # noqa: F401
                          horizontal_overflow, html5_errors, injected_elements, qa_site,
                          security_problems, structure_problems)
from conftest import serve_folder

LABEL = re.compile(r'<label for="site-search-q">[^<]*</label>')
BREAKAGES = {  # name -> (function to break the page's HTML, words the scanner must report)
    "inline script": (lambda h: h.replace("</main>", "<script>alert(1)</script></main>"),
                      "inline <script>"),
    "event handler": (lambda h: h.replace("<main ", '<main onclick="alert(1)" ', 1), "onclick"),
    "style attribute": (lambda h: h.replace("<main ", '<main style="color:red" ', 1), "style="),
    "style element": (lambda h: h.replace("</head>", "<style>p{}</style></head>"), "<style>"),
    "javascript url": (lambda h: h.replace('href="/about/"', 'href=" JavaScript:alert(1)"', 1),
                       "href="),
    "foreign script": (lambda h: h.replace("</head>", '<script src="https://cdn.example/x.js">'
                                           "</script></head>"), "another host"),
    "unsafe-inline": (lambda h: h.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"),
                      "unsafe-inline"),
    "no csp": (lambda h: re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", h),
               "0 CSP meta"),
}


@pytest.fixture(scope="module")
def home_html(qa_site) -> str:
    with open(os.path.join(qa_site.output_dir, "index.html"), encoding="utf-8") as fh:
        return fh.read()


def test_built_home_page_is_clean(home_html):
    assert security_problems(home_html) == [] and html5_errors(home_html) == []


@pytest.mark.parametrize("name", sorted(BREAKAGES))
def test_security_scan_reports(home_html, name):
    breaker, expected = BREAKAGES[name]
    broken = breaker(home_html)
    assert broken != home_html, "the breakage did not apply: update this test"
    problems = security_problems(broken)
    assert any(expected in p for p in problems), problems


def test_html5_parse_reports_a_stray_end_tag(home_html):
    assert html5_errors(home_html.replace("</main>", "</span></main>"))


def test_structure_check_reports_a_second_h1_and_an_uncaptioned_table(home_html):
    assert structure_problems(home_html) == []
    broken = home_html.replace("</main>", "<h1>又一个</h1><table><tr><td>1</td></tr></table></main>")
    assert structure_problems(broken) == ["2 <h1> elements", "<table> without caption or label"]


@pytest.fixture(scope="module")
def broken_site(qa_site, home_html, tmp_path_factory):
    """Served copies of the home page: label removed, a payload element, a too-wide table, focus
    indicators switched off."""
    root = tmp_path_factory.mktemp("broken-site")
    shutil.copytree(os.path.join(qa_site.output_dir, "theme"), root / "theme")
    pages = {"nolabel": LABEL.sub("", home_html, count=1),
             "payload": home_html.replace("</main>", '<img src="x" onerror="alert(1)"></main>'),
             "wide": home_html.replace("</main>", '<table><tr><td>' + "x" * 400
                                       + "</td></tr></table></main>"),
             "nofocus": home_html.replace("</head>", '<link rel="stylesheet" href="/nofocus.css">'
                                          "</head>")}
    (root / "nofocus.css").write_text("*:focus, *:focus-visible { outline: none !important; "
                                      "box-shadow: none !important; }", encoding="utf-8")
    assert pages["nolabel"] != home_html
    for name, text in pages.items():
        (root / name).mkdir()
        (root / name / "index.html").write_text(text, encoding="utf-8")
    with serve_folder(str(root)) as url:
        yield url


@pytest.mark.browser
def test_axe_reports_a_missing_label(browser, broken_site):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(broken_site + "/nolabel/")
        found = blocking_violations(axe_run(page))
        assert any(v.split()[1].rstrip(":") == "label" for v in found), found
    finally:
        context.close()


@pytest.mark.browser
def test_dom_check_reports_a_payload_element_and_overflow(browser, broken_site):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        page.goto(broken_site + "/payload/")
        assert any("onerror" in e for e in injected_elements(page))
        page.goto(broken_site + "/wide/")
        assert horizontal_overflow(page) > 0
    finally:
        context.close()


@pytest.mark.browser
def test_focus_check_reports_an_invisible_focus(page, broken_site):
    page.goto(broken_site + "/nofocus/")
    page.keyboard.press("Tab")
    assert not focus_visible(page)
    page.goto(broken_site + "/payload/")  # the same page with the theme's focus style
    page.keyboard.press("Tab")
    assert focus_visible(page)
