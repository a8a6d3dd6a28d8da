import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import { VersionStore } from "../src/store/versions.js";
import { ingest } from "../ingest/pipeline.js";
import { ingestedDemo } from "./helpers/demo.js";

describe("after an upgrade of auskunft", () => {
  it("reads every page again and rebuilds the index, reusing the vectors, although no page changed", async () => {
    const demo = await ingestedDemo();
    try {
      const store = new VersionStore(demo.dir);
      const first = await store.current();
      const manifestFile = path.join(store.versionDir(first!), "manifest.json");
      const manifest = JSON.parse(await readFile(manifestFile, "utf8"));
      await writeFile(manifestFile, JSON.stringify({ ...manifest, pipeline: "an older version" }));

      const report = await ingest({ config: demo.config, dataDir: demo.dir, embeddings: new LocalEmbeddings() });
      expect(report.published).toBe(true);
      expect(report.version).not.toBe(first);
      expect(report.chunks.embedded).toBe(0);

      const again = await ingest({ config: demo.config, dataDir: demo.dir, embeddings: new LocalEmbeddings() });
      expect(again.published).toBe(false);
    } finally {
      await demo.cleanup();
    }
  });
});
