import { readFileSync } from "node:fs";
import { candidateLanguages, hasNonLatinScript, LANGUAGES, normalise, tokens, wordKey, type Language } from "./multilingual.js";

/** One administrative concept in every offered language; German first is the official term. */
export interface Concept {
  topic: string;
  terms: Record<Language, string[]>;
}

interface Entry {
  concept: number;
  keys: string[];
  /** The words as written (normalised): short keys must match these exactly. */
  words: string[];
}

/** Keys shorter than this collide too often ("мог" from "могу" and "могила"): compare whole words. */
const MIN_KEY = 4;

export interface GlossaryMatch {
  concept: Concept;
  language: Language;
  /** The words of the question it matched. */
  matched: string;
}

/**
 * The project's multilingual glossary of administrative terms (data/glossary/terms.tsv).
 * It carries the key terms of a question in Arabic, Ukrainian, Turkish… into German, so that
 * the offline retrieval finds German pages; the widget and form help use it for labels.
 */
export class Glossary {
  readonly concepts: Concept[] = [];
  private readonly index = new Map<Language, Map<string, Entry[]>>();

  constructor(tsv: string) {
    const lines = tsv.split("\n").filter((l) => l.trim());
    const header = lines.shift()?.split("\t") ?? [];
    const column = new Map(header.map((h, i) => [h.trim(), i]));
    for (const line of lines) {
      const cells = line.split("\t");
      const terms = Object.fromEntries(
        LANGUAGES.map((lang) => [lang, (cells[column.get(lang) ?? -1] ?? "").split("|").map((t) => t.trim()).filter(Boolean)]),
      ) as Record<Language, string[]>;
      if (terms.de.length === 0) continue;
      const id = this.concepts.push({ topic: (cells[column.get("topic") ?? -1] ?? "").trim(), terms }) - 1;
      for (const lang of LANGUAGES) {
        let byFirst = this.index.get(lang);
        if (!byFirst) this.index.set(lang, (byFirst = new Map()));
        for (const term of terms[lang]) {
          const words = tokens(term).map((t) => normalise(t, lang));
          const keys = tokens(term).map((t) => wordKey(t, lang));
          if (keys.length === 0 || keys.join("").length < 3) continue;
          const list = byFirst.get(keys[0]!) ?? [];
          // Variants with the same keys still differ where short keys must match the word as written
          // ("تأمين صحي" and "التأمين الصحي"): only exact duplicates are dropped.
          const same = (e: Entry) => e.concept === id && e.keys.join(" ") === keys.join(" ") && e.words.join(" ") === words.join(" ");
          if (!list.some(same)) list.push({ concept: id, keys, words });
          byFirst.set(keys[0]!, list);
        }
      }
    }
  }

  static load(file: string): Glossary {
    return new Glossary(readFileSync(file, "utf8"));
  }

  /** Concepts named in a question, longest matches first, in the languages its script allows. */
  match(question: string, languages: Language[] = candidateLanguages(question)): GlossaryMatch[] {
    // Each language the script allows is tried; the one whose glossary covers most words wins
    // (Russian and Ukrainian share most letters, English and Romanian the alphabet).
    let best: { matches: GlossaryMatch[]; words: number } = { matches: [], words: 0 };
    for (const lang of languages) {
      const attempt = this.matchIn(question, lang);
      if (attempt.words > best.words) best = attempt;
    }
    return best.matches;
  }

  private matchIn(question: string, lang: Language): { matches: GlossaryMatch[]; words: number } {
    const byFirst = this.index.get(lang);
    if (!byFirst) return { matches: [], words: 0 };
    const words = tokens(question);
    const keys = words.map((w) => wordKey(w, lang));
    const plain = words.map((w) => normalise(w, lang));
    const used = new Array<boolean>(keys.length).fill(false);
    const hits: { start: number; length: number; exact: boolean; entry: Entry }[] = [];
    keys.forEach((k, i) => {
      for (const entry of byFirst.get(k) ?? []) {
        const same = (ek: string, j: number) => keys[i + j] === ek && (ek.length >= MIN_KEY || plain[i + j] === entry.words[j]);
        if (entry.keys.every(same)) hits.push({ start: i, length: entry.keys.length, exact: entry.words.every((w, j) => plain[i + j] === w), entry });
      }
    });
    // Longest expressions first ("Gelber Sack" before "Sack"); among equals, the word as written
    // before a word that only shares its stem ("консультація" is not "консульство").
    hits.sort((a, b) => b.length - a.length || Number(b.exact) - Number(a.exact));
    const found = new Map<number, GlossaryMatch>();
    for (const h of hits) {
      if (used.slice(h.start, h.start + h.length).some(Boolean)) continue;
      for (let j = h.start; j < h.start + h.length; j++) used[j] = true;
      if (!found.has(h.entry.concept)) {
        found.set(h.entry.concept, { concept: this.concepts[h.entry.concept]!, language: lang, matched: words.slice(h.start, h.start + h.length).join(" ") });
      }
    }
    return { matches: [...found.values()], words: used.filter(Boolean).length };
  }

  /**
   * German words to search with for a question in another language: the official term and
   * the German variants of every concept it names. Empty for a German question.
   */
  germanTerms(question: string): string[] {
    if (looksGerman(question)) return [];
    const matches = this.match(question).filter((m) => m.language !== "de");
    return matches.flatMap((m) => m.concept.terms.de.slice(0, 3));
  }
}

const GERMAN_FUNCTION_WORDS = new Set("der die das den dem des ein eine einen einem ich du wir sie es ist sind wie was wo wann wer warum welche welcher welches und oder nicht mit für von bei im in auf zu zum zur muss kann gibt habe hat mein meine bekomme".split(" "));
const OTHER_FUNCTION_WORDS = new Set("the a an is are how what where when who why which and or not with for of at in on to my can do does i you we bir ve ne nasıl nerede neden için ile mi mı bu nie jak gdzie kiedy czy jest się w na do z że cum unde când ce este și pentru din la nu".split(" "));

/** A question with more German function words than those of other Latin-script languages is German. */
export function looksGerman(question: string): boolean {
  if (hasNonLatinScript(question)) return false;
  let de = 0;
  let other = 0;
  for (const w of tokens(question.toLowerCase())) {
    if (GERMAN_FUNCTION_WORDS.has(w)) de++;
    if (OTHER_FUNCTION_WORDS.has(w)) other++;
  }
  return de > 0 && de >= other;
}
