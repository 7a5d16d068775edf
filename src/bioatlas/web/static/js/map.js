// The map page: a MapLibre map with an offline style (region and département boundaries,
// optional raster basemap), the sites of the view served by the API as exact clusters or points
// for the current viewport (map-clusters.js), the filter form kept live (map-filters.js: URL,
// counts) and the list of the actors in view (map-list.js). No build step: plain ES modules.
//
// Config comes from data-* attributes on #map (the CSP forbids inline scripts). Test hooks:
// #map[data-loaded-features] (features of the current view), #map[data-in-view] (actors in
// view), #map[data-mode] ("clusters" or "points"), window.bioatlasMap. Other features' layers:
// map-layers.js (the "Layers" panel).

import * as maplibregl from "/static/vendor/maplibre-gl/maplibre-gl.js";
import { BOUNDARIES, CLUSTER_MAX_ZOOM, DEFAULT_KIND_COLOUR, buildStyle, labelsOf } from "./map-style.js";
import { GEO_FACETS, applyFacets, filterParams, getJSON, updateAddress, updateLinks, withParams } from "./map-filters.js";
import { bindClusterClicks, fetchStack, fetchView, showView } from "./map-clusters.js";
import { actorsInView, renderList, renderZoomHint } from "./map-list.js";
import { MapLayers } from "./map-layers.js";

const FRANCE = [[-5.3, 41.3], [9.7, 51.2]]; // metropolitan France (lon, lat)

const container = document.getElementById("map");
const form = document.getElementById("filters");
const list = document.getElementById("results");
const lang = (document.documentElement.lang || "fr").slice(0, 2);
const collator = new Intl.Collator(lang, { sensitivity: "base", numeric: true });
const text = (key) => (container && container.dataset[key]) || "";

let map = null;
let mapReady = Promise.resolve();
let view = { mode: "points", total: 0, features: [] };
let requestSeq = 0;
let apiParams = new URLSearchParams(); // the filters (and lang) of the current view
const STACK_PAGE = 50; // sites per page of a stack's list

function setStatus(message) {
  for (const el of document.querySelectorAll("[data-status]")) el.textContent = message;
}

// ---------------------------------------------------------------------------- list of actors in view

function showList() {
  if (view.mode === "clusters") {
    renderZoomHint(list, view.total, text("textZoomToList"));
    for (const el of document.querySelectorAll("[data-in-view-count]")) el.textContent = "–";
    container.dataset.inView = "";
    return;
  }
  const actors = actorsInView(view.features, map ? map.getBounds() : null, collator);
  renderList(list, actors, {
    showLabel: text("textShowOnMap"),
    onShow: map ? showActor : null,
    approximateLabel: text("textApproximate"),
  });
  for (const el of document.querySelectorAll("[data-in-view-count]")) el.textContent = actors.length.toLocaleString(document.documentElement.lang || "fr");
  container.dataset.inView = String(actors.length);
}

// ---------------------------------------------------------------------------- loading

async function refresh({ withFacets = true, fit = false } = {}) {
  const seq = ++requestSeq;
  const params = filterParams(form);
  updateAddress(params);
  updateLinks(params);
  const api = new URLSearchParams(params);
  api.set("lang", lang);
  apiParams = api;
  try {
    const facets = withFacets ? getJSON(withParams("/api/v1/facets", api)) : Promise.resolve(null);
    await mapReady;
    // without a map (no WebGL) every site of the view is listed, as points
    const next = await (map ? fetchView(map, api) : getJSON(withParams("/api/v1/map", api)));
    const counts = await facets;
    if (seq !== requestSeq) return; // a newer request is on its way
    setStatus("");
    if (counts) applyFacets(form, counts);
    view = { mode: next.mode || "points", total: next.total ?? (next.features || []).length, features: next.features || [] };
    if (map) {
      showView(map, next);
      if (fit) fitTo(params, api);
    }
    showList();
    container.dataset.mode = view.mode;
    container.dataset.loadedFeatures = String(view.features.length);
  } catch (error) {
    if (seq !== requestSeq) return;
    setStatus(text("textLoadError"));
    console.error(error);
  }
}

/** After a place filter: frame every matching site (the classic endpoint gives them all). */
async function fitTo(params, api) {
  if (![...GEO_FACETS].some((facet) => params.has(facet))) return;
  const all = await getJSON(withParams("/api/v1/map", api));
  if (!all.features || !all.features.length) return;
  const bounds = new maplibregl.LngLatBounds();
  for (const f of all.features) bounds.extend(f.geometry.coordinates);
  map.fitBounds(bounds, { padding: 60, maxZoom: 10, duration: 600 });
}

let typingTimer = null;
function bindForm() {
  form.addEventListener("change", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLInputElement) || target.type !== "checkbox") return;
    refresh({ fit: GEO_FACETS.has(target.name) });
  });
  const q = form.elements.q;
  if (q) {
    q.addEventListener("input", () => {
      window.clearTimeout(typingTimer);
      typingTimer = window.setTimeout(() => refresh(), 350);
    });
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    window.clearTimeout(typingTimer);
    refresh();
  });
  const reset = form.querySelector("[data-reset]");
  if (reset) {
    reset.addEventListener("click", (event) => {
      event.preventDefault();
      for (const box of form.querySelectorAll('input[type="checkbox"]:checked')) box.checked = false;
      if (q) q.value = "";
      refresh();
    });
  }
}

