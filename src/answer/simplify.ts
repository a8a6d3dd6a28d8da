import { readFileSync } from "node:fs";

/**
 * Offline plain-language rendering of quoted source text: one statement per line, enumerations
 * as a list, Absatz numbers and abbreviations written out. Every figure and citation stays: the
 * words are the source's own, only cut and laid out differently. (With a model, the model writes
 * plain language; this is what the offline mode can do honestly.)
 */
const ABBREVIATIONS: [RegExp, string][] = [
  [/\bAbs\.\s?/g, "Absatz "],
  [/\bNr\.\s?/g, "Nummer "],
  [/\bz\.\s?B\./g, "zum Beispiel"],
  [/\bbzw\./g, "beziehungsweise"],
  [/\bggf\./g, "gegebenenfalls"],
  [/\bi\.\s?V\.\s?m\./g, "in Verbindung mit"],
  [/\bgem\./g, "gemäß"],
  [/\bu\.\s?a\./g, "unter anderem"],
  [/\bd\.\s?h\./g, "das heißt"],
  [/\bsog\./g, "so genannte"],
  [/\bca\./g, "circa"],
  [/\binsb\./g, "insbesondere"],
  [/\bvgl\./g, "vergleiche"],
];

export const SIMPLIFIED_LABEL = "Automatisch vereinfacht. Maßgeblich ist der Wortlaut der Quellen.";

/** Hard administrative words and their plain explanation (data/glossary/plain-german.tsv). */
export class PlainWords {
  private readonly entries: { re: RegExp; explanation: string }[];

  constructor(tsv: string) {
    this.entries = tsv
      .split("\n")
      .slice(1)
      .map((l) => l.split("\t"))
      .filter((c): c is [string, string] => c.length >= 2 && !!c[0]!.trim() && !!c[1]!.trim())
      .map(([term, explanation]) => ({ re: new RegExp(`(?<![\\p{L}-])(${escape(term.trim())}\\p{L}{0,2})(?![\\p{L}-])`, "iu"), explanation: explanation.trim() }))
      // Longer terms first: "Steuerbescheid" before "Bescheid".
      .sort((a, b) => b.re.source.length - a.re.source.length);
  }

  static load(file: string): PlainWords {
    return new PlainWords(readFileSync(file, "utf8"));
  }

  /** Explains each hard word once, at its first use, in brackets behind it. */
  explain(text: string): string {
    const taken: { from: number; to: number; explanation: string }[] = [];
    for (const { re, explanation } of this.entries) {
      const m = re.exec(text);
      if (!m || taken.some((t) => t.explanation === explanation || (m.index < t.to && m.index + m[0].length > t.from))) continue;
      taken.push({ from: m.index, to: m.index + m[0].length, explanation });
    }
    let out = text;
    for (const t of taken.sort((a, b) => b.to - a.to)) out = `${out.slice(0, t.to)} (${t.explanation})${out.slice(t.to)}`;
    return out;
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function simplifyQuote(text: string, plain?: PlainWords): string {
  let t = text;
  for (const [re, full] of ABBREVIATIONS) t = t.replace(re, full);
  t = t.replace(/(^|\s)\(\d+[a-z]?\)\s/g, "$1");
  const lines: string[] = [];
  for (const part of t.split(/;\s+|(?<=[.!?])\s+(?=[A-ZÄÖÜ])/)) {
    // "… beträgt jährlich 1. für den ersten Hund 75,00 Euro, 2. für den zweiten …" becomes a list.
    const items = part.split(/\s(?=\d{1,2}\.\s+\p{Ll})/u);
    if (items.length > 1) {
      lines.push(items[0]!.trim().replace(/[,:]?$/, ":"));
      for (const item of items.slice(1)) lines.push(`- ${item.replace(/^\d{1,2}\.\s+/, "").replace(/[,;.]\s*$/, "")}`);
      continue;
    }
    const sentence = part.trim();
    if (sentence) lines.push(`${sentence[0]!.toUpperCase()}${sentence.slice(1)}${/[.!?:]$/.test(sentence) ? "" : "."}`);
  }
  const simple = lines.join("\n");
  return plain ? plain.explain(simple) : simple;
}
