/**
 * A retrieval worker thread: holds its own copy of the published index and answers retrieval
 * requests, so that questions in flight use every core and never block the server's event loop.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Config } from "../config/schema.js";
import { createEmbeddings } from "../embeddings/index.js";
import { IndexSnapshot } from "../store/snapshot.js";
import { GermanAnalyzer } from "../text/analyzer.js";
import { Glossary } from "../text/glossary.js";
import { SynonymTable } from "../text/synonyms.js";
import { HybridRetriever } from "./hybrid.js";
import type { WorkerReply, WorkerRequest, WorkerSetup } from "./pool.js";

const setup = workerData as WorkerSetup;
const retriever = new HybridRetriever(
  createEmbeddings(setup.embeddings as Config["embeddings"], setup.env),
  new SynonymTable(new GermanAnalyzer(), setup.synonyms),
  setup.options,
  Glossary.load(setup.glossaryFile),
);
let loaded: { dir: string; snapshot: Promise<IndexSnapshot> } | undefined;

parentPort!.on("message", async (req: WorkerRequest) => {
  try {
    if (loaded?.dir !== req.dir) loaded = { dir: req.dir, snapshot: IndexSnapshot.load(req.dir, { efSearch: setup.efSearch }) };
    const snapshot = await loaded.snapshot;
    if (req.question === undefined) return parentPort!.postMessage({ id: req.id, ok: true } satisfies WorkerReply);
    const r = await retriever.retrieve(snapshot, req.question, { ...(req.municipality ? { municipality: req.municipality } : {}), k: req.k });
    const reply: WorkerReply = {
      id: req.id,
      ok: true,
      result: { ...r, hits: r.hits.map((h) => ({ index: h.index, score: h.score })) },
    };
    parentPort!.postMessage(reply);
  } catch (error) {
    const e = error as Error & { code?: string; status?: number };
    parentPort!.postMessage({ id: req.id, ok: false, error: { message: e.message, code: e.code, status: e.status } } satisfies WorkerReply);
  }
});
