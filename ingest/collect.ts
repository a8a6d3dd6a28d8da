import path from "node:path";
import type { Config, Source } from "../src/config/schema.js";
import { crawl, type CrawlFailure } from "./crawl/crawler.js";
import { HttpFetcher, type Fetcher, type FetchResult } from "./crawl/fetcher.js";
import { normaliseUrl } from "./crawl/urls.js";
import { decodeBody } from "./extract/decode.js";
import type { ExtractedDocument } from "./extract/document.js";
import { extractHtml } from "./extract/html.js";
import { extractPdf } from "./extract/pdf.js";
import { serveFolder } from "./static-server.js";
import { collectFiles } from "./collect-files.js";

export interface CollectedDocument {
  docId: string;
  url: string;
  municipality: string | null;
  paged: boolean;
  doc: ExtractedDocument;
}

export interface CollectResult {
  documents: CollectedDocument[];
  failures: CrawlFailure[];
  skippedByRobots: number;
}

export interface CollectOptions {
  config: Config;
  dataDir: string;
  municipality: string | null;
  source: Source;
  fetcher?: Fetcher;
  onProgress?: (done: number, queued: number) => void;
}

/** Fetches and extracts every document of one source. */
export async function collectSource(options: CollectOptions): Promise<CollectResult> {
  const { config, source } = options;
  if (source.type === "files") {
    return collectFiles({
      root: path.resolve(options.dataDir, source.path),
      baseUrl: source.baseUrl,
      municipality: source.shared ? null : options.municipality,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  }
  const fetcher = options.fetcher ?? new HttpFetcher(config.crawler);
  if (source.type === "website") {
    const hosts = source.allowedHosts ?? source.startUrls.map((u) => new URL(u).hostname);
    return crawlSite(options, fetcher, {
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
    return await crawlSite(options, fetcher, {
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
  /** Document id and public URL of a fetched URL. */
  identify: (url: string) => { docId: string; url: string };
}

async function crawlSite(options: CollectOptions, fetcher: Fetcher, site: SiteOptions): Promise<CollectResult> {
  const { config } = options;
  const documents = new Map<string, CollectedDocument>();
  const failures: CrawlFailure[] = [];
  const summary = await crawl(
    {
      ...site,
      userAgent: config.crawler.userAgent,
      concurrency: config.crawler.concurrency,
      delayMs: config.crawler.delayMs,
    },
    fetcher,
    {
      onPage: async (page) => {
        const extracted = await extract(page);
        if (!extracted) return [];
        const { doc, pdf } = extracted;
        const canonical = doc.canonical && normaliseUrl(site.rewrite ? site.rewrite(doc.canonical) : doc.canonical);
        const sameSite = canonical && site.allowedHosts.includes(new URL(canonical).hostname);
        const { docId, url } = site.identify(sameSite ? canonical : normaliseUrl(page.url) ?? page.url);
        if (!documents.has(docId) && (doc.blocks.length > 0 || pdf)) {
          documents.set(docId, { docId, url, municipality: options.municipality, paged: pdf, doc });
        }
        return doc.links;
      },
      onFailure: (f) => failures.push(f),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
  );
  return { documents: [...documents.values()], failures, skippedByRobots: summary.skippedByRobots };
}

async function extract(page: FetchResult): Promise<{ doc: ExtractedDocument; pdf: boolean } | undefined> {
  const type = (page.headers.get("content-type") ?? "").toLowerCase();
  const isPdf = type.includes("application/pdf") || (!type && page.body.subarray(0, 5).toString() === "%PDF-");
  if (isPdf) return { doc: await extractPdf(new Uint8Array(page.body), new URL(page.url).pathname), pdf: true };
  if (type.includes("html") || type === "") return { doc: extractHtml(decodeBody(page.body, type), page.url), pdf: false };
  return undefined;
}
