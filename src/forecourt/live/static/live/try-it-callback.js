// The "Try it" panel's OAuth 2.0 redirect back to the portal (authorization code + PKCE, issue 19):
// this popup hands the code to the docs page that opened it (postMessage to the portal's own origin
// only), takes the code out of its address and history at once, and closes. The docs page checks
// the message's origin, source and state, and exchanges the code with its PKCE verifier itself:
// the portal's server never sees the code (nor logs it).
"use strict";
(function () {
  var params = new URLSearchParams(window.location.search);
  var message = { type: "forecourt-try-it", code: params.get("code") || "", state: params.get("state") || "",
                  error: params.get("error") || "", error_description: params.get("error_description") || "" };
  window.history.replaceState(null, "", window.location.pathname);
  var note = document.querySelector("[data-try-it-callback]");
  if (window.opener && window.opener !== window) {
    window.opener.postMessage(message, window.location.origin);
    window.close();
  } else if (note) {
    // The theme's words, in the page's language (data-none); English if it gives none.
    note.textContent = note.getAttribute("data-none") ||
      "This window hands a sign-in back to the API docs page that opened it; it has none.";
  }
})();
