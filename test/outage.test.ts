import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config/load.js";
import type { Config } from "../src/config/schema.js";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import type { AskResponse } from "../src/protocol/messages.js";
import { compose } from "../src/server/compose.js";
import { IndexSnapshot } from "../src/store/snapshot.js";
import { VersionStore } from "../src/store/versions.js";
import { HttpFetcher } from "../ingest/crawl/fetcher.js";
import { loadRobots } from "../ingest/crawl/robots.js";
import { ingest } from "../ingest/pipeline.js";
import { formatReport, type DocumentChange, type IngestReport } from "../ingest/report.js";
import { silentLogger } from "./helpers/demo.js";
import { startTownSite, type TownSite } from "./helpers/fixture-site.js";
import { html, send, startSite, type Route } from "./helpers/site-server.js";

// A CMS in maintenance at night answers 503 to everything; robots.txt may go down with it. Such a run must
// not take a town's pages out of the index: what cannot be confirmed gone stays, and the report says why.

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

const UNAVAILABLE: Route = (_req, res) => void res.writeHead(503, { "content-type": "text/html" }).end("<h1>Wartungsarbeiten</h1>");

const TEXTS: Record<string, string> = {
  "/hundesteuer.html": "Die Hundesteuer in Birkenfeld beträgt 90 Euro im Jahr für den ersten Hund.",
  "/standesamt.html": "Das Standesamt Birkenfeld traut dienstags und freitags im Alten Rathaus.",
  "/sperrmuell.html": "Sperrmüll holt der Bauhof Birkenfeld zweimal im Jahr kostenlos ab.",
  "/themen.html": "Alle Themen der Gemeinde Birkenfeld auf einen Blick.",
  "/spielplatz.html": "Der Spielplatz am Weiher in Birkenfeld ist von 8 bis 20 Uhr geöffnet.",
  "/kirchweih.html": "Die Kirchweih in Birkenfeld findet am dritten Sonntag im Oktober statt.",
};
const TITLES: Record<string, string> = {
  "/hundesteuer.html": "Hundesteuer", "/standesamt.html": "Standesamt", "/sperrmuell.html": "Sperrmüll",
  "/themen.html": "Themen", "/spielplatz.html": "Spielplatz", "/kirchweih.html": "Kirchweih", "/bibliothek.html": "Bibliothek",
};
/** Every document of the first run: the home page, three linked pages, a hub page and what only it links to, a page only in the sitemap. */
const ALL = ["/", "/hundesteuer.html", "/kirchweih.html", "/sperrmuell.html", "/spielplatz.html", "/standesamt.html", "/themen.html"];

const homePage = (links: string[]) =>
  html(`<h1>Gemeinde Birkenfeld</h1><p>Willkommen in Birkenfeld.</p><ul>${links.map((l) => `<li><a href="${l}">${TITLES[l]}</a></li>`).join("")}</ul>`, "Gemeinde Birkenfeld");

/** The town "Birkenfeld": the sitemap (configured, and named in robots.txt) lists the home page and the Kirchweih page (linked from nowhere). */
async function buildBirkenfeld(site: TownSite, homeLinks = ["/hundesteuer.html", "/standesamt.html", "/sperrmuell.html", "/themen.html"]) {
  site.routes["/robots.txt"] = send(`User-agent: *\nDisallow: /intern/\n\nSitemap: ${site.url("/sitemap.xml")}\n`, "text/plain");
  site.routes["/sitemap.xml"] = sitemap(site);
  site.page("/", homePage(homeLinks), { etag: '"start-1"' });
  for (const [p, text] of Object.entries(TEXTS)) {
    const extra = p === "/themen.html" ? '<p><a href="/spielplatz.html">Spielplatz</a></p>' : "";
    site.page(p, html(`<h1>${TITLES[p]}</h1><p>${text}</p>${extra}`, TITLES[p]), { etag: `"${p.slice(1, -5)}-1"` });
  }
}
const sitemap = (site: TownSite) =>
  send(
    `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${site.url("/")}</loc></url><url><loc>${site.url("/kirchweih.html")}</loc></url></urlset>`,
    "application/xml",
  );

