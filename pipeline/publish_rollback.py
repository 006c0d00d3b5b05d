"""`python -m pipeline rollback --target DIR`: point DIR/current back at the previous release.

The previous release is the one that was live before the current one (DIR/history.txt), so a
second rollback goes one further back. Same lock as publish; the switch is one atomic os.replace.
"""

from __future__ import annotations

import argparse
import sys

from pipeline.releases import LockBusy, ReleaseStore, locked

HELP = "Roll the live site (TARGET/current) back to the release that was live before it."


def rollback(target: str, *, wait: float = 60.0) -> tuple[str | None, str]:
    store = ReleaseStore(target)
    with locked(store.target, wait):
        return store.rollback()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", required=True, help="release folder given to publish")
    parser.add_argument("--wait", type=float, default=60.0,
                        help="seconds to wait for a running publish to finish (default 60)")


def run(args: argparse.Namespace) -> int:
    from pipeline.publish import EXIT_BUSY, EXIT_FAILED

    try:
        old, new = rollback(args.target, wait=args.wait)
    except LockBusy as exc:
        print(f"回滚被拒绝：{exc}", file=sys.stderr)
        return EXIT_BUSY
    except (LookupError, OSError) as exc:
        print(f"回滚失败，线上网站未改变：{exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"已回滚：{old or '（无）'} → {new}")
    return 0
