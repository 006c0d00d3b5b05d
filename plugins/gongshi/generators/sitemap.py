"""sitemap.xml listing every public HTML page. Runs last (see GENERATOR_MODULES), so every other
family has written its pages: the output folder is the list, and nothing unpublished is in it."""

from __future__ import annotations

import os
from xml.sax.saxutils import escape

from ..base import FamilyGenerator

EXCLUDED = {"404.html"}


def page_urls(output_path: str) -> list[str]:
    found = []
    for dirpath, dirnames, filenames in os.walk(output_path):
        dirnames.sort()
        rel = os.path.relpath(dirpath, output_path)
        if rel.split(os.sep)[0] == "theme":
            continue
        for name in filenames:
            if name.endswith(".html") and name not in EXCLUDED:
                path = name if rel == "." else f"{rel}/{name}".replace(os.sep, "/")
                found.append("/" + path.removesuffix("index.html"))
    return sorted(found)


class SitemapGenerator(FamilyGenerator):
    family = "sitemap"
    reads_output = True  # the render cache removes last build's stale pages first (base.py)

    def generate_output(self, writer):
        site = (self.settings.get("SITEURL") or "").rstrip("/")
        lines = ['<?xml version="1.0" encoding="UTF-8"?>',
                 '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
        lines += [f"<url><loc>{escape(site + url)}</loc></url>" for url in page_urls(self.output_path)]
        lines.append("</urlset>")
        with open(os.path.join(self.output_path, "sitemap.xml"), "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")


GENERATORS = [SitemapGenerator]
