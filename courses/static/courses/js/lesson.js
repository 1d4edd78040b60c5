// Reports the study a broker does on an open lesson: seconds the page was visible and active
// (some keyboard, mouse, touch or scroll activity within the idle limit, or the video
// playing), and the seconds of the lesson's own video played in order. Skipping forward in
// the video adds nothing. The server caps both by the time that really passed and answers
// with what the lesson still needs, which is shown beside the "Mark as done" button.
(function () {
  "use strict";
  var article = document.querySelector("[data-ping-url]");
  if (!article) { return; }
  var url = article.getAttribute("data-ping-url");
  var every = Math.max(2, parseInt(article.getAttribute("data-ping-seconds"), 10) || 30) * 1000;
  var idleLimit = (parseInt(article.getAttribute("data-idle-seconds"), 10) || 300) * 1000;
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  var remaining = document.querySelector("[data-study-remaining]");
  var doneButton = document.querySelector("[data-testid='mark-done']");
  var metText = document.querySelector("[data-msg-met]");
  var video = article.querySelector("video[data-lesson-video]");

  var lastActivity = Date.now();
  var lastTick = Date.now();
  var pending = 0;          // active seconds not reported yet
  var fresh = [];           // video ranges [start, end) played in order, not reported yet
  var sending = false;
  // Whether the page was visible since the last tick. It changes only in the
  // visibilitychange handler, after the time until then has been counted, so that the
  // time a background tab spent hidden is never counted when it comes back (its timers
  // may not have run for a while, so the first tick after it returns spans hidden time).
  var visible = document.visibilityState === "visible";

  function playing() { return video && !video.paused && !video.ended; }
  function active(now) {
    return visible && (playing() || now - lastActivity < idleLimit);
  }
  function tick() {
    var now = Date.now();
    var step = Math.min(now - lastTick, 5000);
    if (active(now)) { pending += step / 1000; }
    lastTick = now;
  }
  ["keydown", "mousemove", "mousedown", "wheel", "scroll", "touchstart"].forEach(function (n) {
    window.addEventListener(n, function () { lastActivity = Date.now(); }, { passive: true });
  });

  // Video: a range grows while playback advances by small steps; a seek ends it.
  var rangeStart = null, lastTime = null;
  function closeRange() {
    if (rangeStart !== null && lastTime !== null && lastTime > rangeStart) {
      fresh.push([rangeStart, lastTime]);
    }
    rangeStart = null;
    lastTime = null;
  }
  if (video) {
    video.addEventListener("timeupdate", function () {
      if (video.seeking || video.paused) { return; }
      var t = video.currentTime;
      var limit = 1.5 * Math.max(1, video.playbackRate);
      if (lastTime !== null && t >= lastTime && t - lastTime <= limit) {
        lastTime = t;
      } else {
        closeRange();
        rangeStart = t;
        lastTime = t;
      }
      lastActivity = Date.now();
    });
    video.addEventListener("seeking", closeRange);
    video.addEventListener("pause", closeRange);
    video.addEventListener("ended", closeRange);
  }

  function show(data) {
    if (!remaining || !data) { return; }
    if (data.met) {
      remaining.textContent = metText ? metText.textContent : "";
      remaining.classList.add("text-success");
      if (doneButton) { doneButton.disabled = false; }
    } else if (data.remaining) {
      remaining.textContent = data.remaining;
    }
  }

  function send() {
    tick();
    var seconds = Math.floor(pending);
    var ranges = fresh;
    if (rangeStart !== null && lastTime !== null && lastTime > rangeStart) {
      ranges = ranges.concat([[rangeStart, lastTime]]);
    }
    if ((seconds < 1 && !ranges.length) || !csrf || sending) { return; }
    pending -= seconds;
    fresh = [];
    if (rangeStart !== null) { rangeStart = lastTime; }
    sending = true;
    var body = { seconds: seconds };
    if (ranges.length) { body.video = { ranges: ranges }; }
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf.value },
      body: JSON.stringify(body)
    }).then(function (response) {
      sending = false;
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(show).catch(function () {
      sending = false;
      pending += seconds;
      fresh = ranges.concat(fresh);
    });
  }
  document.addEventListener("visibilitychange", function () {
    tick();
    visible = document.visibilityState === "visible";
    if (!visible) { send(); }
    lastActivity = Date.now();
  });
  window.setInterval(tick, 1000);
  window.setInterval(send, every);
  window.addEventListener("pagehide", send);
})();
