import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hashChunk } from "../ingest/chunk.js";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import { IndexHolder } from "../src/store/holder.js";
import { writeSnapshot } from "../src/store/snapshot.js";
import { VersionStore } from "../src/store/versions.js";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function publishGood(store: VersionStore): Promise<string> {
  const embeddings = new LocalEmbeddings();
  const c = { id: "a#0", docId: "a", municipality: "testdorf", url: "/a", title: "Hundesteuer", headings: [], text: "Die Hundesteuer beträgt 60 Euro." };
  const chunks = [{ ...c, hash: hashChunk(c) }];
  const { version, dir } = await store.stage();
  await writeSnapshot(dir, {
    manifest: { version, createdAt: new Date().toISOString(), embedder: embeddings.id, dimensions: 512, chunks: 1, documents: 1, municipalities: ["testdorf"] },
    chunks,
    vectors: await embeddings.embedDocuments([c.text]),
  });
  await store.publish(version, dir);
  return version;
}

describe("the server's hold on the published index", () => {
  it("reports a broken new version once instead of at every look, keeps serving, and takes the next good version at once", async () => {
    const data = await mkdtemp(path.join(tmpdir(), "auskunft-holder-"));
    dirs.push(data);
    const store = new VersionStore(data);
    const errors: string[] = [];
    const loaded: string[] = [];
    const holder = new IndexHolder(store, {}, { onError: (e) => errors.push(e.message), onLoaded: (v) => loaded.push(v) });

    const first = await publishGood(store);
    await holder.refresh();
    expect(holder.current()?.manifest.version).toBe(first);

    // A version whose files are broken (written by hand, as a disk or a bug might leave it).
    const { version: broken, dir } = await store.stage();
    await writeFile(path.join(dir, "manifest.json"), "{ not json");
    await store.publish(broken, dir);
    for (let i = 0; i < 5; i++) await holder.refresh();
    expect(errors).toHaveLength(1);
    expect(holder.current()?.manifest.version).toBe(first);

    // Pointer timestamps have file-system resolution: make sure the next publish is seen as a change.
    await new Promise((r) => setTimeout(r, 20));
    const next = await publishGood(store);
    await holder.refresh();
    expect(holder.current()?.manifest.version).toBe(next);
    expect(loaded).toEqual([first, next]);
  });
});
