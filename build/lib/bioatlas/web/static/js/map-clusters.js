// Server-side clusters of the map: the browser asks /api/v1/map/clusters for the current
// viewport, zoom and filters, and gets either exact clusters (one per grid cell, "clusters"
// mode) or the sites one by one ("points" mode, few sites in view). Clusters go to the "cells"
// source, points to the "actors" source (which MapLibre still groups when they overlap).

import { EMPTY } from "./map-style.js";
import { getJSON, withParams } from "./map-filters.js";

const MAX_LAT = 85.05;

/** bbox and zoom of the map's viewport, clamped to the Web-Mercator world. */
export function viewportParams(map) {
  const b = map.getBounds();
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  const west = clamp(b.getWest(), -180, 180);
  const east = clamp(b.getEast(), -180, 180);
  const south = clamp(b.getSouth(), -MAX_LAT, MAX_LAT);
  const north = clamp(b.getNorth(), -MAX_LAT, MAX_LAT);
  const round = (v) => Math.round(v * 1e5) / 1e5;
  return { bbox: [west, south, east, north].map(round).join(","), zoom: String(Math.round(map.getZoom() * 100) / 100) };
}

/** The features of the view: {mode, total, features} (GeoJSON FeatureCollection). */
export async function fetchView(map, params) {
  const { bbox, zoom } = viewportParams(map);
  return getJSON(withParams("/api/v1/map/clusters", params, { bbox, zoom }));
}

/** Show a view's answer: clusters in "cells", points in "actors" (the other source emptied). */
export function showView(map, view) {
  const clusters = view.mode === "clusters";
  map.getSource("cells").setData(clusters ? view : EMPTY);
  map.getSource("actors").setData(clusters ? EMPTY : view);
}

/** A click on a server cluster zooms in on it (two levels: its cell splits in 16); a stack (every
 * site of the cell at one point, which no zoom splits) is listed by `onStack(properties)`. */
export function bindClusterClicks(map, onStack) {
  map.on("click", "cells", (event) => {
    const feature = event.features[0];
    if (feature.properties.stack && onStack) {
      onStack(feature.properties);
      return;
    }
    const zoom = Math.min(map.getMaxZoom(), Math.floor(map.getZoom()) + 2);
    map.easeTo({ center: feature.geometry.coordinates.slice(), zoom, duration: 500 });
  });
  for (const layer of ["cells"]) {
    map.on("mouseenter", layer, () => {
      map.getCanvas().style.cursor = "pointer";
    });
    map.on("mouseleave", layer, () => {
      map.getCanvas().style.cursor = "";
    });
  }
}

/** One page of a stack's sites from the server: {total, items}. */
export async function fetchStack(params, { latitude, longitude }, offset, limit) {
  const page = await getJSON(
    withParams("/api/v1/map/stack", params, {
      latitude: String(latitude),
      longitude: String(longitude),
      offset: String(offset),
      limit: String(limit),
    })
  );
  return { total: page.total, items: page.items };
}
