import { pino, type Logger } from "pino";

/** Structured logs on stdout. Citizens' questions are never logged, only their length. */
export function createLogger(level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({ level, base: undefined, redact: ["question", "history", "*.question", "*.history"] });
}
