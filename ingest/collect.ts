import { createHash } from "node:crypto";
import path from "node:path";
import type { Config, Source } from "../src/config/schema.js";
import { crawl, type CrawlFailure } from "./crawl/crawler.js";
import { HttpFetcher, type Fetcher, type FetchResult } from "./crawl/fetcher.js";
import { normaliseUrl } from "./crawl/urls.js";
import { decodeBody } from "./extract/decode.js";
import type { ExtractedDocument } from "./extract/document.js";
import { extractHtml, type HtmlExtractOptions } from "./extract/html.js";
import { extractPdf } from "./extract/pdf.js";
import { serveFolder } from "./static-server.js";
import { collectFiles } from "./collect-files.js";

/** How a document was fetched: what a conditional request next time needs, and its links for the crawl. */
export interface FetchState {
  /** The document's key in its source: stable across runs (a URL, or a path in a folder). */
  key: string;
  etag?: string;
  lastModified?: string;
  bodyHash: string;
  /** Links found on it, relative to the page where they are on the same site. */
  links?: string[];
}

export type CollectedDocument =
  | { kind: "fresh"; docId: string; url: string; municipality: string | null; paged: boolean; doc: ExtractedDocument; fetch: FetchState }
  /** Not modified (304) or the same bytes as last time: the previous chunks stand. */
  | { kind: "unchanged"; docId: string; fetch: FetchState };

export interface CollectResult {
  documents: CollectedDocument[];
  /** `key`: the failed document's key in its source (see FetchState), where it is known. */
  failures: (CrawlFailure & { key?: string })[];
  skippedByRobots: number;
  /**
   * Why the source was not seen completely (a start URL or sitemap failed for now, robots.txt unreachable):
   * its previous documents that were not reached may still exist. Empty or absent when it was seen completely.
   */
  incomplete?: string[];
}

/** What the last version knew of a source's documents, by fetch key. */
export type PreviousFetches = ReadonlyMap<string, { docId: string; fetch: FetchState }>;

export interface CollectOptions {
  config: Config;
  dataDir: string;
  municipality: string | null;
  source: Source;
  fetcher?: Fetcher;
  previous?: PreviousFetches;
  onProgress?: (done: number, queued: number) => void;
}

export const hashBody = (body: Uint8Array) => createHash("sha256").update(body).digest("hex").slice(0, 32);

