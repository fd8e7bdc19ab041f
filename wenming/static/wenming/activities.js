/* Activities: the organiser's e-card scanner and the print button. Served as a file (the
   Content-Security-Policy forbids inline script); jsQR is loaded before this file. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });

  function csrf() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function setUp(root) {
    var video = root.querySelector("[data-scan-video]");
    var canvas = root.querySelector("[data-scan-canvas]");
    var result = root.querySelector("[data-scan-result]");
    var log = root.querySelector("[data-scan-log]");
    var msg = root.dataset, busy = false, last = "", lastAt = 0, stream = null;

    function say(text, tone) {
      result.textContent = text;
      result.className = "scan-result " + (tone || "");
    }

    function action() {
      var checked = root.querySelector("input[name=action]:checked");
      return checked ? checked.value : "checkin";
    }

    function decode(source, width, height) {
      canvas.width = width;
      canvas.height = height;
      var ctx = canvas.getContext("2d", {willReadFrequently: true});
      ctx.drawImage(source, 0, 0, width, height);
      var found = window.jsQR(ctx.getImageData(0, 0, width, height).data, width, height);
      return found ? found.data : "";
    }

    function submit(token) {
      /* The same card held in front of the camera is read many times a second: send it once. */
      var now = Date.now();
      if (busy || (token === last && now - lastAt < 5000)) return;
      busy = true; last = token; lastAt = now;
      say(msg.msgSending, "");
      fetch(root.dataset.scanUrl, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
        body: JSON.stringify({ecard_token: token, action: action()})
      }).then(function (response) {
        return response.json().then(function (body) { return {ok: response.ok, body: body}; });
      }).then(function (answer) {
        var body = answer.body;
        if (!answer.ok) {
          say(body.error ? body.error.message : msg.msgFailed, "bad");
          return;
        }
        var text = body.real_name + " · " + (body.action === "checkin" ? msg.msgCheckin : msg.msgCheckout);
        if (body.action === "checkout") {
          text += " · " + (body.record ? msg.msgHours.replace("%s", body.record.hours) : msg.msgNoHours);
        }
        say(text, "ok");
        var item = document.createElement("li");
        item.textContent = new Date().toTimeString().slice(0, 5) + " " + text;
        log.insertBefore(item, log.firstChild);
      }).catch(function () {
        say(msg.msgFailed, "bad");
      }).then(function () { busy = false; });
    }

    function tick() {
      if (!stream) return;
      if (video.readyState === video.HAVE_ENOUGH_DATA) {
        var token = decode(video, video.videoWidth, video.videoHeight);
        if (token) { submit(token); }
      }
      window.requestAnimationFrame(tick);
    }

    root.querySelector("[data-scan-camera]").addEventListener("click", function () {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        say(msg.msgCameraFailed, "bad");
        return;
      }
      navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        video.play();
        window.requestAnimationFrame(tick);
      }).catch(function () { say(msg.msgCameraFailed, "bad"); });
    });

    /* The fallback (and the browser test's way in): a photo of the card. Read as a data:
       URL, which the Content-Security-Policy allows for images (blob: it does not). */
    root.querySelector("[data-scan-file]").addEventListener("change", function (event) {
      var file = event.target.files[0];
      if (!file) return;
      var reader = new FileReader(), image = new Image();
      image.onload = function () {
        var scale = Math.min(1, 1200 / Math.max(image.width, image.height));
        var token = decode(image, Math.round(image.width * scale), Math.round(image.height * scale));
        if (token) { last = ""; submit(token); } else { say(msg.msgNoCode, "bad"); }
      };
      image.onerror = function () { say(msg.msgNoCode, "bad"); };
      reader.onload = function () { image.src = reader.result; };
      reader.readAsDataURL(file);
      event.target.value = "";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-scan-url]").forEach(setUp);
  });
})();
