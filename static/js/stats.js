// Charts for the dashboard and the public page, drawn from the JSON data block #stats-data.
// Every chart has the same numbers in a table next to it; the charts are only a picture of them.
(function () {
  "use strict";
  if (typeof window.echarts === "undefined") {
    return;
  }
  var source = document.getElementById("stats-data");
  if (!source) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var charts = [];
  var palette = ["#0b4f9c", "#c62f2f", "#2f9c5a", "#e08a00", "#6a4c9c", "#1d8fb5", "#8c6d1f", "#d1558f", "#4d7f2a", "#5b6b7c", "#a33b20"];

  function num(value) {
    return value === null || value === undefined ? null : Number(value);
  }

  // Tooltips are HTML: escape every value in them, so a label can never become markup.
  function esc(value) {
    return String(value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function make(id) {
    var el = document.getElementById(id);
    if (!el) {
      return null;
    }
    el.style.height = (el.getAttribute("data-height") || "280") + "px";
    var chart = window.echarts.init(el);
    charts.push(chart);
    return chart;
  }

  function progressChart() {
    var p = data.progress;
    var chart = p && make("chart-progress");
    if (!chart) {
      return;
    }
    chart.setOption({
      color: ["#0b4f9c", "#999999", "#e08a00"],
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + " 万元"; } },
      legend: { data: ["累计完成", "目标路径", "按当前进度预测"], top: 0 },
      grid: { left: 70, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "category", data: p.months },
      yAxis: { type: "value", name: "万元" },
      series: [
        { name: "累计完成", type: "line", data: p.cumulative.map(num), areaStyle: { opacity: 0.12 }, showSymbol: false },
        { name: "目标路径", type: "line", data: p.path.map(num), lineStyle: { type: "dashed" }, showSymbol: false },
        { name: "按当前进度预测", type: "line", data: p.projection.map(num), lineStyle: { type: "dotted" }, showSymbol: false }
      ]
    });
  }

  function breakdownChart(id, rows, horizontal) {
    var chart = rows && make(id);
    if (!chart) {
      return;
    }
    var labels = rows.map(function (r) { return r.label; });
    var values = rows.map(function (r) { return num(r.value); });
    var category = { type: "category", data: labels, axisLabel: { interval: 0, width: 110, overflow: "truncate" } };
    var value = { type: "value", name: "万元" };
    chart.setOption({
      color: palette,
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          var i = items[0].dataIndex;
          return esc(rows[i].label) + "<br>" + esc(rows[i].value) + " 万元，" + esc(rows[i].count) + " 项";
        }
      },
      grid: { left: horizontal ? 130 : 60, right: 20, top: 20, bottom: horizontal ? 30 : 60, containLabel: false },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign({}, category, { inverse: true }) : value,
      series: [{ type: "bar", data: values, colorBy: "data" }]
    });
  }

  function activityChart() {
    var a = data.activity;
    var chart = a && make("chart-activity");
    if (!chart) {
      return;
    }
    chart.setOption({
      color: ["#0b4f9c", "#2f9c5a", "#c62f2f"],
      tooltip: { trigger: "axis" },
      legend: { data: ["专利", "科技成果", "技术需求"], top: 0 },
      grid: { left: 50, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "category", data: a.months },
      yAxis: { type: "value", name: "项", minInterval: 1 },
      series: [
        { name: "专利", type: "bar", stack: "listings", data: a.patents },
        { name: "科技成果", type: "bar", stack: "listings", data: a.results },
        { name: "技术需求", type: "bar", data: a.demands }
      ]
    });
  }

  progressChart();
  if (data.breakdowns) {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var name = el.getAttribute("data-chart");
      breakdownChart(el.id, data.breakdowns[name], name === "by_field");
    });
  }
  breakdownChart("chart-districts", data.districts, true);
  activityChart();
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
