/* The dashboard's charts (Apache ECharts, served from /static/echarts/).

   Markup: <figure data-chart="JSON-SCRIPT-ID"> holding a [data-chart-canvas] box and the
   figure's table in [data-chart-table]; a [data-chart-toggle] button switches between the
   two. The JSON (talent/charts.py) gives categories, series with values and the
   broker list behind each value: clicking a bar opens it, as the numbers in the table do.
   Without ECharts (or JavaScript) the table simply stays. */
(function () {
  "use strict";

  function readSpec(figure) {
    var node = document.getElementById(figure.getAttribute("data-chart"));
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  // ECharts measures a text with its own font unless the text's style names one, while the
  // SVG it draws takes the page's: each text style below names this one, so that the room
  // made for a label is the room it takes.
  var FONT = "system-ui, -apple-system, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', " +
    "sans-serif";

  // The width of a 12 px label, roughly: CJK characters are square, others about half.
  function labelWidth(text) {
    var width = 0;
    for (var i = 0; i < text.length; i++) { width += text.charCodeAt(i) > 0x2e80 ? 12 : 7; }
    return width;
  }

  // The width each category has under a vertical chart of ``width`` pixels: a label that is
  // wider wraps onto more lines there instead of reaching past the chart's edge.
  function slotWidth(spec, width) {
    return Math.max(48, Math.floor((width - 80) / Math.max(1, spec.categories.length)) - 8);
  }

  function option(spec, width) {
    var horizontal = !!spec.horizontal;
    var rotate = !horizontal && spec.categories.length > 8 ? 40 : 0;
    // A label turned 40 degrees reaches left of its tick by most of its width, and the grid's
    // containLabel does not make room for that under the first bar.
    var longest = spec.categories.reduce(function (w, c) { return Math.max(w, labelWidth(String(c))); }, 0);
    var left = rotate ? Math.min(160, Math.ceil(longest * Math.cos(rotate * Math.PI / 180))) : 8;
    var categoryAxis = {
      type: "category",
      data: spec.categories,
      inverse: horizontal,
      axisTick: { alignWithLabel: true },
      axisLabel: horizontal
        ? { width: 200, overflow: "truncate", color: "#212529", fontSize: 12, fontFamily: FONT }
        : rotate ? { color: "#212529", fontSize: 12, fontFamily: FONT, hideOverlap: true,
                     rotate: rotate }
          : { color: "#212529", fontSize: 12, fontFamily: FONT, hideOverlap: true,
              width: slotWidth(spec, width), overflow: "break", lineHeight: 14 }
    };
    // The value axis's name goes under a horizontal chart and above a vertical one, starting
    // at the axis line: the grid's containLabel makes room for the tick labels but not for
    // the name, which, set beside a vertical axis, was cut off at the canvas's left edge.
    var valueAxis = {
      type: "value",
      minInterval: 1,
      name: spec.value_name,
      nameLocation: horizontal ? "middle" : "end",
      nameGap: horizontal ? 28 : 12,
      nameTextStyle: horizontal ? { color: "#495057", fontFamily: FONT }
                                : { color: "#495057", fontFamily: FONT, align: "left" },
      max: spec.percent ? 100 : null,
      axisLabel: { color: "#495057", fontFamily: FONT,
                   formatter: spec.percent ? "{value}%" : "{value}" },
      splitLine: { lineStyle: { color: "#dee2e6" } }
    };
    var many = spec.series.length > 1;
    return {
      color: spec.palette,
      animation: false,
      textStyle: { fontFamily: FONT },
      aria: { enabled: true, decal: { show: many } },
      grid: { left: left, right: 40, top: (many ? 36 : 12) + (horizontal ? 0 : 24), bottom: horizontal ? 40 : 56, containLabel: true },
      legend: many ? { top: 0, type: "scroll", textStyle: { fontFamily: FONT } } : undefined,
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        valueFormatter: spec.percent ? function (v) { return v + "%"; } : undefined
      },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: spec.series.map(function (s) {
        return {
          name: s.name,
          type: "bar",
          stack: spec.stacked ? "total" : undefined,
          barMaxWidth: 36,
          cursor: "pointer",
          label: {
            show: !spec.stacked,
            position: horizontal ? "right" : "top",
            color: "#212529",
            fontFamily: FONT,
            formatter: spec.percent ? "{c}%" : "{c}"
          },
          data: s.values
        };
      })
    };
  }

  function draw(figure, spec) {
    var canvas = figure.querySelector("[data-chart-canvas]");
    var rows = spec.horizontal ? spec.categories.length : 10;
    canvas.classList.add("talent-echart");
    canvas.style.height = Math.max(220, Math.min(640, rows * 32 + 80)) + "px";
    var chart = window.echarts.init(canvas, null, { renderer: "svg" });
    chart.setOption(option(spec, canvas.clientWidth));
    chart.on("click", function (params) {
      var series = spec.series[params.seriesIndex];
      var url = series && series.urls ? series.urls[params.dataIndex] : "";
      if (url) { window.location.href = url; }
    });
    window.addEventListener("resize", function () {
      chart.resize();
      chart.setOption(option(spec, canvas.clientWidth));
    });
    figure.setAttribute("data-chart-ready", "1");
    return chart;
  }

  function setup(figure) {
    var spec = readSpec(figure);
    var table = figure.querySelector("[data-chart-table]");
    var toggle = figure.querySelector("[data-chart-toggle]");
    var canvas = figure.querySelector("[data-chart-canvas]");
    if (!spec || !spec.series || !window.echarts || !canvas) {
      if (toggle) { toggle.hidden = true; }
      return;
    }
    var chart = draw(figure, spec);
    if (table) { table.hidden = true; }
    if (!toggle) { return; }
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var showTable = table.hidden;
      table.hidden = !showTable;
      canvas.hidden = showTable;
      toggle.setAttribute("aria-pressed", showTable ? "true" : "false");
      toggle.textContent = showTable ? toggle.getAttribute("data-label-chart")
                                     : toggle.getAttribute("data-label-table");
      if (!showTable) { chart.resize(); chart.setOption(option(spec, canvas.clientWidth)); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("figure[data-chart]").forEach(setup);
  });
})();
