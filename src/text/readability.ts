import { splitSentences } from "./sentences.js";

/** Syllables of a German word, counted as groups of vowels (äu, eu, ei, au, ie count once). */
export function syllables(word: string): number {
  return Math.max(1, (word.toLowerCase().match(/(äu|eu|ei|ai|au|ie|[aeiouäöüy])+/g) ?? []).length);
}

export interface Readability {
  sentences: number;
  words: number;
  /** Words per sentence. */
  asl: number;
  /** Flesch Reading Ease for German (Amstad): higher is easier; plain language ≥ 60. */
  amstad: number;
  /** LIX: lower is easier; plain language ≤ 40. */
  lix: number;
}

/** The readability formulas of the public-sector requirements, on German text. */
export function readability(text: string): Readability {
  const clean = text.replace(/\[\d+\]/g, "").replace(/·/g, "");
  const sentences = splitSentences(clean).filter((s) => /\p{L}/u.test(s));
  const words = clean.match(/\p{L}[\p{L}-]*/gu) ?? [];
  const n = Math.max(1, words.length);
  const asl = n / Math.max(1, sentences.length);
  const asw = words.reduce((s, w) => s + syllables(w), 0) / n;
  const long = words.filter((w) => w.replace(/-/g, "").length > 6).length;
  return { sentences: sentences.length, words: words.length, asl, amstad: 180 - asl - 58.5 * asw, lix: asl + (100 * long) / n };
}
