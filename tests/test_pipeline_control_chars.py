"""A control character in an export (copy-paste debris: U+0001, a vertical tab, DEL) must not
reach what is published: XML 1.0 cannot hold C0 controls, and one in a permit's party name made
the Atom feed writer fail the whole render. The pull removes them from text
(pipeline.normalise); the pages, feeds and sitemap stay well-formed."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from conftest import REPO

EXPORTS = os.path.join(REPO, "tests", "fixtures", "exports")
AS_OF = dt.date(2024, 6, 30)  # the fixture exports' date: their decisions are published
SECRET = "control-chars-test-secret-0123456789abcdef"
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _plant(exports: str) -> str:
    """Control characters inside the first permit's party name and content; returns the name."""
    path = os.path.join(exports, "permits.json")
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    items = data if isinstance(data, list) else next(v for v in data.values() if isinstance(v, list))
    name_key = next(k for k in items[0] if "相对人名称" in k)
    content_key = next(k for k in items[0] if "内容" in k)
    name = items[0][name_key]
    items[0][name_key] = name[:2] + "\x01" + name[2:] + "\x7f"
    items[0][content_key] = "\x0b" + items[0][content_key] + "\x1f\x85"
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
    return name


@pytest.fixture(scope="module")
def control_site(tmp_path_factory):
    from pipeline.pull import pull
    from pipeline.render import render_site

    root = tmp_path_factory.mktemp("controls")
    exports = root / "exports"
    shutil.copytree(EXPORTS, exports)
    name = _plant(str(exports))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GONGSHI_CODE_SECRET", SECRET)
        pull(str(exports), as_of=AS_OF, content_dir=str(root / "content"),
             codes_path=str(root / "codes.csv"), progress=False)
    output = str(root / "output")
    # with the Atom feeds, as publishconf.py renders them
    render_site(str(root / "content"), output, settings_file=os.path.join(REPO, "pelicanconf.py"),
                codes_path=str(root / "codes.csv"), extra_settings={"GONGSHI_FEEDS": True})
    return {"root": root, "output": output, "name": name}


def test_the_party_is_published_without_the_control_characters(control_site):
    with open(os.path.join(control_site["output"], "permits", "index.html"), encoding="utf-8") as fh:
        assert control_site["name"] in fh.read()


def test_no_output_file_holds_a_control_character_and_the_xml_parses(control_site):
    output = control_site["output"]
    feeds = 0
    for folder, _, names in os.walk(output):
        for name in names:
            path = os.path.join(folder, name)
            if name.endswith((".html", ".json", ".csv", ".xml", ".atom")):
                with open(path, encoding="utf-8") as fh:
                    assert not CONTROLS.search(fh.read()), path
            if name.endswith((".xml", ".atom")):
                ET.parse(path)  # well-formed XML 1.0
                feeds += name.endswith(".atom")
    assert feeds >= 2  # the city-wide feeds at least
