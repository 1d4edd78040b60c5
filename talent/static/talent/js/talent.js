/* The talent pool's filters: an input with data-suggest-url fills its <datalist> from that
   URL's JSON {results: [{value?, name}]} (organisations, cohorts) matching what was typed, in
   the region chosen in the same form. */
(function () {
  "use strict";

  function suggest(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    var asked = null;
    if (!list) {
      return;
    }
    function fill() {
      var region = input.form && input.form.elements.region ? input.form.elements.region.value : "";
      var query = new URLSearchParams({ q: input.value.trim(), region: region });
      var url = input.getAttribute("data-suggest-url") + "?" + query.toString();
      if (url === asked) {
        return;
      }
      asked = url;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || url !== asked) {
            return;
          }
          list.replaceChildren.apply(list, data.results.map(function (item) {
            var option = document.createElement("option");
            option.value = item.value || item.name;
            if (item.value && item.value !== item.name) {
              option.label = item.name;
            }
            return option;
          }));
        })
        .catch(function () { asked = null; });
    }
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fill, 200);
    });
    input.addEventListener("focus", fill);
  }

  document.querySelectorAll("input[data-suggest-url]").forEach(suggest);
})();
