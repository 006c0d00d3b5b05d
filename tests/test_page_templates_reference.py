"""The hot page templates (permit, penalty, matter) write their summary rows, tags and citations
inline or through Python helpers instead of macros (speed); here they are rendered against the
macro-based templates they replaced, on records with missing, empty, None, list and markup
values, and must give the same bytes."""

from __future__ import annotations

import itertools
import os
import random
import sys

import jinja2
import pytest

from conftest import REPO

sys.path.insert(0, os.path.join(REPO, "plugins"))
from gongshi import jinja_helpers  # noqa: E402

THEME = os.path.join(REPO, "theme", "templates")

CITATIONS_MACRO = '''
{% macro citations(items, fallback=None) %}
{% if items %}
<ul class="citations">
{% for c in items %}
  {% set href = citation_url(c) %}
  <li>
  {% if href %}<a href="{{ href }}">{{ c.raw }}</a>{% if not c.anchor %} <span class="note">（未找到该条文，链接到法规全文）</span>{% endif %}
  {% else %}{{ c.raw }} <span class="note">（本站未收录该法规文本，无法链接）</span>{% endif %}
  </li>
{% endfor %}
</ul>
{% elif fallback %}
<p>{{ fallback }}</p>
{% else %}
<p>—</p>
{% endif %}
{% endmacro %}
'''

# the former macros.html loops (pagination over every page, table rows in Jinja)
TABLE_MACROS = """{#- Page navigation for a listing written by FamilyGenerator.write_paginated. -#}
{% macro ref_pagination(pages, page) %}
{% if pages|length > 1 %}
<nav class="pagination" aria-label="分页">
  <ul>
  {% if page > 1 %}<li><a href="{{ pages[page - 2] }}" rel="prev">上一页</a></li>{% endif %}
  {% for href in pages %}
    {% set n = loop.index %}
    {% if n == 1 or n == pages|length or (n - page)|abs <= 2 %}
    <li>{% if n == page %}<span aria-current="page">第 {{ n }} 页</span>{% else %}<a href="{{ href }}">第 {{ n }} 页</a>{% endif %}</li>
    {% elif (n - page)|abs == 3 %}<li class="gap">…</li>{% endif %}
  {% endfor %}
  {% if page < pages|length %}<li><a href="{{ pages[page] }}" rel="next">下一页</a></li>{% endif %}
  </ul>
</nav>
{% endif %}
{% endmacro %}

{#- A table of penalties; `caption` is required (every table is captioned). -#}
{% macro ref_penalty_table(rows, caption, show_agency=True) %}
<div class="table-wrap">
<table class="data-table">
  <caption>{{ caption }}</caption>
  <thead><tr><th scope="col">决定书文号</th><th scope="col">当事人</th><th scope="col">处罚类别</th><th scope="col">罚款（元）</th>{% if show_agency %}<th scope="col">处罚机关</th>{% endif %}<th scope="col">决定日期</th></tr></thead>
  <tbody>
  {% for p in rows %}
    <tr>
      <td data-label="决定书文号"><a href="{{ url('penalty', p.id) }}">{{ p.decision_no }}</a></td>
      <td data-label="当事人">{{ p.party_name }}</td>
      <td data-label="处罚类别">{{ (p.kinds or [])|join('、') }}</td>
      <td data-label="罚款（元）" class="num">{{ p.fine_yuan|yuan|or_dash }}</td>
      {% if show_agency %}
      <td data-label="处罚机关">{{ p.agency_name }}</td>
      {% endif %}
      <td data-label="决定日期" class="date">{{ p.decision_date|zh_date }}</td>
    </tr>
  {% endfor %}
  </tbody>
</table>
</div>
{% endmacro %}

{% macro ref_permit_table(rows, caption, show_agency=True) %}
<div class="table-wrap">
<table class="data-table">
  <caption>{{ caption }}</caption>
  <thead><tr><th scope="col">决定文书号</th><th scope="col">行政相对人</th><th scope="col">许可类别</th>{% if show_agency %}<th scope="col">许可机关</th>{% endif %}<th scope="col">决定日期</th></tr></thead>
  <tbody>
  {% for p in rows %}
    <tr>
      <td data-label="决定文书号"><a href="{{ url('permit', p.id) }}">{{ p.decision_no }}</a></td>
      <td data-label="行政相对人">{{ p.party_name }}</td>
      <td data-label="许可类别">{{ p.category }}</td>
      {% if show_agency %}
      <td data-label="许可机关">{{ p.agency_name }}</td>
      {% endif %}
      <td data-label="决定日期" class="date">{{ p.decision_date|zh_date }}</td>
    </tr>
  {% endfor %}
  </tbody>
</table>
</div>
{% endmacro %}

"""

