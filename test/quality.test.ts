import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import { summarise, type Summary } from "../ingest/eval/metrics.js";
import { readQuestions } from "../ingest/eval/questions.js";
import { evaluate } from "../ingest/eval/run.js";
import { ingestedDemo, REPO } from "./helpers/demo.js";

/**
 * Quality gate on the demo town's own question set (data/demo/questions.jsonl): fails when
 * retrieval or answering gets worse than the thresholds below. Raise them when quality improves.
 */
const THRESHOLDS = {
  "hit@5": 0.93,
  "mrr@10": 0.8,
  answeredGrounded: 0.9,
  refusedUnanswerable: 0.7,
  factsFound: 0.75,
};

let summary: Summary;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const demo = await ingestedDemo();
  cleanup = demo.cleanup;
  const questions = await readQuestions(path.join(REPO, "data/demo/questions.jsonl"));
  const results = await evaluate({ config: demo.config, dataDir: demo.dir, questions, embeddings: new LocalEmbeddings(), municipality: "musterbach", answers: true });
  summary = summarise(results);
});

afterAll(() => cleanup?.());

describe("answer quality on the demo questions", () => {
  for (const [metric, min] of Object.entries(THRESHOLDS)) {
    it(`${metric} stays at or above ${min}`, () => {
      expect(summary[metric as keyof Summary]).toBeGreaterThanOrEqual(min);
    });
  }
});
