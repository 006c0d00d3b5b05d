"""The lookup page end to end on a small hand-made tree: Python encrypts, headless Chromium decrypts.

The tree is tests/fixtures/content plus three unpublished cases at different stages; as_of is the
fixture's 2026-11-20.
"""

import html
import json
import os
import re
import shutil
import threading
import time

import pytest
import yaml
from conftest import FIXTURE_CONTENT, REPO, serve_folder

from pipeline import ids, lookup_crypto
from pipeline.querycodes import DEMO_SECRET, assign_codes, read_codes_csv, write_codes_csv

AGENCY = "11370281004200001a"
NOT_FOUND = "未找到与该案件编号和查询码相符的记录"
CASES = [  # case_no, name, party, major, events
    ("胶市监立〔2026〕101号", "某甲商贸有限公司销售过期食品案", "胶州市某甲商贸有限公司", False,
     [("立案", "2026-09-01"), ("调查取证", "2026-09-03")]),
    ("胶市监立〔2026〕102号", "某乙餐饮有限公司未公示许可证案", "胶州市某乙餐饮有限公司", True,
     [("立案", "2026-08-01"), ("调查取证", "2026-08-03"), ("告知", "2026-11-16")]),
    ("胶市监立〔2026〕103号", "某丙化工有限公司安全生产违法案", "胶州市某丙化工有限公司", True,
     [("立案", "2026-07-01"), ("告知", "2026-10-20"), ("法制审核", "2026-10-27"),
      ("决定", "2026-11-10"), ("送达", "2026-11-12")]),
]


def write_case(folder, case_no, name, party, major, events):
    record = {"id": ids.case_id(case_no), "case_no": case_no, "name": name, "agency_id": AGENCY,
              "matter_id": None, "procedure": "普通程序", "party_name": party,
              "party_kind": "法人及非法人组织", "party_credit_code": None,
              "filed_date": events[0][1], "major": major, "decision_no": None, "decision_id": None,
              "published": False,
              "events": [{"stage": s, "date": d, "entered_date": d, "note": None, "record_mode": "文字"}
                         for s, d in events]}
    with open(os.path.join(folder, record["id"] + ".yaml"), "w", encoding="utf-8") as fh:
        yaml.safe_dump(record, fh, allow_unicode=True, sort_keys=False)


def render(root):
    from pipeline.render import render_site

    out = str(root / "output")
    render_site(str(root / "content"), out, settings_file=os.path.join(REPO, "pelicanconf.py"),
                codes_path=str(root / "private" / "codes.csv"))
    return out


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("lookup-tiny")
    shutil.copytree(FIXTURE_CONTENT, root / "content")
    for case in CASES:
        write_case(str(root / "content" / "cases"), *case)
    numbers = [c[0] for c in CASES] + ["胶市监立〔2026〕1号"]  # the fixture's published case
    codes, _ = assign_codes([(n, None) for n in numbers], DEMO_SECRET)
    write_codes_csv(str(root / "private" / "codes.csv"), codes)
    return root, render(root), codes


def find_entry(output, case_no, code):
    page = open(os.path.join(output, "lookup", "index.html"), encoding="utf-8").read()
    params = dict(re.findall(r'data-(salt|iterations|shards|digits|slot)="([^"]+)"', page))
    import base64
    derived = lookup_crypto.derive(case_no, code, base64.b64decode(params["salt"]),
                                   int(params["iterations"]))
    index = lookup_crypto.shard_index(derived, int(params["shards"]))
    name = f"{index:0{int(params['digits'])}x}.bin"
    shard = open(os.path.join(output, lookup_crypto.SHARD_FOLDER, name), "rb").read()
    return lookup_crypto.open_entry(shard, derived, int(params["slot"]))