REFERENCE = {
    # catalogue_list.html before its rows went to table_rows.CatalogueRows
    "ref_catalogue_list.html": """{% extends "base.html" %}
{% import "macros.html" as m %}
{% block content %}
<h1>{{ title }}</h1>
<p>共 <strong class="figure">{{ total }}</strong> 项{% if pages|length > 1 %}，第 {{ page }} / {{ pages|length }} 页{% endif %}。每项列明重大情形、审核机构和审核依据；事项名称链接到对应的权责事项。</p>
<div class="table-wrap">
<table class="data-table catalogue-table">
  <caption>{{ title }}{% if pages|length > 1 %}（第 {{ page }} 页）{% endif %}</caption>
  <thead><tr><th scope="col">目录编号</th><th scope="col">事项名称</th><th scope="col">事项类别</th>{% if show_agency %}<th scope="col">实施主体</th>{% endif %}<th scope="col">重大情形</th><th scope="col">审核机构</th><th scope="col">审核依据</th></tr></thead>
  <tbody>
  {% for item in rows %}
    <tr id="{{ item.id }}">
      <td data-label="目录编号">{{ item.number }}</td>
      <td data-label="事项名称">{% if item.matter_id and item.matter_id in matters %}<a href="{{ matters[item.matter_id] }}">{{ item.name }}</a>{% else %}{{ item.name }}{% endif %}</td>
      <td data-label="事项类别">{{ item.category }}</td>
      {% if show_agency %}<td data-label="实施主体">{% if item.agency_id %}<a href="{{ agency_name.urls[item.agency_id] }}">{{ agency_name.names[item.agency_id] }}</a>{% else %}—{% endif %}</td>{% endif %}
      <td data-label="重大情形">{{ item.threshold|or_dash }}</td>
      <td data-label="审核机构">{{ item.review_office|or_dash }}</td>
      <td data-label="审核依据">{{ citations(item.citations, item.review_basis) }}</td>
    </tr>
  {% endfor %}
  </tbody>
</table>
</div>
{{ m.pagination(pages, page) }}
{% endblock %}
""",
    "ref_permit.html": '''{% extends "base.html" %}
{% import "ref_macros.html" as m %}
{% block content %}
{% set p = record %}
<h1>{{ title }}</h1>
<p>{{ m.tag(p.category) }} {% if p.status %}{{ m.tag(p.status, "grey") }}{% endif %}</p>
{% set agency_link %}{% if agency %}<a href="{{ url('agency', agency.id) }}">{{ p.agency_name or agency.name }}</a>{% else %}{{ p.agency_name }}{% endif %}{% endset %}
<h2>行政相对人</h2>
{{ m.summary([
  ("行政相对人名称", p.party_name), ("行政相对人类别", p.party_kind),
  ("统一社会信用代码", p.party_credit_code), ("法定代表人", p.legal_rep)]) }}
<h2>许可决定</h2>
{{ m.summary([
  ("行政许可决定文书名称", p.decision_name), ("行政许可决定文书号", p.decision_no),
  ("许可类别", p.category), ("许可证书名称", p.certificate_name), ("许可编号", p.license_no),
  ("许可内容", p.content), ("许可决定日期", p.decision_date|zh_date),
  ("有效期自", p.valid_from|zh_date), ("有效期至", p.valid_until|zh_date),
  ("许可机关", agency_link), ("许可机关统一社会信用代码", p.agency_credit_code),
  ("当前状态", p.status), ("数据来源单位", p.source_unit), ("备注", p.note)]) }}
<p class="notice">对公示内容有异议，请联系许可机关{% if agency and agency.phone_consult %}（咨询电话 {{ agency.phone_consult }}）{% endif %}。</p>
{% endblock %}
''',
    "ref_penalty.html": '''{% extends "base.html" %}
{% import "ref_macros.html" as m %}
{% block content %}
{% set p = record %}
<h1>{{ title }}</h1>
<p>{% for k in p.kinds or [] %}{{ m.tag(k) }} {% endfor %}{% if p.status %}{{ m.tag(p.status, "grey") }}{% endif %}</p>
{% set agency_link %}{% if agency %}<a href="{{ url('agency', agency.id) }}">{{ p.agency_name or agency.name }}</a>{% else %}{{ p.agency_name }}{% endif %}{% endset %}
{% set fine %}{% if p.fine_yuan is not none %}{{ p.fine_yuan|yuan }} 元（{{ p.fine_wan }} 万元）{% endif %}{% endset %}
{% set confiscation %}{% if p.confiscation_yuan is not none %}{{ p.confiscation_yuan|yuan }} 元（{{ p.confiscation_wan }} 万元）{% endif %}{% endset %}
<h2>当事人</h2>
{{ m.summary([
  ("行政相对人名称", p.party_name), ("行政相对人类别", p.party_kind),
  ("统一社会信用代码", p.party_credit_code), ("法定代表人", p.legal_rep)]) }}
<h2>处罚决定</h2>
{{ m.summary([
  ("行政处罚决定书文号", p.decision_no), ("违法行为类型", p.violation_type), ("违法事实", p.facts),
  ("处罚依据", p.basis_text), ("处罚类别", (p.kinds or [])|join("、")), ("处罚内容", p.content),
  ("罚款金额", fine), ("没收违法所得、没收非法财物的金额", confiscation),
  ("暂扣或吊销证照名称及编号", p.license_affected),
  ("处罚决定日期", p.decision_date|zh_date), ("处罚有效期", p.valid_until|zh_date),
  ("公示截止期", p.publish_until|zh_date), ("处罚机关", agency_link),
  ("处罚机关统一社会信用代码", p.agency_credit_code), ("数据来源单位", p.source_unit), ("备注", p.note)]) }}

<h2>法律依据</h2>
{{ m.citations(p.citations, p.basis_text) }}

{% from "partials/legal_review.html" import legal_review %}{{ legal_review(p) }}

{% if matter %}
<h2>对应的权责事项</h2>
<p><a href="{{ url('matter', matter.id) }}">{{ matter.name }}</a></p>
{% endif %}
<p class="notice">本决定公示至 {{ p.publish_until|zh_date or "—" }}。对公示内容有异议，请联系处罚机关{% if agency and agency.phone_consult %}（咨询电话 {{ agency.phone_consult }}）{% endif %}。</p>
{% endblock %}
''',
    "ref_matter.html": '''{% extends "base.html" %}
{% import "ref_macros.html" as m %}
{% block content %}
<h1>{{ title }}</h1>
<p>{{ m.tag(matter.category) }} <span class="count">事项编码 {{ matter.code }}</span></p>
{% set agency_link %}{% if agency %}<a href="{{ url('agency', agency.id) }}">{{ agency.name }}</a>{% endif %}{% endset %}
{% set procedure_link %}{% if procedure %}<a href="{{ url('procedure', procedure.id) }}">{{ procedure.name }}</a>{% endif %}{% endset %}
{{ m.summary([
  ("事项名称", matter.name), ("事项编码", matter.code), ("事项类别", matter.category),
  ("实施主体", agency_link if agency else matter.agency_id),
  ("办理程序", procedure_link if procedure else matter.procedure_id),
  ("法定期限", matter.time_limit_legal), ("承诺期限", matter.time_limit_promised),
  ("收费依据及标准", matter.fee), ("救济途径", matter.remedy), ("监督电话", matter.phone_supervise)]) }}

<h2>设定依据</h2>
{{ m.citations(matter.citations, matter.basis_text) }}

{% if major_decisions and has_family("catalogue") %}
<h2>重大执法决定法制审核</h2>
<p>本事项有下列情形的，作出决定前须经法制审核：</p>
<ul>
{% for z in major_decisions %}
  <li>{% if z.agency_id %}<a href="{{ url('catalogue_by_agency', z.agency_id, anchor=z.id) }}">{{ z.threshold or z.name }}</a>{% else %}{{ z.threshold or z.name }}{% endif %}</li>
{% endfor %}
</ul>
{% endif %}

{% if decisions %}
<h2>依据本事项作出的行政处罚</h2>
{{ m.penalty_table(decisions, "最近公示的 " ~ decisions|length ~ " 件（共 " ~ decision_count ~ " 件）") }}
{% endif %}
{% endblock %}
''',
}