/** Fetches and extracts every document of one source, skipping the extraction of what did not change. */
export async function collectSource(options: CollectOptions): Promise<CollectResult> {
  const { config, source } = options;
  if (source.type === "files") {
    return collectFiles({
      root: path.resolve(options.dataDir, source.path),
      baseUrl: source.baseUrl,
      municipality: options.municipality,
      ...(options.previous ? { previous: options.previous } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  }
  const fetcher = options.fetcher ?? new HttpFetcher(config.crawler);
  const selectors: HtmlExtractOptions = {
    ...(source.mainSelectors ? { mainSelectors: source.mainSelectors } : {}),
    ...(source.removeSelectors ? { removeSelectors: source.removeSelectors } : {}),
  };
  if (source.type === "website") {
    const hosts = source.allowedHosts ?? source.startUrls.map((u) => new URL(u).hostname);
    return crawlSite(options, fetcher, selectors, {
      startUrls: source.startUrls,
      sitemaps: source.sitemaps,
      allowedHosts: hosts,
      include: source.include.map((p) => new RegExp(p)),
      exclude: source.exclude.map((p) => new RegExp(p)),
      maxPages: source.maxPages,
      identify: (url) => ({ docId: url, url }),
    });
  }
  const site = await serveFolder(path.resolve(options.dataDir, source.root));
  try {
    const local = site.origin;
    const siteUrl = source.siteUrl?.replace(/\/$/, "");
    return await crawlSite(options, fetcher, selectors, {
      startUrls: [`${local}/`],
      sitemaps: [`${local}/sitemap.xml`],
      allowedHosts: ["127.0.0.1"],
      include: [],
      exclude: [],
      maxPages: source.maxPages,
      rewrite: (url) => (siteUrl && url.startsWith(siteUrl) ? local + url.slice(siteUrl.length) : url),
      identify: (url) => {
        let p = new URL(url).pathname;
        if (p.endsWith("/")) p += "index.html";
        return { docId: decodeURIComponent(p.slice(1)), url: source.publicBaseUrl.replace(/\/$/, "") + p.replace(/index\.html$/, "") };
      },
    });
  } finally {
    await site.close();
  }
}

interface SiteOptions {
  startUrls: string[];
  sitemaps: string[];
  allowedHosts: string[];
  include: RegExp[];
  exclude: RegExp[];
  maxPages: number;
  rewrite?: (url: string) => string;
  /** Document id and public URL of a fetched URL; the id is also the key for conditional requests. */
  identify: (url: string) => { docId: string; url: string };
}

/** A start page that linked to at least this many pages and now to none of them is taken for a placeholder. */
const LINKED_BEFORE = 3;
/** So many pages that said different things last time and now say the same are taken for a placeholder. */
const SAME_PAGE = 3;
const PLACEHOLDER = "a maintenance or error page served as 200?";

async function crawlSite(options: CollectOptions, fetcher: Fetcher, selectors: HtmlExtractOptions, site: SiteOptions): Promise<CollectResult> {
  const { config, previous } = options;
  const documents = new Map<string, CollectedDocument>();
  const failures: CollectResult["failures"] = [];
  /** Pages that answered with a page that is not theirs (see LINKED_BEFORE and samePage): failed for now. */
  const placeholders: (CrawlFailure & { key: string })[] = [];
  const startPages = new Set(site.startUrls.map((u) => normaliseUrl(u) ?? u));
  /** The key a URL's document is known under, for conditional requests and to match failures to documents. */
  const keyOf = (url: string) => site.identify(normaliseUrl(url) ?? url).docId;
  const summary = await crawl(
    {
      ...site,
      userAgent: config.crawler.userAgent,
      concurrency: config.crawler.concurrency,
      delayMs: config.crawler.delayMs,
    },
    fetcher,
    {
      requestHeaders: (url) => {
        const known = previous?.get(site.identify(url).docId)?.fetch;
        const headers: Record<string, string> = {};
        if (known?.etag) headers["if-none-match"] = known.etag;
        if (known?.lastModified) headers["if-modified-since"] = known.lastModified;
        return headers;
      },
      onPage: async (page, requested) => {
        const key = keyOf(page.url);
        const known = previous?.get(key);
        const bodyHash = page.status === 304 && known ? known.fetch.bodyHash : hashBody(page.body);
        const fetchState = (links: string[] | undefined): FetchState => ({
          key,
          bodyHash,
          ...(header(page, "etag") ?? known?.fetch.etag ? { etag: header(page, "etag") ?? known!.fetch.etag! } : {}),
          ...(header(page, "last-modified") ?? known?.fetch.lastModified ? { lastModified: header(page, "last-modified") ?? known!.fetch.lastModified! } : {}),
          ...(links ? { links } : {}),
        });
        if (known && (page.status === 304 || known.fetch.bodyHash === bodyHash)) {
          const links = known.fetch.links ?? [];
          documents.set(known.docId, { kind: "unchanged", docId: known.docId, fetch: fetchState(links) });
          return links.map((l) => new URL(l, page.url).toString());
        }
        if (page.status === 304) throw new Error("answered 304 Not Modified, but nothing is known of it");
        const extracted = await extract(page, selectors);
        if (!extracted) return [];
        const { doc, pdf } = extracted;
        const canonical = doc.canonical && normaliseUrl(site.rewrite ? site.rewrite(doc.canonical) : doc.canonical);
        const sameSite = canonical && site.allowedHosts.includes(new URL(canonical).hostname);
        const { docId, url } = site.identify(sameSite ? canonical : normaliseUrl(page.url) ?? page.url);
        const links = doc.links.map((l) => relativeTo(l, page.url));
        // A CMS in maintenance answers every address with the same notice, often as 200 (or redirects there): a
        // start page that linked to several pages and now to at most one other, none of them, is not taken at its
        // word, and its old links are still followed. (A relaunch with new addresses links to many new pages: that is taken.)
        if (startPages.has(normaliseUrl(requested) ?? requested)) {
          const startKey = keyOf(requested);
          const self = relativeTo(requested, requested);
          const linkedBefore = (previous?.get(startKey)?.fetch.links ?? []).filter((l) => l !== self);
          const linkedNow = links.filter((l) => l !== self && l !== relativeTo(page.url, page.url));
          if (linkedBefore.length >= LINKED_BEFORE && linkedNow.length <= 1 && !linkedNow.some((l) => linkedBefore.includes(l))) {
            const reason = `answered with a page without any of its ${linkedBefore.length} links (${PLACEHOLDER})`;
            placeholders.push({ url: requested, key: startKey, temporary: true, reason });
            return linkedBefore.map((l) => new URL(l, requested).toString());
          }
        }
        if (!documents.has(docId) && (doc.blocks.length > 0 || pdf)) {
          documents.set(docId, { kind: "fresh", docId, url, municipality: options.municipality, paged: pdf, doc, fetch: fetchState(links) });
        }
        return doc.links;
      },
      knownLinks: (url) => previous?.get(keyOf(url))?.fetch.links ?? [],
      onFailure: (f) => {
        let key: string | undefined;
        try {
          key = keyOf(f.url);
        } catch {
          // Not a URL (a broken link): it is no document's key.
        }
        failures.push(key === undefined ? f : { ...f, key });
      },
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
  );
  // Pages that say the same as each other count as a placeholder only when the start page is one too: a few
  // deleted pages that now show the same "not found" text with 200 are the site's answer, not a maintenance.
  const startAffected = placeholders.length > 0;
  placeholders.push(...samePage(documents, previous).filter((group) => startAffected || group.some((p) => startPages.has(normaliseUrl(p.url) ?? p.url))).flat());
  for (const p of placeholders) documents.delete(previous?.get(p.key)?.docId ?? p.key);
  failures.push(...placeholders);
  const incomplete = [...summary.incomplete];
  if (placeholders.length > 0) incomplete.push(`${placeholders.length} pages answered with a page that is not theirs (${PLACEHOLDER}): their last versions are kept`);
  return { documents: [...documents.values()], failures, skippedByRobots: summary.skippedByRobots, incomplete };
}

/**
 * Pages that said different things last time and now all say the same thing (at least SAME_PAGE of them):
 * a placeholder in front of the site (maintenance, a login wall, an error page), not what the pages say.
 */
function samePage(documents: Map<string, CollectedDocument>, previous: PreviousFetches | undefined): (CrawlFailure & { key: string })[][] {
  const byText = new Map<string, { url: string; key: string; before: string }[]>();
  for (const d of documents.values()) {
    const before = previous?.get(d.fetch.key)?.fetch.bodyHash;
    if (d.kind !== "fresh" || before === undefined) continue;
    const text = createHash("sha256").update(d.doc.title).update(d.doc.blocks.map((b) => b.text).join("\n")).digest("hex");
    const group = byText.get(text) ?? [];
    group.push({ url: d.url, key: d.fetch.key, before });
    byText.set(text, group);
  }
  return [...byText.values()]
    .filter((group) => new Set(group.map((g) => g.before)).size >= SAME_PAGE)
    .map((group) =>
      group.map(({ url, key }) => ({ url, key, temporary: true, reason: `answered with the same page as ${group.length - 1} other addresses (${PLACEHOLDER})` })),
    );
}

const header = (page: FetchResult, name: string) => page.headers.get(name) ?? undefined;

/** A link on the same origin is kept as a path, so that it still resolves when the site moves (a new port). */
function relativeTo(link: string, pageUrl: string): string {
  const l = new URL(link);
  return l.origin === new URL(pageUrl).origin ? l.pathname + l.search : link;
}

async function extract(page: FetchResult, selectors: HtmlExtractOptions): Promise<{ doc: ExtractedDocument; pdf: boolean } | undefined> {
  const type = (page.headers.get("content-type") ?? "").toLowerCase();
  const isPdf = type.includes("application/pdf") || (!type && page.body.subarray(0, 5).toString() === "%PDF-");
  if (isPdf) return { doc: await extractPdf(new Uint8Array(page.body), new URL(page.url).pathname), pdf: true };
  if (type.includes("html") || type === "") return { doc: extractHtml(decodeBody(page.body, type), page.url, selectors), pdf: false };
  return undefined;
}
