import type { AskResponse, Citation } from "../protocol/messages.js";
import { isCovered, type KeyTerm, type RetrievalResult, type RetrievedChunk } from "../retrieval/hybrid.js";
import type { GermanAnalyzer } from "../text/analyzer.js";
import { splitSentences } from "../text/sentences.js";
import { notInSources } from "./fallback.js";
import { simplifyQuote, SIMPLIFIED_LABEL, type PlainWords } from "./simplify.js";
import type { GenerationInput } from "./answerer.js";

export interface ExtractiveOptions {
  /** Below this coverage of the question's key terms the answer is "not in my sources". */
  minCoverage: number;
  /** Characters of the main passage and of each further one. */
  mainChars?: number;
  extraChars?: number;
  maxPassages?: number;
  /** Explanations of hard words for plain-language answers. */
  plainWords?: PlainWords;
}

interface Sentence {
  text: string;
  score: number;
  /** Covers at least one key term. */
  relevant: boolean;
  item: boolean;
  figure: boolean;
}

interface Passage {
  hit: RetrievedChunk;
  sentences: string[];
  score: number;
}

/** Words that show the citizen wants a figure: then sentences with amounts, times or periods count more. */
const ASKS_FOR_FIGURE = /\b(kost|wie ?viel|gebühr|preis|betr|wann|frist|uhr|öffnungszeit|offen|geöffnet|lange|dauer|telefon|nummer|euro|steuer|bis wann|wie schnell)/i;
const FIGURE =
  /\d,\d{2}\b|(\d|\b(ein|einer|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|zwölf))\s*(euro|eur|€|prozent|%|uhr|werktagen?|wochen?|monaten?|tagen?|jahren?|stunden?)\b|\d{1,2}[:.]\d{2}\s*(uhr|–|-|bis)|\d{3,}[\s/-]*\d{2,}/i;
const LIST_ITEM = /^(\d+\.|[a-z]\)|[-•–])\s/;
const TABLE_ROW = / · /;

/**
 * The offline answerer: the passage of the best chunk that covers most of the question (a sentence
 * with its neighbours, a whole list or fee table), and a second source where it adds to the first,
 * each followed by its citation number. It says nothing that is not in a source.
 */
export class ExtractiveGenerator {
  readonly name = "extractive";

  constructor(private readonly options: ExtractiveOptions) {}

  compose({ municipality, retrieval, analyzer, question, style }: GenerationInput): AskResponse {
    const ungrounded: AskResponse = { answer: notInSources(municipality), citations: [], grounded: false, language: "de", generator: this.name };
    if (!isConfident(retrieval, this.options.minCoverage)) return ungrounded;

    const wantsFigure = ASKS_FOR_FIGURE.test(question);
    const passages = this.passages(retrieval.hits.slice(0, 4), retrieval.keyTerms, analyzer, wantsFigure);
    if (passages.length === 0) return ungrounded;

    const citations: Citation[] = [];
    const paragraphs: string[] = [];
    for (const p of passages) {
      const { chunk } = p.hit;
      const n = citations.length + 1;
      const quote = p.sentences.join(" ");
      citations.push({
        n,
        title: chunk.title,
        url: chunk.url,
        ...(chunk.section ? { section: chunk.section } : {}),
        quote: quote.length > 300 ? `${quote.slice(0, 297)}…` : quote,
      });
      const where = chunk.section ? `${chunk.title}, ${chunk.section}` : chunk.title;
      paragraphs.push(style === "simple" ? `${where}:\n${simplifyQuote(quote, this.options.plainWords)} [${n}]` : `${where}: ${quote} [${n}]`);
    }
    const intro = style === "simple" ? `${SIMPLIFIED_LABEL}\n\nDas steht in den Quellen der ${municipality.name}:` : `Das steht in den Quellen der ${municipality.name}:`;
    const answer = `${intro}\n\n${paragraphs.join("\n\n")}`;
    return { answer, citations, grounded: true, language: "de", generator: this.name };
  }

