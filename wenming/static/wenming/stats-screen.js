/* The big screen polls its JSON every `data-refresh` seconds and redraws; a revoked link
   answers 404 and the screen says so instead of showing stale figures. */
(function () {
  "use strict";
  var root = document.querySelector(".screen");
  var charts = {};
  var big = {fontSize: Math.round(window.innerWidth / 110), color: "#e8eefc"};

  function pick(obj, path) {
    return path.split(".").reduce(function (o, k) { return o == null ? o : o[k]; }, obj);
  }
  function fmt(v, rate) {
    if (v === null || v === undefined) return "—";
    if (rate) return (v * 100).toFixed(1) + "%";
    return typeof v === "number" ? v.toLocaleString("zh-CN", {maximumFractionDigits: 1}) : v;
  }
  function chart(name, option) {
    var box = root.querySelector('[data-chart="' + name + '"]');
    if (!box || !window.echarts) return;
    charts[name] = charts[name] || window.echarts.init(box);
    charts[name].setOption(option, true);
  }
  function render(d) {
    root.querySelectorAll("[data-k]").forEach(function (el) {
      el.textContent = fmt(pick(d, el.dataset.k), el.hasAttribute("data-rate"));
    });
    var list = root.querySelector('[data-list="children"]');
    list.textContent = "";
    d.children.slice().sort(function (a, b) { return b.hours - a.hours; }).slice(0, 10)
      .forEach(function (c) {
        var li = document.createElement("li"), name = document.createElement("span"),
          n = document.createElement("strong");
        name.textContent = c.name; n.textContent = fmt(c.hours);
        li.append(name, n); list.appendChild(li);
      });
    chart("trend", {
      animation: false, textStyle: big, legend: {textStyle: big, top: 0},
      grid: {left: "8%", right: "8%", top: "14%", bottom: "10%"},
      xAxis: {type: "category", axisLabel: big, data: d.trend.map(function (m) { return m.month.slice(2); })},
      yAxis: [{type: "value", axisLabel: big, splitLine: {lineStyle: {color: "#1f3a63"}}},
              {type: "value", axisLabel: big, splitLine: {show: false}}],
      series: [{name: "时长", type: "bar", itemStyle: {color: "#ffd36b"},
                data: d.trend.map(function (m) { return m.hours; })},
               {name: "活动", type: "line", yAxisIndex: 1, lineStyle: {width: 4},
                data: d.trend.map(function (m) { return m.activities; })}]
    });
    chart("platforms", {
      animation: false, textStyle: big, tooltip: {},
      series: [{type: "pie", radius: ["35%", "70%"], label: {fontSize: big.fontSize, color: "#e8eefc"},
                data: d.platforms.map(function (p) { return {name: p.short_name, value: p.activities + p.orders}; })}]
    });
  }
  function load() {
    fetch(root.dataset.src, {cache: "no-store"}).then(function (r) {
      if (r.status === 404) {
        root.innerHTML = "<h1>大屏链接已失效</h1>";
        return null;
      }
      return r.ok ? r.json() : null;
    }).then(function (d) { if (d) render(d); }).catch(function () { /* keep the last figures */ });
  }
  load();
  window.setInterval(load, (parseInt(root.dataset.refresh, 10) || 60) * 1000);
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
})();