interface Town {
  site: TownSite;
  config: Config;
  dataDir: string;
  store: VersionStore;
  run(log?: string[]): Promise<IngestReport>;
}

async function startBirkenfeld(): Promise<Town> {
  const site = await startTownSite();
  cleanups.push(() => site.close());
  await buildBirkenfeld(site);
  const dataDir = await mkdtemp(path.join(tmpdir(), "auskunft-outage-"));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const config = parseConfig({
    municipalities: [{ id: "birkenfeld", name: "Gemeinde Birkenfeld", contact: { office: "Bürgerbüro" }, sources: [{ type: "website", startUrls: [`${site.origin}/`], sitemaps: [`${site.origin}/sitemap.xml`] }] }],
    crawler: { delayMs: 0, timeoutMs: 400 },
  });
  return {
    site,
    config,
    dataDir,
    store: new VersionStore(dataDir, config.keepVersions),
    run: (log) => ingest({ config, dataDir, embeddings: new LocalEmbeddings(), ...(log ? { log: (l) => void log.push(l) } : {}) }),
  };
}

const pathsOf = (docs: DocumentChange[]) => docs.map((d) => new URL(d.url).pathname).sort();
const keptReasons = (r: IngestReport) => Object.fromEntries(r.documents.kept.map((d) => [new URL(d.url).pathname, d.reason]));
const textOf = async (store: VersionStore) => (await IndexSnapshot.load(store.versionDir((await store.current())!))).chunks.map((c) => c.text).join("\n");
/** Paths requested since a mark, in order. */
const requestedSince = (site: TownSite, mark: number) => site.log.slice(mark).map((r) => r.path);

// ---------------------------------------------------------------------------------------------

describe("a whole-site outage (start page and sitemap answer 503)", () => {
  let town: Town;
  let first: IngestReport;

  beforeAll(async () => {
    town = await startBirkenfeld();
    first = await town.run();
  });

  it("first run indexes every page", () => {
    expect(first.published).toBe(true);
    expect(pathsOf(first.documents.added)).toEqual(ALL);
  });

  it("removes nothing, keeps every page with the reason, publishes nothing, and the index still answers", { timeout: 30_000 }, async () => {
    const { site, store } = town;
    site.routes["/"] = UNAVAILABLE;
    site.routes["/sitemap.xml"] = UNAVAILABLE;
    const mark = site.log.length;
    const log: string[] = [];

    const report = await town.run(log);

    expect(report.documents.removed).toEqual([]);
    expect(pathsOf(report.documents.kept)).toEqual(ALL);
    const reasons = keptReasons(report);
    expect(reasons["/"]).toBe("failed for now (HTTP 503)");
    expect(reasons["/hundesteuer.html"]).toBe(`not reached: ${site.url("/")} could not be crawled completely this run`);
    expect(report.incomplete).toEqual([
      { source: site.url("/"), reasons: [`${site.url("/sitemap.xml")}: sitemap answered HTTP 503`, `start page ${site.url("/")}: HTTP 503`] },
    ]);
    // Nothing changed that the run could see: the published version stays, no new one.
    expect(report.published).toBe(false);
    expect(report.version).toBe(first.version);
    expect(await store.list()).toEqual([first.version]);
    expect(report.chunks.total).toBe(first.chunks.total);

    // The site is down: only robots.txt, the start page and the sitemap were asked (with retries), no page behind them.
    expect(new Set(requestedSince(site, mark))).toEqual(new Set(["/robots.txt", "/", "/sitemap.xml"]));

    // What the editor reads, in the report and in the CLI's log lines.
    const summary = formatReport(report);
    expect(summary).toContain(`Nothing changed in what could be crawled: index version ${first.version} stays published.`);
    expect(summary).toContain(`Not crawled completely: ${site.url("/")}`);
    expect(summary).toContain(`  - start page ${site.url("/")}: HTTP 503`);
    expect(summary).toContain(`0 removed, 2 failed (${ALL.length} kept from the last version)`);
    expect(summary).toContain(`  - Hundesteuer (${site.url("/hundesteuer.html")}): not reached: ${site.url("/")} could not be crawled completely this run`);
    expect(log.some((l) => l.includes("could not be crawled completely") && l.includes("HTTP 503"))).toBe(true);

    // Citizens are still answered from the town's pages.
    const app = await compose({ config: town.config, dataDir: town.dataDir, logger: silentLogger, askPerMinute: 1000 });
    cleanups.push(() => app.close());
    await new Promise<void>((resolve) => app.http.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(app.http.address() as AddressInfo).port}`;
    const res = await fetch(`${base}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "Wie viel kostet die Hundesteuer für den ersten Hund?" }) });
    const answer = (await res.json()) as AskResponse;
    expect(answer.grounded).toBe(true);
    expect(answer.answer).toContain("90 Euro");
    expect(answer.citations.map((c) => c.url)).toContain(site.url("/hundesteuer.html"));
  });

  it("once the site is back, runs normally and removes a page that is really gone", { timeout: 30_000 }, async () => {
    const { site, store } = town;
    await buildBirkenfeld(site);
    delete site.routes["/sperrmuell.html"];

    const report = await town.run();

    expect(report.incomplete).toEqual([]);
    expect(report.documents.kept).toEqual([]);
    expect(pathsOf(report.documents.removed)).toEqual(["/sperrmuell.html"]);
    expect(report.documents.unchanged).toBe(ALL.length - 1);
    expect(report.published).toBe(true);
    expect(formatReport(report)).not.toContain("Not crawled completely");
    const text = await textOf(store);
    expect(text).not.toContain("Sperrmüll holt der Bauhof");
    expect(text).toContain("Die Kirchweih in Birkenfeld");
  });
});

