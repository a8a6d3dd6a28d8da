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
  /** `requested`: the URL asked for, before redirects (`page.url` is where they led). */
  onPage(page: FetchResult, requested: string): Promise<string[]>;
  /**
   * Links a page had when it was last fetched. They are followed when the page fails for now, so that a
   * hub page's timeout does not hide the pages it links to (which would then look gone).
   */
  knownLinks?(url: string): string[];
  onFailure?(failure: CrawlFailure): void;
  onProgress?(done: number, queued: number): void;
}

export interface CrawlSummary {
  fetched: number;
  failed: number;
  skippedByRobots: number;
  /**
   * Why this crawl did not see the whole site, when it did not: a start URL or a sitemap failed for now,
   * or a robots.txt was unreachable. A page it did not reach may still exist and must not be taken as gone.
   */
  incomplete: string[];
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
  const summary: CrawlSummary = { fetched: 0, failed: 0, skippedByRobots: 0, incomplete: [] };
  const fail = (failure: CrawlFailure) => {
    summary.failed++;
    handlers.onFailure?.(failure);
  };
  const startUrls = new Set(options.startUrls.flatMap((u) => {
    try {
      return [normaliseUrl(rewrite(u)) ?? u];
    } catch {
      return [];
    }
  }));

  /** robots.txt of a URL's origin, fetched once; an unreachable one is reported once and blocks the origin. */
  const robotsFor = (url: string) => {
    const origin = new URL(url).origin;
    let r = robotsByOrigin.get(origin);
    if (!r) {
      r = loadRobots(origin, retrying, options.userAgent).then((robots) => {
        if (robots.unreachable) {
          const failure = { url: new URL("/robots.txt", origin).toString(), reason: `robots.txt unreachable (${robots.unreachable}): site not crawled this run`, temporary: true };
          fail(failure);
          summary.incomplete.push(`${failure.url}: ${failure.reason}`);
        }
        return robots;
      });
      robotsByOrigin.set(origin, r);
    }
    return r;
  };

  let capped = false;
  const enqueue = (raw: string, base?: string) => {
    const url = normaliseUrl(rewrite(new URL(raw, base).toString()));
    if (!url || seen.has(url)) return;
    const { hostname } = new URL(url);
    if (!allowedHosts.has(hostname) || !isCrawlable(url)) return;
    if (options.include.length > 0 && !options.include.some((re) => re.test(url))) return;
    if (options.exclude.some((re) => re.test(url))) return;
    if (seen.size >= options.maxPages) {
      // Which pages fall beyond the cap can change from run to run: none of them may count as gone.
      if (!capped) summary.incomplete.push(`more than ${options.maxPages} pages (maxPages): the rest was not crawled; raise "maxPages" in config.json`);
      capped = true;
      return;
    }
    seen.add(url);
    queue.push(url);
  };

  /** Waits for this host's next free slot: requests to one host are spaced by the delay. */
  const politely = async (url: string, delay: number) => {
    const host = new URL(url).host;
    const now = Date.now();
    const slot = Math.max(now, nextSlot.get(host) ?? 0);
    nextSlot.set(host, slot + delay);
    if (slot > now) await sleep(slot - now);
  };

