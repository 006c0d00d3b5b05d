import os
import time
from pathlib import Path

import pytest

from pipeline.laws import load_library, parse_law_text

LAWS = Path(os.environ.get("GONGSHI_LAWS_DIR", Path(__file__).resolve().parents[2] / "shared" / "laws"))
pytestmark = pytest.mark.skipif(not LAWS.is_dir(), reason="law texts folder not available")


@pytest.fixture(scope="module")
def library():
    return load_library(str(LAWS))


def test_loads_every_law_fast():
    from pipeline.laws import _load_cached
    _load_cached.cache_clear()
    start = time.perf_counter()
    lib = load_library(str(LAWS))
    assert time.perf_counter() - start < 1.0
    law_files = [p for p in LAWS.glob("*.md") if p.name != "README.md"]
    assert len(lib) == len(law_files) == 47
    assert [law.title for law in lib.laws] == sorted(law.title for law in lib.laws)


def test_cached_per_folder(library):
    assert load_library(str(LAWS)) is library


def test_article_counts(library):
    # article numbers run without gaps from 1 to the last article
    for name, count in [("食品安全法", 154), ("行政处罚法", 86), ("行政许可法", 83), ("行政复议法", 90),
                        ("无证无照经营查处办法", 19)]:
        law = library.find(name)
        assert law is not None, name
        assert sorted(law.articles) == list(range(1, count + 1)), name


def test_chapter_of_food_safety_article_122(library):
    law = library.find("中华人民共和国食品安全法")
    article = law.articles[122]
    assert article.label == "第一百二十二条"
    assert article.chapter == "第九章 法律责任"
    chapter = next(ch for ch in law.chapters if ch.label == "第九章")
    assert chapter.title == "法律责任" and 122 in chapter.articles
    assert 122 in law.liability_articles() and 1 not in law.liability_articles()
    assert article.paragraphs[0].startswith("违反本法规定")
    assert len(article.clauses()) == 2


def test_sections_and_items(library):
    law = library.find("行政处罚法")
    art = law.articles[51]
    assert art.chapter.startswith("第五章") and art.section.startswith("第二节")
    sections = [ch for ch in law.chapters if ch.level == 2]
    assert sections and all(set(s.articles) <= set(law.articles) for s in sections)
    # 第二条 of 食品安全法: first 款 has items (一)…(六)
    food = library.find("食品安全法")
    clauses = food.articles[2].clauses()
    assert len(clauses[0].items) == 6
    assert food.articles[2].has(1, 6) and not food.articles[2].has(1, 7) and not food.articles[2].has(5)


def test_find_by_titles(library):
    full = library.find("《中华人民共和国食品安全法》")
    assert full is library.find("食品安全法") is library.find("《食品安全法》")
    assert full.short_title == "食品安全法" and full.id.startswith("law-")
    sd = library.find("山东省实施《中华人民共和国固体废物污染环境防治法》办法")
    assert sd is not None and sd is library.find("山东省实施〈固体废物污染环境防治法〉办法")
    assert sd.chapters == [] and sd.articles[1].chapter == ""
    assert library.find("食品安全法实施条例") is not full
    assert library.find("不存在的法") is None and library.find(None) is None


def test_preamble_and_version(library):
    law = library.find("食品安全法")
    assert law.preamble and law.preamble[0].startswith("2009年2月28日")
    assert law.version_date == "2021-04-29" and law.file_name == "食品安全法(2021-04-29).md"


def test_parse_without_info_marker_or_chapters():
    text = "# 测试条例\n\n第一条 为了测试。\n\n（一）甲；\n\n（二）乙。\n\n第二条 第二条正文。\n\n第二款。\n"
    law = parse_law_text(text, "测试条例(2020-01-01).md")
    assert law.title == "测试条例" and sorted(law.articles) == [1, 2]
    assert law.articles[1].clauses()[0].items == ["（一）甲；", "（二）乙。"]
    assert law.articles[2].paragraphs == ["第二条正文。", "第二款。"]
    assert parse_law_text("# 说明\n\n没有条文。", "x.md") is None


def test_article_label_on_its_own_line():
    text = "# 测试办法\n<!-- INFO END -->\n## 第一章 总　则\n第一条\n\n正文在下一段。\n\n第二条　全角空格。\n"
    law = parse_law_text(text, "测试办法.md")
    assert law.articles[1].paragraphs == ["正文在下一段。"]
    assert law.articles[2].paragraphs == ["全角空格。"]
    assert law.chapters[0].title == "总则" and law.articles[2].chapter == "第一章 总则"
