// Map layers of other features (the plug-in contract's MapLayer): the "Layers" panel lists every
// layer of /api/v1/map/layers with a toggle, its source and its own filters; a layer turned on is
// a MapLibre source of its own, refetched for the viewport when the map stops moving or a filter
// changes. Points placed at their town (precision "commune") are drawn as hollow circles.
// Popups are built with textContent only (the data is never parsed as HTML).
//
// The layers turned on are kept in the address (?layer=<name>) so a shared view opens with them.
// Test hooks: li[data-layer="<name>"][data-features] (points drawn for the current view).

import { getJSON, withParams } from "./map-filters.js";
import { viewportParams } from "./map-clusters.js";
import { EMPTY } from "./map-style.js";

const sourceId = (name) => `layer-${name}`;
const exactId = (name) => `layer-${name}-exact`;
const approxId = (name) => `layer-${name}-approximate`;

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/** The popup of one point: title (a link when the item has a page), its lines, "approximate". */
export function layerPopupNode(properties, texts) {
  const wrap = element("div", "map-popup");
  const title = properties.url ? element("a", "title", properties.title) : element("strong", "title", properties.title);
  if (properties.url) title.href = properties.url;
  wrap.append(title);
  let lines = properties.lines;
  if (typeof lines === "string") {
    // MapLibre hands nested properties back as JSON text
    try {
      lines = JSON.parse(lines);
    } catch (_error) {
      lines = [lines];
    }
  }
  if (Array.isArray(lines) && lines.length) {
    const ul = element("ul", "lines");
    for (const line of lines) ul.append(element("li", "", String(line)));
    wrap.append(ul);
  }
  if (properties.precision === "commune") wrap.append(element("span", "approximate", texts.approximate));
  return wrap;
}

export class MapLayers {
  constructor({ map, section, lang, onError, showPopup }) {
    this.map = map;
    this.showPopup = showPopup; // (lngLat, node): the page's one popup
    this.section = section;
    this.list = section.querySelector("[data-layer-list]");
    this.lang = lang;
    this.onError = onError || ((error) => console.error(error));
    this.texts = {
      source: section.dataset.textSource || "",
      truncated: section.dataset.textTruncated || "",
      approximate: section.dataset.textApproximate || "",
      inView: section.dataset.textInView || "",
    };
    this.layers = new Map(); // name -> {spec, item, on, seq, ...}
  }

  async start(mapReady) {
    const answer = await getJSON(withParams("/api/v1/map/layers", { lang: this.lang }));
    if (!answer.layers || !answer.layers.length) return;
    await mapReady;
    for (const spec of answer.layers) this.add(spec);
    this.section.hidden = false;
    this.map.on("moveend", () => this.refreshAll());
    // a shared address opens with its layers on (?layer=<name>, repeated)
    const wanted = new URLSearchParams(window.location.search).getAll("layer");
    for (const name of wanted) {
      const state = this.layers.get(name);
      if (state && !state.box.checked) {
        state.box.checked = true;
        state.box.dispatchEvent(new Event("change"));
      }
    }
  }

  /** Keep the layers turned on in the address bar (other parameters stay), so a view can be shared. */
  updateAddress() {
    const next = new URLSearchParams(window.location.search);
    next.delete("layer");
    for (const [name, state] of this.layers) if (state.on) next.append("layer", name);
    const qs = next.toString();
    window.history.replaceState(window.history.state, "", `${window.location.pathname}${qs ? `?${qs}` : ""}${window.location.hash}`);
  }

