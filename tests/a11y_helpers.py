"""Checkers shared by the accessibility, security and HTML-validity tests (QA engineer).

Each checker returns a list of problems (empty = fine), so a test asserts `== []` and the
"checks bite" tests can assert the same functions report a deliberately broken page.
"""

from __future__ import annotations

import csv
import html.parser
import os
import re
from urllib.parse import quote, urlsplit

import html5lib
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AXE_JS = os.path.join(REPO, "node_modules", "axe-core", "axe.min.js")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("serious", "critical")
LOCAL_HOSTS = ("127.0.0.1", None, "")

# path segments that name a sub-listing in urls.PATTERNS; anything else below a family is an id
LITERAL_SEGMENTS = {"type", "agency", "month", "kind", "area", "page"}


# ---------------------------------------------------------------- page discovery

def html_pages(output_dir: str) -> list[str]:
    """Every .html file under output_dir, relative, sorted (deterministic order)."""
    found = []
    for folder, dirs, files in os.walk(output_dir):
        dirs.sort()
        found += [os.path.relpath(os.path.join(folder, f), output_dir)
                  for f in sorted(files) if f.endswith(".html")]
    return sorted(found)


def page_shape(rel: str) -> str:
    """'penalties/agency/x/index.html' -> 'penalties/agency/*': one shape per kind of page, so a
    new family or sub-page kind is picked up without naming ids."""
    parts = rel.replace(os.sep, "/").split("/")
    if parts[-1] != "index.html":
        return "/".join(parts)  # 404.html and other single files
    return "/".join(p if i == 0 or p in LITERAL_SEGMENTS else "*"
                    for i, p in enumerate(parts[:-1])) or "home"


def one_page_per_shape(output_dir: str) -> dict[str, str]:
    """shape -> URL path (leading slash) of the first page of that shape; page 2+ of a listing is
    left out (same template as page 1)."""
    chosen: dict[str, str] = {}
    for rel in html_pages(output_dir):
        shape = page_shape(rel)
        if "/page/" in shape + "/" or shape in chosen:
            continue
        rel = rel.replace(os.sep, "/")
        chosen[shape] = "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
    return chosen


def listing_first_pages(output_dir: str) -> list[str]:
    """Relative paths of every listing's first page: family indexes and sub-listings
    (by type/agency/month/kind/area)."""
    out = []
    for rel in html_pages(output_dir):
        shape = page_shape(rel)
        if "page" in shape.split("/"):
            continue
        parts = shape.split("/")
        if shape.count("/") == 0 or (len(parts) == 3 and parts[1] in LITERAL_SEGMENTS):
            out.append(rel)
    return out


# ---------------------------------------------------------------- static HTML security scan

CSP_REQUIRED = {"script-src": "'self'", "style-src": "'self'"}
CSP_FORBIDDEN = ("'unsafe-inline'", "'unsafe-eval'", "data:", "*", "http:", "https:")
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "data"}


def _csp_problems(policy: str) -> list[str]:
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    problems = []
    for name, value in CSP_REQUIRED.items():
        sources = directives.get(name, directives.get("default-src"))
        if sources != [value]:
            problems.append(f"CSP {name} is {sources!r}, expected [{value!r}]")
    for name in ("script-src", "style-src", "default-src"):
        bad = [s for s in directives.get(name, []) if s in CSP_FORBIDDEN]
        if bad:
            problems.append(f"CSP {name} allows {bad}")
    return problems


