/* 全文检索 on /search/?q=…&kind=…&body=… (files written by plugins/gongshi/search_index.py).
 *
 * 1. manifest.json gives the token rules (search-tokens.js), shard counts, kinds, bodies and the
 *    ref segments (refs are base-36 numbers ordered by kind, body).
 * 2. An exact identifier (credit code, decision number, matter code) is looked up in x/<n>.json
 *    first and jumps to its record.
 * 3. The query is tokenized with the shared rules; only the index shards i/<n>.json holding its
 *    terms are fetched; each shard is queried with REQUIRED terms through idx.query (raw input
 *    never reaches idx.search) and the results are intersected. Exact phrase matches (checked
 *    on term positions) rank first.
 * 4. Titles and snippets come from the doc store chunks d/<n>.json of the shown results only.
 * All data is inserted with textContent / text nodes — never innerHTML.
 */
(function () {
  'use strict';

  var PER_GROUP = 3, PAGE = 20, MAX_TERMS = 8, SNIPPET = 120;
  var app = document.getElementById('search-app');
  if (!app || !window.lunr || !window.GongshiTokens) { return; }

  var base = app.getAttribute('data-base');
  var form = document.getElementById('search-form');
  var input = document.getElementById('search-q');
  var kindSelect = document.getElementById('search-kind');
  var bodySelect = document.getElementById('search-body');
  var statusEl = document.getElementById('search-status');
  var resultsEl = document.getElementById('search-results');
  var emptyEl = document.getElementById('search-empty');
  var exactEl = document.getElementById('search-exact');
  var exactList = document.getElementById('search-exact-list');
  var cache = {}, manifest = null, tok = null, kindLabels = {}, current = null, limit = PAGE;
  var seq = 0, baseTitle = document.title;

  function fetchJSON(path) {
    if (!cache[path]) {
      cache[path] = fetch(base + path).then(function (r) {
        if (!r.ok) { throw new Error(path + ': HTTP ' + r.status); }
        return r.json();
      });
      cache[path].catch(function () { delete cache[path]; });
    }
    return cache[path];
  }

  function loadManifest() {
    return fetchJSON('manifest.json').then(function (m) {
      if (!manifest) {
        manifest = m;
        tok = window.GongshiTokens.create(m.rules);
        tok.register(window.lunr);
        m.kinds.forEach(function (k) { kindLabels[k[0]] = k[1]; });
      }
      return manifest;
    });
  }

  var shardIndexes = {};
  function loadShard(n) {
    if (!shardIndexes[n]) {
      shardIndexes[n] = fetchJSON('i/' + n + '.json').then(function (data) {
        return window.lunr.Index.load(data);
      });
    }
    return shardIndexes[n];
  }

  /* ---- query planning ---------------------------------------------------------------- */

  /* Terms of one run to require: non-overlapping, skipping the index's most frequent terms
     (manifest.frequent: they match most documents, cost the most to score and narrow nothing)
     while the run has others; a run of frequent terms only keeps its plain cover. */
  function coverOf(r, frequent) {
    function greedy(skip) {
      var cover = [], coveredTo = r.start;
      r.terms.forEach(function (t) {
        if (skip && frequent[t.text]) { return; }
        if (t.start >= coveredTo) { cover.push(t); coveredTo = t.start + t.length; }
      });
      return { cover: cover, to: coveredTo };
    }
    var rare = greedy(true);
    if (rare.cover.length) { return rare.cover; }
    var all = greedy(false), last = r.terms[r.terms.length - 1];
    if (all.to < r.end && all.cover.indexOf(last) < 0) { all.cover.push(last); }
    return all.cover;
  }

  /* Query -> runs of touching terms, each with the terms to require and their offsets relative
     to the run start (for the phrase check) and its normalised characters (for highlighting). */
  function plan(q) {
    var terms = tok.tokenize(q), runs = [], run = null;
    terms.forEach(function (t) {
      if (run && t.start <= run.end) {
        run.terms.push(t);
        run.end = Math.max(run.end, t.start + t.length);
      } else {
        run = { terms: [t], start: t.start, end: t.start + t.length };
        runs.push(run);
      }
    });
    var budget = MAX_TERMS, qchars = Array.from(q), frequent = {};
    (manifest.frequent || []).forEach(function (t) { frequent[t] = true; });
    runs = runs.filter(function (r) {
      var full = coverOf(r, frequent);
      // a long query keeps its first MAX_TERMS terms: already very selective, and each term
      // may cost one shard download
      var cover = full.slice(0, Math.max(0, budget));
      budget -= cover.length;
      if (!cover.length) { return false; }
      var end = cover.length < full.length
        ? cover.reduce(function (e, t) { return Math.max(e, t.start + t.length); }, r.start) : r.end;
      r.cover = cover.map(function (t) { return { text: t.text, rel: t.start - r.start }; });
      r.chars = [];
      qchars.slice(r.start, end).forEach(function (ch) {
        Array.from(tok.normaliseChar(ch)).forEach(function (c) { r.chars.push(c); });
      });
      return true;
    });
    var unique = {};
    runs.forEach(function (r) { r.cover.forEach(function (c) { unique[c.text] = true; }); });
    return { runs: runs, terms: Object.keys(unique).sort() };
  }

  /* ---- full-text search over the term shards ------------------------------------------ */

  function byShard(terms) {
    var groups = {};
    terms.forEach(function (t) {
      var n = window.GongshiTokens.fnv1a(t) % manifest.shards;
      (groups[n] = groups[n] || []).push(t);
    });
    return groups;
  }

  function queryShard(idx, terms) {
    var REQUIRED = window.lunr.Query.presence.REQUIRED;
    return idx.query(function (q) {
      terms.forEach(function (t) { q.term(t, { presence: REQUIRED, usePipeline: false }); });
    });
  }

  /* Intersect per-shard results: a doc must match in every shard; scores add up. */
  function intersect(perShard) {
    var acc = null;
    perShard.forEach(function (results) {
      var next = new Map();
      results.forEach(function (r) {
        var prev = acc ? acc.get(r.ref) : null;
        if (acc && !prev) { return; }
        var meta = prev ? prev.meta : {};
        Object.keys(r.matchData.metadata).forEach(function (term) { meta[term] = r.matchData.metadata[term]; });
        next.set(r.ref, { ref: r.ref, score: r.score + (prev ? prev.score : 0), meta: meta });
      });
      acc = next;
    });
    return acc ? Array.from(acc.values()) : [];
  }

  function positions(meta, term, field) {
    var byField = meta[term];
    return (byField && byField[field] && byField[field].p) || [];
  }

  /* Every run of the query appears contiguously in one field. */
  function isPhrase(hit, runs) {
    return runs.every(function (run) {
      return manifest.fields.some(function (field) {
        var first = run.cover[0];
        return positions(hit.meta, first.text, field).some(function (p) {
          var start = p - first.rel;
          return run.cover.every(function (c) {
            return positions(hit.meta, c.text, field).indexOf(start + c.rel) >= 0;
          });
        });
      });
    });
  }

  function segmentOf(ref) {
    var n = parseInt(ref, 36), segs = manifest.segments, lo = 0, hi = segs.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (segs[mid][0] <= n) { lo = mid; } else { hi = mid - 1; }
    }
    return { n: n, kind: manifest.kinds[segs[lo][2]][0], body: segs[lo][3] >= 0 ? manifest.bodies[segs[lo][3]][0] : '' };
  }

  function search(planned) {
    var groups = byShard(planned.terms), shardIds = Object.keys(groups);
    return Promise.all(shardIds.map(function (n) { return loadShard(n); })).then(function (indexes) {
      var arrived = performance.now();
      var hits = intersect(indexes.map(function (idx, i) { return queryShard(idx, groups[shardIds[i]]); }));
      hits.forEach(function (h) {
        h.phrase = isPhrase(h, planned.runs);
        var seg = segmentOf(h.ref);
        h.n = seg.n; h.kind = seg.kind; h.body = seg.body;
      });
      hits.sort(function (a, b) {
        return (b.phrase - a.phrase) || (b.score - a.score) || (a.n - b.n);
      });
      return { hits: hits, arrived: arrived, queried: performance.now() };
    });
  }

  /* ---- exact identifiers ------------------------------------------------------------- */

  function exactLookup(q) {
    var ident = tok.normaliseIdentifier(q);
    if (ident.length < 4 || !/[0-9]/.test(ident)) { return Promise.resolve([]); }
    var n = window.GongshiTokens.fnv1a(ident) % manifest.idShards;
    return fetchJSON('x/' + n + '.json').then(function (map) {
      return Object.prototype.hasOwnProperty.call(map, ident) ? map[ident] : [];
    });
  }

  /* ---- rendering (text nodes only) --------------------------------------------------- */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function findAll(norm, needle, marks, origin) {
    var found = false;
    if (!needle.length) { return false; }
    for (var i = 0; i + needle.length <= norm.length; i++) {
      var j = 0;
      while (j < needle.length && norm[i + j] === needle[j]) { j++; }
      if (j === needle.length) {
        found = true;
        for (j = 0; j < needle.length; j++) { marks[origin[i + j]] = true; }
      }
    }
    return found;
  }

  /* Mark the query's runs (or, failing that, its terms) in text; return [chars, marks]. */
  function markText(text, planned) {
    var chars = Array.from(text || ''), norm = [], origin = [], marks = chars.map(function () { return false; });
    chars.forEach(function (ch, i) {
      Array.from(tok.normaliseChar(ch)).forEach(function (c) { norm.push(c); origin.push(i); });
    });
    var any = false;
    planned.runs.forEach(function (r) { any = findAll(norm, r.chars, marks, origin) || any; });
    if (!any) {
      planned.terms.forEach(function (t) { findAll(norm, Array.from(t), marks, origin); });
    }
    return [chars, marks];
  }

  function appendMarked(parent, chars, marks, from, to) {
    var i = from;
    while (i < to) {
      var j = i;
      while (j < to && marks[j] === marks[i]) { j++; }
      var text = chars.slice(i, j).join('');
      parent.appendChild(marks[i] ? el('mark', null, text) : document.createTextNode(text));
      i = j;
    }
  }

  function highlighted(tag, className, text, planned, window_) {
    var node = el(tag, className), m = markText(text, planned), chars = m[0], marks = m[1];
    var from = 0, to = chars.length;
    if (window_ && chars.length > window_) {
      var first = Math.max(0, marks.indexOf(true));
      from = Math.max(0, Math.min(first - 20, chars.length - window_));
      to = Math.min(chars.length, from + window_);
      while (to < chars.length && marks[to - 1] && marks[to]) { to++; }  // never cut a match
    }
    if (from > 0) { node.appendChild(document.createTextNode('…')); }
    appendMarked(node, chars, marks, from, to);
    if (to < chars.length) { node.appendChild(document.createTextNode('…')); }
    return node;
  }

  function docsFor(hits) {
    var chunks = {};
    hits.forEach(function (h) { chunks[Math.floor(h.n / manifest.chunk)] = true; });
    var ids = Object.keys(chunks);
    return Promise.all(ids.map(function (c) { return fetchJSON('d/' + c + '.json'); })).then(function (lists) {
      var docs = {};
      ids.forEach(function (c, i) {
        lists[i].forEach(function (row, k) { docs[Number(c) * manifest.chunk + k] = row; });
      });
      return docs;
    });
  }

  function resultItem(doc, planned) {
    var li = el('li'), link = highlighted('a', null, doc[2] || '（无标题）', planned);
    link.href = doc[1];
    li.appendChild(link);
    if (doc[3]) { li.appendChild(el('p', 'search-meta', doc[3])); }
    if (doc[4]) { li.appendChild(highlighted('p', 'search-snippet', doc[4], planned, SNIPPET)); }
    return li;
  }

  function countBy(hits, key) {
    var counts = {};
    hits.forEach(function (h) { counts[h[key]] = (counts[h[key]] || 0) + 1; });
    return counts;
  }

  function fillFilters(hits, state) {
    var byKind = countBy(hits.filter(function (h) { return !state.body || h.body === state.body; }), 'kind');
    Array.prototype.forEach.call(kindSelect.options, function (opt) {
      if (opt.value) { opt.textContent = kindLabels[opt.value] + '（' + (byKind[opt.value] || 0) + '）'; }
    });
    kindSelect.value = state.kind;
    var byBody = countBy(hits.filter(function (h) { return !state.kind || h.kind === state.kind; }), 'body');
    while (bodySelect.options.length > 1) { bodySelect.remove(1); }
    manifest.bodies.forEach(function (b) {
      if (byBody[b[0]] || b[0] === state.body) {
        var opt = el('option', null, b[1] + '（' + (byBody[b[0]] || 0) + '）');
        opt.value = b[0];
        bodySelect.appendChild(opt);
      }
    });
    bodySelect.value = state.body;
    document.getElementById('search-filters').hidden = false;
  }

  /* Group headings (with counts) are drawn at once; the items follow when the doc-store chunks
     of the shown results arrive. Returns a promise resolved when the items are in. */
  function renderGroups(hits, state, planned) {
    var shown = [], groups = [], frag = document.createDocumentFragment();
    manifest.kinds.forEach(function (k) {
      var inKind = hits.filter(function (h) { return h.kind === k[0]; });
      if (!inKind.length || (state.kind && state.kind !== k[0])) { return; }
      var g = { kind: k[0], label: k[1], all: inKind, shown: inKind.slice(0, state.kind ? limit : PER_GROUP),
                list: el('ol', 'search-list') };
      var section = el('section', 'search-group');
      section.appendChild(el('h2', null, g.label + '（' + g.all.length + ' 条）'));
      section.appendChild(g.list);
      if (g.all.length > g.shown.length) { section.appendChild(moreButton(g, state)); }
      frag.appendChild(section);
      groups.push(g);
      shown = shown.concat(g.shown);
    });
    resultsEl.replaceChildren(frag);
    return docsFor(shown).then(function (docs) {
      groups.forEach(function (g) {
        g.shown.forEach(function (h) { if (docs[h.n]) { g.list.appendChild(resultItem(docs[h.n], planned)); } });
      });
    });
  }

  function moreButton(g, state) {
    var more = el('button', 'search-more', state.kind ? '显示更多' : '查看全部 ' + g.all.length + ' 条' + g.label);
    more.type = 'button';
    more.addEventListener('click', function () {
      if (state.kind) { limit += PAGE; render(current); } else { navigate({ q: state.q, kind: g.kind, body: state.body }); }
    });
    return more;
  }

  function renderExact(entries) {
    exactList.replaceChildren();
    entries.forEach(function (e) {
      var li = el('li'), a = el('a', null, e[2] || e[1]);
      a.href = e[1];
      li.appendChild(el('span', 'search-meta', (kindLabels[e[0]] || '') + '：'));
      li.appendChild(a);
      exactList.appendChild(li);
    });
    exactEl.hidden = entries.length === 0;
  }

  function say(text) { statusEl.textContent = text; }

  /* ---- state, URL and history ------------------------------------------------------- */

  function readState() {
    var p = new URLSearchParams(location.search);
    return { q: (p.get('q') || '').trim(), kind: p.get('kind') || '', body: p.get('body') || '' };
  }

  function urlFor(state) {
    var p = new URLSearchParams();
    p.set('q', state.q);
    if (state.kind) { p.set('kind', state.kind); }
    if (state.body) { p.set('body', state.body); }
    return base + '?' + p.toString();
  }

  function navigate(state) {
    history.pushState(state, '', urlFor(state));
    limit = PAGE;
    run(state, true);
  }

  /* Render the current result set under the state's filters (no new query needed). */
  function render(result) {
    var state = result.state, hits = result.hits.filter(function (h) {
      return (!state.kind || h.kind === state.kind) && (!state.body || h.body === state.body);
    });
    fillFilters(result.hits, state);
    emptyEl.hidden = hits.length > 0 || result.exact.length > 0;
    var items = renderGroups(hits, state, result.planned);
    var text = hits.length ? '找到 ' + hits.length + ' 条结果' : '没有找到与“' + state.q + '”相关的结果';
    if (hits.length !== result.hits.length) { text += '（共 ' + result.hits.length + ' 条，已按条件筛选）'; }
    if (result.exact.length) { text = '找到 ' + result.exact.length + ' 条精确匹配的记录；' + text; }
    if (result.singleChar) { text += '。提示：单个汉字只匹配单独出现的字，输入两个或以上汉字可找到更多结果'; }
    say(text);
    return items;
  }

  function run(state, mayJump) {
    var mine = ++seq;
    app.setAttribute('data-state', 'loading');
    input.value = state.q;
    document.title = state.q ? state.q + ' - ' + baseTitle : baseTitle;
    if (!state.q) {
      say('请输入要搜索的关键词。');
      resultsEl.replaceChildren(); emptyEl.hidden = true; exactEl.hidden = true;
      app.setAttribute('data-state', 'done');
      return Promise.resolve();
    }
    say('正在搜索…');
    var started = performance.now();
    return loadManifest().then(function () {
      var planned = plan(state.q);
      // an exact identifier first: when it jumps, no index shard is fetched at all
      return exactLookup(state.q).then(function (exact) {
        if (mine !== seq) { return null; }
        if (mayJump && exact.length === 1) { location.assign(exact[0][1]); return null; }
        return Promise.all([exact, planned.terms.length ? search(planned) : { hits: [] }]);
      }).then(function (out) {
        if (!out || mine !== seq) { return; }
        var exact = out[0];
        renderExact(exact);
        current = { state: state, planned: planned, hits: out[1].hits, exact: exact,
                    singleChar: planned.terms.length === 1 && Array.from(planned.terms[0]).length === 1 && tok.isHan(planned.terms[0]) };
        var items = render(current);
        if (out[1].arrived) {  // counts and group headings are on screen now
          app.setAttribute('data-first-ms', (performance.now() - out[1].arrived).toFixed(1));
        }
        return items.then(function () {
          var done = performance.now();
          app.setAttribute('data-state', 'done');
          app.setAttribute('data-total-ms', (done - started).toFixed(1));
          if (out[1].arrived) {
            app.setAttribute('data-query-ms', (out[1].queried - out[1].arrived).toFixed(1));
            app.setAttribute('data-render-ms', (done - out[1].arrived).toFixed(1));
          }
        });
      });
    }).catch(function (err) {
      if (mine !== seq) { return; }
      app.setAttribute('data-state', 'error');
      say('搜索暂时无法使用，请稍后再试，或按栏目浏览。');
      emptyEl.hidden = false;
      if (window.console) { console.error(err); }
    });
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    navigate({ q: input.value.trim(), kind: kindSelect.value, body: bodySelect.value });
  });
  [kindSelect, bodySelect].forEach(function (select) {
    select.addEventListener('change', function () {
      if (!current) { return; }
      var state = { q: current.state.q, kind: kindSelect.value, body: bodySelect.value };
      history.pushState(state, '', urlFor(state));
      limit = PAGE;
      current.state = state;
      render(current);
    });
  });
  window.addEventListener('popstate', function () { limit = PAGE; run(readState(), false); });

  // A fresh navigation (not back/forward) may jump straight to an exactly matching record.
  var nav = performance.getEntriesByType ? performance.getEntriesByType('navigation')[0] : null;
  run(readState(), !nav || nav.type !== 'back_forward');
}());
