import { Worker } from "node:worker_threads";
import type { Config } from "../config/schema.js";
import { AppError } from "../errors.js";
import type { IndexSnapshot } from "../store/snapshot.js";
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
}

export type WorkerReply =
  | { id: number; ok: true; result?: Omit<RetrievalResult, "hits"> & { hits: { index: number; score: number }[] } }
  | { id: number; ok: false; error: { message: string; code?: string | undefined; status?: number | undefined } };

/** What the answer service needs of retrieval: the in-process retriever and the worker pool both offer it. */
export interface Retriever {
  readonly embedderId: string;
  retrieve(snapshot: IndexSnapshot, question: string, options: RetrieveOptions): Promise<RetrievalResult>;
}

/**
 * Retrieval in worker threads, one per core: each holds the published index; a question goes to the
 * worker with the fewest in flight. The results are mapped back to the main thread's chunks.
 */
export class RetrievalPool implements Retriever {
  private readonly workers: { worker: Worker; pending: Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }> }[] = [];
  private nextId = 1;

  constructor(
    size: number,
    setup: WorkerSetup,
    readonly embedderId: string,
  ) {
    for (let i = 0; i < size; i++) {
      // The worker is TypeScript: worker-boot.mjs loads it through tsx, as the server itself runs.
      const worker = new Worker(new URL("./worker-boot.mjs", import.meta.url), { workerData: setup });
      const pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();
      worker.on("message", (reply: WorkerReply) => {
        pending.get(reply.id)?.resolve(reply);
        pending.delete(reply.id);
      });
      worker.on("error", (error) => {
        for (const p of pending.values()) p.reject(error);
        pending.clear();
      });
      this.workers.push({ worker, pending });
    }
  }

  /** Loads a version in every worker ahead of the first question. */
  async warm(dir: string): Promise<void> {
    await Promise.all(this.workers.map((w) => this.send(w, { id: this.nextId++, dir, k: 0 })));
  }

  async retrieve(snapshot: IndexSnapshot, question: string, options: RetrieveOptions): Promise<RetrievalResult> {
    const w = this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const reply = await this.send(w, {
      id: this.nextId++,
      dir: snapshot.dir,
      question,
      ...(options.municipality ? { municipality: options.municipality } : {}),
      k: options.k,
    });
    if (!reply.ok) throw new AppError(reply.error.code ?? "retrieval_failed", reply.error.message, reply.error.status ?? 500);
    const r = reply.result!;
    return { ...r, hits: r.hits.map((h) => ({ chunk: snapshot.chunks[h.index]!, index: h.index, score: h.score })) };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private send(w: (typeof this.workers)[number], req: WorkerRequest): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      w.pending.set(req.id, { resolve, reject });
      w.worker.postMessage(req);
    });
  }
}
