"""`python -m pipeline publish`: new exports -> a checked release, switched live atomically, or nothing.

    python -m pipeline publish --source PATH|URL --target DIR [--as-of D] [--keep N]
                               [--max-quarantine-share F] [--wait SECONDS]

Steps, under an exclusive lock on DIR: clean what a killed run left → fetch remote sources → pull
into a scratch content folder → leak gate over the content → render with publishconf.py into
releases/<build-id>.tmp → leak gate over the output → link check → precompress → rename to
releases/<build-id> → switch DIR/current → keep the last N releases → print the change summary,
write the staff report. When releases/<build-id> already exists intact (same input, date and
code), it is switched to without rendering again.
Any failure leaves DIR/current as it was and exits non-zero with the reason. The layout of DIR is
described in pipeline/releases.py; the web server serves DIR/current (deploy/nginx.conf).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable
from zoneinfo import ZoneInfo

import yaml

from pipeline import content_handoff, remote_sources
from pipeline.changes import ChangeSummary, compare_content
from pipeline.releases import LockBusy, ReleaseStore, locked, precompress, tree_digest
from pipeline.staff_report import write_report

HELP = ("Publish: pull + render with publishconf.py + leak gate + link check, then switch the live "
        "release atomically (DIR/current); any failure leaves the live site untouched.")
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Inputs besides content/ that shape the rendered site: a change in them must give a new build id.
CODE_INPUTS = ("theme", "plugins", "pipeline", "pelicanconf.py", "publishconf.py")
# Derived lookup keys kept between builds (domain §9): private, like the codes they come from.
KEY_CACHE = "lookup-key-cache.json"
SCRUB_CACHE = "scrub-cache.json"  # the last pull's free-text scrub results (pipeline.scrub_cache)
PULL_CACHE = "pull-cache"  # the last pull's results per export file, table and family (pipeline.pull_cache)
LEAK_CACHE = "leakgate-%s.json"  # the last publish's leak-gate verdicts per file digest, per tree
EXIT_FAILED, EXIT_BUSY = 1, 75  # 75 = EX_TEMPFAIL: cron/systemd may simply retry later


class PublishError(Exception):
    """A step refused the release; the message says which step and why (for staff)."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class Steps:
    """The pipeline stages publish runs, as callables with the agreed signatures (tests swap fakes)."""

    pull: Callable
    render: Callable
    scan: Callable
    links: Callable

    @classmethod
    def default(cls) -> "Steps":
        from pipeline.leakgate import scan_tree
        from pipeline.linkcheck import check_links
        from pipeline.pull import pull
        from pipeline.render import render_site

        return cls(pull=pull, render=render_site, scan=scan_tree, links=check_links)


@dataclass
class PublishResult:
    build_id: str
    release_dir: str
    reused: bool
    changes: ChangeSummary
    report_path: str
    quarantine: list[dict] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def today_in_china() -> dt.date:
    """Publication days are Beijing days, whatever the server's clock zone is."""
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


# -- small pieces --------------------------------------------------------------------------------
def _source_files(path: str) -> list[str]:
    """Files under `path` that shape the output: no byte-code caches (they appear as we run)."""
    if os.path.isfile(path):
        return [path]
    found = []
    for folder, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found.extend(os.path.join(folder, n) for n in sorted(files) if not n.endswith(".pyc"))
    return found


def _hash_files(digest, files: list[tuple[str, str]]) -> None:
    """(label, path) pairs: labels, not temp paths, so the id does not depend on where we ran."""
    for label, path in files:
        digest.update(label.encode() + b"\0")
        with open(path, "rb") as fh:
            digest.update(hashlib.file_digest(fh, "sha256").digest())


def make_build_id(content_dir: str, as_of: dt.date, *, codes_path: str | None,
                  settings_file: str) -> str:
    """`YYYYMMDD-<12 hex>` from everything the site is rendered from: same input → same id."""
    digest = hashlib.sha256(as_of.isoformat().encode())
    digest.update(tree_digest(content_dir).encode())
    laws = os.environ.get("GONGSHI_LAWS_DIR") or os.path.join(REPO_ROOT, "..", "shared", "laws")
    files = [(os.path.relpath(p, REPO_ROOT), p)
             for rel in CODE_INPUTS for p in _source_files(os.path.join(REPO_ROOT, rel))]
    files += [(os.path.relpath(p, laws), p) for p in _source_files(laws)] if os.path.isdir(laws) else []
    files += [(label, p) for label, p in (("settings", settings_file), ("codes", codes_path))
              if p and os.path.isfile(p)]
    _hash_files(digest, files)
    digest.update(os.environ.get("GONGSHI_SITEURL", "").encode())
    return f"{as_of:%Y%m%d}-{digest.hexdigest()[:12]}"


