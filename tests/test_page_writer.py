"""The lean write path (plugins/gongshi/file_io.py, page_writer.py) against what it replaced:
Pelican's Writer.write_file for pages, open(path, "wb") after os.makedirs for data files."""

from __future__ import annotations

import os
import shutil
import stat as stat_module

import jinja2
import pytest
from pelican.plugins import signals
from pelican.writers import FileOverwriteFailedError, Writer

from plugins.gongshi import render_cache
from plugins.gongshi.file_io import create_file
from plugins.gongshi.page_writer import PageWriter, render

TEMPLATES = {
    "page.html": "{{ title }}|{{ shadowed }}|{{ only_global }}|{{ output_file }}|{{ localsiteurl }}"
                 "|{{ SITENAME }}|{{ items|join(',') }}|{% for k in keys %}{{ k }}{% endfor %}\n"
                 "{% include 'part.html' %}{% from 'm.html' import box %}{{ box(title) }}",
    "part.html": "<p>{{ title }} & {{ shadowed }}</p>\n",
    "m.html": "{% macro box(x) %}[{{ x }}/{{ only_global }}]{% endmacro %}",
    "url.html": "{{ url }}|{{ title }}",
}


def _env():
    env = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.globals.update(only_global="G<", shadowed="global")
    return env


def _context():
    return {"SITENAME": "站点 & <名>", "shadowed": "context", "localsiteurl": None,
            "keys": ["a", "b"], "title": "context title"}


VARIABLES = {"title": "页面 <1> & “引号”", "items": ["x", "<y>"], "breadcrumbs": [("首页", "/")]}


def _files(root) -> dict[str, bytes]:
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as fh:
                found[os.path.relpath(path, root)] = fh.read()
    return found


def test_create_file_makes_missing_folders_and_remakes_a_deleted_one(tmp_path):
    target = tmp_path / "a" / "b" / "c.json"
    create_file(str(target), b"one")
    assert target.read_bytes() == b"one"
    create_file(str(tmp_path / "a" / "b" / "d.json"), b"two")  # folder exists: no mkdir needed
    shutil.rmtree(tmp_path / "a")  # e.g. the render cache dropped an emptied folder mid-build
    create_file(str(target), b"three")
    assert target.read_bytes() == b"three"
    create_file(str(target), b"4")  # an existing file is truncated, as open(path, "wb") does
    assert target.read_bytes() == b"4"


def test_create_file_gives_the_files_stat_and_opens_mode(tmp_path):
    target = tmp_path / "x" / "page.html"
    st = create_file(str(target), "页面\n".encode() * 1000, stat=True)
    after = os.stat(target)
    assert render_cache._stat_entry(st) == render_cache._stat_entry(after)
    with open(tmp_path / "reference", "wb") as fh:
        fh.write(b"x")
    assert stat_module.S_IMODE(after.st_mode) == stat_module.S_IMODE(os.stat(tmp_path / "reference").st_mode)
    assert create_file(str(target), b"", stat=False) is None and target.read_bytes() == b""


def test_create_file_still_fails_where_open_fails(tmp_path):
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(NotADirectoryError):
        create_file(str(tmp_path / "file" / "x.html"), b"x")


def _both(tmp_path, pages):
    """Write `pages` [(name, template, variables)] with Pelican's Writer and with PageWriter."""
    env = _env()
    out = {}
    for how in ("pelican", "lean"):
        root = str(tmp_path / how)
        writer = Writer(root, settings={"PAGINATED_TEMPLATES": {}})
        pages_writer = PageWriter(root)
        context = _context()
        for name, template, variables in pages:
            if how == "pelican":
                writer.write_file(name, env.get_template(template), context, **variables)
            else:
                pages_writer.write_page(writer, name, env.get_template(template), context, variables)
        out[how] = (_files(root), {os.path.relpath(p, root) for p in writer._written_files}, context)
    return out


def test_pages_are_pelicans_bytes(tmp_path):
    pages = [("index.html", "page.html", VARIABLES),
             ("agencies/x/index.html", "page.html", {**VARIABLES, "shadowed": "variable"}),
             ("agencies/x/2/index.html", "page.html", {"title": "t", "items": [], "keys": ["k"]}),
             ("agencies/y/index.html", "page.html", {**VARIABLES, "localsiteurl": "/base"}),
             ("agencies/y/../z/./index.html", "page.html", VARIABLES),
             ("u/index.html", "url.html", {"title": "has url", "url": "/u/"})]  # Pelican's own param
    got = _both(tmp_path, pages)
    assert got["lean"][0] == got["pelican"][0]
    assert got["lean"][1] == got["pelican"][1]  # Pelican's record of written files is kept
    assert got["lean"][2] == got["pelican"][2]  # and the context changed alike (localsiteurl)
    assert "G&lt;" in got["lean"][0]["index.html"].decode()  # autoescape, globals reached


def test_render_resolves_names_as_template_render(tmp_path):
    env = _env()
    template = env.get_template("page.html")
    context = _context()
    local = {**context, "localsiteurl": None, "output_file": "p/index.html", **VARIABLES}
    assert render(template, context, VARIABLES, "p/index.html") == template.render(local)
    assert context == _context()  # not changed


