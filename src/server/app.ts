import { createServer, type Server as HttpServer } from "node:http";
import path from "node:path";
import express, { type Express } from "express";
import helmet from "helmet";
import { rateLimit } from "express-rate-limit";
import { Server } from "socket.io";
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import type { AskService } from "../answer/service.js";
import type { IndexHolder } from "../store/holder.js";
import { PIPELINE_VERSION } from "../store/records.js";
import { AskRequest, describeInvalid, type ClientToServerEvents, type ServerToClientEvents } from "../protocol/messages.js";
import { invalidRequest } from "../errors.js";
import { errorHandler } from "./errors.js";
import { attachSocketHandlers } from "./socket.js";

export interface AppDeps {
  config: Config;
  dataDir: string;
  publicDir: string;
  service: AskService;
  index: IndexHolder;
  logger: Logger;
  /** The configured embedder, to tell in /healthz whether the published index fits it. */
  embedderId: string;
  /** Questions per minute and client over HTTP, and per connection over socket.io. */
  askPerMinute?: number;
}

export interface App {
  app: Express;
  /** Problems found at start (endpoint unreachable, index of another embedder), shown on /healthz. */
  problems: string[];
  http: HttpServer;
  io: Server<ClientToServerEvents, ServerToClientEvents>;
  close(): Promise<void>;
}

/** Builds the express app and the socket.io server; the caller decides where to listen. */
export function createApp(deps: AppDeps): App {
  const { config, service, index, logger } = deps;
  const app = express();
  const problems: string[] = [];
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");
  app.use(
    helmet({
      contentSecurityPolicy: { directives: { "script-src": ["'self'"], "connect-src": ["'self'", "ws:", "wss:"] } },
      // The widget script is loaded by the towns' own websites.
      crossOriginResourcePolicy: { policy: "cross-origin" },
    }),
  );

  app.get("/healthz", (_req, res) => {
    const snapshot = index.current();
    res.json({
      status: !snapshot ? "no_index" : service.modelState.state === "degraded" ? "degraded" : "ok",
      version: snapshot?.manifest.version ?? null,
      chunks: snapshot?.manifest.chunks ?? 0,
      documents: snapshot?.manifest.documents ?? 0,
      embedder: snapshot?.manifest.embedder ?? null,
      // The index must be queried with the embedder that built it.
      embedderMatches: snapshot ? snapshot.manifest.embedder === deps.embedderId : null,
      answerer: service.modelState,
      municipalities: config.municipalities.map((m) => m.id),
      problems: snapshot && snapshot.manifest.pipeline !== PIPELINE_VERSION ? [...problems, "the index was built by an older version of auskunft: run npm run ingest"] : problems,
    });
  });

  const askLimit = rateLimit({ windowMs: 60_000, limit: deps.askPerMinute ?? 30, standardHeaders: "draft-8", legacyHeaders: false,
    handler: (_req, res) => res.status(429).json({ error: { code: "rate_limited", message: "too many questions; please wait a minute" } }) });
  app.post("/api/ask", askLimit, express.json({ limit: "64kb" }), async (req, res) => {
    const parsed = AskRequest.safeParse(req.body);
    if (!parsed.success) throw invalidRequest(describeInvalid(parsed.error));
    const started = performance.now();
    // A citizen who closes the page does not wait for the answer: stop the model call too.
    const abort = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) abort.abort();
    });
    let answer;
    try {
      answer = await service.ask(parsed.data, undefined, abort.signal);
    } catch (error) {
      if (abort.signal.aborted) return void logger.info({ event: "ask_abandoned", via: "http", ms: Math.round(performance.now() - started) });
      throw error;
    }
    if (abort.signal.aborted) return;
    logger.info({ event: "ask", via: "http", chars: parsed.data.question.length, grounded: answer.grounded, ms: Math.round(performance.now() - started) });
    res.json(answer);
  });
  app.use("/api", (_req, res) => {
    res.status(404).json({ error: { code: "not_found", message: "no such API endpoint" } });
  });

  app.use(express.static(deps.publicDir, { index: false }));
  // Demo mode: the town's own website, with the widget embedded, at the root.
  for (const m of config.municipalities) {
    for (const source of m.sources) {
      if (source.type === "static-site" && source.serve) app.use(express.static(path.resolve(deps.dataDir, source.root)));
    }
  }
  app.use(errorHandler(logger));

  const http = createServer(app);
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(http, {
    maxHttpBufferSize: 64 * 1024,
    serveClient: true,
    ...(config.server.allowedOrigins.length ? { cors: { origin: config.server.allowedOrigins } } : {}),
  });
  attachSocketHandlers(io, service, logger, deps.askPerMinute ?? 30);

  return {
    app,
    problems,
    http,
    io,
    close: () =>
      new Promise((resolve) => {
        io.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
