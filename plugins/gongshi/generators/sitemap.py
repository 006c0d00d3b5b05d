"""sitemap.xml listing every public HTML page. Runs last (see GENERATOR_MODULES), so every other
family has written its pages: the output folder is the list, and nothing unpublished is in it."""

from __future__ import annotations

import os
from xml.sax.saxutils import escape

from ..base import FamilyGenerator

EXCLUDED = {"404.html"}


def page_urls(output_path: str) -> list[str]:
    """URL of every .html file under output_path (index.html as its folder) but theme/ and
    404.html, sorted: what an os.walk (no symlinked folders followed) lists, walked with scandir
    and string prefixes (os.path.relpath per folder cost ~15 us on 23k folders)."""
    found: list[str] = []

    def walk(folder: str, prefix: str) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:  # as os.walk: a folder that cannot be listed is left out
            return
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not (prefix == "/" and name == "theme") and not entry.is_symlink():
                    walk(entry.path, prefix + name + "/")
            elif name.endswith(".html") and name not in EXCLUDED:
                found.append(prefix + name.removesuffix("index.html"))

    walk(output_path, "/")
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
