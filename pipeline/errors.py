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


@dataclass(frozen=True)
class Notice:
    """Something about one cell staff must hear of although the row is used as it is: which
    field, what kind of thing (a key of pipeline.normalise.NOTICE_LABELS) and why (Chinese). The
    reason says where and what, never the cell's value (it may be a name or an ID number)."""

    field: str
    kind: str
    reason: str


@dataclass(frozen=True)
class RowWarning:
    """A Notice with where it is: the row is imported (published if the rules allow), and the
    report lists it like a quarantined row, so staff can fix the export."""

    table: str
    file: str
    row: int
    field: str
    kind: str
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)
