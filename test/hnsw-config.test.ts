import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config/load.js";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import { VersionStore } from "../src/store/versions.js";
import { graphSettings, HNSWLIB_BUILD, VectorIndex } from "../src/store/vector.js";
import { chooseHnswlibBuild } from "../src/store/hnswlib.js";
import { vectorOptionsFor } from "../src/store/snapshot.js";
import type { IndexManifest } from "../src/store/records.js";
import { ingest } from "../ingest/pipeline.js";
import { makeDataDir } from "./helpers/demo.js";

describe("how the vector graph is built", () => {
  it("follows retrieval.hnswM: a denser graph is a larger index", { timeout: 30_000 }, async () => {
    const sizes: number[] = [];
    for (const m of [4, 32]) {
      const data = await makeDataDir((config) => void (config.retrieval = { ...(config.retrieval as object), hnswM: m }));
      try {
        expect(data.config.retrieval.hnswM).toBe(m);
        await ingest({ config: data.config, dataDir: data.dir, embeddings: new LocalEmbeddings() });
        const store = new VersionStore(data.dir);
        sizes.push((await stat(path.join(store.versionDir((await store.current())!), "vectors.hnsw"))).size);
      } finally {
        await data.cleanup();
      }
    }
    expect(sizes[1]!).toBeGreaterThan(sizes[0]! * 1.05);
  });

  it("builds the graph again when its settings change, though no page did, reusing every vector", { timeout: 30_000 }, async () => {
    const data = await makeDataDir();
    try {
      const embeddings = new LocalEmbeddings();
      const first = await ingest({ config: data.config, dataDir: data.dir, embeddings });
      const store = new VersionStore(data.dir);
      const manifest = async () => JSON.parse(await readFile(path.join(store.versionDir((await store.current())!), "manifest.json"), "utf8")) as IndexManifest;
      expect((await manifest()).graph).toEqual({ m: data.config.retrieval.hnswM, efConstruction: data.config.retrieval.hnswEfConstruction });
      // The same settings: nothing to publish.
      expect((await ingest({ config: data.config, dataDir: data.dir, embeddings })).published).toBe(false);
      const denser = { ...data.config, retrieval: { ...data.config.retrieval, hnswM: 32 } };
      const again = await ingest({ config: denser, dataDir: data.dir, embeddings });
      expect(again.published).toBe(true);
      expect(again.chunks.embedded).toBe(0);
      expect(again.chunks.total).toBe(first.chunks.total);
      expect((await manifest()).graph?.m).toBe(32);
    } finally {
      await data.cleanup();
    }
  });

  it("loads a version as its manifest says it was built, and older versions as they were", () => {
    const base: IndexManifest = { version: "v", createdAt: "", embedder: "e", dimensions: 512, chunks: 5000, documents: 10, municipalities: [], pipeline: "2026-11-25.4" };
    const graph = { m: 24, efConstruction: 400 };
    expect(vectorOptionsFor({ ...base, graph, vectorsCentred: false }, { efSearch: 160 })).toEqual({ efSearch: 160, centred: false });
    // Written before the manifest said: from pipeline 2026-11-25.4 on, an index of 1,000 chunks or more was centred.
    expect(vectorOptionsFor({ ...base, graph }, { efSearch: 160 }).centred).toBe(true);
    expect(vectorOptionsFor({ ...base, graph, chunks: 999 }, {}).centred).toBeUndefined();
    expect(vectorOptionsFor({ ...base, graph, pipeline: "2026-11-25.3" }, {}).centred).toBeUndefined();
    expect(vectorOptionsFor({ ...base, graph, pipeline: "2026-11-26.1" }, {}).centred).toBe(true);
    // An M 16 graph from before the graph was recorded is searched as much wider as it needs until it is rebuilt.
    expect(vectorOptionsFor({ ...base, vectorsCentred: true }, { efSearch: 160 }).efSearch).toBe(256);
    expect(vectorOptionsFor({ ...base, vectorsCentred: true }, { efSearch: 100 }).efSearch).toBe(160);
    expect(vectorOptionsFor({ ...base, vectorsCentred: true }, {}).efSearch).toBe(256);
  });

  it("builds by default what the configuration's defaults say", () => {
    const { retrieval } = parseConfig({ municipalities: [{ id: "x", name: "X", contact: { office: "Amt" } }] });
    expect(graphSettings({})).toEqual({ m: retrieval.hnswM, efConstruction: retrieval.hnswEfConstruction });
    expect(VectorIndex.build([[1, 0]], 2).efSearch).toBe(retrieval.efSearch);
  });

  it("refuses a value hnswlib cannot use, naming the field", () => {
    expect(() => parseConfig({ municipalities: [{ id: "x", name: "X", contact: { office: "Amt" } }], retrieval: { hnswM: 500 } })).toThrow(/retrieval\.hnswM/);
  });
});

