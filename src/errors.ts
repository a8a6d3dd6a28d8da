/** Errors with a stable code (and HTTP status) that the edges turn into responses. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 500,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AppError";
  }
}

export const invalidRequest = (message: string) => new AppError("invalid_request", message, 400);
export const unknownMunicipality = (id: string) => new AppError("unknown_municipality", `municipality "${id}" is not configured`, 400);
export const indexNotReady = () =>
  new AppError("index_not_ready", "no index is published yet: run the ingestion (npm run ingest) and try again", 503);
