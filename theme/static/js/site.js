// Site-wide behaviour, loaded on every page (no inline scripts: the CSP forbids them).
// Large-text (适老化) mode: a toggle button that persists the choice in localStorage.
(function () {
  "use strict";
  var KEY = "gongshi-large-text";
  var root = document.documentElement;

  function stored() {
    try { return window.localStorage.getItem(KEY) === "1"; } catch (e) { return false; }
  }
  function save(on) {
    try { window.localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
  }
  function apply(on, button) {
    root.classList.toggle("large-text", on);
    // The label stays "大字模式"; aria-pressed carries the state (no double meaning).
    if (button) { button.setAttribute("aria-pressed", on ? "true" : "false"); }
  }

  // Applied before the body renders, so the page does not jump in size.
  apply(stored(), null);

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("large-text-toggle");
    if (!button) { return; }
    apply(stored(), button);
    button.hidden = false;  // shown only when it can work
    button.addEventListener("click", function () {
      var on = !root.classList.contains("large-text");
      save(on);
      apply(on, button);
    });
  });
}());
