// Sums what a first visit to each page downloads from a split, precompressed build in PKG
// (see first-load-size.sh) and prints a Markdown table; exits 1 when the largest first load is
// over BUDGET bytes with brotli. Brotli is what browsers get: the server prefers it, and every
// browser that can install the app (which needs HTTPS) accepts it there; gzip, the fallback for
// plain HTTP, is shown beside it. Usage: node first-load-size.mjs PKG BUDGET
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const [pkg, budgetArg] = process.argv.slice(2);
const budget = Number(budgetArg);
const files = readdirSync(pkg);
// Hashed names change with every build and old ones linger: take the newest of each kind.
const newest = (pattern) =>
  files
    .filter((f) => pattern.test(f))
    .sort((a, b) => statSync(join(pkg, b)).mtimeMs - statSync(join(pkg, a)).mtimeMs)[0];
const size = (file) => {
  const one = (name) => statSync(join(pkg, name)).size;
  return { raw: one(file), gz: one(`${file}.gz`), br: one(`${file}.br`) };
};
const add = (a, b) => ({ raw: a.raw + b.raw, gz: a.gz + b.gz, br: a.br + b.br });
const zero = { raw: 0, gz: 0, br: 0 };
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;

const shell = [/^parley\..+\.wasm$/, /^parley\..+\.js$/, /^parley\..+\.css$/, /^__wasm_split\..+\.js$/]
  .map(newest);
if (shell.some((f) => !f)) {
  console.error("no split release build here: run cargo leptos build --release --precompress --split");
  process.exit(2);
}
const manifestFile = newest(/^__wasm_split_manifest.*\.json$/);
const manifest = JSON.parse(readFileSync(join(pkg, manifestFile), "utf8"));
const base = shell.map(size).reduce(add, zero);

// Pages are the split points named `parley_page_<page>` (app/src/ui/routes.rs); other split
// points load on demand after the page is up, so they are not part of a first load.
const rows = Object.entries(manifest)
  .map(([name, chunks]) => [name.match(/^parley_page_(.+)$/)?.[1], chunks])
  .filter(([page]) => page)
  .map(([page, chunks]) => {
    const own = chunks.map((c) => size(`${c}.wasm`)).reduce(add, zero);
    return { page, chunks: chunks.length, total: add(base, own) };
  })
  .sort((a, b) => b.total.br - a.total.br);

console.log("| First visit to | Chunks | Raw | gzip | brotli |");
console.log("|---|---:|---:|---:|---:|");
console.log(`| (shared by all: ${shell.join(", ")}) | | ${kb(base.raw)} | ${kb(base.gz)} | ${kb(base.br)} |`);
for (const r of rows) {
  console.log(`| ${r.page} | ${r.chunks} | ${kb(r.total.raw)} | ${kb(r.total.gz)} | ${kb(r.total.br)} |`);
}
// The other split points, fetched after a page is up when it needs them; shown so that what
// moved out of the first load stays in sight.
const later = Object.entries(manifest)
  .filter(([name]) => !name.startsWith("parley_page_"))
  .map(([name, chunks]) => ({
    name,
    chunks: chunks.length,
    total: chunks.map((c) => size(`${c}.wasm`)).reduce(add, zero),
  }));
if (later.length) {
  console.log("\n| Loaded after the page is up | Chunks | Raw | gzip | brotli |");
  console.log("|---|---:|---:|---:|---:|");
  for (const l of later) {
    console.log(`| ${l.name} | ${l.chunks} | ${kb(l.total.raw)} | ${kb(l.total.gz)} | ${kb(l.total.br)} |`);
  }
}
const worst = rows[0];
const over = worst && worst.total.br > budget;
console.log(
  `\nlargest first load: ${worst.page}, ${kb(worst.total.br)} brotli (${kb(worst.total.gz)} gzip); budget ${kb(budget)} brotli: ${over ? "OVER" : "within"}`,
);
process.exit(over ? 1 : 0);
