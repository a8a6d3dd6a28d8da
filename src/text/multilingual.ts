import snowball from "snowball-stemmers";

/**
 * Light, language-aware word keys for matching a citizen's question against the glossary:
 * spelling normalised (Arabic letters and diacritics, Persian ye and kaf), inflection removed
 * by Snowball where it has the language, by prefix truncation where it does not (Ukrainian, Polish).
 */
export const LANGUAGES = ["de", "en", "tr", "uk", "ar", "ru", "pl", "ro", "fa"] as const;
export type Language = (typeof LANGUAGES)[number];

const SNOWBALL: Partial<Record<Language, string>> = { en: "english", tr: "turkish", ru: "russian", ro: "romanian", ar: "arabic", de: "german" };
const stemmers = new Map(Object.entries(SNOWBALL).map(([lang, algo]) => [lang, snowball.newStemmer(algo)]));

const ARABIC_PREFIX = /^(وال|بال|كال|فال|لل|ال|و|ف|ب|ل)(?=.{3,})/;
const PERSIAN_SUFFIX = /(های|ها|ان|ی|ای)$/;

export function normalise(word: string, lang: Language): string {
  let w = word.normalize("NFKC").toLowerCase();
  if (lang === "ar" || lang === "fa") {
    w = w
      .replace(/[\u064B-\u065F\u0670\u0640\u200c]/g, "")
      .replace(/[أإآٱ]/g, "ا")
      .replace(/ى/g, "ي")
      .replace(/ی/g, "ي")
      .replace(/ک/g, "ك")
      .replace(/ة/g, "ه");
  }
  return w.replace(/’/g, "'");
}

/** The key of one word: equal keys mean "the same word" for glossary matching. */
export function wordKey(word: string, lang: Language): string {
  let w = normalise(word, lang);
  if (lang === "ar") w = w.replace(ARABIC_PREFIX, "");
  if (lang === "fa") w = w.replace(PERSIAN_SUFFIX, "").replace(/^(ب|ال)(?=.{4,})/, "");
  const stemmer = stemmers.get(lang);
  if (stemmer && lang !== "de") w = stemmer.stem(w);
  if (lang === "uk" || lang === "pl" || lang === "ru") w = w.slice(0, Math.max(4, Math.min(w.length, 6)));
  if (lang === "tr" || lang === "ro") w = w.slice(0, Math.max(4, Math.min(w.length, 7)));
  return w;
}

export function tokens(text: string): string[] {
  return text.normalize("NFKC").match(/[\p{L}\p{M}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? [];
}

/** True when a text holds letters outside the Latin script (Arabic, Cyrillic, Persian…). */
export function hasNonLatinScript(text: string): boolean {
  return /[^\u0000-\u024F\s\p{P}\p{N}\p{S}]/u.test(text);
}

/** The languages a text may be in, by its script and letters (robust for short questions). */
export function candidateLanguages(text: string): Language[] {
  if (/[\u0600-\u06FF]/.test(text)) return /[پچژگکی]/.test(text) ? ["fa", "ar"] : ["ar", "fa"];
  if (/[\u0400-\u04FF]/.test(text)) return /[іїєґ]/i.test(text) ? ["uk"] : /[ыэъё]/i.test(text) ? ["ru"] : ["uk", "ru"];
  if (/[ğışİ]/.test(text)) return ["tr", "en", "de"];
  if (/[ąęłńśźż]/i.test(text)) return ["pl", "en", "de"];
  if (/[ășțâî]/i.test(text)) return ["ro", "en", "de"];
  return ["de", "en", "tr", "pl", "ro"];
}
