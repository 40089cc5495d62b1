// The "Select all on this page" checkbox of the Admin Portal's lists with bulk actions (list.html).
//
// Without this file every row still has its own labelled checkbox and the bulk action bar is a
// plain form that posts the ticked ones; this only shows the select-all box in the header and keeps
// it in step with the rows (ticked when all are, mixed when some are). Loaded with the page's CSP
// nonce: no inline code, no eval.
(function () {
  "use strict";

  function start() {
    var all = document.querySelector("[data-select-all]");
    if (!all) { return; }
    var rows = Array.prototype.slice.call(document.querySelectorAll("[data-bulk-row]"));
    var label = all.closest("label");
    var fallback = document.querySelector("[data-select-all-fallback]");
    if (label) { label.hidden = false; }
    if (fallback) { fallback.hidden = true; }

    function sync() {
      var ticked = rows.filter(function (box) { return box.checked; }).length;
      all.checked = ticked > 0 && ticked === rows.length;
      all.indeterminate = ticked > 0 && ticked < rows.length;
    }

    all.addEventListener("change", function () {
      rows.forEach(function (box) { box.checked = all.checked; });
      sync();
    });
    rows.forEach(function (box) { box.addEventListener("change", sync); });
    sync();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
