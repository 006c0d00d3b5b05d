"""XSS corpus (tests/fixtures/xss/payloads.yaml) planted in every free-text cell of the fixture
exports, then pull + render (all families, feeds on): the payloads must come out as inert text in
pages, search results, the lookup, the credit check, feeds, open-data CSV/JSON — and {{7*7}} must
never become 49.

Which cells are free text comes from pipeline.tables (kind TEXT); cells naming an agency (the
join key of other tables) and machine-shaped values (dates, numbers, codes, document numbers)
are left alone, so planting changes nothing about what is published (checked below).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
import zlib

import pytest
import yaml

from a11y_helpers import (blacklisted_code, credit_check, fill_lookup, html_pages,
                          injected_elements, scan_output, search_for, security_problems,
                          wait_lookup_done)
from conftest import REPO, serve_folder

EXPORTS = os.path.join(REPO, "tests", "fixtures", "exports")
CORPUS_FILE = os.path.join(REPO, "tests", "fixtures", "xss", "payloads.yaml")
AS_OF = dt.date(2024, 6, 30)  # the fixture exports' date: their penalties are still published
SECRET = "xss-test-secret-0123456789abcdef"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MACHINE = re.compile(r"^(\d{4}[-/年]\d{1,2}[-/月]\d{1,2}日?|[\d.,%]+|[0-9A-Z]{18}|[A-Z]{2,}-\d+"
                     r"|[\d-]{7,}|.*〔\d{4}〕.*号)$")
TEMPLATE_MARKERS = ("xss-jinja", "xss-stmt", "xss-tpl")


def corpus() -> list[str]:
    with open(CORPUS_FILE, encoding="utf-8") as fh:
        payloads = yaml.safe_load(fh)
    return payloads + ["超长文本xss-long" * 400]  # a very long unbroken string


def _plant_value(value, seed: int, payloads: list[str]):
    if not isinstance(value, str) or not value.strip() or MACHINE.match(value.strip()):
        return value
    payload = payloads[seed % len(payloads)]
    return payload + value if payload.startswith(FORMULA_START) else value + payload


def _text_columns(stem: str, headers) -> set[str]:
    from pipeline.tables import TABLES, TEXT, table_for_stem

    table = TABLES[table_for_stem(stem)]
    return {h for h in headers if (f := table.field_for(h)) is not None and f.kind == TEXT}


def _read_csv(path: str) -> tuple[list[list[str]], str]:
    with open(path, "rb") as fh:
        raw = fh.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return list(csv.reader(io.StringIO(text))), encoding
    raise AssertionError(f"{path}: neither UTF-8 nor GB18030")


def plant_exports(src: str, dst: str) -> None:
    """Copy the exports and plant a payload in every free-text cell. The payload of a cell depends
    on its row's content and column, so rows that were exact duplicates stay duplicates."""
    payloads = corpus()
    shutil.copytree(src, dst)
    agencies, _ = _read_csv(os.path.join(dst, "agencies.csv"))
    keys = {value for row in agencies[1:] for value in row[:2]}  # names and credit codes
    for name in sorted(os.listdir(dst)):
        path = os.path.join(dst, name)
        stem, ext = os.path.splitext(name)
        if ext == ".csv":
            rows, encoding = _read_csv(path)
            columns = _text_columns(stem, rows[0])
            for row in rows[1:]:
                seed = zlib.crc32("|".join(row).encode())
                row[:] = [_plant_value(v, seed + i, payloads)
                          if rows[0][i] in columns and v not in keys else v
                          for i, v in enumerate(row)]
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\r\n").writerows(rows)
            with open(path, "wb") as fh:
                fh.write(buffer.getvalue().encode(encoding))
        elif ext == ".json":
            with open(path, encoding="utf-8") as fh:
                records = json.load(fh)
            columns = _text_columns(stem, records[0])
            for record in records:
                seed = zlib.crc32(json.dumps(record, ensure_ascii=False, sort_keys=True).encode())
                for i, (k, v) in enumerate(list(record.items())):
                    if k in columns and v not in keys:
                        record[k] = _plant_value(v, seed + i, payloads)
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(records, fh, ensure_ascii=False)


