import type { ErrorRequestHandler } from "express";
import type { Logger } from "pino";
import { AppError } from "../errors.js";

export interface ErrorBody {
  error: { code: string; message: string };
}

/** One place where errors become responses: known ones keep their code, unknown ones become a 500 and a log line. */
export function toErrorBody(error: unknown, logger: Logger): { status: number; body: ErrorBody } {
  if (error instanceof AppError) return { status: error.status, body: { error: { code: error.code, message: error.message } } };
  const e = error as { type?: string; status?: number; message?: string };
  if (e?.type === "entity.parse.failed") return { status: 400, body: { error: { code: "invalid_json", message: "the request body is not valid JSON" } } };
  if (e?.type === "entity.too.large") return { status: 413, body: { error: { code: "too_large", message: "the request body is too large" } } };
  logger.error({ err: error }, "unexpected error");
  return { status: 500, body: { error: { code: "internal", message: "something went wrong on our side; please try again" } } };
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    const { status, body } = toErrorBody(error, logger);
    res.status(status).json(body);
  };
}
