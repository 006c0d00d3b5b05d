"""axe-core (WCAG 2.1 A/AA) on one page of every page family of the demo build, and on the search
and lookup pages in each of their states: no serious or critical violation anywhere.

Page families are discovered from the output folder (a11y_helpers.one_page_per_shape), so a family
added later is checked without touching this file.
"""

from __future__ import annotations

import pytest

from a11y_helpers import (axe_run, blacklisted_code, blocking_violations,  # noqa: F401
                          credit_check, demo_lookup_case, fill_lookup, qa_shapes, qa_site, qa_url,
                          search_for, wait_lookup_done)

pytestmark = pytest.mark.browser

# families the portal must have; more are welcome and get checked too
EXPECTED_SHAPES = {"home", "404.html", "about", "agencies", "agencies/*", "matters", "matters/*",
                   "matters/type/*", "matters/agency/*", "laws", "laws/*", "procedures",
                   "procedures/*", "penalties", "penalties/*", "permits", "permits/*",
                   "withdrawals", "catalogue", "statistics", "accountability", "search", "lookup",
                   "blacklist", "credit", "data"}
NO_RESULTS = "不存在的词语组合甲乙"


@pytest.fixture(scope="module")
def axe_page(browser):
    # axe is injected as an inline script, which the pages' CSP (rightly) blocks: bypass it here;
    # test_security_* checks the CSP itself with it enforced
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def _violations(page) -> list[str]:
    result = axe_run(page)
    assert "color-contrast" in result["ran"], "axe's color-contrast rule must run"
    return blocking_violations(result)


def test_every_family_is_present(qa_shapes):
    missing = EXPECTED_SHAPES - set(qa_shapes)
    assert not missing, f"page families not found in the output: {sorted(missing)}"


def test_axe_on_one_page_per_family(axe_page, qa_url, qa_shapes):
    failures = {}
    for shape, path in sorted(qa_shapes.items()):
        if shape in ("search", "lookup"):
            continue  # below, in every state
        axe_page.goto(qa_url + path)
        found = _violations(axe_page)
        if found:
            failures[path] = found
    assert failures == {}


def _a_body_name(page, base, shapes) -> str:
    page.goto(base + shapes["agencies/*"])
    return page.text_content("h1").strip()


@pytest.mark.parametrize("state", ["empty", "results", "no results"])
def test_axe_search_states(axe_page, qa_url, qa_shapes, state):
    query = {"empty": "", "no results": NO_RESULTS,
             "results": _a_body_name(axe_page, qa_url, qa_shapes) if state == "results" else ""}
    found = search_for(axe_page, qa_url, query[state])
    if state == "results":
        assert found > 0
    if state == "no results":
        assert axe_page.is_visible("#search-empty")
    assert _violations(axe_page) == []


def test_axe_lookup_states(axe_page, qa_url, qa_site):
    case_no, code = demo_lookup_case(qa_site.codes_path)
    failures = {}
    axe_page.goto(qa_url + "/lookup/")
    failures["before"] = _violations(axe_page)

    held = []  # hold the shard download so the page stays in its "working" state
    axe_page.route("**/lookup/shards/**", lambda route: held.append(route))
    fill_lookup(axe_page, case_no, code)
    axe_page.wait_for_function("() => /正在/.test(document.getElementById('lookup-status').textContent)")
    failures["working"] = _violations(axe_page)
    assert held, "the shard request was not held"
    for route in held:
        route.continue_()
    axe_page.unroute("**/lookup/shards/**")
    assert "查询完成" in wait_lookup_done(axe_page)
    assert axe_page.is_visible("#lookup-result")
    failures["found"] = _violations(axe_page)

    axe_page.goto(qa_url + "/lookup/")
    fill_lookup(axe_page, case_no, "ABCD-EFGH-JKMN-PQRS")
    assert "未找到" in wait_lookup_done(axe_page)
    failures["not found"] = _violations(axe_page)
    assert {state: v for state, v in failures.items() if v} == {}


def _unused_credit_code() -> str:
    from stdnum.cn import uscc

    base = "91370281MA9Y9X9X9"  # valid shape and check digit, not a party in any data set
    return base + uscc.calc_check_digit(base)


@pytest.mark.parametrize("state", ["invalid", "found", "not found"])
def test_axe_credit_check_states(axe_page, qa_url, state):
    code = {"invalid": "123", "not found": _unused_credit_code()}.get(state) \
        or blacklisted_code(axe_page, qa_url)
    credit_check(axe_page, qa_url, code)
    if state == "invalid":
        assert axe_page.is_visible("#credit-error")
    else:
        assert ("未查到" in axe_page.text_content("#credit-result")) == (state == "not found")
    assert _violations(axe_page) == []
