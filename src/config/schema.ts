import { z } from "zod";

const Contact = z.strictObject({
  office: z.string().min(1),
  phone: z.string().min(1).optional(),
  email: z.email().optional(),
  hours: z.string().optional(),
  url: z.string().optional(),
});

const Patterns = z.array(z.string().min(1)).default([]);

/** Where the main text of a page is, and what to drop first (navigation, banners): a site's own layout. */
const Selectors = {
  mainSelectors: z.array(z.string().min(1)).optional(),
  removeSelectors: z.array(z.string().min(1)).optional(),
};

/** A website crawled over HTTP. */
const WebsiteSource = z.strictObject({
  type: z.literal("website"),
  ...Selectors,
  startUrls: z.array(z.url()).min(1),
  sitemaps: z.array(z.url()).default([]),
  /** Hosts the crawler may visit; default: the hosts of the start URLs. */
  allowedHosts: z.array(z.string().min(1)).optional(),
  include: Patterns,
  exclude: Patterns,
  maxPages: z.number().int().positive().default(5000),
});

/**
 * A folder holding a whole website (the demo town): ingestion serves it on 127.0.0.1 and
 * crawls it over HTTP like any other site. URLs are recorded relative to `publicBaseUrl`.
 */
const StaticSiteSource = z.strictObject({
  type: z.literal("static-site"),
  ...Selectors,
  root: z.string().min(1),
  /** The origin the files' own links and sitemap use (e.g. https://www.musterbach.example). */
  siteUrl: z.url().optional(),
  publicBaseUrl: z.string().default(""),
  maxPages: z.number().int().positive().default(5000),
  /** The chat server serves this folder at `/` too (demo mode). */
  serve: z.boolean().default(false),
});

/** Files in a folder (HTML, Markdown, plain text, PDF): for Satzungen an editor has as files. */
const FilesSource = z.strictObject({
  type: z.literal("files"),
  path: z.string().min(1),
  /** Citations link to baseUrl + the file's path; a Markdown file's front matter `url` wins. */
  baseUrl: z.string().default(""),
});

export const Source = z.discriminatedUnion("type", [WebsiteSource, StaticSiteSource, FilesSource]);
export type Source = z.infer<typeof Source>;

export const Municipality = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/, "use lower-case letters, digits and hyphens"),
  name: z.string().min(1),
  contact: Contact,
  sources: z.array(Source).default([]),
});
export type Municipality = z.infer<typeof Municipality>;

const Crawler = z.strictObject({
  userAgent: z.string().min(1).default("auskunft/0.1 (+https://github.com/auskunft; municipal FAQ crawler)"),
  concurrency: z.number().int().min(1).max(32).default(4),
  /** Pause between two requests to the same host, unless robots.txt asks for more. */
  delayMs: z.number().int().min(0).default(250),
  timeoutMs: z.number().int().positive().default(15_000),
  maxBytes: z.number().int().positive().default(20 * 1024 * 1024),
});

