"""Token rules: unit tests and parity between Python (index build) and JS (browser queries)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from lunr.pipeline import Pipeline
from lunr.tokenizer import Tokenizer

from plugins.gongshi import search_tokens as st

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JS = os.path.join(ROOT, "theme", "static", "js", "search-tokens.js")

TRICKY = [
    "食品安全",
    "胶州市市场监督管理局",
    "胶市监罚〔2024〕12号",
    "胶市监罚［２０２４］１２号",
    "胶市监罚（2024）第0012号",
    "913702817180000001",
    "９１３７０２８１ＭＡ３ＣＱ１２３４Ｘ",
    "ＡＢＣ食品有限公司",
    "案号:123",
    "《中华人民共和国食品安全法》第一百二十二条第一款第（三）项",
    "食",
    "a食b品c",
    "二〇二四年",
    "Café 咖啡 naïve",
    "  多个　全角　空格  ",
    "<img src=x onerror=alert(1)>",
    "𠀀𠀁 extension-B 字𠀂",
    "㈱青岛 ①号 ｶﾀｶﾅ",
    "",
    "—…「」『』、。！？",
    "İstanbul ΣΑΣ",
]


def test_bigrams_of_han_runs():
    assert st.terms("食品安全") == ["食品", "品安", "安全"]


def test_single_han_char_kept():
    assert st.terms("食") == ["食"]
    assert st.terms("a食b") == ["a", "食", "b"]


def test_ascii_words_and_full_width_digits():
    assert st.terms("胶市监罚［２０２４］１２号") == ["胶市", "市监", "监罚", "2024", "12", "号"]
    assert st.terms("胶市监罚〔2024〕12号") == st.terms("胶市监罚［２０２４］１２号")


def test_mixed_scripts_lower_case():
    assert st.terms("ＡＢＣ食品Co") == ["abc", "食品", "co"]


def test_punctuation_separates():
    assert st.terms("案号:123") == ["案号", "123"]
    assert st.terms("《食品》、（药品）") == ["食品", "药品"]


def test_offsets_count_code_points():
    terms = st.tokenize("xx 食品")
    assert [(t.text, t.start, t.length) for t in terms] == [("xx", 0, 2), ("食品", 3, 2), ]


def test_pipeline_function_keeps_field_positions():
    tokens = Tokenizer("甲公司 食品安全")
    out = Pipeline.load([st.PIPELINE_LABEL]).run(tokens)
    assert [(str(t), t.metadata[st.POSITION_KEY]) for t in out] == [
        ("甲公", 0), ("公司", 1), ("食品", 4), ("品安", 5), ("安全", 6)]


def test_term_shard_in_range_and_stable():
    assert st.fnv1a("") == 0x811C9DC5
    assert st.fnv1a("a") == 0xE40C292C  # published FNV-1a test vector
    assert all(0 <= st.term_shard(t, 7) < 7 for t in ("食品", "2024", "号"))


NODE_SCRIPT = r"""
const fs = require('fs');
globalThis.lunr = require(process.argv[2]);
const T = require(process.argv[1]);
const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const tok = T.create(input.rules);
tok.register(lunr);
const pipe = lunr.Pipeline.load([input.rules.label]);
const out = input.strings.map(s => ({
  terms: tok.tokenize(s).map(t => [t.text, t.start, t.length]),
  piped: pipe.run(lunr.tokenizer(s)).map(t => [t.toString(), t.metadata.p]),
  ident: tok.normaliseIdentifier(s),
  hashes: tok.tokenize(s).map(t => T.fnv1a(t.text)),
}));
process.stdout.write(JSON.stringify(out));
"""


def run_node(strings):
    lunr_js = os.path.join(ROOT, "theme", "static", "vendor", "lunr", "lunr.min.js")
    payload = json.dumps({"rules": st.rules_table(), "strings": strings})
    proc = subprocess.run(["node", "-e", NODE_SCRIPT, JS, lunr_js], input=payload,
                          capture_output=True, text=True, check=True, timeout=60)
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def node_results():
    return run_node(TRICKY)


@pytest.mark.parametrize("index", range(len(TRICKY)))
def test_js_python_parity(node_results, index):
    from pipeline.ids import normalise_identifier

    text, js = TRICKY[index], node_results[index]
    py_terms = st.tokenize(text)
    assert js["terms"] == [[t.text, t.start, t.length] for t in py_terms]
    # the whole lunr path: lunr's whitespace tokenizer, then our pipeline step
    pipeline = Pipeline.load([st.PIPELINE_LABEL])
    piped = [[str(t), t.metadata[st.POSITION_KEY]] for t in pipeline.run(Tokenizer(text))]
    if any(ord(c) > 0xFFFF for c in text):
        # lunr.js's own tokenizer counts UTF-16 units; only Python builds indexes, so only the
        # terms must agree there (query offsets are code points on both sides, see tokenize)
        piped, js["piped"] = [t for t, _ in piped], [t for t, _ in js["piped"]]
    assert js["piped"] == piped
    assert js["ident"] == normalise_identifier(text)
    assert js["hashes"] == [st.fnv1a(t.text) for t in py_terms]
