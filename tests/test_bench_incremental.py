"""Incremental rebuilds (GONGSHI_RENDER_CACHE) give exactly the output of a clean full build."""

from __future__ import annotations

import datetime as dt
import glob
import os
import shutil
import sys

import pytest
import yaml

from pipeline.pull import pull
from pipeline.render import render_site
from plugins.gongshi import render_cache, urls

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE_EXPORTS = os.path.join(REPO, "tests", "fixtures", "exports")
LAWS = os.environ.get("GONGSHI_LAWS_DIR") or os.path.join(os.path.dirname(REPO), "shared", "laws")


def _cited_laws(folder) -> str:
    """A law folder (under tmp) with just the laws the fixture exports name: a quick build."""
    text = "".join(open(p, encoding="utf-8", errors="ignore").read()
                   for p in glob.glob(os.path.join(FIXTURE_EXPORTS, "*")))
    os.makedirs(folder)
    for path in glob.glob(os.path.join(LAWS, "*.md")):
        if os.path.basename(path).split("(")[0] in text:
            shutil.copy(path, folder)
    return str(folder)


def _tree(root) -> dict[str, bytes]:
    files = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as fh:
                files[os.path.relpath(path, root)] = fh.read()
    return files


def _assert_same_tree(got, want):
    a, b = _tree(got), _tree(want)
    assert sorted(a) == sorted(b), (set(a) ^ set(b))
    different = [p for p in a if a[p] != b[p]]
    assert not different, different[:10]


class Site:
    def __init__(self, tmp_path, monkeypatch):
        monkeypatch.setenv("GONGSHI_CODE_SECRET", "bench-test-secret-0123456789")
        self.tmp = tmp_path
        self.content = tmp_path / "content"
        self.codes = tmp_path / "private" / "codes.csv"
        self.cache = tmp_path / "cache"
        self.laws = _cited_laws(tmp_path / "laws")

    def pull(self, as_of: str):
        pull(FIXTURE_EXPORTS, as_of=dt.date.fromisoformat(as_of), content_dir=str(self.content),
             codes_path=str(self.codes), progress=False)

    def render(self, out: str, cached: bool):
        extra = {"GONGSHI_LAWS_DIR": self.laws}
        if cached:
            extra[render_cache.SETTING] = str(self.cache)
        render_site(str(self.content), str(self.tmp / out), codes_path=str(self.codes),
                    extra_settings=extra)
        return self.tmp / out

    def stats(self):
        return render_cache.last_stats(str(self.cache))


@pytest.fixture
def site(tmp_path, monkeypatch):
    return Site(tmp_path, monkeypatch)


def _edit_one_penalty(content) -> str:
    path = sorted((content / "penalties").glob("*.yaml"))[0]
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    record["facts"] = (record.get("facts") or "") + "（更正）"
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return record["id"]


def test_one_changed_record_rebuilds_like_a_clean_build(site):
    site.pull("2024-06-01")
    first = site.render("inc", cached=True)
    _assert_same_tree(first, site.render("clean-1", cached=False))
    stats = site.stats()
    assert stats["rendered"] > 0 and stats["reused"] == 0

    changed = _edit_one_penalty(site.content)
    again = site.render("inc", cached=True)
    stats = site.stats()
    assert stats["reused"] > 0, "nothing was reused from the cache"
    assert stats["rendered"] < stats["reused"], stats
    # open-data and chart CSV files with unchanged bytes are linked, not written again
    assert stats["files_reused"] > stats["files_written"] > 0, stats
    page = again / urls.path_for("penalty", changed)
    assert "（更正）" in page.read_text(encoding="utf-8")
    _assert_same_tree(again, site.render("clean-2", cached=False))


def test_expired_records_disappear_from_an_incremental_build(site):
    site.pull("2024-06-01")
    site.render("inc", cached=True)
    before = {p: set(os.listdir(site.content / p)) for p in ("penalties", "permits")}
    site.pull("2031-01-01")
    later = site.render("inc", cached=True)
    gone = {(kind, name.removesuffix(".yaml")) for kind, names in before.items() for name in names
            if not (site.content / kind / name).exists()}
    assert gone, "the fixture exports should have records that expire between the two dates"
    for kind, record_id in gone:
        url_kind = {"penalties": "penalty", "permits": "permit"}[kind]
        assert not (later / urls.path_for(url_kind, record_id)).exists()
    _assert_same_tree(later, site.render("clean", cached=False))


def test_a_template_change_re_renders_everything(tmp_path):
    """The build stamp covers every template source: editing one invalidates the whole cache."""
    class Env:  # just what PageCache reads for its stamp
        def __init__(self, folder):
            self.loader = type("L", (), {"searchpath": [str(folder)]})()
            self.globals = {}

    theme = tmp_path / "templates"
    theme.mkdir()
    (theme / "a.html").write_text("x", encoding="utf-8")
    before = render_cache.PageCache(str(tmp_path / "c"), Env(theme), str(tmp_path / "o")).stamp
    (theme / "a.html").write_text("y", encoding="utf-8")
    after = render_cache.PageCache(str(tmp_path / "c"), Env(theme), str(tmp_path / "o")).stamp
    assert before != after


