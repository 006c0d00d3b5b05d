"""The leak gate's verdict cache (incremental rebuilds) finds exactly what a full scan finds."""

from __future__ import annotations

import json

from pipeline import leakgate


def _tree(root, mobile_in_b: bool):
    (root / "a").mkdir(exist_ok=True)
    (root / "a" / "index.html").write_text("<p>联系 13812345678</p>\n", encoding="utf-8")
    (root / "b.html").write_text("<p>13912345678</p>" if mobile_in_b else "<p>胶州</p>",
                                 encoding="utf-8")
    (root / "c.html").write_text("<p>ok</p>", encoding="utf-8")


def test_cached_scan_equals_full_scan_and_rescans_changed_files(tmp_path):
    site, cache = tmp_path / "site", str(tmp_path / "private" / "leakgate.json")
    site.mkdir()
    _tree(site, mobile_in_b=False)
    assert leakgate.scan_tree(str(site), cache) == leakgate.scan_tree(str(site))
    _tree(site, mobile_in_b=True)  # a changed file must be scanned again
    cached = leakgate.scan_tree(str(site), cache)
    assert cached == leakgate.scan_tree(str(site))
    assert {l.path.rsplit("/", 1)[-1] for l in cached} == {"index.html", "b.html"}


def test_verdicts_of_other_detector_code_are_not_reused(tmp_path):
    site, cache = tmp_path / "site", tmp_path / "leakgate.json"
    site.mkdir()
    _tree(site, mobile_in_b=True)
    leakgate.scan_tree(str(site), str(cache))
    data = json.loads(cache.read_text(encoding="utf-8"))
    for digest in data["verdicts"]:  # a forged "clean" verdict from other detectors
        data["verdicts"][digest] = []
    data["version"] = "older-detectors"
    cache.write_text(json.dumps(data), encoding="utf-8")
    assert len(leakgate.scan_tree(str(site), str(cache))) == 2
