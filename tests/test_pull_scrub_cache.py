"""The pull's private scrub cache: same content with and without it, misses when the scrubber
changes, owner-only, never inside a published tree."""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
from datetime import date

import pytest

import pipeline_fakes
from pipeline import records, sanitize, scrub_cache
from pipeline.errors import PipelineError
from pipeline.pull import pull
from pipeline.records import Output, Party, resolve_scrubs

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "exports")

TEXTS = [
    ("胶州市刘大小吃店", "个体工商户", "刘大", "刘大在胶州市刘大小吃店经营，电话13812345678。"),
    ("青岛甲有限公司", "法人及非法人组织", "王五", "法定代表人王五称，原告张三、李四与青岛甲有限公司无关。"),
    ("张三", "自然人", None, "当事人张三（身份证370281198503150027）住胶州市某街道。"),
    ("青岛乙有限公司", "法人及非法人组织", None, "经查，当事人销售过期食品，货值2000元。"),
]


def _output() -> Output:
    out = Output()
    for i, (name, kind, rep, text) in enumerate(TEXTS):
        party = Party(name, kind, rep)
        out.add("penalties", {"id": f"cf-{i}", "facts": party.scrub(text),
                              "events": [{"note": party.scrub(text + "（补正）")}]})
    return out


def _resolved(cache=None) -> list:
    out = _output()
    resolve_scrubs(out, workers=1, cache=cache)
    return out.records["penalties"]


def _no_scrubbing(monkeypatch):
    def refuse(*_a, **_k):
        raise AssertionError("scrubbed although every text was cached")
    monkeypatch.setattr(sanitize, "scrub_text", refuse)
    records._scrub.cache_clear()


def test_cached_results_equal_fresh_ones_and_skip_the_scrubber(tmp_path, monkeypatch):
    path = str(tmp_path / "private" / "scrub.json")
    fresh = _resolved()
    cache = scrub_cache.ScrubCache(path)
    assert _resolved(cache) == fresh and cache.hits == 0
    cache.save()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "13812345678" not in open(path, encoding="utf-8").read()  # results are the scrubbed text
    _no_scrubbing(monkeypatch)
    warm = scrub_cache.ScrubCache(path)
    assert _resolved(warm) == fresh and warm.hits == 2 * len(TEXTS)


def test_a_changed_text_is_scrubbed_and_the_rest_reused(tmp_path):
    path = str(tmp_path / "scrub.json")
    cache = scrub_cache.ScrubCache(path)
    _resolved(cache)
    cache.save()
    out = _output()
    changed = Party("青岛乙有限公司", "法人及非法人组织").scrub("更正：联系人赵六，手机13912345678。")
    out.add("penalties", {"id": "cf-new", "facts": changed})
    warm = scrub_cache.ScrubCache(path)
    resolve_scrubs(out, workers=1, cache=warm)
    assert warm.hits == 2 * len(TEXTS)
    assert out.records["penalties"][-1]["facts"] == sanitize.scrub_text(changed.text, changed.keep)
    assert "赵六" not in out.records["penalties"][-1]["facts"]


def test_another_scrubber_misses(tmp_path, monkeypatch):
    path = tmp_path / "scrub.json"
    cache = scrub_cache.ScrubCache(str(path))
    _resolved(cache)
    cache.save()
    data = json.loads(path.read_text(encoding="utf-8"))
    data["results"] = {k: "伪造的旧结果" for k in data["results"]}  # what an older scrubber "said"
    data["version"] = "older-scrubber"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    stale = scrub_cache.ScrubCache(str(path))
    assert _resolved(stale) == _resolved() and stale.hits == 0
    # the version covers sanitize.py itself: one changed byte of the rules is another scrubber
    copy = tmp_path / "sanitize.py"
    shutil.copy(sanitize.__file__, copy)
    with open(copy, "a", encoding="utf-8") as fh:
        fh.write("\n# a rule change\n")
    before = scrub_cache.scrubber_version()
    monkeypatch.setattr(sanitize, "__file__", str(copy))
    assert scrub_cache.scrubber_version() != before


def test_pull_with_cache_writes_the_same_content(tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="gongshi.pull")
    pipeline_fakes.install(monkeypatch)
    monkeypatch.setenv("GONGSHI_CODE_SECRET", "test-secret-0123456789abcdef")
    exports = tmp_path / "exports"
    shutil.copytree(FIXTURES, exports)
    cache = str(tmp_path / "private" / "scrub-cache.json")

    def tree(name, **kw):
        content = tmp_path / name
        pull(str(exports), as_of=date(2024, 6, 30), content_dir=str(content),
             codes_path=str(tmp_path / "private" / f"{name}.csv"), progress=False, **kw)
        return {p.relative_to(content).as_posix(): p.read_bytes() for p in content.rglob("*") if p.is_file()}

    plain = tree("plain")
    assert tree("cold", scrub_cache=cache) == plain
    caplog.clear()
    assert tree("warm", scrub_cache=cache) == plain
    # every free text came from the cache (the number guard on name fields still scrubs directly)
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("自由文本脱敏")]
    count = int(line.split("：")[1].split(" ")[0])
    assert count > 10 and line.endswith(f"，{count} 段取自缓存")


def test_cache_is_refused_inside_a_published_tree(tmp_path):
    content = tmp_path / "content"
    with pytest.raises(PipelineError):
        pull(FIXTURES, as_of=date(2024, 6, 30), content_dir=str(content), codes_path=None,
             progress=False, scrub_cache=str(content / "scrub.json"))
    with pytest.raises(PipelineError):
        scrub_cache.check_location(str(tmp_path / "output" / "x" / "s.json"), str(content),
                                   str(tmp_path / "output"))
    scrub_cache.check_location(str(tmp_path / "private" / "s.json"), str(content), str(tmp_path / "output"))
    assert scrub_cache.default_path(str(tmp_path / "private" / "codes.csv")) == \
        str(tmp_path / "private" / "scrub-cache.json")
