/* Picking a place on a map instead of typing coordinates: a [data-place-picker] box shows a
   Leaflet map (tiles only when the deployment names a tile server, else the nearby nodes as
   dots on a plain canvas); a tap sets the form's hidden lat/lng and moves the marker. */
(function () {
  "use strict";
  function start() {
    var box = document.querySelector("[data-place-picker]");
    if (!box || !window.L) return;
    var form = box.closest("form") || document;
    var lat = form.querySelector("input[name=lat]"), lng = form.querySelector("input[name=lng]");
    var map = L.map(box, {attributionControl: !!box.dataset.tiles, fadeAnimation: false});
    if (box.dataset.tiles) L.tileLayer(box.dataset.tiles, {maxZoom: 19}).addTo(map);
    var near = JSON.parse(document.getElementById("place-neighbours").textContent || "[]");
    near.forEach(function (n) {
      L.circleMarker([n.lat, n.lng], {radius: 5, color: "#6b7280", fillOpacity: 0.6})
        .bindTooltip(n.name).addTo(map);
    });
    var marker = null, status = document.querySelector("[data-place-status]");
    function put(la, ln) {
      lat.value = la.toFixed(6); lng.value = ln.toFixed(6);
      if (marker) marker.setLatLng([la, ln]);
      else marker = L.circleMarker([la, ln], {radius: 9, color: "#b8151c", fillOpacity: 1,
                                              className: "place-marker"}).addTo(map);
      if (status) status.textContent = status.dataset.chosen;
    }
    var la = parseFloat(lat.value), ln = parseFloat(lng.value);
    var cla = parseFloat(box.dataset.lat), cln = parseFloat(box.dataset.lng);
    if (!isNaN(la) && !isNaN(ln)) { map.setView([la, ln], 16); put(la, ln); }
    else if (!isNaN(cla) && !isNaN(cln)) map.setView([cla, cln], 15);
    else map.setView([39.96, 116.30], 12);
    map.on("click", function (e) { put(e.latlng.lat, e.latlng.lng); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
