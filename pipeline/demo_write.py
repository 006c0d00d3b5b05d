"""Streaming writers for the demo exports, byte-identical for the same input.

CSV is written row by row in the encoding a real platform would use; XLSX goes through openpyxl's
write-only mode and is then re-zipped with fixed timestamps (openpyxl stamps the current time into
docProps/core.xml and every zip entry), so two runs with the same seed give the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable
from datetime import date

from openpyxl import Workbook

FIXED_STAMP = (2026, 11, 20, 0, 0, 0)
_CORE_TIMES = re.compile(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def write_csv(path: str, header: list[str], rows: Iterable[list], encoding: str) -> int:
    count = 0
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
            count += 1
    return count


def _fixed_zip(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: i.filename):
            payload = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                payload = _CORE_TIMES.sub(r"\g<1>2026-11-20T00:00:00Z\g<3>", payload.decode("utf-8")).encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_STAMP)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, payload)
    return out.getvalue()


def write_xlsx(path: str, sheet: str, header: list[str], rows: Iterable[list]) -> int:
    """One sheet; date values become real Excel dates as exported by most platforms."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.append(header)
    count = 0
    for row in rows:
        ws.append([None if v == "" else v for v in row])
        count += 1
    buffer = io.BytesIO()
    wb.save(buffer)
    with open(path, "wb") as fh:
        fh.write(_fixed_zip(buffer.getvalue()))
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
