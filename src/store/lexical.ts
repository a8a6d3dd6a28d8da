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
  /** BM25 length normalisation of each document, computed once. */
  private readonly norms: Float32Array;
  /** Terms of each document (the postings transposed), built when first needed or by indexDocumentTerms. */
  private forward: ForwardIndex | undefined;
  // Scratch space of searchGroups, one slot per document (see there).
  private readonly scores: Float64Array;
  private readonly groupScores: Float64Array;
  private readonly partScores: Float64Array;
  private readonly touched: Int32Array;
  private readonly groupTouched: Int32Array;
  private readonly partTouched: Int32Array;
  private readonly top = new TopK();
  private sharedTerms: SharedArrayBuffer | undefined;
  /** Each term's postings grouped by the documents' towns (see groupByTown). */
  private byTown: TownPostings | undefined;
  private readonly townFilters = new Map<number, TownFilter>();

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
    const n = docLengths.length;
    this.scores = new Float64Array(n);
    this.groupScores = new Float64Array(n);
    this.partScores = new Float64Array(n);
    this.touched = new Int32Array(n);
    this.groupTouched = new Int32Array(n);
    this.partTouched = new Int32Array(n);
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

  /**
   * Top `k` documents for query concepts (see QueryGroup), optionally only those `allow` accepts.
   * Allocation-free in the scan: scores and the lists of touched documents live in typed arrays
   * kept with the index (each holds every document at most once), so a question creates no garbage
   * in proportion to its postings. Weights must be positive; a term with another weight is ignored.
   * Not reentrant: one search at a time per index (JavaScript runs one at a time per thread).
   */
  searchGroups(groups: QueryGroup[], k: number, allow?: (index: number) => boolean): LexicalHit[] {
    // A town filter of this index scans only that town's and the shared postings (see groupByTown).
    const town = allow && this.byTown && (allow as Partial<TownFilter>).codes === this.byTown.codes ? (allow as TownFilter).town : -1;
    const scores = this.scores;
    const touched = this.touched;
    let count = 0;
    const n = this.size;
    for (const g of groups) {
      const alternatives = [...(g.synonyms ?? [])].filter((t) => this.termIds.has(t));
      const parts = g.parts && g.parts.length > 1 ? g.parts : [];
      // A word in most chunks ("Gemeinde" on a town's site) says little and costs the most: skip it
      // when the question has other words.
      if (groups.length > 1 && this.documentFrequency(g.term) > n * COMMON_SHARE && alternatives.length === 0 && parts.length === 0) continue;
      if (alternatives.length === 0 && parts.length === 0) {
        // Just the word: straight into the scores.
        count = this.addScores(g.term, g.weight, scores, touched, count, town);
        continue;
      }
      const groupScores = this.groupScores;
      const groupTouched = this.groupTouched;
      // The word itself and its synonyms: the best of them counts.
      let inGroup = this.maxScores(g.term, g.weight, groupScores, groupTouched, 0, town);
      for (const a of alternatives) inGroup = this.maxScores(a, g.weight * (g.synonymWeight ?? 0.5), groupScores, groupTouched, inGroup, town);
      // The compound's parts count together, as one alternative.
      if (parts.length > 1) {
        const partScores = this.partScores;
        const partTouched = this.partTouched;
        let inParts = 0;
        for (const p of parts) inParts = this.addScores(p, g.weight * (g.partWeight ?? 0.6), partScores, partTouched, inParts, town);
        for (let i = 0; i < inParts; i++) {
          const doc = partTouched[i]!;
          if (groupScores[doc] === 0) groupTouched[inGroup++] = doc;
          groupScores[doc] = Math.max(groupScores[doc]!, partScores[doc]!);
          partScores[doc] = 0;
        }
      }
      for (let i = 0; i < inGroup; i++) {
        const doc = groupTouched[i]!;
        if (scores[doc] === 0) touched[count++] = doc;
        scores[doc] = scores[doc]! + groupScores[doc]!;
        groupScores[doc] = 0;
      }
    }
    const top = this.top;
    top.reset(k);
    // Offered in the order the documents were first touched, as before: ties rank the same. Most
    // cannot enter a full heap: that is checked first, inline, before the filter is asked.
    for (let i = 0; i < count; i++) {
      const doc = touched[i]!;
      const score = scores[doc]!;
      scores[doc] = 0;
      if (top.rejects(score)) continue;
      if (!allow || town >= 0 || allow(doc)) top.offer(doc, score);
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

  /**
   * Builds the terms of each document (the postings transposed) now rather than at the first
   * question, in shared memory (handed to worker threads with `shared`, so they need not build it).
   */
  indexDocumentTerms(): this {
    this.forward ??= this.transpose();
    return this;
  }

  private transpose(): ForwardIndex {
    const n = this.docLengths.length;
    const p = this.postings.length;
    const data = new SharedArrayBuffer(4 * (n + 1 + 2 * p));
    const offsets = new Uint32Array(data, 0, n + 1);
    for (let i = 0; i < p; i++) offsets[this.postings[i]! + 1]!++;
    for (let d = 0; d < n; d++) offsets[d + 1] = offsets[d + 1]! + offsets[d]!;
    const fill = offsets.slice(0, n);
    const termIds = new Uint32Array(data, 4 * (n + 1), p);
    const tfs = new Float32Array(data, 4 * (n + 1 + p), p);
    for (let t = 0; t < this.terms.length; t++) {
      for (let i = this.offsets[t]!; i < this.offsets[t + 1]!; i++) {
        const d = this.postings[i]!;
        const at = fill[d]!++;
        termIds[at] = t;
        tfs[at] = this.tfs[i]!;
      }
    }
    return { data, offsets, termIds, tfs };
  }

  /** Where a term's postings are: all of them, or with a town (not -1) only that town's and the shared ones (see groupByTown). */
  private postingsOf(t: number, town: number): { postings: Uint32Array; tfs: Float32Array; start: number; end: number } {
    if (town < 0) return { postings: this.postings, tfs: this.tfs, start: this.offsets[t]!, end: this.offsets[t + 1]! };
    const { postings, tfs, starts, towns } = this.byTown!;
    return { postings, tfs, start: starts[t * towns + town]!, end: starts[t * towns + town + 1]! };
  }

  /** What a scoring loop over a term's postings needs: its BM25 factor, the length norms and the postings range. */
  private scanOf(term: string, weight: number, town: number) {
    const t = this.termIds.get(term);
    if (t === undefined || !(weight > 0)) return undefined;
    return { w: weight * this.idf(term) * (K1 + 1), norms: this.norms, ...this.postingsOf(t, town) };
  }

  /**
   * Adds the term's BM25 score to `into` for each document holding it; returns the new count of
   * `touched`. (Two loops rather than one with a mode: this is the hottest code of a question.)
   */
  private addScores(term: string, weight: number, into: Float64Array, touched: Int32Array, count: number, town: number): number {
    const scan = this.scanOf(term, weight, town);
    if (!scan) return count;
    const { w, norms, postings, tfs, start, end } = scan;
    for (let p = start; p < end; p++) {
      const doc = postings[p]!;
      const tf = tfs[p]!;
      const old = into[doc]!;
      if (old === 0) touched[count++] = doc;
      into[doc] = old + (w * tf) / (tf + norms[doc]!);
    }
    return count;
  }

  /** Keeps the larger of `into` and the term's BM25 score for each document holding it (as addScores). */
  private maxScores(term: string, weight: number, into: Float64Array, touched: Int32Array, count: number, town: number): number {
    const scan = this.scanOf(term, weight, town);
    if (!scan) return count;
    const { w, norms, postings, tfs, start, end } = scan;
    for (let p = start; p < end; p++) {
      const doc = postings[p]!;
      const tf = tfs[p]!;
      const old = into[doc]!;
      if (old === 0) touched[count++] = doc;
      into[doc] = Math.max(old, (w * tf) / (tf + norms[doc]!));
    }
    return count;
  }

  /**
   * Regroups each term's postings by town (`codes`: each document's town, 0 for shared documents,
   * 1 … towns-1 for the towns), in shared memory: for each town the postings of its own and the
   * shared documents, in the order of all of them. A question for one town then scans only those
   * (with six towns about a quarter) instead of all postings and asking a filter for each document,
   * and touches the documents in the same order, so the ranking is the same to the last tie. The
   * shared postings are held once for every town: with a tenth of the documents shared and six towns,
   * one and a half times the postings.
   */
  groupByTown(codes: Uint16Array, towns: number): this {
    if (codes.length !== this.size) throw new Error(`${codes.length} town codes for ${this.size} documents`);
    const terms = this.terms.length;
    let total = 0;
    for (let p = 0; p < this.postings.length; p++) {
      const c = codes[this.postings[p]!]!;
      if (c >= towns) throw new Error(`town code ${c} out of range`);
      total += c === 0 ? towns : 1;
    }
    const data = new SharedArrayBuffer(4 * (terms * towns + 1 + 2 * total));
    const starts = new Uint32Array(data, 0, terms * towns + 1);
    const postings = new Uint32Array(data, 4 * (terms * towns + 1), total);
    const tfs = new Float32Array(data, 4 * (terms * towns + 1 + total), total);
    const next = new Uint32Array(towns);
    let at = 0;
    for (let t = 0; t < terms; t++) {
      const from = this.offsets[t]!;
      const to = this.offsets[t + 1]!;
      // How many each town's run holds, then where each begins.
      next.fill(0);
      let shared = 0;
      for (let p = from; p < to; p++) {
        const c = codes[this.postings[p]!]!;
        if (c === 0) shared++;
        else next[c]!++;
      }
      for (let c = 0; c < towns; c++) {
        starts[t * towns + c] = at;
        const n = next[c]! + shared;
        next[c] = at;
        at += n;
      }
      for (let p = from; p < to; p++) {
        const doc = this.postings[p]!;
        const c = codes[doc]!;
        // A shared document goes into every town's run (town 0's run holds only these).
        for (let into = c === 0 ? 0 : c; into < (c === 0 ? towns : c + 1); into++) {
          const q = next[into]!++;
          postings[q] = doc;
          tfs[q] = this.tfs[p]!;
        }
      }
    }
    starts[terms * towns] = total;
    this.byTown = { data, codes, towns, starts, postings, tfs };
    this.townFilters.clear();
    return this;
  }

  get groupedByTown(): boolean {
    return this.byTown !== undefined;
  }

  /**
   * The filter to one town's documents and the shared ones (town 0: only the shared ones) that
   * searchGroups applies through the grouped postings; called as a function, it answers for one document.
   */
  townFilter(town: number): TownFilter {
    const byTown = this.byTown;
    if (!byTown) throw new Error("the index is not grouped by town");
    let filter = this.townFilters.get(town);
    if (!filter) {
      const codes = byTown.codes;
      filter = Object.assign((i: number) => codes[i] === 0 || codes[i] === town, { town, codes });
      this.townFilters.set(town, filter);
    }
    return filter;
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

  /**
   * Loads an index written by `save`. Its arrays live in shared memory, so that retrieval worker
   * threads can search the same bytes (see `shared` and `fromShared`) instead of each holding a copy.
   */
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
    // Copied into an aligned buffer (typed arrays need 4-byte alignment), and a shared one.
    const data = new SharedArrayBuffer(bin.byteLength);
    new Uint8Array(data).set(bin);
    if (bin.byteLength !== 4 * (header.terms.length + 1 + 2 * header.postings + header.documents)) throw new Error("lexical index is truncated or corrupt");
    return LexicalIndex.over(header.terms, data, header.postings, header.documents, header.avgLength);
  }

  /** The index's memory and what is needed to search it from another thread (see `fromShared`). */
  shared(): SharedLexicalIndex {
    if (!(this.offsets.buffer instanceof SharedArrayBuffer)) throw new Error("only a loaded lexical index is in shared memory");
    if (!this.sharedTerms) {
      // The terms travel as JSON bytes in shared memory too: a message that carries them costs no copy.
      const bytes = Buffer.from(JSON.stringify(this.terms));
      this.sharedTerms = new SharedArrayBuffer(bytes.byteLength);
      new Uint8Array(this.sharedTerms).set(bytes);
    }
    return {
      data: this.offsets.buffer,
      ...(this.forward ? { documentTerms: this.forward.data } : {}),
      ...(this.byTown
        ? { byTown: { data: this.byTown.data, codes: this.byTown.codes.buffer as SharedArrayBuffer, towns: this.byTown.towns, postings: this.byTown.postings.length } }
        : {}),
      terms: this.sharedTerms,
      postings: this.postings.length,
      documents: this.size,
      avgLength: this.avgLength,
    };
  }

  /** The index another thread loaded, over the same memory. */
  static fromShared(s: SharedLexicalIndex): LexicalIndex {
    const terms = JSON.parse(Buffer.from(s.terms).toString("utf8")) as string[];
    const index = LexicalIndex.over(terms, s.data, s.postings, s.documents, s.avgLength);
    if (s.documentTerms) {
      const n = s.documents;
      const data = s.documentTerms;
      index.forward = { data, offsets: new Uint32Array(data, 0, n + 1), termIds: new Uint32Array(data, 4 * (n + 1), s.postings), tfs: new Float32Array(data, 4 * (n + 1 + s.postings), s.postings) };
    }
    if (s.byTown) {
      const { data, towns, postings } = s.byTown;
      const terms = index.terms.length;
      index.byTown = {
        data,
        codes: new Uint16Array(s.byTown.codes),
        towns,
        starts: new Uint32Array(data, 0, terms * towns + 1),
        postings: new Uint32Array(data, 4 * (terms * towns + 1), postings),
        tfs: new Float32Array(data, 4 * (terms * towns + 1 + postings), postings),
      };
    }
    return index;
  }

  /** The arrays in the layout of the .bin file: offsets, postings, term frequencies, document lengths. */
  private static over(terms: string[], data: ArrayBufferLike, postings: number, documents: number, avgLength: number): LexicalIndex {
    let at = 0;
    const take = <T>(make: (o: number, n: number) => T, n: number): T => {
      const arr = make(at, n);
      at += n * 4;
      return arr;
    };
    const offsets = take((o, n) => new Uint32Array(data, o, n), terms.length + 1);
    const ids = take((o, n) => new Uint32Array(data, o, n), postings);
    const tfs = take((o, n) => new Float32Array(data, o, n), postings);
    const docLengths = take((o, n) => new Float32Array(data, o, n), documents);
    return new LexicalIndex(terms, offsets, ids, tfs, docLengths, avgLength);
  }
}

/**
 * A filter to one town's documents (and the shared ones) that an index grouped by town applies
 * without asking document by document (see LexicalIndex.groupByTown and townFilter). Anything else
 * may call it as the plain predicate it also is.
 */
export type TownFilter = ((index: number) => boolean) & { readonly town: number; readonly codes: Uint16Array };

/**
 * Postings grouped by town: those of term t in the documents of town c and the shared ones run from
 * starts[t * towns + c] to the next start (for c = 0, the shared ones only).
 */
interface TownPostings {
  data: SharedArrayBuffer;
  /** Each document's town, as grouped by. */
  codes: Uint16Array;
  towns: number;
  starts: Uint32Array;
  postings: Uint32Array;
  tfs: Float32Array;
}

/** Terms of each document: for document d, termIds and tfs from offsets[d] to offsets[d + 1]. */
interface ForwardIndex {
  data: SharedArrayBuffer;
  offsets: Uint32Array;
  termIds: Uint32Array;
  tfs: Float32Array;
}

/** A loaded lexical index as it is handed to a worker thread: shared memory and a few numbers. */
export interface SharedLexicalIndex {
  data: SharedArrayBuffer;
  /** The terms of each document, when they were built (indexDocumentTerms). */
  documentTerms?: SharedArrayBuffer;
  /** The postings grouped by town, when they were (groupByTown), and the town codes they were grouped by. */
  byTown?: { data: SharedArrayBuffer; codes: SharedArrayBuffer; towns: number; postings: number };
  /** The sorted terms as UTF-8 JSON. */
  terms: SharedArrayBuffer;
  postings: number;
  documents: number;
  avgLength: number;
}

/**
 * The k best (index, score) pairs seen, kept in a min-heap: no sort of every touched document.
 * The heap lives in two typed arrays that are reused from search to search; its operations (and so
 * the order of equal scores) are those of the object heap it replaced.
 */
class TopK {
  private k = 0;
  private size = 0;
  private indexes = new Int32Array(0);
  private scores = new Float64Array(0);

  reset(k: number): void {
    this.k = Math.max(0, k);
    this.size = 0;
    if (this.indexes.length < this.k) {
      this.indexes = new Int32Array(this.k);
      this.scores = new Float64Array(this.k);
    }
  }

  /** True when `score` cannot enter: the heap is full and its smallest is at least as good. Small enough to be inlined. */
  rejects(score: number): boolean {
    return this.size === this.k && score <= this.scores[0]!;
  }

  offer(index: number, score: number): void {
    const { indexes, scores, k } = this;
    if (this.rejects(score)) return;
    if (this.size < k) {
      let i = this.size++;
      indexes[i] = index;
      scores[i] = score;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (scores[parent]! <= scores[i]!) break;
        this.swap(parent, i);
        i = parent;
      }
    } else if (k > 0 && score > scores[0]!) {
      indexes[0] = index;
      scores[0] = score;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.size && scores[l]! < scores[m]!) m = l;
        if (r < this.size && scores[r]! < scores[m]!) m = r;
        if (m === i) break;
        this.swap(m, i);
        i = m;
      }
    }
  }

  /** Best first; equal scores keep their order in the heap (a stable sort). */
  sorted(): LexicalHit[] {
    const out: LexicalHit[] = [];
    for (let i = 0; i < this.size; i++) out.push({ index: this.indexes[i]!, score: this.scores[i]! });
    return out.sort((a, b) => b.score - a.score);
  }

  private swap(a: number, b: number): void {
    const i = this.indexes[a]!;
    this.indexes[a] = this.indexes[b]!;
    this.indexes[b] = i;
    const s = this.scores[a]!;
    this.scores[a] = this.scores[b]!;
    this.scores[b] = s;
  }
}
