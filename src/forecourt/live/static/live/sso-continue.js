// Repeats an identity provider's answer from the portal's own page (live/sso/bounce.py says why):
// the form carries the answer as it came; this submits it at once. Without JavaScript, its button does.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("sso-continue");
  if (form) { form.submit(); }
});
