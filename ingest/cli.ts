import { parseArgs } from "node:util";
import { loadConfig, readEnvironment, ConfigError } from "../src/config/load.js";
import path from "node:path";
import { Source, type Config } from "../src/config/schema.js";
import { createEmbeddings } from "../src/embeddings/index.js";
import { VersionStore } from "../src/store/versions.js";
import { LockedError } from "./lock.js";
import { ingest } from "./pipeline.js";
import { formatReport } from "./report.js";
import { progressReporter } from "./progress.js";

const USAGE = `Usage: npm run ingest -- [options]

  (no options)              crawl every configured source and publish a new index version
  --municipality <id>       only this municipality's sources (others keep their chunks)
  --url <start URL>         with --municipality: crawl this website once, in addition to what is published
  --files <folder>          with --municipality: read this folder (HTML, Markdown, text, PDF) once, likewise
                            (the next full run drops what came from sources that are not in config.json)
  --if-missing              do nothing when an index is already published (used by npm start)
  --rollback                point the server back at the previous index version
  --help                    this text

Reads AUSKUNFT_DATA_DIR (default: data/) for config.json and writes index versions below it.
Exit codes: 0 done; 1 nothing could be published; 2 a mistake in config.json or the options;
3 done, but a source could not be crawled completely (its pages were kept; run again later).`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      municipality: { type: "string" },
      url: { type: "string" },
      files: { type: "string" },
      "if-missing": { type: "boolean", default: false },
      rollback: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const env = readEnvironment();
  let config = await loadConfig(env.dataDir);
  const store = new VersionStore(env.dataDir, config.keepVersions);

  if (values.rollback) {
    const version = await store.rollback();
    console.log(`The server now answers from index version ${version} (it picks it up within seconds).`);
    return 0;
  }
  if (values["if-missing"] && (await store.current())) return 0;
  if ((values.url || values.files) && !values.municipality) throw new ConfigError("--url and --files need --municipality <id>");
  if (values.url && values.files) throw new ConfigError("give either --url or --files, not both");
  if (values.municipality) config = onlyMunicipality(config, values.municipality, values.url, values.files);

  const report = await ingest({
    config,
    dataDir: env.dataDir,
    embeddings: createEmbeddings(config.embeddings),
    ...(values.municipality ? { municipalities: [values.municipality] } : {}),
    log: (line) => console.log(line),
    onProgress: progressReporter(),
  });
  console.log(`\n${formatReport(report)}`);
  if (!report.published && !report.version) return 1;
  // The index stands, but a source could not be crawled completely: a scheduled run should say so.
  return report.incomplete.length > 0 && !values["if-missing"] ? 3 : 0;
}

function onlyMunicipality(config: Config, id: string, url?: string, files?: string): Config {
  const m = config.municipalities.find((x) => x.id === id);
  if (!m) throw new ConfigError(`municipality "${id}" is not in config.json (configured: ${config.municipalities.map((x) => x.id).join(", ")})`);
  if (!url && !files) return config;
  let source: Source;
  try {
    source = Source.parse(url ? { type: "website", startUrls: [url] } : { type: "files", path: path.resolve(files!) });
  } catch {
    throw new ConfigError(`--url must be an http(s) URL, got "${url}"`);
  }
  return { ...config, municipalities: config.municipalities.map((x) => (x.id === id ? { ...x, sources: [source] } : x)) };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = error instanceof ConfigError || error instanceof LockedError;
    console.error(known ? `auskunft: ${(error as Error).message}` : error);
    process.exit(known ? 2 : 1);
  },
);
