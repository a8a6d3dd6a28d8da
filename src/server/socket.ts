import type { Server } from "socket.io";
import type { Logger } from "pino";
import { AskRequest, describeInvalid, type ClientToServerEvents, type ServerToClientEvents } from "../protocol/messages.js";
import type { AskService } from "../answer/service.js";
import { toErrorBody } from "./errors.js";

/** socket.io: `ask` in; `answer:token`*, then `answer:done` or `answer:error` out. One question at a time per connection. */
export function attachSocketHandlers(io: Server<ClientToServerEvents, ServerToClientEvents>, service: AskService, logger: Logger, askPerMinute: number): void {
  io.on("connection", (socket) => {
    let busy = false;
    let asked: number[] = [];
    const abort = new AbortController();
    socket.on("disconnect", () => abort.abort());
    socket.on("ask", async (payload: unknown) => {
      const parsed = AskRequest.safeParse(payload);
      if (!parsed.success) {
        socket.emit("answer:error", { code: "invalid_request", message: describeInvalid(parsed.error) });
        return;
      }
      if (busy) {
        socket.emit("answer:error", { code: "busy", message: "the previous question is still being answered" });
        return;
      }
      const now = Date.now();
      asked = asked.filter((t) => now - t < 60_000);
      if (asked.length >= askPerMinute) {
        socket.emit("answer:error", { code: "rate_limited", message: "too many questions; please wait a minute" });
        return;
      }
      asked.push(now);
      busy = true;
      const started = performance.now();
      try {
        const answer = await service.ask(parsed.data, (text) => socket.emit("answer:token", { text }), abort.signal);
        socket.emit("answer:done", answer);
        logger.info({ event: "ask", via: "socket", chars: parsed.data.question.length, grounded: answer.grounded, ms: Math.round(performance.now() - started) });
      } catch (error) {
        // Gone: the model call was stopped on purpose, and there is nobody to tell.
        if (abort.signal.aborted) return void logger.info({ event: "ask_abandoned", via: "socket", ms: Math.round(performance.now() - started) });
        const { body } = toErrorBody(error, logger);
        socket.emit("answer:error", body.error);
      } finally {
        busy = false;
      }
    });
  });
}