def test_a_page_written_twice_is_refused_as_pelican_does(tmp_path):
    env = _env()
    writer = Writer(str(tmp_path), settings={"PAGINATED_TEMPLATES": {}})
    pages = PageWriter(str(tmp_path))
    pages.write_page(writer, "a/index.html", env.get_template("page.html"), _context(), VARIABLES)
    with pytest.raises(FileOverwriteFailedError):
        pages.write_page(writer, "a/index.html", env.get_template("page.html"), _context(), VARIABLES)


def test_a_path_outside_the_output_is_refused(tmp_path):
    env = _env()
    writer = Writer(str(tmp_path / "out"), settings={"PAGINATED_TEMPLATES": {}})
    with pytest.raises(RuntimeError, match="break out"):
        PageWriter(str(tmp_path / "out")).write_page(
            writer, "../elsewhere/index.html", env.get_template("page.html"), _context(), VARIABLES)
    assert not (tmp_path / "elsewhere").exists()


def test_content_written_listeners_get_what_pelican_sends(tmp_path):
    seen = {"pelican": [], "lean": []}
    current = []

    def listener(path, context):
        seen[current[0]].append((os.path.relpath(path, str(tmp_path / current[0])),
                                 {k: v for k, v in context.items()}))

    signals.content_written.connect(listener)
    try:
        env = _env()
        for how in ("pelican", "lean"):
            current[:] = [how]
            writer = Writer(str(tmp_path / how), settings={"PAGINATED_TEMPLATES": {}})
            template = env.get_template("page.html")
            if how == "pelican":
                writer.write_file("p/index.html", template, _context(), **VARIABLES)
            else:
                PageWriter(str(tmp_path / how)).write_page(writer, "p/index.html", template,
                                                           _context(), VARIABLES)
    finally:
        signals.content_written.disconnect(listener)
    assert seen["lean"] == seen["pelican"] and len(seen["lean"]) == 1


def test_another_writer_is_used_as_it_is(tmp_path):
    calls = []

    class Recorder:
        def write_file(self, name, template, context, **variables):
            calls.append((name, sorted(variables)))

    PageWriter(str(tmp_path)).write_page(Recorder(), "p/index.html", _env().get_template("page.html"),
                                         _context(), VARIABLES)
    assert calls == [("p/index.html", sorted(VARIABLES))]


def test_output_files_record_what_they_wrote_and_reuse_it(tmp_path):
    """OutputFiles.write_bytes takes the stat from the write: the manifest entry is the file's
    stat, so the next build keeps the file (prune_tree) and reuses it for the same bytes."""
    files = render_cache.OutputFiles(str(tmp_path), {})
    files.write_bytes("data/penalties/a.json", b"{}")
    files.write_bytes("data/penalties/b.json", b"[]")
    entry = files.new["data/penalties/a.json"]
    assert entry[1:] == render_cache._stat_entry(os.stat(tmp_path / "data/penalties/a.json"))
    kept = render_cache.prune_tree(str(tmp_path), files.new)
    assert kept == {"data/penalties/a.json", "data/penalties/b.json"}
    again = render_cache.OutputFiles(str(tmp_path), files.new)
    again.kept = kept
    again.write_bytes("data/penalties/a.json", b"{}")  # same bytes: kept in place
    again.write_bytes("data/penalties/b.json", b"[1]")  # changed: a new file
    assert (again.files_reused, again.files_written) == (1, 1)
    assert again.new["data/penalties/a.json"] is files.new["data/penalties/a.json"]
    assert (tmp_path / "data/penalties/b.json").read_bytes() == b"[1]"


def test_target_is_sanitised_join(tmp_path):
    from pelican.utils import sanitised_join

    names = ["index.html", "a/index.html", "a/b/c.html", "a//b.html", "./a.html", "a/./b.html",
             "a/../b.html", "a/b/", ".hidden/x.html", "..x/y.html", "x../y", "a/.../b.html",
             "/abs.html", "a/..", "a/.", "../x", "a/../../x", "页面/index.html"]
    for root in (str(tmp_path), str(tmp_path) + "/", "/", "rel/out", str(tmp_path) + "//x/./y/.."):
        writer = PageWriter(root)
        for name in names:
            try:
                want = sanitised_join(root, name)
            except RuntimeError:
                want = RuntimeError
            try:
                got = writer.target(name)
            except RuntimeError:
                got = RuntimeError
            assert got == want, (root, name)


def test_create_file_makes_a_missing_parent_chain_and_refuses_a_file_in_the_way(tmp_path):
    create_file(str(tmp_path / "new" / "deeper" / "x.json"), b"1")  # two folders missing
    assert (tmp_path / "new" / "deeper" / "x.json").read_bytes() == b"1"
    (tmp_path / "plain").write_bytes(b"")
    with pytest.raises(NotADirectoryError):
        create_file(str(tmp_path / "plain" / "x.json"), b"1")
    os.symlink(tmp_path / "nowhere" / "file", tmp_path / "dangling")
    with pytest.raises(FileNotFoundError):  # as makedirs + open(path, "wb"): its folder exists
        create_file(str(tmp_path / "dangling"), b"2")
