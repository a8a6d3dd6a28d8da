import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { LocalEmbeddings } from "../../src/embeddings/local.js";
import { summarise, type Summary } from "./metrics.js";
import { readQuestions } from "./questions.js";
import { evaluate, indexCorpus } from "./run.js";

const USAGE = `Usage: npm run eval -- --corpus <dir> --questions <file.jsonl> [--municipality <id>] [--towns] [--k 10] [--answers] [--out <file.json>]

Indexes every .md, .html, .htm, .txt and .pdf file below <dir> (document id = path relative to <dir>)
in a temporary data folder, asks every question, and prints hit@1/5/10, MRR@10, nDCG@10 and latency.
--towns: each top-level folder of <dir> is a town (its id is the folder name; _shared/ belongs to all),
one index serves them all, and each question is asked in the town its "municipality" field names.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      corpus: { type: "string" },
      questions: { type: "string" },
      municipality: { type: "string", default: "eval" },
      towns: { type: "boolean", default: false },
      k: { type: "string", default: "10" },
      answers: { type: "boolean", default: false },
      out: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help || !values.corpus || !values.questions) {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const questions = await readQuestions(values.questions);
  const embeddings = new LocalEmbeddings();
  const t0 = performance.now();
  const corpus = await indexCorpus(values.corpus, values.municipality, embeddings, { towns: values.towns });
  const indexSeconds = (performance.now() - t0) / 1000;
  try {
    const results = await evaluate({
      config: corpus.config,
      dataDir: corpus.dataDir,
      questions,
      embeddings,
      municipality: values.municipality,
      towns: values.towns,
      k: Number(values.k),
      answers: values.answers,
    });
    const summary = summarise(results);
    console.log(
      `corpus ${values.corpus}: ${corpus.report.documents.added.length} documents, ${corpus.report.chunks.total} chunks, indexed in ${indexSeconds.toFixed(1)} s` +
        (corpus.report.failures.length ? `, ${corpus.report.failures.length} files failed` : ""),
    );
    console.log(formatSummary(summary));
    if (values.out) {
      const perQuestion = results.map((r) => ({
        id: r.id,
        ranked: r.ranked,
        latency_ms: Math.round(r.latencyMs * 100) / 100,
        ...(r.answer ? { answer: r.answer.text, grounded: r.answer.grounded } : {}),
      }));
      await writeFile(values.out, JSON.stringify({ corpus: values.corpus, questions: values.questions, summary, results: perQuestion }, null, 1));
    }
  } finally {
    await corpus.cleanup();
  }
}

export function formatSummary(s: Summary): string {
  const f = (x: number | undefined) => (x === undefined ? "-" : x.toFixed(3));
  const rows = [
    ["questions", `${s.questions} (${s.answerable} answerable, ${s.unanswerable} not)`],
    ["hit@1", f(s["hit@1"])],
    ["hit@5", f(s["hit@5"])],
    ["hit@10", f(s["hit@10"])],
    ["MRR@10", f(s["mrr@10"])],
    ["nDCG@10", f(s["ndcg@10"])],
    ["latency p50 / p95", `${s.latencyP50.toFixed(1)} / ${s.latencyP95.toFixed(1)} ms`],
  ];
  if (s.answeredGrounded !== undefined) {
    rows.push(["answerable answered grounded", f(s.answeredGrounded)], ["unanswerable refused", f(s.refusedUnanswerable)], ["facts found", f(s.factsFound)]);
  }
  return rows.map(([a, b]) => `  ${a!.padEnd(30)} ${b}`).join("\n");
}

main().catch((error: unknown) => {
  console.error(`auskunft eval: ${(error as Error).message}`);
  process.exit(1);
});
