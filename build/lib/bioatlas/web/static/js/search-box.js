// Search box suggestions: asks /api/v1/search/suggest as the user types (debounced), shows a
// listbox built with textContent (never HTML), arrow keys + Enter to open an actor.
(function () {
  "use strict";
  var DELAY = 150;

  function init(form) {
    var input = form.querySelector("input[type=search]");
    var list = form.querySelector(".search-suggestions");
    if (!input || !list) return;
    var url = form.getAttribute("data-suggest-url");
    var lang = form.getAttribute("data-lang") || "fr";
    var noneLabel = form.getAttribute("data-none-label") || "";
    var timer = null, active = -1, seq = 0, controller = null;

    function close() {
      list.hidden = true;
      list.textContent = "";
      input.setAttribute("aria-expanded", "false");
      active = -1;
    }

    function options() { return list.querySelectorAll("[role=option]"); }

    function highlight(i) {
      var opts = options();
      if (!opts.length) return;
      active = (i + opts.length) % opts.length;
      opts.forEach(function (o, k) { o.setAttribute("aria-selected", k === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", opts[active].id);
    }

    function render(items) {
      list.textContent = "";
      if (!items.length) {
        var empty = document.createElement("li");
        empty.className = "search-suggestion-empty";
        empty.textContent = noneLabel;
        list.appendChild(empty);
      }
      items.forEach(function (item, k) {
        var li = document.createElement("li");
        li.id = "search-box-opt-" + k;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var a = document.createElement("a");
        a.href = item.url;
        var name = document.createElement("span");
        name.className = "search-suggestion-name";
        name.textContent = item.name;
        var meta = document.createElement("span");
        meta.className = "search-suggestion-meta";
        meta.textContent = [item.kind_label, item.commune].filter(Boolean).join(" · ");
        a.appendChild(name);
        a.appendChild(meta);
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function ask() {
      var q = input.value;
      if (q.trim().length < 2) { close(); return; }
      var mine = ++seq;
      if (controller) controller.abort();
      controller = typeof AbortController === "function" ? new AbortController() : null;
      var target = url + "?q=" + encodeURIComponent(q) + "&lang=" + encodeURIComponent(lang);
      fetch(target, { headers: { Accept: "application/json" }, signal: controller ? controller.signal : undefined })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) { if (mine === seq) render(data.items || []); })
        .catch(function () { /* aborted or offline: keep the plain form */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(active + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
      else if (e.key === "Escape") { close(); }
      else if (e.key === "Enter" && active >= 0) {
        e.preventDefault();
        var link = options()[active].querySelector("a");
        if (link) window.location.assign(link.href);
      }
    });
    document.addEventListener("click", function (e) { if (!form.contains(e.target)) close(); });
  }

  function start() { document.querySelectorAll("form.search-box").forEach(init); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