describe("a vector index of many chunks", () => {
  // Vectors that share one direction, as embeddings of texts in one language do.
  const random = seeded(11);
  const dims = 64;
  const common = unit(Array.from({ length: dims }, () => random() - 0.5));
  const vectors = Array.from({ length: 1200 }, () => unit(common.map((c) => c * 2 + (random() - 0.5))));
  const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

  it("is searched without the direction all vectors share, and gives back each vector as it was given", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "auskunft-centre-"));
    try {
      const file = path.join(dir, "vectors.hnsw");
      await VectorIndex.build(vectors, dims).save(file);
      expect((await stat(`${file}.center`)).size).toBe((dims + vectors.length) * 4);
      const index = await VectorIndex.load(file, dims);
      // Ingestion reuses the vectors of unchanged chunks from the published version.
      for (const i of [0, 599, 1199]) expect(Math.max(...index.vector(i).map((x, d) => Math.abs(x - vectors[i]![d]!)))).toBeLessThan(1e-5);
      // The nearest chunk by the index's measure (the centred cosine) is found; for some questions it is
      // not what the plain cosine ranks first: the direction all vectors share no longer decides.
      const stored = vectors.map((_, i) => index.searchedVector(i));
      const best = (score: (i: number) => number) => stored.reduce((top, _, i) => (score(i) > score(top) ? i : top), 0);
      let differs = 0;
      for (let q = 0; q < 30; q++) {
        const query = unit(vectors[q * 40]!.map((x) => x + (random() - 0.5) * 0.6));
        const centred = index.searchVector(query);
        const exact = best((i) => cosine(stored[i]!, centred));
        expect(index.search(query, 1)[0]!.index).toBe(exact);
        if (best((i) => cosine(vectors[i]!, query)) !== exact) differs++;
      }
      expect(differs).toBeGreaterThan(0);
      // One town's search: only the chunks it may answer from, as many as asked for, nearest first. A tenth
      // of the chunks with its share known (one wide search), and a hundredth whose share is not given
      // (too few pass the wide search: hnswlib's filtered search).
      for (const [every, share] of [[10, 0.1], [100, undefined]] as const) {
        const allow = (i: number) => i % every === 3;
        const query = unit(vectors[33]!.map((x) => x + (random() - 0.5) * 0.6));
        const centred = index.searchVector(query);
        const hits = index.search(query, 10, allow, share);
        expect(hits).toHaveLength(10);
        expect(hits.every((h) => allow(h.index))).toBe(true);
        const exact = stored.map((v, i) => ({ i, s: cosine(v, centred) })).filter(({ i }) => allow(i)).sort((a, b) => b.s - a.s);
        expect(hits.slice(0, 5).map((h) => h.index)).toEqual(exact.slice(0, 5).map((e) => e.i));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses a vector that is not all numbers, and finds nothing for a question without any direction", () => {
    const broken = vectors.map((v, i) => (i === 500 ? v.map((x, d) => (d === 3 ? Number.NaN : x)) : v));
    expect(() => VectorIndex.build(broken, dims)).toThrow(/vector 500 .*not a finite number/);
    const index = VectorIndex.build(vectors, dims);
    expect(index.search(new Array<number>(dims).fill(0), 5)).toEqual([]);
    expect(index.search(vectors[9]!, 5)[0]!.index).toBe(9);
  });

  it("of an older version, without a mean beside it, is searched as it was written", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "auskunft-centre-"));
    try {
      const file = path.join(dir, "vectors.hnsw");
      await VectorIndex.build(vectors, dims, { centerFrom: Infinity }).save(file);
      await expect(stat(`${file}.center`)).rejects.toThrow();
      const index = await VectorIndex.load(file, dims);
      expect(index.vector(7)[0]).toBeCloseTo(vectors[7]![0]!, 5);
      expect(index.search(vectors[7]!, 1)[0]!.index).toBe(7);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function unit(v: number[]): number[] {
  const l = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / l);
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

describe("which build of hnswlib searches", () => {
  const v3 = ["fpu", "sse2", "cx16", "lahf_lm", "popcnt", "pni", "ssse3", "sse4_1", "sse4_2", "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"];
  const builds = [
    { march: "x86-64-v3", file: "/cache/v3.node", flags: [] },
    { march: "native", file: "/cache/native.node", flags: [...v3, "avx512f"] },
  ];

  it("takes the build for exactly this processor, else x86-64-v3, where the processor has what it was compiled for", () => {
    expect(chooseHnswlibBuild(new Set([...v3, "avx512f"]), builds, {})).toEqual({ name: "native", file: "/cache/native.node" });
    // Copied to a machine without AVX-512: the native build would crash there.
    expect(chooseHnswlibBuild(new Set(v3), builds, {})).toEqual({ name: "x86-64-v3", file: "/cache/v3.node" });
  });

  it("falls back to npm's portable build on an older processor, or when told to", () => {
    expect(chooseHnswlibBuild(new Set(v3.filter((f) => f !== "avx2")), builds, {})).toEqual({ name: "portable" });
    // A virtual machine that shows AVX2 but hides an older instruction set the build may use.
    expect(chooseHnswlibBuild(new Set(v3.filter((f) => f !== "sse4_2")), builds, {})).toEqual({ name: "portable" });
    expect(chooseHnswlibBuild(new Set([...v3, "avx512f"]), [], {})).toEqual({ name: "portable" });
    expect(chooseHnswlibBuild(new Set([...v3, "avx512f"]), builds, { AUSKUNFT_HNSWLIB: "portable" })).toEqual({ name: "portable" });
  });

  it("searches with the build it loaded as npm's build does", () => {
    // Whatever build this machine loads (HNSWLIB_BUILD), its nearest neighbours are the exact ones.
    expect(["portable", "x86-64-v3", "native"]).toContain(HNSWLIB_BUILD);
    const random = seeded(5);
    const vectors = Array.from({ length: 300 }, () => unit(Array.from({ length: 32 }, () => random() - 0.5)));
    const index = VectorIndex.build(vectors, 32, { efSearch: 300 });
    for (const q of [3, 150, 299]) expect(index.search(vectors[q]!, 1)[0]!.index).toBe(q);
  });
});
