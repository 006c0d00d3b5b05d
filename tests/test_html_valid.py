"""Every page family (one page each) and every listing's first page parses with html5lib in strict
mode: no parse error that browsers would silently repair differently."""

from __future__ import annotations

import os

from a11y_helpers import (html5_errors, listing_first_pages, one_page_per_shape,  # noqa: F401
                          qa_site, structure_problems)


def pages_to_validate(output_dir: str) -> list[str]:
    shapes = [p.lstrip("/") for p in one_page_per_shape(output_dir).values()]
    shapes = [p + "index.html" if p.endswith("/") or p == "" else p for p in shapes]
    return sorted(set(shapes) | set(listing_first_pages(output_dir)))


def _problems(output_dir: str, check) -> dict[str, list[str]]:
    pages = pages_to_validate(output_dir)
    assert len(pages) > 30 and "index.html" in pages and "404.html" in pages
    found = {}
    for rel in pages:
        with open(os.path.join(output_dir, rel), encoding="utf-8") as fh:
            problems = check(fh.read())
        if problems:
            found[rel] = problems
    return found


def test_strict_html5_parse(qa_site):
    assert _problems(qa_site.output_dir, html5_errors) == {}


def test_page_structure(qa_site):
    """lang="zh-CN", one <h1>, a title, captioned tables, alt text on every image."""
    assert _problems(qa_site.output_dir, structure_problems) == {}
