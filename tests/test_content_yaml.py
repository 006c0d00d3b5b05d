"""content_yaml.load reads export.dump's YAML exactly as yaml.safe_load does, and refuses the rest."""

from __future__ import annotations

import glob
import os
import random

import pytest
import yaml

from pipeline.export import dump
from plugins.gongshi import content_yaml
from plugins.gongshi.store import _parse

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "content")

TRICKY_STRINGS = [
    "", " ", "a: b", "- x", "#not a comment", "'single'", '"double"', "back\\slash", "tab\there",
    "line\nbreak", "crlf\r\n", "nel\x85", "ls\u2028ps\u2029", "bom\ufeff", "nul\x00", "del\x7f",
    "emoji 😀", "null", "true", "yes", "~", "1", "-5", "0x1F", "1e3",
    "2024-03-05", "{}", "[]", "&anchor", "*alias", "!tag", "%", "@", "`", "全角：冒号", "\\u0041",
]
TRICKY_KEYS = ["plain_key", "_under", "yes", "null", "on", "1a", "a b", "A", "键", "a:b", "", "-"]


def _same(text: str) -> bool:
    """The store reads text as PyYAML does; True when the fast reader (not the fallback) did."""
    want = yaml.safe_load(text)
    try:
        got, fast = content_yaml.load(text), True
    except content_yaml.Unsupported:
        got, fast = _parse(text.encode("utf-8")), False
    assert got == want and repr(got) == repr(want), text  # repr: True is not 1
    return fast


@pytest.mark.parametrize("value", TRICKY_STRINGS)
def test_strings_read_back_as_pyyaml_reads_them(value):
    for data in ({"k": value}, [value], value, {"k": [value, {"n": value}]}):
        assert _same(dump(data))


@pytest.mark.parametrize("key", TRICKY_KEYS)
def test_keys_read_back_as_pyyaml_reads_them(key):
    assert _same(dump({key: 1, "x": {key: [key]}}))


def _random_value(rng: random.Random, depth: int = 0):
    choice = rng.randrange(9 if depth < 4 else 5)
    if choice == 0:
        return rng.choice([None, True, False])
    if choice == 1:
        return rng.randrange(-10**12, 10**12)
    if choice in (2, 3, 4):
        return "".join(rng.choice(TRICKY_STRINGS[:20] + ["案件", "x", " "]) for _ in range(rng.randrange(3)))
    if choice in (5, 6):
        return {rng.choice(TRICKY_KEYS + ["id", "name"]): _random_value(rng, depth + 1)
                for _ in range(rng.randrange(4))}
    return [_random_value(rng, depth + 1) for _ in range(rng.randrange(4))]


def test_random_structures_read_back_as_pyyaml_reads_them():
    rng = random.Random(20261126)
    fast = sum(_same(dump(_random_value(rng))) for _ in range(1500))
    assert fast > 1000, "the fast reader should read nearly all of export.dump's output"


def test_other_yaml_is_refused_so_pyyaml_reads_it():
    for text in ["a: b\n", "a: 'x'\n", "# c\na: 1\n", "---\na: 1\n", "a: 1", "a:  1\n",
                 "a: &x 1\nb: *x\n", "a:\n", "a: 1\n  b: 2\n", "- 1\n  - 2\n", "a: 0o17\n",
                 "a: 012\n", "a: 1_000\n", "a: 1.5\n", "a: \"x\" # c\n", "a: \"x\"\r\n", "",
                 "\ufeffa: 1\n", "a: [1, 2]\n"]:
        with pytest.raises(content_yaml.Unsupported):
            content_yaml.load(text)
        try:
            want = yaml.safe_load(text)
        except yaml.YAMLError:  # invalid YAML stays an error
            with pytest.raises(yaml.YAMLError):
                _parse(text.encode("utf-8"))
        else:
            assert _parse(text.encode("utf-8")) == want, text


@pytest.mark.parametrize("escape", ["\\ud83d\\ude00", "\\ud800", "\\udc00", "\\uDFFF"])
def test_escaped_surrogates_are_left_to_pyyaml(escape):
    # json.loads would join the pair into one character and accept a lone low surrogate (which
    # the old high-only check let through); PyYAML's C loader refuses every such escape
    text = f'a: "x{escape}"\n'
    with pytest.raises(content_yaml.Unsupported):
        content_yaml.load(text)
    with pytest.raises(yaml.YAMLError):
        _parse(text.encode("utf-8"))


def test_the_store_reads_every_fixture_file_as_pyyaml_does():
    paths = sorted(glob.glob(os.path.join(FIXTURE, "**", "*.yaml"), recursive=True))
    assert paths
    for path in paths:
        with open(path, "rb") as fh:
            data = fh.read()
        assert _parse(data) == yaml.safe_load(data.decode("utf-8")), path
        if os.path.basename(path) != "site.yaml":  # the same records as written by the pipeline
            record = yaml.safe_load(data.decode("utf-8"))
            _same(dump(record))
