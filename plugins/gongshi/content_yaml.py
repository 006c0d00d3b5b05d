"""A fast reader for the block YAML that pipeline/export.py writes under content/.

PyYAML's C loader still builds every node and value in Python (~190 us a record file, the largest
single cost of a cold render). export.dump writes a small, fixed subset of YAML: block mappings and
sequences indented by two spaces (a sequence under a key at the key's own indent), keys that are
plain `[a-z_][a-z0-9_]*` or JSON-quoted, and scalars that are `null`, `true`, `false`, a decimal
integer, `{}`, `[]` or a JSON-quoted string (JSON escapes are YAML escapes). This module reads that
subset line by line (strings with escapes are decoded by the C JSON decoder).

It returns exactly what yaml.safe_load returns, or raises Unsupported for anything outside the
subset (a hand-edited file, PyYAML-style output, comments, anchors, odd characters …); the caller
then parses the file with PyYAML, so the result never depends on which reader ran.
tests/test_content_yaml.py compares both readers on the fixtures and on generated content.

Memory: a build keeps every record of every family, ~10^6 records at scale 40. Each parse made a
fresh str for every key and every value, yet only ~100 distinct keys and ~12 % distinct values
exist (dates, agency ids, statuses, stage names, notes repeat across records). `load(text, shared)`
takes a table {string: string} and gives every equal key or string value one object: at scale 10
the parsed store shrank from ~466 MB to ~170 MB. share() does the same for values built elsewhere
(PyYAML's fallback, unpickled cache entries).
"""

from __future__ import annotations

import json
import re


class Unsupported(ValueError):
    """The text is not in export.dump's subset: parse it with PyYAML."""


# Characters PyYAML refuses (its reader's NON_PRINTABLE), folds as line breaks inside quoted
# scalars (\x85 \u2028 \u2029), or treats specially (\r, a BOM): never in export.dump's output.
_SPECIAL = re.compile("[^\x0a\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd"
                      "\U00010000-\U0010ffff]")
# An escaped surrogate: json.loads would join a pair into one character and accept a lone one;
# PyYAML's C loader (the store's) refuses both. export.dump never writes one (astral characters
# go out raw, a lone surrogate is quarantined by the pull), so only a hand-edited file has one.
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_STRING = r'"(?:[^"\\]|\\.)*"'
_SCALAR = re.compile(rf"null|true|false|-?(?:0|[1-9][0-9]*)|\{{\}}|\[\]|{_STRING}")
# a mapping line: key, then ': ' and a scalar, or ':' alone (a nested block follows)
_ENTRY = re.compile(rf"([a-z_][a-z0-9_]*|{_STRING}):(?: (.*))?")
_CONSTANTS = {"null": None, "true": True, "false": False}


def load(text: str, shared: dict | None = None):
    """yaml.safe_load(text) for text written by export.dump; raises Unsupported otherwise.

    `shared` ({str: str}, kept by the caller across files): every key and string value equal to
    one seen before is that earlier object, and new ones are added. Same value, less memory."""
    if not text.endswith("\n") or _SPECIAL.search(text) or _SURROGATE.search(text):
        raise Unsupported("outside the export subset")
    lines = text[:-1].split("\n")
    if shared is None:
        shared = {}  # still shares within this file
    if len(lines) == 1 and _SCALAR.fullmatch(lines[0]):
        return _scalar(lines[0], shared)
    indents = [len(line) - len(line.lstrip(" ")) for line in lines]
    value, end = _block(lines, indents, 0, 0, shared)
    if end != len(lines):
        raise Unsupported(f"line {end + 1}")
    return value


def share(value, shared: dict):
    """`value` (parsed YAML: dicts, lists, scalars) with its keys and strings taken from
    `shared` (added when new). Dicts and lists are rebuilt: pass a value nobody else holds."""
    setdefault = shared.setdefault

    def walk(item):
        kind = type(item)
        if kind is str:
            return setdefault(item, item)
        if kind is dict:
            return {(setdefault(k, k) if type(k) is str else k):
                    (setdefault(v, v) if type(v) is str else walk(v) if type(v) in _NESTED else v)
                    for k, v in item.items()}
        if kind is list:
            return [setdefault(v, v) if type(v) is str else walk(v) if type(v) in _NESTED else v
                    for v in item]
        return item

    return walk(value)


_NESTED = (dict, list)


def _string(token: str) -> str:
    # without a backslash a JSON string is its text between the quotes (_SPECIAL already ruled
    # out raw control characters); with one, the C JSON decoder reads the escapes
    if "\\" not in token:
        return token[1:-1]
    try:
        return json.loads(token)
    except ValueError as exc:
        raise Unsupported(str(exc)) from None


def _scalar(token: str, shared: dict):
    if token[0] == '"':
        value = _string(token)
        return shared.setdefault(value, value)
    if token in _CONSTANTS:
        return _CONSTANTS[token]
    if token == "{}":
        return {}
    if token == "[]":
        return []
    return int(token)


def _block(lines: list[str], indents: list[int], i: int, indent: int, shared: dict):
    """The mapping or sequence starting at lines[i] (indented by `indent`); returns (value, next).
    indents[i] is the number of leading spaces of lines[i]."""
    if i >= len(lines) or indents[i] != indent:
        raise Unsupported(f"line {i + 1}: expected a block at indent {indent}")
    if lines[i].startswith("- ", indent):
        return _sequence(lines, indents, i, indent, shared)
    return _mapping(lines, indents, i, indent, shared)


def _mapping(lines: list[str], indents: list[int], i: int, indent: int, shared: dict):
    out = {}
    count = len(lines)
    while i < count and indents[i] == indent:
        match = _ENTRY.fullmatch(lines[i], indent)
        if match is None:
            raise Unsupported(f"line {i + 1}")
        key, rest = match.groups()
        if key[0] == '"':
            key = _string(key)
        key = shared.setdefault(key, key)
        if rest is None:  # nested: a sequence at this same indent, or a mapping two spaces in
            same = i + 1 < count and indents[i + 1] == indent and lines[i + 1].startswith("- ", indent)
            out[key], i = _block(lines, indents, i + 1, indent if same else indent + 2, shared)
        elif _SCALAR.fullmatch(rest):
            out[key] = _scalar(rest, shared)
            i += 1
        else:
            raise Unsupported(f"line {i + 1}")
    if i < count and indents[i] > indent:
        raise Unsupported(f"line {i + 1}: unexpected indent")
    return out, i


def _sequence(lines: list[str], indents: list[int], i: int, indent: int, shared: dict):
    out = []
    count = len(lines)
    while i < count and indents[i] == indent and lines[i].startswith("- ", indent):
        rest = lines[i][indent + 2:]
        if _SCALAR.fullmatch(rest):
            out.append(_scalar(rest, shared))
            i += 1
        else:  # the first line of a nested block, two spaces in
            lines[i] = " " * (indent + 2) + rest
            indents[i] = len(lines[i]) - len(lines[i].lstrip(" "))
            value, i = _block(lines, indents, i, indent + 2, shared)
            out.append(value)
    if i < count and indents[i] > indent:
        raise Unsupported(f"line {i + 1}: unexpected indent")
    return out, i
