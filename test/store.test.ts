import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import type { Chunk } from "../src/store/records.js";
import { IndexSnapshot, writeSnapshot } from "../src/store/snapshot.js";
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
