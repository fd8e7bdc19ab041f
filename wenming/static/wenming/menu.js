/* The kiosk: a number pad fills the field (the screen's own keyboard stays away), and the
   screen goes back to its start page after a while with nobody touching it. */
(function () {
  "use strict";
  var body = document.body;
  if (!body.classList.contains("kiosk-body")) return;

  document.querySelectorAll("[data-pad-for]").forEach(function (pad) {
    var field = document.getElementById(pad.dataset.padFor);
    if (!field) return;
    field.setAttribute("inputmode", "none");
    pad.addEventListener("click", function (event) {
      var key = event.target.closest("[data-digit]");
      if (!key) return;
      var d = key.dataset.digit, value = field.value;
      if (d === "clear") value = "";
      else if (d === "back") value = value.slice(0, -1);
      else if (value.length < (field.maxLength > 0 ? field.maxLength : 20)) value += d;
      field.value = value;
    });
  });

  var idle = parseInt(body.dataset.kioskIdle || "120", 10) * 1000;
  var done = document.querySelector("[data-kiosk-return]");
  if (done) idle = parseInt(done.dataset.kioskReturn, 10) * 1000;
  var home = body.dataset.kioskHome, timer = null;
  function reset() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(function () { window.location.assign(home); }, idle);
  }
  ["click", "touchstart", "keydown"].forEach(function (type) {
    document.addEventListener(type, reset, { passive: true });
  });
  if (window.location.pathname !== home || done) reset();
})();
