import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/** A document for the lexical index: term frequencies (already weighted by field). */
export type TermCounts = ReadonlyMap<string, number>;

/**
 * One concept of a query: the word itself, its compound parts (which count together, as
 * "Steuer für jeden Hund" answers "Hundesteuer"), and synonyms (which count as alternatives:
 * the best one scores, so that a long synonym list cannot outweigh the rest of the question).
 */
export interface QueryGroup {
  term: string;
  weight: number;
  parts?: string[];
  partWeight?: number;
  synonyms?: string[];
  synonymWeight?: number;
}

export interface LexicalHit {
  index: number;
  score: number;
}

const K1 = 1.2;
// Chunks vary in length less than whole pages; a milder length normalisation measured better (docs/retrieval.md).
const B = 0.5;

/**
 * BM25 over an inverted index held in typed arrays: compact on disk, loaded in one read,
 * and fast enough to score every posting of a query at 100k chunks.
 */
export class LexicalIndex {
  private readonly termIds: Map<string, number>;
  private scores: Float64Array;
  private groupScores: Float64Array;
  private partScores: Float64Array;

  private constructor(
    readonly terms: string[],
    private readonly offsets: Uint32Array,
    private readonly postings: Uint32Array,
    private readonly tfs: Float32Array,
    private readonly docLengths: Float32Array,
    private readonly avgLength: number,
  ) {
    this.termIds = new Map(terms.map((t, i) => [t, i]));
    this.scores = new Float64Array(docLengths.length);
    this.groupScores = new Float64Array(docLengths.length);
    this.partScores = new Float64Array(docLengths.length);
  }

  get size(): number {
    return this.docLengths.length;
  }

  static build(docs: TermCounts[]): LexicalIndex {
    const postingsByTerm = new Map<string, { ids: number[]; tfs: number[] }>();
    const docLengths = new Float32Array(docs.length);
    let total = 0;
    docs.forEach((counts, id) => {
      let len = 0;
      for (const [term, tf] of counts) {
        let p = postingsByTerm.get(term);
        if (!p) postingsByTerm.set(term, (p = { ids: [], tfs: [] }));
        p.ids.push(id);
        p.tfs.push(tf);
        len += tf;
      }
      docLengths[id] = len;
      total += len;
    });
    const terms = [...postingsByTerm.keys()].sort();
    const offsets = new Uint32Array(terms.length + 1);
    let n = 0;
    terms.forEach((t, i) => {
      offsets[i] = n;
      n += postingsByTerm.get(t)!.ids.length;
    });
    offsets[terms.length] = n;
    const postings = new Uint32Array(n);
    const tfs = new Float32Array(n);
    terms.forEach((t, i) => {
      const p = postingsByTerm.get(t)!;
      postings.set(p.ids, offsets[i]!);
      tfs.set(p.tfs, offsets[i]!);
    });
    return new LexicalIndex(terms, offsets, postings, tfs, docLengths, docs.length ? total / docs.length : 0);
  }

  documentFrequency(term: string): number {
    const t = this.termIds.get(term);
    return t === undefined ? 0 : this.offsets[t + 1]! - this.offsets[t]!;
  }

