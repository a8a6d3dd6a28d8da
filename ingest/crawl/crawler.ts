import pLimit from "p-limit";
import { FetchError, type Fetcher, type FetchResult } from "./fetcher.js";
import { loadRobots, type Robots } from "./robots.js";
import { readSitemaps } from "./sitemap.js";
import { isCrawlable, normaliseUrl } from "./urls.js";

export interface CrawlOptions {
  startUrls: string[];
  sitemaps: string[];
  allowedHosts: string[];
  include: RegExp[];
  exclude: RegExp[];
  maxPages: number;
  userAgent: string;
  concurrency: number;
  delayMs: number;
  retries?: number;
  /** Maps a URL found on the site (its public origin) to where it is fetched. */
  rewrite?: (url: string) => string;
}

export interface CrawlFailure {
  url: string;
  reason: string;
  /** The page may be back next time (timeout, 5xx): keep its previous version. */
  temporary: boolean;
}

export interface CrawlHandlers {
  /** Extra request headers for a URL: conditional requests (If-None-Match, If-Modified-Since). */
  requestHeaders?(url: string): Record<string, string>;
  /** Called for every page fetched with 2xx or 304; returns the links found on it. */
  onPage(page: FetchResult): Promise<string[]>;
  onFailure?(failure: CrawlFailure): void;
  onProgress?(done: number, queued: number): void;
}

export interface CrawlSummary {
  fetched: number;
  failed: number;
  skippedByRobots: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Breadth-first crawl from start URLs and sitemaps, inside the allowed hosts, obeying
 * robots.txt (Disallow and Crawl-delay) with a pause between requests to the same host.
 */
export async function crawl(options: CrawlOptions, fetcher: Fetcher, handlers: CrawlHandlers): Promise<CrawlSummary> {
  const rewrite = options.rewrite ?? ((u: string) => u);
  const allowedHosts = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const robotsByOrigin = new Map<string, Promise<Robots>>();
  const nextSlot = new Map<string, number>();
  const seen = new Set<string>();
  const queue: string[] = [];
  const summary: CrawlSummary = { fetched: 0, failed: 0, skippedByRobots: 0 };
  const fail = (failure: CrawlFailure) => {
    summary.failed++;
    handlers.onFailure?.(failure);
  };

  const robotsFor = (url: string) => {
    const origin = new URL(url).origin;
    let r = robotsByOrigin.get(origin);
    if (!r) robotsByOrigin.set(origin, (r = loadRobots(origin, fetcher, options.userAgent)));
    return r;
  };

  const enqueue = (raw: string, base?: string) => {
    const url = normaliseUrl(rewrite(new URL(raw, base).toString()));
    if (!url || seen.has(url) || seen.size >= options.maxPages) return;
    const { hostname } = new URL(url);
    if (!allowedHosts.has(hostname) || !isCrawlable(url)) return;
    if (options.include.length > 0 && !options.include.some((re) => re.test(url))) return;
    if (options.exclude.some((re) => re.test(url))) return;
    seen.add(url);
    queue.push(url);
  };

  /** Waits for this host's next free slot: requests to one host are spaced by the delay. */
  const politely = async (url: string, robots: Robots) => {
    const host = new URL(url).host;
    const delay = Math.max(options.delayMs, (robots.crawlDelay() ?? 0) * 1000);
    const now = Date.now();
    const slot = Math.max(now, nextSlot.get(host) ?? 0);
    nextSlot.set(host, slot + delay);
    if (slot > now) await sleep(slot - now);
  };

  const fetchWithRetries = async (url: string, robots: Robots): Promise<FetchResult | CrawlFailure> => {
    const attempts = 1 + (options.retries ?? 2);
    let last: CrawlFailure = { url, reason: "not fetched", temporary: true };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      await politely(url, robots);
      try {
        const headers = handlers.requestHeaders?.(url);
        const res = await fetcher.fetch(url, headers && Object.keys(headers).length ? { headers } : {});
        if (res.status === 429 || res.status >= 500) {
          last = { url, reason: `HTTP ${res.status}`, temporary: true };
          const retryAfter = Number(res.headers.get("retry-after"));
          if (attempt < attempts) await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 30) * 1000 : 300 * 2 ** attempt);
          continue;
        }
        return res;
      } catch (error) {
        const retryable = error instanceof FetchError ? error.retryable : true;
        last = { url, reason: (error as Error).message, temporary: retryable };
        if (!retryable) return last;
        if (attempt < attempts) await sleep(300 * 2 ** attempt);
      }
    }
    return last;
  };

  const visit = async (url: string) => {
    const robots = await robotsFor(url);
    if (!robots.allowed(url)) {
      summary.skippedByRobots++;
      return;
    }
    const result = await fetchWithRetries(url, robots);
    if (!("status" in result)) return fail(result);
    if (result.status === 404 || result.status === 410) return fail({ url, reason: `HTTP ${result.status}: gone`, temporary: false });
    if (result.status !== 304 && (result.status < 200 || result.status >= 300)) return fail({ url, reason: `HTTP ${result.status}`, temporary: result.status >= 500 });
    // A redirect may lead off the site; its target must be allowed as well.
    const final = normaliseUrl(result.url);
    if (final && final !== url) {
      if (!allowedHosts.has(new URL(final).hostname)) return fail({ url, reason: `redirects off the site to ${final}`, temporary: false });
      if (seen.has(final) && final !== url) return;
      seen.add(final);
    }
    summary.fetched++;
    try {
      for (const link of await handlers.onPage(result)) {
        try {
          enqueue(link, result.url);
        } catch {
          // An unparsable link on a page is the page's problem, not the crawl's.
        }
      }
    } catch (error) {
      fail({ url, reason: `could not be read: ${(error as Error).message}`, temporary: false });
    }
  };

  const enqueueSafely = (u: string) => {
    try {
      enqueue(u);
    } catch {
      fail({ url: u, reason: "not a valid URL", temporary: false });
    }
  };
  for (const u of options.startUrls) enqueueSafely(u);
  const sitemapUrls = [...options.sitemaps];
  for (const start of options.startUrls) {
    const robots = await robotsFor(normaliseUrl(rewrite(start)) ?? start);
    sitemapUrls.push(...robots.sitemaps());
  }
  const entries = await readSitemaps(
    [...new Set(sitemapUrls.map((u) => rewrite(u)))],
    fetcher,
    (url, reason) => fail({ url, reason, temporary: true }),
    rewrite,
  );
  for (const e of entries) enqueueSafely(e.url);

  const limit = pLimit(options.concurrency);
  let done = 0;
  const running = new Set<Promise<void>>();
  while (queue.length > 0 || running.size > 0) {
    while (queue.length > 0 && running.size < options.concurrency * 2) {
      const url = queue.shift()!;
      const p: Promise<void> = limit(() => visit(url)).finally(() => {
        running.delete(p);
        handlers.onProgress?.(++done, queue.length + running.size);
      });
      running.add(p);
    }
    if (running.size > 0) await Promise.race(running);
  }
  return summary;
}