class _SecurityScan(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.csp: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag}> event handler attribute {name}")
            if name == "style":
                self.problems.append(f"<{tag}> style= attribute")
            if name in URL_ATTRS and value and _is_script_url(value):
                self.problems.append(f"<{tag}> {name}={value[:40]!r}")
        if tag == "style":
            self.problems.append("<style> element (blocked by style-src 'self')")
        if tag == "script":
            src = names.get("src")
            if not src:
                self._in_script = True
            elif urlsplit(src).hostname not in LOCAL_HOSTS:
                self.problems.append(f"<script src> from another host: {src}")
        if tag == "link" and urlsplit(names.get("href") or "").hostname not in LOCAL_HOSTS:
            self.problems.append(f"<link> to another host: {names.get('href')}")
        if tag == "meta" and (names.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp.append(names.get("content") or "")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "script":
            if self._in_script:
                self.problems.append("inline <script> (no src)")
            self._in_script = False


def _is_script_url(value: str) -> bool:
    # browsers ignore control characters and spaces inside the scheme ("java\tscript:")
    squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
    return squeezed.startswith(("javascript:", "vbscript:", "data:text/html"))


def security_problems(text: str) -> list[str]:
    """Problems in one HTML document: inline scripts/styles, event handler and style attributes,
    script URLs, resources from other hosts, a missing or weak CSP meta."""
    scan = _SecurityScan()
    scan.feed(text)
    scan.close()
    problems = list(scan.problems)
    if len(scan.csp) != 1:
        problems.append(f"{len(scan.csp)} CSP meta elements (expected 1)")
    for policy in scan.csp:
        problems += _csp_problems(policy)
    return problems


def scan_output(output_dir: str) -> dict[str, list[str]]:
    """rel path -> problems, for every HTML file with at least one problem."""
    found = {}
    for rel in html_pages(output_dir):
        with open(os.path.join(output_dir, rel), encoding="utf-8") as fh:
            problems = security_problems(fh.read())
        if problems:
            found[rel] = problems
    return found


# ---------------------------------------------------------------- HTML validity

def html5_errors(text: str) -> list[str]:
    """Parse errors of a strict html5lib parse (html5lib stops at the first one in strict mode)."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        parser.parse(text)
    except html5lib.html5parser.ParseError as err:
        line, col = parser.errors[-1][0] if parser.errors else ("?", "?")
        return [f"line {line} col {col}: {err}"]
    return []


# ---------------------------------------------------------------- browser checks

AXE_RUN = """async (tags) => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  const ran = [].concat(r.violations, r.passes, r.incomplete, r.inapplicable).map(x => x.id);
  return {ran: ran, violations: r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}))};
}"""


def axe_run(page) -> dict:
    """Run axe-core with the WCAG 2.1 A/AA tags on the current page: {'ran': [rule ids],
    'violations': [...]}. The page's context must bypass CSP (axe is injected inline)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=AXE_JS)
    return page.evaluate(AXE_RUN, WCAG_TAGS)


def blocking_violations(result: dict) -> list[str]:
    return [f"{v['impact']} {v['id']}: {v['help']} {v['nodes']}"
            for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]


FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  return {tag: el.tagName, text: (el.textContent || el.value || '').trim().slice(0, 40),
          outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
          shadow: s.boxShadow !== 'none'};
}"""


def focused(page) -> dict | None:
    """The focused element (tag, text) and whether its focus indicator is visible."""
    return page.evaluate(FOCUS_STYLE)


def focus_visible(page) -> bool:
    state = focused(page)
    return bool(state and (state["outline"] or state["shadow"]))


def is_foreign(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme not in ("data", "blob", "about") and parts.hostname not in LOCAL_HOSTS


def horizontal_overflow(page) -> int:
    """How many CSS pixels the document is wider than the viewport (0 = no sideways scroll)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


