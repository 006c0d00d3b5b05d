// 案件办理进度查询: derive the key from (案件编号, 查询码) with PBKDF2 + HKDF, fetch exactly one shard,
// find the entry by its tag and decrypt it with AES-GCM — all with Web Crypto, nothing sent
// anywhere but the one same-origin shard request. Mirrors pipeline/lookup_crypto.py:
//   stretched = PBKDF2-SHA256(normCase + "\n" + normCode, salt, iterations, 256 bits)
//   derived   = HKDF-SHA256(stretched, salt, info "gongshi-lookup-v2", 512 bits)
//   (one PBKDF2 block: a second would double the phone's wait and cost an attacker nothing)
//   shard   = uint32(derived[0:4]) % shards; tag = derived[16:32]; key = derived[32:64]
//   slot    = tag(16) | nonce(12) | AES-GCM(ciphertext + 16-byte tag), additional data = tag
//   plain   = 2-byte length | deflate-raw(entry JSON) | zero padding
// Entry keys: n case name, g body (index into texts.agencies: [name, phone, supervision phone]),
// p procedure, s [[stage (index into texts.stages), d|c|u|m, date]], d [decision due, status] or
// null, r [legal review applies 0/1, review date], k rights open now [[name, due, status,
// working days 0/1]], o years with unpublished holiday schedules. textContent only, never HTML.
(function () {
  "use strict";

  var NOT_FOUND = "未找到与该案件编号和查询码相符的记录。请核对案件通知书上的案件编号和查询码后重试；如仍有疑问，请联系办案机关。";
  var BRACKETS = { "（": "(", "）": ")", "〔": "[", "〕": "]", "［": "[", "］": "]",
                   "【": "[", "】": "]", "﹝": "[", "﹞": "]" };

  function normCase(text) {
    var s = text.normalize("NFKC").replace(/[（）〔〕［］【】﹝﹞]/g, function (c) { return BRACKETS[c]; });
    return s.replace(/\s+/g, "").toUpperCase();
  }

  function normCode(text) {
    var s = text.normalize("NFKC").toUpperCase().replace(/[\s\-‐‑‒–—―−_]+/g, "");
    return s.replace(/O/g, "0").replace(/[IL]/g, "1");
  }

  function b64(text) {
    var raw = atob(text), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  function sameBytes(a, b) {
    if (a.length !== b.length) { return false; }
    for (var i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return false; } }
    return true;
  }

  var SCHEME = "gongshi-lookup-v2";  // the HKDF info, lookup_crypto.SCHEME

  async function derive(params, caseNo, code) {
    var pw = new TextEncoder().encode(normCase(caseNo) + "\n" + normCode(code));
    var base = await crypto.subtle.importKey("raw", pw, "PBKDF2", false, ["deriveBits"]);
    var stretched = await crypto.subtle.deriveBits(
      { name: "PBKDF2", hash: "SHA-256", salt: params.salt, iterations: params.iterations }, base, 256);
    var prk = await crypto.subtle.importKey("raw", stretched, "HKDF", false, ["deriveBits"]);
    var bits = await crypto.subtle.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt: params.salt, info: new TextEncoder().encode(SCHEME) }, prk, 512);
    return new Uint8Array(bits);
  }

  function shardUrl(params, derived) {
    var index = new DataView(derived.buffer).getUint32(0, false) % params.shards;
    var name = index.toString(16);
    while (name.length < params.digits) { name = "0" + name; }
    // the build id in the query keeps a browser or proxy from pairing this page with old shards
    return params.base + name + ".bin" + (params.version ? "?v=" + encodeURIComponent(params.version) : "");
  }

  async function inflate(padded) {
    var size = (padded[0] << 8) | padded[1];
    var stream = new Blob([padded.subarray(2, 2 + size)]).stream()
      .pipeThrough(new DecompressionStream("deflate-raw"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  async function openEntry(params, derived, shard) {
    var tag = derived.slice(16, 32);
    for (var start = 0; start + params.slot <= shard.length; start += params.slot) {
      if (!sameBytes(shard.subarray(start, start + 16), tag)) { continue; }
      var key = await crypto.subtle.importKey("raw", derived.slice(32, 64), "AES-GCM", false, ["decrypt"]);
      var plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: shard.slice(start + 16, start + 28), additionalData: tag, tagLength: 128 },
        key, shard.slice(start + 28, start + params.slot));
      return JSON.parse(new TextDecoder().decode(await inflate(new Uint8Array(plain))));
    }
    return null;
  }

  // --- rendering (DOM + textContent only) ---
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }

  function zhDate(iso) {
    if (!iso) { return ""; }
    var p = iso.split("-");
    return parseInt(p[0], 10) + "年" + parseInt(p[1], 10) + "月" + parseInt(p[2], 10) + "日";
  }

  function row(dl, term, value) {
    dl.appendChild(el("dt", term));
    dl.appendChild(el("dd", value || "—"));
  }

  function steps(entry, texts) {
    var ol = el("ol", null, "step-indicator");
    entry.s.forEach(function (s) {
      var li = el("li", null, "step step--" + s[1]);
      if (s[1] === "c") { li.setAttribute("aria-current", "step"); }
      li.appendChild(el("span", texts.stages[s[0]], "step-name"));
      li.appendChild(el("span", texts.states[s[1]], "step-state"));
      if (s[2]) { li.appendChild(el("span", zhDate(s[2]), "step-date")); }
      ol.appendChild(li);
    });
    return ol;
  }

  function nextStep(entry, texts) {
    var current = entry.s.filter(function (s) { return s[1] === "c"; })[0];
    if (!current) { return texts.closed; }
    var name = texts.stages[current[0]];
    return texts.next[name] || ("下一环节：" + name + "。");
  }

  function reviewText(r) {
    var done = r[1] ? "已于" + zhDate(r[1]) + "完成法制审核" : "";
    if (r[0]) { return done ? "适用（重大执法决定），" + done : "适用（重大执法决定），尚未完成"; }
    return done ? done + "（本案不属于必须法制审核的重大执法决定）" : "本案不属于必须法制审核的重大执法决定";
  }

  function render(section, entry, texts) {
    section.textContent = "";
    var h = el("h2", entry.n);
    h.id = "lookup-result-title";
    h.tabIndex = -1;
    section.appendChild(h);
    var agency = texts.agencies[entry.g] || ["", "", ""];
    var facts = el("dl", null, "lookup-facts");
    row(facts, "办案机关", agency[0]);
    row(facts, "程序类型", entry.p);
    row(facts, "数据截至", zhDate(texts.asOf));
    section.appendChild(facts);

    section.appendChild(el("h3", "办理进度"));
    section.appendChild(steps(entry, texts));

    var limits = el("dl", null, "lookup-facts");
    var noLimit = entry.p === "简易程序" ? "简易程序当场作出决定，不适用九十日期限" : "未记录立案日期，无法计算期限";
    row(limits, "作出处罚决定的期限", entry.d ? zhDate(entry.d[0]) + "前（立案之日起九十日）：" + entry.d[1] : noLimit);
    row(limits, "法制审核", reviewText(entry.r));
    row(limits, "下一步", nextStep(entry, texts));
    section.appendChild(limits);

    section.appendChild(el("h3", "您现在可以行使的权利"));
    if (entry.k.length) {
      var ul = el("ul", null, "lookup-rights");
      entry.k.forEach(function (r) {
        ul.appendChild(el("li", r[0] + "：" + zhDate(r[1]) + "前" + (r[3] ? "（按工作日计算）" : "") + "，" + r[2]));
      });
      section.appendChild(ul);
    } else {
      section.appendChild(el("p", "当前环节暂无需要您在期限内行使的权利。"));
    }
    entry.o.forEach(function (year) {
      section.appendChild(el("p", texts.calendar.split("{year}").join(String(year)), "notice"));
    });

    var phones = el("dl", null, "lookup-facts");
    row(phones, "办案机关电话", agency[1]);
    row(phones, "监督电话", agency[2]);
    section.appendChild(phones);
    section.hidden = false;
    h.focus();
  }

  function start() {
    var form = document.getElementById("lookup-form");
    if (!form) { return; }
    var status = document.getElementById("lookup-status");
    var result = document.getElementById("lookup-result");
    var button = document.getElementById("lookup-submit");
    var d = form.dataset;
    var params = { salt: b64(d.salt), iterations: parseInt(d.iterations, 10), shards: parseInt(d.shards, 10),
                   digits: parseInt(d.digits, 10), slot: parseInt(d.slot, 10), base: d.base, version: d.version };
    var texts = JSON.parse(d.texts);
    if (!window.crypto || !window.crypto.subtle || !window.DecompressionStream ||
        !("normalize" in String.prototype)) {
      status.textContent = "您的浏览器不支持本查询所需的加密功能，请更换较新版本的浏览器，或致电办案机关查询。";
      button.disabled = true;
      return;
    }
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      var caseNo = document.getElementById("lookup-case").value;
      var code = document.getElementById("lookup-code").value;
      result.hidden = true;
      result.textContent = "";
      if (!normCase(caseNo) || !normCode(code)) {
        status.textContent = "请填写案件编号和查询码。";
        return;
      }
      button.disabled = true;
      status.textContent = "正在计算查询密钥，请稍候……";
      try {
        var derived = await derive(params, caseNo, code);
        status.textContent = "正在获取加密数据……";
        var response = await fetch(shardUrl(params, derived), { credentials: "same-origin" });
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        var entry = await openEntry(params, derived, new Uint8Array(await response.arrayBuffer()));
        if (entry) {
          status.textContent = "查询完成。";
          render(result, entry, texts);
        } else {
          status.textContent = NOT_FOUND;
        }
      } catch (err) {
        status.textContent = (err instanceof TypeError || /^HTTP/.test(String(err.message)))
          ? "暂时无法获取查询数据，请检查网络后重试。" : NOT_FOUND;
      } finally {
        button.disabled = false;
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
