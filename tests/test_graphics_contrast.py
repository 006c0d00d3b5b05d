"""Colour contrast of the graphics axe-core leaves alone: the statistics pages' SVG bar charts, the
procedure pages' SVG flowcharts and the lookup page's step indicator (its markers are CSS
::before boxes). Measured in headless Chromium on built pages, in every display mode: the colours
are what getComputedStyle reports for the elements drawn (and for what lies beneath them), never
a copy of the palette, so a colour picked later in charts.py, the flowchart generator or the CSS
is checked as it is shown.

WCAG 2.1 AA: text 4.5:1 (3:1 when large, 1.4.3); bars, lines, markers and borders 3:1 against
what they sit on (1.4.11); filled marks of different colours that touch, or that stand for
different series of one chart, 3:1 against each other (the charts tell series apart by nothing
but colour: they have none today, one colour per chart and every bar labelled in text).
The arithmetic is a11y_helpers.contrast_problems.
"""

from __future__ import annotations

import os

import pytest

from a11y_helpers import contrast_problems
from conftest import serve_folder
from test_lookup_site import CASES, lookup, tiny  # noqa: F401  (tiny: the module's fixture)

pytestmark = pytest.mark.browser

# every display mode: the site's own (large-text toggle, print style sheet) and the browser's that
# recolour pages (Windows high contrast = forced colours with a light or dark palette; a dark
# preferred scheme and a request for more contrast, which the site does not style today)
MODES = {
    "default": {},
    "large-text": {},
    "print": {"media": "print"},
    "dark-scheme": {"color_scheme": "dark"},
    "more-contrast": {"contrast": "more"},
    "forced-colors-light": {"forced_colors": "active", "color_scheme": "light"},
    "forced-colors-dark": {"forced_colors": "active", "color_scheme": "dark"},
}