class _Law:
    def __init__(self, id, articles):
        self.id, self.articles = id, dict.fromkeys(articles)


class _Store:
    site = {"as_of": "2026-11-20", "demo": True}
    build_id = "abc"

    class library:
        laws = [_Law("law-1", [1, 2, 3])]


@pytest.fixture(scope="module")
def env():
    with open(os.path.join(THEME, "macros.html"), encoding="utf-8") as fh:
        ref_macros = fh.read() + CITATIONS_MACRO + TABLE_MACROS
    loader = jinja2.ChoiceLoader([jinja2.DictLoader({**REFERENCE, "ref_macros.html": ref_macros}),
                                  jinja2.FileSystemLoader(THEME)])
    env = jinja2.Environment(loader=loader, trim_blocks=True, lstrip_blocks=True, autoescape=True)
    jinja_helpers.install(env, {"THEME": os.path.join(REPO, "theme")}, _Store())
    return env


MISSING = object()
VALUES = [MISSING, None, "", "文本", "<b>&\"'", ["甲", "<乙>"], [], 0, 12345, "2024-03-05"]
KINDS = [MISSING, None, [], ["罚款", "<警告>"]]
CITATIONS = [MISSING, None, [],
             [{"law_id": "law-1", "article": 2, "raw": "《法》第二条", "anchor": "art-2"},
              {"law_id": "law-1", "article": 9, "raw": "<i>第九条</i>"},
              {"law_id": "law-x", "article": 1, "raw": "《未收录》第一条"}, {"raw": None}]]


