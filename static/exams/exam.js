// The exam page: a countdown to the server's deadline, autosave of every answer through the
// PUT answer endpoint, an offline queue kept in localStorage and sent in order when the
// connection returns, and a submit that happens once.
//
// Everything the script needs comes from data- attributes on #exam (the CSP forbids inline
// scripts): the URLs, the deadline and the server's clock, and on each question the client_ts
// of the answer the server holds (so that a newer answer kept on this device wins, an older
// one is dropped). The server keeps the answer with the highest client_ts, so a slow, retried
// or replayed request can never overwrite a newer answer.
(function () {
  "use strict";

  var root = document.getElementById("exam");
  if (!root) { return; }

  var attemptId = root.getAttribute("data-attempt-id");
  var saveUrlTemplate = root.getAttribute("data-save-url"); // contains the item id 0 → replaced
  var submitUrl = root.getAttribute("data-submit-url");
  var doneUrl = root.getAttribute("data-done-url");
  var deadline = Date.parse(root.getAttribute("data-deadline"));
  var debounceMs = parseInt(root.getAttribute("data-debounce-ms"), 10) || 800;
  var storeKey = "academy.exam." + attemptId;
  var BACKOFF_MAX_MS = 30000;

  // --- The server's clock ----------------------------------------------------------------
  // offset = server time − client time. First estimate: the server's time at render; every
  // save response refines it (the server's saved_at against the request's midpoint, keeping
  // the estimate with the shortest round trip). The countdown never trusts the client clock.
  var offset = Date.parse(root.getAttribute("data-server-now")) - Date.now();
  var bestRtt = Infinity;
  function serverNow() { return Date.now() + offset; }
  function learnClock(sentAt, receivedAt, serverIso) {
    var server = Date.parse(serverIso);
    var rtt = receivedAt - sentAt;
    if (!isNaN(server) && rtt < bestRtt) {
      bestRtt = rtt;
      offset = server - (sentAt + receivedAt) / 2;
    }
  }

  // --- Messages (translated in the template) ---------------------------------------------
  function msg(name, values) {
    var el = document.querySelector("#exam-messages [data-msg='" + name + "']");
    var text = el ? el.textContent : name;
    if (values) {
      Object.keys(values).forEach(function (key) {
        text = text.split("%(" + key + ")s").join(String(values[key]));
      });
    }
    return text;
  }

  // --- Storage: pending answers survive reloads, crashes and the connection dropping -----
  var memoryStore = null; // used when localStorage is unavailable (private mode, quota)
  function load() {
    var raw = null;
    try { raw = window.localStorage.getItem(storeKey); } catch (e) { raw = memoryStore; }
    var state = null;
    try { state = raw ? JSON.parse(raw) : null; } catch (e) { state = null; }
    if (!state || typeof state !== "object") { state = {}; }
    state.ts = state.ts || 0;
    state.pending = state.pending || {};
    return state;
  }
  function store(state) {
    var raw = JSON.stringify(state);
    try { window.localStorage.setItem(storeKey, raw); } catch (e) { memoryStore = raw; }
  }

  // client_ts: milliseconds from Date.now(), but strictly increasing on this device (a clock
  // that steps back, or two changes in the same millisecond, still give a newer stamp) and
  // above every stamp the server already holds for this attempt.
  function nextTs() {
    var state = load();
    var ts = Math.max(Date.now(), state.ts + 1, highestServerTs + 1);
    state.ts = ts;
    store(state);
    return ts;
  }

  // --- Questions and their values ---------------------------------------------------------
  var questions = {};
  var highestServerTs = 0;
  Array.prototype.forEach.call(root.querySelectorAll("[data-item-id]"), function (q) {
    var id = q.getAttribute("data-item-id");
    var ts = parseInt(q.getAttribute("data-client-ts"), 10) || 0;
    questions[id] = { el: q, type: q.getAttribute("data-type"), serverTs: ts, timer: null };
    highestServerTs = Math.max(highestServerTs, ts);
  });

  function inputsOf(q) { return q.el.querySelectorAll("input, textarea"); }

  function getValue(q) {
    var inputs = inputsOf(q);
    var i;
    if (q.type === "single" || q.type === "truefalse") {
      for (i = 0; i < inputs.length; i++) {
        if (inputs[i].checked) {
          if (q.type === "truefalse") { return inputs[i].value === "true"; }
          return inputs[i].value;
        }
      }
      return null;
    }
    if (q.type === "multiple") {
      var keys = [];
      for (i = 0; i < inputs.length; i++) { if (inputs[i].checked) { keys.push(inputs[i].value); } }
      keys.sort();
      return keys;
    }
    if (q.type === "fillin") {
      var blanks = [];
      for (i = 0; i < inputs.length; i++) { blanks.push(inputs[i].value); }
      return blanks;
    }
    return inputs.length ? inputs[0].value : "";
  }

  function setValue(q, value) {
    var inputs = inputsOf(q);
    var i;
    if (q.type === "single" || q.type === "truefalse") {
      for (i = 0; i < inputs.length; i++) { inputs[i].checked = String(value) === inputs[i].value; }
    } else if (q.type === "multiple") {
      var chosen = Array.isArray(value) ? value.map(String) : [];
      for (i = 0; i < inputs.length; i++) { inputs[i].checked = chosen.indexOf(inputs[i].value) >= 0; }
    } else if (q.type === "fillin") {
      var list = Array.isArray(value) ? value : [value];
      for (i = 0; i < inputs.length; i++) { inputs[i].value = list[i] == null ? "" : list[i]; }
    } else if (inputs.length) {
      inputs[0].value = value == null ? "" : String(value);
    }
  }

  function isAnswered(q) {
    var value = getValue(q);
    if (value === null || value === undefined) { return false; }
    if (Array.isArray(value)) { return value.some(function (v) { return String(v).trim() !== ""; }); }
    return String(value).trim() !== "";
  }

  // --- Per-question indicator and the global status bar -----------------------------------
  function setQState(id, state) {
    var q = questions[id];
    if (!q) { return; }
    var badge = q.el.querySelector("[data-save-state]");
    q.el.setAttribute("data-state", state);
    if (badge) {
      badge.setAttribute("data-save-state", state);
      badge.textContent = state === "idle" ? "" : msg("q-" + state);
    }
    var nav = document.querySelector("[data-nav-item='" + id + "']");
    if (nav) {
      nav.classList.toggle("answered", isAnswered(q));
      nav.classList.toggle("unsaved", state === "saving" || state === "offline" || state === "error");
    }
  }

  var statusBar = document.getElementById("exam-status");
  var offlineBanner = document.getElementById("exam-offline");
  var closed = false;
  var submitting = false;
  var sending = false;
  var failures = 0;
  var retryTimer = null;
  var retryAt = 0;
  var lastProblem = "";

  function pendingCount() { return Object.keys(load().pending).length; }

  function renderStatus() {
    if (!statusBar) { return; }
    var n = pendingCount();
    var online = navigator.onLine;
    var text;
    var tone;
    if (closed) {
      text = msg(closed === "submitted" ? "submitted" : "closed"); tone = "secondary";
    } else if (!online) {
      text = n ? msg("offline-pending", { n: n }) : msg("offline"); tone = "warning";
    } else if (lastProblem === "auth") {
      text = msg("signed-out", { n: n }); tone = "danger";
    } else if (retryTimer && n) {
      text = msg("retrying", { n: n, s: Math.max(1, Math.ceil((retryAt - Date.now()) / 1000)) });
      tone = "warning";
    } else if (n || sending) {
      text = msg("saving"); tone = "info";
    } else {
      text = msg("all-saved"); tone = "success";
    }
    statusBar.textContent = text;
    statusBar.setAttribute("data-tone", tone);
    // Offline as the browser says, or as the last request found (no response at all).
    if (offlineBanner) { offlineBanner.hidden = (online && lastProblem !== "network") || !!closed; }
    var answered = 0;
    Object.keys(questions).forEach(function (id) { if (isAnswered(questions[id])) { answered++; } });
    var counter = document.getElementById("exam-answered");
    if (counter) { counter.textContent = String(answered); }
  }

  // --- Network ----------------------------------------------------------------------------
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : root.getAttribute("data-csrf");
  }

  function request(method, url, body) {
    var sentAt = Date.now();
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      cache: "no-store",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken(),
        "X-Requested-With": "XMLHttpRequest"
      },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data, sentAt: sentAt, receivedAt: Date.now() };
      });
    });
  }

  // --- Time on each question (for the item statistics' average time) ----------------------
  // The question last interacted with is "active" while the page is visible; its time
  // accumulates in localStorage (so a reload keeps it) and goes with each save as elapsed_ms.
  var activeId = null;
  var activeSince = null;
  function settleTime() {
    if (activeId === null || activeSince === null) { return; }
    var now = Date.now();
    var state = load();
    state.elapsed = state.elapsed || {};
    state.elapsed[activeId] = (state.elapsed[activeId] || 0) + Math.max(0, now - activeSince);
    store(state);
    activeSince = now;
  }
  function activate(id) {
    if (id === activeId) { return; }
    settleTime();
    activeId = id;
    activeSince = document.visibilityState === "hidden" ? null : Date.now();
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      settleTime();
      activeSince = null;
    } else if (activeId !== null) {
      activeSince = Date.now();
    }
  });
  function elapsedOf(id) {
    settleTime();
    var elapsed = load().elapsed || {};
    return Math.round(elapsed[id] || 0);
  }

  // Queue one answer: it is stored on this device first, then sent.
  function record(id) {
    if (closed) { return; }
    var q = questions[id];
    activate(id);
    var ts = nextTs();
    var elapsed = elapsedOf(id);
    var state = load();
    state.pending[id] = { v: getValue(q), ts: ts, e: elapsed };
    store(state);
    setQState(id, navigator.onLine ? "saving" : "offline");
    renderStatus();
  }

  // The next answer to send: the oldest change first, skipping text still being typed.
  function nextDue(force) {
    var pending = load().pending;
    var best = null;
    Object.keys(pending).forEach(function (id) {
      if (!questions[id]) { return; }
      if (!force && questions[id].timer) { return; }
      if (!best || pending[id].ts < best.entry.ts) { best = { id: id, entry: pending[id] }; }
    });
    return best;
  }

  function scheduleRetry() {
    failures += 1;
    var delay = Math.min(BACKOFF_MAX_MS, 1000 * Math.pow(2, failures - 1));
    delay = Math.round(delay * (0.75 + Math.random() * 0.5));
    retryAt = Date.now() + delay;
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(function () { retryTimer = null; flush(); }, delay);
  }

  var idleWaiters = [];
  function notifyIdle() {
    if (sending || nextDue(true)) { return; }
    var waiters = idleWaiters;
    idleWaiters = [];
    waiters.forEach(function (resolve) { resolve(true); });
  }

  function flush(force) {
    if (sending || (closed && closed !== "timeout")) { renderStatus(); return; }
    if (retryTimer && !force) { renderStatus(); return; }
    var due = nextDue(force);
    if (!due) { renderStatus(); notifyIdle(); return; }
    if (!navigator.onLine) {
      Object.keys(load().pending).forEach(function (id) { setQState(id, "offline"); });
      renderStatus();
      return;
    }
    sending = true;
    renderStatus();
    var url = saveUrlTemplate.replace(/\/0\/$/, "/" + due.id + "/");
    // sent_ts: the server measures the answer's age on this device's clock (sent_ts −
    // client_ts), so an answer queued offline is logged as a gap even if this page reloaded
    // meanwhile, and a clock that is off is not mistaken for a gap.
    var body = { value: due.entry.v, client_ts: due.entry.ts, sent_ts: Date.now() };
    if (typeof due.entry.e === "number") { body.elapsed_ms = due.entry.e; }
    request("PUT", url, body).then(function (res) {
      sending = false;
      if (res.status === 200) {
        failures = 0;
        lastProblem = "";
        if (res.data && res.data.saved_at) { learnClock(res.sentAt, res.receivedAt, res.data.saved_at); }
        var state = load();
        var current = state.pending[due.id];
        if (current && current.ts <= due.entry.ts) { delete state.pending[due.id]; store(state); }
        var q = questions[due.id];
        q.serverTs = Math.max(q.serverTs, due.entry.ts);
        setQState(due.id, state.pending[due.id] ? "saving" : "saved");
        flush(force);
        return;
      }
      if (res.status === 409) {
        // The deadline passed or the attempt was submitted (here or in another tab).
        closeExam("closed");
        return;
      }
      if (res.status === 400) {
        // The server rejected this value: retrying the same value cannot help.
        var st = load();
        if (st.pending[due.id] && st.pending[due.id].ts <= due.entry.ts) {
          delete st.pending[due.id];
          store(st);
        }
        setQState(due.id, "error");
        flush(force);
        return;
      }
      if (res.status === 404) {
        closeExam("refused");
        return;
      }
      // 401/403 (signed out, CSRF cookie rotated), 429, 5xx: keep the answer, retry later.
      lastProblem = (res.status === 401 || res.status === 403) ? "auth" : "server";
      setQState(due.id, "saving");
      scheduleRetry();
      renderStatus();
    }, function () {
      // The request never reached the server (offline, DNS, connection reset): retry.
      sending = false;
      lastProblem = "network";
      setQState(due.id, navigator.onLine ? "saving" : "offline");
      scheduleRetry();
      renderStatus();
    });
  }

  // Resolves true once every pending answer is saved, false on timeout.
  function flushAll(timeoutMs) {
    return new Promise(function (resolve) {
      Object.keys(questions).forEach(function (id) {
        var q = questions[id];
        if (q.timer) { window.clearTimeout(q.timer); q.timer = null; }
      });
      if (!nextDue(true) && !sending) { resolve(true); return; }
      idleWaiters.push(resolve);
      window.clearTimeout(retryTimer);
      retryTimer = null;
      failures = 0;
      flush(true);
      window.setTimeout(function () { resolve(false); }, timeoutMs);
    });
  }

  // --- Input events -------------------------------------------------------------------------
  // Enter in a text field must not submit anything: answers go through the save endpoint.
  root.addEventListener("submit", function (event) { event.preventDefault(); });

  function questionOf(target) {
    var el = target.closest && target.closest("[data-item-id]");
    return el ? el.getAttribute("data-item-id") : null;
  }

  function isText(target) {
    return target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type === "text");
  }

  root.addEventListener("focusin", function (event) {
    var id = questionOf(event.target);
    if (id) { activate(id); }
  });

  root.addEventListener("input", function (event) {
    var id = questionOf(event.target);
    if (!id || !isText(event.target)) { return; }
    record(id); // on this device at once; to the server when typing pauses
    var q = questions[id];
    window.clearTimeout(q.timer);
    q.timer = window.setTimeout(function () { q.timer = null; flush(); }, debounceMs);
  });

  root.addEventListener("change", function (event) {
    var id = questionOf(event.target);
    if (!id) { return; }
    var q = questions[id];
    if (isText(event.target)) {
      // Leaving a text field: send what was typed now rather than after the pause.
      window.clearTimeout(q.timer);
      q.timer = null;
      if (load().pending[id]) { flush(); }
      return;
    }
    record(id);
    flush();
  });

  window.addEventListener("online", function () {
    window.clearTimeout(retryTimer);
    retryTimer = null;
    failures = 0;
    flush();
  });
  window.addEventListener("offline", function () {
    Object.keys(load().pending).forEach(function (id) { setQState(id, "offline"); });
    renderStatus();
  });
  // A safety net for browsers whose online/offline events lie.
  window.setInterval(function () { if (!retryTimer) { flush(); } else { renderStatus(); } }, 10000);

  window.addEventListener("beforeunload", function (event) {
    if (!closed && pendingCount() && !navigator.onLine) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // Another tab of the same attempt submitted it.
  window.addEventListener("storage", function (event) {
    if (event.key === storeKey + ".submitted" && event.newValue) { closeExam("submitted"); }
  });

  // --- Closing and submitting -----------------------------------------------------------------
  function disableInputs() {
    Array.prototype.forEach.call(root.querySelectorAll("input, textarea"), function (el) {
      el.disabled = true;
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-exam-submit]"), function (el) {
      el.disabled = true;
    });
  }

  function showClosed(kind) {
    var banner = document.getElementById("exam-closed");
    if (banner) {
      banner.textContent = msg(kind === "submitted" ? "submitted" : kind === "timeout" ? "time-up" : "closed");
      banner.hidden = false;
    }
  }

  function finished() {
    try { window.localStorage.removeItem(storeKey); } catch (e) { memoryStore = null; }
    try { window.localStorage.setItem(storeKey + ".submitted", String(Date.now())); } catch (e) { /* ignore */ }
    closed = "submitted";
    showClosed("submitted");
    renderStatus();
    window.setTimeout(function () { window.location.assign(doneUrl); }, 600);
  }

  function postSubmit() {
    return request("POST", submitUrl).then(function (res) {
      if (res.status === 200) { finished(); return true; }
      if (res.status === 409 || res.status === 404) {
        closed = "submitted";
        showClosed("closed");
        window.setTimeout(function () { window.location.assign(doneUrl); }, 1500);
        return true;
      }
      return false;
    }, function () { return false; });
  }

  function closeExam(kind) {
    if (closed === "submitted") { return; }
    closed = kind;
    disableInputs();
    showClosed(kind);
    renderStatus();
    if (kind === "submitted") {
      window.setTimeout(function () { window.location.assign(doneUrl); }, 1500);
    } else if (kind === "closed") {
      // The server refused an answer: deadline passed or submitted elsewhere. Make sure it is
      // submitted (a no-op if it already is), then show where the result will be.
      postSubmit();
    }
  }

  function submitNow(auto) {
    if (submitting || closed === "submitted") { return Promise.resolve(false); }
    submitting = true;
    var error = document.getElementById("exam-submit-error");
    if (error) { error.hidden = true; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-exam-submit]"), function (el) {
      el.disabled = true;
    });
    if (statusBar) { statusBar.textContent = msg("submitting"); }
    return flushAll(auto ? 5000 : 15000).then(function (allSaved) {
      if (!allSaved && !auto) {
        submitting = false;
        Array.prototype.forEach.call(document.querySelectorAll("[data-exam-submit]"), function (el) {
          el.disabled = closed !== false;
        });
        if (error) { error.textContent = msg("submit-unsaved", { n: pendingCount() }); error.hidden = false; }
        renderStatus();
        return false;
      }
      return postSubmit().then(function (ok) {
        submitting = false;
        if (!ok) {
          if (auto) {
            // The server closes overdue attempts itself; try again a little later anyway.
            window.setTimeout(function () { submitNow(true); }, 5000);
          } else {
            Array.prototype.forEach.call(document.querySelectorAll("[data-exam-submit]"), function (el) {
              el.disabled = false;
            });
            if (error) { error.textContent = msg("submit-failed"); error.hidden = false; }
          }
        }
        renderStatus();
        return ok;
      });
    });
  }

  var confirmButton = document.getElementById("exam-submit-confirm");
  if (confirmButton) {
    confirmButton.addEventListener("click", function () { submitNow(false); });
  }
  var submitOpen = document.getElementById("exam-submit");
  if (submitOpen) {
    submitOpen.addEventListener("click", function () {
      var unanswered = 0;
      Object.keys(questions).forEach(function (id) { if (!isAnswered(questions[id])) { unanswered++; } });
      var note = document.getElementById("exam-unanswered");
      if (note) {
        note.textContent = unanswered ? msg("unanswered", { n: unanswered }) : msg("all-answered");
      }
    });
  }

  // --- Countdown to the server's deadline ----------------------------------------------------
  var countdown = document.getElementById("exam-countdown");
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    if (closed === "submitted") { return; }
    var left = Math.max(0, deadline - serverNow());
    if (countdown) {
      var s = Math.floor(left / 1000);
      var h = Math.floor(s / 3600);
      var m = Math.floor((s % 3600) / 60);
      countdown.textContent = (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s % 60);
      countdown.setAttribute("data-urgency", left <= 60000 ? "critical" : left <= 300000 ? "warning" : "normal");
      countdown.setAttribute("datetime", "PT" + s + "S");
    }
    if (left <= 0 && !closed) {
      closed = "timeout";
      // Send what is still queued (the server decides, on its own clock, what is in time),
      // then submit.
      var pendingBefore = nextDue(true);
      disableInputs();
      showClosed("timeout");
      renderStatus();
      (pendingBefore ? flushAll(3000) : Promise.resolve(true)).then(function () {
        closed = "timeout";
        submitNow(true);
      });
    }
  }

  // --- Start: merge the server's answers with newer ones kept on this device ---------------
  (function resume() {
    var state = load();
    var changed = false;
    Object.keys(state.pending).forEach(function (id) {
      var q = questions[id];
      if (!q || state.pending[id].ts <= q.serverTs) {
        delete state.pending[id]; // the server already has this answer, or a newer one
        changed = true;
        return;
      }
      setValue(q, state.pending[id].v);
    });
    if (changed) { store(state); }
    Object.keys(questions).forEach(function (id) {
      setQState(id, state.pending[id] ? (navigator.onLine ? "saving" : "offline")
        : (questions[id].serverTs ? "saved" : "idle"));
    });
    root.setAttribute("data-ready", "true");
    tick();
    window.setInterval(tick, 500);
    flush();
  })();

  window.AcademyExam = { flushAll: flushAll, pendingCount: pendingCount, serverNow: serverNow };
})();
