import { stat } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config/load.js";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import { VersionStore } from "../src/store/versions.js";
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

  it("refuses a value hnswlib cannot use, naming the field", () => {
    expect(() => parseConfig({ municipalities: [{ id: "x", name: "X", contact: { office: "Amt" } }], retrieval: { hnswM: 500 } })).toThrow(/retrieval\.hnswM/);
  });
});