# Returns the colour pairs of every graphic on the page, for contrast_problems. Each background is
# the stack of paints beneath the element, topmost first: earlier-painted SVG shapes under its
# centre, then the background colours of its HTML ancestors, then the canvas ('Canvas').
MEASURE = """() => {
  const items = [];
  const paint = v => (v && v !== 'none' && !v.startsWith('url(')) ? v : null;
  const shown = (el, cs) => cs.display !== 'none' && cs.visibility !== 'hidden' && el.getClientRects().length > 0;
  const probe = document.createElement('div');
  probe.style.backgroundColor = 'Canvas';      // CSSOM, which the page's CSP allows
  document.body.appendChild(probe);
  const canvas = getComputedStyle(probe).backgroundColor;
  probe.remove();
  // printing leaves out background colours (Chromium's default) unless print-color-adjust: exact
  const printing = matchMedia('print').matches;
  const background = cs => (printing && (cs.printColorAdjust || cs.webkitPrintColorAdjust) !== 'exact')
                           ? 'rgba(0, 0, 0, 0)' : cs.backgroundColor;
  const chain = el => {
    const out = [];
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) out.push([background(getComputedStyle(n)), 1]);
    return out.concat([[canvas, 1]]);
  };
  const name = el => el.tagName.toLowerCase() + (el.getAttribute('class') ? '.' + el.getAttribute('class').trim().split(/\\s+/).join('.') : '');
  const text = el => (el.textContent || '').trim().slice(0, 16);

  for (const svg of document.querySelectorAll('svg')) {
    const where = name(svg) + (svg.closest('[id]') ? ' in #' + svg.closest('[id]').id : '');
    const scale = () => { const m = svg.getScreenCTM(); return m ? Math.hypot(m.a, m.b) : 1; };
    const done = [];       // shapes painted so far: [element, rect, fill]
    const marks = [];      // filled shapes without a stroke: [element, rect, fill]
    for (const el of svg.querySelectorAll('*')) {
      const cs = getComputedStyle(el);
      const tag = el.tagName.toLowerCase();
      if (!shown(el, cs) || ['title', 'desc', 'g', 'defs', 'tspan'].includes(tag)) continue;
      const r = el.getBoundingClientRect();
      const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
      const under = done.filter(([, q]) => cx >= q.left && cx <= q.right && cy >= q.top && cy <= q.bottom)
                        .reverse().map(([, , f]) => f);
      const bg = under.concat(chain(svg));
      const fill = paint(cs.fill) ? [cs.fill, parseFloat(cs.fillOpacity) * parseFloat(cs.opacity)] : null;
      const stroke = paint(cs.stroke) && parseFloat(cs.strokeWidth) > 0 && parseFloat(cs.strokeOpacity) > 0
                   ? [cs.stroke, parseFloat(cs.strokeOpacity) * parseFloat(cs.opacity)] : null;
      const what = where + ' ' + name(el);
      if (tag === 'text') {
        if (fill && text(el)) items.push({what: what + ' fill «' + text(el) + '»', kind: 'text', fg: fill, bg: bg,
                                          px: parseFloat(cs.fontSize) * scale(), weight: parseFloat(cs.fontWeight)});
        continue;
      }
      if (stroke) items.push({what: what + ' stroke', kind: 'graphic', fg: stroke, bg: bg});
      else if (fill && r.width > 0 && r.height > 0) {
        items.push({what: what + ' fill', kind: 'graphic', fg: fill, bg: bg});
        marks.push([el, r, fill]);
      }
      if (fill) done.push([el, r, fill]);
    }
    // marks of different colours: touching ones, and the series of one chart, apart by 3:1
    const key = f => f.join(' ');
    const touch = (p, q) => p.left <= q.right + 1 && q.left <= p.right + 1 && p.top <= q.bottom + 1 && q.top <= p.bottom + 1;
    const series = new Map(marks.map(([el, , f]) => [key(f), [el, f]]));
    const pairs = new Set();
    for (let i = 0; i < marks.length; i++) {
      for (let j = i + 1; j < marks.length; j++) {
        const [a, ra, fa] = marks[i], [b, rb, fb] = marks[j];
        if (key(fa) !== key(fb) && touch(ra, rb)) {
          items.push({what: where + ' touching ' + name(a) + ' / ' + name(b), kind: 'graphic', fg: fa, bg: [fb].concat(chain(svg))});
        }
      }
    }
    const distinct = Array.from(series.values());
    for (let i = 0; i < distinct.length; i++) {
      for (let j = i + 1; j < distinct.length; j++) {
        items.push({what: where + ' series ' + name(distinct[i][0]) + ' / ' + name(distinct[j][0]), kind: 'graphic',
                    fg: distinct[i][1], bg: [distinct[j][1]].concat(chain(svg))});
      }
    }
  }

  // the step indicator: one line down the steps (each step's border-left, the segments touching)
  // and a round ::before marker per step
  for (const li of document.querySelectorAll('.step-indicator > li')) {
    const what = 'li.' + Array.from(li.classList).join('.');
    const cs = getComputedStyle(li);
    const line = parseFloat(cs.borderLeftWidth) > 0 && cs.borderLeftStyle !== 'none';
    if (line) {
      items.push({what: what + ' line (border-left)', kind: 'graphic', fg: [cs.borderLeftColor, 1], bg: chain(li)});
      const next = li.nextElementSibling ? getComputedStyle(li.nextElementSibling) : null;
      if (next && next.borderLeftColor !== cs.borderLeftColor && parseFloat(next.borderLeftWidth) > 0) {
        items.push({what: what + ' line / next step line', kind: 'graphic', fg: [cs.borderLeftColor, 1],
                    bg: [[next.borderLeftColor, 1]].concat(chain(li))});
      }
    }
    const mark = getComputedStyle(li, '::before');
    if (mark.content !== 'none') {
      const markBg = [[background(mark), 1]].concat(chain(li));
      if (parseFloat(mark.borderTopWidth) > 0 && mark.borderTopStyle !== 'none') {
        items.push({what: what + '::before marker border', kind: 'graphic', fg: [mark.borderTopColor, 1], bg: chain(li)});
      } else {
        items.push({what: what + '::before marker', kind: 'graphic', fg: [background(mark), 1], bg: chain(li)});
      }
      items.push({what: what + '::before ' + mark.content, kind: 'text', fg: [mark.color, 1], bg: markBg,
                  px: parseFloat(mark.fontSize), weight: parseFloat(mark.fontWeight)});
    }
    for (const span of li.children) {
      const s = getComputedStyle(span);
      items.push({what: what + ' ' + name(span) + ' «' + text(span) + '»', kind: 'text', fg: [s.color, 1],
                  bg: chain(span), px: parseFloat(s.fontSize), weight: parseFloat(s.fontWeight)});
    }
  }
  return items;
}"""


def svg_pages(output_dir: str) -> list[str]:
    """URL paths of every built page with an inline <svg> (charts, flowcharts)."""
    found = []
    for folder, dirs, files in os.walk(output_dir):
        dirs.sort()
        if "index.html" in files:
            with open(os.path.join(folder, "index.html"), encoding="utf-8") as fh:
                if "<svg" in fh.read():
                    found.append("/" + os.path.relpath(folder, output_dir).replace(os.sep, "/") + "/")
    return found


