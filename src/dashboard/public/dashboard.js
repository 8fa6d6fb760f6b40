// The dashboard's only script (the CSP allows no inline code): the live feed over Server-Sent
// Events, the diff view (diff2html) and the report chart (chart.js). Plain browser JS, no build.
(function () {
  "use strict";

  // ---- Live feed: /dashboard/events. "progress" is Claude's latest tool use or text; "change"
  // makes the partials (hx-trigger="orch-change from:body") reload. No polling.
  function startLive() {
    var latest = document.getElementById("live-latest");
    if (!latest || typeof EventSource === "undefined") return;
    var logList = document.getElementById("live-log");
    var badge = document.getElementById("live-state");
    var source = new EventSource("/dashboard/events");
    source.addEventListener("open", function () {
      if (badge) badge.textContent = "live";
      document.body.setAttribute("data-live", "open");
    });
    source.addEventListener("error", function () {
      if (badge) badge.textContent = "reconnecting…";
      document.body.setAttribute("data-live", "error");
    });
    source.addEventListener("progress", function (e) {
      var p = JSON.parse(e.data);
      var line = "Task " + p.task + " · " + (p.kind === "tool_use" ? "🔧 " : "💬 ") + p.text;
      latest.textContent = line; // textContent: Claude's words are never HTML here
      if (logList) {
        var li = document.createElement("li");
        li.textContent = line;
        logList.insertBefore(li, logList.firstChild);
        while (logList.children.length > 20) logList.removeChild(logList.lastChild);
      }
    });
    source.addEventListener("change", function () {
      document.body.dispatchEvent(new CustomEvent("orch-change"));
    });
  }

  // ---- Diff: the unified diff text is in <pre id="diff-source">; diff2html draws it.
  function drawDiff(format) {
    var source = document.getElementById("diff-source");
    var target = document.getElementById("diff-view");
    if (!source || !target || typeof Diff2HtmlUI === "undefined") return;
    var ui = new Diff2HtmlUI(target, source.textContent, {
      outputFormat: format,
      drawFileList: true,
      matching: "lines",
      highlight: true,
      fileContentToggle: false,
    });
    ui.draw();
    ui.highlightCode();
    target.setAttribute("data-format", format);
    var buttons = document.querySelectorAll("[data-diff-format]");
    for (var i = 0; i < buttons.length; i++) buttons[i].classList.toggle("selected", buttons[i].getAttribute("data-diff-format") === format);
  }

  function startDiff() {
    if (!document.getElementById("diff-source")) return;
    // Phones get the unified view first: side by side needs the width.
    drawDiff(window.matchMedia && window.matchMedia("(max-width: 700px)").matches ? "line-by-line" : "side-by-side");
    var buttons = document.querySelectorAll("[data-diff-format]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function (e) {
        drawDiff(e.currentTarget.getAttribute("data-diff-format"));
      });
    }
  }

  // ---- Report chart: cost (bars, left axis) and duration (bars, right axis) per task.
  function startChart() {
    var canvas = document.getElementById("report-chart");
    if (!canvas || typeof Chart === "undefined") return;
    var d = JSON.parse(canvas.getAttribute("data-chart"));
    var chart = new Chart(canvas, {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: [
          { label: "Cost (USD)", data: d.cost, yAxisID: "cost", backgroundColor: "#4e79a7" },
          { label: "Duration (s)", data: d.duration, yAxisID: "duration", backgroundColor: "#f28e2b" },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          cost: { type: "linear", position: "left", beginAtZero: true, title: { display: true, text: "USD" } },
          duration: { type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "seconds" } },
        },
      },
    });
    canvas.setAttribute("data-drawn", String(chart.data.labels.length));
  }

  function start() {
    startLive();
    startDiff();
    startChart();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
