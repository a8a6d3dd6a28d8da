import { loadConfig, readEnvironment } from "../config/load.js";
import { compose } from "./compose.js";
import { createLogger } from "./logger.js";
import { probeEndpoints } from "./probe.js";

const logger = createLogger();

try {
  const env = readEnvironment();
  const config = await loadConfig(env.dataDir);
  const started = performance.now();
  const app = await compose({ config, dataDir: env.dataDir, logger });
  const snapshot = app.index.current();
  if (!snapshot) logger.warn({ event: "no_index" }, "no index is published yet: run `npm run ingest`; the server answers 503 until then");
  const health = await probeEndpoints(config, snapshot?.manifest.embedder);
  for (const problem of health) logger.error({ event: "endpoint_problem" }, problem);
  app.problems.push(...health);
  app.index.watch();
  app.http.once("error", (error: NodeJS.ErrnoException) => {
    logger.fatal({ event: "listen_failed" }, error.code === "EADDRINUSE" ? `port ${env.port} is already in use: set PORT to a free port` : error.message);
    process.exit(1);
  });
  app.http.listen(env.port, () => {
    logger.info({ event: "listening", port: env.port, ms: Math.round(performance.now() - started) }, `auskunft is serving on http://localhost:${env.port}/`);
  });
  const shutdown = () => {
    logger.info({ event: "shutdown" });
    void app.close().then(() => process.exit(0));
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
} catch (error) {
  logger.fatal({ err: error }, (error as Error).message);
  process.exit(1);
}
