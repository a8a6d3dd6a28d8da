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
 * A conditional request ("has it changed since?") goes with fetch's cache mode "no-cache": fetch then
 * says `Cache-Control: max-age=0`, as a browser's reload does. In its default mode it would say
 * `no-cache`, and servers that go by that (Express and its static files, among others) answer with the
 * whole page instead of a 304.
 */
function isConditional(headers: Record<string, string>): boolean {
  return Object.keys(headers).some((h) => /^if-(none-match|modified-since)$/i.test(h));
}

/** Node's built-in fetch with a user agent, a time limit and a size limit. */
export class HttpFetcher implements Fetcher {
  constructor(private readonly options: HttpFetcherOptions) {}

  async fetch(url: string, options: FetchOptions = {}): Promise<FetchResult> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    try {
      const headers = { "user-agent": this.options.userAgent, ...options.headers };
      response = await fetch(url, { headers, redirect: "follow", signal, ...(isConditional(headers) ? { cache: "no-cache" as const } : {}) });
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