  /** BM25 inverse document frequency; a term the corpus never saw gets the highest. */
  idf(term: string): number {
    const df = this.documentFrequency(term);
    const n = this.size;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** Top `k` documents for weighted query terms, optionally only those `allow` accepts. */
  search(query: TermCounts, k: number, allow?: (index: number) => boolean): LexicalHit[] {
    return this.searchGroups([...query].map(([term, weight]) => ({ term, weight })), k, allow);
  }

  /** Top `k` documents for query concepts (see QueryGroup), optionally only those `allow` accepts. */
  searchGroups(groups: QueryGroup[], k: number, allow?: (index: number) => boolean): LexicalHit[] {
    const scores = this.scores;
    const touched: number[] = [];
    for (const g of groups) {
      const groupTouched: number[] = [];
      // The word itself and its synonyms: the best of them counts.
      this.accumulate(g.term, g.weight, this.groupScores, groupTouched, "max");
      for (const s of g.synonyms ?? []) this.accumulate(s, g.weight * (g.synonymWeight ?? 0.5), this.groupScores, groupTouched, "max");
      // The compound's parts count together, as one alternative.
      if (g.parts && g.parts.length > 1) {
        const partTouched: number[] = [];
        for (const p of g.parts) this.accumulate(p, g.weight * (g.partWeight ?? 0.6), this.partScores, partTouched, "sum");
        for (const doc of partTouched) {
          if (this.groupScores[doc] === 0) groupTouched.push(doc);
          this.groupScores[doc] = Math.max(this.groupScores[doc]!, this.partScores[doc]!);
          this.partScores[doc] = 0;
        }
      }
      for (const doc of groupTouched) {
        if (scores[doc] === 0) touched.push(doc);
        scores[doc] = scores[doc]! + this.groupScores[doc]!;
        this.groupScores[doc] = 0;
      }
    }
    const hits: LexicalHit[] = [];
    for (const doc of touched) {
      if (!allow || allow(doc)) hits.push({ index: doc, score: scores[doc]! });
      scores[doc] = 0;
    }
    hits.sort((a, b) => b.score - a.score);
    return hits.slice(0, k);
  }

  private accumulate(term: string, weight: number, into: Float64Array, touched: number[], mode: "max" | "sum"): void {
    const t = this.termIds.get(term);
    if (t === undefined || weight === 0) return;
    const idf = this.idf(term);
    for (let p = this.offsets[t]!; p < this.offsets[t + 1]!; p++) {
      const doc = this.postings[p]!;
      const tf = this.tfs[p]!;
      const norm = K1 * (1 - B + (B * this.docLengths[doc]!) / (this.avgLength || 1));
      const score = weight * idf * ((tf * (K1 + 1)) / (tf + norm));
      const old = into[doc]!;
      if (old === 0) touched.push(doc);
      into[doc] = mode === "max" ? Math.max(old, score) : old + score;
    }
  }

  async save(dir: string): Promise<void> {
    const header = {
      format: 1,
      avgLength: this.avgLength,
      documents: this.docLengths.length,
      postings: this.postings.length,
      terms: this.terms,
    };
    await writeFile(path.join(dir, "lexical.json"), JSON.stringify(header));
    const parts = [this.offsets, this.postings, this.tfs, this.docLengths].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    await writeFile(path.join(dir, "lexical.bin"), Buffer.concat(parts));
  }

  static async load(dir: string): Promise<LexicalIndex> {
    const header = JSON.parse(await readFile(path.join(dir, "lexical.json"), "utf8")) as {
      format: number;
      avgLength: number;
      documents: number;
      postings: number;
      terms: string[];
    };
    if (header.format !== 1) throw new Error(`lexical index format ${header.format} is not supported`);
    const bin = await readFile(path.join(dir, "lexical.bin"));
    // Copy into an aligned buffer: typed arrays need 4-byte alignment.
    const buf = new ArrayBuffer(bin.byteLength);
    new Uint8Array(buf).set(bin);
    let at = 0;
    const take = <T>(make: (b: ArrayBuffer, o: number, n: number) => T, n: number): T => {
      const arr = make(buf, at, n);
      at += n * 4;
      return arr;
    };
    const offsets = take((b, o, n) => new Uint32Array(b, o, n), header.terms.length + 1);
    const postings = take((b, o, n) => new Uint32Array(b, o, n), header.postings);
    const tfs = take((b, o, n) => new Float32Array(b, o, n), header.postings);
    const docLengths = take((b, o, n) => new Float32Array(b, o, n), header.documents);
    if (at !== bin.byteLength) throw new Error("lexical index is truncated or corrupt");
    return new LexicalIndex(header.terms, offsets, postings, tfs, docLengths, header.avgLength);
  }
}
