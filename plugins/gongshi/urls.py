"""The portal's URL scheme, in one place: every template, index, feed and test builds links here.

All pages are folders with an index.html (`/agencies/<id>/`), so URLs stay clean on any static host.
`path_for()` gives the output file, `url_for()` the site-relative URL (leading slash).
"""

from __future__ import annotations

# kind -> pattern; `{id}` is a record id (see docs/content-contract.md), `{n}` an article number.
PATTERNS = {
    "home": "",
    "agencies": "agencies/",
    "agency": "agencies/{id}/",
    "matters": "matters/",
    "matters_by_type": "matters/type/{id}/",        # id = category_slug
    "matters_by_agency": "matters/agency/{id}/",    # id = agency id
    "matter": "matters/{id}/",
    "laws": "laws/",
    "law": "laws/{id}/",
    "procedures": "procedures/",
    "procedure": "procedures/{id}/",
    "penalties": "penalties/",
    "penalties_by_agency": "penalties/agency/{id}/",
    "penalties_by_month": "penalties/month/{id}/",  # id = YYYY-MM
    "penalties_by_kind": "penalties/kind/{id}/",    # id = 处罚类别 slug
    "penalty": "penalties/{id}/",
    "permits": "permits/",
    "permits_by_agency": "permits/agency/{id}/",
    "permits_by_month": "permits/month/{id}/",
    "permit": "permits/{id}/",
    "withdrawals": "withdrawals/",
    "withdrawal": "withdrawals/{id}/",
    "blacklist": "blacklist/",
    "blacklist_by_area": "blacklist/area/{id}/",    # id = area_slug
    "blacklist_entry": "blacklist/{id}/",
    "catalogue": "catalogue/",
    "catalogue_by_agency": "catalogue/agency/{id}/",
    "catalogue_by_type": "catalogue/type/{id}/",
    "statistics": "statistics/",
    "statistics_year": "statistics/{id}/",
    "statistics_agency": "statistics/{id}/",        # id = "<year>/<agency id>"
    "accountability": "accountability/",
    "accountability_year": "accountability/{id}/",  # id = year
    "accountability_list": "accountability/{id}/",  # id = "<agency id>/<year>/<metric slug>"
    "search": "search/",
    "lookup": "lookup/",
    "credit": "credit/",
    "data": "data/",
    "about": "about/",
}


def path_for(kind: str, id: str | None = None, page: int = 1) -> str:
    """Output file path relative to the output folder, e.g. 'agencies/x/index.html'.

    Page 2+ of a paginated listing lives under `<listing>/page/<n>/`.
    """
    folder = PATTERNS[kind].format(id=id)
    if page > 1:
        folder += f"page/{page}/"
    return folder + "index.html"


def url_for(kind: str, id: str | None = None, page: int = 1, anchor: str | None = None) -> str:
    url = "/" + path_for(kind, id, page)[: -len("index.html")]
    return url + (f"#{anchor}" if anchor else "")


def article_url(law_id: str, article: int) -> str:
    return url_for("law", law_id, anchor=f"art-{article}")