DATA_ELEMENTS = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.getAttributeNames()) {
      if (a.toLowerCase().startsWith('on')) bad.push(el.tagName + '[' + a + ']');
    }
    const href = (el.getAttribute('href') || el.getAttribute('src') || '').replace(/[\\x00-\\x20]/g, '');
    if (/^(javascript|vbscript):/i.test(href)) bad.push(el.tagName + ' ' + href.slice(0, 30));
  }
  for (const s of document.querySelectorAll('script')) {
    const src = s.getAttribute('src') || '';
    if (!src.startsWith('/theme/') && !src.startsWith('/search/')) bad.push('script ' + src + s.text.slice(0, 30));
  }
  for (const s of document.querySelectorAll('iframe, object, embed, style, base')) bad.push(s.tagName);
  return bad;
}"""


def injected_elements(page) -> list[str]:
    """Elements or attributes on the live page that only an HTML payload could have created."""
    return page.evaluate(DATA_ELEMENTS)


# ---------------------------------------------------------------- lookup page

def demo_lookup_case(codes_path: str) -> tuple[str, str]:
    """A case from the README's lookup table, with its query code from the staff codes file."""
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as fh:
        readme_cases = re.findall(r"^\| (\S+〔\d{4}〕\d+号) \|", fh.read(), re.M)
    with open(codes_path, encoding="utf-8-sig") as fh:
        codes = {row["案件编号"]: row["查询码"] for row in csv.DictReader(fh)}
    case_no = next(c for c in readme_cases if c in codes)
    return case_no, codes[case_no]


def fill_lookup(page, case_no: str, code: str) -> None:
    page.fill("#lookup-case", case_no)
    page.fill("#lookup-code", code)
    page.click("#lookup-submit")


def wait_lookup_done(page) -> str:
    page.wait_for_function(
        "() => /查询完成|未找到|无法/.test(document.getElementById('lookup-status').textContent)",
        timeout=30000)
    return page.text_content("#lookup-status")



def search_for(page, base: str, query: str) -> int:
    """Run a search from the URL and wait for it; returns the number of result links."""
    page.goto(f"{base}/search/?q={quote(query)}" if query else f"{base}/search/")
    if query:
        page.wait_for_selector("#search-app[data-state=done]", timeout=30000)
    return page.locator("#search-results a, #search-exact-list a").count()


def blacklisted_code(page, base: str) -> str:
    """The credit code of the first listed entity on /blacklist/ (a code the credit check finds)."""
    page.goto(base + "/blacklist/")
    return page.text_content("main td.code").strip()


def credit_check(page, base: str, code: str) -> None:
    """Submit the credit check form and wait for its result (or its format error)."""
    page.goto(base + "/credit/")
    page.fill("#credit-code", code)
    page.click("#credit-form button[type=submit]")
    page.wait_for_selector("#credit-result:not([hidden]), #credit-error:not([hidden])",
                           timeout=30000)

# ---------------------------------------------------------------- fixtures (import into a test module)

@pytest.fixture(scope="session")
def qa_site(request):
    """The demo build (conftest's demo_build). While iterating on these tests, GONGSHI_QA_BUILD may
    name an existing build folder (content/, output/, codes.csv) to skip the minutes-long build."""
    folder = os.environ.get("GONGSHI_QA_BUILD")
    if folder:
        from conftest import DEMO_AS_OF, BuiltSite
        return BuiltSite(os.path.join(folder, "content"), os.path.join(folder, "output"),
                         os.path.join(folder, "codes.csv"), DEMO_AS_OF)
    return request.getfixturevalue("demo_build")


@pytest.fixture(scope="session")
def qa_url(request, qa_site):
    if not os.environ.get("GONGSHI_QA_BUILD"):
        yield request.getfixturevalue("site_url")
        return
    from conftest import serve_folder
    with serve_folder(qa_site.output_dir) as url:
        yield url


@pytest.fixture(scope="session")
def qa_shapes(qa_site) -> dict[str, str]:
    return one_page_per_shape(qa_site.output_dir)


# ---------------------------------------------------------------- page structure

