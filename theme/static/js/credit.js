/* Business credit check: validate a 统一社会信用代码 (GB 32100 check digit), fetch the one shard
 * that can hold it (fnv1a32(code) % shard count, as plugins/gongshi/generators/credit.py), and
 * show its published records. All data is written with textContent. */
(function () {
  "use strict";
  var CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  var WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

  function normalise(raw) {
    return (raw || "").normalize("NFKC").replace(/[\s\-—_]/g, "").toUpperCase();
  }

  // "" when valid, else the reason in plain Chinese
  function problem(code) {
    if (!code) return "请输入统一社会信用代码。";
    if (code.length !== 18) return "统一社会信用代码应为 18 位，您输入了 " + code.length + " 位。";
    for (var i = 0; i < 18; i++) {
      if (CHARS.indexOf(code[i]) < 0) return "第 " + (i + 1) + " 位“" + code[i] + "”不是统一社会信用代码中使用的字符（不使用 I、O、Z、S、V）。";
    }
    var sum = 0;
    for (var j = 0; j < 17; j++) sum += CHARS.indexOf(code[j]) * WEIGHTS[j];
    if (CHARS[(31 - (sum % 31)) % 31] !== code[17]) return "校验位不正确，请核对代码是否输入有误。";
    return "";
  }

  function fnv1a32(text) {
    var h = 0x811c9dc5;
    var bytes = new TextEncoder().encode(text);
    for (var i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
  }

  function zhDate(iso) {
    if (!iso) return "—";
    var p = String(iso).split("-");
    return p.length === 3 ? parseInt(p[0], 10) + "年" + parseInt(p[1], 10) + "月" + parseInt(p[2], 10) + "日" : iso;
  }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function section(title, items, render) {
    var wrap = el("section");
    wrap.appendChild(el("h3", title + "（" + items.length + " 条）"));
    if (!items.length) { wrap.appendChild(el("p", "无公示中的记录。")); return wrap; }
    var ul = el("ul", null, "credit-list");
    items.forEach(function (item) { ul.appendChild(render(item)); });
    wrap.appendChild(ul);
    return wrap;
  }

  function link(item, text) {
    var a = el("a", text);
    a.href = item.url;
    return a;
  }

  function show(result, code, entry) {
    result.textContent = "";
    result.appendChild(el("h2", entry.name || code));
    result.appendChild(el("p", "统一社会信用代码：" + code));
    var listed = entry.blacklist.filter(function (b) { return b.status === "列入"; });
    var tag = el("p");
    tag.appendChild(el("strong", listed.length ? "列入严重失信主体名单" : "未列入严重失信主体名单", listed.length ? "tag tag-warn" : "tag tag-grey"));
    result.appendChild(tag);
    result.appendChild(section("严重失信主体名单", entry.blacklist, function (b) {
      var li = el("li");
      li.appendChild(link(b, b.area + "领域 · " + b.status));
      li.appendChild(el("span", "，列入日期 " + zhDate(b.listed) + (b.removed ? "，移出日期 " + zhDate(b.removed) : "") + "，公示至 " + zhDate(b.until)));
      return li;
    }));
    result.appendChild(section("行政处罚", entry.penalties, function (p) {
      var li = el("li");
      li.appendChild(link(p, p.no));
      li.appendChild(el("span", "，" + p.agency + "，" + (p.kinds || []).join("、") + "，决定日期 " + zhDate(p.date) + "，公示至 " + zhDate(p.until)));
      return li;
    }));
    result.appendChild(section("行政许可", entry.permits, function (p) {
      var li = el("li");
      li.appendChild(link(p, p.no));
      li.appendChild(el("span", "，" + (p.name || "") + "，" + p.agency + "，有效期至 " + zhDate(p.until)));
      return li;
    }));
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("credit-form");
    if (!form) return;
    var input = document.getElementById("credit-code");
    var error = document.getElementById("credit-error");
    var status = document.getElementById("credit-status");
    var result = document.getElementById("credit-result");
    var shards = parseInt(form.getAttribute("data-shards"), 10) || 1;
    var base = form.getAttribute("data-shard-base");

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var code = normalise(input.value);
      var why = problem(code);
      result.hidden = true;
      if (why) {
        error.textContent = why;
        error.hidden = false;
        input.setAttribute("aria-invalid", "true");
        status.textContent = "代码格式有误：" + why;
        input.focus();
        return;
      }
      error.hidden = true;
      input.removeAttribute("aria-invalid");
      input.value = code;
      status.textContent = "正在查询……";
      fetch(base + (fnv1a32(code) % shards) + ".json")
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) {
          var entry = data[code];
          if (!entry) {
            result.textContent = "";
            result.appendChild(el("p", "未查到统一社会信用代码为 " + code + " 的公示记录：该主体目前不在严重失信主体名单中，也没有本站公示中的行政处罚或行政许可。"));
            result.hidden = false;
            status.textContent = "未查到公示记录。";
            return;
          }
          show(result, code, entry);
          result.hidden = false;
          status.textContent = "查询完成：失信名单 " + entry.blacklist.length + " 条，行政处罚 " + entry.penalties.length + " 条，行政许可 " + entry.permits.length + " 条。";
        })
        .catch(function () {
          status.textContent = "查询暂时无法完成，请稍后再试。";
        });
    });
  });
})();
