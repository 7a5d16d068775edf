// The map page: a MapLibre map with an offline style (region and département boundaries,
// optional raster basemap), the actors' sites as clustered points, the filter form kept live
// (URL, counts, map, list of the actors in view). No build step: a plain ES module.
//
// Config comes from data-* attributes on #map (the CSP forbids inline scripts). Test hooks:
// #map[data-loaded-features] (features in the current GeoJSON), #map[data-in-view] (actors in
// view), window.bioatlasMap.

import * as maplibregl from "/static/vendor/maplibre-gl/maplibre-gl.js";
import { BOUNDARIES, CLUSTER_MAX_ZOOM, DEFAULT_KIND_COLOUR, buildStyle, labelsOf } from "./map-style.js";

const FACETS = ["kind", "modality", "step", "expression", "gmp", "region", "departement"];
const GEO_FACETS = new Set(["region", "departement"]);
const LIST_LIMIT = 200;
const FRANCE = [[-5.3, 41.3], [9.7, 51.2]]; // metropolitan France (lon, lat)

const container = document.getElementById("map");
const form = document.getElementById("filters");
const list = document.getElementById("results");
const lang = (document.documentElement.lang || "fr").slice(0, 2);
const collator = new Intl.Collator(lang, { sensitivity: "base", numeric: true });
const text = (key) => (container && container.dataset[key]) || "";

let map = null;
let mapReady = Promise.resolve();
let features = [];
let requestSeq = 0;

// ---------------------------------------------------------------------------- filters & URLs

/** The filters chosen in the form, with the API's parameter names. */
function filterParams() {
  const params = new URLSearchParams();
  for (const facet of FACETS) {
    for (const box of form.querySelectorAll(`input[type="checkbox"][name="${facet}"]:checked`)) {
      params.append(facet, box.value);
    }
  }
  const q = form.elements.q ? form.elements.q.value.trim() : "";
  if (q) params.append("q", q);
  return params;
}

function withParams(path, params, extra = {}) {
  const all = new URLSearchParams(params);
  for (const [key, value] of Object.entries(extra)) all.set(key, value);
  const qs = all.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Put the filters in the address bar (other parameters, like lang, stay) so a view can be shared. */
function updateAddress(params) {
  const next = new URLSearchParams(window.location.search);
  for (const key of [...FACETS, "q"]) next.delete(key);
  for (const [key, value] of params) next.append(key, value);
  const qs = next.toString();
  const url = `${window.location.pathname}${qs ? `?${qs}` : ""}${window.location.hash}`;
  if (url !== `${window.location.pathname}${window.location.search}${window.location.hash}`) {
    window.history.replaceState(window.history.state, "", url);
  }
}

function updateLinks(params) {
  for (const link of document.querySelectorAll("[data-export] a[data-format]")) {
    link.href = withParams("/api/v1/export", params, { format: link.dataset.format });
  }
  for (const link of document.querySelectorAll("[data-directory-link]")) {
    link.href = withParams("/actors", params);
  }
}

function setStatus(message) {
  for (const el of document.querySelectorAll("[data-status]")) el.textContent = message;
}

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

// ---------------------------------------------------------------------------- facet counts

function applyFacets(data) {
  for (const el of document.querySelectorAll("[data-total]")) el.textContent = String(data.total);
  const empty = document.querySelector("[data-empty]");
  if (empty) empty.hidden = data.total !== 0;
  for (const facet of FACETS) {
    const counts = new Map((data.facets[facet] || []).map((item) => [item.code, item.count]));
    const section = form.querySelector(`[data-facet="${facet}"]`);
    if (!section) continue;
    let chosen = 0;
    for (const box of section.querySelectorAll('input[type="checkbox"]')) {
      const count = counts.get(box.value) ?? 0;
      const item = box.closest("li");
      const countEl = item && item.querySelector("[data-count]");
      if (countEl) countEl.textContent = String(count);
      if (item) item.classList.toggle("zero", count === 0 && !box.checked);
      if (box.checked) chosen += 1;
    }
    const chosenEl = section.querySelector("[data-chosen]");
    if (chosenEl) chosenEl.textContent = chosen ? `(${chosen})` : "";
  }
}

// ---------------------------------------------------------------------------- list of actors in view

/** The actors with at least one site inside the map's bounds (all of them without a map). */
function actorsInView() {
  const bounds = map ? map.getBounds() : null;
  const byActor = new Map();
  for (const feature of features) {
    const [lon, lat] = feature.geometry.coordinates;
    if (bounds && !bounds.contains([lon, lat])) continue;
    const p = feature.properties;
    let entry = byActor.get(p.actor);
    if (!entry) {
      entry = { id: p.actor, name: p.name, kindLabel: p.kind_label, communes: new Set(), coordinates: [lon, lat] };
      byActor.set(p.actor, entry);
    }
    if (p.commune) entry.communes.add(p.commune);
  }
  return [...byActor.values()].sort((a, b) => collator.compare(a.name, b.name) || a.id - b.id);
}

function renderList() {
  const actors = actorsInView();
  const fragment = document.createDocumentFragment();
  for (const actor of actors.slice(0, LIST_LIMIT)) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = `/actors/${encodeURIComponent(actor.id)}`;
    link.className = "name";
    link.textContent = actor.name;
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = [actor.kindLabel, [...actor.communes].join(", ")].filter(Boolean).join(" · ");
    item.append(link, meta);
    if (map) {
      const show = document.createElement("button");
      show.type = "button";
      show.className = "show-on-map";
      show.textContent = text("textShowOnMap");
      show.setAttribute("aria-label", `${text("textShowOnMap")}: ${actor.name}`);
      show.addEventListener("click", () => showActor(actor));
      item.append(show);
    }
    fragment.append(item);
  }
  if (actors.length > LIST_LIMIT) {
    const more = document.createElement("li");
    more.className = "more";
    more.textContent = `+ ${actors.length - LIST_LIMIT}`;
    fragment.append(more);
  }
  list.replaceChildren(fragment);
  for (const el of document.querySelectorAll("[data-in-view-count]")) el.textContent = String(actors.length);
  container.dataset.inView = String(actors.length);
}

