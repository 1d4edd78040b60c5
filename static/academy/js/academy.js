// Small behaviours shared by every page. No inline scripts or styles: the CSP forbids them,
// so pages describe behaviour with data- attributes and this file acts on them.
(function () {
  "use strict";

  // <select data-autosubmit> submits its form on change (filters, the language switcher).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      el.form.submit();
    }
  });

  // Progress bars: the width comes from data-progress="NN" (inline styles are blocked).
  function paintProgress(root) {
    (root || document).querySelectorAll("[data-progress]").forEach(function (bar) {
      var value = Math.max(0, Math.min(100, parseFloat(bar.getAttribute("data-progress")) || 0));
      bar.style.width = value + "%";
      if (!bar.hasAttribute("aria-valuenow")) {
        bar.setAttribute("aria-valuenow", String(Math.round(value)));
      }
    });
  }

  // Background work (exports, bulk runs): an element with data-progress-url="…" polls that
  // URL for JSON {percent, done, label} every 1.5 s, paints its [data-progress] bar and
  // [data-progress-label] text, and reloads the page once the work is done (so the page
  // shows the download link or the result).
  function pollProgress(box) {
    var url = box.getAttribute("data-progress-url");
    var bar = box.querySelector("[data-progress]");
    var label = box.querySelector("[data-progress-label]");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (state) {
          if (!state) { window.setTimeout(tick, 5000); return; }
          if (bar) {
            bar.setAttribute("data-progress", String(state.percent || 0));
            bar.removeAttribute("aria-valuenow");
            bar.textContent = (state.percent || 0) + "%";
            paintProgress(box);
          }
          if (label && state.label) { label.textContent = state.label; }
          if (state.done) { window.location.reload(); } else { window.setTimeout(tick, 1500); }
        })
        .catch(function () { window.setTimeout(tick, 5000); });
    }
    window.setTimeout(tick, 1000);
  }

  // <button data-copy-target="#id"> copies the text of an element (TOTP secret, codes).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy-target]");
    if (!button) { return; }
    var target = document.querySelector(button.getAttribute("data-copy-target"));
    if (!target || !navigator.clipboard) { return; }
    var text = "value" in target && target.value ? target.value : target.textContent;
    navigator.clipboard.writeText(text.trim()).then(function () {
      var done = button.getAttribute("data-copied-label");
      if (done) {
        var original = button.textContent;
        button.textContent = done;
        window.setTimeout(function () { button.textContent = original; }, 2000);
      }
    });
  });

  // <form data-confirm="Are you sure?"> asks before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // Forms get their first invalid field focused, so that the inline error is read out.
  function focusFirstError(root) {
    var invalid = (root || document).querySelector(".is-invalid");
    if (invalid && typeof invalid.focus === "function") {
      invalid.focus({ preventScroll: false });
    }
  }

  // <input data-person-search="URL"> suggests people while one types a name, its pinyin
  // initials, or the last digits of a phone or ID number: the URL answers JSON
  // {results: [{email, name, detail}]}, shown in a <datalist>; choosing a suggestion puts
  // the person's e-mail address into the field, which the server resolves.
  function personSearch(input) {
    var list = document.createElement("datalist");
    list.id = (input.id || "person") + "-suggestions";
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    input.after(list);
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      var term = input.value.trim();
      if (term.length < 1 || term === last || term.indexOf("@") > 0) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        last = term;
        var base = input.getAttribute("data-person-search");
        var url = base + (base.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(term);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) {
            list.replaceChildren();
            (data.results || []).forEach(function (person) {
              var option = document.createElement("option");
              option.value = person.email;
              option.label = person.name + (person.detail ? " · " + person.detail : "");
              option.textContent = option.label;
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are a convenience: typing still works */ });
      }, 200);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-person-search]").forEach(personSearch);
    paintProgress(document);
    focusFirstError(document);
    document.querySelectorAll("[data-progress-url]").forEach(pollProgress);
  });
  window.Academy = { paintProgress: paintProgress };
})();