def _records(fields: list[str], seed: int, count: int = 60) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        record = {"id": f"r-{i}"}
        for name in fields:
            value = rng.choice(CITATIONS if name == "citations" else KINDS if name == "kinds" else VALUES)
            if value is not MISSING:
                record[name] = value
        out.append(record)
    return out


AGENCIES = [None, {"id": "a1", "name": "某局<>", "phone_consult": "0532-1"}, {"id": "a2", "name": None}]

PERMIT_FIELDS = ["party_name", "party_kind", "party_credit_code", "legal_rep", "decision_name",
                 "decision_no", "category", "certificate_name", "license_no", "content",
                 "decision_date", "valid_from", "valid_until", "agency_name", "agency_credit_code",
                 "status", "source_unit", "note"]
PENALTY_FIELDS = PERMIT_FIELDS + ["kinds", "violation_type", "facts", "basis_text", "fine_yuan",
                                  "fine_wan", "confiscation_yuan", "confiscation_wan",
                                  "license_affected", "publish_until", "citations", "major",
                                  "legal_review_before_decision"]
MATTER_FIELDS = ["name", "code", "category", "agency_id", "procedure_id", "time_limit_legal",
                 "time_limit_promised", "fee", "remedy", "phone_supervise", "citations", "basis_text"]


