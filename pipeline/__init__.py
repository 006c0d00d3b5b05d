"""Gongshi pipeline: enforcement exports -> validated, sanitised YAML under content/.

Stages (zavod style): read -> normalise -> validate -> sanitise -> publication rules -> export.
Subcommands live in their own modules and are wired up in `pipeline.cli`.
"""

__version__ = "0.1.0"
