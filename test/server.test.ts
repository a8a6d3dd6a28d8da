import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io as connect, type Socket } from "socket.io-client";
import type { AskResponse, ClientToServerEvents, ServerToClientEvents } from "../src/protocol/messages.js";
import { compose, type Composed } from "../src/server/compose.js";
import { ingestedDemo, silentLogger } from "./helpers/demo.js";

let app: Composed;
let base: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const demo = await ingestedDemo();
  cleanup = demo.cleanup;
  app = await compose({ config: demo.config, dataDir: demo.dir, logger: silentLogger, askPerMinute: 1000 });
  await new Promise<void>((resolve) => app.http.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(app.http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
  await cleanup?.();
});

const ask = async (body: unknown) => {
  const res = await fetch(`${base}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as AskResponse & { error?: { code: string; message: string } } };
};

function socketClient(): Promise<Socket<ServerToClientEvents, ClientToServerEvents>> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(base, { transports: ["websocket"], forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

describe("chat server on the demo town", () => {
  it("reports the published index on /healthz", async () => {
    const res = await fetch(`${base}/healthz`);
    const health = (await res.json()) as { status: string; version: string; chunks: number };
    expect(res.status).toBe(200);
    expect(health.status).toBe("ok");
    expect(health.version).toMatch(/^\d{8}T\d{9}-[0-9a-f]{6}$/);
    expect(health.chunks).toBeGreaterThan(100);
  });

  it("answers the dog tax question over HTTP with the amount and the § of the statute", async () => {
    const { status, json } = await ask({ question: "Was kostet die Hundesteuer für einen zweiten Hund?" });
    expect(status).toBe(200);
    expect(json.grounded).toBe(true);
    expect(json.answer).toContain("120,00 Euro");
    const statute = json.citations.find((c) => c.url.includes("hundesteuersatzung"));
    expect(statute?.section).toMatch(/^§ 5\b/);
    expect(json.answer).toContain(`[${statute!.n}]`);
  });

  it("streams the answer over socket.io and ends with the same cited answer", async () => {
    const socket = await socketClient();
    try {
      const tokens: string[] = [];
      socket.on("answer:token", ({ text }) => tokens.push(text));
      const done = new Promise<AskResponse>((resolve, reject) => {
        socket.once("answer:done", resolve);
        socket.once("answer:error", (e) => reject(new Error(e.message)));
      });
      socket.emit("ask", { question: "Was kostet ein Reihengrab?" });
      const answer = await done;
      expect(tokens.length).toBeGreaterThanOrEqual(2);
      expect(tokens.join("")).toBe(answer.answer);
      expect(answer.answer).toContain("850,00 Euro");
      expect(answer.citations.some((c) => c.url.startsWith("/downloads/friedhofsgebuehrensatzung.pdf"))).toBe(true);
    } finally {
      socket.close();
    }
  });

  it("says honestly when the sources do not cover a question, with the contact route", async () => {
    const { json } = await ask({ question: "Wie wird das Wetter morgen in Musterbach?" });
    expect(json.grounded).toBe(false);
    expect(json.citations).toEqual([]);
    expect(json.answer).toContain("0123 4567-100");
    expect(json.answer).toContain("115");
  });

  it("answers a question in another language from the German sources, with a note in that language", async () => {
    const { json } = await ask({ question: "How much is the dog tax?" });
    expect(json.grounded).toBe(true);
    expect(json.language).toBe("de");
    expect(json.answer).toMatch(/^Note: without the AI service, answers are only available in German/);
    expect(json.citations.some((c) => c.url.includes("hundesteuer"))).toBe(true);
    const ar = await ask({ question: "كم تبلغ ضريبة الكلاب؟" });
    expect(ar.json.answer).toMatch(/^ملاحظة/);
    expect(ar.json.citations.some((c) => c.url.includes("hundesteuer"))).toBe(true);
  });

  it("keeps the context of a follow-up question offline", async () => {
    const { json } = await ask({
      question: "Und für den zweiten?",
      history: [
        { role: "user", content: "Was kostet die Hundesteuer?" },
        { role: "assistant", content: "…" },
      ],
    });
    expect(json.grounded).toBe(true);
    expect(json.answer).toContain("120,00 Euro");
  });

  it("refuses bad input with a clear 400 and keeps serving", async () => {
    for (const [body, field] of [
      [{ question: "" }, "question"],
      [{ question: "x".repeat(10_000) }, "question"],
      [{ question: 42 }, "question"],
      [{ question: "Hallo", history: "nein" }, "history"],
      [{}, "question"],
    ] as const) {
      const { status, json } = await ask(body);
      expect(status).toBe(400);
      expect(json.error?.code).toBe("invalid_request");
      expect(json.error?.message).toContain(field);
    }
    const raw = await fetch(`${base}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: { code: string } }).error.code).toBe("invalid_json");
    const unknown = await ask({ question: "Hundesteuer?", municipality: "atlantis" });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error?.code).toBe("unknown_municipality");
    expect((await ask({ question: "Hundesteuer zweiter Hund" })).status).toBe(200);
  });

  it("answers bad socket payloads with answer:error and keeps the connection usable", async () => {
    const socket = await socketClient();
    try {
      const errorFor = (payload: unknown) =>
        new Promise<{ code: string; message: string }>((resolve) => {
          socket.once("answer:error", resolve);
          socket.emit("ask", payload);
        });
      expect(await errorFor({ question: "" })).toMatchObject({ code: "invalid_request" });
      expect((await errorFor({ question: "y".repeat(10_000) })).message).toContain("question");
      expect(await errorFor("just a string")).toMatchObject({ code: "invalid_request" });
      const done = new Promise<AskResponse>((resolve) => socket.once("answer:done", resolve));
      socket.emit("ask", { question: "Wann muss ich meinen Hund anmelden?" });
      expect((await done).grounded).toBe(true);
    } finally {
      socket.close();
    }
  });

  it("serves the demo town's home page with the widget embedded, and the widget script", async () => {
    const home = await (await fetch(`${base}/`)).text();
    expect(home).toContain("Gemeinde Musterbach");
    expect(home).toContain('src="/widget/auskunft-widget.js"');
    const widget = await fetch(`${base}/widget/auskunft-widget.js`);
    expect(widget.status).toBe(200);
    expect(widget.headers.get("content-type")).toContain("javascript");
  });
});

describe("plain language offline", () => {
  it("re-answers in shorter sentences with the same figures and citations, labelled as simplified", async () => {
    const question = "Was kostet die Hundesteuer für einen zweiten Hund?";
    const standard = await (await fetch(`${base}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question }) })).json() as AskResponse;
    const simple = await (await fetch(`${base}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question, style: "simple" }) })).json() as AskResponse;
    expect(simple.answer).toContain("Automatisch vereinfacht");
    expect(simple.citations).toEqual(standard.citations);
    for (const figure of standard.answer.match(/\d[\d.,]*\d|\[\d+\]|§ \d+/g) ?? []) expect(simple.answer).toContain(figure);
    const { readability } = await import("../src/text/readability.js");
    expect(readability(simple.answer).asl).toBeLessThan(readability(standard.answer).asl);
    expect(readability(simple.answer).amstad).toBeGreaterThan(readability(standard.answer).amstad);
  });
});
