"""The pull's private step cache (pipeline/pull_cache.py): a cached pull writes exactly what an
uncached pull of the same exports writes — after a changed, removed or expired record, a changed
referenced table, a hand-edited content folder — misses when the code or the law texts change,
and is owner-only and never inside a published tree."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import stat
from datetime import date
from pathlib import Path

import pipeline_fakes
import pytest

from pipeline import pull_cache, readers
from pipeline.errors import PipelineError
from pipeline.pull import pull

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
AS_OF = date(2024, 6, 30)


@pytest.fixture()
def work(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGSHI_CODE_SECRET", "test-secret-0123456789abcdef")
    shutil.copytree(FIXTURES, tmp_path / "exports")
    return tmp_path


def _pull(work: Path, name: str, as_of=AS_OF, cached: bool = True):
    """Pull into work/<name>; returns (content files, report without its source, codes bytes)."""
    content = work / name
    codes = work / "private" / f"{name}.csv"
    report = work / f"{name}-report.json"
    pull(str(work / "exports"), as_of=as_of, content_dir=str(content), codes_path=str(codes),
         report_path=str(report), progress=False, scrub_cache=str(work / "private" / "scrub.json") if cached else None,
         pull_cache=str(work / "private" / "pull-cache") if cached else None)
    files = {p.relative_to(content).as_posix(): p.read_bytes() for p in content.rglob("*") if p.is_file()}
    data = json.loads(report.read_text(encoding="utf-8"))
    data.pop("source")
    return files, data, codes.read_bytes() if codes.exists() else None


_counter = iter(range(1000))


def _same_as_uncached(work: Path, as_of=AS_OF) -> None:
    cached = _pull(work, "content", as_of)
    plain = _pull(work, f"plain-{next(_counter)}", as_of, cached=False)
    assert cached[0] == plain[0]
    assert cached[1] == plain[1]
    assert cached[2] == plain[2]


def _edit_csv(path: Path, edit) -> None:
    data = path.read_bytes()
    encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        encoding, text = "gb18030", data.decode("gb18030")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    rows = edit(rows)
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))


def _published_penalty(work: Path) -> tuple[str, str]:
    """(file name, decision number) of a published penalty in work/content."""
    import yaml
    first = sorted((work / "content" / "penalties").glob("*.yaml"))[0]
    return first.name, yaml.safe_load(first.read_text(encoding="utf-8"))["decision_no"]


def _column(rows, *names) -> int:
    return next(rows[0].index(n) for n in names if n in rows[0])


def _count_reads(monkeypatch) -> list:
    calls = []
    real = readers.read_file

    def counting(path, **kw):
        calls.append(os.path.basename(path))
        return real(path, **kw)
    monkeypatch.setattr("pipeline.pull_steps.read_file", counting)
    return calls


def test_cached_pulls_equal_uncached_ones_through_changes(work, monkeypatch):
    _same_as_uncached(work)  # cold
    reads = _count_reads(monkeypatch)
    stamps = {p: p.stat().st_mtime_ns for p in (work / "content").rglob("*.yaml")}
    _same_as_uncached(work)  # warm, nothing changed: no export read again, no file rewritten
    assert set(reads) == {p.name for p in (work / "exports").iterdir()}  # only by the uncached pull
    reads.clear()
    assert {p: p.stat().st_mtime_ns for p in (work / "content").rglob("*.yaml")} == stamps

    penalties = work / "exports" / "penalties.csv"
    name, decision_no = _published_penalty(work)

    def change(rows):
        number, facts = _column(rows, "CF_WSH", "行政处罚决定书文号"), _column(rows, "CF_SY", "违法事实")
        for row in rows[1:]:
            if row[number] == decision_no:
                row[facts] += "（更正：联系电话13912345678）"
        return rows
    _edit_csv(penalties, change)
    _same_as_uncached(work)
    assert "13912345678" not in (work / "content" / "penalties" / name).read_text(encoding="utf-8")
    assert reads.count("penalties.csv") == 2 and reads.count("cases.csv") == 1  # cached: only the changed file

    _edit_csv(penalties, lambda rows: [rows[0]] + [r for r in rows[1:] if decision_no not in r])
    _same_as_uncached(work)
    assert not (work / "content" / "penalties" / name).exists()

    # a referenced table: every table naming an agency is validated again
    _edit_csv(work / "exports" / "agencies.csv", lambda rows: rows[:-1])
    _same_as_uncached(work)


def test_a_later_as_of_expires_records_like_an_uncached_pull(work):
    _same_as_uncached(work)
    before = {p.name for p in (work / "content" / "penalties").glob("*.yaml")}
    _same_as_uncached(work, as_of=date(2031, 1, 1))
    after = {p.name for p in (work / "content" / "penalties").glob("*.yaml")}
    assert after < before
    _same_as_uncached(work)  # and back


def test_a_hand_edited_content_folder_is_restored(work):
    _same_as_uncached(work)
    content = work / "content"
    name, _ = _published_penalty(work)
    edited = content / "penalties" / name
    with open(edited, "a", encoding="utf-8") as fh:
        fh.write("note: \"改过\"\n")
    (content / "cases" / "stray.yaml").write_text("id: stray\n", encoding="utf-8")
    removed = sorted((content / "agencies").glob("*.yaml"))[0]
    removed.unlink()
    _same_as_uncached(work)
    assert "改过" not in edited.read_text(encoding="utf-8")
    assert not (content / "cases" / "stray.yaml").exists() and removed.exists()
    # the same bytes written again with another mtime: compared, not trusted blindly
    stamp = edited.stat().st_mtime_ns
    edited.write_bytes(edited.read_bytes().replace("\"".encode(), "\"".encode()))
    os.utime(edited, ns=(stamp - 10**9, stamp - 10**9))
    _same_as_uncached(work)


def test_another_content_folder_is_written_in_full(work):
    _same_as_uncached(work)
    plain = _pull(work, "elsewhere", cached=False)
    assert _pull(work, "other")[0] == plain[0]  # same cache, a fresh content folder


def test_a_code_or_law_change_misses_everything(work, monkeypatch):
    _same_as_uncached(work)
    reads = _count_reads(monkeypatch)
    monkeypatch.setattr(pull_cache, "code_digest", lambda: "another version of the pipeline")
    _pull(work, "content")
    assert len(reads) == len(list((work / "exports").iterdir()))


def test_laws_digest_follows_the_law_texts(tmp_path, monkeypatch):
    laws = tmp_path / "laws"
    laws.mkdir()
    (laws / "a.md").write_text("# 某某法\n\n第一条 内容。\n", encoding="utf-8")
    monkeypatch.setenv("GONGSHI_LAWS_DIR", str(laws))
    first = pull_cache.laws_digest()
    (laws / "a.md").write_text("# 某某法\n\n第一条 内容有变。\n", encoding="utf-8")
    assert pull_cache.laws_digest() != first
    monkeypatch.setenv("GONGSHI_LAWS_DIR", str(tmp_path / "none"))
    assert pull_cache.laws_digest() != first


def test_a_step_key_covers_its_inputs():
    assert pull_cache.key_of("a", {"x": 1, "y": [1, 2]}) == pull_cache.key_of("a", {"y": (1, 2), "x": 1})
    assert pull_cache.key_of("a", date(2024, 1, 1)) != pull_cache.key_of("a", date(2024, 1, 2))
    assert pull_cache.key_of("a", None) != pull_cache.key_of("a", "None")


def test_cache_is_private_and_never_in_a_published_tree(work):
    _pull(work, "content")
    folder = work / "private" / "pull-cache"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.iterdir())
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    with pytest.raises(PipelineError):
        pull(str(work / "exports"), as_of=AS_OF, content_dir=str(work / "content"), codes_path=None,
             progress=False, pull_cache=str(work / "content" / "cache"))
    with pytest.raises(PipelineError):
        pull_cache.check_location(str(work / "output" / "c"), str(work / "content"), str(work / "output"))
    assert pull_cache.default_path(str(work / "private" / "codes.csv")) == str(work / "private" / "pull-cache")


def test_a_damaged_cache_is_only_slower(work):
    _same_as_uncached(work)
    for path in (work / "private" / "pull-cache").iterdir():
        path.write_bytes(b"not a pickle")
    _same_as_uncached(work)


def test_a_changed_case_reaches_the_penalties_it_links(work):
    _same_as_uncached(work)

    def flip(rows):
        major = rows[0].index("是否重大执法决定")
        for row in rows[1:]:
            row[major] = "否" if row[major] == "是" else "是"
        return rows
    _edit_csv(work / "exports" / "cases.csv", flip)
    _same_as_uncached(work)


def test_a_table_in_two_files_with_one_changed(work):
    exports = work / "exports"
    shutil.copy(exports / "penalties.csv", exports / "penalties-2.csv")
    _edit_csv(exports / "penalties.csv", lambda rows: rows[:5])  # rows 1-4 here, the rest there
    _edit_csv(exports / "penalties-2.csv", lambda rows: rows[:1] + rows[5:])
    _same_as_uncached(work)
    _edit_csv(exports / "penalties-2.csv", lambda r: r[:-1])
    _same_as_uncached(work)


def test_the_demo_exports_after_the_benchmark_change(demo_exports, tmp_path, monkeypatch):
    """Spreadsheets, JSON, GB18030 and a sources.yaml: the benchmark's one-record change."""
    from pipeline.bench import change_one_record

    shutil.copytree(demo_exports, tmp_path / "exports")
    _same_as_uncached(tmp_path, as_of=date(2026, 11, 20))
    change_one_record(tmp_path / "exports")
    reads = _count_reads(monkeypatch)
    _pull(tmp_path, "content", as_of=date(2026, 11, 20))
    assert reads == ["penalties.csv"]
    plain = _pull(tmp_path, "plain-after", as_of=date(2026, 11, 20), cached=False)
    assert _pull(tmp_path, "content", as_of=date(2026, 11, 20)) == plain


