import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import { createEmbeddings, type EmbeddingModel } from "../embeddings/index.js";
import { ExtractiveGenerator } from "../answer/extractive.js";
import { CircuitBreaker } from "../answer/breaker.js";
import { createChatModel, ModelGenerator } from "../answer/model.js";
import { PlainWords } from "../answer/simplify.js";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AskService } from "../answer/service.js";
import { HybridRetriever } from "../retrieval/hybrid.js";
import { RetrievalPool, type Retriever } from "../retrieval/pool.js";
import { IndexHolder } from "../store/holder.js";
import { HNSWLIB_BUILD } from "../store/vector.js";
import { readManifest } from "../store/snapshot.js";
import { VersionStore } from "../store/versions.js";
import { GermanAnalyzer } from "../text/analyzer.js";
import { BUILTIN_SYNONYMS, SynonymTable } from "../text/synonyms.js";
import { Glossary } from "../text/glossary.js";

/** The project's multilingual glossary of administrative terms (shipped with the code, not per town). */
export const GLOSSARY_FILE = path.resolve(import.meta.dirname, "../../data/glossary/terms.tsv");
/** Hard administrative words with plain explanations, for "simpler" answers. */
export const PLAIN_WORDS_FILE = path.resolve(import.meta.dirname, "../../data/glossary/plain-german.tsv");
import { createApp, type App } from "./app.js";

export interface ComposeOptions {
  config: Config;
  dataDir: string;
  logger: Logger;
  publicDir?: string;
  embeddings?: EmbeddingModel;
  /** A chat model instead of the configured endpoint (tests). */
  chatModel?: BaseChatModel;
  askPerMinute?: number;
}

export interface Composed extends App {
  index: IndexHolder;
  service: AskService;
}

export interface AnswerStack {
  index: IndexHolder;
  retriever: Retriever;
  service: AskService;
  close(): Promise<void>;
}

/** Index, retrieval and answering from the configuration: shared by the server and the evaluation. */
export async function createAnswerStack(options: Omit<ComposeOptions, "publicDir" | "askPerMinute">): Promise<AnswerStack> {
  const { config, dataDir, logger } = options;
  let pool: RetrievalPool | undefined;
  const store = new VersionStore(dataDir, config.keepVersions);
  // Given embeddings (evaluation, tests) mean retrieval in this thread: the workers build their own.
  const workers = options.embeddings ? 0 : resolveWorkers(config.retrieval.workers, await publishedChunks(store), availableParallelism());
  const useWorkers = workers > 0;
  if (config.retrieval.workers === "auto" && useWorkers) logger.info({ event: "retrieval_workers", workers }, `a large index: retrieval runs in ${workers} worker threads`);
  const index = new IndexHolder(store, { efSearch: config.retrieval.efSearch, heldByWorkers: useWorkers }, {
    onLoaded: (version, chunks, ms) => logger.info({ event: "index_loaded", version, chunks, ms: Math.round(ms), vectorSearch: HNSWLIB_BUILD }),
    onError: (err) => logger.error({ event: "index_load_failed", err }),
    // Workers load a new version before the server switches to it.
    beforeSwitch: (dir) => pool?.warm(dir),
  });
  const synonyms = BUILTIN_SYNONYMS + "\n" + (await readOptional(path.join(dataDir, "synonyms.txt")));
  const embeddings = options.embeddings ?? createEmbeddings(config.embeddings);
  const hybridOptions = {
    candidates: config.retrieval.candidates,
    vectorCandidates: config.retrieval.vectorCandidates,
    lexicalWeight: config.retrieval.lexicalWeight,
    vectorWeight: config.retrieval.vectorWeight,
    documentWeight: config.retrieval.documentWeight,
    feedbackChunks: config.retrieval.feedbackChunks,
    feedbackTerms: config.retrieval.feedbackTerms,
    feedbackWeight: config.retrieval.feedbackWeight,
  };
  let retriever: Retriever;
  if (useWorkers) {
    pool = new RetrievalPool(
      workers,
      {
        embeddings: config.embeddings,
        env: { OPENAI_API_KEY: process.env.OPENAI_API_KEY, OPENAI_BASE_URL: process.env.OPENAI_BASE_URL },
        synonyms,
        glossaryFile: GLOSSARY_FILE,
        options: hybridOptions,
        efSearch: config.retrieval.efSearch,
      },
      embeddings.id,
    );
    retriever = pool;
  } else {
    retriever = new HybridRetriever(embeddings, new SynonymTable(new GermanAnalyzer(), synonyms), hybridOptions, Glossary.load(GLOSSARY_FILE));
  }
  await index.refresh();
  const plainWords = PlainWords.load(PLAIN_WORDS_FILE);
  const extractive = new ExtractiveGenerator({ minCoverage: config.retrieval.minCoverage, plainWords });
  const model =
    config.answer.provider === "openai"
      ? {
          generator: new ModelGenerator(options.chatModel ?? createChatModel(config.answer), {
            name: config.answer.model ?? "model",
            minCoverage: config.retrieval.minCoverage,
            idleTimeoutMs: config.answer.idleTimeoutMs,
            plainWords,
          }),
          breaker: new CircuitBreaker(config.answer.breakerFailures, config.answer.breakerOpenMs),
        }
      : undefined;
  const service = new AskService({
    config,
    index,
    retriever,
    extractive,
    ...(model ? { model } : {}),
    // The reason only: no question text in the logs.
    onModelFailure: (err) => logger.warn({ event: "model_failed", reason: err.message }),
  });
  return { index, retriever, service, close: async () => await pool?.close() };
}

/** Wires the product from its configuration: the one place that knows every part. */
export async function compose(options: ComposeOptions): Promise<Composed> {
  const { config, dataDir, logger } = options;
  const stack = await createAnswerStack(options);
  const { index, service, retriever } = stack;
  const app = createApp({
    embedderId: retriever.embedderId,
    config,
    dataDir,
    publicDir: options.publicDir ?? path.resolve(import.meta.dirname, "../../public"),
    service,
    index,
    logger,
    askPerMinute: options.askPerMinute ?? config.server.askPerMinute,
  });
  return {
    ...app,
    index,
    service,
    close: async () => {
      index.stop();
      await app.close();
      await stack.close();
    },
  };
}

async function readOptional(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch {
    return "";
  }
}

/** From this many chunks in the published index, `workers: "auto"` starts worker threads. */
export const AUTO_WORKERS_FROM = 20_000;

/** Worker threads for `retrieval.workers` (see the configuration schema): a number as it is, "auto" by index size and cores. */
export function resolveWorkers(setting: number | "auto", chunks: number, cores: number): number {
  if (setting !== "auto") return setting;
  return chunks >= AUTO_WORKERS_FROM && cores >= 2 ? Math.min(cores, 4) : 0;
}

/** Chunks in the version published now (0 when there is none, or it cannot be read: the holder reports that). */
async function publishedChunks(store: VersionStore): Promise<number> {
  try {
    const version = await store.current();
    if (!version) return 0;
    return (await readManifest(store.versionDir(version))).chunks;
  } catch {
    return 0;
  }
}