const Retrieval = z.strictObject({
  /** Chunks taken from each of the lexical and the vector search before fusion. */
  candidates: z.number().int().min(1).max(500).default(50),
  /** Chunks taken from the vector search; its ranks below this add little to the fusion. */
  vectorCandidates: z.number().int().min(1).max(500).default(20),
  /** Chunks handed to the answerer. */
  topK: z.number().int().min(1).max(50).default(6),
  /** Weights of the lexical and the vector ranking in rank fusion. */
  lexicalWeight: z.number().min(0).max(10).default(1),
  vectorWeight: z.number().min(0).max(10).default(0.3),
  /** Weight of the ranking of whole documents (BM25 over all of a page's chunks) in the fusion. */
  documentWeight: z.number().min(0).max(10).default(1),
  /** Pseudo-relevance feedback: words of the best chunks expand the question in a second lexical ranking. */
  feedbackChunks: z.number().int().min(0).max(20).default(3),
  feedbackTerms: z.number().int().min(1).max(50).default(10),
  feedbackWeight: z.number().min(0).max(10).default(0.7),
  /**
   * Worker threads for retrieval: 0 searches in the server's own thread (right for a small town: no
   * threads to start); "auto" (the default) starts one per core, at most four, when the index published
   * at start holds 20,000 chunks or more (docs/benchmarks.md: at 100,000 chunks two workers answer 50
   * questions in flight about 20 ms sooner at the 95th percentile).
   */
  workers: z.union([z.number().int().min(0).max(16), z.literal("auto")]).default("auto"),
  /**
   * hnswlib search breadth (ef): more finds more of the truly nearest chunks, and costs time. With the
   * default graph (M 24), 160 finds 99.2 % of the exact 10 nearest at 100,000 chunks (128: 98.8 %, 256:
   * 99.5 %), and at least 99.7 % on the evaluation corpora of up to 6,000 chunks (bench/vector-recall.ts).
   * At 100,000 chunks each step of 32 costs 0.1 to 0.3 ms per question; with 50 questions in flight that
   * decides whether the 95th percentile stays under 100 ms (docs/benchmarks.md).
   */
  efSearch: z.number().int().min(10).max(1000).default(160),
  /**
   * How the HNSW graph is built (hnswlib's M and efConstruction; takes effect with the next index version
   * that ingestion publishes, which builds the graph again when these change). M 24 finds at ef 160 what
   * M 16 finds at ef 256 (99.1 % at 100,000 chunks), 15 % faster and in 3 % more memory. M 32 finds a
   * little more at the same ef (99.4 % at ef 160, third session) in a larger index that takes longer to
   * build (bench/vector-recall.ts --build 16:400,32:400 measures it).
   */
  hnswM: z.number().int().min(4).max(64).default(24),
  hnswEfConstruction: z.number().int().min(10).max(2000).default(400),
  /** Below this share of the question's key terms found in the sources, the answer is "not in my sources". */
  minCoverage: z.number().min(0).max(1).default(0.5),
});

/** An OpenAI-compatible endpoint (OpenAI, Azure, vLLM, Ollama, llama.cpp…). The key comes only from OPENAI_API_KEY. */
const Endpoint = {
  model: z.string().min(1).optional(),
  baseUrl: z.url().optional(),
  timeoutMs: z.number().int().positive().default(30_000),
  retries: z.number().int().min(0).max(5).default(1),
};

const Embeddings = z.strictObject({
  provider: z.enum(["local", "openai"]).default("local"),
  /** Width of the local embeddings. */
  dimensions: z.number().int().min(64).max(4096).default(512),
  batchSize: z.number().int().min(1).max(2048).default(128),
  ...Endpoint,
});

const Answer = z.strictObject({
  provider: z.enum(["local", "openai"]).default("local"),
  temperature: z.number().min(0).max(2).default(0.1),
  maxTokens: z.number().int().min(50).max(8000).default(700),
  /** After this many failures of the endpoint within a minute, answer offline for `breakerOpenMs`. */
  breakerFailures: z.number().int().min(1).max(100).default(3),
  breakerOpenMs: z.number().int().min(1000).default(60_000),
  /** A streamed answer that stays silent this long is given up (the offline answer stands in). */
  idleTimeoutMs: z.number().int().min(100).default(15_000),
  ...Endpoint,
});

const Server = z.strictObject({
  /** Questions per minute one client (HTTP) or one connection (socket.io) may ask. */
  askPerMinute: z.number().int().min(1).max(100_000).default(30),
  /** Origins of the town websites that embed the widget (e.g. "https://www.waechtersbach.de"). */
  allowedOrigins: z.array(z.url()).default([]),
});

export const Config = z.strictObject({
  defaultMunicipality: z.string().optional(),
  municipalities: z.array(Municipality).min(1, "configure at least one municipality"),
  /** Sources every town may answer from (district, state, federal): their chunks belong to no single town. */
  sharedSources: z.array(Source).default([]),
  crawler: Crawler.default(Crawler.parse({})),
  retrieval: Retrieval.default(Retrieval.parse({})),
  embeddings: Embeddings.default(Embeddings.parse({})),
  answer: Answer.default(Answer.parse({})),
  server: Server.default(Server.parse({})),
  /** Index versions kept for rollback. */
  keepVersions: z.number().int().min(2).max(50).default(5),
});
export type Config = z.infer<typeof Config>;
