import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";

export interface ChatRequest {
  messages: { role: string; content: string }[];
  stream?: boolean;
  model: string;
}

/** What the fake endpoint does with one chat request. */
export type Reply =
  | { text: string; chunk?: number }
  | { status: number; retryAfter?: number }
  | { stallAfter: string };

/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1 for tests: /v1/chat/completions (SSE stream
 * and plain), /v1/embeddings (deterministic float vectors) and /v1/models, scripted per request.
 */
export async function startFakeOpenAI(script: (req: ChatRequest) => Reply) {
  const requests: ChatRequest[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const body = await new Promise<string>((resolve) => {
      let data = "";
      req.on("data", (c) => (data += c));
      req.on("end", () => resolve(data));
    });
    if (req.url?.endsWith("/models")) return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: [{ id: "fake-model" }] }));
    if (req.url?.endsWith("/embeddings")) {
      const { input } = JSON.parse(body) as { input: string[] | string };
      const inputs = Array.isArray(input) ? input : [input];
      const data = inputs.map((text, index) => ({ object: "embedding", index, embedding: vectorOf(text) }));
      return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data, model: "fake-embed" }));
    }
    const chat = JSON.parse(body) as ChatRequest;
    requests.push(chat);
    const reply = script(chat);
    if ("status" in reply) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (reply.retryAfter !== undefined) headers["retry-after"] = String(reply.retryAfter);
      return void res.writeHead(reply.status, headers).end(JSON.stringify({ error: { message: `scripted ${reply.status}` } }));
    }
    const text = "text" in reply ? reply.text : reply.stallAfter;
    if (!chat.stream) {
      return void res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({ id: "x", object: "chat.completion", created: 0, model: chat.model, choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }] }),
      );
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    open.add(res);
    res.on("close", () => open.delete(res));
    const size = "chunk" in reply && reply.chunk ? reply.chunk : 12;
    for (let i = 0; i < text.length; i += size) {
      const delta = { id: "x", object: "chat.completion.chunk", created: 0, model: chat.model, choices: [{ index: 0, delta: { content: text.slice(i, i + size) }, finish_reason: null }] };
      res.write(`data: ${JSON.stringify(delta)}\n\n`);
    }
    if ("stallAfter" in reply) return; // never finishes
    res.write(`data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", created: 0, model: chat.model, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`);
    res.end("data: [DONE]\n\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    /** Streams still open: a stalled stream stays open until the client goes away. */
    openStreams: () => open.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of open) r.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A deterministic 64-dimensional vector of a text's words, so that similar texts are near. */
export function vectorOf(text: string): number[] {
  const v = new Array<number>(64).fill(0);
  for (const w of text.toLowerCase().match(/\p{L}{3,}/gu) ?? []) v[createHash("md5").update(w).digest()[0]! % 64]! += 1;
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

/** The number of the source in a chat request whose text contains `needle`. */
export function sourceNumber(req: ChatRequest, needle: string): number | undefined {
  const human = req.messages.find((m) => m.role === "user" || m.role === "human")?.content ?? "";
  for (const m of human.matchAll(/<quelle nummer="(\d+)"[^>]*>([\s\S]*?)<\/quelle>/g)) if (m[2]!.includes(needle)) return Number(m[1]);
  return undefined;
}
