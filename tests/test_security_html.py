"""Security of the built pages: every HTML file carries the strict CSP meta and has no inline
script or style, no event handler attributes, no javascript: URLs and nothing from another host;
a crawl with the CSP enforced (one page per family, search, lookup and credit check in action)
requests nothing outside 127.0.0.1, and the browser reports no CSP violation or script error.
"""

from __future__ import annotations

import pytest

from a11y_helpers import (blacklisted_code, credit_check, demo_lookup_case,  # noqa: F401
                          fill_lookup, is_foreign, qa_shapes, qa_site, qa_url, scan_output,
                          search_for, wait_lookup_done)


def test_every_html_file_is_clean(qa_site):
    problems = scan_output(qa_site.output_dir)
    assert problems == {}, f"{len(problems)} files, e.g. {list(problems.items())[:5]}"


def _reportable(message) -> bool:
    # the site ships no favicon.ico (the browser asks for it once per host): not a page problem
    if (message.location or {}).get("url", "").endswith("/favicon.ico"):
        return False
    return message.type == "error" or "Content Security Policy" in message.text


@pytest.fixture
def watched(browser):
    """A page with the CSP enforced that records foreign requests, missing files, CSP reports, script errors and
    dialogs; the test fails on any of them."""
    context = browser.new_context()
    page = context.new_page()
    seen = {"foreign": [], "console": [], "errors": [], "dialogs": [], "missing": []}
    page.on("response", lambda r: seen["missing"].append(r.url) if r.status >= 400 else None)
    page.on("request", lambda r: seen["foreign"].append(r.url) if is_foreign(r.url) else None)
    page.on("console", lambda m: seen["console"].append(m.text) if _reportable(m) else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    yield page, seen
    context.close()


@pytest.mark.browser
def test_crawl_requests_only_this_host_and_violates_no_csp(watched, qa_url, qa_shapes, qa_site):
    page, seen = watched
    for shape, path in sorted(qa_shapes.items()):
        page.goto(qa_url + path)
        page.wait_for_load_state("networkidle")
    # the dynamic pages in action
    page.goto(qa_url + qa_shapes["agencies/*"])
    name = page.text_content("h1").strip()
    assert search_for(page, qa_url, name) > 0
    page.goto(qa_url + "/lookup/")
    fill_lookup(page, *demo_lookup_case(qa_site.codes_path))
    assert "查询完成" in wait_lookup_done(page)
    credit_check(page, qa_url, blacklisted_code(page, qa_url))
    assert page.is_visible("#credit-result")
    page.wait_for_load_state("networkidle")
    assert {k: v for k, v in seen.items() if v} == {}
