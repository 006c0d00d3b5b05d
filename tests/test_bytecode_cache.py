"""Compiled templates shared by every family's Jinja environment (base.bytecode_cache)."""

from __future__ import annotations

import jinja2

from plugins.gongshi.base import bytecode_cache
from plugins.gongshi.render_cache import SETTING


def _env(folder, settings, **options):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True, **options)
    env.bytecode_cache = bytecode_cache(settings, env)
    return env


def test_environments_with_other_syntax_options_do_not_share_code(tmp_path):
    (tmp_path / "t.html").write_text("{% if x %}\n  <b>{{ x }}</b>\n{% endif %}\n", encoding="utf-8")
    for settings in ({}, {SETTING: str(tmp_path / "cache")}):
        plain = _env(tmp_path, settings).get_template("t.html").render(x="&")
        trimmed = _env(tmp_path, settings, trim_blocks=True, lstrip_blocks=True).get_template("t.html").render(x="&")
        assert plain == "\n  <b>&amp;</b>\n"
        assert trimmed == "  <b>&amp;</b>\n"
        # and a second environment with the same options gets the same (cached) code
        assert _env(tmp_path, settings).get_template("t.html").render(x="&") == plain


def test_an_edited_template_is_compiled_again(tmp_path):
    settings = {SETTING: str(tmp_path / "cache")}
    (tmp_path / "t.html").write_text("one {{ x }}", encoding="utf-8")
    assert _env(tmp_path, settings).get_template("t.html").render(x=1) == "one 1"
    assert list((tmp_path / "cache" / "jinja").iterdir()), "compiled code was not kept"
    (tmp_path / "t.html").write_text("two {{ x }}", encoding="utf-8")
    assert _env(tmp_path, settings).get_template("t.html").render(x=1) == "two 1"
    assert _env(tmp_path, {}).get_template("t.html").render(x=1) == "two 1"
