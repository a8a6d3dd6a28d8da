import robotsParser from "robots-parser";
import type { Fetcher } from "./fetcher.js";

interface RobotsRules {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
  getSitemaps(): string[];
}
// robots-parser's types do not survive a default import under NodeNext.
const parse = robotsParser as unknown as (url: string, contents: string) => RobotsRules;

export interface Robots {
  allowed(url: string): boolean;
  /** Seconds between requests that robots.txt asks of our user agent, if any. */
  crawlDelay(): number | undefined;
  sitemaps(): string[];
  /**
   * Why robots.txt could not be fetched (5xx, 429, timeout, network error), when it could not:
   * then nothing of the origin may be crawled in this run (RFC 9309 §2.3.1.4) and `allowed` is false for every URL.
   */
  unreachable?: string;
}

/**
 * robots.txt of an origin, as RFC 9309 §2.3.1 says to treat its answer: 2xx → its rules; any other 4xx
 * (missing, forbidden) → everything allowed; 5xx or no answer at all → everything disallowed. 429 counts
 * as unreachable too: the server asks us to come back later, not to crawl without rules.
 * Pass a fetcher that retries: one failed attempt should not cost a whole site its run.
 */
export async function loadRobots(origin: string, fetcher: Fetcher, userAgent: string): Promise<Robots> {
  const url = new URL("/robots.txt", origin).toString();
  let text = "";
  try {
    const res = await fetcher.fetch(url);
    if (res.status >= 500 || res.status === 429) return disallowAll(`HTTP ${res.status}`);
    if (res.status >= 200 && res.status < 300) text = res.body.toString("utf8");
  } catch (error) {
    return disallowAll((error as Error).message);
  }
  const rules = parse(url, text);
  return {
    allowed: (u) => rules.isAllowed(u, userAgent) !== false,
    crawlDelay: () => rules.getCrawlDelay(userAgent),
    // The standard wants absolute Sitemap URLs; many sites write relative ones.
    sitemaps: () => rules.getSitemaps().flatMap((s) => {
      try {
        return [new URL(s, url).toString()];
      } catch {
        return [];
      }
    }),
  };
}

function disallowAll(reason: string): Robots {
  return { allowed: () => false, crawlDelay: () => undefined, sitemaps: () => [], unreachable: reason };
}
