// Observation countdown (no inline script: strict CSP). Reads data-ends-at (ISO 8601) on [data-countdown].
(function () {
  "use strict";
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function start(el) {
    var end = Date.parse(el.getAttribute("data-ends-at"));
    var out = el.querySelector("[data-countdown-remaining]");
    if (isNaN(end) || !out) { return; }
    function tick() {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      if (left === 0) {
        out.textContent = el.getAttribute("data-done-text") || "";
        el.classList.add("countdown-done");
        return;
      }
      out.textContent = Math.floor(left / 60) + ":" + pad(left % 60);
      window.setTimeout(tick, 1000);
    }
    tick();
  }
  function init() { document.querySelectorAll("[data-countdown]").forEach(start); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
