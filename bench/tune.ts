/**
 * Ablations without re-indexing: indexes each corpus once (kept in .tmp/tune/<corpus>), then runs
 * question sets under retrieval settings given as JSON. Needs the sets made by bench/adapters.
 *   npx tsx bench/tune.ts '{"vectorWeight":0.3}' integreat/integreat-de xquad/xquad-de satzungen/satzungen
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { parseConfig } from "../src/config/load.js";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import { ingest } from "../ingest/pipeline.js";
import { summarise } from "../ingest/eval/metrics.js";
import { readQuestions } from "../ingest/eval/questions.js";
import { evaluate } from "../ingest/eval/run.js";

const [settings = "{}", ...sets] = process.argv.slice(2);
const evalDir = process.env.EVAL_DIR ?? ".tmp/eval";
const embeddings = new LocalEmbeddings();
const rows: string[] = [];
for (const set of sets) {
  const [corpus, name] = set.split("/") as [string, string];
  const dataDir = path.resolve(".tmp/tune", corpus);
  const config = parseConfig({
    municipalities: [{ id: "eval", name: "eval", contact: { office: "x" }, sources: [{ type: "files", path: path.resolve(evalDir, corpus, "corpus") }] }],
    retrieval: { candidates: 100, ...JSON.parse(settings) },
  });
  if (!existsSync(path.join(dataDir, "index/current.json")) || process.env.REBUILD) {
    await mkdir(dataDir, { recursive: true });
    await ingest({ config, dataDir, embeddings });
  }
  const questions = await readQuestions(path.join(evalDir, corpus, `${name}.jsonl`));
  const s = summarise(await evaluate({ config, dataDir, questions, embeddings, municipality: "eval", answers: process.env.ANSWERS === "1" }));
  const f = (x: number | undefined) => (x === undefined ? "  -  " : x.toFixed(3));
  rows.push(`| ${name.padEnd(18)} | ${String(s.questions).padStart(4)} | ${f(s["hit@1"])} | ${f(s["hit@5"])} | ${f(s["hit@10"])} | ${f(s["mrr@10"])} | ${f(s["ndcg@10"])} | ${s.latencyP95.toFixed(1)} |`);
}
console.log(`settings ${settings}\n| set | n | hit@1 | hit@5 | hit@10 | MRR@10 | nDCG@10 | p95 ms |\n|---|---|---|---|---|---|---|---|\n${rows.join("\n")}`);
