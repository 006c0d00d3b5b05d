"""Jinja filters and globals shared by all templates (installed by FamilyGenerator).

Globals every template can use:
  url(kind, id=None, page=1, anchor=None)  site-relative URL (plugins/gongshi/urls.py)
  site_meta        content/site.yaml as a dict (as_of, demo, counts, sources …)
  as_of, build_id  the data date and the short hash of the content tree + as_of
  nav_links        [(kind, label)] of the page families this build actually renders
  nav_html         the <li> links of nav_links as Markup, made once per build (base.html's nav)
  head_assets      base.html's stylesheet and script links (Markup, once per build)
  about_url        url('about'), for base.html's footer
  has_family(name) whether a family (generator `family` attribute) is rendered in this build
  citation_url(c)  URL of a parsed citation's article (or law) page, None when it cannot link
  citations(items, fallback=None)  a record's citations as a linked list (Markup, CitationList)
  penalty_rows(rows, show_agency), permit_rows(…)  the <tr> rows of macros.penalty_table /
                   permit_table (Markup, table_rows.py)
  catalogue_rows(rows, matters, agency_name, show_agency)  catalogue_list.html's rows (same)
Filters: zh_date ('2024-03-05' -> '2024年3月5日'), zh_month ('2024-03' -> '2024年3月'),
  yuan (2000 -> '2,000'), or_dash (None/'' -> '—').
"""

from __future__ import annotations

import hashlib
import os

from markupsafe import Markup, escape

from . import urls
from .store import BuildId


def zh_date(value) -> str:
    """'2024-03-05' -> '2024年3月5日' (dates in Chinese form on every page)."""
    if not value:
        return ""
    text = str(value)
    try:
        y, m, d = text[:10].split("-")
        return f"{int(y)}年{int(m)}月{int(d)}日"
    except ValueError:
        return text


def zh_month(value) -> str:
    """'2024-03' -> '2024年3月'."""
    try:
        y, m = str(value)[:7].split("-")
        return f"{int(y)}年{int(m)}月"
    except ValueError:
        return str(value or "")


def yuan(value) -> str:
    """Integer 元 with thousands separators; empty for no amount."""
    if value is None or value == "":
        return ""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


def page_numbers(count: int, page: int) -> list[int]:
    """The page numbers macros.pagination can show on page `page` of `count`: the first, the
    last and those within 3 of the current page (3 away is a gap mark), ascending."""
    return sorted({1, count} | set(range(max(1, page - 3), min(count, page + 3) + 1)))


def or_dash(value):
    return "—" if value is None or value == "" or value == [] else value


class CitationLinker:
    """Decides whether a parsed citation may become a link: only when the law is in this build's
    library (and the article exists there) — a citation never produces a broken link."""

    def __init__(self, store):
        self.store = store
        self._known: dict[str, set[int]] | None = None

    def _articles(self) -> dict[str, set[int]]:
        if self._known is None:
            try:
                laws = self.store.library.laws
            except ImportError:  # law texts unavailable: every citation stays plain text
                laws = []
            self._known = {law.id: set(law.articles) for law in laws}
        return self._known

    def cache_fingerprint(self):
        """What the links depend on, for the render cache (render_cache.py)."""
        return sorted((law_id, sorted(arts)) for law_id, arts in self._articles().items())

    def __call__(self, citation: dict) -> str | None:
        law_id = citation.get("law_id")
        if not law_id or law_id not in self._articles():
            return None
        article = citation.get("article")
        if article is not None and int(article) in self._articles()[law_id]:
            return urls.article_url(law_id, int(article))
        return urls.url_for("law", law_id)


def _jinja_attr(obj, name):
    """obj.name as a template reads it, with Undefined's output: a dict's key ("" when missing),
    else the attribute or item."""
    if type(obj) is dict:
        return obj[name] if name in obj else ""
    try:
        return getattr(obj, name)
    except AttributeError:
        try:
            return obj[name]
        except (TypeError, LookupError, AttributeError):
            return ""


class CitationList:
    """citations(items, fallback=None): a record's parsed citations as a list, each a link to
    its article when this build has the law text (CitationLinker) and plain text with a note
    otherwise; without citations the fallback text in a <p>, or a dash.

    Python rather than a template macro because it runs once per catalogue row, penalty and
    matter (~40,000 times a build) and a macro call costs ~10 us. The markup is what the macro
    wrote, byte for byte (tests/test_jinja_fast_paths.py renders the macro as the reference),
    and every data value is escaped here with markupsafe.escape, as autoescape would."""

    def __init__(self, linker: CitationLinker):
        self.linker = linker

    def cache_fingerprint(self):
        return self.linker.cache_fingerprint()

    def __call__(self, items, fallback=None) -> Markup:
        if items:
            out = ['<ul class="citations">\n']
            for c in items:
                href = self.linker(c)
                raw = escape(_jinja_attr(c, "raw"))
                if href:
                    out.append(f'  <li>\n<a href="{escape(href)}">{raw}</a>')
                    if not _jinja_attr(c, "anchor"):
                        out.append(' <span class="note">（未找到该条文，链接到法规全文）</span>')
                else:
                    out.append(f'  <li>\n{raw} <span class="note">（本站未收录该法规文本，无法链接）</span>')
                out.append("  </li>\n")
            out.append("</ul>\n")
            return Markup("".join(out))
        if fallback:
            return Markup(f"<p>{escape(fallback)}</p>\n")
        return Markup("<p>—</p>\n")


