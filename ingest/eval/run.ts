import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { parseConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import type { EmbeddingModel } from "../../src/embeddings/model.js";
import { createAnswerStack } from "../../src/server/compose.js";
import { ingest } from "../pipeline.js";
import type { IngestReport } from "../report.js";
import type { QuestionResult } from "./metrics.js";
import type { EvalQuestion } from "./questions.js";

export interface CorpusIndex {
  config: Config;
  dataDir: string;
  report: IngestReport;
  cleanup(): Promise<void>;
}

/** Indexes every supported file below `corpus` in a temporary data folder, through the product's own ingestion. */
export async function indexCorpus(corpus: string, municipality: string, embeddings: EmbeddingModel): Promise<CorpusIndex> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "auskunft-eval-"));
  const config = parseConfig({
    municipalities: [{ id: municipality, name: municipality, contact: { office: "Bürgerbüro" }, sources: [{ type: "files", path: path.resolve(corpus) }] }],
    retrieval: { candidates: 100 },
  });
  const report = await ingest({ config, dataDir, embeddings });
  return { config, dataDir, report, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
}

export interface EvaluateOptions {
  config: Config;
  dataDir: string;
  questions: EvalQuestion[];
  embeddings: EmbeddingModel;
  municipality?: string;
  k?: number;
  answers?: boolean;
}

/** Runs each question through retrieval (and optionally the answerer), ranking documents by their best chunk. */
export async function evaluate(options: EvaluateOptions): Promise<QuestionResult[]> {
  const k = options.k ?? 10;
  const stack = await createAnswerStack({ config: options.config, dataDir: options.dataDir, logger: pino({ level: "silent" }), embeddings: options.embeddings });
  const snapshot = stack.index.current();
  if (!snapshot) throw new Error("the corpus produced no index");
  const results: QuestionResult[] = [];
  for (const q of options.questions) {
    const started = performance.now();
    const retrieval = await stack.retriever.retrieve(snapshot, q.question, {
      ...(options.municipality ? { municipality: options.municipality } : {}),
      k: Math.max(100, k * 10),
    });
    const latencyMs = performance.now() - started;
    const ranked: string[] = [];
    for (const hit of retrieval.hits) if (!ranked.includes(hit.chunk.docId)) ranked.push(hit.chunk.docId);
    const result: QuestionResult = { id: q.id, gold: q.gold, ranked: ranked.slice(0, Math.max(k, 10)), latencyMs };
    if (options.answers) {
      const a = await stack.service.ask({ question: q.question, ...(options.municipality ? { municipality: options.municipality } : {}), ...(q.history ? { history: q.history } : {}) });
      result.answer = { text: a.answer, grounded: a.grounded, ...(q.facts ? { facts: q.facts } : {}) };
    }
    results.push(result);
  }
  stack.index.stop();
  return results;
}
