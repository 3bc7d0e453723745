// Charts of the statistics page, drawn by the vendored Apache ECharts from the data each element
// carries (data-chart, JSON): no script in the page itself. Every chart has its table beside it.
(function () {
  function draw(el) {
    var spec = JSON.parse(el.getAttribute("data-chart"));
    var chart = echarts.init(el, null, {renderer: "svg"});
    var option;
    if (el.getAttribute("data-kind") === "rank") {
      option = {
        grid: {left: 110, right: 40, top: 10, bottom: 30, containLabel: true},
        xAxis: {type: "value"},
        yAxis: {type: "category", data: spec.labels.slice().reverse(), axisLabel: {width: 100, overflow: "truncate"}},
        series: [{type: "bar", data: spec.values.slice().reverse(), itemStyle: {color: "#a4161a"}, label: {show: true, position: "right"}}],
        tooltip: {trigger: "axis"},
      };
    } else {
      var names = {reports: "报送条数", late: "迟报", missed: "漏报", absences: "脱岗漏岗"};
      option = {
        legend: {top: 0},
        grid: {left: 40, right: 20, top: 40, bottom: 30},
        xAxis: {type: "category", data: spec.labels},
        yAxis: {type: "value", minInterval: 1},
        tooltip: {trigger: "axis"},
        series: Object.keys(names).map(function (key) {
          return {name: names[key], type: "line", data: spec.series[key]};
        }),
      };
    }
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
})();