class AssetUrls:
    """asset("js/lookup.js") -> "/theme/js/lookup.js?v=<digest of the file>".

    deploy/nginx.conf lets browsers keep a versioned URL for a year and an unversioned theme file
    for an hour, so without the digest a browser could pair a new page with an old script for an
    hour after a release (e.g. the lookup's key derivation changed). The digest is of the file in
    the theme's static folder, which Pelican copies to /theme/ unchanged."""

    def __init__(self, theme_dir: str, prefix: str = "theme"):
        self.static_dir = os.path.join(theme_dir, "static")
        self.prefix = prefix
        self._digests: dict[str, str] = {}
        self._fingerprint: list | None = None

    def _digest(self, path: str) -> str:
        if path not in self._digests:
            with open(os.path.join(self.static_dir, path), "rb") as fh:
                self._digests[path] = hashlib.sha256(fh.read()).hexdigest()[:12]
        return self._digests[path]

    def cache_fingerprint(self):
        """Every static file's digest: a changed script re-renders the pages naming it."""
        if self._fingerprint is None:  # asked once per page: walk the folder once per build
            self._fingerprint = sorted((rel, self._digest(rel)) for rel in self._all_files())
        return self._fingerprint

    def _all_files(self):
        for folder, _, names in os.walk(self.static_dir):
            for name in names:
                yield os.path.relpath(os.path.join(folder, name), self.static_dir).replace(os.sep, "/")

    def __call__(self, path: str) -> str:
        return f"/{self.prefix}/{path}?v={self._digest(path)}"


#: (order, kind, label) of every family whose generator registered a nav entry; set by __init__.
NAV: list[tuple[int, str, str]] = []
#: `family` names of every generator this build runs; set by __init__.
FAMILIES: set[str] = set()


def nav_html(links: list[tuple[str, str]]) -> Markup:
    """The main navigation's list items, the same on every page: made here once per build instead
    of 13 url() calls per page. Escaped exactly as `<li><a href="{{ url(kind) }}">{{ label }}</a></li>`
    (one per line, indented as in base.html) would be under autoescape."""
    return Markup("".join(f'      <li><a href="{escape(urls.url_for(kind))}">{escape(label)}</a></li>\n'
                          for kind, label in links))


#: base.html's links to the site's own stylesheets and script, in this order
HEAD_ASSETS = ('<link rel="stylesheet" href="{}">', "css/site.css"), \
    ('<link rel="stylesheet" href="{}" media="print">', "css/print.css"), \
    ('<script src="{}"></script>', "js/site.js")


def head_assets(asset) -> Markup:
    """The <link>/<script> lines of base.html's <head>, the same on every page: made once per
    build instead of three asset() calls per page. Escaped as `{{ asset(path) }}` is under
    autoescape; no newline after the last (the template has it)."""
    return Markup("\n".join(line.format(escape(asset(path))) for line, path in HEAD_ASSETS))


#: names a plain dict has as attributes (get, items, values …): `d.get` must stay the method
_DICT_ATTRIBUTES = frozenset(dir(dict))


def dict_first_getattr(env):
    """env.getattr for `record.field` in templates: Jinja tries getattr(obj, name) first and, on
    the AttributeError a dict always raises for a key, obj[name] second — ~0.7 us per access
    and ~2 M accesses a build, mostly content records (plain dicts). For a plain dict and a
    name that is not a dict attribute, getattr is certain to fail, so read the key directly;
    the result is exactly Jinja's (the value, or the same Undefined for a missing key).
    Everything else goes to Jinja's own method."""
    generic = type(env).getattr

    def getattr_(obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return env.undefined(obj=obj, name=attribute)
        return generic(env, obj, attribute)

    return getattr_


def install(env, settings, store) -> None:
    # templates do not change during a build: without this Jinja stats every template file each
    # time a page extends or imports it (~3 per page)
    env.auto_reload = False
    env.getattr = dict_first_getattr(env)
    env.filters.setdefault("zh_date", zh_date)
    env.filters.setdefault("zh_month", zh_month)
    env.filters.setdefault("yuan", yuan)
    env.filters.setdefault("or_dash", or_dash)
    env.globals.setdefault("site_meta", store.site)
    env.globals.setdefault("as_of", store.site.get("as_of"))
    env.globals.setdefault("build_id", BuildId(store))  # store.build_id when first shown
    env.globals.setdefault("url", urls.url_for)
    env.globals.setdefault("page_numbers", page_numbers)
    linker = env.globals.setdefault("citation_url", CitationLinker(store))
    env.globals.setdefault("citations", CitationList(linker))
    from .table_rows import CatalogueRows, PenaltyRows, PermitRows  # late: imports this module

    env.globals.setdefault("penalty_rows", PenaltyRows(env))
    env.globals.setdefault("permit_rows", PermitRows(env))
    env.globals.setdefault("catalogue_rows", CatalogueRows(env))
    env.globals.setdefault("nav_links", [(kind, label) for _, kind, label in sorted(NAV)])
    env.globals.setdefault("nav_html", nav_html(env.globals["nav_links"]))
    env.globals.setdefault("has_family", FAMILIES.__contains__)
    asset = env.globals.setdefault("asset", AssetUrls(settings["THEME"],
                                                      settings.get("THEME_STATIC_DIR", "theme")))
    env.globals.setdefault("head_assets", head_assets(asset))
    env.globals.setdefault("about_url", urls.url_for("about"))  # base.html's footer link
