import type { EmbeddingModel } from "../embeddings/model.js";
import type { SynonymTable } from "../text/synonyms.js";
import type { Chunk } from "../store/records.js";
import { chunkTerms, type IndexSnapshot } from "../store/snapshot.js";

export interface RetrievedChunk {
  chunk: Chunk;
  /** Position of the chunk in the index version. */
  index: number;
  /** Fused score; only comparable within one result. */
  score: number;
}

export interface RetrievalResult {
  hits: RetrievedChunk[];
  /**
   * Share (0..1, weighted by rarity) of the question's key terms that the best chunk contains,
   * counting synonyms and compound parts: the answerer's confidence that the sources cover it.
   */
  coverage: number;
  /** The question's key terms with their alternatives, for sentence selection. */
  keyTerms: KeyTerm[];
}

export interface KeyTerm {
  stem: string;
  /** Stems that count as this term: synonyms, or all parts of a compound together. */
  alternatives: string[];
  partsOf: string[];
  idf: number;
}

export interface RetrieveOptions {
  municipality?: string;
  k: number;
}

export interface HybridOptions {
  candidates: number;
  /** Weights of the two rankings in reciprocal rank fusion. */
  lexicalWeight?: number;
  vectorWeight?: number;
  /** A municipality's own chunk outranks a shared one of equal score by this factor. */
  ownSourceBoost?: number;
}

export class EmbedderMismatchError extends Error {
  readonly code = "embedder_mismatch";
}

const RRF_K = 60;
const SYNONYM_WEIGHT = 0.5;

/** Lexical BM25 and HNSW vector search, fused by reciprocal rank, filtered by municipality. */
export class HybridRetriever {
  constructor(
    private readonly embeddings: EmbeddingModel,
    private readonly synonyms: SynonymTable,
    private readonly options: HybridOptions,
  ) {}

  async retrieve(snapshot: IndexSnapshot, question: string, { municipality, k }: RetrieveOptions): Promise<RetrievalResult> {
    if (snapshot.manifest.embedder !== this.embeddings.id) {
      throw new EmbedderMismatchError(
        `the published index was built with the embedder "${snapshot.manifest.embedder}", but "${this.embeddings.id}" is configured: re-run ingestion (npm run ingest)`,
      );
    }
    const { chunks } = snapshot;
    const allow =
      municipality && snapshot.manifest.municipalities.length > 1
        ? (i: number) => {
            const m = chunks[i]!.municipality;
            return m === null || m === municipality;
          }
        : undefined;

    const keyTerms = this.keyTerms(snapshot, question);
    const query = new Map<string, number>();
    for (const t of keyTerms) {
      query.set(t.stem, (query.get(t.stem) ?? 0) + 1);
      for (const p of t.partsOf) query.set(p, Math.max(query.get(p) ?? 0, 0.5));
      for (const s of t.alternatives) if (!t.partsOf.includes(s)) query.set(s, Math.max(query.get(s) ?? 0, SYNONYM_WEIGHT));
    }

    const n = this.options.candidates;
    const lexical = snapshot.lexical.search(query, n, allow);
    const vector = snapshot.vector.search(await this.embeddings.embedQuery(question), n, allow);

    const fused = new Map<number, number>();
    const wl = this.options.lexicalWeight ?? 1;
    const wv = this.options.vectorWeight ?? 0.6;
    lexical.forEach((h, rank) => fused.set(h.index, (fused.get(h.index) ?? 0) + wl / (RRF_K + rank + 1)));
    vector.forEach((h, rank) => fused.set(h.index, (fused.get(h.index) ?? 0) + wv / (RRF_K + rank + 1)));
    const boost = this.options.ownSourceBoost ?? 1.1;
    const hits = [...fused]
      .map(([index, score]) => {
        const chunk = chunks[index]!;
        return { chunk, index, score: municipality && chunk.municipality === municipality ? score * boost : score };
      })
      .sort((a, b) => b.score - a.score)
      .slice(0, k);

    const coverage = Math.max(0, ...hits.slice(0, 3).map((h) => termCoverage(keyTerms, new Set(chunkTerms(snapshot.analyzer, h.chunk).keys()))));
    return { hits, coverage, keyTerms };
  }

  private keyTerms(snapshot: IndexSnapshot, question: string): KeyTerm[] {
    const seen = new Set<string>();
    const out: KeyTerm[] = [];
    for (const w of snapshot.analyzer.analyseWords(question)) {
      if (seen.has(w.stem)) continue;
      seen.add(w.stem);
      const alternatives = new Set(this.synonyms.of(w.stem));
      for (const p of w.parts) for (const s of this.synonyms.of(p)) alternatives.add(s);
      out.push({ stem: w.stem, alternatives: [...alternatives], partsOf: w.parts, idf: snapshot.lexical.idf(w.stem) });
    }
    return out;
  }
}

/** Share of the key terms' weight that `terms` covers, directly, through a synonym, or by all compound parts. */
export function termCoverage(keyTerms: KeyTerm[], terms: ReadonlySet<string>): number {
  let total = 0;
  let covered = 0;
  for (const t of keyTerms) {
    total += t.idf;
    if (isCovered(t, terms)) covered += t.idf;
  }
  return total === 0 ? 0 : covered / total;
}

export function isCovered(t: KeyTerm, terms: ReadonlySet<string>): boolean {
  return (
    terms.has(t.stem) ||
    t.alternatives.some((a) => terms.has(a)) ||
    (t.partsOf.length > 1 && t.partsOf.every((p) => terms.has(p)))
  );
}
