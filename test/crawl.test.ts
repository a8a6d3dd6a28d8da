import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config/load.js";
import { collectSource, type CollectedDocument, type CollectResult } from "../ingest/collect.js";
import { normaliseUrl } from "../ingest/crawl/urls.js";
import { HttpFetcher } from "../ingest/crawl/fetcher.js";
import { serveFolder } from "../ingest/static-server.js";
import { DEMO_SITE } from "./helpers/demo.js";
import { html, send, startSite, type FixtureSite } from "./helpers/site-server.js";

const UA = "auskunft-test/1.0 (+mailto:it@musterbach.example)";
let site: FixtureSite;
let result: CollectResult;

beforeAll(async () => {
  const pdf = await readFile(path.join(DEMO_SITE, "downloads/friedhofsgebuehrensatzung.pdf"));
  site = await startSite({
    "/robots.txt": send("User-agent: *\nDisallow: /intern/\n\nSitemap: /sitemap-index.xml\n", "text/plain"),
    "/sitemap-index.xml": (_q, res) =>
      void res.writeHead(200, { "content-type": "application/xml" }).end(
        `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${site.origin}/sitemap-pages.xml</loc></sitemap></sitemapindex>`,
      ),
    "/sitemap-pages.xml": (_q, res) =>
      void res.writeHead(200, { "content-type": "application/xml" }).end(
        `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${site.origin}/nur-in-sitemap.html</loc><lastmod>2025-03-01</lastmod></url></urlset>`,
      ),
    "/": send(
      html(
        `<h1>Startseite</h1><p>Willkommen.</p>
         <a href="/hundesteuer.html?utm_source=newsletter#abschnitt">Hundesteuer</a>
         <a href="/alt.html">Alte Adresse</a> <a href="/intern/geheim.html">Intern</a>
         <a href="/fehlt.html">Kaputt</a> <a href="/wackelig.html">Wackelig</a>
         <a href="/latin1.html">Alt</a> <a href="/satzung.pdf">Satzung</a>
         <a href="https://example.org/extern.html">Extern</a> <a href="mailto:rathaus@musterbach.example">Mail</a>`,
        "Startseite",
      ),
    ),
    "/hundesteuer.html": send(html("<h1>Hundesteuer</h1><h2>Was kostet es?</h2><p>Die Steuer für den ersten Hund steht in der Satzung.</p>")),
    "/alt.html": (_q, res) => void res.writeHead(301, { location: "/neu.html" }).end(),
    "/neu.html": send(html("<h1>Neue Seite</h1><p>Diese Seite ist umgezogen und hier zu finden.</p>")),
    "/intern/geheim.html": send(html("<h1>Geheim</h1><p>Darf nie gecrawlt werden.</p>")),
    "/wackelig.html": (_q, res, hits) =>
      void (hits === 1 ? res.writeHead(503).end("busy") : res.writeHead(200, { "content-type": "text/html" }).end(html("<h1>Wackelig</h1><p>Beim zweiten Versuch klappt es.</p>"))),
    "/latin1.html": send(Buffer.from(html("<h1>Gebühren</h1><p>Straße, Größe und Maß: 5 Euro Gebühr.</p>", "Gebühren", "iso-8859-1"), "latin1"), "text/html; charset=iso-8859-1"),
    "/satzung.pdf": send(pdf, "application/pdf"),
    "/nur-in-sitemap.html": send(html("<h1>Nur in der Sitemap</h1><p>Diese Seite verlinkt niemand.</p>")),
  });
  const config = parseConfig({
    municipalities: [{ id: "testdorf", name: "Testdorf", contact: { office: "Rathaus" }, sources: [] }],
    crawler: { userAgent: UA, delayMs: 0 },
  });
  result = await collectSource({
    config,
    dataDir: "/nonexistent",
    municipality: "testdorf",
    source: { type: "website", startUrls: [`${site.origin}/`], sitemaps: [], include: [], exclude: [], maxPages: 100 },
  });
});

afterAll(() => site?.close());

const ids = () => result.documents.map((d) => new URL(d.docId).pathname).sort();
const fresh = (suffix: string) => result.documents.find((d): d is Extract<CollectedDocument, { kind: "fresh" }> => d.kind === "fresh" && d.docId.endsWith(suffix))!;

describe("crawler against a real HTTP server", () => {
  it("finds pages through links and through the sitemap index", () => {
    expect(ids()).toEqual(expect.arrayContaining(["/", "/hundesteuer.html", "/nur-in-sitemap.html", "/satzung.pdf"]));
  });

  it("never fetches what robots.txt disallows, nor other hosts", () => {
    expect(site.hits("/intern/geheim.html")).toBe(0);
    expect(result.skippedByRobots).toBe(1);
    expect(ids().some((p) => p.includes("extern"))).toBe(false);
  });

  it("identifies itself with the configured user agent", () => {
    expect(site.log.every((r) => r.userAgent === UA)).toBe(true);
  });

  it("drops tracking parameters and fragments, and follows redirects to the final URL", () => {
    expect(ids().filter((p) => p === "/hundesteuer.html")).toHaveLength(1);
    expect(ids()).toContain("/neu.html");
    expect(ids()).not.toContain("/alt.html");
    expect(normaliseUrl("HTTP://Example.org:80/a?utm_medium=x&b=2&a=1#top")).toBe("http://example.org/a?a=1&b=2");
  });

  it("retries a server error and reports a missing page as gone", () => {
    expect(site.hits("/wackelig.html")).toBe(2);
    expect(ids()).toContain("/wackelig.html");
    expect(result.failures).toEqual([expect.objectContaining({ url: `${site.origin}/fehlt.html`, temporary: false })]);
  });

  it("reads ISO-8859-1 pages with their umlauts intact and strips navigation and footer", () => {
    const doc = fresh("/latin1.html");
    const text = doc.doc.blocks.map((b) => b.text).join(" ");
    expect(text).toContain("Straße, Größe und Maß: 5 Euro Gebühr.");
    expect(text).not.toContain("Impressum");
    expect(text).not.toContain("Start");
  });

  it("reads a linked PDF as a statute with § headings and page numbers", () => {
    const pdf = fresh("/satzung.pdf");
    expect(pdf.paged).toBe(true);
    expect(pdf.doc.statute).toBe(true);
    const headings = pdf.doc.blocks.filter((b) => b.kind === "heading").map((b) => b.text);
    expect(headings).toContain("§ 4 Gebühren für die Verleihung von Nutzungsrechten");
    expect(pdf.doc.blocks.some((b) => b.text.includes("850,00 Euro") && b.page === 1)).toBe(true);
  });
});

describe("conditional requests to a folder served as a site (static-site sources)", () => {
  it("get a 304 for an unchanged file, though fetch would otherwise ask for no cached answer", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "auskunft-static-"));
    const site = await serveFolder(root);
    try {
      await writeFile(path.join(root, "hundesteuer.html"), "<html><body><h1>Hundesteuer</h1><p>75 Euro</p></body></html>");
      const fetcher = new HttpFetcher({ userAgent: "auskunft-test", timeoutMs: 5000, maxBytes: 1_000_000 });
      const first = await fetcher.fetch(`${site.origin}/hundesteuer.html`);
      expect(first.status).toBe(200);
      const etag = first.headers.get("etag")!;
      const again = await fetcher.fetch(`${site.origin}/hundesteuer.html`, { headers: { "if-none-match": etag, "if-modified-since": first.headers.get("last-modified")! } });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
    } finally {
      await site.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
