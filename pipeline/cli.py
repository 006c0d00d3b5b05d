"""Command line entry point: `python -m pipeline <command> ...`.

Each command is a module exposing `HELP`, `add_arguments(parser)` and `run(args) -> int`, so that a
command's options sit next to its code and this file only lists the commands.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# command name -> module implementing it
COMMANDS = {
    "pull": "pipeline.pull",
    "build": "pipeline.build",
    "demo": "pipeline.demo",
    "publish": "pipeline.publish",
    "rollback": "pipeline.publish_rollback",
    "bench": "pipeline.bench",
}


def _load(name: str):
    try:
        return importlib.import_module(COMMANDS[name])
    except ModuleNotFoundError as exc:  # a command whose module is not written yet
        if exc.name == COMMANDS[name]:
            return None
        raise


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Gongshi: pull enforcement exports into YAML, render the portal, publish it.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = _load(name)
        if module is None:
            continue
        p = sub.add_parser(name, help=module.HELP, description=module.HELP,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_module", None):
        parser.print_help()
        return 2
    return int(args._module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
