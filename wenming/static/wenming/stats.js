/* The dashboard: ECharts charts from the page's JSON, the period picker's fields, and the
   places map (Leaflet with a configured tile server, otherwise dots on a plain canvas). */
(function () {
  "use strict";
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var charts = [];
  function chart(name, option) {
    var box = document.querySelector('[data-chart="' + name + '"]');
    if (!box || !window.echarts) return;
    var c = window.echarts.init(box, null, {renderer: "canvas"});
    c.setOption(option);
    charts.push(c);
  }
  var big = document.documentElement.classList.contains("elder");
  var narrow = window.innerWidth < 560;
  var font = big ? 16 : 12;
  var text = {fontSize: font};

  function drawCharts() {
    var trend = data("stats-trend") || [];
    chart("trend", {
      animation: false, textStyle: text,
      tooltip: {trigger: "axis"},
      legend: {top: 0, textStyle: text},
      grid: {left: 8, right: 8, top: 36, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: trend.map(function (m) { return m.month.slice(2); }),
               axisLabel: text},
      yAxis: [{type: "value", axisLabel: text}, {type: "value", axisLabel: text}],
      series: [
        {name: "服务时长", type: "bar", data: trend.map(function (m) { return m.hours; }),
         itemStyle: {color: "#b3261e"}},
        {name: "活动", type: "line", yAxisIndex: 1,
         data: trend.map(function (m) { return m.activities; })},
        {name: "订单", type: "line", yAxisIndex: 1,
         data: trend.map(function (m) { return m.orders; })}
      ]
    });
    var orders = data("stats-orders") || {}, labels = data("stats-state-labels") || {};
    chart("orders", {
      animation: false, textStyle: text, tooltip: {trigger: "item"},
      series: [{type: "pie", radius: ["35%", "65%"], label: {fontSize: font, show: !narrow},
                data: Object.keys(orders).filter(function (k) { return orders[k]; })
                  .map(function (k) { return {name: labels[k] || k, value: orders[k]}; })}]
    });
    var platforms = data("stats-platforms") || [];
    chart("platforms", {
      animation: false, textStyle: text, tooltip: {trigger: "axis"},
      legend: {top: 0, textStyle: text},
      grid: {left: 8, right: 16, top: 32, bottom: 8, containLabel: true},
      xAxis: {type: "value", axisLabel: text},
      yAxis: {type: "category", data: platforms.map(function (p) { return p.short_name; }),
              axisLabel: text},
      series: [{name: "活动", type: "bar", data: platforms.map(function (p) { return p.activities; })},
               {name: "订单", type: "bar", data: platforms.map(function (p) { return p.orders; })}]
    });
    var stars = data("stats-stars") || {};
    var levels = Object.keys(stars).sort();
    chart("stars", {
      animation: false, textStyle: text, tooltip: {trigger: "axis"},
      grid: {left: 8, right: 16, top: 16, bottom: 8, containLabel: true},
      xAxis: {type: "category", axisLabel: text,
              data: levels.map(function (l) { return l === "0" ? "未定级" : l + "星"; })},
      yAxis: {type: "value", axisLabel: text},
      series: [{type: "bar", data: levels.map(function (l) { return stars[l]; }),
                itemStyle: {color: "#d97706"}}]
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  /* The period picker shows the date fields that apply to the chosen kind. */
  function picker() {
    var form = document.querySelector(".stats-period");
    if (!form) return;
    function sync() {
      var kind = (form.querySelector('input[name="period"]:checked') || {}).value || "month";
      form.querySelectorAll("[data-for]").forEach(function (label) {
        var on = (label.dataset.for === "custom") === (kind === "custom");
        label.hidden = !on;
        label.querySelector("input").disabled = !on;
      });
    }
    form.addEventListener("change", sync);
    sync();
  }

  var COLOURS = {orders: "#d97706", activities: "#2563eb", nodes: "#6b7280"};

  function leafletMap(box, places) {
    /* Tiles only when the deployment names a tile server; offline the dots and the
       district's outline (boundary.js) sit on a plain background. */
    var map = window.L.map(box, {fadeAnimation: false, attributionControl: !!box.dataset.tiles});
    if (box.dataset.tiles) window.L.tileLayer(box.dataset.tiles, {maxZoom: 19}).addTo(map);
    var pts = [];
    ["nodes", "activities", "orders"].forEach(function (kind) {
      places[kind].forEach(function (p) {
        pts.push([p.lat, p.lng]);
        window.L.circleMarker([p.lat, p.lng], {radius: kind === "nodes" ? 3 : 5, weight: 1,
          color: "#fff", fillColor: COLOURS[kind], fillOpacity: 0.8}).addTo(map);
      });
    });
    if (pts.length) map.fitBounds(window.L.latLngBounds(pts).pad(0.1));
    else map.setView([39.96, 116.30], 12);
  }

  function drawMap() {
    var box = document.getElementById("stats-map");
    if (!box) return;
    fetch(box.dataset.src, {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (places) {
        box.dataset.count = places.orders.length + places.activities.length;
        if (window.L) leafletMap(box, places);
      });
  }

  function start() { picker(); drawCharts(); drawMap(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
