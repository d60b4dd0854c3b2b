// Dashboard charts (Apache ECharts, vendored). Data comes from data-chart-data attributes;
// a click on a bar opens that area's dashboard.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.echarts) return;
  document.querySelectorAll("[data-chart]").forEach((el) => {
    const data = JSON.parse(el.dataset.chartData);
    const chart = echarts.init(el, null, { renderer: "svg" });
    const bar = el.dataset.chart === "bar";
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: bar ? undefined : { type: "scroll", bottom: 0 },
      grid: { left: 8, right: 16, top: 16, bottom: bar ? 8 : 40, containLabel: true },
      xAxis: bar ? { type: "value" } : { type: "category", data: data.labels },
      yAxis: bar ? { type: "category", data: data.labels, inverse: true } : { type: "value" },
      series: data.series.map((s) => ({ name: s.name, type: bar ? "bar" : "line", data: s.data })),
    });
    if (bar && data.links) {
      chart.on("click", (p) => { if (data.links[p.dataIndex]) window.location = data.links[p.dataIndex]; });
    }
    window.addEventListener("resize", () => chart.resize());
  });
});
