/* Draws a Live Portal usage page's chart with the vendored Chart.js (static/live/vendor/chart), from
   the numbers the page carries in <script type="application/json" id="usage-data">: the same numbers
   as its data table, which stays the view without JavaScript and the screen-reader text. No inline
   script: the page's Content-Security-Policy allows none. Colours come from the theme's CSS custom
   properties (--usage-ok, --usage-4xx, --usage-5xx, --muted, --line), never fixed here alone. */
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
        labels: days.map(function (d) { return d.day; }),
        datasets: [
          series("Successful", "ok", "--usage-ok", "#1f4fb5"),
          series("Client errors (4xx)", "errors_4xx", "--usage-4xx", "#d69e2e"),
          series("Server errors (5xx)", "errors_5xx", "--usage-5xx", "#c53030")
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduced ? false : { duration: 300 },
        plugins: { legend: { labels: { color: text } } },
        scales: {
          x: { stacked: true, ticks: { color: text, maxRotation: 0, autoSkip: true, maxTicksLimit: 10 },
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
