/**
 * Ablations without re-indexing: indexes each corpus once (kept in .tmp/tune/<corpus>), then runs
 * question sets under retrieval settings given as JSON. Needs the sets made by bench/adapters.
 * A set ending in "+towns" is evaluated as `npm run eval -- --towns` does (one folder per town).
 *   npx tsx bench/tune.ts '{"vectorWeight":0.3}' integreat/integreat-de+towns xquad/xquad-de satzungen/satzungen
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import { ingest } from "../ingest/pipeline.js";
import { summarise } from "../ingest/eval/metrics.js";
import { readQuestions } from "../ingest/eval/questions.js";
import { corpusConfig, evaluate } from "../ingest/eval/run.js";

const [settings = "{}", ...sets] = process.argv.slice(2);
const evalDir = process.env.EVAL_DIR ?? ".tmp/eval";
const embeddings = new LocalEmbeddings();
const rows: string[] = [];
for (const spec of sets) {
  const towns = spec.endsWith("+towns");
  const [corpus, name] = spec.replace(/\+towns$/, "").split("/") as [string, string];
  const dataDir = path.resolve(process.env.TUNE_DIR ?? ".tmp/tune", towns ? `${corpus}+towns` : corpus);
  const config = await corpusConfig(path.resolve(evalDir, corpus, "corpus"), "eval", { towns, retrieval: JSON.parse(settings) as Record<string, unknown> });
  if (!existsSync(path.join(dataDir, "index/current.json")) || process.env.REBUILD) {
    await mkdir(dataDir, { recursive: true });
    await ingest({ config, dataDir, embeddings });
  }
  const questions = await readQuestions(path.join(evalDir, corpus, `${name}.jsonl`));
  const s = summarise(await evaluate({ config, dataDir, questions, embeddings, municipality: "eval", towns, answers: process.env.ANSWERS === "1" }));
  const f = (x: number | undefined) => (x === undefined ? "  -  " : x.toFixed(3));
  rows.push(`| ${(towns ? `${name} (towns)` : name).padEnd(24)} | ${String(s.questions).padStart(4)} | ${f(s["hit@1"])} | ${f(s["hit@5"])} | ${f(s["hit@10"])} | ${f(s["mrr@10"])} | ${f(s["ndcg@10"])} | ${s.latencyP95.toFixed(1)} |`);
}
console.log(`settings ${settings}\n| set | n | hit@1 | hit@5 | hit@10 | MRR@10 | nDCG@10 | p95 ms |\n|---|---|---|---|---|---|---|---|\n${rows.join("\n")}`);
