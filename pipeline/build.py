"""`python -m pipeline build`: pull the exports into content/, then render the portal — one step.

    python -m pipeline build --source PATH [--as-of YYYY-MM-DD] [--output DIR] [--content DIR]
                             [--codes FILE] [--settings FILE] [--strict]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from dataclasses import dataclass

HELP = "Pull exports into content/ and render the portal into output/ (pull + render)."


@dataclass
class BuildResult:
    report: object          # pipeline.pull.Report
    content_dir: str
    output_dir: str
    pull_seconds: float
    render_seconds: float

    @property
    def ok(self) -> bool:
        return bool(getattr(self.report, "ok", True))


def build(source: str, *, as_of: dt.date, output_dir: str = "output", content_dir: str = "content",
          settings_file: str = "pelicanconf.py", codes_path: str | None = "private/codes.csv",
          strict: bool = False, progress: bool = False) -> BuildResult:
    from pipeline import content_handoff, pull_cache, scrub_cache
    from pipeline.pull import pull
    from pipeline.render import render_site

    # the scrub results and the pull's step results of the last build live next to the query
    # codes (private/), like the lookup's key cache, so a rebuild only redoes what changed
    cache = scrub_cache.default_path(codes_path)
    scrub_cache.check_location(cache, content_dir, output_dir)
    steps_cache = pull_cache.default_path(codes_path)
    pull_cache.check_location(steps_cache, content_dir, output_dir)
    started = time.perf_counter()
    # the render takes the records the pull exported instead of reading content/ again
    # (pipeline/content_handoff.py); whatever it does not take is dropped when the block ends
    with content_handoff.session():
        report = pull(source, as_of=as_of, content_dir=content_dir, codes_path=codes_path,
                      strict=strict, progress=progress, scrub_cache=cache, pull_cache=steps_cache)
        pulled = time.perf_counter()
        if not report.ok:  # --strict with quarantined rows: the pull exported nothing, keep output/
            return BuildResult(report, content_dir, output_dir, pulled - started, 0.0)
        render_seconds = render_site(content_dir, output_dir, settings_file=settings_file,
                                     codes_path=codes_path)
    return BuildResult(report, content_dir, output_dir, pulled - started, render_seconds)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", required=True,
                        help="folder of exports, or a sources.yaml listing them")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                        help="date the publication rules are applied for (default: today, Asia/Shanghai)")
    parser.add_argument("--output", default="output", help="output folder (default: output/)")
    parser.add_argument("--content", default="content", help="content folder (default: content/)")
    parser.add_argument("--codes", default="private/codes.csv",
                        help="where the query codes for parties are written (never under output/)")
    parser.add_argument("--settings", default="pelicanconf.py", help="Pelican settings file")
    parser.add_argument("--strict", action="store_true",
                        help="fail when any row is quarantined")


def run(args: argparse.Namespace) -> int:
    from pipeline.errors import PipelineError
    from pipeline.pull import today_shanghai

    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    try:
        result = build(args.source, as_of=args.as_of or today_shanghai(), output_dir=args.output,
                       content_dir=args.content, settings_file=args.settings,
                       codes_path=args.codes, strict=args.strict, progress=sys.stderr.isatty())
    except PipelineError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(result.report.summary())
    if not result.ok:
        print("构建中止：--strict 下有数据被退回，未生成网站。", file=sys.stderr)
        return 1
    print(f"pull {result.pull_seconds:.1f} s, render {result.render_seconds:.1f} s -> {args.output}/")
    return 0 if result.ok else 1
