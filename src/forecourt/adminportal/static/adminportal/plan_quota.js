// The plan form's limits (form.html, plans only): while "unlimited rate" or "unlimited quota" is
// ticked, the numbers it makes meaningless are hidden (the `hidden` attribute on their field's
// row), and shown again when it is unticked. Without this file every field shows; the server
// ignores those numbers while unlimited either way (resources.forms.PlanForm.clean: blank ones keep
// the plan's values).
// Loaded with the page's CSP nonce: no inline code, no eval.
(function () {
  "use strict";

  var GROUPS = {
    rate_unlimited: ["rate_limit", "rate_per"],
    quota_unlimited: ["quota_max", "quota_renewal_seconds"]
  };

  function start() {
    Object.keys(GROUPS).forEach(function (name) {
      var box = document.querySelector("input[type=checkbox][name='" + name + "']");
      if (!box) { return; }
      var rows = GROUPS[name].map(function (field) { return document.getElementById("row-" + field); })
        .filter(Boolean);
      function apply() {
        // A field with an error stays in sight, so the error summary's link still leads to it.
        rows.forEach(function (row) { row.hidden = box.checked && !row.classList.contains("invalid"); });
      }
      box.setAttribute("aria-controls", rows.map(function (row) { return row.id; }).join(" "));
      box.addEventListener("change", apply);
      apply();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
