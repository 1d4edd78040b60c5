// Reports the time a broker spends on an open lesson (only while the tab is visible).
// The server caps what it credits by the time that really passed, so this is a hint only.
(function () {
  "use strict";
  var article = document.querySelector("[data-ping-url]");
  if (!article) { return; }
  var url = article.getAttribute("data-ping-url");
  var every = Math.max(5, parseInt(article.getAttribute("data-ping-seconds"), 10) || 30) * 1000;
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  var visibleSince = document.visibilityState === "visible" ? Date.now() : null;
  var pending = 0;

  function collect() {
    if (visibleSince !== null) {
      pending += (Date.now() - visibleSince) / 1000;
      visibleSince = document.visibilityState === "visible" ? Date.now() : null;
    }
  }
  function send() {
    collect();
    var seconds = Math.floor(pending);
    if (seconds < 1 || !csrf) { return; }
    pending -= seconds;
    var body = JSON.stringify({ seconds: seconds });
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf.value },
      body: body
    }).catch(function () { pending += seconds; });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      visibleSince = Date.now();
    } else {
      send();
    }
  });
  window.setInterval(function () { send(); }, every);
})();
