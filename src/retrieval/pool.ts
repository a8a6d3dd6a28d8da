import { Worker } from "node:worker_threads";
import type { Config } from "../config/schema.js";
import { AppError } from "../errors.js";
import { loadedSearchParts, type IndexSnapshot, type SharedSearchParts } from "../store/snapshot.js";
import type { HybridOptions, RetrievalResult, RetrieveOptions } from "./hybrid.js";

export interface WorkerSetup {
  embeddings: Config["embeddings"];
  env: Record<string, string | undefined>;
  synonyms: string;
  glossaryFile: string;
  options: HybridOptions;
  efSearch: number;
}

export interface WorkerRequest {
  id: number;
  dir: string;
  question?: string;
  municipality?: string;
  k: number;
  /** The version's search memory, when the main thread has it loaded: used by a worker that loads this version. */
  shared?: SharedSearchParts;
}

export type WorkerReply =
  | { id: number; ok: true; result?: Omit<RetrievalResult, "hits"> & { hits: { index: number; score: number }[] } }
  | { id: number; ok: false; error: { message: string; code?: string | undefined; status?: number | undefined; detail?: string } };

/** What the answer service needs of retrieval: the in-process retriever and the worker pool both offer it. */
export interface Retriever {
  readonly embedderId: string;
  retrieve(snapshot: IndexSnapshot, question: string, options: RetrieveOptions): Promise<RetrievalResult>;
}

type Pending = { resolve: (r: WorkerReply) => void; reject: (e: Error) => void };
type Slot = { worker: Worker; pending: Map<number, Pending> };

/**
 * Questions a worker holds at most; the rest wait in the main thread and go to whichever worker
 * finishes first. A burst of questions is thus shared by speed, not dealt out in equal halves up
 * front: a worker slowed down (by garbage collection, or another process on its core) takes fewer.
 * Two keep a worker busy while its last answer travels back.
 */
const PER_WORKER = 2;

/**
 * Retrieval in worker threads, one per core: each searches the published version (the lexical
 * indexes in the main thread's memory, see SharedSearchParts). The results are mapped back to the
 * main thread's chunks.
 */
export class RetrievalPool implements Retriever {
  private readonly workers: Slot[] = [];
  private readonly waiting: ({ req: WorkerRequest } & Pending)[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    size: number,
    private readonly setup: WorkerSetup,
    readonly embedderId: string,
    private readonly timeoutMs = 10_000,
  ) {
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  /** Loads a version in every worker ahead of the first question; fails if a worker cannot load it. */
  async warm(dir: string): Promise<void> {
    const shared = loadedSearchParts(dir);
    const replies = await Promise.all(this.workers.map((w) => this.send(w, { id: this.nextId++, dir, k: 0, ...(shared ? { shared } : {}) }, 120_000)));
    const failed = replies.find((r) => !r.ok);
    if (failed && !failed.ok) throw new Error(`a retrieval worker could not load ${dir}: ${failed.error.detail ?? failed.error.message}`);
  }

  async retrieve(snapshot: IndexSnapshot, question: string, options: RetrieveOptions): Promise<RetrievalResult> {
    const reply = await this.enqueue({
      id: this.nextId++,
      dir: snapshot.dir,
      question,
      ...(options.municipality ? { municipality: options.municipality } : {}),
      k: options.k,
      // Shared memory travels by reference: a few bytes per message, used only by a worker that has yet to load this version.
      shared: snapshot.searchParts(),
    });
    if (!reply.ok) {
      if (reply.error.code) throw new AppError(reply.error.code, reply.error.message, reply.error.status ?? 500);
      throw new Error(`retrieval worker: ${reply.error.detail ?? reply.error.message}`);
    }
    const r = reply.result!;
    return { ...r, hits: r.hits.map((h) => ({ chunk: snapshot.chunks[h.index]!, index: h.index, score: h.score })) };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0)) job.reject(new Error("the retrieval pool was closed"));
    for (const w of this.workers) for (const p of w.pending.values()) p.reject(new Error("the retrieval pool was closed"));
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  /** A worker, replaced by a new one when it dies; its questions in flight fail instead of hanging. */
  private spawn(): Slot {
    // The worker is TypeScript: worker-boot.mjs loads it through tsx, as the server itself runs.
    const worker = new Worker(new URL("./worker-boot.mjs", import.meta.url), { workerData: this.setup });
    const slot: Slot = { worker, pending: new Map() };
    worker.on("message", (reply: WorkerReply) => {
      slot.pending.get(reply.id)?.resolve(reply);
      slot.pending.delete(reply.id);
      this.dispatch();
    });
    const fail = (error: Error) => {
      for (const p of slot.pending.values()) p.reject(error);
      slot.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => {
      fail(new Error(`a retrieval worker stopped (exit code ${code})`));
      if (this.closed) return;
      const i = this.workers.indexOf(slot);
      if (i >= 0) this.workers[i] = this.spawn();
      this.dispatch();
    });
    return slot;
  }

  /** A question for the next free worker (see PER_WORKER). */
  private enqueue(req: WorkerRequest): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error("the retrieval pool was closed"));
      this.waiting.push({ req, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.waiting.length > 0 && !this.closed) {
      // The least busy worker; among equals the first, so that questions one at a time keep going to
      // the same thread with its caches warm (taking turns measured 1 ms slower per question).
      const w = this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      if (w.pending.size >= PER_WORKER) return;
      const job = this.waiting.shift()!;
      this.send(w, job.req).then(job.resolve, job.reject);
    }
  }

  private send(w: Slot, req: WorkerRequest, timeoutMs = this.timeoutMs): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        w.pending.delete(req.id);
        reject(new Error(`a retrieval worker did not answer within ${timeoutMs} ms`));
        this.dispatch();
      }, timeoutMs);
      w.pending.set(req.id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      w.worker.postMessage(req);
    });
  }
}
