// Observatory charts: every element `.vl-chart[data-spec]` holds a Vega-Lite spec built by the
// server (observatory/charts.py). It is drawn with vega-embed as SVG. The page's CSP has no
// 'unsafe-eval', so vega runs in interpreter mode: `ast: true` makes vega parse expressions to an
// AST and `expr` (vega-interpreter, vendored by scripts/build-assets.mjs) evaluates them.
// A chart that fails to draw says so in text (the translated messages come from data-error and
// data-missing), and the element gets data-state="error".
(function () {
  "use strict";

  function fail(el, message) {
    el.dataset.state = "error";
    const p = document.createElement("p");
    p.className = "empty-state";
    p.textContent = message;
    el.replaceChildren(p);
  }

  // vega-tooltip (vega-embed's default) injects a <style> element, refused by the CSP: a native
  // tooltip (the title attribute of the hovered mark) is used instead.
  function tooltip(handler, event, item, value) {
    const target = event && event.target;
    if (!target || !target.setAttribute) return;
    if (value == null || value === "") {
      target.removeAttribute("title");
    } else if (typeof value === "object") {
      target.setAttribute("title", Object.keys(value).map(function (k) { return k + ": " + value[k]; }).join("\n"));
    } else {
      target.setAttribute("title", String(value));
    }
  }

  function draw(el) {
    let spec;
    try {
      spec = JSON.parse(el.dataset.spec);
    } catch (err) {
      fail(el, (el.dataset.error || "The chart could not be drawn.") + " (" + err.message + ")");
      return Promise.resolve();
    }
    if (!window.vegaEmbed || !window.vegaInterpreter) {
      fail(el, el.dataset.missing || "The chart library is not loaded (run make assets).");
      return Promise.resolve();
    }
    const options = {
      renderer: "svg",
      actions: false,
      defaultStyle: false,
      tooltip: tooltip,
      ast: true,
      expr: window.vegaInterpreter.expressionInterpreter,
      config: { font: "system-ui, sans-serif" },
    };
    return window
      .vegaEmbed(el, spec, options)
      .then(function () {
        el.dataset.state = "rendered";
        const svg = el.querySelector("svg");
        if (svg && el.dataset.label) svg.setAttribute("aria-label", el.dataset.label);
      })
      .catch(function (err) {
        fail(el, (el.dataset.error || "The chart could not be drawn.") + " (" + err.message + ")");
      });
  }

  function init() {
    const charts = Array.from(document.querySelectorAll(".vl-chart[data-spec]"));
    Promise.all(charts.map(draw)).then(function () {
      document.documentElement.dataset.chartsDone = String(charts.length);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
