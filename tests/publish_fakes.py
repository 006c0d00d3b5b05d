"""A tiny stand-in pipeline for the publish tests: fast, and with hooks to hold or kill a run.

The fake source is a folder with records.yaml: `{rows, quarantined, penalties: [{id, title,
publish_until}]}`. The fakes keep the agreed signatures of pull / render_site / scan_tree /
check_links, so publish drives them exactly as it drives the real ones.

Run as a script (`python tests/publish_fakes.py SOURCE TARGET AS_OF [--hold FILE] [--wait S]`) to
publish in a subprocess: with --hold, rendering writes part of the site, touches FILE + '.rendering'
and then waits until FILE exists (so a test can kill it mid-render or race a second publish).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import time
from dataclasses import dataclass

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ID_NUMBER = re.compile(r"\d{17}[\dX]")
HREF = re.compile(r'href="(/[^"#]*)')
HOLD = {"file": None}
EVENTS = os.environ.get("FAKE_PUBLISH_EVENTS")


def _event(text: str) -> None:
    if EVENTS:
        with open(EVENTS, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {text}\n")


def make_source(folder: str, penalties: list[dict], rows: int | None = None,
                quarantined: int = 0) -> str:
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "records.yaml"), "w", encoding="utf-8") as fh:
        yaml.safe_dump({"rows": rows if rows is not None else len(penalties),
                        "quarantined": quarantined, "penalties": penalties}, fh, allow_unicode=True)
    return folder


@dataclass
class FakeReport:
    quarantined: list

    @property
    def ok(self) -> bool:
        return True

    def to_dict(self) -> dict:
        return {"quarantined": self.quarantined}


def fake_pull(source, *, as_of, content_dir="content", report_path=None, codes_path=None,
              strict=False, progress=True, scrub_cache=None, pull_cache=None):
    _event("pull")
    with open(os.path.join(source, "records.yaml"), encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)
    shown = [p for p in spec["penalties"] if p["publish_until"] >= as_of.isoformat()]
    os.makedirs(os.path.join(content_dir, "penalties"), exist_ok=True)
    site = {"as_of": as_of.isoformat(), "counts": {"penalties": {
        "rows": spec["rows"], "published": len(shown), "withheld": 0,
        "quarantined": spec["quarantined"]}}}
    with open(os.path.join(content_dir, "site.yaml"), "w", encoding="utf-8") as fh:
        yaml.safe_dump(site, fh, allow_unicode=True, sort_keys=False)
    for p in shown:
        with open(os.path.join(content_dir, "penalties", f"{p['id']}.yaml"), "w",
                  encoding="utf-8") as fh:
            yaml.safe_dump(p, fh, allow_unicode=True, sort_keys=False)
    if codes_path:
        with open(codes_path, "w", encoding="utf-8") as fh:
            fh.write("案件编号,查询码\n")
    quarantine = [{"table": "penalties", "file": "penalties.csv", "row": i + 2,
                   "field": "处罚决定日期", "reason": "日期无效"} for i in range(spec["quarantined"])]
    return FakeReport(quarantine)


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def fake_render(content_dir, output_dir, *, settings_file="pelicanconf.py", codes_path=None,
                extra_settings=None):
    _event("render-start")
    folder = os.path.join(content_dir, "penalties")
    records = [yaml.safe_load(open(os.path.join(folder, n), encoding="utf-8"))
               for n in sorted(os.listdir(folder))]
    links = "".join(f'<li><a href="/penalties/{r["id"]}/">{r["title"]}</a></li>' for r in records)
    _write(os.path.join(output_dir, "index.html"),
           f'<!DOCTYPE html><link rel="stylesheet" href="/theme/site.css"><ul>{links}</ul>\n')
    _write(os.path.join(output_dir, "theme", "site.css"), "body { margin: 0 }\n")
    if HOLD["file"]:
        _write(HOLD["file"] + ".rendering", "")
        while not os.path.exists(HOLD["file"]):
            time.sleep(0.05)
    for r in records:
        _write(os.path.join(output_dir, "penalties", r["id"], "index.html"),
               f'<!DOCTYPE html>\n<h1>{r["title"]}</h1>\n<a href="/">首页</a>\n')
    _event("render-end")
    return 0.0


@dataclass(frozen=True)
class Leak:
    path: str
    line: int
    kind: str
    excerpt: str


def fake_scan(root, cache_path=None):
    leaks = []
    for folder, _dirs, files in os.walk(root):
        for name in sorted(files):
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8", errors="replace") as fh:
                for n, line in enumerate(fh, 1):
                    if ID_NUMBER.search(line):
                        leaks.append(Leak(os.path.relpath(path, root), n, "id_number", "***"))
    return leaks


@dataclass(frozen=True)
class BrokenLink:
    source: str
    href: str


def fake_links(root):
    broken = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".html"):
                text = open(os.path.join(folder, name), encoding="utf-8").read()
                for href in HREF.findall(text):
                    target = os.path.join(root, href.lstrip("/"))
                    if not (os.path.isfile(target) or os.path.isfile(os.path.join(target, "index.html"))):
                        broken.append(BrokenLink(os.path.relpath(os.path.join(folder, name), root), href))
    return broken


def steps():
    from pipeline.publish import Steps

    return Steps(pull=fake_pull, render=fake_render, scan=fake_scan, links=fake_links)


def main(argv=None) -> int:
    sys.path.insert(0, REPO)
    from pipeline.publish import EXIT_BUSY, PublishError, publish
    from pipeline.releases import LockBusy

    parser = argparse.ArgumentParser()
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("as_of", type=dt.date.fromisoformat)
    parser.add_argument("--hold")
    parser.add_argument("--wait", type=float, default=0)
    args = parser.parse_args(argv)
    HOLD["file"] = args.hold
    try:
        result = publish(args.source, args.target, as_of=args.as_of, wait=args.wait, steps=steps())
    except LockBusy as exc:
        print(exc, file=sys.stderr)
        return EXIT_BUSY
    except PublishError as exc:
        print(exc, file=sys.stderr)
        return 1
    _event(f"published {result.build_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
