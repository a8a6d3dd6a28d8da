import type { EmbeddingModel } from "../embeddings/model.js";
import { AppError } from "../errors.js";
import type { SynonymTable } from "../text/synonyms.js";
import type { Glossary } from "../text/glossary.js";
import { hasNonLatinScript } from "../text/multilingual.js";
import type { Retriever } from "./pool.js";
import { nearWords, wordFamily } from "./variants.js";
import { QUESTION_FRAME } from "../text/stopwords.js";
import type { Chunk } from "../store/records.js";
import type { IndexSnapshot } from "../store/snapshot.js";
import type { LexicalHit, QueryGroup } from "../store/lexical.js";

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
  /** How many specific key terms (not in most documents) the best chunk covers, and their summed rarity. */
  coveredTerms: number;
  coveredWeight: number;
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
  /** Weight of the ranking of whole documents, added to their chunks in the fusion (0: off). */
  documentWeight?: number;
  /** Chunks taken from the vector search (default: as many as from the lexical one). */
  vectorCandidates?: number;
  /** Chunks whose words feed the second, expanded lexical ranking (0: none), how many words, and its fusion weight. */
  feedbackChunks?: number;
  feedbackTerms?: number;
  feedbackWeight?: number;
  /** A municipality's own chunk outranks a shared one of equal score by this factor. */
  ownSourceBoost?: number;
}

export const embedderMismatch = (built: string, configured: string) =>
  new AppError(
    "embedder_mismatch",
    `the published index was built with the embedder "${built}", but "${configured}" is configured: re-run ingestion (npm run ingest)`,
    503,
  );

const RRF_K = 60;
/** Terms rarer than this (BM25 idf) say what a question is about; commoner ones ("Gemeinde") do not. */
const SPECIFIC_IDF = 2;
const SYNONYM_WEIGHT = 0.6;
const SYNONYM_EVIDENCE = 0.7;
const PART_WEIGHT = 0.9;
const FEEDBACK_TERM_WEIGHT = 0.3;

/** Lexical BM25 and HNSW vector search, fused by reciprocal rank, filtered by municipality. */
export class HybridRetriever implements Retriever {
  constructor(
    private readonly embeddings: EmbeddingModel,
    private readonly synonyms: SynonymTable,
    private readonly options: HybridOptions,
    private readonly glossary?: Glossary,
  ) {}

  get embedderId(): string {
    return this.embeddings.id;
  }

  async retrieve(snapshot: IndexSnapshot, question: string, { municipality, k }: RetrieveOptions): Promise<RetrievalResult> {
    if (snapshot.manifest.embedder !== this.embeddings.id) {
      throw embedderMismatch(snapshot.manifest.embedder, this.embeddings.id);
    }
    const { chunks } = snapshot;
    let allow: ((i: number) => boolean) | undefined;
    let share = 1;
    if (municipality && snapshot.manifest.municipalities.length > 1) {
      allow = snapshot.allowFor(municipality);
      share = snapshot.shareFor(municipality);
    }

    // A question in another language is searched with the German terms the glossary finds in it.
    const german = this.glossary?.germanTerms(question) ?? [];
    // Names and numbers in Latin script ("Take Off!", "LGBTQIA+", "Jobcenter", "§ 5") pass through as they are.
    const passThrough = hasNonLatinScript(question) ? (question.match(/[A-Za-zÄÖÜäöüß0-9][\wÄÖÜäöüß+.-]*/g) ?? []) : [];
    const searchText = german.length > 0 || passThrough.length > 0 ? [...german, ...passThrough].join(" ") : question;
    // Glossary matches of question phrases alone ("can I", "gibt es") leave no word to search with.
    // German words from the glossary are spelled right: only the citizen's own words may hold typos.
    const translated = searchText === question ? [] : this.keyTerms(snapshot, searchText, false);
    const keyTerms = translated.length > 0 ? translated : this.keyTerms(snapshot, question, true);
    const groups: QueryGroup[] = keyTerms.map((t) => ({
      term: t.stem,
      weight: 1,
      parts: t.partsOf,
      partWeight: PART_WEIGHT,
      // Related forms of the word ("Inklusion" for "inklusive") count like synonyms.
      synonyms: [...t.alternatives, ...wordFamily(t.stem, snapshot.lexical.terms).filter((f) => !t.alternatives.includes(f))],
      synonymWeight: SYNONYM_WEIGHT,
    }));

    const n = this.options.candidates;
    const lexical = snapshot.lexical.searchGroups(groups, n, allow);
    const feedback = this.options.feedbackChunks ? this.feedbackRanking(snapshot, groups, lexical) : [];
    // A vector weight of 0 switches the vector search off (lexical only: the fastest setting).
    const vector = (this.options.vectorWeight ?? 0.3) > 0 ? snapshot.vector.search(await this.queryVector(searchText), this.options.vectorCandidates ?? n, allow, share) : [];

    // Reciprocal rank fusion: each ranking adds weight / (k + rank) to its chunks.
    const fused = new Map<number, number>();
    const fuse = (ranking: { index: number }[], weight: number) =>
      ranking.forEach((h, rank) => fused.set(h.index, (fused.get(h.index) ?? 0) + weight / (RRF_K + rank + 1)));
    fuse(lexical, this.options.lexicalWeight ?? 1);
    fuse(vector, this.options.vectorWeight ?? 0.3);
    fuse(feedback, this.options.feedbackWeight ?? 0.7);
    const wd = this.options.documentWeight ?? 1;
    if (wd > 0) {
      // Whole documents ranked as well: a chunk whose page as a whole fits the question gains.
      const { index: docs, docOf } = snapshot.documents;
      const docAllow = allow && municipality ? snapshot.documentAllowFor(municipality) : undefined;
      const docRank = new Map(docs.searchGroups(groups, 30, docAllow).map((h, rank) => [h.index, rank]));
      for (const [index, score] of fused) {
        const r = docRank.get(docOf[index]!);
        if (r !== undefined) fused.set(index, score + wd / (RRF_K + r + 1));
      }
    }
    // Small: reciprocal-rank scores differ by under 2 % between neighbouring ranks, so a larger factor would
    // put a town's loosely matching page above the shared page that answers the question.
    const boost = this.options.ownSourceBoost ?? 1.02;
    const hits = [...fused]
      .map(([index, score]) => {
        const chunk = chunks[index]!;
        return { chunk, index, score: municipality && chunk.municipality === municipality ? score * boost : score };
      })
      .sort((a, b) => b.score - a.score)
      .slice(0, k);

    let best = { coverage: 0, coveredTerms: 0, coveredWeight: 0 };
    for (const h of hits.slice(0, 3)) {
      const terms = new Set(snapshot.lexical.termsOf(h.index).keys());
      const covered = keyTerms.filter((t) => isCovered(t, terms) && t.idf >= SPECIFIC_IDF);
      const candidate = { coverage: termCoverage(keyTerms, terms), coveredTerms: covered.length, coveredWeight: covered.reduce((s, t) => s + t.idf, 0) };
      if (candidate.coverage > best.coverage || (candidate.coverage === best.coverage && candidate.coveredWeight > best.coveredWeight)) best = candidate;
    }
    return { hits, ...best, keyTerms };
  }

