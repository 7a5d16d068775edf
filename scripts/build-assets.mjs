#!/usr/bin/env node
// Copy the vendored front-end libraries from node_modules into the package's static folder.
//
// MapLibre GL JS 6 ships ES modules only: the library (dist/maplibre-gl.mjs) and its web worker
// (dist/maplibre-gl-worker.mjs). They are copied under .js names so that any static file server
// sends them as JavaScript and the Python package data (**/*.js) includes them; map.js then points
// the library at the worker with setWorkerUrl(). The source-map comment is dropped because the
// maps are not copied.
//
// Vega, Vega-Lite and vega-embed ship UMD browser builds (globals vega, vegaLite, vegaEmbed), copied
// as they are into vendor/vega/. vega-interpreter (needed because the CSP has no 'unsafe-eval': vega
// then interprets its expressions instead of compiling them with Function()) ships an ES module
// importing three helpers from 'vega-util'; the copy takes them from the `vega` global (vega re-exports
// vega-util) and exposes the interpreter as the global `vegaInterpreter`, so it loads as a plain script.
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

// --- Vega, Vega-Lite, vega-embed, vega-interpreter -> vendor/vega/ -------------------------------

const VEGA_OUT = join(ROOT, "src", "bioatlas", "web", "static", "vendor", "vega");
// [package, file in the package, name in the static folder, transform]
const VEGA_FILES = [
  ["vega", "build/vega.min.js", "vega.js", null],
  ["vega-lite", "build/vega-lite.min.js", "vega-lite.js", null],
  ["vega-embed", "build/vega-embed.min.js", "vega-embed.js", null],
  ["vega-interpreter", "build/vega-interpreter.js", "vega-interpreter.js", interpreterAsScript],
];

function interpreterAsScript(text) {
  const importLine = /^import \{([^}]*)\} from 'vega-util';\s*$/m;
  const exportLine = /^export \{ expression as expressionInterpreter \};\s*$/m;
  if (!importLine.test(text) || !exportLine.test(text)) {
    fail("vega-interpreter's build no longer has the expected import/export lines; update interpreterAsScript().");
  }
  const names = text.match(importLine)[1];
  return (
    "// vega-interpreter as a classic script (see scripts/build-assets.mjs): needs vega.js loaded first.\n" +
    "(function () {\n" +
    `const {${names}} = globalThis.vega;\n` +
    text.replace(importLine, "").replace(exportLine, "globalThis.vegaInterpreter = { expressionInterpreter: expression };\n") +
    "})();\n"
  );
}

const versions = [];
for (const [name, src] of VEGA_FILES) {
  if (!existsSync(join(NODE_MODULES, name, src))) {
    fail(`${name}/${src} is missing in ${NODE_MODULES}: run \`npm install\` in ${ROOT} first.`);
  }
}
rmSync(VEGA_OUT, { recursive: true, force: true });
mkdirSync(VEGA_OUT, { recursive: true });
for (const [name, src, dest, transform] of VEGA_FILES) {
  const from = join(NODE_MODULES, name, src);
  let text = readFileSync(from, "utf8").replace(/\n\/[/*][#@] sourceMappingURL=[^\n]*\s*$/, "\n");
  if (transform) text = transform(text);
  writeFileSync(join(VEGA_OUT, dest), text);
  const meta = JSON.parse(readFileSync(join(NODE_MODULES, name, "package.json"), "utf8"));
  versions.push(`${name} ${meta.version} (${meta.license})`);
  console.log(`build-assets: ${relative(ROOT, from)} -> ${relative(ROOT, join(VEGA_OUT, dest))}`);
}
writeFileSync(join(VEGA_OUT, "VERSION.txt"), versions.join("\n") + "\ncopied from node_modules by scripts/build-assets.mjs\n");
console.log(`build-assets: ${versions.join(", ")} ready in ${relative(ROOT, VEGA_OUT)}`);

// --- Swagger UI -> vendor/swagger-ui/ -----------------------------------------------------------
// The API documentation page (/docs) loads Swagger UI from here, not from a CDN: it works offline
// and under the same CSP as every page (its start-up script is static/js/api-docs.js, not inline).

const SWAGGER = join(NODE_MODULES, "swagger-ui-dist");
const SWAGGER_OUT = join(ROOT, "src", "bioatlas", "web", "static", "vendor", "swagger-ui");
const SWAGGER_FILES = ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE"];
for (const name of SWAGGER_FILES) {
  if (!existsSync(join(SWAGGER, name))) {
    fail(`swagger-ui-dist/${name} is missing in ${NODE_MODULES}: run \`npm install\` in ${ROOT} first.`);
  }
}
rmSync(SWAGGER_OUT, { recursive: true, force: true });
mkdirSync(SWAGGER_OUT, { recursive: true });
for (const name of SWAGGER_FILES) {
  const text = readFileSync(join(SWAGGER, name), "utf8").replace(/\n\/[/*][#@] sourceMappingURL=[^\n]*\s*$/, "\n");
  writeFileSync(join(SWAGGER_OUT, name), text);
}
const swaggerMeta = JSON.parse(readFileSync(join(SWAGGER, "package.json"), "utf8"));
writeFileSync(join(SWAGGER_OUT, "VERSION.txt"),
  `swagger-ui-dist ${swaggerMeta.version} (${swaggerMeta.license}), copied from node_modules by scripts/build-assets.mjs\n`);
console.log(`build-assets: swagger-ui-dist ${swaggerMeta.version} ready in ${relative(ROOT, SWAGGER_OUT)}`);

// --- ZXing (@zxing/browser) -> vendor/zxing/ ------------------------------------------------------
// The events' check-in page scans badges' QR codes with the camera: @zxing/browser ships a UMD
// build (global ZXingBrowser) that bundles the decoder of @zxing/library, pure JavaScript (no eval,
// no WebAssembly: the CSP stays as it is). Started by static/js/events-checkin.js, never inline.

const ZXING = join(NODE_MODULES, "@zxing", "browser");
const ZXING_OUT = join(ROOT, "src", "bioatlas", "web", "static", "vendor", "zxing");
if (!existsSync(join(ZXING, "umd", "zxing-browser.min.js"))) {
  fail(`@zxing/browser/umd/zxing-browser.min.js is missing in ${NODE_MODULES}: run \`npm install\` in ${ROOT} first.`);
}
rmSync(ZXING_OUT, { recursive: true, force: true });
mkdirSync(ZXING_OUT, { recursive: true });
writeFileSync(join(ZXING_OUT, "zxing-browser.js"),
  readFileSync(join(ZXING, "umd", "zxing-browser.min.js"), "utf8").replace(/\n?\/[/*][#@] sourceMappingURL=[^\n]*\s*$/, "\n"));
copyFileSync(join(ZXING, "LICENSE"), join(ZXING_OUT, "LICENSE"));
const zxingMeta = JSON.parse(readFileSync(join(ZXING, "package.json"), "utf8"));
writeFileSync(join(ZXING_OUT, "VERSION.txt"),
  `@zxing/browser ${zxingMeta.version} (${zxingMeta.license}), copied from node_modules by scripts/build-assets.mjs\n`);
console.log(`build-assets: @zxing/browser ${zxingMeta.version} ready in ${relative(ROOT, ZXING_OUT)}`);
