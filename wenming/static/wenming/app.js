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
      /* requestSubmit, not submit: the submit event must fire (an offline form is kept). */
      if (button.dataset.geo === "submit") {
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
        return;
      }
      button.disabled = false;
      say(button.dataset.geoDone);
    }, function () {
      button.disabled = false;
      say(button.dataset.geoFailed);
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 0});
  });
})();

/* Without signal (docs/offline.md). The service worker (/sw.js) keeps a few of one's own
   pages as last seen; this part (1) registers it, (2) empties its page cache when somebody
   else (or nobody) is logged in on this phone, (3) says when a page is shown from the cache,
   and (4) keeps a check-in or check-out made offline, with the moment it was made, and sends
   it when the signal returns: the server accepts it only if the code was valid then. */
(function () {
  "use strict";
  var QUEUE = "wenming-offline-queue";
  var body = document.body;
  var user = body ? (body.dataset.user || "") : "";

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").then(function () {
      if (localStorage.getItem("wenming-user") !== user) {
        navigator.serviceWorker.ready.then(function (reg) {
          if (reg.active) reg.active.postMessage("forget-pages");
        });
        localStorage.setItem("wenming-user", user);
      }
    }).catch(function () { /* http on an intranet: no service worker, pages still work */ });
  }

  function queue() {
    try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; }
  }
  function save(items) { localStorage.setItem(QUEUE, JSON.stringify(items)); }
  function say(text) {
    var box = document.querySelector("[data-offline-status]");
    if (!box) {
      box = document.createElement("p");
      box.className = "offline-status";
      box.setAttribute("role", "status");
      box.setAttribute("data-offline-status", "");
      var main = document.querySelector("main") || body;
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text;
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!navigator.onLine && body.dataset.offlineNote) say(body.dataset.offlineNote);
    send();
  });
  window.addEventListener("online", send);

  /* A form with data-offline-api="<API path>" is kept when submitted without signal. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || !form.dataset.offlineApi || navigator.onLine) return;
    event.preventDefault();
    var fields = {};
    new FormData(form).forEach(function (value, key) {
      if (key !== "csrfmiddlewaretoken" && value !== "") fields[key] = value;
    });
    (form.dataset.offlineRename || "").split(",").forEach(function (pair) {
      var names = pair.split(":");
      if (names.length === 2 && names[0] in fields) {
        fields[names[1]] = fields[names[0]];
        delete fields[names[0]];
      }
    });
    ["lat", "lng"].forEach(function (k) { if (k in fields) fields[k] = parseFloat(fields[k]); });
    fields.recorded_at = new Date().toISOString();
    var items = queue();
    items.push({user: user, api: form.dataset.offlineApi, fields: fields,
                label: form.dataset.offlineLabel || ""});
    save(items);
    say(form.dataset.offlineSaved || "");
  });

  var sending = false;
  function send() {
    if (sending || !navigator.onLine || !user) return;
    var items = queue(), mine = items.filter(function (i) { return i.user === user; });
    if (!mine.length) return;
    var token = (body.getAttribute("hx-headers") || "").match(/"X-CSRFToken": "([^"]+)"/);
    sending = true;
    var item = mine[0];
    fetch(item.api, {method: "POST", credentials: "same-origin",
                     headers: {"Content-Type": "application/json",
                               "X-CSRFToken": token ? token[1] : ""},
                     body: JSON.stringify(item.fields)})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          /* Answered (done or refused): off the queue, and the phone says which. */
          save(queue().filter(function (i) { return JSON.stringify(i) !== JSON.stringify(item); }));
          var refused = data && data.error ? data.error.message : "";
          say(item.label + (refused ? body.dataset.offlineRefused + refused
                                    : body.dataset.offlineSent));
        });
      })
      .catch(function () { /* still no signal: kept for the next try */ })
      .finally(function () { sending = false; if (queue().length < items.length) send(); });
  }
})();
