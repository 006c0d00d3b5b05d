"""The lookup on the demo build: cases at several stages decrypt in Chromium, unpublished cases
leave no readable trace anywhere in the output, shards are equal and small."""

import os
import subprocess

import pytest
import yaml
from test_lookup_site import NOT_FOUND, find_entry, lookup

from pipeline import deadlines, lookup_crypto
from pipeline.ids import normalise_identifier
from pipeline.querycodes import normalise_case_no, read_codes_csv


def load(folder):
    if not os.path.isdir(folder):
        return []
    return [yaml.safe_load(open(os.path.join(folder, n), encoding="utf-8"))
            for n in sorted(os.listdir(folder)) if n.endswith(".yaml")]


@pytest.fixture(scope="module")
def demo(demo_build):
    cases = load(os.path.join(demo_build.content_dir, "cases"))
    codes = read_codes_csv(demo_build.codes_path)
    return demo_build, cases, codes


def current_stage(case, as_of):
    p = deadlines.case_progress(case, as_of)
    return next((s.name for s in p.stages if s.state == deadlines.CURRENT), "办结")


def by_stage(demo):
    """One case per distinct current stage, in a stable order."""
    site, cases, codes = demo
    picked = {}
    for case in cases:
        if normalise_case_no(case["case_no"]) in codes:
            picked.setdefault(current_stage(case, site.as_of), case)
    return picked


def test_every_demo_case_has_a_code_and_decrypts(demo):
    site, cases, codes = demo
    assert cases, "the demo has cases"
    assert all(normalise_case_no(c["case_no"]) in codes for c in cases)
    for case in cases[::25]:  # each decryption costs a full key derivation
        code = codes[normalise_case_no(case["case_no"])]
        entry = find_entry(site.output_dir, case["case_no"], code)
        assert entry is not None and entry["n"] == case["name"][:60]


def test_demo_covers_several_stages(demo):
    assert len(by_stage(demo)) >= 3


def test_demo_shards_equal_and_small(demo):
    count, size = lookup_crypto.check_shards(demo[0].output_dir)
    assert count >= 1 and size <= lookup_crypto.MAX_SHARD_BYTES


def public_names(content_dir):
    """Names that are public anyway: parties of published decisions and blacklist entries."""
    names = set()
    for kind, field in (("penalties", "party_name"), ("permits", "party_name"), ("blacklist", "name")):
        names |= {r.get(field) for r in load(os.path.join(content_dir, kind))}
    return names


def test_no_unpublished_case_number_or_party_in_output(demo, tmp_path):
    site, cases, _ = demo
    public = public_names(site.content_dir)
    needles = set()
    for case in cases:
        if case.get("published"):
            continue
        needles |= {case["case_no"], normalise_identifier(case["case_no"])}
        party = case.get("party_name") or ""
        if party and "*" not in party and party not in public:
            needles.add(party)
    assert needles
    # GNU grep -F matches thousands of fixed strings at once (Aho-Corasick); a Python regex
    # alternation over ~90 MB took minutes.
    patterns = tmp_path / "needles.txt"
    patterns.write_text("\n".join(sorted(needles)) + "\n", encoding="utf-8")
    found = subprocess.run(["grep", "-rFaoH", "-f", str(patterns), site.output_dir],
                           capture_output=True, env={"LC_ALL": "C"})
    assert found.returncode == 1, found.stdout.decode("utf-8", "replace")[:2000]


@pytest.mark.browser
def test_chromium_decrypts_demo_cases_at_several_stages(demo, page, site_url):
    site, _, codes = demo
    picked = by_stage(demo)
    for stage in sorted(picked)[:4]:
        case = picked[stage]
        status = lookup(page, site_url, case["case_no"], codes[normalise_case_no(case["case_no"])])
        assert "查询完成" in status, stage
        assert page.text_content("#lookup-result h2") == case["name"][:60]
        current = page.locator("#lookup-result li[aria-current=step]")
        if stage == "办结":
            assert current.count() == 0
        else:
            assert current.count() == 1 and stage in current.text_content()


@pytest.mark.browser
def test_demo_wrong_code_and_unknown_case_same_message(demo, page, site_url):
    _, cases, codes = demo
    known = cases[0]["case_no"]
    wrong = lookup(page, site_url, known, "ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    unknown = lookup(page, site_url, known + "9", codes[normalise_case_no(known)])
    assert NOT_FOUND in wrong and wrong == unknown


def readme_cases():
    """(case no, code, current stage) rows of the README's lookup section."""
    text = open(os.path.join(os.path.dirname(__file__), "..", "README.md"), encoding="utf-8").read()
    section = text.split("## 案件进度查询", 1)[1].split("\n## ", 1)[0]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in section.splitlines()
            if line.startswith("| ") and "〔" in line]
    return [(r[0], r[1], r[2].split("；")[0]) for r in rows]


def test_readme_demo_codes_open_their_cases(demo):
    site, cases, _ = demo
    rows = readme_cases()
    assert len(rows) >= 2
    by_no = {c["case_no"]: c for c in cases}
    for case_no, code, stage in rows:
        entry = find_entry(site.output_dir, case_no, code)
        assert entry is not None, case_no
        assert current_stage(by_no[case_no], site.as_of) == stage