  /**
   * Pseudo-relevance feedback: the most distinctive words of the best chunks join the question,
   * and the first lexical candidates are ranked again with them; fused with the first ranking, it
   * finds passages that say the same thing in other words ("Ruhezeit" for "wie lange bleibt ein Grab").
   */
  private feedbackRanking(snapshot: IndexSnapshot, groups: QueryGroup[], first: LexicalHit[]): LexicalHit[] {
    if (first.length === 0) return [];
    const weights = new Map<string, number>();
    for (const h of first.slice(0, this.options.feedbackChunks)) {
      const tf = snapshot.lexical.termsOf(h.index);
      let length = 0;
      for (const v of tf.values()) length += v;
      for (const [t, v] of tf) weights.set(t, (weights.get(t) ?? 0) + (v / length) * snapshot.lexical.idf(t));
    }
    const inQuery = new Set(groups.flatMap((g) => [g.term, ...(g.parts ?? []), ...(g.synonyms ?? [])]));
    const extra = [...weights]
      .filter(([t]) => !inQuery.has(t) && !/\d/.test(t))
      .sort((a, b) => b[1] - a[1])
      .slice(0, this.options.feedbackTerms ?? 10)
      .map(([term]) => ({ term, weight: FEEDBACK_TERM_WEIGHT }));
    const added = snapshot.lexical.scoreDocs(first.map((h) => h.index), extra);
    return first.map((h, i) => ({ index: h.index, score: h.score + added[i]! })).sort((a, b) => b.score - a.score);
  }

  /** The question's vector; when an embeddings endpoint fails, the lexical rankings answer alone. */
  private async queryVector(text: string): Promise<number[]> {
    try {
      return await this.embeddings.embedQuery(text);
    } catch {
      return [];
    }
  }

  private keyTerms(snapshot: IndexSnapshot, question: string, typos: boolean): KeyTerm[] {
    const seen = new Set<string>();
    const out: KeyTerm[] = [];
    const words = snapshot.analyzer.analyseWords(question);
    // "Wo finde ich …", "Welche Möglichkeiten …": words of how a question is asked, not what it is about
    // (unless they are all there is).
    const topical = words.filter((w) => !QUESTION_FRAME.has(w.stem));
    for (const w of topical.length > 0 ? topical : words) {
      if (seen.has(w.stem)) continue;
      seen.add(w.stem);
      const alternatives = new Set(this.synonyms.of(w.stem));
      for (const p of w.parts) for (const s of this.synonyms.of(p)) alternatives.add(s);
      // A verb form also searches its infinitive's stem ("abgeholt": "abhol", as in "Abholung").
      if (w.verb) alternatives.add(w.verb);
      // A word the sources never use, and no compound of known words: perhaps a typo.
      if (typos && alternatives.size === 0 && w.parts.length === 0 && snapshot.lexical.documentFrequency(w.stem) === 0) {
        for (const near of nearWords(w.stem, snapshot.lexical.terms)) alternatives.add(near);
      }
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
    // A synonym is weaker evidence than the word itself ("geöffnet" ~ "Sprechzeiten").
    if (terms.has(t.stem) || (t.partsOf.length > 1 && t.partsOf.every((p) => terms.has(p)))) covered += t.idf;
    else if (t.alternatives.some((a) => terms.has(a))) covered += t.idf * SYNONYM_EVIDENCE;
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
