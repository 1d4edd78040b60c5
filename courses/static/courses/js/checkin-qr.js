// Projector page: reload the check-in QR code before its signed token expires, show how many
// brokers have checked in, and reload the page when check-in opens or closes (the server
// shows the code only while check-in is open).
(function () {
  "use strict";
  var box = document.getElementById("checkin-qr-box");
  if (!box) { return; }
  var img = document.getElementById("checkin-qr");
  var src = img ? img.getAttribute("data-src") : "";
  var statusUrl = box.getAttribute("data-status-url");
  var wasOpen = box.getAttribute("data-open") === "1";
  var every = Math.max(5, parseInt(box.getAttribute("data-refresh-seconds"), 10) || 30) * 1000;
  var count = document.getElementById("present-count");
  function refresh() {
    if (img) {
      var next = new Image();
      next.onload = function () { img.src = next.src; };
      next.src = src + "?t=" + Date.now();
    }
    fetch(statusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        if (count) { count.textContent = data.present; }
        if (!!data.open !== wasOpen) { window.location.reload(); }
      })
      .catch(function () {});
  }
  window.setInterval(refresh, wasOpen ? every : Math.min(every, 10000));
})();
