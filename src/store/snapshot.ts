import { createReadStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { Decompounder } from "../text/decompound.js";
import { GermanAnalyzer, termFrequencies } from "../text/analyzer.js";
import { foldWord, words } from "../text/normalize.js";
import { BUILTIN_SYNONYMS, SynonymTable } from "../text/synonyms.js";
import { LexicalIndex, type SharedLexicalIndex, type TermCounts } from "./lexical.js";
import { chunkContext, documentKey, pipelineAtLeast, type Chunk, type IndexManifest } from "./records.js";
import { DEFAULT_EF, graphSettings, LEGACY_GRAPH_EF_FACTOR, VectorIndex, type VectorIndexOptions } from "./vector.js";

/** Weight of title, headings and § title against body text in the lexical index. */
export const CONTEXT_WEIGHT = 2;

/** Each chunk's town as a small number: 0 for shared sources, else 1 + its place in `names`. */
export interface ChunkTowns {
  names: string[];
  codes: Uint16Array;
}

/**
 * What a retrieval worker thread needs of a loaded version, in memory the threads share: the lexical
 * indexes, each chunk's document and each chunk's town; no texts (see IndexSnapshot.loadForSearch).
 */
export interface SharedSearchParts {
  lexical: SharedLexicalIndex;
  documents: SharedLexicalIndex;
  docOf: SharedArrayBuffer;
  towns: { names: string[]; codes: SharedArrayBuffer };
}

/**
 * The versions loaded in this thread, by folder, held weakly: the worker pool is told only a folder
 * to warm, and hands the workers that version's shared memory from here.
 */
const loadedVersions = new Map<string, WeakRef<IndexSnapshot>>();

/** The shared search memory of the version in `dir`, if this thread has it loaded. */
export function loadedSearchParts(dir: string): SharedSearchParts | undefined {
  return loadedVersions.get(dir)?.deref()?.searchParts();
}

/** One published index version, loaded: read-only, shared by all requests. */
export class IndexSnapshot {
  private readonly masks = new Map<string, Uint8Array>();
  private readonly shares = new Map<string, number>();

  /** 1 for each chunk a town may answer from (its own and the shared ones): a typed array, read in the hot loops. */
  maskFor(municipality: string): Uint8Array {
    let mask = this.masks.get(municipality);
    if (!mask) {
      const own = this.towns.names.indexOf(municipality) + 1;
      const { codes } = this.towns;
      mask = new Uint8Array(codes.length);
      for (let i = 0; i < codes.length; i++) mask[i] = codes[i] === 0 || codes[i] === own ? 1 : 0;
      this.masks.set(municipality, mask);
    }
    return mask;
  }
  /** The same for whole documents (a document belongs to one town, or is shared). */
  documentMaskFor(municipality: string): Uint8Array {
    const key = `documents:${municipality}`;
    let mask = this.masks.get(key);
    if (!mask) {
      const chunkMask = this.maskFor(municipality);
      mask = new Uint8Array(this.documents.index.size);
      this.documents.docOf.forEach((d, i) => (mask![d] = chunkMask[i]!));
      this.masks.set(key, mask);
    }
    return mask;
  }

  private constructor(
    /** The version folder it was loaded from. */
    readonly dir: string,
    readonly manifest: IndexManifest,
    /** The chunk records; in a retrieval worker only their towns (see loadForSearch). */
    readonly chunks: Chunk[],
    readonly lexical: LexicalIndex,
    readonly vector: VectorIndex,
    readonly analyzer: GermanAnalyzer,
    /** BM25 over whole documents (all their chunks' terms), and each chunk's document number in it. */
    readonly documents: { index: LexicalIndex; docOf: Int32Array },
    private readonly towns: ChunkTowns,
  ) {
    if (chunks.length !== manifest.chunks || lexical.size !== manifest.chunks || vector.size !== manifest.chunks || towns.codes.length !== manifest.chunks) {
      throw new Error(
        `index version ${manifest.version} is inconsistent: manifest says ${manifest.chunks} chunks, ` +
          `found ${chunks.length} texts, ${lexical.size} lexical and ${vector.size} vector entries`,
      );
    }
    if (documents.docOf.length !== manifest.chunks) throw new Error(`index version ${manifest.version} is inconsistent: the document map does not match the chunks`);
    // With several towns, a town's question scans only its own and the shared postings.
    if (towns.names.length > 1 && !lexical.groupedByTown) {
      const count = towns.names.length + 1;
      lexical.groupByTown(towns.codes, count);
      const documentTowns = new Uint16Array(new SharedArrayBuffer(2 * documents.index.size));
      documents.docOf.forEach((d, i) => (documentTowns[d] = towns.codes[i]!));
      documents.index.groupByTown(documentTowns, count);
    }
  }

  /**
   * Accepts the chunks a town may answer from (its own and the shared ones), as maskFor; the chunk
   * index searches these through its postings grouped by town, without asking chunk by chunk.
   */
  allowFor(municipality: string): (index: number) => boolean {
    const town = this.towns.names.indexOf(municipality) + 1;
    if (this.lexical.groupedByTown) return this.lexical.townFilter(town);
    const mask = this.maskFor(municipality);
    return (i) => mask[i] === 1;
  }

  /** What part of all chunks a town may answer from (see allowFor): how wide its vector search must look. */
  shareFor(municipality: string): number {
    let share = this.shares.get(municipality);
    if (share === undefined) {
      const mask = this.maskFor(municipality);
      share = mask.reduce((sum, m) => sum + m, 0) / Math.max(1, mask.length);
      this.shares.set(municipality, share);
    }
    return share;
  }

  /** The same for whole documents. */
  documentAllowFor(municipality: string): (index: number) => boolean {
    const town = this.towns.names.indexOf(municipality) + 1;
    if (this.documents.index.groupedByTown) return this.documents.index.townFilter(town);
    const mask = this.documentMaskFor(municipality);
    return (d) => mask[d] === 1;
  }

  /** The whole version: chunk records and everything retrieval searches. */
  static async load(dir: string, options: VectorIndexOptions = {}): Promise<IndexSnapshot> {
    const manifest = await readManifest(dir);
    const [chunks, lexical, vector, vocabulary, docIndex, docOf] = await Promise.all([
      readChunks(path.join(dir, "chunks.jsonl")),
      // Retrieval reads the terms of its best chunks (feedback, coverage): built now, not at the first question.
      LexicalIndex.load(dir).then((l) => l.indexDocumentTerms()),
      options.heldByWorkers ? VectorIndex.heldByWorkers(manifest.dimensions, manifest.chunks) : VectorIndex.load(path.join(dir, "vectors.hnsw"), manifest.dimensions, vectorOptionsFor(manifest, options)),
      readVocabulary(path.join(dir, "vocabulary.json")),
      LexicalIndex.load(dir, "lexical-documents"),
      readDocumentMap(dir),
    ]);
    const snapshot = new IndexSnapshot(dir, manifest, chunks, lexical, vector, analyzerFor(vocabulary), { index: docIndex, docOf }, townsOf(chunks));
    for (const [d, ref] of loadedVersions) if (!ref.deref()) loadedVersions.delete(d);
    loadedVersions.set(dir, new WeakRef(snapshot));
    return snapshot;
  }

  /**
   * What a retrieval worker needs: the search indexes, without the chunks' texts, which only the
   * main thread keeps (a worker's heap stays small, and its garbage collection quick). The lexical
   * indexes and chunk maps come from `shared` (the main thread's memory, no copy) when given, else
   * from the files. The vector index is always the worker's own: hnswlib cannot share one.
   */
  static async loadForSearch(dir: string, options: VectorIndexOptions = {}, shared?: SharedSearchParts): Promise<IndexSnapshot> {
    const manifest = await readManifest(dir);
    const [vector, vocabulary] = await Promise.all([
      VectorIndex.load(path.join(dir, "vectors.hnsw"), manifest.dimensions, vectorOptionsFor(manifest, options)),
      readVocabulary(path.join(dir, "vocabulary.json")),
    ]);
    const [lexical, docIndex, docOf, towns] = shared
      ? [
          LexicalIndex.fromShared(shared.lexical),
          LexicalIndex.fromShared(shared.documents),
          new Int32Array(shared.docOf),
          { names: shared.towns.names, codes: new Uint16Array(shared.towns.codes) },
        ]
      : await Promise.all([LexicalIndex.load(dir).then((l) => l.indexDocumentTerms()), LexicalIndex.load(dir, "lexical-documents"), readDocumentMap(dir), readTowns(path.join(dir, "chunks.jsonl"))]);
    const records = [null, ...towns.names].map(townOnlyRecord);
    const chunks = Array.from(towns.codes, (c) => records[c]!);
    return new IndexSnapshot(dir, manifest, chunks, lexical, vector, analyzerFor(vocabulary), { index: docIndex, docOf }, towns);
  }

  /** This version's search memory, for worker threads (see loadForSearch). */
  searchParts(): SharedSearchParts {
    const share = (a: ArrayBufferView) => {
      if (!(a.buffer instanceof SharedArrayBuffer)) throw new Error("this index version is not in shared memory");
      return a.buffer;
    };
    return {
      lexical: this.lexical.shared(),
      documents: this.documents.index.shared(),
      docOf: share(this.documents.docOf),
      towns: { names: this.towns.names, codes: share(this.towns.codes) },
    };
  }
}

/**
 * A chunk record in a retrieval worker, which knows only the chunk's town (retrieval favours a town's
 * own chunks). Reading anything else there is a mistake, and says so instead of reading undefined.
 */
function townOnlyRecord(municipality: string | null): Chunk {
  return new Proxy({ municipality } as Chunk, {
    get(target, key) {
      if (key === "municipality") return target.municipality;
      throw new Error(`a retrieval worker holds no chunk texts or records (read "${String(key)}" in the main thread, from the hit's index)`);
    },
  });
}

/** Each chunk's town as a number, in shared memory. */
function townsOf(chunks: Iterable<Pick<Chunk, "municipality">>): ChunkTowns {
  const names: string[] = [];
  const codeOf = new Map<string, number>();
  const list: number[] = [];
  for (const c of chunks) {
    let code = 0;
    if (c.municipality !== null) {
      code = codeOf.get(c.municipality) ?? 0;
      if (code === 0) codeOf.set(c.municipality, (code = names.push(c.municipality)));
    }
    list.push(code);
  }
  if (names.length >= 0xffff) throw new Error(`an index version with ${names.length} towns is not supported`);
  const codes = new Uint16Array(new SharedArrayBuffer(list.length * 2));
  codes.set(list);
  return { names, codes };
}

export async function readManifest(dir: string): Promise<IndexManifest> {
  return JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as IndexManifest;
}

async function readDocumentMap(dir: string): Promise<Int32Array> {
  const bytes = await readFile(path.join(dir, "chunk-documents.bin"));
  const docOf = new Int32Array(new SharedArrayBuffer(bytes.byteLength & ~3));
  new Uint8Array(docOf.buffer).set(bytes.subarray(0, docOf.byteLength));
  return docOf;
}

export function analyzerFor(vocabulary: ReadonlyMap<string, number>): GermanAnalyzer {
  return new GermanAnalyzer({ decompounder: new Decompounder(vocabulary) });
}

/** How often each folded word occurs in the chunks: the decompounder's lexicon. */
export function countVocabulary(chunks: Iterable<Pick<Chunk, "text" | "title" | "headings" | "section">>): Map<string, number> {
  const vocabulary = new Map<string, number>();
  for (const chunk of chunks) {
    for (const w of words(`${chunkContext(chunk)} ${chunk.text}`)) {
      if (w.length < 3 || /[\d-]/.test(w)) continue;
      const f = foldWord(w);
      vocabulary.set(f, (vocabulary.get(f) ?? 0) + 1);
    }
  }
  return vocabulary;
}

/** Lexical terms of a chunk: context words count more than body words. */
export function chunkTerms(analyzer: GermanAnalyzer, chunk: Chunk): TermCounts {
  const tf = termFrequencies(analyzer.terms(chunk.text));
  for (const [term, w] of termFrequencies(analyzer.terms(chunkContext(chunk)))) {
    tf.set(term, (tf.get(term) ?? 0) + CONTEXT_WEIGHT * w);
  }
  return tf;
}

export interface SnapshotInput {
  manifest: IndexManifest;
  chunks: Chunk[];
  vectors: number[][];
}

/** Builds the lexical and vector indexes for the chunks and writes a complete version into `dir`. */
export async function writeSnapshot(dir: string, input: SnapshotInput, options: VectorIndexOptions = {}): Promise<void> {
  const { manifest, chunks, vectors } = input;
  const vocabulary = countVocabulary(chunks);
  // Words of the synonym table count as known, so that compounds of them split.
  for (const w of SynonymTable.words(BUILTIN_SYNONYMS)) {
    const f = foldWord(w);
    if (!vocabulary.has(f)) vocabulary.set(f, 2);
  }
  const analyzer = analyzerFor(vocabulary);
  const terms = chunks.map((c) => chunkTerms(analyzer, c));
  const lexical = LexicalIndex.build(terms);
  // Whole documents as well: a page that fits the question as a whole lends weight to its chunks.
  const numbers = new Map<string, number>();
  const docOf = new Int32Array(chunks.length);
  const docTerms: Map<string, number>[] = [];
  chunks.forEach((c, i) => {
    const key = documentKey(c.municipality, c.docId);
    let d = numbers.get(key);
    if (d === undefined) {
      numbers.set(key, (d = docTerms.length));
      docTerms.push(new Map());
    }
    docOf[i] = d;
    const into = docTerms[d]!;
    for (const [t, v] of terms[i]!) into.set(t, (into.get(t) ?? 0) + v);
  });
  const documents = LexicalIndex.build(docTerms);
  const vector = VectorIndex.build(vectors, manifest.dimensions, options);
  await writeFile(path.join(dir, "chunks.jsonl"), chunks.map((c) => JSON.stringify(c)).join("\n") + (chunks.length ? "\n" : ""));
  await writeFile(path.join(dir, "vocabulary.json"), JSON.stringify([...vocabulary]));
  await lexical.save(dir);
  await documents.save(dir, "lexical-documents");
  await writeFile(path.join(dir, "chunk-documents.bin"), Buffer.from(docOf.buffer));
  await vector.save(path.join(dir, "vectors.hnsw"));
  // The manifest is written last: a version without one is incomplete.
  await writeFile(path.join(dir, "manifest.json"), JSON.stringify({ ...manifest, vectorsCentred: vector.centred, graph: graphSettings(options) }, null, 2));
}

/**
 * How to load a version's vector index, from what its manifest says. Versions written before the
 * manifest said whether they are centred: from pipeline 2026-11-25.4 on, every index of 1,000 chunks or
 * more was. Versions without a graph in the manifest have M 16 and are searched LEGACY_GRAPH_EF_FACTOR times wider.
 */
export function vectorOptionsFor(manifest: IndexManifest, options: VectorIndexOptions): VectorIndexOptions {
  // 1,000: what the product centred from when these versions were written, whatever the default is now.
  const inferred = pipelineAtLeast(manifest.pipeline, "2026-11-25.4") && manifest.chunks >= 1000 ? true : undefined;
  const centred = manifest.vectorsCentred ?? inferred;
  const legacy = manifest.graph === undefined;
  return {
    ...options,
    ...(centred === undefined ? {} : { centred }),
    ...(legacy ? { efSearch: Math.round((options.efSearch ?? DEFAULT_EF) * LEGACY_GRAPH_EF_FACTOR) } : {}),
  };
}

async function readChunks(file: string): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  const lines = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim()) chunks.push(JSON.parse(line) as Chunk);
  return chunks;
}

/** Only the towns of the chunks: their texts are dropped as they are read. */
async function readTowns(file: string): Promise<ChunkTowns> {
  const towns: Pick<Chunk, "municipality">[] = [];
  const lines = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim()) towns.push({ municipality: (JSON.parse(line) as Chunk).municipality });
  return townsOf(towns);
}

async function readVocabulary(file: string): Promise<Map<string, number>> {
  return new Map(JSON.parse(await readFile(file, "utf8")) as [string, number][]);
}
