import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { Fetcher } from "./fetcher.js";

export interface SitemapEntry {
  url: string;
  lastmod?: string;
}

const parser = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, trimValues: true });
const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/**
 * Reads sitemaps and sitemap index files (nested up to a depth), returning every page URL.
 * `onError` learns whether a sitemap is gone (404/410: the site says it has none) or could not be read
 * for now (5xx, timeout, not XML, …): then the pages it lists are unknown, and none can be taken as gone.
 */
export async function readSitemaps(
  urls: string[],
  fetcher: Fetcher,
  onError: (url: string, reason: string, gone: boolean) => void,
  rewrite: (url: string) => string = (u) => u,
  maxDepth = 3,
): Promise<SitemapEntry[]> {
  const seen = new Set<string>();
  const entries: SitemapEntry[] = [];
  const visit = async (url: string, depth: number): Promise<void> => {
    if (seen.has(url) || depth > maxDepth) return;
    seen.add(url);
    let xml: string;
    try {
      const res = await fetcher.fetch(url);
      if (res.status !== 200) return onError(url, `sitemap answered HTTP ${res.status}`, res.status === 404 || res.status === 410);
      xml = res.body.toString("utf8");
    } catch (error) {
      return onError(url, `sitemap could not be fetched: ${(error as Error).message}`, false);
    }
    let doc: { urlset?: { url?: unknown }; sitemapindex?: { sitemap?: unknown } };
    try {
      doc = parser.parse(xml) as typeof doc;
    } catch (error) {
      return onError(url, `sitemap is not XML: ${(error as Error).message}`, false);
    }
    if (!doc.urlset && !doc.sitemapindex) {
      // The parser is lenient; only when it finds nothing is the validator's verdict worth reporting.
      const valid = XMLValidator.validate(xml);
      return onError(url, valid === true ? "sitemap is neither a urlset nor a sitemap index" : `sitemap is not XML: ${valid.err.msg} (line ${valid.err.line})`, false);
    }
    for (const u of asArray(doc.urlset?.url as { loc?: string; lastmod?: string } | undefined)) {
      if (u?.loc) entries.push({ url: rewrite(String(u.loc)), ...(u.lastmod ? { lastmod: String(u.lastmod) } : {}) });
    }
    for (const s of asArray(doc.sitemapindex?.sitemap as { loc?: string } | undefined)) {
      if (s?.loc) await visit(rewrite(String(s.loc)), depth + 1);
    }
  };
  for (const url of urls) await visit(url, 0);
  return entries;
}
