/* The dashboard's activity charts, drawn with Chart.js (vendor/chart) from the numbers the page
   carries in <script type="application/json" id="dashboard-activity"> (json_script): the same
   numbers as each chart's data table, which stays the no-JS view and the screen-reader text.

   Colours are read from the page's CSS custom properties (admin.css), never fixed here, and read
   again when the colour scheme changes, so the charts stay readable in light and dark. Days and
   numbers are written for the page's language (<html lang>, Intl), as the tables beside them are. */
(function () {
  "use strict";

  var charts = [];
  var lang = document.documentElement.lang || "en";
  var dayLang = lang === "en" ? "en-GB" : lang;  // the portal's English is British: "5 Dec"

  function readColours() {
    var style = getComputedStyle(document.documentElement);
    function prop(name, fallback) {
      var value = style.getPropertyValue(name).trim();
      return value || fallback;
    }
    return {
      bar: prop("--accent", "#1f4fb5"),
      text: prop("--muted", "#52606d"),
      grid: prop("--line", "#d9e2ec"),
      ink: prop("--ink", "#1f2933")
    };
  }

  function dayLabel(iso) {
    var parts = iso.split("-");
    var day = new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2]));
    return day.toLocaleDateString(dayLang, { day: "numeric", month: "short", timeZone: "UTC" });
  }

  function options(colours) {
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    return {
      locale: lang,  // the axis's numbers (Chart.js formats them with Intl.NumberFormat)
      responsive: true,
      maintainAspectRatio: false,
      animation: reduced ? false : { duration: 300 },
      plugins: {
        legend: { display: false },
        tooltip: { enabled: true }
      },
      scales: {
        x: { ticks: { color: colours.text, maxRotation: 0, autoSkip: true, maxTicksLimit: 6 },
             grid: { display: false }, border: { color: colours.grid } },
        y: { beginAtZero: true, ticks: { color: colours.text, precision: 0 },
             grid: { color: colours.grid }, border: { display: false } }
      }
    };
  }

  function recolour() {
    var colours = readColours();
    charts.forEach(function (chart) {
      chart.data.datasets[0].backgroundColor = colours.bar;
      chart.options.scales.x.ticks.color = colours.text;
      chart.options.scales.x.border.color = colours.grid;
      chart.options.scales.y.ticks.color = colours.text;
      chart.options.scales.y.grid.color = colours.grid;
      chart.update("none");
    });
  }

  function draw() {
    var source = document.getElementById("dashboard-activity");
    if (!source || typeof window.Chart === "undefined") {
      return;  // the data tables remain: nothing is lost without the charts
    }
    var series = JSON.parse(source.textContent);
    var colours = readColours();
    series.forEach(function (item) {
      var canvas = document.getElementById("chart-" + item.key);
      if (!canvas) {
        return;
      }
      canvas.parentElement.hidden = false;
      var chart = new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: item.labels.map(dayLabel),
          datasets: [{ label: item.title, data: item.values, backgroundColor: colours.bar, borderRadius: 2 }]
        },
        options: options(colours)
      });
      charts.push(chart);
    });
    document.documentElement.dataset.dashboardCharts = String(charts.length);
    // The scheme can change under the page: the system's setting, or a toggle that sets an
    // attribute or class on <html>.
    if (window.matchMedia) {
      var dark = window.matchMedia("(prefers-color-scheme: dark)");
      if (dark.addEventListener) {
        dark.addEventListener("change", recolour);
      }
    }
    if (window.MutationObserver) {
      new MutationObserver(recolour).observe(document.documentElement,
        { attributes: true, attributeFilter: ["class", "data-theme", "data-scheme", "data-color-scheme", "style"] });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
