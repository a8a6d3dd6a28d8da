/**
 * Splits German compounds against a vocabulary of words seen standing alone
 * (Koehn & Knight: the split whose parts are most frequent wins).
 * "hundesteuersatzung" -> ["hunde", "steuer", "satzung"].
 */
const LINKING = ["", "s", "es", "n", "en", "e", "er"];
const MIN_PART = 3;
const MIN_WORD = 7;
const MAX_WORD = 40;
/** Three-letter words that really are compound parts ("Bürgeramt", "Hallenbad"); other short splits are noise. */
const SHORT_PARTS = new Set("amt bad bau weg hof rat tag zug see art arzt bus gas eis tor ort not typ lohn zoo dach haus feld geld kind hund".split(" "));
/** Prefixes, suffixes and function words that a split must not produce ("Ver-sicherung", "Erklär-ung"). */
const NOT_PARTS = new Set(
  "ver ent zer ung keit heit schaft lich ig isch bar sam los haft chen lein tum nis ten ter aus auf vor ein den der die das dem des und oder mit von bei nach fur uber unter sich ist ich wir sie ihr".split(" "),
);

export class Decompounder {
  private readonly cache = new Map<string, string[]>();

  /** `vocabulary`: folded words and how often they occur in the corpus. */
  constructor(private readonly vocabulary: ReadonlyMap<string, number>) {}

  /** The parts of a folded word, or [] when it is no compound of known words. */
  split(word: string): string[] {
    // No real compound is this long; a pasted blob must not cost the server seconds.
    if (word.length < MIN_WORD || word.length > MAX_WORD || /\d/.test(word)) return [];
    const cached = this.cache.get(word);
    if (cached) return cached;
    const best = this.bestSplit(word, 0);
    const parts = best && best.parts.length > 1 ? best.parts : [];
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(word, parts);
    return parts;
  }

  private freq(part: string): number {
    if (part.length < MIN_PART || NOT_PARTS.has(part)) return 0;
    const f = this.vocabulary.get(part) ?? 0;
    // Three-letter parts must be known short nouns, or common in the corpus.
    if (part.length === MIN_PART && !SHORT_PARTS.has(part) && f < 3) return 0;
    return f;
  }

  private bestSplit(word: string, depth: number): { parts: string[]; score: number } | undefined {
    const whole = this.freq(word);
    let best: { parts: string[]; score: number } | undefined =
      whole > 0 && depth > 0 ? { parts: [word], score: Math.log(whole + 1) } : undefined;
    if (depth >= 3) return best;
    for (let i = MIN_PART; i <= word.length - MIN_PART; i++) {
      const head = word.slice(0, i);
      const headFreq = this.headFrequency(head);
      if (headFreq === 0) continue;
      const tail = this.bestSplit(word.slice(i), depth + 1);
      if (!tail) continue;
      const n = tail.parts.length + 1;
      // Geometric mean of the parts' log frequencies, slightly favouring fewer parts.
      const score = (Math.log(headFreq + 1) + tail.score * tail.parts.length) / n - 0.1 * n;
      if (!best || score > best.score) best = { parts: [this.headWord(head), ...tail.parts], score };
    }
    return best;
  }

  private headFrequency(head: string): number {
    let f = this.freq(head);
    for (const link of LINKING) {
      if (link && head.endsWith(link)) f = Math.max(f, this.freq(head.slice(0, -link.length)));
    }
    return f;
  }

  /** The head as a word in its own right: "hunde" stays, "gebuhrens" becomes "gebuhren". */
  private headWord(head: string): string {
    if (this.freq(head) > 0) return head;
    for (const link of LINKING) {
      if (link && head.endsWith(link) && this.freq(head.slice(0, -link.length)) > 0) return head.slice(0, -link.length);
    }
    return head;
  }
}
