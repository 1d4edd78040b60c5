// The trainers' and admins' exam pages: the question editor's live preview and growing rows,
// the grading form's running total, "select all" in question pickers. No inline scripts (strict
// CSP): pages describe behaviour with data- attributes and this file acts on them. Text from
// the form is only ever inserted with textContent, never as HTML.
(function () {
  "use strict";

  function $all(root, selector) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function clear(node) {
    while (node && node.firstChild) { node.removeChild(node.firstChild); }
  }

  // ---- Growing rows: options and rubric criteria -----------------------------------------
  // <div data-row-group="option" data-min-rows="4"> holds .editor-row elements; a
  // <button data-add-row="option"> shows the next hidden one. Rows with a value stay visible.
  function rowFilled(row) {
    return $all(row, "input[type=text], input[type=number], textarea").some(function (input) {
      return input.value.trim() !== "";
    }) || row.querySelector(".is-invalid") !== null;
  }

  function setUpRows(group) {
    var rows = $all(group, ".editor-row");
    var minimum = parseInt(group.getAttribute("data-min-rows") || "2", 10);
    var last = -1;
    rows.forEach(function (row, index) { if (rowFilled(row)) { last = index; } });
    var visible = Math.max(minimum, last + 1);
    rows.forEach(function (row, index) { row.hidden = index >= visible; });
    var name = group.getAttribute("data-row-group");
    var button = document.querySelector("[data-add-row='" + name + "']");
    if (!button) { return; }
    function refresh() {
      button.hidden = !rows.some(function (row) { return row.hidden; });
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var next = rows.filter(function (row) { return row.hidden; })[0];
      if (next) {
        next.hidden = false;
        var input = next.querySelector("input, textarea");
        if (input) { input.focus(); }
      }
      refresh();
    });
    refresh();
  }

  // ---- Live preview of the question editor -----------------------------------------------
  function value(form, name) {
    var field = form.elements.namedItem(name);
    return field && "value" in field ? String(field.value || "") : "";
  }

  function checkedValues(form, name) {
    return $all(form, "input[name='" + name + "']:checked").map(function (input) {
      return input.value;
    });
  }

  function renderPreview(form, box) {
    var qtype = form.getAttribute("data-qtype");
    var labels = box.dataset;
    var stemOut = box.querySelector("[data-preview-out=stem]");
    var bodyOut = box.querySelector("[data-preview-out=body]");
    var explanationOut = box.querySelector("[data-preview-out=explanation]");
    stemOut.textContent = value(form, "stem").trim() || labels.emptyStem || "";
    stemOut.classList.toggle("text-body-secondary", !value(form, "stem").trim());
    clear(bodyOut);

    if (qtype === "single" || qtype === "multiple") {
      var correct = checkedValues(form, "correct");
      $all(form, "[data-preview=option]").forEach(function (input) {
        var text = input.value.trim();
        if (!text) { return; }
        var index = input.getAttribute("data-index");
        var row = el("div", "preview-option d-flex align-items-start gap-2");
        var marker = el("input", "form-check-input mt-1");
        marker.type = qtype === "single" ? "radio" : "checkbox";
        marker.disabled = true;
        marker.checked = correct.indexOf(index) !== -1;
        row.appendChild(marker);
        row.appendChild(el("span", "option-key", input.getAttribute("data-key")));
        row.appendChild(el("span", "pre-wrap", text));
        if (marker.checked) {
          row.classList.add("is-correct");
          row.appendChild(el("span", "badge text-bg-success ms-auto", labels.labelCorrect));
        }
        bodyOut.appendChild(row);
      });
      if (!bodyOut.firstChild) {
        bodyOut.appendChild(el("p", "text-body-secondary small mb-0", labels.emptyOptions));
      }
    } else if (qtype === "truefalse") {
      var answer = checkedValues(form, "truefalse_answer")[0];
      [["true", labels.labelTrue], ["false", labels.labelFalse]].forEach(function (pair) {
        var row = el("div", "preview-option d-flex align-items-center gap-2");
        var marker = el("input", "form-check-input");
        marker.type = "radio";
        marker.disabled = true;
        marker.checked = answer === pair[0];
        row.appendChild(marker);
        row.appendChild(el("span", "", pair[1]));
        if (marker.checked) {
          row.classList.add("is-correct");
          row.appendChild(el("span", "badge text-bg-success ms-auto", labels.labelCorrect));
        }
        bodyOut.appendChild(row);
      });
    } else if (qtype === "fillin") {
      var lines = value(form, "fillin_answers").split(/[\n;；]/).filter(function (line) {
        return line.trim() !== "";
      });
      var list = el("ol", "mb-0 ps-3");
      lines.forEach(function (line) {
        var item = el("li", "");
        var blank = el("input", "form-control form-control-sm mb-1");
        blank.type = "text";
        blank.disabled = true;
        item.appendChild(blank);
        var accepted = line.split(/\s*[|｜]\s*/).filter(Boolean).join(" / ");
        item.appendChild(el("div", "small text-success", labels.labelAccepted + " " + accepted));
        list.appendChild(item);
      });
      bodyOut.appendChild(lines.length ? list
        : el("p", "text-body-secondary small mb-0", labels.emptyAnswers));
    } else {
      var area = el("textarea", "form-control mb-2");
      area.rows = 3;
      area.disabled = true;
      bodyOut.appendChild(area);
      var table = el("table", "table table-sm mb-0");
      var tbody = el("tbody", "");
      var total = 0;
      $all(form, "[data-preview=criterion]").forEach(function (input) {
        var text = input.value.trim();
        if (!text) { return; }
        var pointsInput = form.elements.namedItem(input.name.replace("criterion_", "points_"));
        var points = parseFloat(pointsInput && pointsInput.value) || 0;
        total += points;
        var tr = el("tr", "");
        tr.appendChild(el("td", "", text));
        tr.appendChild(el("td", "text-end text-nowrap", String(points)));
        tbody.appendChild(tr);
      });
      var foot = el("tr", "fw-semibold");
      foot.appendChild(el("td", "", labels.labelTotal));
      foot.appendChild(el("td", "text-end", String(total)));
      tbody.appendChild(foot);
      table.appendChild(tbody);
      bodyOut.appendChild(el("div", "small fw-semibold mb-1", labels.labelRubric));
      bodyOut.appendChild(table);
    }

    var explanation = value(form, "explanation").trim();
    explanationOut.textContent = explanation;
    explanationOut.parentElement.hidden = !explanation;
  }

  function setUpEditor(form) {
    var box = document.getElementById(form.getAttribute("data-preview-target"));
    if (!box) { return; }
    var update = function () { renderPreview(form, box); };
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  // ---- Grading: the running total of the criterion scores ---------------------------------
  function setUpMarkForm(form) {
    var out = form.querySelector("[data-mark-total]");
    if (!out) { return; }
    var update = function () {
      var total = 0;
      $all(form, "[data-criterion-input]").forEach(function (input) {
        var number = parseFloat(input.value);
        var max = parseFloat(input.getAttribute("max"));
        if (!isNaN(number)) { total += number; }
        input.classList.toggle("is-invalid", !isNaN(number) && !isNaN(max) &&
          (number > max || number < 0));
      });
      out.textContent = String(Math.round(total * 100) / 100);
    };
    form.addEventListener("input", update);
    update();
  }

  // ---- <input type=checkbox data-check-all="name"> toggles every checkbox of that name -----
  document.addEventListener("change", function (event) {
    var box = event.target;
    var name = box.getAttribute && box.getAttribute("data-check-all");
    if (!name || !box.form) { return; }
    $all(box.form, "input[type=checkbox][name='" + name + "']").forEach(function (other) {
      other.checked = box.checked;
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    $all(document, "[data-row-group]").forEach(setUpRows);
    $all(document, "form[data-question-editor]").forEach(setUpEditor);
    $all(document, "form[data-mark-form]").forEach(setUpMarkForm);
  });
})();
