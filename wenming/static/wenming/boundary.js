/* The district's outline on every Leaflet map of the app, from data the app serves itself
   (GET /api/orgs/{id}/boundary), so that an intranet with no tile server still shows where
   the district ends. Loaded right after leaflet.js (templates/_leaflet.html): an init hook
   draws it on each map as it is made. A map's own data-boundary URL wins over the page's
   <meta name="wenming-boundary">; data-boundary-fit zooms the map to the outline. */
(function () {
  "use strict";
  if (!window.L) return;
  var meta = document.querySelector("meta[name=wenming-boundary]");
  var asked = {};
  function outline(url) {
    if (!asked[url]) {
      asked[url] = fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .catch(function () { return null; });
    }
    return asked[url];
  }
  L.Map.addInitHook(function () {
    var map = this, box = map.getContainer();
    var url = box.dataset.boundary || (meta && meta.content);
    if (!url) return;
    outline(url).then(function (feature) {
      if (!feature) return;
      // Not interactive: a tap inside the district still reaches the map (place pickers).
      var layer = L.geoJSON(feature, {interactive: false, style: {
        color: "#b8151c", weight: 2, dashArray: "6 4", fillColor: "#b8151c", fillOpacity: 0.04,
        className: "district-boundary"}}).addTo(map);
      layer.bringToBack();
      box.dataset.boundaryDrawn = feature.properties && feature.properties.name || "1";
      if (box.hasAttribute("data-boundary-fit")) map.fitBounds(layer.getBounds(), {padding: [8, 8]});
    });
  });
})();
