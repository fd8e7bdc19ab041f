/* Grids on a Leaflet map: the station's grids shown, and a new boundary drawn by tapping
   its corners (no draw plugin: each tap adds a corner; undo and clear buttons). The corners
   go into the form's hidden `polygon` field as [[lat, lng], ...]; the server validates. */
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("grid-map");
    if (!box || !window.L) return;
    var map = L.map(box, {attributionControl: !!box.dataset.tiles, fadeAnimation: false});
    if (box.dataset.tiles) L.tileLayer(box.dataset.tiles, {maxZoom: 19}).addTo(map);
    var shapes = JSON.parse(document.getElementById("grid-shapes").textContent);
    var bounds = [];
    shapes.forEach(function (s) {
      var layer = L.polygon(s.polygon, {color: "#6b7280", weight: 2, fillOpacity: 0.15,
                                        className: "grid-shape"}).bindTooltip(s.name);
      layer.addTo(map);
      s.polygon.forEach(function (p) { bounds.push(p); });
    });
    var field = document.querySelector("input[name=polygon]");
    var corners = [];
    if (field && field.value) {
      try { corners = JSON.parse(field.value) || []; } catch (e) { corners = []; }
    }
    corners.forEach(function (p) { bounds.push(p); });
    var lat = parseFloat(box.dataset.lat), lng = parseFloat(box.dataset.lng);
    if (bounds.length) {
      map.fitBounds(L.latLngBounds(bounds).pad(0.3), {maxZoom: 17});
    } else if (!isNaN(lat) && !isNaN(lng)) {
      map.setView([lat, lng], 16);
    } else {
      map.setView([39.96, 116.30], 13);
    }
    if (box.dataset.mode !== "draw" || !field) return;
    var outline = L.polygon([], {color: "#b91c1c", weight: 3, fillOpacity: 0.2}).addTo(map);
    var dots = L.layerGroup().addTo(map);
    var count = document.getElementById("corner-count");
    function redraw() {
      outline.setLatLngs(corners);
      dots.clearLayers();
      corners.forEach(function (p) {
        L.circleMarker(p, {radius: 6, color: "#b91c1c", fillOpacity: 1,
                           className: "grid-corner"}).addTo(dots);
      });
      field.value = corners.length ? JSON.stringify(corners) : "";
      if (count) count.textContent = corners.length + " / 3+";
    }
    map.on("click", function (e) {
      corners.push([+e.latlng.lat.toFixed(6), +e.latlng.lng.toFixed(6)]);
      redraw();
    });
    document.querySelectorAll("[data-grid]").forEach(function (button) {
      button.addEventListener("click", function () {
        if (button.dataset.grid === "undo") corners.pop(); else corners = [];
        redraw();
      });
    });
    redraw();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
