import { readFile } from "node:fs/promises";
import path from "node:path";
import { DEMO_SITE } from "./demo.js";
import { html, send, startSite, type FixtureSite, type Route } from "./site-server.js";

/** One request that carried a validator (If-None-Match / If-Modified-Since), and what the server answered. */
export interface ConditionalRequest {
  path: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  notModified: boolean;
}

export interface Validators {
  etag?: string;
  lastModified?: string;
  type?: string;
}

/**
 * A town website on 127.0.0.1 whose routes the test changes between ingestion runs:
 * `routes` is read on every request, so setting or deleting a path takes effect at once.
 */
export interface TownSite extends FixtureSite {
  routes: Record<string, Route>;
  /** Every conditional request, in order. */
  conditional: ConditionalRequest[];
  url(p: string): string;
  /** Serves a page the way a CMS or static file server does: validators in the answer, 304 to a matching conditional request. */
  page(p: string, body: string | Buffer, validators?: Validators): void;
  /** Requests per path since a mark (`site.log.length` taken before a run). */
  hitsSince(mark: number, p: string): number;
}

export async function startTownSite(): Promise<TownSite> {
  const routes: Record<string, Route> = {};
  const conditional: ConditionalRequest[] = [];
  const site = await startSite(routes);
  const cached =
    (body: string | Buffer, { etag, lastModified, type = "text/html; charset=utf-8" }: Validators): Route =>
    (req, res) => {
      const p = new URL(req.url ?? "/", "http://x").pathname;
      const inm = req.headers["if-none-match"];
      const ims = req.headers["if-modified-since"];
      // RFC 9110: If-None-Match wins over If-Modified-Since when both are sent.
      const notModified =
        inm !== undefined
          ? etag !== undefined && inm.split(/\s*,\s*/).includes(etag)
          : ims !== undefined && lastModified !== undefined && Date.parse(ims) >= Date.parse(lastModified);
      if (inm !== undefined || ims !== undefined) {
        conditional.push({ path: p, ...(inm !== undefined ? { ifNoneMatch: inm } : {}), ...(ims !== undefined ? { ifModifiedSince: ims } : {}), notModified });
      }
      const headers = { ...(etag ? { etag } : {}), ...(lastModified ? { "last-modified": lastModified } : {}) };
      if (notModified) return void res.writeHead(304, headers).end();
      res.writeHead(200, { "content-type": type, ...headers }).end(body);
    };
  return {
    ...site,
    routes,
    conditional,
    url: (p) => site.origin + p,
    page: (p, body, validators = {}) => {
      routes[p] = cached(body, validators);
    },
    hitsSince: (mark, p) => site.log.slice(mark).filter((r) => r.path === p).length,
  };
}

/** Answers 500 to the first request after it is installed, then behaves like `then`. */
export function failsOnce(then: Route): Route {
  let calls = 0;
  return (req, res, hits) => (++calls === 1 ? void res.writeHead(500, { "content-type": "text/plain" }).end("Internal Server Error") : then(req, res, hits));
}

/** Never answers: the crawler's request times out. */
export const hangs: Route = () => new Promise<void>(() => {});

export const LAST_MODIFIED = "Mon, 03 Mar 2025 08:00:00 GMT";

/** The pages of the fixture town "Lindenau", by path, and their validators as first served. */
export const PAGES = {
  home: "/",
  office: "/buergerbuero.html",
  statute: "/satzungen/hundesteuersatzung.html",
  pdf: "/downloads/friedhofsgebuehrensatzung.pdf",
  moved: "/alt.html",
  movedTarget: "/rathaus.html",
  latin1: "/parkausweis.html",
  news: "/aktuelles.html",
  hours: "/sprechzeiten.html",
  roadworks: "/baustelle.html",
  waste: "/abfall.html",
  sitemapOnly: "/veranstaltungen.html",
  secret: "/intern/personalrat.html",
} as const;

/** Pages served with an ETag (and a Last-Modified): a second run must get a 304 for each. */
export const ETAG_PAGES = [PAGES.home, PAGES.statute, PAGES.pdf, PAGES.news, PAGES.hours, PAGES.roadworks, PAGES.waste, PAGES.sitemapOnly];

/** Documents the first run finds (the redirect counts as its target, robots-disallowed pages not at all). */
export const DOCUMENT_PATHS = [
  PAGES.home, PAGES.office, PAGES.statute, PAGES.pdf, PAGES.movedTarget, PAGES.latin1,
  PAGES.news, PAGES.hours, PAGES.roadworks, PAGES.waste, PAGES.sitemapOnly,
].sort();

export const homePage = (extraLinks = "") =>
  html(
    `<h1>Gemeinde Lindenau</h1><p>Willkommen auf den Seiten der Gemeinde Lindenau.</p>
     <ul>
       <li><a href="${PAGES.office}">Bürgerbüro</a></li>
       <li><a href="${PAGES.statute}#p3">Hundesteuersatzung</a></li>
       <li><a href="${PAGES.pdf}">Friedhofsgebührensatzung (PDF)</a></li>
       <li><a href="${PAGES.moved}">Rathaus</a></li>
       <li><a href="${PAGES.latin1}?utm_source=startseite">Anwohnerparken</a></li>
       <li><a href="${PAGES.news}">Aktuelles</a></li>
       <li><a href="${PAGES.hours}">Sprechzeiten</a></li>
       <li><a href="${PAGES.roadworks}">Baustelle Hauptstraße</a></li>
       <li><a href="${PAGES.waste}">Müllabfuhr</a></li>
       <li><a href="${PAGES.secret}">Intranet</a></li>
       ${extraLinks}
     </ul>`,
    "Gemeinde Lindenau",
  );

