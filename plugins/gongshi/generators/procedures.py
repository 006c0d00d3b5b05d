"""办理程序: one page per standard procedure with steps, time limits, rights, remedies and a
flowchart (inline SVG built here from the steps, every text escaped) next to the same steps as a
text list."""

from __future__ import annotations

from markupsafe import Markup, escape

from ..base import FamilyGenerator
from .. import urls

BOX_W, BOX_H, GAP, MARGIN = 300, 56, 28, 10


def flowchart_svg(steps: list[dict], title: str) -> Markup:
    """A vertical chart, one box per step (name + time limit), arrows between boxes.

    Trusted markup made here: the only data inside are escaped step texts."""
    height = MARGIN * 2 + len(steps) * BOX_H + max(0, len(steps) - 1) * GAP
    width = BOX_W + MARGIN * 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" aria-labelledby="flowchart-title" focusable="false">',
             f'<title id="flowchart-title">{escape(title)}流程图（文字版见下方步骤列表）</title>']
    cx = width // 2
    for i, step in enumerate(steps):
        y = MARGIN + i * (BOX_H + GAP)
        box = "box box-optional" if step.get("optional") else "box"  # dashed: only in some cases
        parts.append(f'<rect class="{box}" x="{MARGIN}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6"/>')
        limit = step.get("time_limit")
        name_y = y + (22 if limit else 34)
        parts.append(f'<text class="label" x="{cx}" y="{name_y}" text-anchor="middle">'
                     f'{i + 1}. {escape(_clip(step.get("name") or "", 12))}'
                     f'{"（视情况）" if step.get("optional") else ""}</text>')
        if limit:
            parts.append(f'<text class="limit" x="{cx}" y="{y + 44}" text-anchor="middle">'
                         f'期限：{escape(_clip(str(limit), 20))}</text>')
        if i < len(steps) - 1:
            y1, y2 = y + BOX_H, y + BOX_H + GAP
            parts.append(f'<line class="arrow" x1="{cx}" y1="{y1}" x2="{cx}" y2="{y2 - 8}"/>')
            parts.append(f'<path class="arrowhead" d="M{cx - 6} {y2 - 9} L{cx + 6} {y2 - 9} L{cx} {y2} Z"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ProcedureGenerator(FamilyGenerator):
    family = "procedures"
    nav = (30, "procedures", "办理程序")

    def generate_output(self, writer):
        store = self.store
        procedures = store.records("procedures")
        home = [("首页", "/")]
        matter_counts = {pid: len(items) for pid, items in store.group_by("matters", "procedure_id").items()}
        self.write(writer, urls.path_for("procedures"), "procedures.html", title="办理程序",
                   breadcrumbs=home, procedures=procedures, matter_counts=matter_counts)
        crumbs = home + [("办理程序", urls.url_for("procedures"))]
        for procedure in procedures:
            steps = procedure.get("steps") or []
            self.write(writer, urls.path_for("procedure", procedure["id"]), "procedure.html",
                       title=procedure["name"], breadcrumbs=crumbs, procedure=procedure,
                       steps=steps, remedies=_as_items(procedure.get("remedies")),
                       rights=_as_items(procedure.get("rights")),
                       flowchart=flowchart_svg(steps, procedure["name"]) if steps else None)


def _as_items(value) -> list[dict]:
    """Rights/remedies as [{name, description, time_limit, citations}], plain strings accepted."""
    items = value if isinstance(value, list) else ([value] if value else [])
    return [item if isinstance(item, dict) else {"name": str(item)} for item in items]


GENERATORS = [ProcedureGenerator]
