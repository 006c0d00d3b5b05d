"""sitemap.page_urls walks the output with scandir and string prefixes; it must list what the
os.walk it replaced listed (theme/ at the top skipped, 404.html left out, symlinked folders not
followed, index.html as its folder)."""

from __future__ import annotations

import os

from plugins.gongshi.generators.sitemap import EXCLUDED, page_urls


def _walk_reference(output_path: str) -> list[str]:
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


def test_page_urls_lists_what_os_walk_listed(tmp_path):
    files = ["index.html", "404.html", "about/index.html", "about/404.html", "a/b/c/index.html",
             "a/b/page.html", "a/b/xindex.html", "a/data.json", "theme/x.html", "theme/t/index.html",
             "docs/theme/index.html", "sitemap.xml", "空格 folder/index.html", "a/.hidden.html"]
    for rel in files:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    os.symlink(tmp_path / "a", tmp_path / "linked-folder")  # listed by neither, not followed
    os.symlink(tmp_path / "a/b/page.html", tmp_path / "linked.html")  # a file link: listed
    want = _walk_reference(str(tmp_path))
    assert page_urls(str(tmp_path)) == want
    assert "/docs/theme/" in want and "/theme/" not in want and "/linked.html" in want
    assert not any(url.endswith("404.html") for url in want)
