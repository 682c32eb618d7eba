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
  // The words on the charts come from the page (#stats-labels), in its language.
  var words = {
    unit: "万元", count_unit: "项", cumulative: "累计完成", path: "目标路径", projection: "按当前进度预测",
    patents: "专利", results: "科技成果", demands: "技术需求", bar_tooltip: "{value} 万元，{count} 项"
  };
  var labelSource = document.getElementById("stats-labels");
  if (labelSource) {
    words = Object.assign(words, JSON.parse(labelSource.textContent));
  }
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
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + " " + words.unit; } },
      legend: { data: [words.cumulative, words.path, words.projection], top: 0 },
      grid: { left: 70, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "category", data: p.months },
      yAxis: { type: "value", name: words.unit },
      series: [
        { name: words.cumulative, type: "line", data: p.cumulative.map(num), areaStyle: { opacity: 0.12 }, showSymbol: false },
        { name: words.path, type: "line", data: p.path.map(num), lineStyle: { type: "dashed" }, showSymbol: false },
        { name: words.projection, type: "line", data: p.projection.map(num), lineStyle: { type: "dotted" }, showSymbol: false }
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
    var value = { type: "value", name: words.unit };
    chart.setOption({
      color: palette,
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          var i = items[0].dataIndex;
          return esc(rows[i].label) + "<br>" + words.bar_tooltip.replace("{value}", esc(rows[i].value)).replace("{count}", esc(rows[i].count));
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
      legend: { data: [words.patents, words.results, words.demands], top: 0 },
      grid: { left: 50, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "category", data: a.months },
      yAxis: { type: "value", name: words.count_unit, minInterval: 1 },
      series: [
        { name: words.patents, type: "bar", stack: "listings", data: a.patents },
        { name: words.results, type: "bar", stack: "listings", data: a.results },
        { name: words.demands, type: "bar", data: a.demands }
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
