import { createReadStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { Decompounder } from "../text/decompound.js";
import { GermanAnalyzer, termFrequencies } from "../text/analyzer.js";
import { foldWord, words } from "../text/normalize.js";
import { BUILTIN_SYNONYMS, SynonymTable } from "../text/synonyms.js";
import { LexicalIndex, type TermCounts } from "./lexical.js";
import { chunkContext, documentKey, type Chunk, type IndexManifest } from "./records.js";
import { VectorIndex, type VectorIndexOptions } from "./vector.js";

/** Weight of title, headings and § title against body text in the lexical index. */
export const CONTEXT_WEIGHT = 2;

/** One published index version, loaded: read-only, shared by all requests. */
export class IndexSnapshot {
  private readonly masks = new Map<string, Uint8Array>();

  /** 1 for each chunk a town may answer from (its own and the shared ones): a typed array, read in the hot loops. */
  maskFor(municipality: string): Uint8Array {
    let mask = this.masks.get(municipality);
    if (!mask) {
      mask = new Uint8Array(this.chunks.length);
      this.chunks.forEach((c, i) => (mask![i] = c.municipality === null || c.municipality === municipality ? 1 : 0));
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

  constructor(
    /** The version folder it was loaded from. */
    readonly dir: string,
    readonly manifest: IndexManifest,
    readonly chunks: Chunk[],
    readonly lexical: LexicalIndex,
    readonly vector: VectorIndex,
    readonly analyzer: GermanAnalyzer,
    /** BM25 over whole documents (all their chunks' terms), and each chunk's document number in it. */
    readonly documents: { index: LexicalIndex; docOf: Int32Array },
  ) {}

  static async load(dir: string, options: VectorIndexOptions = {}): Promise<IndexSnapshot> {
    const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as IndexManifest;
    const [chunks, lexical, vector, vocabulary, docIndex, docOf] = await Promise.all([
      readChunks(path.join(dir, "chunks.jsonl")),
      LexicalIndex.load(dir),
      VectorIndex.load(path.join(dir, "vectors.hnsw"), manifest.dimensions, options),
      readVocabulary(path.join(dir, "vocabulary.json")),
      LexicalIndex.load(dir, "lexical-documents"),
      readFile(path.join(dir, "chunk-documents.bin")).then((b) => new Int32Array(new Uint8Array(b).buffer)),
    ]);
    if (chunks.length !== manifest.chunks || lexical.size !== manifest.chunks || vector.size !== manifest.chunks) {
      throw new Error(
        `index version ${manifest.version} is inconsistent: manifest says ${manifest.chunks} chunks, ` +
          `found ${chunks.length} texts, ${lexical.size} lexical and ${vector.size} vector entries`,
      );
    }
    if (docOf.length !== chunks.length) throw new Error(`index version ${manifest.version} is inconsistent: the document map does not match the chunks`);
    return new IndexSnapshot(dir, manifest, chunks, lexical, vector, analyzerFor(vocabulary), { index: docIndex, docOf });
  }
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
  await writeFile(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
}

async function readChunks(file: string): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  const lines = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim()) chunks.push(JSON.parse(line) as Chunk);
  return chunks;
}

async function readVocabulary(file: string): Promise<Map<string, number>> {
  return new Map(JSON.parse(await readFile(file, "utf8")) as [string, number][]);
}
