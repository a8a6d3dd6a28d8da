import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IndexSnapshot } from "../src/store/snapshot.js";
import { VersionStore } from "../src/store/versions.js";
import { runIngestCli as cli } from "./helpers/cli.js";
import { makeDataDir } from "./helpers/demo.js";

let data: Awaited<ReturnType<typeof makeDataDir>>;
beforeAll(async () => {
  data = await makeDataDir();
});
afterAll(() => data?.cleanup());

/** The editor's commands, run as an editor runs them (test/helpers/cli.ts). */
describe("the ingestion command", () => {
  it("adds a folder once, rolls back to the version before, and refuses a one-off run without a town", { timeout: 60_000 }, async () => {
    const store = new VersionStore(data.dir);
    const full = await cli(data.dir, []);
    expect(full.code, full.stderr).toBe(0);
    const first = await store.current();
    expect(first).toBeTruthy();

    // A statute an editor has as a file, not yet on the website.
    const folder = path.join(data.dir, "neu");
    await mkdir(folder);
    await writeFile(
      path.join(folder, "parkgebuehren.md"),
      "# Parkgebührenordnung der Gemeinde Musterbach\n\n## § 1 Gebühren\n\nDas Parken auf dem Marktplatz kostet 0,50 Euro je angefangene halbe Stunde.\n",
    );
    const once = await cli(data.dir, ["--municipality", "musterbach", "--files", folder]);
    expect(once.code, once.stderr).toBe(0);
    const second = await store.current();
    expect(second).not.toBe(first);
    const withFile = await IndexSnapshot.load(store.versionDir(second!));
    expect(withFile.chunks.some((c) => c.text.includes("0,50 Euro je angefangene halbe Stunde"))).toBe(true);
    // Added to what was published, not instead of it.
    expect(withFile.chunks.some((c) => c.title.startsWith("Hundesteuersatzung"))).toBe(true);

    const back = await cli(data.dir, ["--rollback"]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain(first!);
    expect(await store.current()).toBe(first);

    const noTown = await cli(data.dir, ["--files", folder]);
    expect(noTown.code).toBe(2);
    expect(noTown.stderr).toContain("--url and --files need --municipality <id>");
    expect(await store.current()).toBe(first);
  });

  it("exits with 3 when a source could not be crawled completely, after publishing what it could", { timeout: 60_000 }, async () => {
    // A second website of the town that does not answer (nothing listens on port 9 of this machine).
    const down = await makeDataDir((config) => {
      const [m] = config.municipalities as { sources: unknown[] }[];
      m!.sources.push({ type: "website", startUrls: ["http://127.0.0.1:9/"] });
    });
    try {
      // npm start's first run (--if-missing) publishes what it could and lets the server start.
      const first = await cli(down.dir, ["--if-missing"]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain("Not crawled completely");
      expect(await new VersionStore(down.dir).current()).toBeTruthy();
      // A scheduled run says it with its exit code.
      const scheduled = await cli(down.dir, []);
      expect(scheduled.code, scheduled.stderr).toBe(3);
      expect(scheduled.stdout).toContain("Not crawled completely");
    } finally {
      await down.cleanup();
    }
  });
});