def test_python_reads_back_every_case(tiny):
    _, output, codes = tiny
    entry = find_entry(output, CASES[1][0], codes[CASES[1][0]])
    page = open(os.path.join(output, "lookup", "index.html"), encoding="utf-8").read()
    texts = json.loads(html.unescape(re.search(r"data-texts='([^']*)'", page).group(1)))
    assert entry["n"] == CASES[1][1]
    assert texts["agencies"][entry["g"]][0] == "胶州市市场监督管理局"
    assert [texts["stages"][s[0]] for s in entry["s"] if s[1] == "c"] == ["法制审核"]
    assert entry["d"] == ["2026-10-30", "已超过期限21天"]
    assert entry["k"][0][:2] == ["陈述、申辩", "2026-11-23"]
    decided = find_entry(output, CASES[2][0], codes[CASES[2][0]])
    assert [r[0] for r in decided["k"]] == ["申请行政复议", "提起行政诉讼"]
    assert decided["o"] == [2027]  # remedies run into 2027: calendar not yet published
    assert find_entry(output, CASES[0][0], "0000-0000-0000-0000") is None


def test_shards_equal_and_small(tiny):
    count, size = lookup_crypto.check_shards(tiny[1])
    assert count >= 1 and 0 < size <= 8192


def test_output_never_shows_unpublished_cases(tiny):
    _, output, _ = tiny
    secrets = set()
    for case_no, name, party, *_ in CASES:
        secrets |= {case_no, ids.normalise_identifier(case_no), name, party}
    needles = [s.encode("utf-8") for s in secrets]
    for folder, _, files in os.walk(output):
        for f in files:
            data = open(os.path.join(folder, f), "rb").read()
            hits = [n.decode() for n in needles if n in data]
            assert not hits, f"{f} shows {hits}"


def test_rebuild_is_byte_identical_and_derives_nothing(tiny, tmp_path, monkeypatch):
    root, output, _ = tiny
    copy = tmp_path / "again"
    shutil.copytree(root / "content", copy / "content")
    shutil.copytree(root / "private", copy / "private")

    def no_derivation(*args):
        raise AssertionError("a cached key was derived again")
    monkeypatch.setattr(lookup_crypto, "derive", no_derivation)
    again = render(copy)
    shards = os.path.join(output, lookup_crypto.SHARD_FOLDER)
    for name in os.listdir(shards):
        assert open(os.path.join(shards, name), "rb").read() == \
            open(os.path.join(again, lookup_crypto.SHARD_FOLDER, name), "rb").read()
    assert read_codes_csv(str(copy / "private" / "codes.csv"))


def lookup(page, base, case_no, code):
    page.goto(base + "/lookup/")
    page.fill("#lookup-case", case_no)
    page.fill("#lookup-code", code)
    page.click("#lookup-submit")
    page.wait_for_function(
        "() => /查询完成|未找到|无法/.test(document.getElementById('lookup-status').textContent)",
        timeout=20000)
    return page.text_content("#lookup-status")


@pytest.mark.browser
def test_browser_decrypts_with_web_crypto(tiny, page):
    _, output, codes = tiny
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    with serve_folder(output) as base:
        # typed sloppily: half-width brackets, spaces, lower case, no dashes
        code = codes[CASES[1][0]].lower().replace("-", "")
        status = lookup(page, base, " 胶市监立 [2026] 102号", code)
        assert "查询完成" in status
        assert page.text_content("#lookup-result h2") == CASES[1][1]
        current = page.locator("#lookup-result li[aria-current=step]")
        assert current.count() == 1 and "法制审核" in current.text_content()
        assert "进行中" in current.text_content()
        steps = page.locator("#lookup-result ol.step-indicator li").all_text_contents()
        assert "未记录" in steps[0] and "案源登记" in steps[0]
        assert "已完成" in steps[1] and "2026年8月1日" in steps[1] and "未开始" in steps[-1]
        text = page.text_content("#lookup-result")
        assert "已超过期限21天" in text and "0532-80000002" in text and "陈述、申辩" in text
        assert "适用（重大执法决定），尚未完成" in text
    shard_requests = [u for u in requests if "/lookup/shards/" in u]
    assert len(shard_requests) == 1
    assert all(u.startswith(base) for u in requests)


