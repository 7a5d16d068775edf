// Reference clustering for bench/map.py: npm `supercluster` on the same points.
//
// usage: node bench/supercluster_reference.mjs POINTS.f64 VIEWS.json
//   POINTS.f64  little-endian float64 pairs (longitude, latitude), one pair per site
//   VIEWS.json  [{"bbox": [w, s, e, n], "zoom": z}, ...]
// prints JSON: {"load_ms", "points", "views": [{"features", "clustered_total", "in_bbox"}]}
//   features         clusters + single points supercluster returns for the view at that zoom
//   clustered_total  the sum of their point counts (clusters whose centre is in the box)
//   in_bbox          the points inside the box, counted by supercluster's own index (the view
//                    asked at a zoom past maxZoom, where every point is its own feature)
import { readFileSync } from "node:fs";
import Supercluster from "supercluster";

const [pointsPath, viewsPath] = process.argv.slice(2);
if (!pointsPath || !viewsPath) {
  console.error("usage: node bench/supercluster_reference.mjs POINTS.f64 VIEWS.json");
  process.exit(2);
}
const raw = readFileSync(pointsPath);
const coords = new Float64Array(raw.buffer, raw.byteOffset, raw.byteLength / 8);
const points = new Array(coords.length / 2);
for (let i = 0; i < points.length; i += 1) {
  points[i] = { type: "Feature", properties: null, geometry: { type: "Point", coordinates: [coords[2 * i], coords[2 * i + 1]] } };
}
const MAX_ZOOM = 16;
const started = performance.now();
const index = new Supercluster({ radius: 64, extent: 512, maxZoom: MAX_ZOOM, minZoom: 0 });
index.load(points);
const loadMs = performance.now() - started;

const views = JSON.parse(readFileSync(viewsPath, "utf8")).map(({ bbox, zoom }) => {
  const features = index.getClusters(bbox, Math.floor(zoom));
  let clusteredTotal = 0;
  for (const f of features) clusteredTotal += f.properties && f.properties.cluster ? f.properties.point_count : 1;
  const inBbox = index.getClusters(bbox, MAX_ZOOM + 1).length;
  return { features: features.length, clustered_total: clusteredTotal, in_bbox: inBbox };
});
process.stdout.write(JSON.stringify({ load_ms: Math.round(loadMs), points: points.length, views }));
