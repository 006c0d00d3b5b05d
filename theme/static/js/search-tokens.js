/* CJK token rules for search, the browser half of plugins/gongshi/search_tokens.py.
 *
 * The character classes and bracket map are NOT written here: they come from the rule table the
 * build writes (search/manifest.json -> "rules"), generated from the Python module, so both sides
 * share one definition. tests/test_search_tokens.py runs this file in node and compares.
 * Offsets count code points (like Python), not UTF-16 units.
 */
(function (root) {
  'use strict';

  var HAN = 'h', WORD = 'w', SEP = 's';

  function inRanges(ranges, cp) {
    for (var i = 0; i < ranges.length; i++) {
      if (cp >= ranges[i][0] && cp <= ranges[i][1]) { return true; }
    }
    return false;
  }

  function create(rules) {
    var brackets = rules.brackets;

    function charClass(ch) {
      var cp = ch.codePointAt(0);
      if (inRanges(rules.han, cp)) { return HAN; }
      if (inRanges(rules.word, cp)) { return WORD; }
      return SEP;
    }

    function normaliseChar(ch) {
      var text = ch.normalize('NFKC').toLowerCase(), out = '';
      for (var c of text) { out += Object.prototype.hasOwnProperty.call(brackets, c) ? brackets[c] : c; }
      return out;
    }

    function runs(text) {
      var result = [], kind = null, run = [], offset = 0;
      for (var ch of text) {
        for (var norm of normaliseChar(ch)) {
          var cls = charClass(norm);
          if (cls !== kind && run.length) { result.push([kind, run]); run = []; }
          kind = cls;
          run.push([norm, offset]);
        }
        offset++;
      }
      if (run.length) { result.push([kind, run]); }
      return result;
    }

    function term(chars) {
      var start = chars[0][1], text = '';
      for (var i = 0; i < chars.length; i++) { text += chars[i][0]; }
      return { text: text, start: start, length: chars[chars.length - 1][1] - start + 1 };
    }

    /* Text -> [{text, start, length}] exactly as search_tokens.tokenize(). */
    function tokenize(text) {
      var out = [], all = runs(text || '');
      for (var r = 0; r < all.length; r++) {
        var kind = all[r][0], run = all[r][1];
        if (kind === WORD || (kind === HAN && run.length === 1)) {
          out.push(term(run));
        } else if (kind === HAN) {
          for (var i = 0; i + 1 < run.length; i++) { out.push(term(run.slice(i, i + 2))); }
        }
      }
      return out;
    }

    /* lunr pipeline step, registered under the same label as in Python. */
    function pipelineFunction(token) {
      var base = (token.metadata && token.metadata.position) ? token.metadata.position[0] : 0;
      return tokenize(token.toString()).map(function (t) {
        var metadata = Object.assign({}, token.metadata, { p: base + t.start });
        return new root.lunr.Token(t.text, metadata);
      });
    }

    /* Same as pipeline.ids.normalise_identifier: NFKC, brackets unified, no spaces, upper case. */
    function normaliseIdentifier(value) {
      var text = String(value).normalize('NFKC'), out = '';
      for (var c of text) { out += Object.prototype.hasOwnProperty.call(brackets, c) ? brackets[c] : c; }
      return out.replace(/\s+/g, '').toUpperCase();
    }

    return {
      label: rules.label,
      charClass: charClass,
      normaliseChar: normaliseChar,
      tokenize: tokenize,
      pipelineFunction: pipelineFunction,
      normaliseIdentifier: normaliseIdentifier,
      isHan: function (t) { return charClass(String.fromCodePoint(t.codePointAt(0))) === HAN; },
      isSeparator: function (c) { return charClass(c) === SEP; },
      register: function (lunr) {
        if (!lunr.Pipeline.registeredFunctions[rules.label]) {
          lunr.Pipeline.registerFunction(pipelineFunction, rules.label);
        }
      }
    };
  }

  /* 32-bit FNV-1a over UTF-8 bytes, as search_tokens.fnv1a(). */
  function fnv1a(text) {
    var bytes = new TextEncoder().encode(text), h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
  }

  var api = { create: create, fnv1a: fnv1a };
  if (typeof module !== 'undefined' && module.exports) { module.exports = api; }
  else { root.GongshiTokens = api; }
})(typeof window !== 'undefined' ? window : globalThis);