// ---------------------------------------------------------------------------- map style

/** Colour of each kind, read from the legend swatches of the kind facet (atlas.css owns the palette). */
function kindColourExpression() {
  const pairs = [];
  for (const box of form.querySelectorAll('input[name="kind"]')) {
    const swatch = box.closest("label") && box.closest("label").querySelector(".swatch");
    if (!swatch) continue;
    const colour = window.getComputedStyle(swatch).backgroundColor;
    if (colour && colour !== "rgba(0, 0, 0, 0)" && colour !== "transparent") pairs.push(box.value, colour);
  }
  return pairs.length ? ["match", ["get", "kind"], ...pairs, DEFAULT_KIND_COLOUR] : DEFAULT_KIND_COLOUR;
}

async function loadBoundaries() {
  await Promise.all(
    Object.entries(BOUNDARIES).map(async ([name, url]) => {
      const areas = await getJSON(url);
      map.getSource(name).setData(areas);
      map.getSource(`${name}-labels`).setData(labelsOf(areas));
    })
  );
}

// ---------------------------------------------------------------------------- popups

function popupNode(items) {
  const wrap = document.createElement("div");
  wrap.className = "map-popup";
  wrap.append(popupList(items));
  return wrap;
}

/** The actors of a popup, one link each, with their kind and town; an approximate position says so. */
function popupList(items) {
  const ul = document.createElement("ul");
  const seen = new Set();
  for (const p of items) {
    if (seen.has(p.actor)) continue;
    seen.add(p.actor);
    const li = document.createElement("li");
    const link = document.createElement("a");
    link.href = `/actors/${encodeURIComponent(p.actor)}`;
    link.textContent = p.name;
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = [p.kind_label, p.commune].filter(Boolean).join(" · ");
    li.append(link, meta);
    if (p.approximate === true || p.approximate === "true") {
      const note = document.createElement("span");
      note.className = "approximate";
      note.textContent = text("textApproximate");
      li.append(note);
    }
    ul.append(li);
  }
  return ul;
}

/** A popup listing many sites at one point a page at a time: `fetchPage(offset)` gives
 * {total, items}; the first page may come with the view (`first`). */
async function openStackPopup(lngLat, fetchPage, first = null) {
  const wrap = document.createElement("div");
  wrap.className = "map-popup stack-popup";
  wrap.dataset.stack = "";
  const title = document.createElement("p");
  title.className = "stack-title";
  const body = document.createElement("div");
  const nav = document.createElement("p");
  nav.className = "stack-pager";
  const prev = document.createElement("button");
  prev.type = "button";
  prev.textContent = text("textPrevious");
  prev.dataset.stackPrev = "";
  const next = document.createElement("button");
  next.type = "button";
  next.textContent = text("textNext");
  next.dataset.stackNext = "";
  const range = document.createElement("span");
  range.className = "stack-range";
  range.setAttribute("aria-live", "polite");
  nav.append(prev, range, next);
  wrap.append(title, body, nav);
  let offset = 0;
  const show = (page) => {
    title.textContent = text("textStack").replace("{count}", String(page.total));
    body.replaceChildren(popupList(page.items));
    const last = Math.min(page.total, offset + page.items.length);
    range.textContent = text("textRange")
      .replace("{first}", String(page.total ? offset + 1 : 0))
      .replace("{last}", String(last))
      .replace("{total}", String(page.total));
    wrap.dataset.total = String(page.total);
    prev.disabled = offset === 0;
    next.disabled = last >= page.total;
    nav.hidden = page.total <= STACK_PAGE;
  };
  const go = async (to) => {
    try {
      const page = await fetchPage(to);
      offset = to;
      show(page);
    } catch (error) {
      setStatus(text("textLoadError"));
      console.error(error);
    }
  };
  prev.addEventListener("click", () => go(Math.max(0, offset - STACK_PAGE)));
  next.addEventListener("click", () => go(offset + STACK_PAGE));
  if (first) show(first);
  else await go(0);
  showPopup(lngLat, wrap);
}

/** A server cell whose sites share one point: its first page came with the view, the rest from the API. */
function openStack(properties) {
  const feature = view.features.find((f) => f.properties.cell === properties.cell && f.properties.stack);
  const p = feature ? feature.properties : properties;
  const where = { latitude: p.latitude, longitude: p.longitude };
  const first = Array.isArray(p.items) ? { total: p.count, items: p.items } : null;
  openStackPopup([p.longitude, p.latitude], (offset) => fetchStack(apiParams, where, offset, STACK_PAGE), first);
}

let popup = null;
/** One popup at a time, for the actors and every layer (a click on a layer's point drawn over
 * an actor's opens the layer's, the last handler). */
