/** What the crawler needs of HTTP: one GET, with the final URL after redirects. */
export interface FetchResult {
  /** URL after redirects. */
  url: string;
  status: number;
  headers: Headers;
  body: Buffer;
}

export interface FetchOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface Fetcher {
  fetch(url: string, options?: FetchOptions): Promise<FetchResult>;
}

export class FetchError extends Error {
  constructor(
    message: string,
    /** Worth another try later (timeout, connection reset), as opposed to a permanent failure. */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface HttpFetcherOptions {
  userAgent: string;
  timeoutMs: number;
  maxBytes: number;
}

/**
 * The request's headers. A conditional request ("has it changed since?") also says `Cache-Control:
 * max-age=0`, as a browser's reload does: without it, fetch adds `no-cache`, and servers that go by
 * it (Express and its static files, among others) then answer with the whole page instead of a 304.
 */
function requestHeaders(userAgent: string, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { "user-agent": userAgent, ...extra };
  const names = Object.keys(headers).map((h) => h.toLowerCase());
  const conditional = names.includes("if-none-match") || names.includes("if-modified-since");
  if (conditional && !names.includes("cache-control")) headers["cache-control"] = "max-age=0";
  return headers;
}

/** Node's built-in fetch with a user agent, a time limit and a size limit. */
export class HttpFetcher implements Fetcher {
  constructor(private readonly options: HttpFetcherOptions) {}

  async fetch(url: string, options: FetchOptions = {}): Promise<FetchResult> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    try {
      const headers = requestHeaders(this.options.userAgent, options.headers);
      // "no-cache" for a conditional request: fetch then adds no Pragma either.
      response = await fetch(url, { headers, redirect: "follow", signal, ...("cache-control" in headers ? { cache: "no-cache" as const } : {}) });
    } catch (error) {
      const e = error as Error;
      if (e.name === "TimeoutError") throw new FetchError(`timed out after ${this.options.timeoutMs} ms`, true, { cause: error });
      const detail = (e.cause as Error | undefined)?.message ?? e.message;
      throw new FetchError(`request failed: ${detail}`, !/redirect/i.test(detail), { cause: error });
    }
    const declared = Number(response.headers.get("content-length") ?? 0);
    if (declared > this.options.maxBytes) {
      await response.body?.cancel();
      throw new FetchError(`too large: ${declared} bytes (limit ${this.options.maxBytes})`, false);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body ?? []) {
        size += chunk.byteLength;
        if (size > this.options.maxBytes) throw new FetchError(`too large: more than ${this.options.maxBytes} bytes`, false);
        chunks.push(Buffer.from(chunk));
      }
    } catch (error) {
      if (error instanceof FetchError) throw error;
      const timedOut = (error as Error).name === "TimeoutError";
      throw new FetchError(timedOut ? `timed out after ${this.options.timeoutMs} ms` : `reading the body failed: ${(error as Error).message}`, true, { cause: error });
    }
    return { url: response.url || url, status: response.status, headers: response.headers, body: Buffer.concat(chunks) };
  }
}
