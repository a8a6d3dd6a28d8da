import snowball from "snowball-stemmers";
import { foldWord, words } from "./normalize.js";
import { GERMAN_STOPWORDS } from "./stopwords.js";
import { Decompounder } from "./decompound.js";

const stemmer = snowball.newStemmer("german");

export interface Term {
  term: string;
  weight: number;
}

/** One analysed word: its stem and, for a compound, the stems of its parts. */
export interface AnalysedWord {
  surface: string;
  stem: string;
  parts: string[];
}

/** Stem of a folded word; numbers and very short tokens stay as they are. */
export function stem(folded: string): string {
  if (folded.length <= 3 || /\d/.test(folded)) return folded;
  return stemmer.stem(folded);
}

export interface AnalyzerOptions {
  decompounder?: Decompounder;
  /** Weight of a compound's parts relative to the whole word. */
  partWeight?: number;
}

/**
 * German analysis for lexical retrieval: fold spelling, drop stop words, stem,
 * and split compounds against the corpus vocabulary so that "Hundesteuer" meets
 * "Steuer für jeden Hund".
 */
export class GermanAnalyzer {
  private readonly decompounder: Decompounder | undefined;
  private readonly partWeight: number;

  constructor(options: AnalyzerOptions = {}) {
    this.decompounder = options.decompounder;
    this.partWeight = options.partWeight ?? 0.6;
  }

  analyseWords(text: string): AnalysedWord[] {
    const out: AnalysedWord[] = [];
    for (const raw of words(text)) {
      const pieces = raw.includes("-") ? [raw.replace(/[-'’]/g, ""), ...raw.split(/[-'’]/)] : [raw];
      const [whole, ...hyphenParts] = pieces.map(foldWord);
      if (!whole || GERMAN_STOPWORDS.has(whole)) continue;
      if (whole.length < 2 && !/\d/.test(whole)) continue;
      const parts = new Set<string>();
      for (const p of hyphenParts) if (p.length > 2 && !GERMAN_STOPWORDS.has(p)) parts.add(stem(p));
      for (const p of this.decompounder?.split(whole) ?? []) parts.add(stem(p));
      const s = stem(whole);
      parts.delete(s);
      out.push({ surface: whole, stem: s, parts: [...parts] });
    }
    return out;
  }

  /** Weighted terms of a text: each stem once per occurrence, compound parts at a lower weight. */
  terms(text: string): Term[] {
    const out: Term[] = [];
    for (const w of this.analyseWords(text)) {
      out.push({ term: w.stem, weight: 1 });
      for (const p of w.parts) out.push({ term: p, weight: this.partWeight });
    }
    return out;
  }
}

/** Adds up repeated terms. */
export function termFrequencies(terms: Term[]): Map<string, number> {
  const tf = new Map<string, number>();
  for (const { term, weight } of terms) tf.set(term, (tf.get(term) ?? 0) + weight);
  return tf;
}