def structure_problems(text: str) -> list[str]:
    """Checks axe's WCAG rule set leaves out (best practices): Chinese `lang`, one <h1>, a title,
    tables with a caption or a label, images with alt text."""
    tree = html5lib.parse(text, namespaceHTMLElements=False)
    problems = []
    if tree.get("lang") != "zh-CN":
        problems.append(f"html lang={tree.get('lang')!r}")
    if len(tree.findall(".//h1")) != 1:
        problems.append(f"{len(tree.findall('.//h1'))} <h1> elements")
    title = tree.find(".//head/title")
    if title is None or not (title.text or "").strip():
        problems.append("empty <title>")
    for table in tree.iter("table"):
        if table.find("caption") is None and not table.get("aria-label") \
                and not table.get("aria-labelledby"):
            problems.append("<table> without caption or label")
    problems += [f"<img src={img.get('src')!r}> without alt" for img in tree.iter("img")
                 if img.get("alt") is None]
    return problems


# ---------------------------------------------------------------- colour contrast (WCAG 2.1)

TEXT_CONTRAST, LARGE_TEXT_CONTRAST, GRAPHIC_CONTRAST = 4.5, 3.0, 3.0   # 1.4.3 / 1.4.11

_RGB = re.compile(r"rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+)(%?))?\s*\)")


def css_colour(text: str) -> tuple[float, float, float, float] | None:
    """getComputedStyle's colour ('rgb(29, 95, 168)', 'rgba(0, 0, 0, 0.5)', 'rgb(0 0 0 / 50%)')
    as (r, g, b, alpha) with r/g/b in 0..255; None for 'none'. Anything else (a url() paint, a
    colour space Chromium would not turn into rgb) raises: a check must not skip what it can't read."""
    text = text.strip()
    if text in ("none", ""):
        return None
    found = _RGB.fullmatch(text)
    if not found:
        raise ValueError(f"cannot read colour {text!r}")
    r, g, b, alpha, percent = found.groups()
    a = 1.0 if alpha is None else float(alpha) / (100 if percent else 1)
    return float(r), float(g), float(b), a


def composite(layers: list[tuple[str, float]]) -> tuple[float, float, float]:
    """The colour seen through `layers`, topmost first: [(css colour, opacity multiplier), …],
    the last one being the page's canvas (opaque). Transparent layers drop out."""
    seen = (255.0, 255.0, 255.0)
    for text, opacity in reversed(layers):
        colour = css_colour(text)
        if colour is None:
            continue
        a = colour[3] * opacity
        seen = tuple(c * a + s * (1 - a) for c, s in zip(colour[:3], seen))
    return seen


def relative_luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour (0..255 per channel)."""
    def linear(c):
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """WCAG contrast ratio (1..21) of two opaque colours."""
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def is_large_text(px: float, weight: float) -> bool:
    """WCAG 'large scale' text: at least 18 pt (24 px), or 14 pt (18.66 px) bold."""
    return px >= 24 or (px >= 18.66 and weight >= 700)


def contrast_problems(items: list[dict]) -> list[str]:
    """Each item is one colour pair measured in the browser: {'what', 'kind' ('text' or 'graphic'),
    'fg': [colour, opacity], 'bg': [[colour, opacity], …] topmost first down to the canvas, and
    for text 'px' (rendered font size) and 'weight'}. Text needs 4.5:1 (3:1 when large), a
    graphic (bar, line, marker, border, or one of two touching areas against the other) 3:1.
    Returns one line per pair below its minimum."""
    problems = []
    for item in items:
        bg = composite(item["bg"])
        fg = composite([item["fg"]] + item["bg"])   # a translucent foreground blends in
        ratio = contrast_ratio(fg, bg)
        if item["kind"] == "text":
            need = LARGE_TEXT_CONTRAST if is_large_text(item["px"], item["weight"]) else TEXT_CONTRAST
        else:
            need = GRAPHIC_CONTRAST
        if ratio < need - 1e-9:
            problems.append(f"{item['what']}: {ratio:.2f}:1 < {need}:1 "
                            f"({_hex(fg)} on {_hex(bg)})")
    return problems


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(c):02x}" for c in rgb)