def test_a_symlinked_output_folder_stays_a_symlink(tmp_path):
    class Env:
        loader = type("L", (), {"searchpath": []})()
        globals: dict = {}

    real = tmp_path / "real"
    real.mkdir()
    (real / "index.html").write_text("x", encoding="utf-8")
    (tmp_path / "out").symlink_to(real)
    cache = render_cache.PageCache(str(tmp_path / "c"), Env(), str(tmp_path / "out"))
    cache.keep_previous_output()
    assert (tmp_path / "out").is_symlink() and (real / "index.html").exists()
    plain = tmp_path / "plain"
    plain.mkdir()
    cache = render_cache.PageCache(str(tmp_path / "c"), Env(), str(plain))
    cache.keep_previous_output()  # a plain folder is moved into the cache
    assert not plain.exists() and (tmp_path / "c" / render_cache.PREVIOUS).is_dir()


def test_closures_make_a_page_uncacheable_plain_functions_do_not():
    names = {"a": "甲"}

    def name_of(key):
        return names[key]

    with pytest.raises(render_cache.Uncacheable):
        render_cache.stable_json({"agency_name": name_of})
    assert render_cache.stable_json({"url": urls.url_for}) == render_cache.stable_json(
        {"url": urls.url_for})


def _edit_one_fine(content) -> None:
    """Raise the fine of the first penalty in the statistics facts: its fine band changes."""
    path = sorted((content / "facts").glob("penalties-*.yaml"))[0]
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    items[0]["fine_yuan"] = (items[0].get("fine_yuan") or 0) + 600_000
    path.write_text(yaml.safe_dump(items, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_statistics_figures_are_reused_only_while_their_inputs_stand(site, monkeypatch):
    site.pull("2024-06-01")
    site.render("inc", cached=True)
    # Pelican loads the plugin as the top-level package "gongshi" (PLUGIN_PATHS)
    generator = sys.modules["gongshi.generators.statistics"].StatisticsGenerator
    computed = []
    compute = generator.compute_figures
    monkeypatch.setattr(generator, "compute_figures", lambda self: computed.append(1) or compute(self))
    _edit_one_penalty(site.content)  # a text no figure counts
    site.render("inc", cached=True)
    assert computed == [], "figures were recomputed though their inputs did not change"
    _edit_one_fine(site.content)
    again = site.render("inc", cached=True)
    assert computed == [1], "figures were reused though a fact they count changed"
    _assert_same_tree(again, site.render("clean", cached=False))


def test_a_page_edited_in_the_output_since_is_rendered_again(site):
    """Reused pages are hard links to the last build's output: one changed there since (same size,
    so only its mtime tells) must be rendered again, not carried over."""
    site.pull("2024-06-01")
    out = site.render("inc", cached=True)
    changed = next(iter(sorted((site.content / "penalties").glob("*.yaml")))).stem
    page = out / urls.path_for("penalty", changed)
    text = page.read_bytes()
    page.write_bytes(text.replace(b"<", b"[", 1))  # same size, new mtime
    again = site.render("inc", cached=True)
    assert site.stats()["reused"] > 0
    assert not (site.cache / render_cache.PREVIOUS).exists(), "the previous output was not deleted"
    assert (again / urls.path_for("penalty", changed)).read_bytes() == text
    _assert_same_tree(again, site.render("clean", cached=False))


def test_a_page_rewritten_with_its_old_size_and_mtime_is_rendered_again(site):
    """The output is kept in place between builds: a page rewritten with the same size and its
    mtime set back still has a new ctime, so it is not taken for last build's page."""
    site.pull("2024-06-01")
    out = site.render("inc", cached=True)
    changed = next(iter(sorted((site.content / "penalties").glob("*.yaml")))).stem
    page = out / urls.path_for("penalty", changed)
    text, st = page.read_bytes(), page.stat()
    page.write_bytes(text.replace(b"<", b"[", 1))
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert page.stat().st_mtime_ns == st.st_mtime_ns and page.stat().st_size == st.st_size
    again = site.render("inc", cached=True)
    assert (again / urls.path_for("penalty", changed)).read_bytes() == text
    _assert_same_tree(again, site.render("clean", cached=False))


def test_stray_files_go_and_hard_links_elsewhere_are_not_written_through(site):
    """Files in the output the last build did not leave there are deleted, like Pelican's clean
    would; a page rendered again is a new file, so a hard link to the old one (a backup made
    with cp -l) keeps the old bytes."""
    site.pull("2024-06-01")
    out = site.render("inc", cached=True)
    (out / "stray.html").write_text("<p>x</p>", encoding="utf-8")
    (out / "penalties" / "stray-folder").mkdir()
    (out / "penalties" / "stray-folder" / "index.html").write_text("x", encoding="utf-8")
    changed = _edit_one_penalty(site.content)
    page = out / urls.path_for("penalty", changed)
    backup = site.tmp / "backup.html"
    os.link(page, backup)
    before = backup.read_bytes()
    again = site.render("inc", cached=True)
    assert backup.read_bytes() == before
    assert "（更正）" in (again / urls.path_for("penalty", changed)).read_text(encoding="utf-8")
    assert not (again / "stray.html").exists()
    assert not (again / "penalties" / "stray-folder").exists()
    _assert_same_tree(again, site.render("clean", cached=False))


def test_a_build_that_stopped_half_way_leaves_nothing_stale(site, monkeypatch):
    """A build that fails after the cache put last build's output back (some pages rewritten,
    none of the manifest updated) is followed by one equal to a clean build."""
    site.pull("2024-06-01")
    site.render("inc", cached=True)
    _edit_one_penalty(site.content)
    generator = sys.modules["gongshi.generators.sitemap"].SitemapGenerator

    def fail(self, writer):
        raise RuntimeError("stop")

    monkeypatch.setattr(generator, "generate_output", fail)
    with pytest.raises(Exception):
        site.render("inc", cached=True)
    monkeypatch.undo()
    monkeypatch.setenv("GONGSHI_CODE_SECRET", "bench-test-secret-0123456789")
    again = site.render("inc", cached=True)
    _assert_same_tree(again, site.render("clean", cached=False))


def test_a_changed_case_is_picked_up_by_the_lookup(site):
    """The lookup keeps each case's entry and the shard layout between builds (render cache):
    a changed case name must reach the encrypted shards exactly as in a clean build."""
    site.pull("2024-06-01")
    first = site.render("inc", cached=True)
    shards = first / "lookup" / "shards"
    before = _tree(shards)
    assert before, "the fixture should have cases with query codes"
    site.render("inc", cached=True)  # unchanged: the same shard files, kept in place
    assert _tree(shards) == before
    changed = 0
    for path in sorted((site.content / "cases").glob("*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        record["name"] = (record.get("name") or "") + "（更正）"
        path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
        changed += 1
    assert changed
    again = site.render("inc", cached=True)
    assert _tree(shards) != before
    _assert_same_tree(again, site.render("clean", cached=False))


def test_a_changed_indexed_text_rebuilds_the_search_index(site):
    """A penalty's facts are stored-only search text: the index shards are kept. Its party name
    is indexed (the title): the index is made again, as in a clean build."""
    site.pull("2024-06-01")
    first = site.render("inc", cached=True)
    shards = first / "search" / "i"
    before = _tree(shards)
    _edit_one_penalty(site.content)
    site.render("inc", cached=True)
    assert _tree(shards) == before
    path = sorted((site.content / "penalties").glob("*.yaml"))[0]
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    record["party_name"] = (record.get("party_name") or "") + "更名"
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    again = site.render("inc", cached=True)
    assert _tree(shards) != before
    _assert_same_tree(again, site.render("clean", cached=False))


def test_a_render_cache_inside_the_output_or_content_is_refused(site):
    """The cache holds parsed content and the lookup's plain entries: never in a published tree."""
    site.pull("2024-06-01")
    for inside in (site.tmp / "out" / "cache", site.content / "cache"):
        with pytest.raises(Exception, match="私有目录"):
            render_site(str(site.content), str(site.tmp / "out"), codes_path=str(site.codes),
                        extra_settings={"GONGSHI_LAWS_DIR": site.laws,
                                        render_cache.SETTING: str(inside)})


def test_a_share_of_the_output_files_goes_to_a_child_and_back(tmp_path):
    """The search index is written in a spawned process through a pickled share of the render
    cache (OutputFiles.share): a file it keeps, one it rewrites and one it adds come back through
    adopt(), and files outside the share are left to the parent."""
    import pickle

    out = tmp_path / "out"
    (out / "search").mkdir(parents=True)
    for name, text in (("search/a.json", "a"), ("search/b.json", "b"), ("other.html", "o")):
        (out / name).write_text(text)
    old = {name: [f"bytes:{name}", *render_cache._stat_entry(os.stat(out / name))]
           for name in ("search/a.json", "search/b.json", "other.html")}
    parent = render_cache.OutputFiles(str(out), old)
    parent.kept = set(old)
    share = parent.share("search/")
    assert set(share.old) == set(share.kept) == {"search/a.json", "search/b.json"}

    child = pickle.loads(pickle.dumps(share))  # what the spawned process gets
    assert child.reuse("search/a.json", "bytes:search/a.json", page=False)
    child.write_bytes("search/b.json", b"new b")
    child.write_bytes("search/c.json", b"c")
    parent.adopt(pickle.loads(pickle.dumps(child.hand_over("search/"))))

    assert set(parent.new) == {"search/a.json", "search/b.json", "search/c.json"}
    assert parent.kept == {"other.html"}  # still the parent's to reuse or drop
    assert (out / "search/b.json").read_bytes() == b"new b"
    assert parent.new["search/b.json"][1:] == render_cache._stat_entry(os.stat(out / "search/b.json"))
    assert (parent.files_reused, parent.files_written) == (1, 2)
