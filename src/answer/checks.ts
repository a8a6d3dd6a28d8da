import { splitSentences } from "../text/sentences.js";

export interface Source {
  n: number;
  text: string;
}

export interface CheckResult {
  /** The answer with every failing sentence removed. */
  text: string;
  /** Citation numbers that the remaining text uses, in order of first use. */
  cited: number[];
  /** Sentences removed, with the reason. */
  removed: { sentence: string; reason: string }[];
}

const NUMBER_WORDS: Record<string, string> = {
  zwei: "2", drei: "3", vier: "4", fünf: "5", sechs: "6", sieben: "7", acht: "8", neun: "9", zehn: "10", elf: "11", zwölf: "12",
};
const MARKER = /\[(\d+)\]/g;
/** Amounts of money: "120,00 Euro", "120 €", "1.400,00 EUR". */
const AMOUNT = /(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{2}))?\s*(?:Euro|EUR|€)/gi;

/** The amounts of money in a text, as cents. */
export function amountsOf(text: string): Set<number> {
  const out = new Set<number>();
  for (const m of text.matchAll(AMOUNT)) out.add(Number(m[1]!.replace(/\./g, "")) * 100 + Number(m[2] ?? 0));
  return out;
}
/** Everything with a digit that a citizen could act on: amounts, dates, deadlines, phone numbers, § numbers. */
const FIGURE = /\d[\d.,:/-]*\d|\d/g;

/** The figures a text contains, in forms an answer may legitimately use ("120,00" also as "120"). */
export function figuresOf(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.match(FIGURE) ?? []) {
    const f = m.replace(/[.,:/-]+$/, "");
    out.add(f);
    const whole = /^(\d{1,3}(?:\.\d{3})*|\d+),00$/.exec(f)?.[1];
    if (whole) {
      out.add(whole);
      out.add(whole.replace(/\./g, ""));
    }
    for (const part of f.split(/[-/]/)) if (part) out.add(part);
  }
  for (const w of text.toLowerCase().match(/\p{L}+/gu) ?? []) if (NUMBER_WORDS[w]) out.add(NUMBER_WORDS[w]!);
  return out;
}

/**
 * The checks every generated answer passes before it is sent: each [n] names a source that was
 * given, and each figure (amount, date, deadline, phone number, §) occurs in the sources the
 * sentence cites (or, for a sentence that cites none, in any source given). A failing sentence is removed.
 */
export function checkAnswer(answer: string, sources: Source[]): CheckResult {
  const byNumber = new Map(sources.map((s) => [s.n, s]));
  const allFigures = figuresOf(sources.map((s) => s.text).join("\n"));
  const figureCache = new Map<number, Set<string>>();
  const figuresOfSource = (n: number) => {
    let f = figureCache.get(n);
    if (!f) figureCache.set(n, (f = figuresOf(byNumber.get(n)!.text)));
    return f;
  };
  const allAmounts = amountsOf(sources.map((s) => s.text).join("\n"));
  const removed: CheckResult["removed"] = [];
  const paragraphs: string[] = [];
  for (const paragraph of answer.split(/\n{2,}/)) {
    const kept: string[] = [];
    for (const line of paragraph.split("\n")) {
      // A citation marker ends a claim: "… 120,00 Euro [1]. Dazu …" and "… geworden ist. [4] (2) …".
      const claims = line.split(/(?<=\[\d+\]\.?)\s+/).flatMap((part) => splitSentences(part));
      const sentences = claims.filter((sentence) => {
        const markers = [...sentence.matchAll(MARKER)].map((m) => Number(m[1]));
        const unknown = markers.find((n) => !byNumber.has(n));
        if (unknown !== undefined) {
          removed.push({ sentence, reason: `cites [${unknown}], which was not given` });
          return false;
        }
        const allowed = markers.length > 0 ? new Set(markers.flatMap((n) => [...figuresOfSource(n)])) : allFigures;
        const text = sentence.replace(MARKER, "");
        const invented = [...figuresOf(text)].find((f) => !allowed.has(f));
        if (invented !== undefined) {
          removed.push({ sentence, reason: `"${invented}" is not in the cited source` });
          return false;
        }
        // An amount must be an amount of money in the source, not just a digit that occurs somewhere in it.
        const sourceAmounts = markers.length > 0 ? amountsOf(markers.map((n) => byNumber.get(n)!.text).join("\n")) : allAmounts;
        const wrongAmount = [...amountsOf(text)].find((a) => !sourceAmounts.has(a));
        if (wrongAmount !== undefined) {
          removed.push({ sentence, reason: `the amount ${(wrongAmount / 100).toFixed(2)} Euro is not in the cited source` });
          return false;
        }
        return true;
      });
      if (sentences.length) kept.push(sentences.join(" "));
    }
    if (kept.length) paragraphs.push(kept.join("\n"));
  }
  const text = paragraphs.join("\n\n").trim();
  const cited: number[] = [];
  for (const m of text.matchAll(MARKER)) if (!cited.includes(Number(m[1]))) cited.push(Number(m[1]));
  return { text, cited, removed };
}
