/* Draws a Live Portal usage page's chart with the vendored Chart.js (static/live/vendor/chart), from
   the numbers the page carries in <script type="application/json" id="usage-data">: the same numbers
   as its data table, which stays the view without JavaScript and the screen-reader text. No inline
   script: the page's Content-Security-Policy allows none. Colours come from the theme's CSS custom
   properties (--usage-ok, --usage-4xx, --usage-5xx, --muted, --line), never fixed here alone.
   The series' names come from the theme, in the page's language: the canvas's data-ok, data-client-errors
   and data-server-errors (English if a theme gives none); the days (ISO in the data) and the numbers
   are written for the page's language, <html lang> (Intl). */
(function () {
  "use strict";

  function colour(style, name, fallback) {
    var value = style.getPropertyValue(name).trim();
    return value || fallback;
  }

  function draw() {
    var source = document.getElementById("usage-data");
    var canvas = document.getElementById("usage-chart");
    if (!source || !canvas || typeof window.Chart === "undefined") {
      return;  // the data table remains: nothing is lost without the chart
    }
    var days = JSON.parse(source.textContent);
    var lang = document.documentElement.lang || "en";
    var dayLang = lang === "en" ? "en-GB" : lang;  // the portal's English is British: "5 Dec"
    var dayFormat = new Intl.DateTimeFormat(dayLang, { day: "numeric", month: "short", timeZone: "UTC" });
    function said(name, english) { return canvas.getAttribute("data-" + name) || english; }
    function dayLabel(iso) {  // "2026-01-31": a day of the report (UTC, as the table's)
      var parts = String(iso).split("-");
      var day = new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2]));
      return isNaN(day.getTime()) ? String(iso) : dayFormat.format(day);
    }
    var style = getComputedStyle(document.documentElement);
    var text = colour(style, "--muted", "#52606d");
    var grid = colour(style, "--line", "#d9e2ec");
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    function series(label, key, name, fallback) {
      return { label: label, data: days.map(function (d) { return d[key]; }),
               backgroundColor: colour(style, name, fallback), stack: "requests" };
    }
    canvas.parentElement.hidden = false;
    var chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: days.map(function (d) { return d.day; }),  // ISO, as the data; shown by dayLabel
        datasets: [
          series(said("ok", "Successful"), "ok", "--usage-ok", "#1f4fb5"),
          series(said("client-errors", "Client errors (4xx)"), "errors_4xx", "--usage-4xx", "#d69e2e"),
          series(said("server-errors", "Server errors (5xx)"), "errors_5xx", "--usage-5xx", "#c53030")
        ]
      },
      options: {
        locale: lang,  // the axis's and tooltips' numbers (Chart.js: Intl.NumberFormat)
        responsive: true,
        maintainAspectRatio: false,
        animation: reduced ? false : { duration: 300 },
        plugins: { legend: { labels: { color: text } },
                   tooltip: { callbacks: { title: function (items) { return items.length ? dayLabel(items[0].label) : ""; } } } },
        scales: {
          x: { stacked: true, ticks: { color: text, maxRotation: 0, autoSkip: true, maxTicksLimit: 10,
                                       callback: function (value) { return dayLabel(this.getLabelForValue(value)); } },
               grid: { display: false } },
          y: { stacked: true, beginAtZero: true, ticks: { color: text, precision: 0 }, grid: { color: grid } }
        }
      }
    });
    document.documentElement.dataset.usageChart = String(chart.data.datasets.length);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
