/* The header's colour scheme toggle: three buttons (System, Light, Dark) with aria-pressed. The
   choice is kept in localStorage and applied to <html data-theme>; "System" forgets it. The toggle is
   shown by CSS only on a scripted page (theme-init.js marks <html> with "js"). */
(function () {
  var KEY = "forecourt-colour-scheme";
  var toggle = document.querySelector("[data-theme-toggle]");
  if (!toggle) return;

  function stored() {
    try {
      var value = window.localStorage.getItem(KEY);
      return value === "light" || value === "dark" ? value : "system";
    } catch (e) {
      return "system";
    }
  }

  function apply(choice) {
    var root = document.documentElement;
    if (choice === "system") root.removeAttribute("data-theme");
    else root.setAttribute("data-theme", choice);
    toggle.querySelectorAll("button[data-scheme]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.getAttribute("data-scheme") === choice ? "true" : "false");
    });
  }

  toggle.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-scheme]");
    if (!button) return;
    var choice = button.getAttribute("data-scheme");
    try {
      if (choice === "system") window.localStorage.removeItem(KEY);
      else window.localStorage.setItem(KEY, choice);
    } catch (e) {
      /* not kept, but applied to this page */
    }
    apply(choice);
  });

  apply(stored());
})();
