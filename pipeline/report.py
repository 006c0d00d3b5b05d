"""The pull report: what was read, published, withheld (why), quarantined (where) and which cells
staff must check although their rows were used (row warnings), as JSON for machines and a short
summary for the staff member at the terminal."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from pipeline.errors import PipelineError
from pipeline.tables import TABLE_ORDER

# Staff-facing names of withheld reasons (pipeline.rules reason codes + the pipeline's own).
REASON_LABELS = {
    "natural_person": "自然人（不公开）", "simple_procedure": "简易程序", "warning_only": "仅警告",
    "minor_severity": "轻微失信", "not_yet_public": "尚未到公示日期", "expired": "公示期满",
    "withdrawn": "已撤回（另发撤回公告）", "repaired": "已信用修复", "secret": "涉密",
    "minor_party": "当事人为未成年人", "invalid": "已无效", "removed_expired": "移出公告期满",
    "certificate_expired": "执法证已过期", "duplicate": "完全相同的重复行（已合并）",
    "not_exported_strict": "严格模式：因有隔离行，本次未写出",
}


@dataclass
class Report:
    as_of: str
    source: str
    tables: dict[str, dict] = field(default_factory=dict)
    unknown_columns: dict[str, list[str]] = field(default_factory=dict)  # file -> headers
    ignored_files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    strict: bool = False
    exported: bool = False
    content_dir: str | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage; not in the JSON
    cpu_timings: dict[str, float] = field(default_factory=dict)  # CPU seconds (incl. workers)

    @property
    def quarantined_count(self) -> int:
        return sum(len(t["quarantined"]) for t in self.tables.values())

    @property
    def ok(self) -> bool:
        """False only when --strict and some row was quarantined (the run then exports nothing)."""
        return not (self.strict and self.quarantined_count)

    def add_table(self, state) -> None:
        self.tables[state.name] = {
            "rows": state.rows, "published": state.published,
            "withheld": dict(sorted(state.withheld.items())),
            "quarantined": [q.to_dict() for q in sorted(state.quarantined, key=lambda q: (q.file, q.row))],
            # row warnings (pipeline.validate.rows_to_records): where, what kind, why; at most
            # MAX_WARNINGS_PER_FILE one by one per file, then one entry per field and kind
            "warnings": [w.to_dict() for w in sorted(state.warned, key=lambda w: (w.file, w.row))],
        }

    def check_arithmetic(self) -> None:
        """rows = published + withheld + quarantined for every table, or the run fails loudly."""
        for name, t in self.tables.items():
            accounted = t["published"] + sum(t["withheld"].values()) + len(t["quarantined"])
            if accounted != t["rows"]:
                raise PipelineError(
                    f"报告核对失败（程序错误）：表 {name} 读入 {t['rows']} 行，但公开 {t['published']} + "
                    f"不公开 {sum(t['withheld'].values())} + 隔离 {len(t['quarantined'])} = {accounted}")

    def to_dict(self) -> dict:
        return {"as_of": self.as_of, "source": self.source, "ok": self.ok, "strict": self.strict,
                "exported": self.exported, "tables": self.tables,
                "unknown_columns": self.unknown_columns, "ignored_files": self.ignored_files,
                "warnings": self.warnings}

    def write(self, path: str) -> None:
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        # backslashreplace: a file or folder name that is not UTF-8 (os.listdir gives it with lone
        # surrogates) is written as its \udcXX escape, which is valid JSON, instead of failing
        with open(path, "w", encoding="utf-8", errors="backslashreplace") as fh:
            json.dump(self.to_dict(), fh, ensure_ascii=False, indent=2, sort_keys=False)
            fh.write("\n")

    def summary(self, max_quarantined: int = 20, max_warnings: int = 20) -> str:
        """Readable summary: one line per table, then what staff should look at."""
        lines = [f"数据日期 as-of {self.as_of}，来源 {self.source}",
                 f"{'表':<16}{'读入':>7}{'公开':>7}{'不公开':>7}{'隔离':>7}"]
        for name in TABLE_ORDER:
            t = self.tables.get(name)
            if not t or not t["rows"]:
                continue
            lines.append(f"{name:<16}{t['rows']:>8}{t['published']:>8}{sum(t['withheld'].values()):>8}"
                         f"{len(t['quarantined']):>8}")
            for reason, count in t["withheld"].items():
                lines.append(f"    不公开：{REASON_LABELS.get(reason, reason)} {count}")
        quarantined = [q for name in TABLE_ORDER for q in self.tables.get(name, {}).get("quarantined", [])]
        if quarantined:
            lines.append(f"隔离的行（共 {len(quarantined)} 行，请修正导出文件后重新导入）：")
            lines += _run_lines(quarantined, max_quarantined, "行")
        warned = [w for name in TABLE_ORDER for w in self.tables.get(name, {}).get("warnings", [])]
        if warned:
            lines.append(f"需要核对的单元格（共 {len(warned)} 条警告；除上面隔离的行外照常导入，请在源数据中修正）：")
            # by column and kind, so the same warning on consecutive rows of a column is one line
            lines += _run_lines(sorted(warned, key=lambda w: (w["file"], w["field"], w["kind"], w["row"])),
                                max_warnings, "条")
        for path, columns in sorted(self.unknown_columns.items()):
            lines.append(f"未识别的列（未使用）{path}：{'、'.join(columns)}"
                         f" —— 如需使用，请在来源配置的 columns 中映射")
        for path in self.ignored_files:
            lines.append(f"已忽略的文件（文件名不是表名）：{path}")
        lines.extend(f"注意：{w}" for w in self.warnings)
        if not self.ok:
            lines.append("严格模式（--strict）：存在隔离的行，本次未写出任何内容。")
        # printed to stdout (strict UTF-8): a non-UTF-8 file name shown as its escape, as in write()
        return "\n".join(lines).encode("utf-8", "backslashreplace").decode("utf-8")


def _runs(quarantined: list[dict]) -> list[tuple[int, int, dict]]:
    """Consecutive rows of one file with the same field and reason (e.g. every event of one
    quarantined case) become one line: (first row, last row, entry)."""
    runs: list[tuple[int, int, dict]] = []
    for q in quarantined:
        if runs:
            first, last, prev = runs[-1]
            if (prev["file"], prev["field"], prev["reason"]) == (q["file"], q["field"], q["reason"]) \
                    and q["row"] == last + 1:
                runs[-1] = (first, q["row"], prev)
                continue
        runs.append((q["row"], q["row"], q))
    return runs


def _run_lines(entries: list[dict], limit: int, unit: str) -> list[str]:
    """The summary's lines for quarantined rows or row warnings: one per run (_runs), at most
    `limit`, then how many more (`unit`: 行 or 条) only the JSON report lists."""
    groups = _runs(entries)
    lines = []
    for first, last, entry in groups[:limit]:
        rows = f"第{first}行" if first == last else f"第{first}–{last}行（{last - first + 1} 行）"
        lines.append(f"    {entry['file']} {rows} 字段“{entry['field']}”：{entry['reason']}")
    if len(groups) > limit:
        rest = sum(last - first + 1 for first, last, _ in groups[limit:])
        lines.append(f"    …… 其余 {rest} {unit}见 JSON 报告")
    return lines