def _same(env, template: str, variables: dict) -> None:
    page = {"SITENAME": "某市公示", "title": "标题<>", "breadcrumbs": [("首页", "/")], **variables}
    expected = env.get_template(f"ref_{template}").render(page)
    assert env.get_template(template).render(page) == expected


def test_permit_page_equals_the_macro_version(env):
    for record, agency in itertools.product(_records(PERMIT_FIELDS, 1), AGENCIES):
        _same(env, "permit.html", {"record": record, "agency": agency})


def test_penalty_page_equals_the_macro_version(env):
    matters = [None, {"id": "m1", "name": "事项<>"}]
    for record, agency, matter in itertools.product(_records(PENALTY_FIELDS, 2), AGENCIES, matters):
        for key in ("fine_yuan", "confiscation_yuan"):  # always written, a number or null
            if not isinstance(record.get(key), int) or key not in record:
                record[key] = None if len(record) % 2 else 2000
        _same(env, "penalty.html", {"record": record, "agency": agency, "matter": matter})


def test_matter_page_equals_the_macro_version(env):
    procedures = [None, {"id": "p1", "name": "一般程序"}]
    majors = [[], [{"id": "z1", "agency_id": "a1", "threshold": "<十万元>"}, {"id": "z2", "name": "无主体"}]]
    decisions = [[], [{"id": "cf-1", "decision_no": "罚<1>", "party_name": "某公司", "kinds": ["罚款"],
                       "fine_yuan": 5000, "agency_name": "某局", "decision_date": "2025-01-02"}]]
    for record, agency, procedure, major, decided in itertools.product(
            _records(MATTER_FIELDS, 3, 30), AGENCIES, procedures, majors, decisions):
        _same(env, "matter.html", {"matter": record, "agency": agency, "procedure": procedure,
                                   "major_decisions": major, "decisions": decided,
                                   "decision_count": len(decided)})


@pytest.mark.parametrize("fallback", [MISSING, None, "", "依据<i>", 0])
def test_citations_helper_equals_the_macro(env, fallback):
    template = env.from_string('{% import "ref_macros.html" as m %}' +
                               ('[{{ m.citations(items) }}]' if fallback is MISSING else
                                '[{{ m.citations(items, fallback) }}]'))
    for items in CITATIONS + [[{"law_id": "law-1", "article": 3, "raw": "x", "anchor": ""}]]:
        items = None if items is MISSING else items
        got = jinja_helpers.CitationList(env.globals["citation_url"])(
            *([items] if fallback is MISSING else [items, fallback]))
        assert "[" + got + "]" == template.render(items=items, fallback=fallback)


def test_pagination_shows_the_same_numbers(env):
    template = env.from_string('{% import "ref_macros.html" as m %}'
                               '{{ m.pagination(pages, page) }}|{{ m.ref_pagination(pages, page) }}')
    for count in range(1, 25):
        pages = [f"/x/page/{n}/" for n in range(1, count + 1)]
        for page in range(1, count + 1):
            new, old = template.render(pages=pages, page=page).split("|")
            assert new == old


DECISIONS = [
    {"id": "cf-1", "decision_no": "罚<1>", "party_name": "某&公司", "kinds": ["罚款", "警告"],
     "fine_yuan": 5000, "agency_name": "某局", "decision_date": "2025-01-02", "category": "普通"},
    {"id": "cf-2", "decision_no": None, "party_name": "", "kinds": None, "fine_yuan": None,
     "agency_name": None, "decision_date": None, "category": None},
    {"id": "cf-3", "kinds": "罚款", "fine_yuan": 0, "decision_date": "不是日期"},
    {"id": "cf-\"4'", "decision_no": "x", "kinds": [], "fine_yuan": 1234567, "decision_date": "2026-11-20"},
]


