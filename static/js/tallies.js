// Tallies page: draws the charts with Chart.js from each canvas's data-chart attribute.
// The numbers are also in the table beside each chart; without JavaScript only the tables show.
(function () {
  "use strict";

  // A hidden small count is drawn as the 2 it counts for in the totals, and read as "<3";
  // an approximate one as "≈n", never as a plain number.
  function shown(dataset, i, value) {
    return dataset.shown ? dataset.shown[i] : value;
  }

  function config(spec) {
    var stacked = !!spec.stacked;
    return {
      type: spec.type || "bar",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d) {
          var ds = { label: d.label, data: d.data };
          if (d.color) { ds.backgroundColor = d.color; ds.borderColor = d.color; }
          if (d.text) ds.datalabels = { color: d.text };
          if (d.shown) ds.shown = d.shown;  // "<3", "≈7": as the table writes them
          return ds;
        })
      },
      // Each stacked part carries its number: seven colours alone are hard to read off.
      plugins: spec.labelled && window.ChartDataLabels ? [window.ChartDataLabels] : [],
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { position: "bottom" },
          datalabels: {
            display: function (ctx) { return ctx.dataset.data[ctx.dataIndex] > 0; },
            formatter: function (value, ctx) { return shown(ctx.dataset, ctx.dataIndex, value); },
            font: { weight: "bold" }
          },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                return ctx.dataset.label + ": " + shown(ctx.dataset, ctx.dataIndex, ctx.formattedValue);
              }
            }
          }
        },
        scales: {
          x: { stacked: stacked },
          y: { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    };
  }

  function draw(root) {
    if (typeof window.Chart === "undefined" || !root || !root.querySelectorAll) return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (window.Chart.getChart(canvas)) return;
      try {
        new window.Chart(canvas, config(JSON.parse(canvas.getAttribute("data-chart"))));
      } catch (err) {
        canvas.hidden = true;  // the table beside it still has every number
      }
    });
  }

  // Charts of a fragment about to be replaced are destroyed, so that none leaks.
  document.body.addEventListener("htmx:beforeSwap", function (evt) {
    var target = evt.detail.target;
    if (!target || !target.querySelectorAll || typeof window.Chart === "undefined") return;
    target.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var chart = window.Chart.getChart(canvas);
      if (chart) chart.destroy();
    });
  });
  document.body.addEventListener("htmx:afterSettle", function () { draw(document); });
  draw(document);
})();