function showPopup(lngLat, node) {
  if (popup) popup.remove();
  popup = new maplibregl.Popup({ closeButton: true, maxWidth: "320px", focusAfterOpen: false })
    .setLngLat(lngLat)
    .setDOMContent(node)
    .addTo(map);
}

function openPopup(lngLat, items) {
  showPopup(lngLat, popupNode(items));
}

const narrow = window.matchMedia("(max-width: 800px)");

function showActor(actor) {
  if (narrow.matches) container.scrollIntoView({ behavior: "smooth", block: "start" });
  const here = view.features.filter((f) => {
    const [lon, lat] = f.geometry.coordinates;
    return lon === actor.coordinates[0] && lat === actor.coordinates[1];
  });
  map.easeTo({ center: actor.coordinates, zoom: Math.max(map.getZoom(), 9), duration: 500 });
  map.once("moveend", () => openPopup(actor.coordinates, here.map((f) => f.properties)));
}

// ---------------------------------------------------------------------------- the map

function bindMapEvents() {
  map.on("click", "points", (event) => {
    const items = event.features.map((f) => f.properties);
    openPopup(event.features[0].geometry.coordinates.slice(), items);
  });
  map.on("click", "clusters", async (event) => {
    const feature = event.features[0];
    const source = map.getSource("actors");
    const clusterId = feature.properties.cluster_id;
    const center = feature.geometry.coordinates.slice();
    const zoom = await source.getClusterExpansionZoom(clusterId);
    if (zoom > CLUSTER_MAX_ZOOM || zoom > map.getMaxZoom() || zoom <= map.getZoom()) {
      // sites at the same place never split: list them instead, a page at a time
      const total = feature.properties.point_count;
      openStackPopup(center, async (offset) => {
        const leaves = await source.getClusterLeaves(clusterId, STACK_PAGE, offset);
        return { total, items: leaves.map((f) => f.properties) };
      });
      return;
    }
    map.easeTo({ center, zoom, duration: 500 });
  });
  bindClusterClicks(map, openStack);
  for (const layer of ["points", "clusters"]) {
    map.on("mouseenter", layer, () => {
      map.getCanvas().style.cursor = "pointer";
    });
    map.on("mouseleave", layer, () => {
      map.getCanvas().style.cursor = "";
    });
  }
  // the server answers for the viewport: ask again once the map stops moving
  map.on("moveend", () => refresh({ withFacets: false }));
  let basemapWarned = false;
  map.on("error", (event) => {
    if (event.sourceId === "basemap") {
      // the optional online basemap is down: the offline boundaries still show, say it once
      if (!basemapWarned) console.warn("basemap tiles unavailable:", event.error && event.error.message);
      basemapWarned = true;
      return;
    }
    console.error(event.error || event);
  });
}

function createMap() {
  const vendor = new URL("/static/vendor/maplibre-gl/", window.location.href);
  maplibregl.setWorkerUrl(new URL("maplibre-gl-worker.js", vendor).href);
  try {
    map = new maplibregl.Map({
      container,
      style: buildStyle({
        tileUrl: text("tileUrl"),
        tileAttribution: text("tileAttribution"),
        boundariesAttribution: text("boundariesAttribution"),
        kindColour: kindColourExpression(),
      }),
      bounds: FRANCE,
      fitBoundsOptions: { padding: 16 },
      minZoom: 3,
      maxZoom: 16,
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
      attributionControl: { compact: true },
      locale: {
        "NavigationControl.ZoomIn": text("textZoomIn"),
        "NavigationControl.ZoomOut": text("textZoomOut"),
      },
    });
  } catch (error) {
    map = null;
    const message = document.createElement("p");
    message.className = "map-fallback";
    message.textContent = text("textNoWebgl");
    container.append(message);
    console.warn("map unavailable:", error);
    return;
  }
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
  window.bioatlasMap = map;
  // wait for the style, not for "load": an unreachable online basemap would hold "load" back forever
  mapReady = new Promise((resolve) => (map.isStyleLoaded() ? resolve() : map.once("style.load", resolve)))
    .then(loadBoundaries)
    .catch((error) => {
      setStatus(text("textLoadError"));
      console.error(error);
    });
  bindMapEvents();
}

function start() {
  if (!container || !form || !list) return;
  document.documentElement.classList.add("js");
  if (narrow.matches) {
    // on a phone the panel sits above the map: keep it short
    for (const section of form.querySelectorAll("details[data-facet]")) {
      if (!section.querySelector('input[type="checkbox"]:checked')) section.open = false;
    }
  }
  createMap();
  bindForm();
  const layersSection = document.querySelector("[data-layers]");
  if (map && layersSection) {
    const onError = (error) => {
      setStatus(text("textLoadError"));
      console.error(error);
    };
    new MapLayers({ map, section: layersSection, lang, onError, showPopup }).start(mapReady).catch(onError);
  }
  // the page came with the counts of its filters; a shared view with a place filter opens on it
  const params = filterParams(form);
  refresh({ withFacets: false, fit: [...GEO_FACETS].some((facet) => params.has(facet)) });
}

start();