@pytest.mark.browser
def test_browser_decided_case_shows_remedies_and_calendar_note(tiny, page):
    _, output, codes = tiny
    with serve_folder(output) as base:
        # full-width digits and letters, an ideographic space, the code's O/I/L look-alikes
        wide = "胶市监立〔２０２６〕　１０３号"
        code = codes[CASES[2][0]].translate(str.maketrans("01", "OI"))
        code = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in code)
        assert "查询完成" in lookup(page, base, wide, code)
        text = page.text_content("#lookup-result")
        assert "申请行政复议" in text and "提起行政诉讼" in text
        assert "2027年法定节假日安排尚未公布" in text
        assert "适用（重大执法决定），已于2026年10月27日完成法制审核" in text


@pytest.mark.browser
def test_wrong_code_and_unknown_case_read_the_same(tiny, page):
    _, output, codes = tiny
    with serve_folder(output) as base:
        wrong = lookup(page, base, CASES[0][0], "ABCD-EFGH-JKMN-PQRS")
        unknown = lookup(page, base, "胶市监立〔2026〕999号", codes[CASES[0][0]])
        assert NOT_FOUND in wrong and wrong == unknown
        assert page.locator("#lookup-result").is_hidden()


def test_without_a_codes_file_the_page_says_so_and_writes_no_shards(fixture_site):
    page = open(os.path.join(fixture_site.output_dir, "lookup", "index.html"), encoding="utf-8").read()
    assert "案件进度查询暂未开放" in page and 'id="lookup-form"' not in page
    assert lookup_crypto.check_shards(fixture_site.output_dir) == (0, 0)


def test_failed_build_stops_the_background_derivation(tiny, tmp_path, monkeypatch):
    # The lookup starts deriving in generate_context; a family failing before the lookup's
    # generate_output must not leave the threads deriving (or the build waiting for them).
    import sys

    from pipeline.render import render_site

    root, _, _ = tiny
    shutil.copytree(root / "content", tmp_path / "content")
    shutil.copytree(root / "private", tmp_path / "private")
    os.remove(tmp_path / "private" / "lookup-key-cache.json")  # cold: every key to derive
    started = []

    def slow_derive(*args):
        started.append(1)
        time.sleep(2)
        return bytes(64)

    def broken(self, writer):
        while not started:  # the derivation is under way
            time.sleep(0.01)
        raise RuntimeError("a family failed")
    monkeypatch.setattr(lookup_crypto, "derive", slow_derive)
    # Pelican imports the plugin as `gongshi`, tests as `plugins.gongshi`: patch every copy
    suffix = os.path.join("gongshi", "generators", "errors.py")
    for module in [m for m in list(sys.modules.values())
                   if (getattr(m, "__file__", "") or "").endswith(suffix)]:
        monkeypatch.setattr(module.ErrorPageGenerator, "generate_output", broken)
    begin = time.perf_counter()
    with pytest.raises(RuntimeError, match="a family failed"):
        render_site(str(tmp_path / "content"), str(tmp_path / "output"),
                    settings_file=os.path.join(REPO, "pelicanconf.py"),
                    codes_path=str(tmp_path / "private" / "codes.csv"),
                    extra_settings={"GONGSHI_FAMILIES": ["generators.errors", "generators.lookup"]})
    assert time.perf_counter() - begin < 6  # 4 keys x 2 s would take 8 s on one thread
    assert not [t for t in threading.enumerate() if t.name.startswith("lookup-derive")]
    assert not lookup_crypto._LIVE


def test_lookup_threads_start_after_the_search_fork():
    # search forks its index process in generate_context; the lookup starts its derivation
    # threads in generate_context too, and a fork must not copy running threads
    from plugins.gongshi import GENERATOR_MODULES

    assert GENERATOR_MODULES.index("generators.lookup") > GENERATOR_MODULES.index("generators.search")
