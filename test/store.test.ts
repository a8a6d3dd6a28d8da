import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import type { Chunk } from "../src/store/records.js";
import { IndexSnapshot, writeSnapshot } from "../src/store/snapshot.js";
import { LexicalIndex, type QueryGroup } from "../src/store/lexical.js";
import { VectorIndex } from "../src/store/vector.js";
import { VersionStore } from "../src/store/versions.js";
import { hashChunk } from "../ingest/chunk.js";

const dirs: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(path.join(tmpdir(), "auskunft-store-"));
  dirs.push(d);
  return d;
};
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const texts: [string, string, string][] = [
  ["Hundesteuersatzung", "§ 5 Steuersatz", "Die Steuer beträgt für den zweiten Hund 120,00 Euro jährlich."],
  ["Abfallgebührensatzung", "§ 4 Gebührensätze", "Für eine Restmülltonne mit 120 Litern beträgt die Gebühr 132,00 Euro im Jahr."],
  ["Personalausweis", "", "Den Personalausweis beantragen Sie persönlich im Bürgerbüro. Er kostet 37,00 Euro."],
  ["Standesamt", "", "Die Eheschließung melden Sie beim Standesamt an."],
  ["Friedhof", "", "Für ein Urnengrab gilt eine Ruhezeit von 25 Jahren."],
];
const chunks: Chunk[] = texts.map(([title, section, text], i) => {
  const c = { id: `d${i}#0`, docId: `d${i}`, municipality: "testdorf", url: `/d${i}`, title, headings: [], ...(section ? { section } : {}), text };
  return { ...c, hash: hashChunk(c) };
});

describe("local embeddings", () => {
  const emb = new LocalEmbeddings();

  it("are deterministic unit vectors of the configured width", async () => {
    const [a, b] = await emb.embedDocuments(["Hundesteuer für den zweiten Hund", "Hundesteuer für den zweiten Hund"]);
    expect(a).toHaveLength(512);
    expect(a).toEqual(b);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 5);
  });

  it("put a compound and its parts closer than unrelated text", async () => {
    const cos = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    const [q, near, far] = await emb.embedDocuments(["Hundesteuer", "Steuer für jeden Hund nach der Hundesteuersatzung", "Öffnungszeiten der Bücherei"]);
    expect(cos(q!, near!)).toBeGreaterThan(cos(q!, far!) + 0.2);
  });
});

