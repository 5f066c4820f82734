// Bundle the view into chatkit_widget/static/: one ESM file (anywidget imports it from a
// Blob URL, so no code splitting) and one CSS file. `node build.mjs --watch` rebuilds.

import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, "..", "chatkit_widget", "static");
const watch = process.argv.includes("--watch");

/** @type {import("esbuild").BuildOptions} */
const options = {
  entryPoints: [join(here, "src", "index.ts")],
  outfile: join(outdir, "widget.js"),
  bundle: true,
  format: "esm",
  splitting: false,
  minify: !watch,
  sourcemap: watch ? "inline" : false,
  target: "es2020",
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "eof",
  define: { "process.env.NODE_ENV": watch ? '"development"' : '"production"' },
  logLevel: "warning",
};

function report() {
  for (const name of ["widget.js", "widget.css"]) {
    const bytes = readFileSync(join(outdir, name));
    const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
    console.log(`${relative(process.cwd(), join(outdir, name))}  ${kb(bytes.length)}  (gzip ${kb(gzipSync(bytes).length)})`);
  }
}

if (watch) {
  const context = await esbuild.context({
    ...options,
    plugins: [{ name: "report", setup: (build) => build.onEnd((result) => result.errors.length || report()) }],
  });
  await context.watch();
  console.log("watching js/src …");
} else {
  await esbuild.build(options);
  report();
}
