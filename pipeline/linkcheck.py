"""Crawl a built site and report every internal link or #anchor that does not resolve.

`check_links(output_dir)` reads every .html file once, collects its href/src values and its ids,
and resolves each internal reference against the files on disk (a folder URL means its
index.html). Links to other hosts are not followed (tests forbid them separately); `javascript:`
URLs are reported as broken, because nothing on the portal may use them.

CLI for a quick look: `python -m pipeline.linkcheck output/`.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote, urldefrag, urljoin, urlsplit


@dataclass(frozen=True)
class BrokenLink:
    source: str   # page the link is on, relative to the output folder
    target: str   # the href/src as written
    reason: str


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src"):
                self.links.append(value.strip())
            elif name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)


def _parse(path: str) -> _PageParser:
    parser = _PageParser()
    with open(path, encoding="utf-8") as fh:
        parser.feed(fh.read())
    parser.close()
    return parser


def html_files(output_dir: str) -> list[str]:
    """Every .html file under output_dir, relative and sorted."""
    found = []
    for dirpath, _, filenames in os.walk(output_dir):
        found.extend(os.path.relpath(os.path.join(dirpath, n), output_dir)
                     for n in filenames if n.endswith(".html"))
    return sorted(found)


def _target_file(output_dir: str, url_path: str) -> str | None:
    """The file a site-absolute URL path resolves to, or None."""
    local = os.path.normpath(os.path.join(output_dir, unquote(url_path).lstrip("/")))
    if not local.startswith(os.path.normpath(output_dir)):
        return None
    if os.path.isdir(local):
        local = os.path.join(local, "index.html")
    return local if os.path.isfile(local) else None


def check_links(output_dir: str) -> list[BrokenLink]:
    output_dir = os.path.abspath(output_dir)
    parsed: dict[str, _PageParser] = {}

    def page(path: str) -> _PageParser:
        if path not in parsed:
            parsed[path] = _parse(path)
        return parsed[path]

    broken: list[BrokenLink] = []
    for rel in html_files(output_dir):
        source = os.path.join(output_dir, rel)
        base = "/" + rel.replace(os.sep, "/")
        for link in page(source).links:
            problem = _check_one(output_dir, source, base, link, page)
            if problem:
                broken.append(BrokenLink(rel, link, problem))
    return broken


def _check_one(output_dir, source, base, link, page) -> str | None:
    scheme = urlsplit(link).scheme.lower()
    if scheme == "javascript":
        return "javascript: URL"
    if scheme in ("mailto", "tel", "data") or (scheme in ("http", "https") or link.startswith("//")):
        return None  # not a file of this site (other hosts are asserted elsewhere)
    url, fragment = urldefrag(urljoin(base, link))
    path = urlsplit(url).path
    target = source if link.startswith("#") else _target_file(output_dir, path)
    if target is None:
        return "no such file"
    if fragment and target.endswith(".html") and unquote(fragment) not in page(target).ids:
        return f"no element with id {fragment!r}"
    return None


def main(argv: list[str]) -> int:
    broken = check_links(argv[0] if argv else "output")
    for item in broken:
        print(f"{item.source}: {item.target} ({item.reason})")
    print(f"{len(broken)} broken link(s)")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
