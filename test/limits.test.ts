import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io as connect } from "socket.io-client";
import { compose, type Composed } from "../src/server/compose.js";
import { acquireLock, LockedError } from "../ingest/lock.js";
import { ingestedDemo, silentLogger } from "./helpers/demo.js";

let app: Composed;
let base: string;
let dataDir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const demo = await ingestedDemo();
  cleanup = demo.cleanup;
  dataDir = demo.dir;
  const config = { ...demo.config, server: { askPerMinute: 2, allowedOrigins: ["https://www.musterbach.example"] } };
  app = await compose({ config, dataDir: demo.dir, logger: silentLogger });
  await new Promise<void>((resolve) => app.http.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(app.http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
  await cleanup?.();
});

describe("limits that protect the town's server", () => {
  it("answers HTTP with 429 after the configured number of questions a minute", async () => {
    const ask = () => fetch(`${base}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "Hundesteuer?" }) });
    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(200);
    const third = await ask();
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
  });

  it("limits questions per socket.io connection too", async () => {
    const socket = connect(base, { transports: ["websocket"], forceNew: true });
    try {
      const next = () =>
        new Promise<string>((resolve) => {
          socket.once("answer:done", () => resolve("done"));
          socket.once("answer:error", (e: { code: string }) => resolve(e.code));
          socket.emit("ask", { question: "Hundesteuer?" });
        });
      expect(await next()).toBe("done");
      expect(await next()).toBe("done");
      expect(await next()).toBe("rate_limited");
    } finally {
      socket.close();
    }
  });

  it("lets the towns' websites load the widget and connect from their own origin", async () => {
    const widget = await fetch(`${base}/widget/auskunft-widget.js`);
    expect(widget.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    const poll = await fetch(`${base}/socket.io/?EIO=4&transport=polling`, { headers: { origin: "https://www.musterbach.example" } });
    expect(poll.headers.get("access-control-allow-origin")).toBe("https://www.musterbach.example");
  });

  it("gives the ingestion lock to one run only, and only its owner releases it", async () => {
    const release = await acquireLock(`${dataDir}/index`);
    await expect(acquireLock(`${dataDir}/index`)).rejects.toBeInstanceOf(LockedError);
    await release();
    const again = await acquireLock(`${dataDir}/index`);
    await again();
  });
});
