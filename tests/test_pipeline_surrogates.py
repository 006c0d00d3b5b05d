"""A JSON export can carry an escaped lone surrogate ("\\ud800"): json.loads gives a str with a
code point that is no character, which no UTF-8 file can hold and PyYAML refuses as an escape.
The pull must quarantine such a row with its file, row and field (never publish half a
character, never crash), and the render, search index, lookup, open data and leak gate must run
on what it publishes. CSV (UTF-8/GB18030 decoded strictly) and XLSX (calamine keeps "_xD800_"
as text) cannot produce one, so JSON is the way in."""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import shutil

import pytest
import yaml

from conftest import REPO

EXPORTS = os.path.join(REPO, "tests", "fixtures", "exports")
AS_OF = dt.date(2024, 6, 30)  # the fixture exports' date: their penalties are still published
SECRET = "surrogate-test-secret-0123456789abcdef"
EMOJI_PAIR = "\ud83d\ude00"   # a proper pair: json.loads joins it into U+1F600, which is fine
RARE = "\U00020bb7"           # 𠮷, a CJK Extension B character as rare names use: must stay


def _penalties_json(folder: str) -> None:
    """The fixture penalties.csv (GB18030) as a JSON export, with lone surrogates planted in row 5's
    违法事实 (CF_SY), row 6's party name (CF_XDR_MC) and row 7's 处罚决定日期 (CF_JDRQ, a field
    whose parse errors quote the value), and a joined pair and a rare astral character in rows
    2 and 3 (identical rows, so they stay duplicates)."""
    from pipeline.readers import read_file

    raw = read_file(os.path.join(EXPORTS, "penalties.csv"))
    items = {number: dict(zip(raw.header, cells)) for number, cells in raw.rows}
    items[5]["CF_SY"] = "当事人经营的食品\ud800经抽检不合格。"
    items[6]["CF_XDR_MC"] = "青岛\udfff戊餐饮有限公司"
    items[7]["CF_JDRQ"] = "2024-03-\udc0512"
    for number in (2, 3):
        items[number]["CF_SY"] += EMOJI_PAIR + RARE
    # ensure_ascii: every non-ASCII character as a \\u escape, surrogates included, as such
    # exports arrive (json.dumps writes the astral characters as escaped pairs)
    text = json.dumps([items[n] for n in sorted(items)], ensure_ascii=True, indent=1)
    assert "\\ud800" in text and "\\udfff" in text
    with open(os.path.join(folder, "penalties.json"), "w", encoding="ascii") as fh:
        fh.write(text)


@pytest.fixture(scope="module")
def surrogate_site(tmp_path_factory):
    from pipeline.pull import pull
    from pipeline.render import render_site

    root = tmp_path_factory.mktemp("surrogates")
    exports = root / "exports"
    shutil.copytree(EXPORTS, exports)
    os.remove(exports / "penalties.csv")
    _penalties_json(str(exports))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GONGSHI_CODE_SECRET", SECRET)
        report = pull(str(exports), as_of=AS_OF, content_dir=str(root / "content"),
                      codes_path=str(root / "codes.csv"), report_path=str(root / "report.json"),
                      progress=False)
    output = str(root / "output")
    # a render of its own (not the build's in-process handoff): it reads content/ from disk,
    # which is where PyYAML refused the escaped surrogate
    render_site(str(root / "content"), output, settings_file=os.path.join(REPO, "pelicanconf.py"),
                codes_path=str(root / "codes.csv"), extra_settings={"GONGSHI_FEEDS": True})
    return {"root": root, "report": report, "output": output}


def test_rows_with_a_lone_surrogate_are_quarantined_with_row_and_field(surrogate_site):
    report = surrogate_site["report"]
    quarantined = {q["row"]: q for q in report.tables["penalties"]["quarantined"]
                   if q["file"] == "penalties.json"}
    assert quarantined[5]["field"] == "违法事实" and "U+D800" in quarantined[5]["reason"]
    assert quarantined[6]["field"] == "行政相对人名称" and "U+DFFF" in quarantined[6]["reason"]
    assert quarantined[7]["field"] == "处罚决定日期" and "U+DC05" in quarantined[7]["reason"]
    # the reason says where and what, never echoes the cell (it may be a name)
    assert "戊餐饮" not in quarantined[6]["reason"] and "经抽检" not in quarantined[5]["reason"]
    t = report.tables["penalties"]
    assert t["rows"] == t["published"] + sum(t["withheld"].values()) + len(t["quarantined"])
    # the report is written (a surrogate in it would have made json.dump's UTF-8 file fail)
    saved = json.loads((surrogate_site["root"] / "report.json").read_text(encoding="utf-8"))
    assert {q["row"] for q in saved["tables"]["penalties"]["quarantined"]} >= {5, 6, 7}
    assert "penalties.json 第5行" in report.summary()


def test_content_is_valid_utf8_and_both_readers_agree(surrogate_site):
    from plugins.gongshi.store import KINDS, ContentStore, _parse

    content = surrogate_site["root"] / "content"
    paths = sorted(glob.glob(str(content / "**" / "*.yaml"), recursive=True))
    assert paths
    for path in paths:
        with open(path, "rb") as fh:
            data = fh.read()
        assert _parse(data) == yaml.safe_load(data.decode("utf-8")), path  # strict UTF-8 decode
    store = ContentStore(str(content))
    for kind in KINDS:
        store.records(kind)
    facts = " ".join(r["facts"] for r in store.records("penalties"))
    # the joined pair and the rare character are real characters and are published as they are
    assert "\U0001f600" in facts and RARE in facts


def test_render_search_opendata_and_leak_gate_run(surrogate_site):
    from pipeline import leakgate

    output = surrogate_site["output"]
    assert os.path.exists(os.path.join(output, "index.html"))
    texts = []
    for folder, _, names in os.walk(output):
        for name in names:
            if name.endswith((".html", ".json", ".csv", ".xml", ".atom", ".js")):
                with open(os.path.join(folder, name), "rb") as fh:
                    texts.append(fh.read().decode("utf-8"))  # strict: every file is valid UTF-8
    everything = "\n".join(texts)
    assert "\\ud800" not in everything.lower() and "\\udfff" not in everything.lower()
    assert RARE in everything  # published in the page of the penalty that carries it
    assert leakgate.scan_tree(output) == []
