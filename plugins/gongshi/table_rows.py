"""The <tr> rows of the penalty and permit tables (macros.penalty_table / permit_table): every
listing page, body page, matter page and annual report shows them, ~70,000 rows a build at
scale 10, and a row written by a template loop costs ~15 us of Jinja calls (url(), filters,
escapes). The catalogue listings' rows (catalogue_list.html, ~35,000 at scale 10) likewise. Here it is one f-string per row with the same markup, byte for byte
(tests/test_page_templates_reference.py renders the former macro loops as the reference).

Every value goes through markupsafe.escape exactly as autoescape would, and fields are read
with the environment's getattr, so a missing field is the same Undefined as in a template.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from . import urls
from .jinja_helpers import or_dash, yuan, zh_date


def _join(items, sep: str = "、") -> str:
    """`items|join(sep)` under autoescape, for items without __html__ (the pull's strings)."""
    items = list(items)
    if any(hasattr(item, "__html__") for item in items):
        return Markup(escape(sep)).join(escape(item) for item in items)
    return sep.join(map(str, items))


class _Rows:
    def __init__(self, env):
        self.env = env

    def cache_fingerprint(self):
        # the rows depend on their arguments only (and this code: the render cache's build stamp)
        return type(self).__name__


class PenaltyRows(_Rows):
    """penalty_rows(rows, show_agency=True): the rows of macros.penalty_table."""

    def __call__(self, rows, show_agency=True) -> Markup:
        get = self.env.getattr
        out = []
        for p in rows:
            agency = f'<td data-label="处罚机关">{escape(get(p, "agency_name"))}</td>' if show_agency else ""
            out.append(
                "    <tr>\n"
                f'      <td data-label="决定书文号"><a href="{escape(urls.url_for("penalty", get(p, "id")))}">'
                f'{escape(get(p, "decision_no"))}</a></td>\n'
                f'      <td data-label="当事人">{escape(get(p, "party_name"))}</td>\n'
                f'      <td data-label="处罚类别">{escape(_join(get(p, "kinds") or []))}</td>\n'
                f'      <td data-label="罚款（元）" class="num">{escape(or_dash(yuan(get(p, "fine_yuan"))))}</td>\n'
                f'{agency}'
                f'      <td data-label="决定日期" class="date">{escape(zh_date(get(p, "decision_date")))}</td>\n'
                "    </tr>\n")
        return Markup("".join(out))


class PermitRows(_Rows):
    """permit_rows(rows, show_agency=True): the rows of macros.permit_table."""

    def __call__(self, rows, show_agency=True) -> Markup:
        get = self.env.getattr
        out = []
        for p in rows:
            agency = f'<td data-label="许可机关">{escape(get(p, "agency_name"))}</td>' if show_agency else ""
            out.append(
                "    <tr>\n"
                f'      <td data-label="决定文书号"><a href="{escape(urls.url_for("permit", get(p, "id")))}">'
                f'{escape(get(p, "decision_no"))}</a></td>\n'
                f'      <td data-label="行政相对人">{escape(get(p, "party_name"))}</td>\n'
                f'      <td data-label="许可类别">{escape(get(p, "category"))}</td>\n'
                f'{agency}'
                f'      <td data-label="决定日期" class="date">{escape(zh_date(get(p, "decision_date")))}</td>\n'
                "    </tr>\n")
        return Markup("".join(out))


class CatalogueRows(_Rows):
    """catalogue_rows(rows, matters, agency_name, show_agency): the rows of catalogue_list.html's
    table. `matters` maps the ids of matters with a page to their URL, `agency_name` is the
    page's catalogue.AgencyNames; each row's 审核依据 is the citations() global's list."""

    def cache_fingerprint(self):
        # the rows also show citations(): their links depend on the law library
        return [type(self).__name__, self.env.globals["citations"].cache_fingerprint()]

    def __call__(self, rows, matters, agency_name, show_agency) -> Markup:
        env = self.env
        get, getitem = env.getattr, env.getitem
        citations = env.globals["citations"]
        if show_agency:
            names, agency_urls = get(agency_name, "names"), get(agency_name, "urls")
        out = []
        for item in rows:
            matter_id, name = get(item, "matter_id"), escape(get(item, "name"))
            if matter_id and matter_id in matters:
                name = f'<a href="{escape(getitem(matters, matter_id))}">{name}</a>'
            agency = ""
            if show_agency:
                aid = get(item, "agency_id")
                agency = (f'<td data-label="实施主体"><a href="{escape(getitem(agency_urls, aid))}">'
                          f'{escape(getitem(names, aid))}</a></td>' if aid else
                          '<td data-label="实施主体">—</td>')
            out.append(
                f'    <tr id="{escape(get(item, "id"))}">\n'
                f'      <td data-label="目录编号">{escape(get(item, "number"))}</td>\n'
                f'      <td data-label="事项名称">{name}</td>\n'
                f'      <td data-label="事项类别">{escape(get(item, "category"))}</td>\n'
                f'{agency}'
                f'      <td data-label="重大情形">{escape(or_dash(get(item, "threshold")))}</td>\n'
                f'      <td data-label="审核机构">{escape(or_dash(get(item, "review_office")))}</td>\n'
                f'      <td data-label="审核依据">'
                f'{escape(citations(get(item, "citations"), get(item, "review_basis")))}</td>\n'
                "    </tr>\n")
        return Markup("".join(out))
