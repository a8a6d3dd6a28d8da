import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnswerStack, GLOSSARY_FILE, resolveWorkers, type AnswerStack } from "../src/server/compose.js";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import { HybridRetriever } from "../src/retrieval/hybrid.js";
import { RetrievalPool } from "../src/retrieval/pool.js";
import { IndexSnapshot, writeSnapshot } from "../src/store/snapshot.js";
import type { Chunk } from "../src/store/records.js";
import { GermanAnalyzer } from "../src/text/analyzer.js";
import { Glossary } from "../src/text/glossary.js";
import { BUILTIN_SYNONYMS, SynonymTable } from "../src/text/synonyms.js";
import { parseConfig } from "../src/config/load.js";
import { hashChunk } from "../ingest/chunk.js";
import { ingestedDemo, silentLogger } from "./helpers/demo.js";

let inProcess: AnswerStack;
let pooled: AnswerStack;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const demo = await ingestedDemo();
  cleanup = demo.cleanup;
  inProcess = await createAnswerStack({ config: demo.config, dataDir: demo.dir, logger: silentLogger, embeddings: new LocalEmbeddings() });
  const config = { ...demo.config, retrieval: { ...demo.config.retrieval, workers: 2 } };
  pooled = await createAnswerStack({ config, dataDir: demo.dir, logger: silentLogger });
});

afterAll(async () => {
  await pooled?.close();
  await inProcess?.close();
  inProcess?.index.stop();
  pooled?.index.stop();
  await cleanup?.();
});

describe("retrieval in worker threads", () => {
  it("answers exactly as retrieval in the server's own thread, for questions in flight together", async () => {
    const questions = ["Was kostet die Hundesteuer für einen zweiten Hund?", "Wann hat das Bürgerbüro geöffnet?", "Was kostet ein Reihengrab?", "Wie melde ich Sperrmüll an?", "Wie wird das Wetter morgen?"];
    const a = await Promise.all(questions.map((question) => inProcess.service.ask({ question })));
    const b = await Promise.all(questions.map((question) => pooled.service.ask({ question })));
    expect(b).toEqual(a);
    expect(b[0]!.answer).toContain("120,00 Euro");
    // The server's own thread does not hold the vector index the workers search.
    expect(() => pooled.index.current()!.vector.search(new Array(512).fill(0.04), 3)).toThrow(/held by the retrieval workers/);
    expect(inProcess.index.current()!.vector.search(new Array(512).fill(0.04), 3)).toHaveLength(3);
  });
});

describe("retrieval in worker threads for several towns", () => {
  it("finds each town's own and the shared chunks exactly as the main thread does, for a burst of questions", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "auskunft-pool-"));
    const towns = ["nordheim", "suedheim"];
    const texts = [
      ["Hundesteuersatzung", "Die Steuer beträgt für den ersten Hund 90 Euro und für jeden weiteren Hund 120 Euro im Jahr."],
      ["Friedhofssatzung", "Ein Reihengrab kostet 800 Euro, die Ruhezeit beträgt 25 Jahre."],
      ["Bürgerbüro", "Das Bürgerbüro hat montags bis freitags von 8 bis 12 Uhr geöffnet."],
      ["Abfall", "Sperrmüll melden Sie online oder telefonisch an; die Abholung ist kostenlos."],
      ["Personalausweis", "Den Personalausweis beantragen Sie persönlich, er kostet 37 Euro."],
    ];
    // Every text in both towns (with the town's name) and once as a shared source.
    const chunks: Chunk[] = [...towns, null].flatMap((town, t) =>
      texts.map(([title, text], i) => {
        const c = { id: `${t}-${i}#0`, docId: `${t}-${i}`, municipality: town, url: `/${t}/${i}`, title: title!, headings: [], text: `${text} ${town ?? "Landkreis"}` };
        return { ...c, hash: hashChunk(c) };
      }),
    );
    const embeddings = new LocalEmbeddings();
    const vectors = await embeddings.embedDocuments(chunks.map((c) => `${c.title}\n${c.text}`));
    const manifest = { version: "v1", createdAt: "", embedder: embeddings.id, dimensions: 512, chunks: chunks.length, documents: chunks.length, municipalities: towns };
    await writeSnapshot(dir, { manifest, chunks, vectors });
    const snapshot = await IndexSnapshot.load(dir);
    const { retrieval } = parseConfig({ municipalities: [{ id: "x", name: "x", contact: { office: "x" } }] });
    const inProcess = new HybridRetriever(embeddings, new SynonymTable(new GermanAnalyzer(), BUILTIN_SYNONYMS), retrieval, Glossary.load(GLOSSARY_FILE));
    const pool = new RetrievalPool(
      2,
      { embeddings: { provider: "local", dimensions: 512, batchSize: 128, timeoutMs: 30_000, retries: 1 }, env: {}, synonyms: BUILTIN_SYNONYMS, glossaryFile: GLOSSARY_FILE, options: retrieval, efSearch: retrieval.efSearch },
      embeddings.id,
    );
    try {
      await pool.warm(dir);
      const questions = ["Hundesteuer für den zweiten Hund", "Was kostet ein Reihengrab?", "Wann hat das Bürgerbüro offen?", "Sperrmüll anmelden", "Was kostet der Personalausweis?"];
      const asked = Array.from({ length: 30 }, (_, i) => ({ question: questions[i % questions.length]!, municipality: towns[i % 2]! }));
      const want = await Promise.all(asked.map((a) => inProcess.retrieve(snapshot, a.question, { municipality: a.municipality, k: 4 })));
      const got = await Promise.all(asked.map((a) => pool.retrieve(snapshot, a.question, { municipality: a.municipality, k: 4 })));
      expect(got).toEqual(want);
      for (const [i, r] of got.entries()) expect(r.hits.every((h) => h.chunk.municipality === null || h.chunk.municipality === asked[i]!.municipality)).toBe(true);
    } finally {
      await pool.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("how many retrieval workers", () => {
  it("starts workers by itself only for a large index on a machine with cores to spare", () => {
    expect(parseConfig({ municipalities: [{ id: "x", name: "X", contact: { office: "Amt" } }] }).retrieval.workers).toBe("auto");
    expect(resolveWorkers("auto", 310, 2)).toBe(0);
    expect(resolveWorkers("auto", 100_000, 2)).toBe(2);
    expect(resolveWorkers("auto", 100_000, 16)).toBe(4);
    expect(resolveWorkers("auto", 100_000, 1)).toBe(0);
    // A number is the operator's choice, whatever the size.
    expect(resolveWorkers(0, 100_000, 2)).toBe(0);
    expect(resolveWorkers(3, 10, 2)).toBe(3);
    expect(() => parseConfig({ municipalities: [{ id: "x", name: "X", contact: { office: "Amt" } }], retrieval: { workers: "many" } })).toThrow(/retrieval\.workers/);
  });
});
