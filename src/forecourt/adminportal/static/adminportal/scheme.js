// The Admin Portal's colour scheme: the system's (prefers-color-scheme) until the admin picks one
// with the top bar's button, then that one, remembered in this browser (localStorage).
//
// Loaded in <head> without defer, so the remembered scheme is on <html data-scheme> before the page
// is painted (no flash of the other scheme); the button is wired once the page is parsed. Without
// JavaScript the button stays hidden and admin.css follows the system's scheme.
// A static file under the strict Content-Security-Policy: no inline code, no eval.
(function () {
  "use strict";

  var KEY = "forecourt.admin.scheme";
  var root = document.documentElement;
  var picked = null; // this page's choice, for when storage is refused
  var system = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function stored() {
    try {
      var value = window.localStorage.getItem(KEY);
      return value === "dark" || value === "light" ? value : null;
    } catch (e) {
      return null; // storage refused (privacy settings): the system's scheme
    }
  }

  function chosen() {
    return picked || stored();
  }

  function current() {
    return chosen() || (system && system.matches ? "dark" : "light");
  }

  function apply() {
    var scheme = chosen();
    if (scheme) {
      root.setAttribute("data-scheme", scheme);
    } else {
      root.removeAttribute("data-scheme");
    }
    var button = document.getElementById("scheme-toggle");
    if (button) {
      button.setAttribute("aria-pressed", current() === "dark" ? "true" : "false");
    }
  }

  apply();

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("scheme-toggle");
    if (!button) {
      return;
    }
    button.hidden = false;
    apply();
    button.addEventListener("click", function () {
      picked = current() === "dark" ? "light" : "dark";
      try {
        window.localStorage.setItem(KEY, picked);
      } catch (e) {
        // not remembered: this page keeps it until the next one
      }
      apply();
    });
  });

  if (system && system.addEventListener) {
    system.addEventListener("change", apply); // the system switched while no scheme is remembered
  }
})();