// ---------------------------------------------------------------------------------------------

describe("a partial outage", () => {
  let town: Town;

  beforeAll(async () => {
    town = await startBirkenfeld();
    expect((await town.run()).published).toBe(true);
  });

  it("sitemap 503, start page fine: keeps what cannot be confirmed gone, still removes a 404 and adds a new page", { timeout: 30_000 }, async () => {
    const { site, store } = town;
    site.routes["/sitemap.xml"] = UNAVAILABLE;
    // The editors unlinked the Standesamt page, deleted the Sperrmüll page and added one on the library.
    site.page("/", homePage(["/hundesteuer.html", "/sperrmuell.html", "/themen.html", "/bibliothek.html"]), { etag: '"start-2"' });
    site.page("/bibliothek.html", html("<h1>Bibliothek</h1><p>Die Gemeindebibliothek Birkenfeld leiht Bücher und Spiele kostenlos aus.</p>", "Bibliothek"));
    delete site.routes["/sperrmuell.html"];

    const report = await town.run();

    // The site said 404: gone, even though the crawl was incomplete.
    expect(pathsOf(report.documents.removed)).toEqual(["/sperrmuell.html"]);
    // Only in the unreadable sitemap, or no longer linked while the sitemap could not be read: not confirmed gone.
    expect(keptReasons(report)).toEqual({
      "/kirchweih.html": `not reached: ${site.url("/")} could not be crawled completely this run`,
      "/standesamt.html": `not reached: ${site.url("/")} could not be crawled completely this run`,
    });
    expect(report.incomplete).toEqual([{ source: site.url("/"), reasons: [`${site.url("/sitemap.xml")}: sitemap answered HTTP 503`] }]);
    expect(pathsOf(report.documents.added)).toEqual(["/bibliothek.html"]);
    expect(report.published).toBe(true);
    const text = await textOf(store);
    expect(text).toContain("Die Kirchweih in Birkenfeld");
    expect(text).toContain("Das Standesamt Birkenfeld");
    expect(text).toContain("Die Gemeindebibliothek Birkenfeld");
    expect(text).not.toContain("Sperrmüll holt der Bauhof");
  });

  it("a hub page that fails for now still leads to the pages it linked to; with the sitemap back an unlinked page goes", { timeout: 30_000 }, async () => {
    const { site } = town;
    site.routes["/sitemap.xml"] = sitemap(site);
    site.routes["/themen.html"] = UNAVAILABLE;
    const mark = site.log.length;

    const report = await town.run();

    // The Spielplatz page is linked only from the failing hub: it is visited through the hub's known links.
    expect(requestedSince(site, mark)).toContain("/spielplatz.html");
    expect(pathsOf(report.documents.removed)).toEqual(["/standesamt.html"]);
    expect(keptReasons(report)).toEqual({ "/themen.html": "failed for now (HTTP 503)" });
    expect(report.incomplete).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

describe("robots.txt that cannot be fetched (RFC 9309 §2.3.1.4)", () => {
  let town: Town;
  let first: IngestReport;

  beforeAll(async () => {
    town = await startBirkenfeld();
    first = await town.run();
    expect(first.published).toBe(true);
  });

  it("503: no page or sitemap is requested, every document is kept, and the report says why", { timeout: 30_000 }, async () => {
    const { site, store } = town;
    site.routes["/robots.txt"] = UNAVAILABLE;
    const mark = site.log.length;

    const report = await town.run();

    // Only robots.txt, with the fetcher's retries; nothing else of the site.
    expect(requestedSince(site, mark)).toEqual(["/robots.txt", "/robots.txt", "/robots.txt"]);
    const why = "robots.txt unreachable (HTTP 503): site not crawled this run";
    expect(report.failures).toEqual([{ url: site.url("/robots.txt"), reason: why }]);
    expect(report.incomplete).toEqual([{ source: site.url("/"), reasons: [`${site.url("/robots.txt")}: ${why}`] }]);
    expect(report.documents.removed).toEqual([]);
    expect(pathsOf(report.documents.kept)).toEqual(ALL);
    expect(report.published).toBe(false);
    expect(await store.current()).toBe(first.version);
    expect(formatReport(report)).toContain(`  - ${site.url("/robots.txt")}: ${why}`);
  });

  it("404: everything is allowed and the site is crawled as normal", { timeout: 30_000 }, async () => {
    const { site } = town;
    delete site.routes["/robots.txt"];
    const mark = site.log.length;

    const report = await town.run();

    expect(report.failures).toEqual([]);
    expect(report.incomplete).toEqual([]);
    expect(report.documents).toMatchObject({ removed: [], kept: [], unchanged: ALL.length });
    for (const p of [...ALL, "/sitemap.xml"]) expect(requestedSince(site, mark), p).toContain(p);
  });
});

describe("loadRobots", () => {
  it("uses the rules on 200, allows everything on 404 and disallows everything on 5xx or no answer", async () => {
    const fetcher = new HttpFetcher({ userAgent: "auskunft-test", timeoutMs: 400, maxBytes: 1_000_000 });
    const status = (code: number): Route => (_req, res) => void res.writeHead(code, { "content-type": "text/plain" }).end("User-agent: *\nDisallow: /\n");
    const sites = await Promise.all([
      startSite({ "/robots.txt": send("User-agent: *\nDisallow: /intern/\n", "text/plain") }),
      startSite({}),
      startSite({ "/robots.txt": status(500) }),
      startSite({ "/robots.txt": status(429) }),
    ]);
    try {
      const [ok, missing, broken, limited] = await Promise.all(sites.map((s) => loadRobots(s.origin, fetcher, "auskunft-test")));
      expect([ok!.allowed(`${sites[0]!.origin}/a.html`), ok!.allowed(`${sites[0]!.origin}/intern/x.html`), ok!.unreachable]).toEqual([true, false, undefined]);
      expect([missing!.allowed(`${sites[1]!.origin}/a.html`), missing!.unreachable]).toEqual([true, undefined]);
      expect([broken!.allowed(`${sites[2]!.origin}/a.html`), broken!.unreachable]).toEqual([false, "HTTP 500"]);
      expect([limited!.allowed(`${sites[3]!.origin}/a.html`), limited!.unreachable]).toEqual([false, "HTTP 429"]);
    } finally {
      await Promise.all(sites.map((s) => s.close()));
    }
    // Nobody listens: a network error.
    const closed = await startSite({});
    await closed.close();
    const refused = await loadRobots(closed.origin, fetcher, "auskunft-test");
    expect(refused.allowed(`${closed.origin}/a.html`)).toBe(false);
    expect(refused.unreachable).toMatch(/request failed/);
  });
});

describe("a site larger than maxPages", () => {
  it("keeps the pages beyond the cap instead of removing them, and tells the editor to raise it", { timeout: 30_000 }, async () => {
    const town = await startBirkenfeld();
    const first = await town.run();
    expect(pathsOf(first.documents.added)).toEqual(ALL);

    // The same site with a cap below its size (or a site that grew past it).
    const [m] = town.config.municipalities;
    const capped: Config = { ...town.config, municipalities: [{ ...m!, sources: m!.sources.map((s) => ({ ...s, maxPages: 3 })) }] };
    const report = await ingest({ config: capped, dataDir: town.dataDir, embeddings: new LocalEmbeddings() });

    expect(report.documents.removed).toEqual([]);
    expect(report.documents.kept.length).toBeGreaterThanOrEqual(ALL.length - 3);
    expect(report.incomplete[0]?.reasons.join("\n")).toContain('more than 3 pages (maxPages): the rest was not crawled; raise "maxPages" in config.json');
    expect(await textOf(town.store)).toContain("Die Kirchweih in Birkenfeld");
  });
});

describe("a start page that is gone (a typo in startUrls, a site that moved)", () => {
  it("removes only what the site answered 404 for, keeps the pages below it, and points the editor at startUrls", { timeout: 30_000 }, async () => {
    const town = await startBirkenfeld();
    await town.run();
    town.site.routes["/"] = (_req, res) => void res.writeHead(404, { "content-type": "text/html" }).end("<h1>Nicht gefunden</h1>");

    const report = await town.run();

    // The start page itself is gone; the pages only it linked to were not reached, which does not make them gone.
    expect(pathsOf(report.documents.removed)).toEqual(["/"]);
    expect(pathsOf(report.documents.kept)).toEqual(["/hundesteuer.html", "/sperrmuell.html", "/spielplatz.html", "/standesamt.html", "/themen.html"]);
    expect(report.incomplete[0]?.reasons.join("\n")).toContain(`start page ${town.site.url("/")}: HTTP 404: gone (check "startUrls" in config.json)`);
    expect(await textOf(town.store)).toContain("Die Hundesteuer in Birkenfeld beträgt 90 Euro");
  });
});

// ---------------------------------------------------------------------------------------------

describe("a CMS in maintenance that answers every page with 200 and the same notice", () => {
  // robots.txt and the sitemap are static files and still there; every page says the same thing.
  const MAINTENANCE: Route = (_req, res) =>
    void res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html("<h1>Wartungsarbeiten</h1><p>Unsere Website wird gerade gewartet. Bitte versuchen Sie es später noch einmal.</p>", "Wartung"));
  let town: Town;

  beforeAll(async () => {
    town = await startBirkenfeld();
    expect((await town.run()).published).toBe(true);
  });

  it("takes the notice for no page's text: every page keeps its last version, and the run says it was incomplete", { timeout: 30_000 }, async () => {
    const { site, store } = town;
    const before = await store.current();
    for (const p of ALL) site.routes[p] = MAINTENANCE;

    const report = await town.run();

    expect(report.documents.changed).toEqual([]);
    expect(report.documents.removed).toEqual([]);
    expect(report.documents.added).toEqual([]);
    expect(report.published).toBe(false);
    expect(await store.current()).toBe(before);
    const reasons = keptReasons(report);
    // The start page linked to four pages and now to none; the pages it linked to were still asked for.
    expect(reasons["/"]).toMatch(/without any of its 4 links.*maintenance/);
    for (const p of ["/hundesteuer.html", "/standesamt.html", "/sperrmuell.html", "/themen.html", "/kirchweih.html"]) {
      expect(reasons[p]).toMatch(/the same page as \d+ other addresses.*maintenance/);
    }
    expect(report.incomplete).toHaveLength(1);
    expect(formatReport(report)).toContain("Not crawled completely");
    const text = await textOf(store);
    expect(text).toContain("Die Hundesteuer in Birkenfeld beträgt 90 Euro");
    expect(text).not.toContain("Wartungsarbeiten");
  });

  it("once the site is back, reads the pages again and keeps nothing", { timeout: 30_000 }, async () => {
    await buildBirkenfeld(town.site);
    const report = await town.run();
    expect(report.incomplete).toEqual([]);
    expect(report.documents.kept).toEqual([]);
    expect(report.documents.removed).toEqual([]);
  });

  it("does the same when every address redirects to one maintenance page", { timeout: 30_000 }, async () => {
    const other = await startBirkenfeld();
    expect((await other.run()).published).toBe(true);
    const { site, store } = other;
    const before = await store.current();
    for (const p of ALL) site.routes[p] = (_req, res) => void res.writeHead(302, { location: "/wartung.html" }).end();
    site.routes["/wartung.html"] = MAINTENANCE;

    const report = await other.run();

    expect(report.documents.removed).toEqual([]);
    expect(report.documents.added).toEqual([]);
    expect(report.documents.changed).toEqual([]);
    expect(await store.current()).toBe(before);
    expect(keptReasons(report)["/"]).toMatch(/without any of its 4 links/);
    expect(report.incomplete).toHaveLength(1);
    expect(await textOf(store)).toContain("Das Standesamt Birkenfeld traut dienstags");
  });

  it("takes deleted pages that now say the same \"not found\" with 200 as the site's answer, when the start page is itself", { timeout: 30_000 }, async () => {
    const other = await startBirkenfeld();
    expect((await other.run()).published).toBe(true);
    const notFound: Route = (_req, res) =>
      void res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html("<h1>Seite nicht gefunden</h1><p>Diese Seite gibt es nicht mehr.</p>", "Nicht gefunden"));
    for (const p of ["/hundesteuer.html", "/standesamt.html", "/sperrmuell.html"]) other.site.routes[p] = notFound;

    const report = await other.run();

    expect(report.incomplete).toEqual([]);
    expect(report.documents.kept).toEqual([]);
    expect(pathsOf(report.documents.changed)).toEqual(["/hundesteuer.html", "/sperrmuell.html", "/standesamt.html"]);
  });

  it("takes a relaunch at its word: a start page that links to new pages instead of the old ones", { timeout: 30_000 }, async () => {
    const { site } = town;
    const fresh = ["/buergerservice.html", "/rathaus.html"];
    for (const [i, p] of fresh.entries()) site.page(p, html(`<h1>Neu ${i}</h1><p>Die neue Seite ${p} der Gemeinde Birkenfeld.</p>`, `Neu ${i}`));
    site.page("/", html(`<h1>Gemeinde Birkenfeld</h1><p>Unsere neue Website.</p>${fresh.map((l) => `<a href="${l}">${l}</a>`).join("")}`, "Gemeinde Birkenfeld"), { etag: '"start-relaunch"' });

    const report = await town.run();

    expect(report.incomplete).toEqual([]);
    expect(pathsOf(report.documents.changed)).toEqual(["/"]);
    expect(pathsOf(report.documents.added)).toEqual(fresh);
  });
});
