"""Errors the pipeline raises and the quarantine entry it records for a bad row."""

from __future__ import annotations

from dataclasses import asdict, dataclass


class PipelineError(Exception):
    """A problem that stops the run (unreadable file, missing required column, broken report).

    The message always names the file (and the column, where there is one) so staff can fix the
    export without reading code.
    """


@dataclass(frozen=True)
class Problem:
    """One reason a row cannot be used: which field and why (Chinese, for staff)."""

    field: str
    reason: str


@dataclass(frozen=True)
class Quarantined:
    """A row kept out of content/, with where it is and what is wrong with it."""

    table: str
    file: str
    row: int
    field: str
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)
