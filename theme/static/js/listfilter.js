/* Progressive enhancement for static listing tables marked data-listfilter:
 * a keyword box and one <select> per column named in data-filter-columns, a result count in a
 * role="status" region, and sort buttons on headers marked data-sort (aria-sort kept in step).
 * Without JavaScript the full static table remains; nothing here fetches anything. */
(function () {
  "use strict";

  function cellText(row, index) {
    var cell = row.cells[index];
    return cell ? (cell.getAttribute("data-value") || cell.textContent).trim() : "";
  }

  function headerIndex(table, name) {
    var ths = table.tHead.rows[0].cells;
    for (var i = 0; i < ths.length; i++) {
      if (ths[i].textContent.trim() === name) return i;
    }
    return -1;
  }

  function field(labelText, control, id) {
    var wrap = document.createElement("div");
    wrap.className = "filter-field";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = labelText;
    control.id = id;
    wrap.appendChild(label);
    wrap.appendChild(control);
    return wrap;
  }

  function enhance(table, n) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var form = document.createElement("form");
    form.className = "list-filter";
    form.setAttribute("role", "search");
    form.setAttribute("aria-label", "筛选列表");
    var keyword = document.createElement("input");
    keyword.type = "search";
    form.appendChild(field("关键词", keyword, "lf-" + n + "-q"));

    var selects = [];
    (table.getAttribute("data-filter-columns") || "").split(",").forEach(function (name, k) {
      var index = headerIndex(table, name.trim());
      if (index < 0) return;
      var select = document.createElement("select");
      var all = document.createElement("option");
      all.value = "";
      all.textContent = "全部";
      select.appendChild(all);
      var seen = {};
      rows.map(function (r) { return cellText(r, index); }).sort().forEach(function (v) {
        if (v && !seen[v]) {
          seen[v] = true;
          var opt = document.createElement("option");
          opt.value = v;
          opt.textContent = v;
          select.appendChild(opt);
        }
      });
      selects.push({ index: index, el: select });
      form.appendChild(field(name.trim(), select, "lf-" + n + "-" + k));
    });

    var status = document.createElement("p");
    status.className = "filter-status";
    status.setAttribute("role", "status");
    table.parentNode.parentNode.insertBefore(form, table.parentNode);
    table.parentNode.parentNode.insertBefore(status, table.parentNode);

    function apply() {
      var q = keyword.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (row) {
        var ok = !q || row.textContent.toLowerCase().indexOf(q) !== -1;
        selects.forEach(function (s) {
          if (ok && s.el.value && cellText(row, s.index) !== s.el.value) ok = false;
        });
        row.hidden = !ok;
        if (ok) shown++;
      });
      status.textContent = "显示 " + shown + " / " + rows.length + " 条";
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });

    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      if (!th.hasAttribute("data-sort")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
          if (other.hasAttribute("aria-sort")) other.setAttribute("aria-sort", "none");
        });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        rows.sort(function (a, b) {
          var x = cellText(a, index), y = cellText(b, index);
          return ascending ? (x < y ? -1 : x > y ? 1 : 0) : (x < y ? 1 : x > y ? -1 : 0);
        });
        rows.forEach(function (row) { table.tBodies[0].appendChild(row); });
        status.textContent = "已按" + button.textContent + (ascending ? "升序" : "降序") + "排列";
      });
    });
    apply();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table[data-listfilter]"), enhance);
  });
})();