  add(spec) {
    const item = element("li");
    item.dataset.layer = spec.name;
    item.dataset.features = "0";
    const toggle = element("label", "layer-toggle");
    const box = element("input");
    box.type = "checkbox";
    box.name = "layer";
    box.value = spec.name;
    const swatch = element("span", "swatch");
    swatch.setAttribute("aria-hidden", "true");
    swatch.style.backgroundColor = spec.color; // CSSOM, allowed by the CSP (no style attribute is parsed)
    const count = element("span", "layer-count");
    toggle.append(box, swatch, element("span", "label", spec.label), count);
    const source = element("span", "layer-source", this.texts.source.replace("{source}", spec.source));
    const filters = element("fieldset", "layer-filters");
    filters.hidden = true;
    for (const filter of spec.filters || []) {
      const group = element("fieldset", "layer-filter");
      group.append(element("legend", "", filter.label));
      const options = element("div", "options");
      for (const option of filter.options) {
        const label = element("label");
        const input = element("input");
        input.type = "checkbox";
        input.name = filter.name;
        input.value = option.value;
        input.dataset.layerFilter = filter.name;
        label.append(input, element("span", "", option.label));
        options.append(label);
      }
      group.append(options);
      filters.append(group);
    }
    const note = element("p", "layer-note");
    note.setAttribute("role", "status");
    item.append(toggle, source, filters, note);
    this.list.append(item);
    const state = { spec, item, box, count, filters, note, on: false, seq: 0 };
    this.layers.set(spec.name, state);
    this.addToMap(spec);
    box.addEventListener("change", () => {
      state.on = box.checked;
      filters.hidden = !box.checked || !(spec.filters || []).length;
      this.setVisible(spec.name, box.checked);
      this.updateAddress();
      if (box.checked) this.refresh(state);
      else this.clear(state);
    });
    filters.addEventListener("change", () => this.refresh(state));
  }

  addToMap(spec) {
    const map = this.map;
    map.addSource(sourceId(spec.name), { type: "geojson", data: EMPTY });
    const radius = ["interpolate", ["linear"], ["zoom"], 5, 5, 12, 8];
    map.addLayer({
      id: approxId(spec.name),
      type: "circle",
      source: sourceId(spec.name),
      filter: ["==", ["get", "precision"], "commune"],
      layout: { visibility: "none" },
      paint: {
        "circle-color": "#ffffff",
        "circle-opacity": 0.55,
        "circle-radius": radius,
        "circle-stroke-color": spec.color,
        "circle-stroke-width": 2.5,
      },
    });
    map.addLayer({
      id: exactId(spec.name),
      type: "circle",
      source: sourceId(spec.name),
      filter: ["!=", ["get", "precision"], "commune"],
      layout: { visibility: "none" },
      paint: {
        "circle-color": spec.color,
        "circle-radius": radius,
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 1.5,
      },
    });
    for (const id of [approxId(spec.name), exactId(spec.name)]) {
      map.on("click", id, (event) => this.openPopup(event.features[0]));
      map.on("mouseenter", id, () => {
        map.getCanvas().style.cursor = "pointer";
      });
      map.on("mouseleave", id, () => {
        map.getCanvas().style.cursor = "";
      });
    }
  }

  setVisible(name, visible) {
    for (const id of [approxId(name), exactId(name)]) {
      this.map.setLayoutProperty(id, "visibility", visible ? "visible" : "none");
    }
  }

  params(state) {
    const params = new URLSearchParams();
    for (const input of state.filters.querySelectorAll("input[data-layer-filter]:checked")) {
      params.append(input.dataset.layerFilter, input.value);
    }
    params.set("lang", this.lang);
    params.set("bbox", viewportParams(this.map).bbox);
    return params;
  }

  async refresh(state) {
    if (!state.on) return;
    const seq = ++state.seq;
    try {
      const answer = await getJSON(withParams(state.spec.url, this.params(state)));
      if (seq !== state.seq || !state.on) return; // a newer request is on its way, or the layer was turned off
      this.map.getSource(sourceId(state.spec.name)).setData(answer);
      const drawn = (answer.features || []).length;
      state.count.textContent = `${drawn} ${this.texts.inView}`;
      state.note.textContent = answer.truncated ? this.texts.truncated.replace("{count}", String(drawn)) : "";
      state.item.dataset.features = String(drawn);
      state.item.dataset.truncated = String(Boolean(answer.truncated));
    } catch (error) {
      if (seq === state.seq) this.onError(error);
    }
  }

  clear(state) {
    state.seq += 1;
    this.map.getSource(sourceId(state.spec.name)).setData(EMPTY);
    state.count.textContent = "";
    state.note.textContent = "";
    state.item.dataset.features = "0";
  }

  refreshAll() {
    for (const state of this.layers.values()) if (state.on) this.refresh(state);
  }

  openPopup(feature) {
    this.showPopup(feature.geometry.coordinates.slice(), layerPopupNode(feature.properties, this.texts));
  }
}
