#!/usr/bin/env node
// Copy the vendored front-end libraries from node_modules into the package's static folder.
//
// MapLibre GL JS 6 ships ES modules only: the library (dist/maplibre-gl.mjs) and its web worker
// (dist/maplibre-gl-worker.mjs). They are copied under .js names so that any static file server
// sends them as JavaScript and the Python package data (**/*.js) includes them; map.js then points
// the library at the worker with setWorkerUrl(). The source-map comment is dropped because the
// maps are not copied.
//
// Usage: `npm install && npm run build` (or `node scripts/build-assets.mjs`), run by `make`.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const NODE_MODULES = join(ROOT, "node_modules");
const MAPLIBRE = join(NODE_MODULES, "maplibre-gl");
const OUT = join(ROOT, "src", "bioatlas", "web", "static", "vendor", "maplibre-gl");

function fail(message) {
  console.error(`build-assets: ${message}`);
  process.exit(1);
}

if (!existsSync(NODE_MODULES)) {
  fail(`${NODE_MODULES} is missing: run \`npm install\` (or \`npm ci\`) in ${ROOT} first.`);
}
if (!existsSync(join(MAPLIBRE, "package.json"))) {
  fail(`maplibre-gl is not installed in ${NODE_MODULES}: run \`npm install\` in ${ROOT} first.`);
}
const pkg = JSON.parse(readFileSync(join(MAPLIBRE, "package.json"), "utf8"));

// [source in the package, name in the static folder, strip the source-map comment?]
const FILES = [
  ["dist/maplibre-gl.mjs", "maplibre-gl.js", true],
  ["dist/maplibre-gl-worker.mjs", "maplibre-gl-worker.js", true],
  ["dist/maplibre-gl.css", "maplibre-gl.css", true],
  ["LICENSE.txt", "LICENSE.txt", false],
];
const missing = FILES.filter(([src]) => !existsSync(join(MAPLIBRE, src))).map(([src]) => src);
if (missing.length) {
  fail(
    `maplibre-gl ${pkg.version} does not contain ${missing.join(", ")}; ` +
      "this build expects the ES-module distribution of MapLibre GL JS 6 (see package.json)."
  );
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
for (const [src, dest, strip] of FILES) {
  const from = join(MAPLIBRE, src);
  const to = join(OUT, dest);
  if (strip) {
    const text = readFileSync(from, "utf8").replace(/\n\/[/*][#@] sourceMappingURL=[^\n]*\s*$/, "\n");
    writeFileSync(to, text);
  } else {
    copyFileSync(from, to);
  }
  console.log(`build-assets: ${relative(ROOT, from)} -> ${relative(ROOT, to)}`);
}
writeFileSync(
  join(OUT, "VERSION.txt"),
  `maplibre-gl ${pkg.version} (${pkg.license}), copied from node_modules by scripts/build-assets.mjs\n`
);
console.log(`build-assets: maplibre-gl ${pkg.version} ready in ${relative(ROOT, OUT)}`);