describe("index version round trip", () => {
  it("saves, loads and finds the right chunk lexically and by vector", async () => {
    const dir = await tempDir();
    const emb = new LocalEmbeddings();
    const vectors = await emb.embedDocuments(chunks.map((c) => `${c.title} ${c.section ?? ""} ${c.text}`));
    const manifest = { version: "v1", createdAt: new Date().toISOString(), embedder: emb.id, dimensions: 512, chunks: chunks.length, documents: chunks.length, municipalities: ["testdorf"] };
    await writeSnapshot(dir, { manifest, chunks, vectors });

    const snap = await IndexSnapshot.load(dir);
    expect(snap.chunks).toEqual(chunks);
    const query = new Map(snap.analyzer.terms("Gebühr für die Restmülltonne").map((t) => [t.term, t.weight]));
    expect(snap.chunks[snap.lexical.search(query, 3)[0]!.index]!.title).toBe("Abfallgebührensatzung");
    const hits = snap.vector.search(await emb.embedQuery("Hundesteuer zweiter Hund"), 2);
    expect(snap.chunks[hits[0]!.index]!.title).toBe("Hundesteuersatzung");
    expect(hits[0]!.similarity).toBeGreaterThan(hits[1]!.similarity);
  });

  it("refuses a centred version whose mean is missing, instead of finding the wrong chunks", async () => {
    const dir = await tempDir();
    const emb = new LocalEmbeddings();
    const vectors = await emb.embedDocuments(chunks.map((c) => `${c.title} ${c.text}`));
    const manifest = { version: "v1", createdAt: "", embedder: emb.id, dimensions: 512, chunks: chunks.length, documents: chunks.length, municipalities: ["testdorf"] };
    // Centred from 2 chunks on here; the product centres from 1,000.
    await writeSnapshot(dir, { manifest, chunks, vectors }, { centerFrom: 2 });
    expect(JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8"))).toMatchObject({ vectorsCentred: true });
    const loaded = await IndexSnapshot.load(dir);
    expect(loaded.vector.centred).toBe(true);
    const hits = loaded.vector.search(await emb.embedQuery("Hundesteuer zweiter Hund"), 1);
    expect(chunks[hits[0]!.index]!.title).toBe("Hundesteuersatzung");
    await rm(path.join(dir, "vectors.hnsw.center"));
    await expect(IndexSnapshot.load(dir)).rejects.toThrow(/vectors\.hnsw\.center is missing.*npm run ingest/);
    await expect(IndexSnapshot.loadForSearch(dir)).rejects.toThrow(/vectors\.hnsw\.center is missing/);
  });

  it("refuses a version whose parts disagree", async () => {
    const dir = await tempDir();
    const emb = new LocalEmbeddings();
    const vectors = await emb.embedDocuments(chunks.map((c) => c.text));
    await writeSnapshot(dir, { manifest: { version: "v1", createdAt: "", embedder: emb.id, dimensions: 512, chunks: 5, documents: 5, municipalities: [] }, chunks, vectors });
    await writeFile(path.join(dir, "chunks.jsonl"), chunks.slice(0, 3).map((c) => JSON.stringify(c)).join("\n"));
    await expect(IndexSnapshot.load(dir)).rejects.toThrow(/inconsistent/);
  });
});

describe("version store", () => {
  it("publishes atomically, keeps older versions and rolls back", async () => {
    const data = await tempDir();
    const store = new VersionStore(data, 2);
    expect(await store.current()).toBeNull();
    const published: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { version, dir } = await store.stage();
      await writeFile(path.join(dir, "manifest.json"), "{}");
      await store.publish(version, dir);
      published.push(version);
      expect(await store.current()).toBe(version);
    }
    expect(await store.list()).toEqual(published.slice(1));
    expect(await store.rollback()).toBe(published[1]);
    expect(await store.current()).toBe(published[1]);
    await expect(store.rollback()).rejects.toThrow(/no earlier/);
  });
});