def _counts(report) -> dict:
    return {t: (v["published"], len(v["quarantined"]), v["withheld"])
            for t, v in report.to_dict()["tables"].items()}


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory):
    from pipeline.pull import pull
    from pipeline.render import render_site

    root = tmp_path_factory.mktemp("xss")
    plant_exports(EXPORTS, str(root / "exports"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GONGSHI_CODE_SECRET", SECRET)
        reports = {}
        for name, source in (("plain", EXPORTS), ("planted", str(root / "exports"))):
            reports[name] = pull(source, as_of=AS_OF, content_dir=str(root / name / "content"),
                                 codes_path=str(root / name / "codes.csv"), progress=False)
    output = str(root / "output")
    render_site(str(root / "planted" / "content"), output,
                settings_file=os.path.join(REPO, "pelicanconf.py"),
                codes_path=str(root / "planted" / "codes.csv"),
                extra_settings={"GONGSHI_FEEDS": True})
    return {"root": root, "output": output, "reports": reports,
            "codes": str(root / "planted" / "codes.csv")}


def _files(output: str, *suffixes: str) -> dict[str, str]:
    found = {}
    for folder, _, names in os.walk(output):
        for name in names:
            if name.endswith(suffixes):
                with open(os.path.join(folder, name), encoding="utf-8-sig") as fh:
                    found[os.path.relpath(os.path.join(folder, name), output)] = fh.read()
    return found


def test_planting_changes_nothing_about_what_is_published(xss_site):
    plain, planted = (_counts(xss_site["reports"][k]) for k in ("plain", "planted"))
    assert planted == plain
    assert sum(p for p, _, _ in planted.values()) > 10


def test_pages_escape_every_payload(xss_site):
    output = xss_site["output"]
    assert scan_output(output) == {}  # no script, handler, style or javascript: URL from data
    pages = _files(output, ".html")
    families_showing = {rel.split(os.sep)[0] for rel, text in pages.items()
                        if "&lt;script&gt;" in text or "&lt;img src=x" in text}
    assert {"agencies", "matters", "penalties", "permits", "blacklist"} <= families_showing
    everything = _files(output, ".html", ".json", ".csv", ".atom", ".xml")
    # Markdown and character references from data are shown as typed, never interpreted
    assert any("[xss-md](javascript:alert(1)) **xss-bold**" in t for t in pages.values())
    assert any("&amp;lt;script&amp;gt;xss-entity" in t for t in pages.values())
    # template syntax from data is shown as typed, never evaluated
    assert any("{{7*7}}xss-jinja {% if true %}xss-stmt{% endif %}" in t for t in pages.values())
    for rel, text in everything.items():
        for marker in TEMPLATE_MARKERS:
            assert f"49{marker}" not in text, (rel, marker)


def test_feeds_and_sitemap_are_well_formed_and_inert(xss_site):
    feeds = _files(xss_site["output"], ".atom", ".xml")
    assert any(rel.endswith(".atom") for rel in feeds) and "sitemap.xml" in feeds
    shown = False
    for rel, text in feeds.items():
        root = ET.fromstring(text.encode("utf-8"))  # raises on a payload that broke the XML
        for element in root.iter():
            assert "}" not in element.tag or element.tag.split("}")[0][1:] in (
                "http://www.w3.org/2005/Atom", "http://www.sitemaps.org/schemas/sitemap/0.9"), \
                (rel, element.tag)
            if element.get("type") in ("html", "xhtml") and element.text:
                # a feed reader renders this as HTML: it must hold no markup from the data
                problems = [p for p in security_problems(element.text) if "CSP" not in p]
                assert problems == [] and "<script" not in element.text, (rel, problems)
            shown |= "xss" in (element.text or "")
    assert shown, "no payload reached a feed: the feed check proves nothing"


def test_open_data_neutralises_formulas_and_keeps_text(xss_site):
    data = os.path.join(xss_site["output"], "data")
    cells = []
    for name in sorted(os.listdir(data)):
        path = os.path.join(data, name)
        if name.endswith(".csv"):
            with open(path, encoding="utf-8-sig", newline="") as fh:
                cells += [c for row in csv.reader(fh) for c in row]
        elif name.endswith(".json"):
            with open(path, encoding="utf-8") as fh:
                json.load(fh)
    assert [c for c in cells if c.startswith(FORMULA_START)] == []
    assert any(c.startswith("'") and "xss-" in c for c in cells), "no formula payload reached a CSV"
    assert any('<script>alert("xss-script")</script>' in c for c in cells)  # as text, unchanged


@pytest.fixture
def guarded_page(browser):
    context = browser.new_context()
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    yield page
    context.close()
    assert dialogs == [], f"a payload ran: {dialogs}"


def _marked_pages(output: str) -> list[str]:
    urls = []
    for rel in html_pages(output):
        with open(os.path.join(output, rel), encoding="utf-8") as fh:
            if "xss" in fh.read():
                rel = rel.replace(os.sep, "/")
                urls.append("/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel))
    return urls


@pytest.mark.browser
def test_browser_pages_search_lookup_and_credit_stay_inert(guarded_page, xss_site):
    page, output = guarded_page, xss_site["output"]
    with serve_folder(output) as base:
        marked = _marked_pages(output)
        assert len(marked) >= 10
        created = {}
        for url in marked:
            page.goto(base + url)
            if found := injected_elements(page):
                created[url] = found
        assert search_for(page, base, "xss") > 0
        created["search"] = injected_elements(page)
        created["lookup"] = _lookup_a_planted_case(page, base, xss_site["codes"])
        credit_check(page, base, blacklisted_code(page, base))
        assert "xss" in page.text_content("#credit-result")
        created["credit"] = injected_elements(page)
    assert {k: v for k, v in created.items() if v} == {}


def _lookup_a_planted_case(page, base: str, codes_path: str) -> list[str]:
    with open(codes_path, encoding="utf-8-sig") as fh:
        codes = list(csv.DictReader(fh))
    for row in codes:
        page.goto(base + "/lookup/")
        fill_lookup(page, row["案件编号"], row["查询码"])
        if "查询完成" in wait_lookup_done(page) and "xss" in page.text_content("#lookup-result"):
            return injected_elements(page)
    raise AssertionError("no planted case could be looked up")


BROKEN_UTF8 = [b"\xc3\x28", b"\xe2\x82", b"\xff\xfe", b"\xed\xa0\x80", b"\xe5\xaf"]  # invalid/truncated


@pytest.mark.parametrize("bad", BROKEN_UTF8, ids=lambda b: b.hex())
def test_broken_utf8_in_a_cell_stops_the_pull_naming_the_file(tmp_path, monkeypatch, bad):
    """A stray byte sequence in a UTF-8 export is refused with the file's name; the pull neither
    guesses another encoding (mojibake everywhere) nor writes content/."""
    from pipeline.errors import PipelineError
    from pipeline.pull import pull

    monkeypatch.setenv("GONGSHI_CODE_SECRET", SECRET)
    exports = tmp_path / "exports"
    shutil.copytree(EXPORTS, exports)
    path = exports / "matters.csv"
    data = path.read_bytes()
    _, header_end = re.search(rb"\r?\n", data).span()
    path.write_bytes(data[:header_end] + data[header_end:].replace(b",", b"," + bad, 2))
    with pytest.raises(PipelineError, match="matters.csv"):
        pull(str(exports), as_of=AS_OF, content_dir=str(tmp_path / "content"),
             codes_path=str(tmp_path / "codes.csv"), progress=False)
    assert not (tmp_path / "content").exists()
