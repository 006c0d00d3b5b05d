"""The render's shortcuts give exactly what plain Jinja gives: the prebuilt navigation, the
dict-first attribute lookup and the inlined summary rows."""

from __future__ import annotations

import collections
import os
import sys

import jinja2
import pytest

from conftest import REPO

sys.path.insert(0, os.path.join(REPO, "plugins"))
from gongshi import jinja_helpers  # noqa: E402


def _env(**options):
    return jinja2.Environment(trim_blocks=True, lstrip_blocks=True, autoescape=True, **options)


def test_nav_html_is_the_loop_it_replaces():
    links = [("agencies", "执法主体"), ("search", 'a<b>&"c\'')]
    env = _env()
    env.globals["url"] = jinja_helpers.urls.url_for
    loop = env.from_string('{% for kind, label in nav_links %}\n'
                           '      <li><a href="{{ url(kind) }}">{{ label }}</a></li>\n'
                           '    {% endfor %}\n')
    assert jinja_helpers.nav_html(links) == loop.render(nav_links=links)
    assert "&lt;b&gt;&amp;&#34;c&#39;" in jinja_helpers.nav_html(links)


def test_head_assets_are_the_lines_they_replace(tmp_path):
    static = tmp_path / "static"
    for rel, data in (("css/site.css", b"body{}"), ("css/print.css", b"p{}"), ("js/site.js", b"1")):
        (static / rel).parent.mkdir(parents=True, exist_ok=True)
        (static / rel).write_bytes(data)
    env = _env()
    env.globals["asset"] = asset = jinja_helpers.AssetUrls(str(tmp_path), prefix='t"<&>')
    lines = env.from_string(
        "<title>x</title>\n"
        "<link rel=\"stylesheet\" href=\"{{ asset('css/site.css') }}\">\n"
        "<link rel=\"stylesheet\" href=\"{{ asset('css/print.css') }}\" media=\"print\">\n"
        "<script src=\"{{ asset('js/site.js') }}\"></script>\n"
        "{% block head %}{% endblock %}\n")
    short = env.from_string("<title>x</title>\n{{ head_assets }}\n{% block head %}{% endblock %}\n")
    assert short.render(head_assets=jinja_helpers.head_assets(asset)) == lines.render()
    assert "&#34;&lt;&amp;&gt;" in lines.render()


class _Obj:
    name = "attr"

    def __getitem__(self, key):
        return "item"


@pytest.mark.parametrize("obj, attribute", [
    ({"name": "x"}, "name"),
    ({"name": None}, "name"),
    ({}, "missing"),
    ({"items": "a key"}, "items"),          # a dict method wins over a key, as in Jinja
    ({"get": 1}, "get"),
    ({"values": 1}, "values"),
    ({"__class__": 1}, "__class__"),
    (collections.OrderedDict(name="o"), "name"),  # not a plain dict: Jinja's own path
    (collections.defaultdict(int), "name"),
    (_Obj(), "name"),
    (_Obj(), "other"),
    ("text", "upper"),
    (None, "name"),
])
def test_dict_first_getattr_equals_jinja(obj, attribute):
    plain, fast = _env(), _env()
    fast.getattr = jinja_helpers.dict_first_getattr(fast)
    expected, got = plain.getattr(obj, attribute), fast.getattr(obj, attribute)
    if isinstance(expected, jinja2.Undefined):
        assert type(got) is type(expected) and str(got) == str(expected) == ""
        assert got._undefined_name == expected._undefined_name and got._undefined_obj is obj
    else:
        assert got == expected and type(got) is type(expected)


def test_dict_first_getattr_in_templates():
    template = "{{ r.name }}|{{ r.missing }}|{{ r.items()|list|length }}|{{ r.x.y is defined }}"
    fast = _env()
    fast.getattr = jinja_helpers.dict_first_getattr(fast)
    data = {"name": "<b>", "x": {"y": 1}}
    assert fast.from_string(template).render(r=data) == _env().from_string(template).render(r=data)
    strict = _env(undefined=jinja2.StrictUndefined)
    strict.getattr = jinja_helpers.dict_first_getattr(strict)
    with pytest.raises(jinja2.UndefinedError):
        strict.from_string("{{ r.missing }}").render(r={})
