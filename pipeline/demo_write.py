"""Streaming writers for the demo exports, byte-identical for the same input.

CSV is written row by row in the encoding a real platform would use; XLSX is streamed with
XlsxWriter (several times faster than openpyxl for the 100k-row scales) with its creation date
pinned, so two runs with the same seed give the same bytes.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import date, datetime

import xlsxwriter

FIXED_CREATED = datetime(2026, 11, 20)


def write_csv(path: str, header: list[str], rows: Iterable[list], encoding: str) -> int:
    count = 0
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
            count += 1
    return count


def write_xlsx(path: str, sheet: str, header: list[str], rows: Iterable[list]) -> int:
    """One sheet, streamed (XlsxWriter constant-memory mode); dates become real Excel dates.

    The creation time is pinned so the same rows give the same bytes.
    """
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_numbers": False,
                                          "strings_to_formulas": False, "strings_to_urls": False})
    workbook.set_properties({"created": FIXED_CREATED})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    ws = workbook.add_worksheet(sheet)
    ws.write_row(0, 0, header)
    count = 0
    for count, row in enumerate(rows, 1):
        for col, value in enumerate(row):
            if isinstance(value, date):
                ws.write_datetime(count, col, datetime.combine(value, datetime.min.time()), date_format)
            elif value not in ("", None):
                ws.write(count, col, value)
    workbook.close()
    return count


def write_json(path: str, records: Iterable[dict]) -> int:
    """A JSON list of objects, one object per line, streamed."""
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("[")
        for record in records:
            fh.write(",\n" if count else "\n")
            fh.write(json.dumps(record, ensure_ascii=False, default=_iso))
            count += 1
        fh.write("\n]\n")
    return count


def _iso(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {value!r}")