describe("lexical index at scale", () => {
  // A random corpus: float term frequencies make equal scores (and so any question of tie order) unlikely.
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const vocabulary = Array.from({ length: 40 }, (_, i) => `t${i}`);
  const docs = Array.from({ length: 400 }, () => {
    const counts = new Map<string, number>();
    const length = 3 + Math.floor(random() * 12);
    // Low term numbers are common, high ones rare, as in text.
    for (let i = 0; i < length; i++) counts.set(vocabulary[Math.floor(random() ** 2 * vocabulary.length)]!, 0.5 + random() * 2);
    return counts;
  });
  const lengths = docs.map((d) => [...d.values()].reduce((a, b) => a + b, 0));
  const avg = lengths.reduce((a, b) => a + b, 0) / docs.length;
  const pickTerm = () => vocabulary[Math.floor(random() * vocabulary.length)]!;
  const queries: QueryGroup[][] = Array.from({ length: 60 }, () =>
    Array.from({ length: 1 + Math.floor(random() * 4) }, () => ({
      term: pickTerm(),
      weight: 0.5 + random(),
      ...(random() < 0.4 ? { synonyms: [pickTerm(), pickTerm(), "unknown"], synonymWeight: 0.6 } : {}),
      ...(random() < 0.4 ? { parts: [pickTerm(), pickTerm()], partWeight: 0.9 } : {}),
    })),
  );

  /** BM25 of the groups as the documentation of QueryGroup describes it, document by document. */
  function reference(index: LexicalIndex, groups: QueryGroup[], k: number, allow?: (i: number) => boolean) {
    const bm25 = (d: number, term: string, weight: number) => {
      const tf = docs[d]!.get(term) ?? 0;
      if (tf === 0) return 0;
      const norm = 1.2 * (1 - 0.5 + (0.5 * lengths[d]!) / avg);
      return (weight * index.idf(term) * 2.2 * tf) / (tf + norm);
    };
    const scored = docs.map((_, d) => {
      let score = 0;
      for (const g of groups) {
        const synonyms = (g.synonyms ?? []).filter((s) => index.documentFrequency(s) > 0);
        const parts = g.parts && g.parts.length > 1 ? g.parts : [];
        if (groups.length > 1 && index.documentFrequency(g.term) > docs.length * 0.5 && synonyms.length === 0 && parts.length === 0) continue;
        let best = bm25(d, g.term, g.weight);
        for (const s of synonyms) best = Math.max(best, bm25(d, s, g.weight * (g.synonymWeight ?? 0.5)));
        best = Math.max(best, parts.reduce((sum, p) => sum + bm25(d, p, g.weight * (g.partWeight ?? 0.6)), 0));
        score += best;
      }
      return { index: d, score };
    });
    return scored.filter((h) => h.score > 0 && (!allow || allow(h.index))).sort((a, b) => b.score - a.score).slice(0, k);
  }

  it("ranks query concepts (words, synonyms, compound parts) as BM25 over them, with and without a filter, search after search", () => {
    const index = LexicalIndex.build(docs);
    const allow = (i: number) => i % 3 !== 0;
    for (const groups of [...queries, ...queries]) {
      for (const filter of [undefined, allow]) {
        const got = index.searchGroups(groups, 10, filter);
        const want = reference(index, groups, 10, filter);
        expect(got.map((h) => h.index)).toEqual(want.map((h) => h.index));
        // Frequencies and lengths are stored as 32-bit floats.
        got.forEach((h, i) => expect(h.score).toBeCloseTo(want[i]!.score, 5));
      }
    }
  });

  it("searches one town's and the shared documents through postings grouped by town exactly as through a filter", async () => {
    // Town 0 is shared; towns 1-3 own the rest.
    const codes = new Uint16Array(new SharedArrayBuffer(2 * docs.length));
    codes.forEach((_, i) => (codes[i] = i % 7 === 0 ? 0 : 1 + (i % 3)));
    const dir = await tempDir();
    await LexicalIndex.build(docs).save(dir);
    const grouped = (await LexicalIndex.load(dir)).groupByTown(codes, 4);
    const plain = LexicalIndex.build(docs);
    for (const town of [0, 1, 2, 3]) {
      const filter = grouped.townFilter(town);
      const asPredicate = (i: number) => codes[i] === 0 || codes[i] === town;
      for (const groups of queries) expect(grouped.searchGroups(groups, 10, filter)).toEqual(plain.searchGroups(groups, 10, asPredicate));
      // Called as a function, the filter answers for one document; another index does just that.
      expect(docs.map((_, i) => filter(i))).toEqual(docs.map((_, i) => asPredicate(i)));
      expect(plain.searchGroups(queries[0]!, 10, filter)).toEqual(plain.searchGroups(queries[0]!, 10, asPredicate));
    }
    // Worker threads receive the grouping with the rest of the index.
    const view = LexicalIndex.fromShared(structuredClone(grouped.shared()));
    for (const groups of queries) expect(view.searchGroups(groups, 10, view.townFilter(2))).toEqual(plain.searchGroups(groups, 10, (i) => codes[i] === 0 || codes[i] === 2));
  });

  it("is searched the same from the shared memory another thread receives", async () => {
    const dir = await tempDir();
    await LexicalIndex.build(docs).save(dir);
    const loaded = (await LexicalIndex.load(dir)).indexDocumentTerms();
    const view = LexicalIndex.fromShared(structuredClone(loaded.shared()));
    expect(view.terms).toEqual(loaded.terms);
    for (const groups of queries) expect(view.searchGroups(groups, 10)).toEqual(loaded.searchGroups(groups, 10));
    // The terms of each document come along, as built in the main thread.
    docs.forEach((d, i) => expect([...view.termsOf(i).keys()].sort()).toEqual([...d.keys()].sort()));
    const terms = [{ term: "t1", weight: 1 }, { term: "t30", weight: 0.5 }];
    expect(view.scoreDocs([0, 1, 2, 3], terms)).toEqual(LexicalIndex.build(docs).scoreDocs([0, 1, 2, 3], terms));
    expect(() => LexicalIndex.build(docs).shared()).toThrow(/shared memory/);
  });
});

