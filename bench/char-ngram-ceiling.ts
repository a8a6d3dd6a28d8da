/**
 * How far character n-grams could still carry a set: the best simple method for XQuAD
 * (TF-IDF over character 3-5-grams within words, sublinear term frequency, cosine, exact: no hashing)
 * ranks every document of the corpus on its own, and is then fused with the product's ranking from
 * an earlier `npm run eval --out` by reciprocal rank, over a grid of weights and fusion constants.
 * The best cell is an upper bound for adding this signal to the product (it is tuned on the very
 * questions it is scored on). Whole documents (.md, .html, .htm, .txt) as the product's extraction reads
 * them (title and blocks). With --towns (results of `npm run eval -- --towns`), each question ranks only
 * its own town's folder and `_shared`, as the product searched it.
 *
 *   npx tsx bench/char-ngram-ceiling.ts <corpus dir> <questions.jsonl> <results.json> [--towns]
 *   e.g. .tmp/eval/xquad/corpus .tmp/eval/xquad/xquad-de.jsonl .tmp/eval/results/xquad-de.json
 */
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { ndcg } from "../ingest/eval/metrics.js";
import { readQuestions } from "../ingest/eval/questions.js";
import { foldWord, words } from "../src/text/normalize.js";
import { extractHtml } from "../ingest/extract/html.js";
import { extractMarkdown } from "../ingest/extract/markdown.js";
import type { ExtractedDocument } from "../ingest/extract/document.js";

const towns = process.argv.includes("--towns");
const [corpusDir, questionsFile, resultsFile] = process.argv.slice(2).filter((a) => a !== "--towns");
if (!corpusDir || !questionsFile || !resultsFile) {
  console.error("usage: npx tsx bench/char-ngram-ceiling.ts <corpus dir> <questions.jsonl> <results.json> [--towns]");
  process.exit(2);
}
/** The folder of shared documents in a --towns corpus (ingest/eval). */
const SHARED = "_shared";

function grams(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of words(text)) {
    const padded = ` ${foldWord(w)} `;
    for (let n = 3; n <= 5; n++) for (let i = 0; i + n <= padded.length; i++) counts.set(padded.slice(i, i + n), (counts.get(padded.slice(i, i + n)) ?? 0) + 1);
  }
  return counts;
}

const text = (d: ExtractedDocument) => [d.title, ...d.blocks.map((b) => b.text)].join("\n");
const files = (await readdir(corpusDir, { recursive: true, withFileTypes: true })).filter((f) => f.isFile() && /\.(md|html?|txt)$/.test(f.name));
const docs = new Map<string, Map<string, number>>();
for (const f of files) {
  // Dirent.parentPath is Node 20.12 and later; `path` before.
  const full = path.join((f as { parentPath?: string }).parentPath ?? (f as unknown as { path: string }).path, f.name);
  const raw = await readFile(full, "utf8");
  const doc = /\.html?$/.test(f.name) ? text(extractHtml(raw, "file:///doc")) : f.name.endsWith(".md") ? text(extractMarkdown(raw, f.name)) : raw;
  docs.set(path.relative(corpusDir, full), grams(doc));
}
const df = new Map<string, number>();
for (const g of docs.values()) for (const k of g.keys()) df.set(k, (df.get(k) ?? 0) + 1);
const n = docs.size;
const idf = (g: string) => Math.log((1 + n) / (1 + (df.get(g) ?? 0))) + 1;
/** Sublinear tf × idf, unit length. */
function weigh(counts: Map<string, number>): Map<string, number> {
  const v = new Map<string, number>();
  let norm = 0;
  for (const [g, c] of counts) {
    const x = (1 + Math.log(c)) * idf(g);
    v.set(g, x);
    norm += x * x;
  }
  for (const [g, x] of v) v.set(g, x / Math.sqrt(norm));
  return v;
}
const postings = new Map<string, { doc: string; w: number }[]>();
for (const [doc, counts] of docs) for (const [g, w] of weigh(counts)) (postings.get(g) ?? postings.set(g, []).get(g)!).push({ doc, w });

const ranked = new Map((JSON.parse(await readFile(resultsFile, "utf8")) as { results: { id: string; ranked: string[] }[] }).results.map((r) => [r.id, r.ranked]));
const questions = (await readQuestions(questionsFile)).filter((q) => q.gold.length > 0 && ranked.has(q.id));
const fuse = (lists: string[][], weights: number[], k: number) => {
  const s = new Map<string, number>();
  lists.forEach((l, j) => l.forEach((d, i) => s.set(d, (s.get(d) ?? 0) + weights[j]! / (k + i + 1))));
  return [...s].sort((a, b) => b[1] - a[1]).map(([d]) => d);
};
const score = (q: { id: string; gold: string[] }, list: string[]) => ndcg({ id: q.id, gold: q.gold, ranked: list, latencyMs: 0 });

const cells = new Map<string, number>();
let product = 0;
let alone = 0;
for (const q of questions) {
  const s = new Map<string, number>();
  const town = towns ? q.municipality : undefined;
  const allowed = (doc: string) => !town || doc.startsWith(`${town}/`) || doc.startsWith(`${SHARED}/`);
  for (const [g, x] of weigh(grams(q.question))) for (const p of postings.get(g) ?? []) if (allowed(p.doc)) s.set(p.doc, (s.get(p.doc) ?? 0) + x * p.w);
  const char = [...s].sort((a, b) => b[1] - a[1]).slice(0, 50).map(([d]) => d);
  const ours = ranked.get(q.id)!;
  product += score(q, ours);
  alone += score(q, char);
  for (const k of [10, 30, 60]) for (const w of [0.3, 0.5, 0.7, 1]) cells.set(`k ${k}, weight ${w}`, (cells.get(`k ${k}, weight ${w}`) ?? 0) + score(q, fuse([ours, char], [1, w], k)));
}
const m = questions.length;
console.log(`${m} questions, ${n} documents: nDCG@10 of the product's ranking ${(product / m).toFixed(4)}, of character n-gram TF-IDF alone ${(alone / m).toFixed(4)}`);
console.log("fused (product weight 1):");
for (const [cell, v] of [...cells].sort((a, b) => b[1] - a[1])) console.log(`  ${cell}: ${(v / m).toFixed(4)}`);
