// The initial JavaScript (what index.html loads before any route chunk) must stay within budget.
// Prints the size; exits 1 above the budget. Run after `vite build`.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET = Number(process.env.BUNDLE_BUDGET_KB ?? 200) * 1024;
const dist = join(import.meta.dirname, "..", "dist");
const html = readFileSync(join(dist, "index.html"), "utf8");
const srcs = [
  ...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g),
  ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g),
].map((m) => m[1]);
if (srcs.length === 0) {
  console.error("no script found in dist/index.html");
  process.exit(1);
}
let total = 0;
for (const src of new Set(srcs)) {
  const file = join(dist, src.replace(/^\//, ""));
  if (!existsSync(file)) {
    console.error(`missing ${file}`);
    process.exit(1);
  }
  const size = gzipSync(readFileSync(file), { level: 9 }).length;
  total += size;
  console.log(`  ${src}: ${(size / 1024).toFixed(1)} kB gzip`);
}
const verdict = total <= BUDGET ? "OK" : "OVER BUDGET";
console.log(`initial JS: ${(total / 1024).toFixed(1)} kB gzip (budget ${(BUDGET / 1024).toFixed(0)} kB): ${verdict}`);
process.exit(total <= BUDGET ? 0 : 1);
