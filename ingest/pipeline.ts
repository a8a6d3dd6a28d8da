import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Config, Source } from "../src/config/schema.js";
import type { EmbeddingModel } from "../src/embeddings/model.js";
import { chunkContext, documentKey, PIPELINE_VERSION, type Chunk, type IndexManifest } from "../src/store/records.js";
import { IndexSnapshot, writeSnapshot } from "../src/store/snapshot.js";
import { VersionStore } from "../src/store/versions.js";
import { chunkDocument } from "./chunk.js";
import { collectSource, type CollectedDocument, type CollectResult, type FetchState, type PreviousFetches } from "./collect.js";
import type { Fetcher } from "./crawl/fetcher.js";
import { acquireLock } from "./lock.js";
import { nothingChanged, type DocumentChange, type IngestReport } from "./report.js";

export interface IngestOptions {
  config: Config;
  dataDir: string;
  embeddings: EmbeddingModel;
  fetcher?: Fetcher;
  /** Only these municipalities' sources (default: all). Others keep their previous chunks. */
  municipalities?: string[];
  log?: (line: string) => void;
  /** Progress of fetching (default: a log line every 25 documents). */
  onProgress?: (done: number, queued: number) => void;
  embedBatch?: number;
}

interface DocumentRecord extends DocumentChange {
  municipality: string | null;
  /** The source it came from (see sourceId). */
  source?: string;
  hash: string;
  chunks: number;
  fetch?: FetchState;
}

/** True when every record still has the source and fetch state (ETag, links) that the published version keeps. */
function sameFetchState(records: DocumentRecord[], previous: Map<string, DocumentRecord>): boolean {
  return records.every((r) => {
    const p = previous.get(documentKey(r.municipality, r.docId));
    return p && p.source === r.source && JSON.stringify(p.fetch ?? null) === JSON.stringify(r.fetch ?? null);
  });
}

function withoutFetchState(record: DocumentRecord): DocumentRecord {
  const { fetch: _fetch, ...rest } = record;
  return rest;
}

/** A source's identity across runs: its town, its kind and where it reads from. */
function sourceId(municipality: string | null, source: Source): string {
  const where = source.type === "website" ? source.startUrls.join(" ") : source.type === "files" ? source.path : source.root;
  return `${municipality ?? "*"} ${source.type} ${where}`;
}

/** How one source fared in this run: what decides whether a previous document it did not deliver is kept. */
interface SourceRun {
  /** Where it reads from, for the editor. */
  label: string;
  /** Failures by every name a document may be known under (URL, fetch key). */
  temporary: Map<string, string>;
  permanent: Set<string>;
  /** Why it was not seen completely (empty: it was). */
  incomplete: string[];
}

function sourceRun(label: string, result: CollectResult): SourceRun {
  const run: SourceRun = { label, temporary: new Map(), permanent: new Set(), incomplete: result.incomplete ?? [] };
  for (const f of result.failures) {
    for (const name of [f.url, f.key]) {
      if (name === undefined) continue;
      if (f.temporary) run.temporary.set(name, f.reason);
      else run.permanent.add(name);
    }
  }
  return run;
}

/**
 * Why a previous document that this run did not deliver stays, or undefined when it is gone. It stays when
 * it failed for now (timeout, 5xx), and when its source could not be crawled completely (start page or
 * sitemap failed for now, robots.txt unreachable) unless the site itself said it is gone (404/410 and the like):
 * an outage must never empty a town's index.
 */