@pytest.mark.parametrize("table", ["penalty_table", "permit_table"])
def test_decision_tables_equal_the_macro_loops(env, table):
    template = env.from_string('{% import "ref_macros.html" as m %}'
                               '{{ m.' + table + '(rows, "标题<>", show_agency=show) }}|'
                               '{{ m.ref_' + table + '(rows, "标题<>", show_agency=show) }}')
    for rows in ([], DECISIONS[:1], DECISIONS, DECISIONS[::-1]):
        for show in (True, False):
            new, old = template.render(rows=rows, show=show).split("|")
            assert new == old


@pytest.mark.parametrize("rows_global", ["penalty_rows", "permit_rows"])
def test_decision_rows_put_every_cell_on_its_own_indented_line(env, rows_global):
    # the body column once came out unindented and ran into the next cell's line
    for show in (True, False):
        lines = str(env.globals[rows_global](DECISIONS, show)).split("\n")
        assert lines[-1] == ""
        cells = [line for line in lines[:-1] if line not in ("    <tr>", "    </tr>")]
        assert len(cells) == len(DECISIONS) * (5 + show if rows_global == "penalty_rows" else 4 + show)
        assert all(line.startswith("      <td ") and line.endswith("</td>") and
                   line.count("<td ") == 1 for line in cells), cells


CATALOGUE_FIELDS = ["number", "name", "category", "matter_id", "agency_id", "threshold",
                    "review_office", "citations", "review_basis"]


def test_catalogue_list_equals_the_template_loop(env):
    from gongshi.generators.catalogue import AgencyNames

    items = _records(CATALOGUE_FIELDS, 4, 80)
    for i, item in enumerate(items):  # ids the listing can link: some known, some not
        for key, ids in (("matter_id", ["m1", "m<2>", "gone", None, MISSING]),
                         ("agency_id", ["a1", "a\"2", "", None, MISSING, "a1"])):
            item.pop(key, None)
            if ids[i % len(ids)] is not MISSING:
                item[key] = ids[i % len(ids)]
    agency_name = AgencyNames({"a1": {"name": "某局<>"}}, {"a\"2", ""})
    matters = {"m1": "/matters/m1/", "m<2>": "/matters/<2>/"}
    for show_agency, rows in itertools.product((True, False, None), (items, items[:1], [])):
        _same(env, "catalogue_list.html", {"rows": rows, "matters": matters, "total": len(rows),
                                           "agency_name": agency_name, "show_agency": show_agency,
                                           "page": 1, "pages": ["/c/", "/c/2/"][:1 + len(rows) % 2]})


def test_rows_are_kept_per_record_until_forgotten(env):
    from gongshi.table_rows import forget_rows

    rows = env.globals["penalty_rows"]
    record = dict(DECISIONS[0])
    first = rows([record, DECISIONS[1]])
    assert rows([DECISIONS[1], record]) == rows([DECISIONS[1]]) + rows([record])
    assert rows([record], False) != rows([record], True)  # with and without the body column
    record["party_name"] = "改名"  # families never do this while writing; forgetting starts over
    forget_rows(env)
    assert "改名" in rows([record]) and rows([record, DECISIONS[1]]) != first
    assert not rows._memo or all(entry[0] in (record, DECISIONS[1]) for entry in rows._memo.values())


def test_the_row_memo_starts_over_when_full(env, monkeypatch):
    from gongshi import table_rows

    monkeypatch.setattr(table_rows, "MEMO_ROWS", 3)
    rows = env.globals["permit_rows"]
    rows.forget()
    records = [dict(DECISIONS[0], id=f"cf-{i}") for i in range(7)]
    first = rows(records)
    assert len(rows._memo) <= 3
    assert rows(records) == first == "".join(rows([r]) for r in records)
