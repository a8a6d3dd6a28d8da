/**
 * HNSW recall against exact search, on the project's own (local hashed) embeddings, in the space the index searches (centred from 1,000 chunks on, see VectorIndex): the real
 * corpora as bench/tune.ts indexed them (.tmp/tune/<corpus>, questions from .tmp/eval) and the
 * 100,000-chunk scale set of bench/retrieval-scale.ts (.tmp/scale-<N>, build it with that first).
 *
 *   npx tsx bench/vector-recall.ts [--ef 32,64,128,256] [--chunks 100000] [--queries 300] [--build 16:200,32:200]
 *
 * For each set and ef it prints:
 *  - recall@10 of an unfiltered search against exact search: the share of the true 10 nearest that
 *    the index returns; chunks with the same vector as the 10th (exact twins) count as found
 *    ("ties"), the strict figure beside it does not;
 *  - on the scale set, recall@20 of the product's own search for one town's chunks
 *    (VectorIndex.search with a filter, as retrieval calls it) against the exact 20 nearest of that town;
 *  - the median time of one search.
 * `--build M:efConstruction,...` builds further HNSW indexes from the same vectors in memory (at
 * 100,000 chunks several minutes each) to compare build parameters; the stored indexes are not touched.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import { IndexSnapshot } from "../src/store/snapshot.js";
import { VectorIndex } from "../src/store/vector.js";
import { percentile } from "../ingest/eval/metrics.js";
import { SCALE_TOWNS, sampleLabelledQuestions } from "./scale-corpus.js";
import { kthSimilarity, searchedMatrix, similarities } from "./exact-search.js";

const { values } = parseArgs({
  options: {
    ef: { type: "string", default: "32,64,128,256" },
    chunks: { type: "string", default: "100000" },
    queries: { type: "string", default: "300" },
    build: { type: "string", default: "" },
    sets: { type: "string", default: "integreat,satzungen,xquad,scale" },
  },
});
const efs = values.ef.split(",").map(Number);
const queryCount = Number(values.queries);
const embeddings = new LocalEmbeddings();
const K = 10;
const FILTERED_K = 20;
/** Float rounding between hnswlib's float32 sums and these float64 ones. */
const TIE = 1e-5;

interface RecallSet {
  name: string;
  dir: string;
  questions: string[];
  /** Rows for subsets of the questions as well (by label, one per question). */
  labels?: string[];
}

function sets(): RecallSet[] {
  const out: RecallSet[] = [];
  const wanted = new Set(values.sets.split(","));
  for (const [corpus, questions] of [["integreat", "integreat-de"], ["satzungen", "satzungen"], ["xquad", "xquad-de"]] as const) {
    if (!wanted.has(corpus)) continue;
    const pointer = path.resolve(`.tmp/tune/${corpus}/index/current.json`);
    const file = path.resolve(`.tmp/eval/${corpus}/${questions}.jsonl`);
    if (!existsSync(pointer) || !existsSync(file)) {
      console.log(`(${corpus}: no index in .tmp/tune or no questions in .tmp/eval; run bench/adapters and bench/tune.ts first)`);
      continue;
    }
    const version = (JSON.parse(readFileSync(pointer, "utf8")) as { version: string }).version;
    const lines = readFileSync(file, "utf8").trim().split("\n").slice(0, queryCount);
    out.push({ name: corpus, dir: path.resolve(`.tmp/tune/${corpus}/index/versions/${version}`), questions: lines.map((l) => (JSON.parse(l) as { question: string }).question) });
  }
  return out;
}