def test_case_notes_follow_the_officer_register(work):
    """A case note keeps the names of its agency's registered officers (public by design) and
    masks everyone else; the cached pull notices when the register changes."""
    officer = ["刘建华", "37028100009", "胶州市市场监督管理局", "市场监管", "2027-12-31"]
    note = "执法人员刘建华、李强出示执法证件；举报人王小明反映该店无证经营"
    _edit_csv(work / "exports" / "officers.csv", lambda rows: rows + [officer])
    _edit_csv(work / "exports" / "case_events.csv",
              lambda rows: rows + [["胶市监立〔2024〕1号", "调查取证", "2024-01-20", note, "文字"]])

    def published() -> str:
        return "\n".join(text for _, text in pipeline_fakes.texts(work / "content"))

    _same_as_uncached(work)
    assert "执法人员刘建华、李*出示执法证件；举报人王*反映该店无证经营" in published()
    _edit_csv(work / "exports" / "officers.csv", lambda rows: [r for r in rows if r[0] != "刘建华"])
    _same_as_uncached(work)
    assert "执法人员刘*、李*出示执法证件" in published() and "刘建华" not in published()


def _warnings(report: dict) -> set:
    return {(w["file"], w["row"], w["field"], w["kind"]) for t in report["tables"].values() for w in t["warnings"]}


