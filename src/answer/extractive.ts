import type { Citation } from "../protocol/messages.js";
import { isCovered, type KeyTerm, type RetrievedChunk } from "../retrieval/hybrid.js";
import type { GermanAnalyzer } from "../text/analyzer.js";
import { splitSentences } from "../text/sentences.js";
import { notInSources } from "./fallback.js";
import type { GenerationInput, Generator } from "./answerer.js";
import type { AskResponse } from "../protocol/messages.js";

export interface ExtractiveOptions {
  /** Below this coverage of the question's key terms the answer is "not in my sources". */
  minCoverage: number;
  maxSentences?: number;
  maxChars?: number;
}

interface Candidate {
  hit: RetrievedChunk;
  rank: number;
  position: number;
  text: string;
  score: number;
}

/** Words that show the citizen wants a figure: then sentences with amounts, times or periods count more. */
const ASKS_FOR_FIGURE = /\b(kost|wie ?viel|gebühr|preis|betr|wann|frist|uhr|öffnungszeit|offen|lange|dauer|telefon|nummer|euro|steuer)/i;
const FIGURE = /\d,\d{2}\b|\d\s*(euro|eur|€|prozent|%|uhr|wochen?|monate?n?|tagen?|jahren?|stunden?)\b|\d{1,2}[:.]\d{2}\s*(uhr|–|-)|\d{3,}[\s/-]*\d{2,}/i;

/**
 * The offline answerer: the sentences of the best chunks that cover most of the question,
 * each followed by its citation number. It says nothing that is not in a source.
 */
export class ExtractiveGenerator implements Generator {
  readonly name = "extractive";

  constructor(private readonly options: ExtractiveOptions) {}

  async generate(input: GenerationInput, onToken: (text: string) => void): Promise<AskResponse> {
    const response = this.compose(input);
    for (const piece of response.answer.match(/\S+\s*/g) ?? []) onToken(piece);
    return response;
  }

  compose({ municipality, retrieval, analyzer, question }: GenerationInput): AskResponse {
    const ungrounded: AskResponse = { answer: notInSources(municipality), citations: [], grounded: false, language: "de", generator: this.name };
    if (retrieval.hits.length === 0 || retrieval.coverage < this.options.minCoverage) return ungrounded;

    const wantsFigure = ASKS_FOR_FIGURE.test(question);
    const candidates = this.candidates(retrieval.hits.slice(0, 4), retrieval.keyTerms, analyzer, wantsFigure);
    const best = candidates[0];
    if (!best || best.score <= 0) return ungrounded;

    const chosen = this.select(candidates, best.score);
    const byChunk = new Map<number, Candidate[]>();
    for (const c of chosen) byChunk.set(c.rank, [...(byChunk.get(c.rank) ?? []), c]);
    const citations: Citation[] = [];
    const paragraphs: string[] = [];
    for (const rank of [...byChunk.keys()].sort((a, b) => a - b)) {
      const group = byChunk.get(rank)!.sort((a, b) => a.position - b.position);
      const { chunk } = group[0]!.hit;
      const n = citations.length + 1;
      const quote = group.map((c) => c.text).join(" ");
      citations.push({
        n,
        title: chunk.title,
        url: chunk.url,
        ...(chunk.section ? { section: chunk.section } : {}),
        quote: quote.length > 300 ? `${quote.slice(0, 297)}…` : quote,
      });
      const where = chunk.section ? `${chunk.title}, ${chunk.section}` : chunk.title;
      paragraphs.push(`${where}: ${quote} [${n}]`);
    }
    const answer = `Das steht in den Quellen der ${municipality.name}:\n\n${paragraphs.join("\n\n")}`;
    return { answer, citations, grounded: true, language: "de", generator: this.name };
  }

  private candidates(hits: RetrievedChunk[], keyTerms: KeyTerm[], analyzer: GermanAnalyzer, wantsFigure: boolean): Candidate[] {
    const totalIdf = keyTerms.reduce((s, t) => s + t.idf, 0) || 1;
    const out: Candidate[] = [];
    hits.forEach((hit, rank) => {
      const lines = joinListIntros(splitSentences(hit.chunk.text));
      lines.forEach((text, position) => {
        const terms = new Set(analyzer.terms(text).map((t) => t.term));
        let score = keyTerms.filter((t) => isCovered(t, terms)).reduce((s, t) => s + t.idf, 0) / totalIdf;
        if (score === 0) return;
        if (wantsFigure && FIGURE.test(text)) score += 0.25;
        if (text.split(/\s+/).length < 4) score -= 0.3;
        score -= rank * 0.08;
        out.push({ hit, rank, position, text, score });
      });
    });
    return out.sort((a, b) => b.score - a.score);
  }

  private select(candidates: Candidate[], bestScore: number): Candidate[] {
    const maxSentences = this.options.maxSentences ?? 3;
    const maxChars = this.options.maxChars ?? 900;
    const chosen: Candidate[] = [];
    const perChunk = new Map<number, number>();
    let chars = 0;
    for (const c of candidates) {
      if (chosen.length >= maxSentences) break;
      if (chosen.length > 0 && c.score < bestScore * 0.7) break;
      if ((perChunk.get(c.rank) ?? 0) >= 2) continue;
      if (chosen.length > 0 && chars + c.text.length > maxChars) continue;
      chosen.push(c);
      perChunk.set(c.rank, (perChunk.get(c.rank) ?? 0) + 1);
      chars += c.text.length;
    }
    return chosen;
  }
}

const LIST_ITEM = /^(\d+\.|[a-z]\)|[-•–])\s/;

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
