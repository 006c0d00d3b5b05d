"""The <tr> rows of the penalty and permit tables (macros.penalty_table / permit_table): every
listing page, body page, matter page and annual report shows them, ~70,000 rows a build at
scale 10, and a row written by a template loop costs ~15 us of Jinja calls (url(), filters,
escapes); the catalogue listings' rows (catalogue_list.html, ~35,000 at scale 10) likewise.
Here it is one f-string per row with the same markup, byte for byte
(tests/test_page_templates_reference.py renders the former loops as the reference).

Every value goes through markupsafe.escape exactly as autoescape would, and fields are read
with the environment's getattr, so a missing field is the same Undefined as in a template.

A record's row is the same on every listing that shows it (a permit is on the full listing, its
body's and its month's; a catalogue item on its body's and its type's), so each row is made once
per family and kept (memo) until the family's generate_output ends (FamilyGenerator.forget):
a row depends only on its record, which no family changes while writing pages. The memo holds
at most MEMO_ROWS rows (~1.3 KB each) and starts over when full: at scale 40 (49k permits) it
reuses less rather than hold ~60 MB while the search index's process is at its peak too.
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


MEMO_ROWS = 20_000  # rows kept per row writer (scale 10: every permit; ~25 MB at most)


class _Rows:
    def __init__(self, env):
        self.env = env
        # (id(record), variant) -> (record, row text); the record is kept with its text, so its
        # id cannot be another record's while the entry lives
        self._memo: dict[tuple[int, object], tuple[object, str]] = {}

    def cache_fingerprint(self):
        # the rows depend on their arguments only (and this code: the render cache's build stamp)
        return type(self).__name__

    def forget(self) -> None:
        """Drop the kept rows (the end of a family's generate_output: memory)."""
        self._memo.clear()

    def _rows(self, rows, variant, make) -> list[str]:
        memo = self._memo
        out = []
        for record in rows:
            hit = memo.get((id(record), variant))
            if hit is None or hit[0] is not record:
                if len(memo) >= MEMO_ROWS:
                    memo.clear()
                hit = memo[(id(record), variant)] = (record, make(record))
            out.append(hit[1])
        return out


def forget_rows(env) -> None:
    """Drop the rows kept by env's row writers (FamilyGenerator, after generate_output)."""
    for value in list(env.globals.values()):
        if isinstance(value, _Rows):
            value.forget()


class _DecisionRows(_Rows):
    """Rows of a decision table, with or without the deciding body's column; _row(p, show_agency)
    writes one."""

    def __call__(self, rows, show_agency=True) -> Markup:
        return Markup("".join(self._rows(rows, bool(show_agency), self._row if show_agency
                                         else self._row_without_agency)))

    def _row_without_agency(self, p) -> str:
        return self._row(p, False)

    def _row(self, p, show_agency=True) -> str:
        raise NotImplementedError


class PenaltyRows(_DecisionRows):
    """penalty_rows(rows, show_agency=True): the rows of macros.penalty_table."""

    def _row(self, p, show_agency=True) -> str:
        get = self.env.getattr
        agency = f'      <td data-label="处罚机关">{escape(get(p, "agency_name"))}</td>\n' if show_agency else ""
        return (
            "    <tr>\n"
            f'      <td data-label="决定书文号"><a href="{escape(urls.url_for("penalty", get(p, "id")))}">'
            f'{escape(get(p, "decision_no"))}</a></td>\n'
            f'      <td data-label="当事人">{escape(get(p, "party_name"))}</td>\n'
            f'      <td data-label="处罚类别">{escape(_join(get(p, "kinds") or []))}</td>\n'
            f'      <td data-label="罚款（元）" class="num">{escape(or_dash(yuan(get(p, "fine_yuan"))))}</td>\n'
            f'{agency}'
            f'      <td data-label="决定日期" class="date">{escape(zh_date(get(p, "decision_date")))}</td>\n'
            "    </tr>\n")


class PermitRows(_DecisionRows):
    """permit_rows(rows, show_agency=True): the rows of macros.permit_table."""

    def _row(self, p, show_agency=True) -> str:
        get = self.env.getattr
        agency = f'      <td data-label="许可机关">{escape(get(p, "agency_name"))}</td>\n' if show_agency else ""
        return (
            "    <tr>\n"
            f'      <td data-label="决定文书号"><a href="{escape(urls.url_for("permit", get(p, "id")))}">'
            f'{escape(get(p, "decision_no"))}</a></td>\n'
            f'      <td data-label="行政相对人">{escape(get(p, "party_name"))}</td>\n'
            f'      <td data-label="许可类别">{escape(get(p, "category"))}</td>\n'
            f'{agency}'
            f'      <td data-label="决定日期" class="date">{escape(zh_date(get(p, "decision_date")))}</td>\n'
            "    </tr>\n")


class CatalogueRows(_Rows):
    """catalogue_rows(rows, matters, agency_name, show_agency): the rows of catalogue_list.html's
    table. `matters` maps the ids of matters with a page to their URL, `agency_name` is the
    page's catalogue.AgencyNames; each row's 审核依据 is the citations() global's list. What
    depends on the item alone is kept (memo); the links through `matters` and `agency_name`,
    which are the page's, are made on each call."""

    def cache_fingerprint(self):
        # the rows also show citations(): their links depend on the law library
        return [type(self).__name__, self.env.globals["citations"].cache_fingerprint()]

    def _parts(self, item) -> tuple:
        get = self.env.getattr
        citations = self.env.globals["citations"]
        return (f'    <tr id="{escape(get(item, "id"))}">\n'
                f'      <td data-label="目录编号">{escape(get(item, "number"))}</td>\n'
                '      <td data-label="事项名称">',
                str(escape(get(item, "name"))),
                '</td>\n'
                f'      <td data-label="事项类别">{escape(get(item, "category"))}</td>\n',
                f'      <td data-label="重大情形">{escape(or_dash(get(item, "threshold")))}</td>\n'
                f'      <td data-label="审核机构">{escape(or_dash(get(item, "review_office")))}</td>\n'
                '      <td data-label="审核依据">'
                f'{escape(citations(get(item, "citations"), get(item, "review_basis")))}</td>\n'
                "    </tr>\n",
                get(item, "matter_id"), get(item, "agency_id"))

    def __call__(self, rows, matters, agency_name, show_agency) -> Markup:
        getitem = self.env.getitem
        if show_agency:
            names, agency_urls = self.env.getattr(agency_name, "names"), \
                self.env.getattr(agency_name, "urls")
        out = []
        for head, name, middle, tail, matter_id, aid in self._rows(rows, None, self._parts):
            if matter_id and matter_id in matters:
                name = f'<a href="{escape(getitem(matters, matter_id))}">{name}</a>'
            agency = ""
            if show_agency:
                agency = (f'<td data-label="实施主体"><a href="{escape(getitem(agency_urls, aid))}">'
                          f'{escape(getitem(names, aid))}</a></td>' if aid else
                          '<td data-label="实施主体">—</td>')
            out.append(f"{head}{name}{middle}{agency}{tail}")
        return Markup("".join(out))
