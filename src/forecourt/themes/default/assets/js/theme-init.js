/* The colour scheme the visitor chose with the header's toggle (theme-toggle.js), applied before the
   style sheets paint: loaded in <head>, before them, as a file (the Content-Security-Policy forbids
   inline scripts). Without a choice, or without JavaScript, the system's scheme applies (portal.css).
   It also marks the page as scripted ("js" on <html>), which shows the header's toggle from the first
   paint: shown later, by the deferred theme-toggle.js, the toggle wrapped the header on narrow screens
   and moved the whole page down once loaded (Lighthouse's layout shift). */
(function () {
  document.documentElement.classList.add("js");
  try {
    var chosen = window.localStorage.getItem("forecourt-colour-scheme");
    if (chosen === "light" || chosen === "dark") {
      document.documentElement.setAttribute("data-theme", chosen);
    }
  } catch (e) {
    /* storage refused (private mode, blocked cookies): the system's scheme applies */
  }
})();
