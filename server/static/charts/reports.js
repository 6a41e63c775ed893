// The reports page's charts, drawn by the vendored ECharts from the figures the page carries
// (#report-data); each chart's table on the page is its text alternative. Nothing is fetched.
(function () {
  "use strict";
  var source = document.getElementById("report-data");
  if (!source || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  function draw(id, option) {
    var box = document.getElementById(id);
    if (!box) {
      return;
    }
    var chart = echarts.init(box, null, { renderer: "svg" });
    chart.setOption(Object.assign({ animation: false, tooltip: {}, legend: {} }, option));
    box.setAttribute("data-drawn", "true");
  }
  var axis = { type: "category", data: data.names, axisLabel: { interval: 0, rotate: 30 } };
  draw("chart-volume", {
    xAxis: axis,
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: data.labels.received, type: "bar", data: data.received },
      { name: data.labels.closed, type: "bar", data: data.closed }
    ]
  });
  draw("chart-rates", {
    xAxis: axis,
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: Object.keys(data.rates).map(function (key) {
      return { name: data.labels[key], type: "bar", data: data.rates[key] };
    })
  });
})();
