/**
 * Retrieval at scale: an index of N chunks (default 100,000) made of real German sentences
 * (Integreat pages, Satzungen, XQuAD paragraphs from ../shared/eval) mixed at random into chunks
 * of six towns, queried with the real questions of those sets. Measures:
 *  - build time (local embedding, HNSW and BM25) and index load time,
 *  - HNSW recall@10 against exact search, for several ef,
 *  - hybrid retrieval latency for one question at a time, and with 50 questions in flight.
 * The built index is kept in .tmp/scale-<N> for re-runs (delete it to rebuild).
 *   npx tsx bench/retrieval-scale.ts [--chunks 100000] [--queries 500]
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import hnswlib from "hnswlib-node";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import { HybridRetriever } from "../src/retrieval/hybrid.js";
import type { Chunk } from "../src/store/records.js";
import { IndexSnapshot, writeSnapshot } from "../src/store/snapshot.js";
import { VectorIndex } from "../src/store/vector.js";
import { GermanAnalyzer } from "../src/text/analyzer.js";
import { splitSentences } from "../src/text/sentences.js";
import { BUILTIN_SYNONYMS, SynonymTable } from "../src/text/synonyms.js";
import { percentile } from "../ingest/eval/metrics.js";
import { hashChunk } from "../ingest/chunk.js";
import { parseConfig } from "../src/config/load.js";
import { Glossary } from "../src/text/glossary.js";
import { GLOSSARY_FILE } from "../src/server/compose.js";
import { RetrievalPool } from "../src/retrieval/pool.js";

const { values } = parseArgs({ options: { chunks: { type: "string", default: "100000" }, queries: { type: "string", default: "500" } } });
const N = Number(values.chunks);
const shared = path.resolve(import.meta.dirname, "../../shared/eval");
const towns = ["waechtersbach", "bad-orb", "bad-soden-salmuenster", "birstein", "sinntal", "steinau"];

let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
const stripHtml = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/&nbsp;/g, " ").replace(/&amp;/g, "&");

async function sentencePool(): Promise<{ sentences: string[]; titles: string[]; questions: string[] }> {
  const sentences: string[] = [];
  const titles: string[] = [];
  for (const region of ["lkaugsburg", "rems-murr-kreis"]) {
    for (const p of JSON.parse(await readFile(path.join(shared, `integreat/pages/${region}.de.json`), "utf8")) as { title: string; content: string }[]) {
      titles.push(p.title);
      sentences.push(...splitSentences(stripHtml(p.content)).filter((s) => s.length > 30));
    }
  }
  const walk = async (dir: string): Promise<string[]> =>
    (await readdir(dir, { withFileTypes: true })).flatMap((e) => (e.isDirectory() ? [] : [path.join(dir, e.name)])).concat(
      ...(await Promise.all((await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => walk(path.join(dir, e.name))))),
    );
  for (const f of (await walk(path.join(shared, "satzungen"))).filter((f) => f.endsWith(".md"))) {
    const text = await readFile(f, "utf8");
    titles.push(/titel: (.*)/.exec(text)?.[1] ?? path.basename(f));
    sentences.push(...splitSentences(text.replace(/^---[\s\S]*?---/, "").replace(/[#*|]/g, " ")).filter((s) => s.length > 30));
  }
  const xquad = JSON.parse(await readFile(path.join(shared, "xquad/xquad.de.json"), "utf8")) as { data: { title: string; paragraphs: { context: string; qas: { question: string }[] }[] }[] };
  const questions: string[] = [];
  for (const a of xquad.data) {
    titles.push(a.title.replace(/_/g, " "));
    for (const p of a.paragraphs) {
      sentences.push(...splitSentences(p.context));
      questions.push(...p.qas.map((q) => q.question));
    }
  }
  for (const q of JSON.parse(await readFile(path.join(shared, "integreat/dataset_de.json"), "utf8")) as { question: string }[]) questions.push(q.question);
  for (const line of (await readFile(path.join(shared, "satzungen/bw-older/questions.jsonl"), "utf8")).trim().split("\n")) questions.push((JSON.parse(line) as { question: string }).question);
  return { sentences, titles, questions };
}

const pool = await sentencePool();
const dir = path.resolve(`.tmp/scale-${N}`);
const embeddings = new LocalEmbeddings();
if (!existsSync(path.join(dir, "manifest.json"))) {
  await mkdir(dir, { recursive: true });
  const chunks: Chunk[] = [];
  for (let i = 0; i < N; i++) {
    const c = {
      id: `doc-${Math.floor(i / 8)}#${i % 8}`,
      docId: `doc-${Math.floor(i / 8)}`,
      // A document (8 chunks) belongs to one town; every tenth is shared.
      municipality: Math.floor(i / 8) % 10 === 0 ? null : towns[Math.floor(i / 8) % towns.length]!,
      url: `https://example.org/doc-${Math.floor(i / 8)}`,
      title: pick(pool.titles),
      headings: [],
      text: Array.from({ length: 5 }, () => pick(pool.sentences)).join(" "),
    };
    chunks.push({ ...c, hash: hashChunk(c) });
  }
  let t = performance.now();
  const vectors = await embeddings.embedDocuments(chunks.map((c) => `${c.title}\n${c.text}`));
  const embedSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  await writeSnapshot(dir, {
    manifest: { version: `scale-${N}`, createdAt: new Date().toISOString(), embedder: embeddings.id, dimensions: embeddings.dimensions, chunks: N, documents: Math.ceil(N / 8), municipalities: towns },
    chunks,
    vectors,
  });
  console.log(`built ${N} chunks: embedding ${embedSeconds.toFixed(1)} s, indexes and write ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

let t = performance.now();
const snapshot = await IndexSnapshot.load(dir);
const loadSeconds = (performance.now() - t) / 1000;

// HNSW recall@10 against exact search over the same vectors.
const queryCount = Math.min(Number(values.queries), pool.questions.length);
const queries = Array.from({ length: queryCount }, () => pick(pool.questions));
const exact = new hnswlib.BruteforceSearch("cosine", embeddings.dimensions);
exact.initIndex(N);
for (let i = 0; i < N; i++) exact.addPoint(snapshot.vector.vector(i), i);
const qvecs = await embeddings.embedDocuments(queries.slice(0, 200));
const truth = qvecs.map((q) => new Set(exact.searchKnn(q, 10).neighbors));
const recall: string[] = [];
for (const ef of [16, 32, 64, 128]) {
  const v = await VectorIndex.load(path.join(dir, "vectors.hnsw"), embeddings.dimensions, { efSearch: ef });
  let hit = 0;
  const times: number[] = [];
  qvecs.forEach((q, i) => {
    const s = performance.now();
    const r = v.search(q, 10);
    times.push(performance.now() - s);
    hit += r.filter((h) => truth[i]!.has(h.index)).length;
  });
  recall.push(`| ${ef} | ${(hit / (qvecs.length * 10)).toFixed(4)} | ${percentile(times, 50).toFixed(2)} ms |`);
}

// Hybrid retrieval latency, as the server runs it (top 6 chunks, one town).
const { retrieval } = parseConfig({ municipalities: [{ id: "x", name: "x", contact: { office: "x" } }] });
const retriever = new HybridRetriever(embeddings, new SynonymTable(new GermanAnalyzer(), BUILTIN_SYNONYMS), retrieval, Glossary.load(GLOSSARY_FILE));
const ask = async (q: string, i: number) => {
  const s = performance.now();
  await retriever.retrieve(snapshot, q, { municipality: towns[i % towns.length]!, k: 6 });
  return performance.now() - s;
};
for (let i = 0; i < 20; i++) await ask(queries[i]!, i); // warm-up
const single: number[] = [];
for (let i = 0; i < queries.length; i++) single.push(await ask(queries[i]!, i));
const inFlight: number[] = [];
for (let wave = 0; wave < Math.ceil(queries.length / 50); wave++) {
  const batch = queries.slice(wave * 50, wave * 50 + 50);
  const started = performance.now();
  await Promise.all(batch.map(async (q, i) => {
    await new Promise((r) => setImmediate(r));
    await ask(q, i);
    inFlight.push(performance.now() - started);
  }));
}
// The same through the worker pool the server uses with `retrieval.workers: 2`.
const workers = new RetrievalPool(2, { embeddings: { provider: "local", dimensions: embeddings.dimensions, batchSize: 128, timeoutMs: 30000, retries: 1 }, env: {}, synonyms: BUILTIN_SYNONYMS, glossaryFile: GLOSSARY_FILE, options: retrieval, efSearch: retrieval.efSearch }, embeddings.id);
await workers.warm(dir);
const poolAsk = async (q: string, i: number) => {
  const s = performance.now();
  await workers.retrieve(snapshot, q, { municipality: towns[i % towns.length]!, k: 6 });
  return performance.now() - s;
};
for (let i = 0; i < 20; i++) await poolAsk(queries[i]!, i);
const poolSingle: number[] = [];
for (let i = 0; i < queries.length; i++) poolSingle.push(await poolAsk(queries[i]!, i));
const poolInFlight: number[] = [];
for (let wave = 0; wave < Math.ceil(queries.length / 50); wave++) {
  const batch = queries.slice(wave * 50, wave * 50 + 50);
  const started = performance.now();
  await Promise.all(batch.map(async (q, i) => {
    await poolAsk(q, i);
    poolInFlight.push(performance.now() - started);
  }));
}
await workers.close();
const mem = process.memoryUsage();
console.log(`Index of ${N} chunks (${snapshot.lexical.terms.length} terms), ${queries.length} questions; heap ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB, rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB
| figure | value |
|---|---|
| index load | ${loadSeconds.toFixed(2)} s |
| hybrid retrieval, one question at a time: p50 / p95 | ${percentile(single, 50).toFixed(1)} / ${percentile(single, 95).toFixed(1)} ms |
| hybrid retrieval, 50 questions in flight: p50 / p95 (from arrival to answer) | ${percentile(inFlight, 50).toFixed(1)} / ${percentile(inFlight, 95).toFixed(1)} ms |
| with 2 retrieval workers: one at a time, p50 / p95 | ${percentile(poolSingle, 50).toFixed(1)} / ${percentile(poolSingle, 95).toFixed(1)} ms |
| with 2 retrieval workers: 50 in flight, p50 / p95 | ${percentile(poolInFlight, 50).toFixed(1)} / ${percentile(poolInFlight, 95).toFixed(1)} ms |

| ef | HNSW recall@10 vs exact | HNSW search p50 |
|---|---|---|
${recall.join("\n")}`);
