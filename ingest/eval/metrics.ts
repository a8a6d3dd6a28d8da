/** Retrieval and answer metrics at document level, binary relevance. */

export interface QuestionResult {
  id: string;
  gold: string[];
  ranked: string[];
  latencyMs: number;
  answer?: { text: string; grounded: boolean; facts?: string[] };
}

export interface Summary {
  questions: number;
  answerable: number;
  unanswerable: number;
  "hit@1": number;
  "hit@5": number;
  "hit@10": number;
  "mrr@10": number;
  "ndcg@10": number;
  latencyP50: number;
  latencyP95: number;
  answeredGrounded?: number;
  refusedUnanswerable?: number;
  factsFound?: number;
}

export function hitAt(r: QuestionResult, k: number): number {
  return r.ranked.slice(0, k).some((d) => r.gold.includes(d)) ? 1 : 0;
}

export function reciprocalRank(r: QuestionResult, k = 10): number {
  const i = r.ranked.slice(0, k).findIndex((d) => r.gold.includes(d));
  return i === -1 ? 0 : 1 / (i + 1);
}

export function ndcg(r: QuestionResult, k = 10): number {
  let dcg = 0;
  r.ranked.slice(0, k).forEach((d, i) => {
    if (r.gold.includes(d)) dcg += 1 / Math.log2(i + 2);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(k, r.gold.length); i++) ideal += 1 / Math.log2(i + 2);
  return ideal === 0 ? 0 : dcg / ideal;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Retrieval metrics over answerable questions; answer metrics over all. */
export function summarise(results: QuestionResult[]): Summary {
  const answerable = results.filter((r) => r.gold.length > 0);
  const unanswerable = results.filter((r) => r.gold.length === 0);
  const summary: Summary = {
    questions: results.length,
    answerable: answerable.length,
    unanswerable: unanswerable.length,
    "hit@1": mean(answerable.map((r) => hitAt(r, 1))),
    "hit@5": mean(answerable.map((r) => hitAt(r, 5))),
    "hit@10": mean(answerable.map((r) => hitAt(r, 10))),
    "mrr@10": mean(answerable.map((r) => reciprocalRank(r))),
    "ndcg@10": mean(answerable.map((r) => ndcg(r))),
    latencyP50: percentile(results.map((r) => r.latencyMs), 50),
    latencyP95: percentile(results.map((r) => r.latencyMs), 95),
  };
  if (results.some((r) => r.answer)) {
    summary.answeredGrounded = mean(answerable.map((r) => (r.answer?.grounded ? 1 : 0)));
    summary.refusedUnanswerable = mean(unanswerable.map((r) => (r.answer && !r.answer.grounded ? 1 : 0)));
    const facts = answerable.flatMap((r) => (r.answer?.facts ?? []).map((f) => (normaliseFact(r.answer!.text).includes(normaliseFact(f)) ? 1 : 0)));
    summary.factsFound = mean(facts);
  }
  return summary;
}

/** Facts are compared with dashes and spaces unified: "8:00–12:00" matches "8:00 - 12:00". */
function normaliseFact(s: string): string {
  return s.replace(/[\u2010-\u2015-]/g, "-").replace(/\s+/g, " ").replace(/\s*-\s*/g, "-").toLowerCase();
}