export const NEWS_BEFORE = "Der Wochenmarkt findet ab April jeden Samstag von 7 bis 12 Uhr auf dem Lindenplatz statt.";
export const NEWS_AFTER = "Der Wochenmarkt zieht um: ab Mai findet er jeden Freitag von 14 bis 18 Uhr vor der Stadthalle statt.";
export const newsPage = (text: string) => html(`<h1>Aktuelles</h1><h2>Wochenmarkt</h2><p>${text}</p>`, "Aktuelles");
export const hoursPage = html("<h1>Sprechzeiten</h1><p>Die Sprechzeiten des Bürgermeisters sind dienstags von 16 bis 18 Uhr nach Vereinbarung.</p>", "Sprechzeiten");
export const WASTE_TEXT = "Die Biotonne wird in Lindenau jeden Dienstag geleert, die gelbe Tonne alle zwei Wochen am Donnerstag.";

/** Installs the town as it is before the first run. */
export async function buildTown(site: TownSite): Promise<void> {
  const pdf = await readFile(path.join(DEMO_SITE, "downloads/friedhofsgebuehrensatzung.pdf"));
  const v = (etag: string): Validators => ({ etag: `"${etag}"`, lastModified: LAST_MODIFIED });
  site.routes["/robots.txt"] = send(`User-agent: *\nDisallow: /intern/\n\nSitemap: ${site.url("/sitemap-index.xml")}\n`, "text/plain");
  site.routes["/sitemap-index.xml"] = send(
    `<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${site.url("/sitemap-seiten.xml")}</loc></sitemap></sitemapindex>`,
    "application/xml",
  );
  site.routes["/sitemap-seiten.xml"] = send(
    `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` +
      `<url><loc>${site.url("/")}</loc></url>` +
      `<url><loc>${site.url(PAGES.sitemapOnly)}</loc><lastmod>2025-03-01</lastmod></url></urlset>`,
    "application/xml",
  );
  site.page(PAGES.home, homePage(), v("start-1"));
  site.page(
    PAGES.office,
    html("<h1>Bürgerbüro</h1><p>Im Bürgerbüro beantragen Sie Personalausweis und Reisepass. Telefon 07071 555-0.</p>", "Bürgerbüro"),
    { lastModified: LAST_MODIFIED },
  );
  site.page(
    PAGES.statute,
    html(
      `<h1>Satzung über die Erhebung der Hundesteuer in der Gemeinde Lindenau (Hundesteuersatzung)</h1>
       <p>Aufgrund der Gemeindeordnung hat der Gemeinderat am 12. Dezember 2024 folgende Satzung beschlossen.</p>
       <h2 id="p1">§ 1 Steuergegenstand</h2><p>(1) Gegenstand der Steuer ist das Halten von Hunden im Gemeindegebiet.</p>
       <h2 id="p2">§ 2 Steuerpflicht</h2><p>(1) Steuerpflichtig ist, wer einen Hund in seinen Haushalt aufgenommen hat.</p>
       <h2 id="p3">§ 3 Steuersatz</h2><p>(1) Die Steuer beträgt im Jahr für den ersten Hund 96,00 Euro und für jeden weiteren Hund 144,00 Euro.</p>
       <p>(2) Für einen gefährlichen Hund beträgt die Steuer 600,00 Euro im Jahr.</p>`,
      "Hundesteuersatzung",
    ),
    v("hundesteuer-2025"),
  );
  site.page(PAGES.pdf, pdf, { ...v("friedhof-pdf-1"), type: "application/pdf" });
  site.routes[PAGES.moved] = (_req, res) => void res.writeHead(301, { location: PAGES.movedTarget }).end();
  site.page(PAGES.movedTarget, html("<h1>Rathaus</h1><p>Das Rathaus ist umgezogen und jetzt am Marktplatz 1 zu finden.</p>", "Rathaus"));
  site.page(
    PAGES.latin1,
    Buffer.from(html("<h1>Anwohnerparken</h1><p>Für Anwohner der Schloßstraße kostet der Parkausweis 30 Euro Gebühr im Jahr.</p>", "Anwohnerparken", "iso-8859-1"), "latin1"),
    { type: "text/html; charset=iso-8859-1" },
  );
  site.page(PAGES.news, newsPage(NEWS_BEFORE), v("aktuelles-1"));
  site.page(PAGES.hours, hoursPage, v("sprechzeiten-1"));
  site.page(PAGES.roadworks, html("<h1>Baustelle Hauptstraße</h1><p>Die Hauptstraße ist wegen Kanalarbeiten bis Ende Juni voll gesperrt.</p>", "Baustelle"), v("baustelle-1"));
  site.page(PAGES.waste, html(`<h1>Müllabfuhr</h1><p>${WASTE_TEXT}</p>`, "Müllabfuhr"), v("abfall-1"));
  site.page(PAGES.sitemapOnly, html("<h1>Veranstaltungen</h1><p>Das Lindenfest findet am 14. Juni auf dem Festplatz statt.</p>", "Veranstaltungen"), v("veranstaltungen-1"));
  site.page(PAGES.secret, html("<h1>Personalrat</h1><p>Interne Mitteilungen des Personalrats.</p>"));
}