// ---------------------------------------------------------------------------- loading

async function refresh({ withFacets = true, fit = false } = {}) {
  const seq = ++requestSeq;
  const params = filterParams();
  updateAddress(params);
  updateLinks(params);
  const api = new URLSearchParams(params);
  api.set("lang", lang);
  try {
    const [geojson, facets] = await Promise.all([
      getJSON(withParams("/api/v1/map", api)),
      withFacets ? getJSON(withParams("/api/v1/facets", api)) : Promise.resolve(null),
    ]);
    await mapReady;
    if (seq !== requestSeq) return; // a newer request is on its way
    setStatus("");
    if (facets) applyFacets(facets);
    features = geojson.features || [];
    if (map) {
      map.getSource("actors").setData(geojson);
      if (fit && features.length) fitTo(features);
    }
    renderList();
    container.dataset.loadedFeatures = String(features.length);
  } catch (error) {
    if (seq !== requestSeq) return;
    setStatus(text("textLoadError"));
    console.error(error);
  }
}

function fitTo(items) {
  const bounds = new maplibregl.LngLatBounds();
  for (const f of items) bounds.extend(f.geometry.coordinates);
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

// ---------------------------------------------------------------------------- the map

function popupNode(items) {
  const wrap = document.createElement("div");
  wrap.className = "map-popup";
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
    ul.append(li);
  }
  wrap.append(ul);
  return wrap;
}

let popup = null;
function openPopup(lngLat, items) {
  if (popup) popup.remove();
  popup = new maplibregl.Popup({ closeButton: true, maxWidth: "320px", focusAfterOpen: false })
    .setLngLat(lngLat)
    .setDOMContent(popupNode(items))
    .addTo(map);
}

const narrow = window.matchMedia("(max-width: 800px)");

function showActor(actor) {
  if (narrow.matches) container.scrollIntoView({ behavior: "smooth", block: "start" });
  const here = features.filter((f) => {
    const [lon, lat] = f.geometry.coordinates;
    return lon === actor.coordinates[0] && lat === actor.coordinates[1];
  });
  map.easeTo({ center: actor.coordinates, zoom: Math.max(map.getZoom(), 9), duration: 500 });
  map.once("moveend", () => openPopup(actor.coordinates, here.map((f) => f.properties)));
}

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
      // sites at the same place never split: list them instead
      const leaves = await source.getClusterLeaves(clusterId, 50, 0);
      openPopup(center, leaves.map((f) => f.properties));
      return;
    }
    map.easeTo({ center, zoom, duration: 500 });
  });
  for (const layer of ["points", "clusters"]) {
    map.on("mouseenter", layer, () => {
      map.getCanvas().style.cursor = "pointer";
    });
    map.on("mouseleave", layer, () => {
      map.getCanvas().style.cursor = "";
    });
  }
  map.on("moveend", renderList);
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
  // the page came with the counts of its filters; a shared view with a place filter opens on it
  const params = filterParams();
  refresh({ withFacets: false, fit: [...GEO_FACETS].some((facet) => params.has(facet)) });
}

start();
