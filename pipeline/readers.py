"""Read one export file into a header and string rows, whatever its format or encoding.

Every cell comes back as a string ('' for empty); typing is pipeline.normalise's job. Row numbers
are those a person sees when opening the file in a spreadsheet: the header is row 1, the first
data record row 2 (a CSV record with a line break inside a quoted cell is still one row). JSON
objects are numbered the same way (the first object is row 2) so reports read alike.
Encodings are detected from the bytes, never from the file name.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
from dataclasses import dataclass, field

from pipeline.errors import PipelineError

EXTENSIONS = (".csv", ".xlsx", ".xls", ".json")


@dataclass
class RawTable:
    path: str
    header: list[str]
    rows: list[tuple[int, list[str]]]   # (row number as seen in the file, cells aligned to header)
    encoding: str | None                # detected/used text encoding; None for spreadsheets
    broken: list[tuple[int, str]] = field(default_factory=list)  # rows that cannot be aligned
    # every non-empty record with its row number, so a header below a title row can be found
    records: list[tuple[int, list[str]]] = field(default_factory=list, repr=False)
    # False only when the reader knows no cell holds a lone surrogate (U+D800–U+DFFF), so
    # normalise_row can skip looking for one cell by cell; True (look) for anything else
    surrogates: bool = True
    # the same for U+FFFD, the replacement character (pipeline.normalise: a row warning)
    replacement: bool = True

    def with_header_at(self, index: int) -> "RawTable":
        """The same file read with its index-th non-empty record as the header (title rows above
        the header, as some platforms export them, are then skipped)."""
        header, rows, broken = _align(self.records[index][1], self.records[index + 1:])
        return RawTable(self.path, header, rows, self.encoding, broken, self.records, self.surrogates,
                        self.replacement)


# A lone surrogate is half of a UTF-16 pair: not a character, and no UTF-8 file (content/, the
# site) can hold it. Strict UTF-8 and GB18030 decoding never yields one, nor does calamine (Rust
# strings: an .xls cell's lone surrogate comes back as U+FFFD); a JSON \uD800 escape does, and so
# may a codec named in sources.yaml. Files are checked here once, whole, so the per-cell check
# (pipeline.normalise, which uses this pattern too) runs only where one can be.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # also matches pairs: only a hint to look
_SURROGATE_FREE_CODECS = ("utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312")
# U+FFFD (a character lost upstream) is looked for the same way: in the decoded text once, so
# normalise_row only searches the cells of a file that has one
REPLACEMENT = "\ufffd"
_REPLACEMENT_ESCAPE = re.compile(r"\\u[fF]{3}[dD]")


def _decode(path: str, data: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise PipelineError(f"{path}: 无法按指定编码 {encoding} 读取（{exc}）") from exc
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "utf-8-sig"
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise PipelineError(f"{path}: 文件编码无法识别（既不是 UTF-8 也不是 GB18030/GBK）")


def _may_hold_surrogates(codec: str, text: str) -> bool:
    if codecs.lookup(codec).name in _SURROGATE_FREE_CODECS:
        return False  # strict decoding refuses an encoded surrogate (UTF-8 b"\xed\xa0\x80")
    return LONE_SURROGATE.search(text) is not None


def _clean(cell) -> str:
    if cell is None:
        return ""
    return str(cell).strip()


def _numbered(path: str, records: list[list[str]], first_row: int = 1) -> list[tuple[int, list[str]]]:
    """Non-empty records with the row number a spreadsheet shows (empty rows keep their number)."""
    numbered = [(first_row + i, [_clean(c) for c in rec]) for i, rec in enumerate(records)]
    numbered = [(n, rec) for n, rec in numbered if any(rec)]
    if not numbered:
        raise PipelineError(f"{path}: 文件为空，没有表头")
    return numbered


def _shown(name: str) -> str:
    """A column name as the report shows it: a lone surrogate as its escape (\\ud800), since a
    name goes into the report and log (UTF-8) and is never published; such a column matches no
    known name, so it is reported as unknown."""
    if LONE_SURROGATE.search(name) is None:
        return name
    return LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", name)


def _align(header: list[str], body: list[tuple[int, list[str]]]) -> tuple[list[str], list, list]:
    """Cells padded to the header's width; a row with more filled cells than the header has is
    set aside as broken (it is quarantined, the rest of the file is read)."""
    header = [_shown(name) for name in header]
    width = len(header)
    rows, broken = [], []
    for n, rec in body:
        if len(rec) > width and any(rec[width:]):
            broken.append((n, f"该行有 {len(rec)} 列，多于表头的 {width} 列（请检查分隔符或引号）"))
            continue
        rows.append((n, (rec + [""] * width)[:width]))
    return header, rows, broken


def _table(path: str, records: list[list[str]], encoding: str | None, surrogates: bool,
           replacement: bool) -> RawTable:
    numbered = _numbered(path, records)
    header, rows, broken = _align(numbered[0][1], numbered[1:])
    return RawTable(path, header, rows, encoding, broken, numbered, surrogates, replacement)


def read_csv(path: str, encoding: str | None = None) -> RawTable:
    with open(path, "rb") as fh:
        data = fh.read()
    text, used = _decode(path, data, encoding)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise PipelineError(f"{path}: CSV 格式错误（{exc}）") from exc
    surrogates = _may_hold_surrogates(used, text)
    return _table(path, records, used, surrogates, REPLACEMENT in text)


def read_excel(path: str, sheet: str | int | None = None) -> RawTable:
    import pandas as pd  # imported here: only spreadsheet sources pay for it

    try:
        frame = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, engine="calamine",
                              dtype=str, header=None, keep_default_na=False)
    except Exception as exc:  # calamine raises several types for broken or missing workbooks
        where = f"（工作表 {sheet}）" if sheet is not None else ""
        raise PipelineError(f"{path}{where}: 无法读取电子表格（{exc}）") from exc
    records = frame.to_numpy(dtype=object, na_value="").tolist()
    # calamine's cells are Rust strings, which cannot hold a lone surrogate (.xlsx "_xD800_" stays
    # text, an .xls UTF-16 one becomes U+FFFD)
    cells = [[_excel_cell(c) for c in rec] for rec in records]
    return _table(path, cells, None, False, any(REPLACEMENT in "".join(rec) for rec in cells))


def _excel_cell(cell) -> str:
    text = _clean(cell)
    # calamine renders integral numbers read as str as '12.0' in some versions; keep '12'
    if text.endswith(".0") and text[:-2].isdigit():
        return text[:-2]
    return text


def read_json(path: str, encoding: str | None = None) -> RawTable:
    with open(path, "rb") as fh:
        data = fh.read()
    text, used = _decode(path, data, encoding)
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PipelineError(f"{path}: JSON 格式错误（第{exc.lineno}行：{exc.msg}）") from exc
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise PipelineError(f"{path}: JSON 文件应为对象列表（[{{字段: 值}}, …]）")
    header: list[str] = []
    for item in items:  # union of keys, in first-seen order
        header.extend(k for k in item if k not in header)
    rows = [(i + 2, [_json_cell(item.get(k)) for k in header]) for i, item in enumerate(items)]
    rows = [(n, r) for n, r in rows if any(r)]
    header = [_shown(name) for name in header]  # after the lookups above, which need the keys
    # the text itself was decoded strictly; only an escape can have made a lone surrogate
    surrogates = _may_hold_surrogates(used, text) or _SURROGATE_ESCAPE.search(text) is not None
    replacement = REPLACEMENT in text or _REPLACEMENT_ESCAPE.search(text) is not None
    return RawTable(path, header, rows, used, surrogates=surrogates, replacement=replacement)


def _json_cell(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "；".join(_clean(v) for v in value)
    return _clean(value)


def read_file(path: str, *, encoding: str | None = None, sheet: str | int | None = None) -> RawTable:
    """Read any supported export; PipelineError (naming the file) if it cannot be read."""
    if not os.path.isfile(path):
        raise PipelineError(f"{path}: 文件不存在")
    ext = os.path.splitext(path)[1].lower()
    if ext == ".csv":
        return read_csv(path, encoding)
    if ext in (".xlsx", ".xls"):
        return read_excel(path, sheet)
    if ext == ".json":
        return read_json(path, encoding)
    raise PipelineError(f"{path}: 不支持的文件类型 {ext}（支持 {', '.join(EXTENSIONS)}）")
