/**
 * Retrieval at scale: an index of N chunks (default 100,000) of six towns, cut from the real German
 * documents beside the project (see bench/scale-corpus.ts), queried with the real questions of the
 * evaluation sets. Measures:
 *  - build time (local embedding; BM25, HNSW and write) and index load time,
 *  - HNSW recall@10 against exact search at the configured ef (bench/vector-recall.ts: more ef, the real corpora),
 *  - hybrid retrieval latency for one question at a time, and with 50 questions in flight, in the
 *    main thread and with worker threads.
 * The built index is kept in .tmp/scale-<N> for re-runs (delete it to rebuild; an index of an older
 * corpus is rebuilt by itself). Settings are retrieval configuration overrides, e.g. '{"efSearch":128}';
 * with other graph settings ("hnswM", "hnswEfConstruction") the index is built and kept beside it, e.g.
 * '{"hnswM":16,"efSearch":256}' for the third session's graph and search breadth.
 *   npx tsx bench/retrieval-scale.ts [--chunks 100000] [--queries 500] [--workers 2] [--settings '{}']
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import { HybridRetriever } from "../src/retrieval/hybrid.js";
import { chunkContext, type IndexManifest } from "../src/store/records.js";
import { IndexSnapshot, writeSnapshot } from "../src/store/snapshot.js";
import { GermanAnalyzer } from "../src/text/analyzer.js";
import { BUILTIN_SYNONYMS, SynonymTable } from "../src/text/synonyms.js";
import { percentile } from "../ingest/eval/metrics.js";
import { SCALE_TOWNS, sampleQuestions, scaleChunks } from "./scale-corpus.js";
import { parseConfig } from "../src/config/load.js";
import { Glossary } from "../src/text/glossary.js";
import { GLOSSARY_FILE } from "../src/server/compose.js";
import { RetrievalPool } from "../src/retrieval/pool.js";
import { graphSettings } from "../src/store/vector.js";
import { kthSimilarity, searchedMatrix, similarities } from "./exact-search.js";

const { values } = parseArgs({
  options: {
    chunks: { type: "string", default: "100000" },
    queries: { type: "string", default: "500" },
    workers: { type: "string", default: "2" },
    settings: { type: "string", default: "{}" },
  },
});
const N = Number(values.chunks);
const towns = SCALE_TOWNS;
const { retrieval } = parseConfig({ municipalities: [{ id: "x", name: "x", contact: { office: "x" } }], retrieval: JSON.parse(values.settings) as object });
// The graph's build settings name the index folder: the default graph in .tmp/scale-<N>, another beside it.
const { hnswM: m, hnswEfConstruction: efConstruction } = retrieval;
const defaults = graphSettings({});
const graph = m === defaults.m && efConstruction === defaults.efConstruction ? "" : `-m${m}-efc${efConstruction}`;
const dir = path.resolve(`.tmp/scale-${N}${graph}`);
// The version names the graph too: a folder built with other graph settings is built again.
const version = `scale-v5-${N}-m${m}-efc${efConstruction}`;
const embeddings = new LocalEmbeddings();
const built = existsSync(path.join(dir, "manifest.json")) && (JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as IndexManifest).version === version;
if (!built) {
  // An index of an older corpus (or none): build it again.
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const { chunks, documents } = await scaleChunks(N);
  let t = performance.now();
  // Embedded as ingestion embeds a chunk: its context (title, headings), then its text.
  const vectors = await embeddings.embedDocuments(chunks.map((c) => `${chunkContext(c)}\n${c.text}`));
  const embedSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  await writeSnapshot(dir, {
    manifest: { version, createdAt: new Date().toISOString(), embedder: embeddings.id, dimensions: embeddings.dimensions, chunks: N, documents, municipalities: towns },
    chunks,
    vectors,
  }, { m, efConstruction });
  console.log(`built ${N} chunks: embedding ${embedSeconds.toFixed(1)} s, indexes and write ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
const queries = await sampleQuestions(Number(values.queries));

let t = performance.now();
const snapshot = await IndexSnapshot.load(dir, { efSearch: retrieval.efSearch });
const loadSeconds = (performance.now() - t) / 1000;

// HNSW recall@10 against exact search over the same vectors as the index compares them (centred), at the
// configured ef (bench/vector-recall.ts has more).
const matrix = searchedMatrix(snapshot.vector);
let found = 0;
const recallQueries = await embeddings.embedDocuments(queries.slice(0, 200));
for (const query of recallQueries) {
  const sims = similarities(matrix, embeddings.dimensions, snapshot.vector.searchVector(query));
  // A chunk as near as the 10th true neighbour counts as found (exact twins of a chunk are interchangeable).
  const { kth } = kthSimilarity(sims, 10);
  found += snapshot.vector.search(query, 10).filter((h) => sims[h.index]! >= kth - 1e-5).length;
}
const recall = found / (recallQueries.length * 10);

/** Latency of one question at a time, and of waves of 50 questions arriving together (from arrival to answer). */
async function latency(retrieve: (q: string, town: string) => Promise<unknown>) {
  const ask = async (q: string, i: number) => {
    const s = performance.now();
    await retrieve(q, towns[i % towns.length]!);
    return performance.now() - s;
  };
  // Warm-up, one at a time and once 50 at a time (which is what puts every worker thread to work).
  for (let i = 0; i < 20; i++) await ask(queries[i]!, i);
  await Promise.all(queries.slice(0, 50).map((q, i) => ask(q, i)));
  const single: number[] = [];
  for (let i = 0; i < queries.length; i++) single.push(await ask(queries[i]!, i));
  const inFlight: number[] = [];
  for (let wave = 0; wave < Math.ceil(queries.length / 50); wave++) {
    const batch = queries.slice(wave * 50, wave * 50 + 50);
    const started = performance.now();
    await Promise.all(
      batch.map(async (q, i) => {
        await new Promise((r) => setImmediate(r));
        await ask(q, i);
        inFlight.push(performance.now() - started);
      }),
    );
  }
  const mean = single.reduce((a, b) => a + b, 0) / single.length;
  return `${percentile(single, 50).toFixed(1)} / ${percentile(single, 95).toFixed(1)} ms (mean ${mean.toFixed(2)}) | ${percentile(inFlight, 50).toFixed(0)} / ${percentile(inFlight, 95).toFixed(0)} ms |`;
}

