"""Keyboard-only journeys (Tab and Enter, no mouse) with a visible focus indicator on every stop
that matters, and no sideways scrolling at 320 px on any page family, in normal and large-text mode.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from a11y_helpers import (demo_lookup_case, focus_visible, focused, horizontal_overflow,
                          qa_shapes, qa_site, qa_url, wait_lookup_done)  # noqa: F401

pytestmark = pytest.mark.browser
MAX_TABS = 400


def tab_to(page, selector: str) -> None:
    """Press Tab until the focused element matches `selector`; it must show a focus indicator."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)",
                         selector):
            assert focus_visible(page), f"focus on {selector} is not visible: {focused(page)}"
            return
    raise AssertionError(f"{MAX_TABS} Tabs never reached {selector}")


def enter(page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_first_tab_is_the_skip_link_and_it_moves_focus_to_main(page, qa_url):
    page.goto(qa_url + "/")
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "跳到主要内容" and focus_visible(page)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_keyboard_body_to_power_to_law_article(page, qa_url):
    page.goto(qa_url + "/")
    tab_to(page, "nav.main-nav a[href='/agencies/']")
    enter(page)
    tab_to(page, "main a[href^='/agencies/']")
    enter(page)
    assert urlsplit(page.url).path.startswith("/agencies/")
    tab_to(page, "main a[href^='/matters/m-']")
    enter(page)
    assert urlsplit(page.url).path.startswith("/matters/m-")
    tab_to(page, "main .citations a[href*='#art-']")
    anchor = page.evaluate("document.activeElement.hash")
    enter(page)
    assert page.evaluate("location.hash") == anchor
    assert page.locator(anchor).is_visible()


def test_keyboard_search_from_the_header(page, qa_url, qa_shapes):
    page.goto(qa_url + qa_shapes["agencies/*"])
    name = page.text_content("h1").strip()
    page.goto(qa_url + "/")
    tab_to(page, "#site-search-q")
    page.keyboard.type(name)
    enter(page)
    assert urlsplit(page.url).path == "/search/"
    page.wait_for_selector("#search-app[data-state=done]", timeout=30000)
    tab_to(page, "#search-results a, #search-exact-list a")
    target = page.evaluate("document.activeElement.pathname")
    enter(page)
    assert urlsplit(page.url).path == target


def test_keyboard_lookup(page, qa_url, qa_site):
    case_no, code = demo_lookup_case(qa_site.codes_path)
    page.goto(qa_url + "/")
    tab_to(page, "nav.main-nav a[href='/lookup/']")
    enter(page)
    tab_to(page, "#lookup-case")
    page.keyboard.type(case_no)
    page.keyboard.press("Tab")
    assert focused(page) and page.evaluate("document.activeElement.id") == "lookup-code"
    page.keyboard.type(code)
    tab_to(page, "#lookup-submit")
    page.keyboard.press("Enter")
    assert "查询完成" in wait_lookup_done(page)
    # focus moves to the result's heading, so a screen reader user hears the answer
    assert page.evaluate("!!document.activeElement.closest('#lookup-result')")
    assert focus_visible(page)


@pytest.mark.parametrize("large_text", [False, True], ids=["normal", "large-text"])
def test_no_sideways_scroll_at_320px_on_any_family(browser, qa_url, qa_shapes, large_text):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        page.goto(qa_url + "/")
        if large_text:  # switched on once; the mode must survive every navigation below
            page.locator("#large-text-toggle").press("Enter")
        wide = {}
        for shape, path in sorted(qa_shapes.items()):
            page.goto(qa_url + path)
            if large_text:
                assert page.evaluate("document.documentElement.classList.contains('large-text')"), path
            overflow = horizontal_overflow(page)
            if overflow > 0:
                wide[path] = overflow
        assert wide == {}, f"pages wider than 320 px (by px): {wide}"
    finally:
        context.close()


def test_focus_is_visible_on_every_control_in_main(page, qa_url, qa_shapes):
    """From the start of <main> on every family page, the next controls (links, buttons, inputs,
    summaries, sort buttons…) each show a focus indicator when reached with Tab."""
    invisible = {}
    for shape, path in sorted(qa_shapes.items()):
        page.goto(qa_url + path)
        page.focus("#main")
        for _ in range(12):
            page.keyboard.press("Tab")
            state = focused(page)
            if state is None or not page.evaluate("!!document.activeElement.closest('main')"):
                break
            if not (state["outline"] or state["shadow"]):
                invisible.setdefault(path, []).append(f"{state['tag']} {state['text']}")
    assert invisible == {}
