// Projector page: reload the check-in QR code before its signed token expires, and show how
// many brokers have checked in.
(function () {
  "use strict";
  var img = document.getElementById("checkin-qr");
  if (!img) { return; }
  var src = img.getAttribute("data-src");
  var statusUrl = img.getAttribute("data-status-url");
  var every = Math.max(5, parseInt(img.getAttribute("data-refresh-seconds"), 10) || 30) * 1000;
  var count = document.getElementById("present-count");
  function refresh() {
    var next = new Image();
    next.onload = function () { img.src = next.src; };
    next.src = src + "?t=" + Date.now();
    fetch(statusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && count) { count.textContent = data.present; } })
      .catch(function () {});
  }
  window.setInterval(refresh, every);
})();