// Hybrid retrieval as the server runs it (top 6 chunks, one town), in the main thread…
const retriever = new HybridRetriever(embeddings, new SynonymTable(new GermanAnalyzer(), BUILTIN_SYNONYMS), retrieval, Glossary.load(GLOSSARY_FILE));
const rows = [`| in the main thread | ${await latency((q, town) => retriever.retrieve(snapshot, q, { municipality: town, k: 6 }))}`];
// …and through the worker pool the server uses with `retrieval.workers`.
const workerCount = Number(values.workers);
if (workerCount > 0) {
  const workers = new RetrievalPool(
    workerCount,
    { embeddings: { provider: "local", dimensions: embeddings.dimensions, batchSize: 128, timeoutMs: 30000, retries: 1 }, env: {}, synonyms: BUILTIN_SYNONYMS, glossaryFile: GLOSSARY_FILE, options: retrieval, efSearch: retrieval.efSearch },
    embeddings.id,
  );
  t = performance.now();
  await workers.warm(dir);
  const warmSeconds = (performance.now() - t) / 1000;
  rows.push(`| ${workerCount} worker threads (loaded in ${warmSeconds.toFixed(2)} s) | ${await latency((q, town) => workers.retrieve(snapshot, q, { municipality: town, k: 6 }))}`);
  await workers.close();
}
const mem = process.memoryUsage();
console.log(`Index of ${N} chunks (${snapshot.lexical.terms.length} terms), ${queries.length} questions, settings ${values.settings}; heap ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB, rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB
index load ${loadSeconds.toFixed(2)} s; HNSW recall@10 against exact search at ef ${retrieval.efSearch}: ${recall.toFixed(4)}
| hybrid retrieval | one at a time: p50 / p95 | 50 in flight: p50 / p95 |
|---|---|---|
${rows.join("\n")}`);
