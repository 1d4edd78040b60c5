// The exam page's part of the integrity log: leaving the page (another tab or window) and
// coming back, with the time away; leaving full screen where the sitting asks for it; pastes
// into essay answers (their length, never the text); and the time offline before answers
// were sent again. Reported in small batches to the attempt's events endpoint; the server
// adds what it sees itself (a second session or device). Nothing here blocks the exam.
(function () {
  "use strict";
  var root = document.getElementById("exam");
  if (!root || !root.getAttribute("data-events-url")) { return; }
  var url = root.getAttribute("data-events-url");
  var csrf = root.getAttribute("data-csrf");
  var wantsFullscreen = root.getAttribute("data-require-fullscreen") === "1";
  var queue = [];
  var sending = false;

  function push(event) {
    event.at = Date.now();
    queue.push(event);
  }
  function flush(final) {
    if (!queue.length || sending) { return; }
    var batch = queue.splice(0, 50);
    var now = Date.now();
    var events = batch.map(function (e) {
      var copy = {};
      Object.keys(e).forEach(function (k) { if (k !== "at") { copy[k] = e[k]; } });
      copy.ago_ms = Math.max(0, now - e.at);
      return copy;
    });
    sending = true;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!final,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ events: events })
    }).then(function (response) {
      sending = false;
      if (!response.ok && response.status >= 500) { queue = batch.concat(queue); }
    }).catch(function () {
      sending = false;
      queue = batch.concat(queue);
    });
  }

  // Away: the tab hidden or the window without focus; one event per absence.
  var awaySince = null;
  function away() { return document.visibilityState !== "visible" || !document.hasFocus(); }
  function check() {
    if (away()) {
      if (awaySince === null) { awaySince = Date.now(); }
    } else if (awaySince !== null) {
      push({ kind: "left_page", duration_ms: Date.now() - awaySince });
      awaySince = null;
      flush(false);
    }
  }
  document.addEventListener("visibilitychange", function () {
    check();
    if (document.visibilityState !== "visible") { flush(true); }
  });
  window.addEventListener("blur", function () { window.setTimeout(check, 0); });
  window.addEventListener("focus", function () { window.setTimeout(check, 0); });

  // Full screen, where the sitting asks for it.
  var banner = document.getElementById("exam-fullscreen");
  var exitedAt = null;
  function inFullscreen() { return !!document.fullscreenElement; }
  function showBanner() { if (banner) { banner.hidden = inFullscreen(); } }
  if (wantsFullscreen && banner) {
    var button = banner.querySelector("button");
    if (button) {
      button.addEventListener("click", function () {
        if (document.documentElement.requestFullscreen) {
          document.documentElement.requestFullscreen().catch(function () {});
        }
      });
    }
    document.addEventListener("fullscreenchange", function () {
      if (!inFullscreen()) {
        exitedAt = Date.now();
      } else if (exitedAt !== null) {
        push({ kind: "fullscreen_exit", duration_ms: Date.now() - exitedAt });
        exitedAt = null;
        flush(false);
      }
      showBanner();
    });
    showBanner();
  }

  // Pastes into essay answers.
  document.addEventListener("paste", function (event) {
    var target = event.target;
    if (!target || target.tagName !== "TEXTAREA") { return; }
    var fieldset = target.closest("[data-item-id]");
    var text = (event.clipboardData && event.clipboardData.getData("text")) || "";
    push({ kind: "paste", item_id: fieldset ? parseInt(fieldset.getAttribute("data-item-id"), 10)
      : undefined, chars: text.length });
    flush(false);
  }, true);

  // Offline gaps: answers typed meanwhile are sent when the connection returns.
  var offlineSince = navigator.onLine === false ? Date.now() : null;
  window.addEventListener("offline", function () {
    if (offlineSince === null) { offlineSince = Date.now(); }
  });
  window.addEventListener("online", function () {
    if (offlineSince !== null) {
      push({ kind: "offline_save", duration_ms: Date.now() - offlineSince });
      offlineSince = null;
      window.setTimeout(function () { flush(false); }, 500);
    }
  });

  window.setInterval(function () { flush(false); }, 5000);
  window.addEventListener("pagehide", function () {
    if (exitedAt !== null) {
      push({ kind: "fullscreen_exit", duration_ms: Date.now() - exitedAt });
      exitedAt = null;
    }
    flush(true);
  });
  document.addEventListener("exam:submitting", function () { check(); flush(true); });
})();
