"""Staff report of one publish run: an HTML page written next to the releases, never inside one.

It lists what the release changed (pipeline.changes), every quarantined row (file, row, field,
reason) and every row warning (a cell imported but cleaned or damaged upstream), so staff can fix
the export. It is not part of the public site: it may name record ids of
withdrawn decisions and file names of the exports. Autoescape is on; nothing is marked safe.
"""

from __future__ import annotations

import os

from jinja2 import Environment

from pipeline.changes import REASON_LABELS, ChangeSummary

_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="robots" content="noindex">
<title>发布报告 {{ build_id or "" }}</title>
</head>
<body>
<h1>发布报告{% if build_id %} {{ build_id }}{% endif %}</h1>
<dl>
  <dt>结果</dt><dd>{{ "已发布" if ok else "发布失败，线上网站未改变" }}</dd>
  {% if error %}<dt>原因</dt><dd>{{ error }}</dd>{% endif %}
  <dt>数据日期（as-of）</dt><dd>{{ as_of }}</dd>
  <dt>数据来源</dt><dd>{{ source }}</dd>
  {% if reused %}<dt>说明</dt><dd>同一输入的版本已存在，直接切换</dd>{% endif %}
</dl>
{% if counts %}
<h2>各表记录数</h2>
<table>
<thead><tr><th>表</th><th>行数</th><th>公示</th><th>不公示</th><th>隔离</th></tr></thead>
<tbody>
{% for table, c in counts.items() %}
<tr><td>{{ table }}</td><td>{{ c.rows }}</td><td>{{ c.published }}</td><td>{{ c.withheld }}</td><td>{{ c.quarantined }}</td></tr>
{% endfor %}
</tbody>
</table>
{% endif %}
{% if changes %}
<h2>变更摘要（{{ changes.old_as_of or "无上一版本" }} → {{ changes.new_as_of }}）</h2>
{% if changes.empty %}<p>与线上版本相比无变化。</p>{% endif %}
{% for t in changes.tables if not t.empty %}
<section>
<h3>{{ t.table }}：新增 {{ t.added|length }}，变更 {{ t.changed|length }}，删除 {{ t.removed|length }}</h3>
{% if t.added %}<h4>新增</h4><ul>{% for i in t.added %}<li>{{ i }}</li>{% endfor %}</ul>{% endif %}
{% if t.changed %}<h4>变更</h4><ul>{% for i in t.changed %}<li>{{ i }}</li>{% endfor %}</ul>{% endif %}
{% for reason, ids in t.removed_by_reason().items() %}
<h4>删除：{{ reason_labels.get(reason, reason) }}（{{ reason }}）</h4>
<ul>{% for i in ids %}<li>{{ i }}</li>{% endfor %}</ul>
{% endfor %}
</section>
{% endfor %}
{% endif %}
{% macro row_table(entries) %}
<table>
<thead><tr><th>表</th><th>文件</th><th>行</th><th>字段</th><th>原因</th></tr></thead>
<tbody>
{% for e in entries %}
<tr><td>{{ e.table }}</td><td>{{ e.file }}</td><td>{{ e.row }}</td><td>{{ e.field }}</td><td>{{ e.reason }}</td></tr>
{% endfor %}
</tbody>
</table>
{% endmacro %}
<h2>隔离的数据行（{{ quarantine|length }}）</h2>
{% if quarantine %}
{{ row_table(quarantine) }}
{% else %}
<p>没有隔离的数据行。</p>
{% endif %}
{% if warnings %}
<h2>需要核对的单元格（{{ warnings|length }}）</h2>
<p>这些单元格已照常导入（不可见字符已删除，替换字符 U+FFFD 照原样保留），请在源数据中修正。</p>
{{ row_table(warnings) }}
{% endif %}
{% if problems %}
<h2>阻止发布的问题（{{ problems|length }}）</h2>
<ul>{% for p in problems %}<li>{{ p }}</li>{% endfor %}</ul>
{% endif %}
</body>
</html>
"""

_ENV = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _rows(items) -> list[dict]:
    """Quarantine entries (or row warnings) as dicts with the five columns, whatever shape the
    report gave them."""
    rows = []
    for item in items or []:
        data = item if isinstance(item, dict) else getattr(item, "__dict__", {})
        rows.append({k: data.get(k, "") for k in ("table", "file", "row", "field", "reason")})
    return rows


def render_report(*, build_id: str | None, ok: bool, as_of: str, source: str,
                  changes: ChangeSummary | None = None, quarantine=(), counts: dict | None = None,
                  error: str | None = None, problems=(), reused: bool = False, warnings=()) -> str:
    return _ENV.from_string(_TEMPLATE).render(
        build_id=build_id, ok=ok, as_of=as_of, source=source, changes=changes,
        quarantine=_rows(quarantine), counts=counts or {}, error=error, problems=list(problems),
        reused=reused, reason_labels=REASON_LABELS, warnings=_rows(warnings))


def write_report(path: str, **kwargs) -> str:
    """Render and write the report (atomically, so a reader never sees half a page)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".part"
    # backslashreplace: a source path that is not UTF-8 (lone surrogates from the file system)
    # shows as its \udcXX escape instead of failing the report
    with open(tmp, "w", encoding="utf-8", errors="backslashreplace") as fh:
        fh.write(render_report(**kwargs))
    os.replace(tmp, path)
    return path
