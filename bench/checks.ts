/**
 * Overhead of the answer checks (citation numbers, figures verbatim in the cited sources) on a
 * 300-word generated answer with five sources of the demo statutes.
 *   npx tsx bench/checks.ts
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { checkAnswer } from "../src/answer/checks.js";
import { extractHtml } from "../ingest/extract/html.js";
import { chunkDocument } from "../ingest/chunk.js";
import { percentile } from "../ingest/eval/metrics.js";

const site = path.resolve(import.meta.dirname, "../data/demo/site/satzungen");
const chunks = [];
for (const f of ["hundesteuersatzung.html", "abfallgebuehrensatzung.html", "verwaltungskostensatzung.html"]) {
  const doc = extractHtml(await readFile(path.join(site, f), "utf8"), `http://x/${f}`);
  chunks.push(...chunkDocument(doc, { docId: f, url: f, municipality: null }));
}
const sources = chunks.filter((c) => /\d/.test(c.text)).slice(0, 5).map((c, i) => ({ n: i + 1, text: `${c.title} ${c.section ?? ""}\n${c.text}` }));
// An answer of about 300 words that quotes figures of its sources, with one invented amount.
const sentences = sources.flatMap((s) => (s.text.match(/[^.]*\d[^.]*\./g) ?? []).slice(0, 4).map((x) => `${x.trim()} [${s.n}]`));
let answer = sentences.join(" ");
while (answer.split(/\s+/).length < 300) answer += ` Bitte beachten Sie außerdem die Hinweise der Gemeinde zu Fristen und Zuständigkeiten [1].`;
answer += " Zusätzlich wird eine Bearbeitungsgebühr von 99,00 Euro erhoben [2].";
const words = answer.split(/\s+/).length;

for (let i = 0; i < 200; i++) checkAnswer(answer, sources); // warm-up
const times: number[] = [];
let removed = 0;
for (let i = 0; i < 1000; i++) {
  const t = performance.now();
  removed = checkAnswer(answer, sources).removed.length;
  times.push(performance.now() - t);
}
console.log(`| answer words | sources | sentences removed | checks p50 | checks p95 |
|---|---|---|---|---|
| ${words} | ${sources.length} | ${removed} | ${percentile(times, 50).toFixed(2)} ms | ${percentile(times, 95).toFixed(2)} ms |`);