  /**
   * One GET, retried on timeouts, 5xx and 429 with backoff (honouring Retry-After). Returns the last
   * answer, which may still be a 5xx or 429, or throws the last error.
   */
  const fetchWithRetries = async (url: string, delay: number, headers?: Record<string, string>): Promise<FetchResult> => {
    const attempts = 1 + (options.retries ?? 2);
    for (let attempt = 1; ; attempt++) {
      await politely(url, delay);
      try {
        const res = await fetcher.fetch(url, headers && Object.keys(headers).length ? { headers } : {});
        if ((res.status !== 429 && res.status < 500) || attempt >= attempts) return res;
        const retryAfter = Number(res.headers.get("retry-after"));
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 30) * 1000 : 300 * 2 ** attempt);
      } catch (error) {
        const retryable = error instanceof FetchError ? error.retryable : true;
        if (!retryable || attempt >= attempts) throw error;
        await sleep(300 * 2 ** attempt);
      }
    }
  };
  /** robots.txt and sitemaps get the same retries as pages: one failed attempt must not cost a site its run. */
  const retrying: Fetcher = { fetch: (url) => fetchWithRetries(url, options.delayMs) };

  /** A page that failed for now: a start page's failure leaves the crawl incomplete; another's known links are still followed. */
  const failedForNow = (url: string, reason: string) => {
    fail({ url, reason, temporary: true });
    if (startUrls.has(url)) summary.incomplete.push(`start page ${url}: ${reason}`);
    else for (const link of handlers.knownLinks?.(url) ?? []) enqueueLink(link, url);
  };

  /**
   * A page that failed for good. A start page that does (a typo in "startUrls", a site that moved) leaves
   * the crawl incomplete as well: the pages below it were not reached, which does not make them gone.
   */
  const failedForGood = (url: string, reason: string) => {
    fail({ url, reason, temporary: false });
    if (startUrls.has(url)) summary.incomplete.push(`start page ${url}: ${reason} (check "startUrls" in config.json)`);
  };

  const visit = async (url: string) => {
    const robots = await robotsFor(url);
    // An unreachable robots.txt was reported once already; nothing of its origin is fetched.
    if (robots.unreachable) return;
    if (!robots.allowed(url)) {
      summary.skippedByRobots++;
      return;
    }
    let result: FetchResult;
    try {
      result = await fetchWithRetries(url, Math.max(options.delayMs, (robots.crawlDelay() ?? 0) * 1000), handlers.requestHeaders?.(url));
    } catch (error) {
      const retryable = error instanceof FetchError ? error.retryable : true;
      return retryable ? failedForNow(url, (error as Error).message) : failedForGood(url, (error as Error).message);
    }
    if (result.status === 429 || result.status >= 500) return failedForNow(url, `HTTP ${result.status}`);
    if (result.status === 404 || result.status === 410) return failedForGood(url, `HTTP ${result.status}: gone`);
    if (result.status !== 304 && (result.status < 200 || result.status >= 300)) return failedForGood(url, `HTTP ${result.status}`);
    // A redirect may lead off the site; its target must be allowed as well.
    const final = normaliseUrl(result.url);
    if (final && final !== url) {
      if (!allowedHosts.has(new URL(final).hostname)) return failedForGood(url, `redirects off the site to ${final}`);
      if (seen.has(final) && final !== url) return;
      seen.add(final);
    }
    summary.fetched++;
    try {
      for (const link of await handlers.onPage(result, url)) enqueueLink(link, result.url);
    } catch (error) {
      fail({ url, reason: `could not be read: ${(error as Error).message}`, temporary: false });
    }
  };

  /** True when the robots.txt of a URL's origin could not be fetched (an invalid URL is left to fail where it is fetched). */
  const originUnreachable = async (url: string) => {
    try {
      return (await robotsFor(url)).unreachable !== undefined;
    } catch {
      return false;
    }
  };
  const enqueueLink = (link: string, base: string) => {
    try {
      enqueue(link, base);
    } catch {
      // An unparsable link on a page is the page's problem, not the crawl's.
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
  for (const start of startUrls) sitemapUrls.push(...(await robotsFor(start)).sitemaps());
  // A sitemap is fetched like a page: not from an origin whose robots.txt is unreachable.
  const sitemapFetcher: Fetcher = {
    fetch: async (url) => {
      if (await originUnreachable(url)) throw new FetchError("not fetched: the robots.txt of its site is unreachable", true);
      return retrying.fetch(url);
    },
  };
  const sitemapsToRead: string[] = [];
  for (const u of new Set(sitemapUrls.map((x) => rewrite(x)))) {
    if (!(await originUnreachable(u))) sitemapsToRead.push(u);
  }
  const entries = await readSitemaps(
    sitemapsToRead,
    sitemapFetcher,
    (url, reason, gone) => {
      fail({ url, reason, temporary: !gone });
      // The pages a sitemap lists are unknown: any of them may still exist.
      if (!gone) summary.incomplete.push(`${url}: ${reason}`);
    },
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
