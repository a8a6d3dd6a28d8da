/**
 * A retrieval worker thread: answers retrieval requests, so that questions in flight use every core
 * and never block the server's event loop. It holds the search indexes of the published version
 * (the lexical ones in memory shared with the main thread) but no chunk texts: it answers with chunk
 * numbers, which the main thread maps to its records.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Config } from "../config/schema.js";
import { createEmbeddings } from "../embeddings/index.js";
import { IndexSnapshot } from "../store/snapshot.js";
import { GermanAnalyzer } from "../text/analyzer.js";
import { Glossary } from "../text/glossary.js";
import { SynonymTable } from "../text/synonyms.js";
import { HybridRetriever } from "./hybrid.js";
import { AppError } from "../errors.js";
import type { WorkerReply, WorkerRequest, WorkerSetup } from "./pool.js";

const setup = workerData as WorkerSetup;
const retriever = new HybridRetriever(
  createEmbeddings(setup.embeddings as Config["embeddings"], setup.env),
  new SynonymTable(new GermanAnalyzer(), setup.synonyms),
  setup.options,
  Glossary.load(setup.glossaryFile),
);
let loaded: { dir: string; snapshot: Promise<IndexSnapshot> } | undefined;
let previous: { dir: string; snapshot: Promise<IndexSnapshot> } | undefined;

parentPort!.on("message", async (req: WorkerRequest) => {
  try {
    // The published and the one before: requests that began before a switch still find theirs.
    let entry = loaded?.dir === req.dir ? loaded : previous?.dir === req.dir ? previous : undefined;
    if (!entry) {
      previous = loaded;
      entry = loaded = { dir: req.dir, snapshot: IndexSnapshot.loadForSearch(req.dir, { efSearch: setup.efSearch }, req.shared) };
    }
    const snapshot = await entry.snapshot;
    if (req.question === undefined) return parentPort!.postMessage({ id: req.id, ok: true } satisfies WorkerReply);
    const r = await retriever.retrieve(snapshot, req.question, { ...(req.municipality ? { municipality: req.municipality } : {}), k: req.k });
    const reply: WorkerReply = {
      id: req.id,
      ok: true,
      result: { ...r, hits: r.hits.map((h) => ({ index: h.index, score: h.score })) },
    };
    parentPort!.postMessage(reply);
  } catch (error) {
    // A version that failed to load is tried again next time, not kept failing.
    if (loaded?.dir === req.dir) loaded = undefined;
    // Only the product's own errors reach a citizen; anything else is an internal error.
    const known = error instanceof AppError;
    const e = error as Error;
    parentPort!.postMessage({
      id: req.id,
      ok: false,
      error: known ? { message: e.message, code: (error as AppError).code, status: (error as AppError).status } : { message: "retrieval failed", detail: e.message },
    } satisfies WorkerReply);
  }
});