describe("search view of an index version (retrieval workers)", () => {
  const towns = ["nord", "sued"];
  const townChunks: Chunk[] = chunks.concat(chunks).map((c, i) => {
    const record = { ...c, id: `t${i}`, docId: `t${Math.floor(i / 2)}`, municipality: i % 3 === 2 ? null : towns[i % 2]! };
    return { ...record, hash: hashChunk(record) };
  });

  it("loads without chunk texts, from shared memory or from the files, and searches as the whole version", async () => {
    const dir = await tempDir();
    const emb = new LocalEmbeddings();
    const vectors = await emb.embedDocuments(townChunks.map((c) => c.text));
    const manifest = { version: "v1", createdAt: "", embedder: emb.id, dimensions: 512, chunks: townChunks.length, documents: 5, municipalities: towns };
    await writeSnapshot(dir, { manifest, chunks: townChunks, vectors });
    const whole = await IndexSnapshot.load(dir);
    const views = [await IndexSnapshot.loadForSearch(dir, {}, structuredClone(whole.searchParts())), await IndexSnapshot.loadForSearch(dir)];
    const query = [...new Map(whole.analyzer.terms("Gebühr Steuer Hund Grab").map((t) => [t.term, t.weight]))].map(([term, weight]) => ({ term, weight }));
    for (const view of views) {
      expect(view.chunks.map((c) => c.municipality)).toEqual(townChunks.map((c) => c.municipality));
      expect(() => view.chunks[0]!.text).toThrow(/no chunk texts/);
      for (const town of [...towns, "elsewhere"]) {
        expect(view.maskFor(town)).toEqual(whole.maskFor(town));
        expect(view.documentMaskFor(town)).toEqual(whole.documentMaskFor(town));
        const mask = view.maskFor(town);
        expect(view.lexical.searchGroups(query, 5, (i) => mask[i] === 1)).toEqual(whole.lexical.searchGroups(query, 5, (i) => mask[i] === 1));
        expect(view.lexical.searchGroups(query, 5, view.allowFor(town))).toEqual(whole.lexical.searchGroups(query, 5, (i) => mask[i] === 1));
        const documentMask = whole.documentMaskFor(town);
        expect(view.documents.index.searchGroups(query, 5, view.documentAllowFor(town))).toEqual(whole.documents.index.searchGroups(query, 5, (d) => documentMask[d] === 1));
        expect(townChunks.map((_, i) => whole.allowFor(town)(i))).toEqual([...mask].map((m) => m === 1));
      }
      expect(view.documents.index.searchGroups(query, 5)).toEqual(whole.documents.index.searchGroups(query, 5));
    }
    expect(whole.maskFor("nord")).toEqual(Uint8Array.from(townChunks, (c) => (c.municipality === null || c.municipality === "nord" ? 1 : 0)));
  });
});

describe("vector search for one town", () => {
  it("finds the nearest chunks the filter accepts, for a large and for a tiny share of the chunks", () => {
    let seed = 3;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) - 0.5;
    const dims = 16;
    const vectors = Array.from({ length: 3000 }, () => Array.from({ length: dims }, random));
    const index = VectorIndex.build(vectors, dims, { efSearch: 64 });
    const unit = (v: number[]) => v.map((x) => x / Math.hypot(...v));
    const units = vectors.map(unit);
    let found = 0;
    let wanted = 0;
    for (const share of [4, 300]) {
      const allow = (i: number) => i % share === 0;
      for (let q = 0; q < 20; q++) {
        const query = Array.from({ length: dims }, random);
        const hits = index.search(query, 10, allow);
        expect(hits).toHaveLength(10);
        expect(hits.every((h) => allow(h.index))).toBe(true);
        const q1 = unit(query);
        const exact = units.map((v, i) => ({ i, s: v.reduce((s, x, d) => s + x * q1[d]!, 0) })).filter((x) => allow(x.i)).sort((a, b) => b.s - a.s).slice(0, 10);
        found += hits.filter((h) => exact.some((x) => x.i === h.index)).length;
        wanted += 10;
      }
    }
    expect(found / wanted).toBeGreaterThan(0.95);
  });
});
