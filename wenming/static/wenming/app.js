/* wenming's page behaviour, served as a file so that the Content-Security-Policy can forbid
   inline script. Progressive: every page works without it. */
(function () {
  "use strict";

  /* The phone's top bar shows the page's title (the part of <title> before " · "). */
  document.addEventListener("DOMContentLoaded", function () {
    var slot = document.querySelector("[data-page-title]");
    if (slot) { slot.textContent = document.title.split(" · ")[0]; }
  });

  /* On narrow screens a list table shows as cards (app.css): each cell is labelled with its
     column's heading, copied here once so that templates need not repeat it. */
  function labelCells(root) {
    root.querySelectorAll("table.list").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        Array.prototype.forEach.call(tr.children, function (td, i) {
          if (heads[i] && !td.hasAttribute("data-label")) { td.setAttribute("data-label", heads[i]); }
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { labelCells(document); });
  document.addEventListener("htmx:afterSwap", function (event) { labelCells(event.target); });

  /* The back arrow goes back in history when the visitor came from this site, else to its href. */
  document.addEventListener("click", function (event) {
    var back = event.target.closest("[data-back]");
    if (!back) return;
    var ref = document.referrer;
    if (ref && ref.indexOf(location.origin + "/") === 0 && history.length > 1) {
      event.preventDefault();
      history.back();
    }
  });

  /* A button with data-geo asks the phone for its position, fills the form's lat/lng and,
     for data-geo="submit", sends the form. Messages come from data-* in the page's language. */
  document.addEventListener("click", function (event) {
    /* data-geo-clear: a submit button that first empties the form's lat/lng. */
    var clear = event.target.closest("[data-geo-clear]");
    if (clear) { clear.form.elements.lat.value = ""; clear.form.elements.lng.value = ""; }
    var button = event.target.closest("[data-geo]");
    if (!button) return;
    event.preventDefault();
    var form = button.form, status = form.querySelector("[data-geo-status]");
    function say(text) { if (status) { status.textContent = text; } }
    if (!navigator.geolocation) { say(button.dataset.geoUnsupported); return; }
    button.disabled = true;
    say(button.dataset.geoWaiting);
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.elements.lat.value = pos.coords.latitude.toFixed(6);
      form.elements.lng.value = pos.coords.longitude.toFixed(6);
      if (button.dataset.geo === "submit") { form.submit(); return; }
      button.disabled = false;
      say(button.dataset.geoDone);
    }, function () {
      button.disabled = false;
      say(button.dataset.geoFailed);
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 0});
  });
})();