@pytest.fixture(scope="module")
def graphics_site(tiny):  # noqa: F811
    """The fixture tree with lookup cases (test_lookup_site.tiny), served: statistics charts,
    procedure flowcharts and, after a lookup, a step indicator with every state."""
    _root, output, codes = tiny
    with serve_folder(output) as url:
        yield url, svg_pages(output), codes


def measure(browser, base: str, paths: list[str], codes: dict, mode: str) -> list[dict]:
    """Colour pairs of the graphics on `paths` and on the lookup page's step indicator, in `mode`."""
    context = browser.new_context(**{k: v for k, v in MODES[mode].items() if k != "media"})
    page = context.new_page()
    try:
        if "media" in MODES[mode]:
            page.emulate_media(media=MODES[mode]["media"])
        if mode == "large-text":
            page.goto(base + "/")
            page.locator("#large-text-toggle").click()
        items = []
        for path in paths:
            page.goto(base + path)
            assert page.evaluate("document.documentElement.classList.contains('large-text')") \
                == (mode == "large-text")
            items += [dict(item, what=f"{path} {item['what']}") for item in page.evaluate(MEASURE)]
        case_no = CASES[1][0]   # 未记录, 已完成, 进行中 and 未开始 steps
        assert "查询完成" in lookup(page, base, case_no, codes[case_no])
        items += [dict(item, what=f"/lookup/ {item['what']}") for item in page.evaluate(MEASURE)]
        return items
    finally:
        context.close()


@pytest.mark.parametrize("mode", MODES)
def test_graphics_meet_wcag_contrast(browser, graphics_site, mode):
    base, paths, codes = graphics_site
    assert any(p.startswith("/statistics/") for p in paths) and any(p.startswith("/procedures/") for p in paths)
    items = measure(browser, base, paths, codes, mode)
    measured = " ".join(item["what"] for item in items)
    for part in ("rect.chart-bar fill", "text.chart-label", "text.chart-value", "rect.box stroke",
                 "text.label", "text.limit", "line.arrow stroke", "path.arrowhead fill",
                 "li.step.step--d::before", "li.step.step--c::before", "li.step.step--m::before",
                 "li.step.step--u::before", "line (border-left)", "line / next step line"):
        # forced colours draw every step's line alike (the states are written out)
        if part != "line / next step line" or not mode.startswith("forced-colors"):
            assert part in measured, f"nothing measured for {part} in {mode}"
    assert contrast_problems(items) == []


def test_the_check_reads_the_colours_shown(browser, graphics_site):
    """The measurement follows the live styles: pale bars, a pale arrow, a pale pending marker and
    grey chart text planted in the page (CSSOM) are reported, each against its own background."""
    base, paths, codes = graphics_site
    context = browser.new_context()
    page = context.new_page()
    try:
        planted = []
        for path in paths:
            page.goto(base + path)
            page.evaluate("""() => {
              for (const el of document.querySelectorAll('.chart-bar')) el.style.fill = '#c8d8ee';
              for (const el of document.querySelectorAll('.chart-label')) el.style.fill = '#8a8a8a';
              for (const el of document.querySelectorAll('.flowchart .arrow')) el.style.stroke = '#bbbbbb';
              for (const el of document.querySelectorAll('.flowchart .box')) el.style.fill = '#1d5fa8';
            }""")
            planted += contrast_problems(page.evaluate(MEASURE))
        case_no = CASES[1][0]
        lookup(page, base, case_no, codes[case_no])
        sheet = page.evaluate("""() => {
          const s = new CSSStyleSheet();
          s.replaceSync('.step--u::before { border-color: #e6e6e6 !important; }');
          document.adoptedStyleSheets = [s];
        }""")
        assert sheet is None
        planted += contrast_problems(page.evaluate(MEASURE))
    finally:
        context.close()
    text = "\n".join(planted)
    assert "rect.chart-bar fill: 1.45:1 < 3.0:1 (#c8d8ee on #ffffff)" in text
    assert "text.chart-label fill «2026年»: 3.45:1 < 4.5:1 (#8a8a8a on #ffffff)" in text
    assert "line.arrow stroke: 1.92:1 < 3.0:1 (#bbbbbb on #ffffff)" in text
    assert "text.label fill «1. 立案»: 3.04:1 < 4.5:1 (#0b0c0c on #1d5fa8)" in text  # on its box
    assert "li.step.step--u::before marker border: 1.25:1 < 3.0:1 (#e6e6e6 on #ffffff)" in text