async function measure(set: RecallSet, extra: { m: number; efConstruction: number }[]): Promise<string[]> {
  const snapshot = await IndexSnapshot.load(set.dir);
  const n = snapshot.vector.size;
  const dims = snapshot.vector.dimensions;
  // Exact search in the space the index searches: centred vectors when the index is centred.
  const matrix = searchedMatrix(snapshot.vector);
  const queries = await embeddings.embedDocuments(set.questions);
  const towns = snapshot.manifest.municipalities.length > 1 ? SCALE_TOWNS : [];
  const truth = queries.map((q, i) => {
    const sims = similarities(matrix, dims, snapshot.vector.searchVector(q));
    const town = towns.length ? towns[i % towns.length]! : undefined;
    const mask = town ? snapshot.maskFor(town) : undefined;
    return { sims, top: kthSimilarity(sims, K), filtered: mask ? kthSimilarity(sims, FILTERED_K, (j) => mask[j] === 1) : undefined, mask };
  });
  const indexes: { label: string; file: string }[] = [{ label: "stored", file: path.join(set.dir, "vectors.hnsw") }];
  const scratch = extra.length ? await mkdtemp(path.join(tmpdir(), "auskunft-recall-")) : undefined;
  for (const { m, efConstruction } of extra) {
    const started = performance.now();
    const built = VectorIndex.build(Array.from({ length: n }, (_, i) => snapshot.vector.vector(i)), dims, { m, efConstruction });
    const file = path.join(scratch!, `m${m}-efc${efConstruction}.hnsw`);
    await built.save(file);
    indexes.push({ label: `M ${m}, efC ${efConstruction} (built in ${((performance.now() - started) / 1000).toFixed(0)} s)`, file });
  }
  const rows: string[] = [];
  for (const { label, file } of indexes) {
    for (const ef of efs) {
      const index = await VectorIndex.load(file, dims, { efSearch: ef });
      let strict = 0;
      let ties = 0;
      let filtered = 0;
      let filteredCount = 0;
      const byLabel = new Map<string, { found: number; questions: number }>();
      const times: number[] = [];
      queries.forEach((q, i) => {
        const t = truth[i]!;
        const started = performance.now();
        const hits = index.search(q, K);
        times.push(performance.now() - started);
        strict += hits.filter((h) => t.top.ids.has(h.index)).length;
        const found = hits.filter((h) => t.top.ids.has(h.index) || t.sims[h.index]! >= t.top.kth - TIE).length;
        ties += found;
        const label = set.labels?.[i];
        if (label) {
          const l = byLabel.get(label) ?? { found: 0, questions: 0 };
          l.found += found;
          l.questions++;
          byLabel.set(label, l);
        }
        if (t.filtered && t.mask) {
          const mask = t.mask;
          const got = index.search(q, FILTERED_K, (j) => mask[j] === 1);
          filtered += got.filter((h) => t.filtered!.ids.has(h.index) || t.sims[h.index]! >= t.filtered!.kth - TIE).length;
          filteredCount += FILTERED_K;
        }
      });
      rows.push(
        `| ${set.name} | ${n} | ${label} | ${ef} | ${(ties / (queries.length * K)).toFixed(4)} | ${(strict / (queries.length * K)).toFixed(4)} | ` +
          `${filteredCount ? (filtered / filteredCount).toFixed(4) : "-"} | ${percentile(times, 50).toFixed(2)} ms |`,
      );
      for (const [label, l] of byLabel) rows.push(`| ${set.name}: ${l.questions} ${label} | | | ${ef} | ${(l.found / (l.questions * K)).toFixed(4)} | | | |`);
    }
  }
  if (scratch) await rm(scratch, { recursive: true, force: true });
  return rows;
}

const extra = values.build
  ? values.build.split(",").map((s) => {
      const [m, efConstruction] = s.split(":").map(Number);
      return { m: m!, efConstruction: efConstruction ?? 200 };
    })
  : [];
const all = sets();
if (values.sets.split(",").includes("scale")) {
  const dir = path.resolve(`.tmp/scale-${values.chunks}`);
  if (existsSync(path.join(dir, "manifest.json"))) {
    const questions = await sampleLabelledQuestions(queryCount, 7);
    // XQuAD's questions ask about Wikipedia articles, a small part of this corpus, and are the hardest for the graph.
    const labels = questions.map((q) => (q.set === "xquad" ? "XQuAD questions" : "Integreat and Satzungen questions"));
    all.push({ name: "scale", dir, questions: questions.map((q) => q.question), labels });
  }
  else console.log(`(scale: no index in ${dir}; run npx tsx bench/retrieval-scale.ts --chunks ${values.chunks} first)`);
}
console.log(`| set | chunks | index | ef | recall@${K} (ties) | recall@${K} (strict) | one town, recall@${FILTERED_K} | search p50 |\n|---|---|---|---|---|---|---|---|`);
for (const set of all) for (const row of await measure(set, extra)) console.log(row);
