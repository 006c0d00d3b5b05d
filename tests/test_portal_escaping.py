"""An HTML/script payload planted in every text field of the content YAML comes out escaped."""

from __future__ import annotations

import importlib
import os
import shutil
import sys

import yaml
from markupsafe import Markup

from conftest import FIXTURE_CONTENT
from pipeline.linkcheck import html_files

PAYLOAD = '<script>alert(1)</script><img src=x onerror="alert(2)"><svg onload=alert(3)>&amp;'
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
# fields that are identifiers or machine values: the pipeline guarantees their shape
NOT_TEXT = {"id", "anchor", "law_id", "category_slug", "area_slug", "kind", "procedure_id",
            "case_id", "decision_id", "matter_id", "agency_id", "article", "paragraph", "item"}


def _plant(value, key=None):
    """Append the payload to every string that is free text (dates included: a bad date must still
    render as escaped text)."""
    if isinstance(value, dict):
        return {k: _plant(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_plant(v, key) for v in value]
    if isinstance(value, str) and key not in NOT_TEXT:
        return value + PAYLOAD
    return value


def _plant_tree(src: str, dst: str) -> None:
    shutil.copytree(src, dst)
    for dirpath, _, names in os.walk(dst):
        for name in names:
            if name.endswith(".yaml") and name != "site.yaml":
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as fh:
                    data = yaml.safe_load(fh)
                with open(path, "w", encoding="utf-8") as fh:
                    yaml.safe_dump(_plant(data), fh, allow_unicode=True, sort_keys=False)


def test_payload_in_every_field_is_escaped(tmp_path, render_content):
    content = str(tmp_path / "content")
    _plant_tree(FIXTURE_CONTENT, content)
    out = render_content(content)
    escaped_in = set()
    for rel in html_files(out):
        with open(os.path.join(out, rel), encoding="utf-8") as fh:
            html = fh.read()
        for raw in ("<script>alert", "<img src=x", "<svg onload", 'onerror="alert'):
            assert raw not in html, (rel, raw)
        if ESCAPED in html:
            escaped_in.add(rel.split(os.sep)[0])
    # the payload really reached every record family (and was shown, escaped)
    assert {"agencies", "matters", "penalties", "permits", "withdrawals", "procedures"} <= escaped_in


def test_flowchart_svg_escapes_step_text():
    sys.path.insert(0, os.path.join(os.path.dirname(FIXTURE_CONTENT), "..", "..", "plugins"))
    procedures = importlib.import_module("gongshi.generators.procedures")
    svg = procedures.flowchart_svg([{"name": "<script>立案", "time_limit": "<b>7日</b>"},
                                    {"name": "决定", "optional": True}], "<i>程序</i>")
    assert isinstance(svg, Markup)
    assert "<script>" not in svg and "<b>" not in svg and "<i>" not in svg
    assert "&lt;script&gt;" in svg and "box-optional" in svg
