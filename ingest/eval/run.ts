import { mkdtemp, readdir, rm } from "node:fs/promises";
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

/** The folder of a corpus in --towns mode whose files belong to every town. */
export const SHARED_FOLDER = "_shared";

/**
 * Indexes every supported file below `corpus` in a temporary data folder, through the product's own ingestion.
 * With `towns`, each top-level folder is a town of its own (id = folder name) and `_shared/` holds sources
 * of all towns, as when several towns run one installation; otherwise the whole corpus is `municipality`'s.
 */
export async function indexCorpus(corpus: string, municipality: string, embeddings: EmbeddingModel, options: { towns?: boolean } = {}): Promise<CorpusIndex> {
  const config = await corpusConfig(corpus, municipality, options);
  const dataDir = await mkdtemp(path.join(tmpdir(), "auskunft-eval-"));
  const report = await ingest({ config, dataDir, embeddings });
  return { config, dataDir, report, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
}

/** The configuration that indexes a corpus (see indexCorpus); `retrieval` overrides the retrieval settings. */
export async function corpusConfig(corpus: string, municipality: string, options: { towns?: boolean; retrieval?: Record<string, unknown> } = {}): Promise<Config> {
  const root = path.resolve(corpus);
  const files = (dir: string) => ({ type: "files" as const, path: dir });
  const town = (id: string, dir: string) => ({ id, name: id, contact: { office: "Bürgerbüro" }, sources: [files(dir)] });
  let towns = [town(municipality, root)];
  let shared: ReturnType<typeof files>[] = [];
  if (options.towns) {
    const entries = await readdir(root, { withFileTypes: true });
    const loose = entries.filter((e) => !e.isDirectory()).map((e) => e.name);
    if (loose.length > 0) throw new Error(`--towns: ${root} holds files outside a town folder (${loose.slice(0, 3).join(", ")}); put them in a town's folder or in ${SHARED_FOLDER}/`);
    const folders = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
    towns = folders.filter((f) => f !== SHARED_FOLDER).map((id) => town(id, path.join(root, id)));
    if (towns.length === 0) throw new Error(`--towns: ${root} has no town folders`);
    if (folders.includes(SHARED_FOLDER)) shared = [files(path.join(root, SHARED_FOLDER))];
  }
  return parseConfig({ municipalities: towns, sharedSources: shared, retrieval: { candidates: 100, ...options.retrieval } });
}

export interface EvaluateOptions {
  config: Config;
  dataDir: string;
  questions: EvalQuestion[];
  embeddings: EmbeddingModel;
  municipality?: string;
  /** The corpus was indexed with `towns`: each question is asked in its own town, document ids name the town's folder. */
  towns?: boolean;
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
  const towns = new Set(options.config.municipalities.map((m) => m.id));
  for (const q of options.questions) {
    const municipality = options.towns ? (q.municipality ?? options.municipality) : options.municipality;
    if (options.towns && (!municipality || !towns.has(municipality))) {
      throw new Error(`question ${q.id}: --towns needs each question's "municipality" (or --municipality) to name a town folder; "${municipality ?? ""}" is none`);
    }
    const started = performance.now();
    const retrieval = await stack.retriever.retrieve(snapshot, q.question, {
      ...(municipality ? { municipality } : {}),
      k: Math.max(100, k * 10),
    });
    const latencyMs = performance.now() - started;
    const ranked: string[] = [];
    for (const hit of retrieval.hits) {
      const id = options.towns ? `${hit.chunk.municipality ?? SHARED_FOLDER}/${hit.chunk.docId}` : hit.chunk.docId;
      if (!ranked.includes(id)) ranked.push(id);
    }
    const result: QuestionResult = { id: q.id, gold: q.gold, ranked: ranked.slice(0, Math.max(k, 10)), latencyMs };
    if (options.answers) {
      const a = await stack.service.ask({ question: q.question, ...(municipality ? { municipality } : {}), ...(q.history ? { history: q.history } : {}) });
      result.answer = { text: a.answer, grounded: a.grounded, ...(q.facts ? { facts: q.facts } : {}) };
    }
    results.push(result);
  }
  stack.index.stop();
  return results;
}
