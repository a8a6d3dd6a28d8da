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

export function simplifyQuote(text: string): string {
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
  return lines.join("\n");
}
