/* The colour scheme the visitor chose with the header's toggle (theme-toggle.js), applied before the
   style sheets paint: loaded in <head>, before them, as a file (the Content-Security-Policy forbids
   inline scripts). Without a choice, or without JavaScript, the system's scheme applies (portal.css). */
(function () {
  try {
    var chosen = window.localStorage.getItem("forecourt-colour-scheme");
    if (chosen === "light" || chosen === "dark") {
      document.documentElement.setAttribute("data-theme", chosen);
    }
  } catch (e) {
    /* storage refused (private mode, blocked cookies): the system's scheme applies */
  }
})();