def _site_counts(content_dir: str) -> dict:
    path = os.path.join(content_dir, "site.yaml")
    if not os.path.isfile(path):
        return {}
    with open(path, encoding="utf-8") as fh:
        return (yaml.safe_load(fh) or {}).get("counts") or {}


def _report_dict(report) -> dict:
    if report is None:
        return {}
    return report.to_dict() if hasattr(report, "to_dict") else dict(report)


def _quarantine(report: dict) -> list[dict]:
    """Every quarantined row of the pull report (pipeline.report: tables.<name>.quarantined)."""
    rows = []
    for name, table in sorted((report.get("tables") or {}).items()):
        for item in table.get("quarantined") or []:
            rows.append({"table": name, **item})
    return rows or list(report.get("quarantined") or [])


def _row_warnings(report: dict) -> list[dict]:
    """Every row warning of the pull report (tables.<name>.warnings: cells imported but cleaned of
    invisible characters or holding U+FFFD), for the staff report."""
    return [{"table": name, **item} for name, table in sorted((report.get("tables") or {}).items())
            for item in table.get("warnings") or []]


def check_quarantine(counts: dict, quarantine: list[dict], max_share: float) -> None:
    """Refuse a release when too large a share of the rows was quarantined (a broken export)."""
    rows = sum(int((c or {}).get("rows") or 0) for c in counts.values())
    bad = sum(int((c or {}).get("quarantined") or 0) for c in counts.values()) or len(quarantine)
    if rows and bad / rows > max_share:
        raise PublishError(
            f"隔离的数据行过多：{bad}/{rows} 行（{bad / rows:.1%}，上限 {max_share:.1%}）；"
            "请检查导出数据，隔离清单见发布报告")


def _describe(item, root: str) -> str:
    """One leak or broken link as `file:line kind excerpt`, paths relative to the scanned tree
    (staff should not have to read temp folder names)."""
    data = vars(item) if hasattr(item, "__dict__") else {}
    if not data:
        return str(item).replace(root.rstrip(os.sep) + os.sep, "")
    where = str(data.get("path") or data.get("source") or data.get("file") or "")
    if os.path.isabs(where):
        where = os.path.relpath(where, root)
    if data.get("line"):
        where += f":{data['line']}"
    rest = [str(v) for k, v in data.items() if k not in ("path", "source", "file", "line") and v]
    return " ".join([where] + rest).strip()


def leak_gate(scan: Callable, trees: dict[str, str], caches: dict[str, str] | None = None) -> None:
    """`caches`: per tree, a private verdict cache (leakgate.VerdictCache) so files unchanged since
    the last publish are not scanned again."""
    problems = []
    for label, root in trees.items():
        found = scan(root, caches[label]) if caches and label in caches else scan(root)
        problems += [f"{label}/{_describe(leak, root)}" for leak in found]
    if problems:
        shown = "；".join(problems[:5])
        raise PublishError(f"泄露检查发现 {len(problems)} 处个人信息，未发布：{shown}", problems)


def link_gate(links: Callable, output_dir: str) -> None:
    broken = [_describe(b, output_dir) for b in links(output_dir)]
    if broken:
        raise PublishError(f"链接检查发现 {len(broken)} 个失效链接，未发布：{'；'.join(broken[:5])}",
                           broken)


@contextmanager
def _step(label: str, log: Callable, seconds: dict):
    """Log a step and turn any failure in it into a PublishError that names the step."""
    log(f"… {label}")
    started = time.perf_counter()
    try:
        yield
    except PublishError:
        raise
    except Exception as exc:  # noqa: BLE001 — every failure must become a clean refusal
        raise PublishError(f"{label}失败：{exc.__class__.__name__}: {exc}") from exc
    seconds[label] = round(time.perf_counter() - started, 2)
    log(f"✓ {label}（{seconds[label]:.1f} 秒）")


