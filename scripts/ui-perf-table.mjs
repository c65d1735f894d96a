// Prints the UI performance benchmark's JSON (end2end/perf/ui-perf.spec.ts) as Markdown tables.
// Usage: node scripts/ui-perf-table.mjs results.json
import { readFileSync } from "node:fs";

const { messages, runs, results, scrolls } = JSON.parse(readFileSync(process.argv[2], "utf8"));
const ms = (v) => (Number.isFinite(v) ? Math.round(v).toString() : "–");
const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const max = (xs) => Math.max(...xs.filter(Number.isFinite));

console.log(`Page loads in a fresh context (cold cache), ${runs} per row: median (max), ms from navigation start.\n`);
console.log("| CPU | Page | First byte | First paint | Hydrated | Usable |");
console.log("|---|---|---:|---:|---:|---:|");
for (const { throttle, page, loads } of results) {
  const cell = (k) => `${ms(median(loads.map((l) => l[k])))} (${ms(max(loads.map((l) => l[k])))})`;
  console.log(`| ${throttle}× | ${page} | ${cell("ttfb")} | ${cell("fcp")} | ${cell("hydrated")} | ${cell("ready")} |`);
}
console.log(`\nScrolling a ${messages.toLocaleString("en")}-message room by mouse wheel (1,200 px steps).\n`);
console.log("| CPU | Direction | Seconds | Window changes | Long tasks (> 50 ms) | Of them > 100 ms | Longest task, ms | Most message rows in the DOM |");
console.log("|---|---|---:|---:|---:|---:|---:|---:|");
for (const s of scrolls) {
  console.log(
    `| ${s.throttle}× | ${s.direction} | ${s.seconds.toFixed(1)} | ${s.pages} | ${s.longTasks} | ${s.over100} | ${ms(s.maxTask)} | ${s.maxRows} |`,
  );
}
