import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:http";
import express from "express";

export interface StaticSite {
  origin: string;
  close(): Promise<void>;
}

/** Serves a folder on 127.0.0.1 (a free port) so that it can be crawled like any website. */
export async function serveFolder(root: string): Promise<StaticSite> {
  const app = express();
  app.use(express.static(root, { index: ["index.html"], redirect: true }));
  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => server.listen(0, "127.0.0.1", resolve).once("error", reject));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