def _private(store: ReleaseStore, name: str) -> str:
    """A path under <target>/private/ (owner-only, never served: nginx serves current/ only)."""
    folder = os.path.join(store.target, "private")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return os.path.join(folder, name)


def _install_codes(codes: str, store: ReleaseStore) -> None:
    """Keep the live release's query codes for staff, outside the public tree, owner-only."""
    if not os.path.isfile(codes):
        return
    tmp = _private(store, "codes.csv.tmp")
    shutil.copyfile(codes, tmp)
    os.chmod(tmp, 0o600)
    os.replace(tmp, _private(store, "codes.csv"))


# -- the run -------------------------------------------------------------------------------------
def publish(source: str, target: str, *, as_of: dt.date, keep: int = 5,
            max_quarantine_share: float = 0.05, wait: float = 60.0,
            settings_file: str | None = None, progress: bool = False,
            steps: Steps | None = None, log: Callable = print) -> PublishResult:
    """Publish `source` for `as_of` into `target`; raises PublishError / LockBusy on refusal."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    settings_file = os.path.abspath(settings_file or os.path.join(REPO_ROOT, "publishconf.py"))
    steps = steps or Steps.default()
    store = ReleaseStore(target)
    with locked(store.target, wait):
        for path in store.clean_stale():
            log(f"已清理上次中断留下的 {path}")
        os.makedirs(store.work, exist_ok=True)
        work = tempfile.mkdtemp(dir=store.work)
        state: dict = {"source": remote_sources.redact(source), "as_of": as_of.isoformat()}
        try:
            # as `pipeline build`: the render takes the records the pull exported instead of
            # reading content/ again (pipeline/content_handoff.py; a file changed in between is
            # read); _render_and_check ends the handoff before the output checks
            with content_handoff.session():
                return _run(source, store, work, state, as_of=as_of, keep=keep,
                            max_share=max_quarantine_share, settings_file=settings_file,
                            progress=progress, steps=steps, log=log)
        except PublishError as exc:
            _failure_report(store, state, exc)
            raise
        finally:
            shutil.rmtree(store.work, ignore_errors=True)
            if state.get("tmp"):
                shutil.rmtree(state["tmp"], ignore_errors=True)


def _run(source, store: ReleaseStore, work: str, state: dict, *, as_of, keep, max_share,
         settings_file, progress, steps: Steps, log) -> PublishResult:
    seconds: dict[str, float] = {}
    content = os.path.join(work, "content")
    codes = os.path.join(work, "codes.csv")
    with _step("获取数据来源", log, seconds):
        local = remote_sources.materialise(source, os.path.join(work, "source"))
    with _step("导入数据（pull）", log, seconds):
        pulled = steps.pull(local, as_of=as_of, content_dir=content,
                            report_path=os.path.join(work, "pull-report.json"),
                            codes_path=codes, progress=progress,
                            scrub_cache=_private(store, SCRUB_CACHE),
                            pull_cache=_private(store, PULL_CACHE))
    if hasattr(pulled, "summary"):
        log(pulled.summary())
    report = _report_dict(pulled)
    state["quarantine"] = _quarantine(report)
    state["warnings"] = _row_warnings(report)
    state["counts"] = _site_counts(content)
    check_quarantine(state["counts"], state["quarantine"], max_share)
    with _step("泄露检查（content）", log, seconds):  # before rendering: fail fast
        leak_gate(steps.scan, {"content": content}, {"content": _private(store, LEAK_CACHE % "content")})
    with _step("计算版本号", log, seconds):
        build_id = make_build_id(content, as_of, codes_path=codes, settings_file=settings_file)
    state["build_id"] = build_id
    reused = store.is_intact(build_id)
    if reused:  # same input, date and code: that release was rendered and checked already
        log(f"版本 {build_id} 已存在且完整，直接切换")
    else:
        _render_and_check(store, build_id, content, codes, state, settings_file=settings_file,
                          progress=progress, steps=steps, log=log, seconds=seconds)
    if not os.path.isdir(store.content_path(build_id)):
        shutil.copytree(content, store.content_path(build_id))
    with _step("变更摘要与发布报告", log, seconds):
        live = store.current_id()
        old = store.content_path(live) if live else None
        changes = compare_content(old if old and os.path.isdir(old) else None, content, report)
        report_path = write_report(store.report_path(build_id), build_id=build_id, ok=True,
                                   as_of=state["as_of"], source=state["source"], changes=changes,
                                   quarantine=state["quarantine"], counts=state["counts"],
                                   reused=reused, warnings=state["warnings"])
    with _step("切换线上版本", log, seconds):
        store.switch(build_id)
        _install_codes(codes, store)
    removed = store.prune(keep)
    if os.path.exists(_failed_report_path(store)):  # staff must not take an old refusal for news
        os.unlink(_failed_report_path(store))
    if removed:
        log(f"已删除旧版本：{', '.join(removed)}")
    log(changes.format_text())
    log(f"已发布 {build_id}；发布报告：{report_path}")
    return PublishResult(build_id, store.path(build_id), reused, changes, report_path,
                         state["quarantine"], seconds)


def _render_and_check(store: ReleaseStore, build_id: str, content: str, codes: str, state: dict,
                      *, settings_file, progress, steps: Steps, log, seconds) -> None:
    tmp = state["tmp"] = store.tmp_path(build_id)
    with _step("生成网站（publishconf.py）", log, seconds):
        steps.render(content, tmp, settings_file=settings_file, codes_path=codes,
                     extra_settings={"GONGSHI_LOOKUP_KEY_CACHE": _private(store, KEY_CACHE)})
    content_handoff.clear()  # nothing more to take: free what the render left
    with _step("泄露检查（output）", log, seconds):
        leak_gate(steps.scan, {"output": tmp}, {"output": _private(store, LEAK_CACHE % "output")})
    with _step("链接检查", log, seconds):
        link_gate(steps.links, tmp)
    with _step("预压缩", log, seconds):
        precompress(tmp, progress=progress)
    with _step("安装发布版本", log, seconds):
        store.install(build_id, tmp)
        state["tmp"] = None


def _failed_report_path(store: ReleaseStore) -> str:
    return os.path.join(store.releases, "failed.report.html")


def _failure_report(store: ReleaseStore, state: dict, exc: PublishError) -> None:
    """Staff still need the quarantine list (and the leaks) when a publish was refused."""
    try:
        write_report(_failed_report_path(store),
                     build_id=state.get("build_id"), ok=False, as_of=state["as_of"],
                     source=state["source"], quarantine=state.get("quarantine") or [],
                     counts=state.get("counts"), error=str(exc), problems=exc.problems,
                     warnings=state.get("warnings") or [])
    except OSError:
        pass  # the disk may be the reason we failed; the message on stderr still says why


# -- CLI -----------------------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", required=True,
                        help="exports folder, sources.yaml, http(s) URL, SQLAlchemy URL or env:VAR")
    parser.add_argument("--target", required=True,
                        help="release folder; the web server serves TARGET/current")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                        help="publication date the rules are applied for (default: today, Beijing)")
    parser.add_argument("--keep", type=int, default=5, help="releases kept for rollback (default 5)")
    parser.add_argument("--max-quarantine-share", type=float, default=0.05,
                        help="refuse when more than this share of rows is quarantined (default 0.05)")
    parser.add_argument("--wait", type=float, default=60.0,
                        help="seconds to wait for another publish to finish (default 60)")
    parser.add_argument("--settings", default=None, help="Pelican settings (default publishconf.py)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def run(args: argparse.Namespace) -> int:
    from pipeline.errors import PipelineError

    try:
        publish(args.source, args.target, as_of=args.as_of or today_in_china(), keep=args.keep,
                max_quarantine_share=args.max_quarantine_share, wait=args.wait,
                settings_file=args.settings, progress=not args.quiet and sys.stderr.isatty())
    except LockBusy as exc:
        print(f"发布被拒绝：{exc}", file=sys.stderr)
        return EXIT_BUSY
    except (PublishError, PipelineError, OSError, ValueError) as exc:
        print(f"发布失败，线上网站未改变：{exc}", file=sys.stderr)
        return EXIT_FAILED
    return 0