  private passages(hits: RetrievedChunk[], keyTerms: KeyTerm[], analyzer: GermanAnalyzer, wantsFigure: boolean): Passage[] {
    const totalIdf = keyTerms.reduce((s, t) => s + t.idf, 0) || 1;
    const scored = hits.map((hit, rank) => {
      const sentences = joinListIntros(splitSentences(hit.chunk.text)).map((text): Sentence => {
        const terms = new Set(analyzer.terms(text).map((t) => t.term));
        const covered = keyTerms.filter((t) => isCovered(t, terms));
        const figure = FIGURE.test(text);
        const item = LIST_ITEM.test(text) || TABLE_ROW.test(text);
        let score = covered.reduce((s, t) => s + t.idf, 0) / totalIdf;
        if (score > 0 && wantsFigure && figure) score += 0.25;
        if (score > 0 && item && !figure) score -= 0.1;
        if (text.split(/\s+/).length < 4) score -= 0.2;
        return { text, score: score - rank * 0.08, relevant: covered.length > 0, item, figure };
      });
      return { hit, sentences };
    });

    const bestOf = (s: { sentences: Sentence[] }) => s.sentences.reduce((b, x, i) => (x.score > (s.sentences[b]?.score ?? -Infinity) ? i : b), 0);
    const order = scored
      .map((s) => ({ ...s, best: bestOf(s) }))
      .filter((s) => s.sentences[s.best] && s.sentences[s.best]!.score > 0)
      .sort((a, b) => b.sentences[b.best]!.score - a.sentences[a.best]!.score);
    const top = order[0];
    if (!top) return [];
    const topScore = top.sentences[top.best]!.score;
    const passages: Passage[] = [{ hit: top.hit, sentences: expand(top.sentences, top.best, this.options.mainChars ?? 600, wantsFigure), score: topScore }];
    for (const other of order.slice(1)) {
      if (passages.length >= (this.options.maxPassages ?? 2)) break;
      const s = other.sentences[other.best]!;
      if (s.score < topScore * 0.8) break;
      if (passages.some((p) => p.sentences.includes(s.text))) continue;
      passages.push({ hit: other.hit, sentences: expand(other.sentences, other.best, this.options.extraChars ?? 300, wantsFigure), score: s.score });
    }
    return passages;
  }
}

/** Offline answers are ready at once: they go out a line at a time, not a word at a time. */
export function streamLines(text: string, onToken: (t: string) => void): void {
  for (const line of text.match(/[^\n]*\n*/g) ?? []) if (line) onToken(line);
}

/**
 * The best sentence with the neighbours that belong to it: the rest of its list or table,
 * and following sentences that are still about the question, within a budget.
 */
function expand(sentences: Sentence[], best: number, budget: number, wantsFigure: boolean): string[] {
  const first = sentences[best]!;
  let from = best;
  let to = best;
  let size = first.text.length;
  const fits = (s: Sentence) => size + s.text.length + 1 <= budget;
  const belongs = (s: Sentence) => (first.item && s.item) || (s.relevant && (!wantsFigure || s.figure || !first.figure));
  while (to + 1 < sentences.length && belongs(sentences[to + 1]!) && fits(sentences[to + 1]!)) size += sentences[++to]!.text.length + 1;
  while (from > 0 && first.item && sentences[from - 1]!.item && fits(sentences[from - 1]!)) size += sentences[--from]!.text.length + 1;
  return sentences.slice(from, to + 1).map((s) => s.text);
}

/**
 * Do the sources cover the question? Either most of its key terms (weighted by rarity) are in one
 * of the best chunks, or, for a long question full of context ("I fly to Spain next month…"),
 * at least two specific terms are.
 */
export function isConfident(r: RetrievalResult, minCoverage: number): boolean {
  if (r.hits.length === 0) return false;
  return r.coverage >= minCoverage || (r.coveredTerms >= 2 && r.coveredWeight >= 6 && r.coverage >= minCoverage / 2);
}

/** "Die Steuer beträgt jährlich" means nothing without the list after it: keep them together. */
export function joinListIntros(sentences: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < sentences.length; i++) {
    let s = sentences[i]!;
    const introduces = !/[.!?]$/.test(s) && !LIST_ITEM.test(s);
    let j = i + 1;
    const items: string[] = [];
    while (introduces && j < sentences.length && items.length < 10 && LIST_ITEM.test(sentences[j]!)) items.push(sentences[j++]!);
    if (items.length > 0 && s.length + items.join(" ").length < 900) {
      s = `${s} ${items.join(" ")}`;
      i = j - 1;
    }
    out.push(s);
  }
  return out;
}