def test_row_warnings_are_replayed_by_a_cached_pull(work, monkeypatch):
    """Row warnings (invisible characters removed, U+FFFD) come from reading the export: a pull
    that reads no export (all cached), or validates a table again from a cached read, reports
    them as the uncached pull does."""
    def plant(rows):
        facts = _column(rows, "CF_SY", "违法事实")
        rows[1][facts] = rows[2][facts] = "当事人\x01生产的食品\ufffd不合格。"  # two identical rows
        return rows
    _edit_csv(work / "exports" / "penalties.csv", plant)
    permits = work / "exports" / "permits.json"
    items = json.loads(permits.read_text(encoding="utf-8"))
    items[0]["许可内容"] += "\u202e"
    permits.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    expected = {("penalties.csv", 2, "违法事实", "invisible_removed"), ("penalties.csv", 2, "违法事实", "replacement_char"),
                ("penalties.csv", 3, "违法事实", "invisible_removed"), ("penalties.csv", 3, "违法事实", "replacement_char"),
                ("permits.json", 2, "许可内容", "invisible_removed")}

    _same_as_uncached(work)  # cold
    reads = _count_reads(monkeypatch)
    _, warm, _ = _pull(work, "content")  # warm: every step cached, no export read
    assert reads == [] and _warnings(warm) == expected
    # a referenced table changes: penalties and permits are validated again from cached reads
    # (their records are not cached, so the files are read again for them)
    _edit_csv(work / "exports" / "agencies.csv", lambda rows: rows[:-1] + [rows[-1][:-1] + ["http://example.cn"]])
    cached = _pull(work, "content")
    assert {"agencies.csv", "penalties.csv", "permits.json"} <= set(reads)
    assert _warnings(cached[1]) == expected
    assert cached == _pull(work, "plain-after-agencies", cached=False)
