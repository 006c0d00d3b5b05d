"""Token rules: unit tests and parity between Python (index build) and JS (browser queries)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

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


_TWO_NAMES = """
import json, sys
sys.path[:0] = [sys.argv[1]]
from lunr.pipeline import Pipeline
from lunr.tokenizer import Tokenizer
if sys.argv[2] == "render":
    # pipeline bench: a build (Pelican loads the plugin as `gongshi`), then bench.search_sizes
    from pipeline.render import render_site
    render_site(sys.argv[3], sys.argv[4], extra_settings={"GONGSHI_FAMILIES": ["generators.search"]})
    import plugins.gongshi.search_bench
else:  # the tests: `plugins.gongshi` first, then a render or `gongshi` directly
    import plugins.gongshi.search_tokens
    sys.path.append(sys.argv[1] + "/plugins")
    import gongshi.search_tokens
a, b = sys.modules["plugins.gongshi.search_tokens"], sys.modules["gongshi.search_tokens"]
assert a is not b  # two copies of the module: the reason it registered twice
terms = [[str(t) for t in Pipeline.load([m.PIPELINE_LABEL]).run(Tokenizer("甲公司"))] for m in (a, b)]
print(json.dumps([a.cjk_pipeline_function.label, b.cjk_pipeline_function.label, terms]))
"""


@pytest.mark.parametrize("path", ["import", "render"])
def test_tokenizer_registers_once_under_both_module_names(path, tmp_path):
    """Pelican loads the plugin as `gongshi` (PLUGIN_PATHS), tests and the bench import it as
    `plugins.gongshi`: one process can hold both copies of search_tokens. Registering the same
    function again made lunr warn "Overwriting existing registered function gongshiCjk" on
    stderr in every such build; the copy now finds its twin registered and only takes the label."""
    args = [os.path.join(ROOT, "tests", "fixtures", "content"), str(tmp_path / "out")] if path == "render" else []
    env = dict(os.environ, GONGSHI_LAWS_DIR=os.environ.get("GONGSHI_LAWS_DIR",
                                                           os.path.join(ROOT, "..", "shared", "laws")))
    proc = subprocess.run([sys.executable, "-c", _TWO_NAMES, ROOT, path, *args], cwd=str(tmp_path),
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Overwriting" not in proc.stderr and "not registered" not in proc.stderr, proc.stderr
    label_a, label_b, terms = json.loads(proc.stdout.strip().splitlines()[-1])
    assert label_a == label_b == st.PIPELINE_LABEL
    assert terms == [["甲公", "公司"], ["甲公", "公司"]]


def test_registering_again_is_quiet_but_another_function_still_replaces(caplog, monkeypatch):
    monkeypatch.setattr(Pipeline, "registered_functions", dict(Pipeline.registered_functions))
    # registered by this copy or by its twin (`gongshi.search_tokens`, if a render ran first)
    first = Pipeline.registered_functions[st.PIPELINE_LABEL]
    with caplog.at_level("WARNING", logger="lunr.pipeline"):
        st._register()
        assert Pipeline.registered_functions[st.PIPELINE_LABEL] is first
        assert not caplog.records

        def other(token, i, tokens):
            return token
        Pipeline.registered_functions[st.PIPELINE_LABEL] = other
        st._register()  # not the same code: lunr's own behaviour, warning included
    assert Pipeline.registered_functions[st.PIPELINE_LABEL] is st.cjk_pipeline_function
    assert [r.getMessage() for r in caplog.records] == [
        f"Overwriting existing registered function {st.PIPELINE_LABEL}"]
