import os
from pathlib import Path

import pytest

from pipeline.citations import parse_citations
from pipeline.laws import load_library

LAWS = Path(os.environ.get("GONGSHI_LAWS_DIR", Path(__file__).resolve().parents[2] / "shared" / "laws"))
pytestmark = pytest.mark.skipif(not LAWS.is_dir(), reason="law texts folder not available")

FOOD = "中华人民共和国食品安全法"


@pytest.fixture(scope="module")
def lib():
    return load_library(str(LAWS))


def refs(text, lib):
    return [(c["law_title"], c["article"], c["paragraph"], c["item"]) for c in parse_citations(text, lib)]


KEYS = {"raw", "law_title", "law_id", "article", "article_label", "paragraph", "item", "anchor"}


@pytest.mark.parametrize("text,expected", [
    ("《中华人民共和国食品安全法》第一百二十二条", [(FOOD, 122, None, None)]),
    ("《食品安全法》第一百二十二条", [(FOOD, 122, None, None)]),
    ("《食品安全法》第一百二十二条第一款第（三）项", [(FOOD, 122, 1, 3)]),
    ("《食品安全法》第一百二十二条第一款第三项", [(FOOD, 122, 1, 3)]),
    ("《食品安全法》第一百二十二条第一款(三)", [(FOOD, 122, 1, 3)]),
    ("《食品安全法》第122条第1款第3项", [(FOOD, 122, 1, 3)]),
    ("《食品安全法》第１２２条", [(FOOD, 122, None, None)]),
    ("《食品安全法》第 一百二十二 条", [(FOOD, 122, None, None)]),
    ("《食品安全法》第一百二十二条、第一百二十四条第一款",
     [(FOOD, 122, None, None), (FOOD, 124, 1, None)]),
    ("《食品安全法》第一百二十四条第一款、第二款", [(FOOD, 124, 1, None), (FOOD, 124, 2, None)]),
    ("《食品安全法》第一百二十四条第一款第（一）项、第（二）项和第（三）项",
     [(FOOD, 124, 1, 1), (FOOD, 124, 1, 2), (FOOD, 124, 1, 3)]),
    ("《食品安全法》第一百二十二条；《中华人民共和国行政处罚法》第二十八条第一款",
     [(FOOD, 122, None, None), ("中华人民共和国行政处罚法", 28, 1, None)]),
    ("依据《食品安全法》第一百二十二条,第一百二十三条;第一百二十四条及第一百二十五条",
     [(FOOD, n, None, None) for n in (122, 123, 124, 125)]),
    ("《行政处罚法》第三十条至第三十二条", [("中华人民共和国行政处罚法", n, None, None) for n in (30, 31, 32)]),
    ("食品安全法第一百二十二条", [(FOOD, 122, None, None)]),
    ("中华人民共和国食品安全法实施条例第七十五条",
     [("中华人民共和国食品安全法实施条例", 75, None, None)]),
    ("《食品安全法实施条例》第七十五条", [("中华人民共和国食品安全法实施条例", 75, None, None)]),
    ("《山东省实施《中华人民共和国固体废物污染环境防治法》办法》第三十条",
     [("山东省实施《中华人民共和国固体废物污染环境防治法》办法", 30, None, None)]),
    ("《山东省实施〈中华人民共和国固体废物污染环境防治法〉办法》第三十条第二款",
     [("山东省实施《中华人民共和国固体废物污染环境防治法》办法", 30, 2, None)]),
    ("《食品安全法》第一百二十二条、第一百二十二条", [(FOOD, 122, None, None)]),
    ("《食品安全法》", [(FOOD, None, None, None)]),
    ("", []), (None, []), ("无", []), ("国务院令第666号", []),
])
def test_parse(text, expected, lib):
    assert refs(text, lib) == expected


def test_fields_and_anchor(lib):
    [c] = parse_citations("《食品安全法》第一百二十二条第一款", lib)
    assert set(c) == KEYS
    assert c["law_id"] == lib.find("食品安全法").id
    assert c["anchor"] == "art-122" and c["article_label"] == "第一百二十二条"
    assert c["raw"] == "《食品安全法》第一百二十二条第一款"


def test_unknown_law_keeps_raw(lib):
    [c] = parse_citations("《胶州市养犬管理办法》第十二条第二款", lib)
    assert c["law_id"] is None and c["article"] is None and c["anchor"] is None
    assert c["law_title"] == "胶州市养犬管理办法" and c["paragraph"] == 2
    assert c["raw"] == "《胶州市养犬管理办法》第十二条第二款"


def test_missing_article(lib):
    [c] = parse_citations("《食品安全法》第九百九十九条", lib)
    assert c["law_id"] is not None and c["article"] is None and c["anchor"] is None
    assert c["article_label"] == "第九百九十九条"


def test_inherited_reference_raw_reads_alone(lib):
    cs = parse_citations("《食品安全法》第一百二十四条第一款、第二款", lib)
    assert cs[1]["raw"] == "《食品安全法》第一百二十四条第二款"


def test_reference_after_unknown_and_known(lib):
    cs = parse_citations("《某某条例》第五条、《行政许可法》第四十二条", lib)
    assert [(c["law_id"] is None, c["article"]) for c in cs] == [(True, None), (False, 42)]


def test_reference_without_law(lib):
    [c] = parse_citations("依照本条例第五条", lib)
    assert c["law_title"] is None and c["law_id"] is None and c["article"] is None


def test_other_decision_titles_inside_quotes_are_not_articles(lib):
    text = "《关于修改〈中华人民共和国产品质量法〉等五部法律的决定》"
    [c] = parse_citations(text, lib)
    assert c["law_id"] is None and c["article"] is None


def test_unclosed_title_mark(lib):
    assert refs("《食品安全法第一百二十二条", lib) == [(FOOD, 122, None, None)]


@pytest.mark.parametrize("text,expected", [
    ("《食品安全法》第一百二十四条第一款第（三）、（四）项", [(FOOD, 124, 1, 3), (FOOD, 124, 1, 4)]),
    ("《中华人民共和国食品安全法（2021年修正）》第一百二十二条", [(FOOD, 122, None, None)]),
    ("《中华人民共和国食品安全法》(2021年修正)第一百二十二条", [(FOOD, 122, None, None)]),
    ("《食品安全法》第一百二十二条之一", [(FOOD, None, None, None)]),
    ("《食品安全法》第一百二十二条和食品安全法实施条例第七十五条",
     [(FOOD, 122, None, None), ("中华人民共和国食品安全法实施条例", 75, None, None)]),
    ("违法事实：（一）未取得许可；（二）超范围经营", []),
])
def test_parse_more(text, expected, lib):
    assert refs(text, lib) == expected
