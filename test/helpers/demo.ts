import { mkdtemp, rm, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { parseConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { LocalEmbeddings } from "../../src/embeddings/local.js";
import { ingest } from "../../ingest/pipeline.js";

export const REPO = path.resolve(import.meta.dirname, "../..");
export const DEMO_SITE = path.join(REPO, "data/demo/site");
export const silentLogger = pino({ level: "silent" });

/** A fresh data folder with the demo configuration, the demo site beside it. */
export async function makeDataDir(mutate: (config: Record<string, unknown>) => void = () => {}): Promise<{ dir: string; config: Config; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "auskunft-test-"));
  const json = JSON.parse(await readFile(path.join(REPO, "data/config.json"), "utf8")) as Record<string, unknown>;
  const [m] = json.municipalities as { sources: { root: string }[] }[];
  m!.sources[0]!.root = DEMO_SITE;
  mutate(json);
  await writeFile(path.join(dir, "config.json"), JSON.stringify(json, null, 2));
  return { dir, config: parseConfig(json), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The demo data folder with a published index, as `npm start` leaves it. */
export async function ingestedDemo() {
  const data = await makeDataDir();
  const report = await ingest({ config: data.config, dataDir: data.dir, embeddings: new LocalEmbeddings() });
  return { ...data, report };
}

