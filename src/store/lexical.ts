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
/** Share of chunks above which a plain query word is left out of the scan (see searchGroups). */
const COMMON_SHARE = 0.5;

/**
 * BM25 over an inverted index held in typed arrays: compact on disk, loaded in one read,
 * and fast enough to score every posting of a query at 100k chunks.
 */
export class LexicalIndex {
  private readonly termIds: Map<string, number>;
  private scores: Float64Array;
  /** BM25 length normalisation of each document, computed once. */
  private readonly norms: Float32Array;
  /** Terms of each document (the postings transposed), built when first needed. */
  private forward: { offsets: Uint32Array; termIds: Uint32Array; tfs: Float32Array } | undefined;
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
    this.norms = new Float32Array(docLengths.length);
    for (let d = 0; d < docLengths.length; d++) this.norms[d] = K1 * (1 - B + (B * docLengths[d]!) / (avgLength || 1));
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
    const n = this.size;
    for (const g of groups) {
      const alternatives = [...(g.synonyms ?? [])].filter((t) => this.termIds.has(t));
      const parts = g.parts && g.parts.length > 1 ? g.parts : [];
      // A word in most chunks ("Gemeinde" on a town's site) says little and costs the most: skip it
      // when the question has other words.
      if (groups.length > 1 && this.documentFrequency(g.term) > n * COMMON_SHARE && alternatives.length === 0 && parts.length === 0) continue;
      if (alternatives.length === 0 && parts.length === 0) {
        // Just the word: straight into the scores.
        this.accumulate(g.term, g.weight, scores, touched, "sum");
        continue;
      }
      const groupTouched: number[] = [];
      // The word itself and its synonyms: the best of them counts.
      this.accumulate(g.term, g.weight, this.groupScores, groupTouched, "max");
      for (const a of alternatives) this.accumulate(a, g.weight * (g.synonymWeight ?? 0.5), this.groupScores, groupTouched, "max");
      // The compound's parts count together, as one alternative.
      if (parts.length > 1) {
        const partTouched: number[] = [];
        for (const p of parts) this.accumulate(p, g.weight * (g.partWeight ?? 0.6), this.partScores, partTouched, "sum");
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
    const top = new TopK(k);
    for (const doc of touched) {
      if (!allow || allow(doc)) top.offer(doc, scores[doc]!);
      scores[doc] = 0;
    }
    return top.sorted();
  }

  /** BM25 of the given weighted terms for each of `docs` (no index scan: the documents' own terms). */
  scoreDocs(docs: number[], terms: { term: string; weight: number }[]): number[] {
    this.forward ??= this.transpose();
    const wanted = new Map<number, number>();
    for (const { term, weight } of terms) {
      const t = this.termIds.get(term);
      if (t !== undefined) wanted.set(t, (wanted.get(t) ?? 0) + weight * this.idf(term) * (K1 + 1));
    }
    const { offsets, termIds, tfs } = this.forward;
    return docs.map((d) => {
      let score = 0;
      for (let p = offsets[d]!; p < offsets[d + 1]!; p++) {
        const w = wanted.get(termIds[p]!);
        if (w !== undefined) score += (w * tfs[p]!) / (tfs[p]! + this.norms[d]!);
      }
      return score;
    });
  }

  /** The terms of one document with their (field-weighted) frequencies. */
  termsOf(doc: number): Map<string, number> {
    this.forward ??= this.transpose();
    const { offsets, termIds, tfs } = this.forward;
    const out = new Map<string, number>();
    for (let p = offsets[doc]!; p < offsets[doc + 1]!; p++) out.set(this.terms[termIds[p]!]!, tfs[p]!);
    return out;
  }

  private transpose() {
    const n = this.docLengths.length;
    const offsets = new Uint32Array(n + 1);
    for (let p = 0; p < this.postings.length; p++) offsets[this.postings[p]! + 1]!++;
    for (let d = 0; d < n; d++) offsets[d + 1] = offsets[d + 1]! + offsets[d]!;
    const fill = offsets.slice(0, n);
    const termIds = new Uint32Array(this.postings.length);
    const tfs = new Float32Array(this.postings.length);
    for (let t = 0; t < this.terms.length; t++) {
      for (let p = this.offsets[t]!; p < this.offsets[t + 1]!; p++) {
        const d = this.postings[p]!;
        const at = fill[d]!++;
        termIds[at] = t;
        tfs[at] = this.tfs[p]!;
      }
    }
    return { offsets, termIds, tfs };
  }

  private accumulate(term: string, weight: number, into: Float64Array, touched: number[], mode: "max" | "sum"): void {
    const t = this.termIds.get(term);
    if (t === undefined || weight === 0) return;
    const idf = this.idf(term);
    const w = weight * idf * (K1 + 1);
    const end = this.offsets[t + 1]!;
    for (let p = this.offsets[t]!; p < end; p++) {
      const doc = this.postings[p]!;
      const tf = this.tfs[p]!;
      const score = (w * tf) / (tf + this.norms[doc]!);
      const old = into[doc]!;
      if (old === 0) touched.push(doc);
      into[doc] = mode === "max" ? Math.max(old, score) : old + score;
    }
  }

  async save(dir: string, name = "lexical"): Promise<void> {
    const header = {
      format: 1,
      avgLength: this.avgLength,
      documents: this.docLengths.length,
      postings: this.postings.length,
      terms: this.terms,
    };
    await writeFile(path.join(dir, `${name}.json`), JSON.stringify(header));
    const parts = [this.offsets, this.postings, this.tfs, this.docLengths].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    await writeFile(path.join(dir, `${name}.bin`), Buffer.concat(parts));
  }

  static async load(dir: string, name = "lexical"): Promise<LexicalIndex> {
    const header = JSON.parse(await readFile(path.join(dir, `${name}.json`), "utf8")) as {
      format: number;
      avgLength: number;
      documents: number;
      postings: number;
      terms: string[];
    };
    if (header.format !== 1) throw new Error(`lexical index format ${header.format} is not supported`);
    const bin = await readFile(path.join(dir, `${name}.bin`));
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

/** The k best (index, score) pairs seen, kept in a min-heap: no sort of every touched document. */
class TopK {
  private readonly items: LexicalHit[] = [];
  constructor(private readonly k: number) {}

  offer(index: number, score: number): void {
    const h = this.items;
    if (h.length === this.k && score <= h[0]!.score) return;
    if (h.length < this.k) {
      h.push({ index, score });
      let i = h.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (h[parent]!.score <= h[i]!.score) break;
        [h[parent], h[i]] = [h[i]!, h[parent]!];
        i = parent;
      }
    } else if (this.k > 0 && score > h[0]!.score) {
      h[0] = { index, score };
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]!.score < h[m]!.score) m = l;
        if (r < h.length && h[r]!.score < h[m]!.score) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
  }

  sorted(): LexicalHit[] {
    return [...this.items].sort((a, b) => b.score - a.score);
  }
}
