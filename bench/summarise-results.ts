/**
 * Prints one markdown table from the `summary` objects of `npm run eval -- --out <file.json>` outputs.
 * Usage: npx tsx bench/summarise-results.ts <resultsDir> <set> [<set> ...]   (reads <resultsDir>/<set>.json)
 * A set without a readable result gets a row saying so; the exit code is then 1.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Summary } from "../ingest/eval/metrics.js";

const [dir, ...sets] = process.argv.slice(2);
if (!dir || sets.length === 0) {
  console.error("usage: npx tsx bench/summarise-results.ts <resultsDir> <set> [<set> ...]");
  process.exit(2);
}

const f3 = (x: number) => x.toFixed(3);
const ms = (x: number) => x.toFixed(1);
const rows: string[] = [
  "| set | questions | hit@1 | hit@5 | hit@10 | MRR@10 | nDCG@10 | p50 ms | p95 ms |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
];
let missing = 0;
for (const set of sets) {
  try {
    const { summary: s } = JSON.parse(readFileSync(path.join(dir, `${set}.json`), "utf8")) as { summary: Summary };
    const questions = s.answerable === s.questions ? String(s.questions) : `${s.questions} (${s.answerable} answerable)`;
    rows.push(`| ${set} | ${questions} | ${f3(s["hit@1"])} | ${f3(s["hit@5"])} | ${f3(s["hit@10"])} | ${f3(s["mrr@10"])} | ${f3(s["ndcg@10"])} | ${ms(s.latencyP50)} | ${ms(s.latencyP95)} |`);
  } catch (error) {
    missing++;
    rows.push(`| ${set} | no result (${(error as Error).message.split("\n")[0]}) | | | | | | | |`);
  }
}
console.log(rows.join("\n"));
process.exit(missing ? 1 : 0);
