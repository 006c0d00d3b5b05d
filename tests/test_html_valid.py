"""Every page family (one page each) and every listing's first page parses with html5lib in strict
mode: no parse error that browsers would silently repair differently."""

from __future__ import annotations

import os

from a11y_helpers import (html5_errors, listing_first_pages, one_page_per_shape,  # noqa: F401
                          qa_site)


def pages_to_validate(output_dir: str) -> list[str]:
    shapes = [p.lstrip("/") for p in one_page_per_shape(output_dir).values()]
    shapes = [p + "index.html" if p.endswith("/") or p == "" else p for p in shapes]
    return sorted(set(shapes) | set(listing_first_pages(output_dir)))


def test_strict_html5_parse(qa_site):
    pages = pages_to_validate(qa_site.output_dir)
    assert len(pages) > 30 and "index.html" in pages and "404.html" in pages
    errors = {}
    for rel in pages:
        with open(os.path.join(qa_site.output_dir, rel), encoding="utf-8") as fh:
            found = html5_errors(fh.read())
        if found:
            errors[rel] = found
    assert errors == {}
