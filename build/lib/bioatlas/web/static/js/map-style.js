// The map's offline style (boundaries, optional raster basemap, clustered actors) and the
// geometry helpers that place one label per region or département. Imported by map.js.

export const DEFAULT_KIND_COLOUR = "#6b7280";
export const CLUSTER_MAX_ZOOM = 11;
export const EMPTY = { type: "FeatureCollection", features: [] };
/** True for a point whose position is its commune's or its city's (sites.precision). */
const APPROXIMATE = ["boolean", ["get", "approximate"], false];
export const BOUNDARIES = { regions: "/static/geo/regions.geojson", departements: "/static/geo/departements.geojson" };

/** Label points (one per area) for a FeatureCollection of regions or départements. */
export function labelsOf(areas) {
  return {
    type: "FeatureCollection",
    features: areas.features.map((f) => ({
      type: "Feature",
      geometry: { type: "Point", coordinates: labelPoint(f.geometry) },
      properties: { code: f.properties.code, nom: f.properties.nom },
    })),
  };
}

export function buildStyle({ tileUrl, tileAttribution, boundariesAttribution, kindColour }) {
  const boundaries = boundariesAttribution;
  const sources = {
    regions: { type: "geojson", data: EMPTY, attribution: boundaries },
    departements: { type: "geojson", data: EMPTY },
    "regions-labels": { type: "geojson", data: EMPTY },
    "departements-labels": { type: "geojson", data: EMPTY },
    actors: {
      type: "geojson",
      data: EMPTY,
      cluster: true,
      clusterRadius: 44,
      clusterMaxZoom: CLUSTER_MAX_ZOOM,
    },
    // exact clusters computed by the server for the viewport (map-clusters.js): drawn as they come
    cells: { type: "geojson", data: EMPTY },
  };
  const layers = [{ id: "background", type: "background", paint: { "background-color": "#dfe7ee" } }];
  if (tileUrl) {
    sources.basemap = {
      type: "raster",
      tiles: [tileUrl],
      tileSize: 256,
      maxzoom: 19,
      attribution: tileAttribution,
    };
    layers.push({ id: "basemap", type: "raster", source: "basemap" });
  }
  const label = (id, source, minzoom, size, colour) => ({
    id,
    type: "symbol",
    source,
    minzoom,
    layout: {
      "text-field": ["get", "nom"],
      "text-font": ["sans-serif"],
      "text-size": size,
      "text-max-width": 8,
      "text-optional": true,
    },
    paint: { "text-color": colour, "text-halo-color": "rgba(255,255,255,0.85)", "text-halo-width": 1.2 },
  });
  layers.push(
    {
      id: "regions-fill",
      type: "fill",
      source: "regions",
      paint: { "fill-color": "#fbfaf7", "fill-opacity": tileUrl ? 0.15 : 1 },
    },
    {
      id: "departements-line",
      type: "line",
      source: "departements",
      minzoom: 4.5,
      paint: { "line-color": "#b9c2cc", "line-width": ["interpolate", ["linear"], ["zoom"], 5, 0.4, 9, 1.2] },
    },
    {
      id: "regions-line",
      type: "line",
      source: "regions",
      paint: { "line-color": "#6b7785", "line-width": ["interpolate", ["linear"], ["zoom"], 4, 0.8, 9, 2] },
    },
    label("regions-label", "regions-labels", 0, 11, "#56606b"),
    label("departements-label", "departements-labels", 7, 11, "#6b7785"),
    {
      id: "clusters",
      type: "circle",
      source: "actors",
      filter: ["has", "point_count"],
      paint: {
        "circle-color": "#1c5d73",
        "circle-opacity": 0.88,
        "circle-radius": ["step", ["get", "point_count"], 13, 10, 17, 50, 22, 200, 28],
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 2,
      },
    },
    {
      id: "cluster-count",
      type: "symbol",
      source: "actors",
      filter: ["has", "point_count"],
      layout: {
        "text-field": ["get", "point_count_abbreviated"],
        "text-font": ["sans-serif"],
        "text-size": 12,
        "text-allow-overlap": true,
        "text-ignore-placement": true,
      },
      paint: { "text-color": "#ffffff" },
    },
    {
      id: "cells",
      type: "circle",
      source: "cells",
      paint: {
        "circle-color": "#1c5d73",
        "circle-opacity": 0.88,
        "circle-radius": ["step", ["get", "count"], 13, 10, 16, 100, 20, 1000, 25, 10000, 30],
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 2,
      },
    },
    {
      id: "cells-count",
      type: "symbol",
      source: "cells",
      layout: {
        "text-field": [
          "case",
          [">=", ["get", "count"], 10000], ["concat", ["to-string", ["round", ["/", ["get", "count"], 1000]]], "k"],
          ["to-string", ["get", "count"]],
        ],
        "text-font": ["sans-serif"],
        "text-size": 12,
        "text-allow-overlap": true,
        "text-ignore-placement": true,
      },
      paint: { "text-color": "#ffffff" },
    },
    {
      // approximate positions (a commune's centre, a city named by a registry) drawn hollow, as
      // the layers of map-layers.js draw theirs
      id: "points",
      type: "circle",
      source: "actors",
      filter: ["!", ["has", "point_count"]],
      paint: {
        "circle-color": ["case", APPROXIMATE, "#ffffff", kindColour],
        "circle-opacity": ["case", APPROXIMATE, 0.55, 1],
        "circle-radius": ["interpolate", ["linear"], ["zoom"], 5, 5, 12, 8],
        "circle-stroke-color": ["case", APPROXIMATE, kindColour, "#ffffff"],
        "circle-stroke-width": ["case", APPROXIMATE, 2.5, 1.5],
      },
    }
  );
  return { version: 8, sources, layers };
}


function ringArea(ring) {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    sum += ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
  }
  return sum / 2;
}

function ringCentroid(ring) {
  let x = 0;
  let y = 0;
  let area = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const cross = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
    area += cross;
    x += (ring[j][0] + ring[i][0]) * cross;
    y += (ring[j][1] + ring[i][1]) * cross;
  }
  return area ? [x / (3 * area), y / (3 * area)] : ring[0];
}

/** One label point per area, inside its largest part (a multi-part area would get a label per part). */
export function labelPoint(geometry) {
  const parts = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  let ring = parts[0][0];
  for (const part of parts) if (Math.abs(ringArea(part[0])) > Math.abs(ringArea(ring))) ring = part[0];
  const [cx, cy] = ringCentroid(ring);
  const xs = []; // where the ring crosses the centroid's latitude
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [x1, y1] = ring[j];
    const [x2, y2] = ring[i];
    if ((y1 > cy) !== (y2 > cy)) xs.push(x1 + ((cy - y1) * (x2 - x1)) / (y2 - y1));
  }
  xs.sort((a, b) => a - b);
  let best = null;
  for (let k = 0; k + 1 < xs.length; k += 2) {
    if (cx >= xs[k] && cx <= xs[k + 1]) return [cx, cy];
    if (!best || xs[k + 1] - xs[k] > best[1] - best[0]) best = [xs[k], xs[k + 1]];
  }
  return best ? [(best[0] + best[1]) / 2, cy] : [cx, cy];
}
