/**
 * Spelling-level normalisation shared by indexing and querying: whatever a citizen types
 * ("Strasse", "muell", "MÜLL") must meet what the page says ("Straße", "Müll").
 */

/** Lower case, ß as ss, transliterated umlauts (ae, oe, ue) folded to plain vowels, accents removed. */
export function foldWord(word: string): string {
  let w = word.normalize("NFC").toLowerCase().replace(/ß/g, "ss");
  // "ue" in "neue", "steuer", "quelle" is not an umlaut: only fold after a consonant.
  w = w.replace(/([^aeiouäöüq])ue/g, "$1u").replace(/([^aeiouäöü])oe/g, "$1o").replace(/([^aeiouäöü])ae/g, "$1a");
  return w
    .replace(/ä/g, "a")
    .replace(/ö/g, "o")
    .replace(/ü/g, "u")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .normalize("NFC");
}

const WORD = /[\p{L}\p{N}]+(?:[-'’][\p{L}\p{N}]+)*/gu;

/** Words of a text in reading order, hyphenated compounds kept together ("Bürger-Amt"). */
export function words(text: string): string[] {
  return text.match(WORD) ?? [];
}
