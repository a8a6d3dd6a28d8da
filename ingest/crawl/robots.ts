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
}

/** robots.txt of an origin; a missing or broken one allows everything, as the standard says. */
export async function loadRobots(origin: string, fetcher: Fetcher, userAgent: string): Promise<Robots> {
  const url = new URL("/robots.txt", origin).toString();
  let text = "";
  try {
    const res = await fetcher.fetch(url);
    if (res.status >= 200 && res.status < 300) text = res.body.toString("utf8");
  } catch {
    text = "";
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