function whyKept(prev: DocumentRecord, run: SourceRun): string | undefined {
  const names = [prev.url, prev.url.replace(/#.*$/, ""), prev.fetch?.key].filter((n): n is string => n !== undefined);
  const failure = names.map((n) => run.temporary.get(n)).find((r) => r !== undefined);
  if (failure !== undefined) return `failed for now (${failure})`;
  if (run.incomplete.length === 0 || names.some((n) => run.permanent.has(n))) return undefined;
  // The details are in the report's `incomplete`, once per source rather than once per page.
  return `not reached: ${run.label} could not be crawled completely this run`;
}

/**
 * One ingestion run: collect every source, chunk, embed what changed, build the indexes
 * in a staging folder, verify them, and publish atomically. The published version stays
 * untouched until the new one is complete.
 */
export async function ingest(options: IngestOptions): Promise<IngestReport> {
  const { config, dataDir, embeddings } = options;
  const log = options.log ?? (() => {});
  const started = Date.now();
  const store = new VersionStore(dataDir, config.keepVersions);
  const release = await acquireLock(store.root);
  try {
    await store.cleanStaging();
    const previous = await loadPrevious(store, embeddings.id);
    const only = options.municipalities ? new Set(options.municipalities) : undefined;

    const collected: { municipality: string | null; source: string; doc: CollectedDocument }[] = [];
    const failures: { url: string; reason: string; temporary: boolean }[] = [];
    const runs = new Map<string, SourceRun>();
    let skippedByRobots = 0;
    const configured = [
      ...config.municipalities.flatMap((m) => m.sources.map((source) => ({ municipality: m.id as string | null, name: m.name, source }))),
      ...config.sharedSources.map((source) => ({ municipality: null, name: "shared", source })),
    ];
    const jobs = configured.filter((j) => !only || (j.municipality !== null && only.has(j.municipality)));
    const collectedSources = new Set(jobs.map((j) => sourceId(j.municipality, j.source)));
    const configuredSources = new Set(configured.map((j) => sourceId(j.municipality, j.source)));
    for (const { municipality, name, source } of jobs) {
      const label = source.type === "website" ? source.startUrls[0] : source.type === "files" ? source.path : source.root;
      log(`${name}: collecting ${label}`);
      const result = await collectSource({
        config,
        dataDir,
        municipality,
        source,
        ...(options.fetcher ? { fetcher: options.fetcher } : {}),
        ...(previous ? { previous: previous.fetchesOf(municipality) } : {}),
        onProgress: options.onProgress ?? ((done, queued) => {
          if (done % 25 === 0 || queued === 0) log(`  ${done} fetched, ${queued} to go`);
        }),
      });
      collected.push(...result.documents.map((doc) => ({ municipality, source: sourceId(municipality, source), doc })));
      failures.push(...result.failures.map(({ url, reason, temporary }) => ({ url, reason, temporary })));
      skippedByRobots += result.skippedByRobots;
      const run = sourceRun(label ?? sourceId(municipality, source), result);
      runs.set(sourceId(municipality, source), run);
      if (run.incomplete.length > 0) {
        log(`  ${run.label} could not be crawled completely (${run.incomplete.join("; ")}): its pages not reached this run are kept.`);
      }
    }

    // Chunk what is new, carry over what did not change, and note the difference to the previous version.
    const chunks: Chunk[] = [];
    const records: DocumentRecord[] = [];
    const seen = new Set<string>();
    for (const { municipality, source, doc: c } of collected) {
      const key = documentKey(municipality, c.docId);
      if (seen.has(key)) continue;
      const prev = previous?.records.get(key);
      if (c.kind === "unchanged" && prev) {
        seen.add(key);
        chunks.push(...previous!.chunksOf(key));
        records.push({ ...prev, source, fetch: c.fetch });
        continue;
      }
      if (c.kind !== "fresh") continue;
      seen.add(key);
      const docChunks = chunkDocument(c.doc, { docId: c.docId, url: c.url, municipality, paged: c.paged });
      const hash = createHash("sha256").update(docChunks.map((x) => x.hash).join(",")).digest("hex").slice(0, 32);
      chunks.push(...docChunks);
      records.push({ docId: c.docId, url: c.url, title: c.doc.title, municipality, source, hash, chunks: docChunks.length, fetch: c.fetch });
    }
    const kept: (DocumentChange & { reason: string })[] = [];
    // Documents that failed for now or were not reached in an outage keep their previous chunks (see whyKept);
    // so do sources not collected in this run (another town, or the configured sources during a one-off run).
    // A full run drops sources no longer configured.
    const fullRun = !only && jobs.length === configured.length;
    for (const [key, prev] of previous?.records ?? []) {
      if (seen.has(key)) continue;
      const notRerun = !collectedSources.has(prev.source ?? "") && !(fullRun && !configuredSources.has(prev.source ?? ""));
      const run = runs.get(prev.source ?? "");
      const reason = run && whyKept(prev, run);
      if (!notRerun && reason === undefined) continue;
      seen.add(key);
      chunks.push(...previous!.chunksOf(key));
      // Chunks of an older extraction: without its fetch state the next run reads the document again, not 304 → reuse.
      records.push(previous!.outdated ? withoutFetchState(prev) : prev);
      if (reason !== undefined) kept.push({ docId: prev.docId, url: prev.url, title: prev.title, reason });
    }
    const prevDocs = previous?.records ?? new Map<string, DocumentRecord>();
    const isNew = (r: DocumentRecord) => !prevDocs.has(documentKey(r.municipality, r.docId));
    const added = records.filter(isNew);
    const changed = records.filter((r) => !isNew(r) && prevDocs.get(documentKey(r.municipality, r.docId))!.hash !== r.hash);
    const unchanged = records.length - added.length - changed.length - kept.length;
    const removed = [...prevDocs].filter(([key]) => !seen.has(key)).map(([, d]) => d);

    // Only chunks whose text is new are embedded; the rest keep their vectors.
    const toEmbed: number[] = [];
    chunks.forEach((c, i) => {
      if (!previous?.vectorByHash.has(c.hash)) toEmbed.push(i);
    });

    const report: IngestReport = {
      version: null,
      published: false,
      startedAt: new Date(started).toISOString(),
      seconds: 0,
      documents: { added, changed, unchanged, removed, kept },
      failures: failures.map(({ url, reason }) => ({ url, reason })),
      incomplete: [...runs.values()].filter((r) => r.incomplete.length > 0).map((r) => ({ source: r.label, reasons: r.incomplete })),
      skippedByRobots,
      chunks: { total: chunks.length, embedded: toEmbed.length, reused: chunks.length - toEmbed.length },
    };
    if (chunks.length === 0) {
      report.seconds = (Date.now() - started) / 1000;
      log("No content was found: the published index stays as it is.");
      return report;
    }
    // A graph built with other settings (hnswM, hnswEfConstruction, or a version from before they were
    // recorded) is built again, from the same vectors.
    const graph = previous?.snapshot.manifest.graph;
    const sameGraph = graph?.m === config.retrieval.hnswM && graph.efConstruction === config.retrieval.hnswEfConstruction;
    if (previous && !sameGraph) log("The vector graph is built again with the configured settings.");
    if (previous && !previous.outdated && sameGraph && added.length + changed.length + removed.length === 0 && sameFetchState(records, previous.records)) {
      // Nothing to publish: the published version already holds exactly this.
      report.version = previous.snapshot.manifest.version;
      report.seconds = (Date.now() - started) / 1000;
      log(nothingChanged(report.version, report.incomplete.length > 0));
      return report;
    }

    const vectors: number[][] = new Array(chunks.length);
    chunks.forEach((c, i) => {
      const old = previous?.vectorByHash.get(c.hash);
      if (old !== undefined) vectors[i] = previous!.snapshot.vector.vector(old);
    });
    const batch = options.embedBatch ?? 256;
    for (let i = 0; i < toEmbed.length; i += batch) {
      const slice = toEmbed.slice(i, i + batch);
      const embedded = await embeddings.embedDocuments(slice.map((j) => `${chunkContext(chunks[j]!)}\n${chunks[j]!.text}`));
      slice.forEach((j, k) => (vectors[j] = embedded[k]!));
      log(`  embedded ${Math.min(i + batch, toEmbed.length)}/${toEmbed.length} chunks`);
    }

    const { version, dir } = await store.stage();
    const manifest: IndexManifest = {
      version,
      pipeline: PIPELINE_VERSION,
      createdAt: new Date().toISOString(),
      embedder: embeddings.id,
      dimensions: vectors[0]!.length,
      chunks: chunks.length,
      documents: records.length,
      municipalities: [...new Set(chunks.map((c) => c.municipality).filter((m): m is string => m !== null))].sort(),
    };
    await writeSnapshot(dir, { manifest, chunks, vectors }, { efSearch: config.retrieval.efSearch, m: config.retrieval.hnswM, efConstruction: config.retrieval.hnswEfConstruction });
    await writeFile(path.join(dir, "documents.json"), JSON.stringify(records, null, 1));
    // Verify before publishing: the version must load and agree with itself.
    await IndexSnapshot.load(dir);
    report.version = version;
    report.published = true;
    report.seconds = (Date.now() - started) / 1000;
    await writeFile(path.join(dir, "report.json"), JSON.stringify(report, null, 2));
    await store.publish(version, dir);
    return report;
  } finally {
    await release();
  }
}

interface Previous {
  snapshot: IndexSnapshot;
  /** Built by an older extraction and analysis: every document is read again and the indexes are rebuilt. */
  outdated: boolean;
  records: Map<string, DocumentRecord>;
  vectorByHash: Map<string, number>;
  chunksOf(key: string): Chunk[];
  fetchesOf(municipality: string | null): PreviousFetches;
}

/** The published version, for change detection and to reuse its chunks and vectors (vectors only if the embedder is the same). */
async function loadPrevious(store: VersionStore, embedderId: string): Promise<Previous | undefined> {
  const version = await store.current();
  if (!version) return undefined;
  try {
    const dir = store.versionDir(version);
    const snapshot = await IndexSnapshot.load(dir);
    const documents = JSON.parse(await readFile(path.join(dir, "documents.json"), "utf8")) as DocumentRecord[];
    const records = new Map(documents.map((d) => [documentKey(d.municipality, d.docId), d]));
    const vectorByHash = new Map<string, number>();
    if (snapshot.manifest.embedder === embedderId) snapshot.chunks.forEach((c, i) => vectorByHash.set(c.hash, i));
    const byKey = new Map<string, Chunk[]>();
    for (const c of snapshot.chunks) {
      const key = documentKey(c.municipality, c.docId);
      const list = byKey.get(key);
      if (list) list.push(c);
      else byKey.set(key, [c]);
    }
    const outdated = snapshot.manifest.pipeline !== PIPELINE_VERSION;
    return {
      snapshot,
      outdated,
      records,
      vectorByHash,
      chunksOf: (key) => byKey.get(key) ?? [],
      fetchesOf: (municipality) =>
        outdated ? new Map() : new Map(documents.filter((d) => d.municipality === municipality && d.fetch).map((d) => [d.fetch!.key, { docId: d.docId, fetch: d.fetch! }])),
    };
  } catch {
    return undefined;
  }
}
