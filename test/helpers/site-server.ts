import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Route = (req: IncomingMessage, res: ServerResponse, hits: number) => void | Promise<void>;

export interface FixtureSite {
  origin: string;
  /** Requests per path, in the order they came. */
  log: { path: string; userAgent: string | undefined; at: number }[];
  hits(path: string): number;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 serving scripted routes, for crawler tests. */
export async function startSite(routes: Record<string, Route>): Promise<FixtureSite> {
  const log: FixtureSite["log"] = [];
  const count = new Map<string, number>();
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    log.push({ path, userAgent: req.headers["user-agent"], at: Date.now() });
    const n = (count.get(path) ?? 0) + 1;
    count.set(path, n);
    const route = routes[path];
    if (!route) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    await route(req, res, n);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    hits: (p) => count.get(p) ?? 0,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const html = (body: string, title = "Seite", charset = "utf-8") =>
  `<!doctype html><html lang="de"><head><meta charset="${charset}"><title>${title}</title></head><body><header><nav><a href="/">Start</a></nav></header><main>${body}</main><footer>Impressum Musterbach</footer></body></html>`;

export const send =
  (body: string | Buffer, type = "text/html; charset=utf-8", status = 200): Route =>
  (_req, res) => {
    res.writeHead(status, { "content-type": type }).end(body);
  };
