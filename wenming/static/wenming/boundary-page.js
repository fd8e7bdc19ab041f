/* The outline's own page: a bare map that boundary.js fills with the outline and fits to it. */
(function () {
  "use strict";
  function start() {
    var box = document.querySelector("[data-boundary-map]");
    if (!box || !window.L) return;
    var map = L.map(box, {attributionControl: !!box.dataset.tiles, fadeAnimation: false});
    if (box.dataset.tiles) L.tileLayer(box.dataset.tiles, {maxZoom: 19}).addTo(map);
    map.setView([39.96, 116.30], 10);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
