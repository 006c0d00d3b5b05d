"""Leak gate over a built tree: catches personal numbers, ignores the portal's own public numbers."""

import gzip
import hashlib
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from stdnum.cn import ric, uscc

from pipeline.leakgate import check, scan_text, scan_tree
from pipeline.sanitize import id_check_digit

REPO = Path(__file__).resolve().parents[1]


def make_id(first17: str) -> str:
    return first17 + id_check_digit(first17)


def valid_usccs(n: int, seed: int, digits_only: bool = False) -> list[str]:
    rng = random.Random(seed)
    alphabet = "0123456789" if digits_only else "0123456789ABCDEFGHJKLMNPQRTUWXY"
    out = []
    while len(out) < n:
        body = rng.choice(["91", "92", "11", "12", "52", "93"]) + rng.choice(["370281", "370200", "110101"]) \
            + "".join(rng.choice(alphabet) for _ in range(9))
        code = body + uscc.calc_check_digit(body)
        if uscc.is_valid(code) and (code.isdigit() or not digits_only):
            out.append(code)
    return out


def kinds(text: str) -> list[str]:
    return [leak.kind for leak in scan_text(text)]


def test_id_number_with_unknown_place_code_is_a_hit():
    odd = make_id("99887719850312001")
    assert not ric.is_valid(odd)              # stdnum rejects the place code …
    assert kinds(f"<td>{odd}</td>") == ["id_number"]   # … the gate does not care
    assert kinds(f"<td>{make_id('37028119850312001')}</td>") == ["id_number"]
    bad_check = odd[:-1] + ("0" if odd[-1] != "0" else "1")
    assert kinds(f"<td>{bad_check}</td>") == []


@pytest.mark.parametrize("text, kind", [
    ("手机 13812345678", "mobile"), ("+86 139 1234 5678", "mobile"), ("tel:+8615912345678", "mobile"),
    ("3412261991****5971", "id_fragment"), ("341226********5971", "id_fragment"),
    ("370281********123X", "id_fragment"), ("１３８１２３４５６７８", "mobile"),
    ("370281750101123", "id_number"),
])
def test_hits(text, kind):
    assert kinds(text) == [kind]


def test_portal_numbers_are_not_hits():
    codes = valid_usccs(400, 1) + [c for c in valid_usccs(400, 2, digits_only=True)]
    assert sum(c.isdigit() for c in codes) > 300
    page = "\n".join(f'<tr><td>{c}</td><td>胶市监罚〔2024〕{i}号</td><td>2024-03-05</td></tr>'
                     for i, c in enumerate(codes))
    sha = hashlib.sha256(b"x").hexdigest()
    extras = [
        f'<meta name="build" content="20261120-{sha[:12]}">',
        f'<link href="/theme/site.css?v={sha}">',
        json.dumps({"v": "2.3.9", "invertedIndex": [["食品", {"_index": 12, "score": 0.123456789012345678,
                                                                "pos": [[13812, 3]]}]],
                    "ts": 1763596800, "ms": 1763596800000, "ref": "cf-0a1b2c3d4e5f"}),
        "罚款20000元（2.0万元），电话0532-87212345，监督电话12345，邮编266300",
        "许可编号JY13702810012345，注册号370281228012345，组织机构代码16356028-3",
        "第一百二十二条第一款第（三）项；2024年3月5日至2027年3月4日",
    ]
    assert scan_text(page + "\n" + "\n".join(extras)) == []


def test_tree_walk_lines_excerpts_gz_and_binaries(tmp_path):
    leaked_id = make_id("37028119900101123")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text("<p>ok</p>\n<p>身份证 " + leaked_id + " 张*</p>\n",
                                                encoding="utf-8")
    (tmp_path / "search.json").write_text('{"x": "联系 13812345678"}', encoding="utf-8")
    (tmp_path / "feed.xml.gz").write_bytes(gzip.compress("<x>\n\n3412261991****5971</x>".encode()))
    # gzip_static copy of a clean file: not reported twice, not reported at all.
    (tmp_path / "clean.html").write_text("<p>胶州</p>", encoding="utf-8")
    (tmp_path / "clean.html.gz").write_bytes(gzip.compress("<p>胶州</p>".encode()))
    # Binaries with digit runs inside are skipped by content, whatever the name.
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + leaked_id.encode())
    (tmp_path / "font.woff2").write_bytes(b"wOF2\x00\x01" + b"13812345678")
    (tmp_path / "data.bin.txt").write_bytes(b"\x00" + b"13812345678")
    leaks = scan_tree(str(tmp_path))
    found = {(Path(l.path).relative_to(tmp_path).as_posix(), l.line, l.kind) for l in leaks}
    assert found == {("a/index.html", 2, "id_number"), ("search.json", 1, "mobile"),
                     ("feed.xml.gz", 3, "id_fragment")}
    for leak in leaks:
        assert not any(part in leak.excerpt for part in (leaked_id, "13812345678", "3412261991****5971"))
    html = next(l for l in leaks if l.kind == "id_number")
    assert "‹id_number›" in html.excerpt and "身份证" in html.excerpt


def test_numbers_in_file_names_are_hits(tmp_path):
    leaked = make_id("37028119900101123")
    (tmp_path / "cases" / leaked).mkdir(parents=True)
    (tmp_path / "cases" / leaked / "index.html").write_text("<p>ok</p>", encoding="utf-8")
    (tmp_path / "cf-2024-0001.html").write_text("<p>ok</p>", encoding="utf-8")
    leaks = scan_tree(str(tmp_path))
    assert [(l.line, l.kind) for l in leaks] == [(0, "id_number")]
    assert leaked not in leaks[0].excerpt


def test_check_prints_and_counts(tmp_path, capsys):
    (tmp_path / "p.html").write_text("a 13812345678 b 13912345678\n", encoding="utf-8")
    assert check(str(tmp_path)) == 2
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith(f"{tmp_path / 'p.html'}:1: mobile: ") for line in lines)
    assert all("13812345678" not in line and "13912345678" not in line for line in lines)


def test_module_cli(tmp_path):
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "i.html").write_text("统一社会信用代码 " + valid_usccs(1, 9)[0], encoding="utf-8")
    run = lambda d: subprocess.run([sys.executable, "-m", "pipeline.leakgate", str(d)], cwd=REPO,
                                   capture_output=True, text=True)
    assert run(clean).returncode == 0
    (clean / "bad.txt").write_text("x\n13812345678", encoding="utf-8")
    result = run(clean)
    assert result.returncode == 1 and "bad.txt:2: mobile:" in result.stdout
    assert run(tmp_path / "missing").returncode == 2
