import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import PDFDocument from "pdfkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseConfig } from "../src/config/load.js";
import type { Config } from "../src/config/schema.js";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import { IndexSnapshot } from "../src/store/snapshot.js";
import { VersionStore } from "../src/store/versions.js";
import { ingest } from "../ingest/pipeline.js";
import { formatReport, type IngestReport } from "../ingest/report.js";
import { runIngestCli } from "./helpers/cli.js";
import { hangs, startTownSite, type TownSite } from "./helpers/fixture-site.js";
import { html, send } from "./helpers/site-server.js";

/**
 * Bad input — broken pages, oversized or unreadable downloads, redirect loops, hanging servers,
 * a broken sitemap, binary files, a mistyped configuration — is reported with a reason an editor
 * understands and skipped. It never crashes or hangs a run, and never reaches the published index.
 */

// ---------------------------------------------------------------------------------------------
// Shared plumbing: temp folders and servers are closed in reverse order after the file.

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

async function tempDir(prefix = "auskunft-bad-"): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const MAX_BYTES = 2 * 1024 * 1024;
const TIMEOUT_MS = 400;
const CRAWLER = { delayMs: 0, timeoutMs: TIMEOUT_MS, maxBytes: MAX_BYTES };

const townJson = (sources: unknown[]) => ({
  municipalities: [{ id: "lindenau", name: "Gemeinde Lindenau", contact: { office: "Bürgerbüro", phone: "07071 555-0" }, sources }],
  crawler: CRAWLER,
});

const runIngest = (config: Config, dataDir: string) => ingest({ config, dataDir, embeddings: new LocalEmbeddings() });

async function published(dataDir: string): Promise<IndexSnapshot> {
  const store = new VersionStore(dataDir);
  const version = await store.current();
  expect(version, "a version is published").not.toBeNull();
  return IndexSnapshot.load(store.versionDir(version!));
}

const stagingFolders = async (dataDir: string) => (await readdir(path.join(dataDir, "index"))).filter((n) => n.startsWith(".staging-"));
const reasonsByUrl = (report: IngestReport) => new Map(report.failures.map((f) => [f.url, f.reason]));

/** A real PDF that needs a password to open (RC4, pdfkit), with text that must never be indexed. */
function encryptedPdf(text: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ userPassword: "geheim", ownerPassword: "nur-die-verwaltung", pdfVersion: "1.4" });
    const parts: Buffer[] = [];
    doc.on("data", (d: Buffer) => parts.push(d));
    doc.on("end", () => resolve(Buffer.concat(parts)));
    doc.on("error", reject);
    doc.fontSize(14).text(text);
    doc.end();
  });
}

/** Bytes that are no PDF at all (but start like one, as a truncated download would). */
const notAPdf = () => Buffer.concat([Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Cat", "latin1"), randomBytes(4096)]);

/** Bytes no text editor wrote: a PNG header, NUL bytes and invalid UTF-8. */
const binaryBytes = () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.from("IHDR"), randomBytes(2048)]);

// Text of the bad documents: none of it may ever be found in a published chunk.
const OVERSIZE_MARKER = "Übergroße Seite mit Ratsprotokollen";
const SECRET_PDF_TEXT = "Geheime Friedhofsgebühren: Wahlgrab 999,00 Euro";
const LOOP_TEXT = "Diese Seite erreicht niemand";

// ---------------------------------------------------------------------------------------------

describe("a website crawl full of bad input", () => {
  let site: TownSite;
  let dataDir: string;
  let report: IngestReport;
  let runMs = 0;
  let snap: IndexSnapshot;
  const u = (p: string) => site.url(p);

  /** The paths that must fail, and what the report must say about each. */
  const BAD: Record<string, RegExp> = {
    "/sitemap.xml": /sitemap.*not XML/i,
    "/protokolle.html": /too large/i,
    "/haushaltsplan.pdf": /too large/i,
    "/friedhof-alt.pdf": /not a readable PDF/i,
    "/friedhof-intern.pdf": /PDF.*encrypted|encrypted.*PDF/i,
    "/schleife-a.html": /redirect/i,
    "/haengt.html": new RegExp(`timed out after ${TIMEOUT_MS} ms`),
  };
  const GOOD = ["/", "/abfall.html", "/buergerbuero.html", "/wertstoffhof.html"];

  beforeAll(async () => {
    site = await startTownSite();
    cleanups.push(() => site.close());
    site.routes["/robots.txt"] = send("User-agent: *\nDisallow:\n\nSitemap: /sitemap.xml\n", "text/plain");
    // The CMS answers its sitemap URL with an error text instead of XML.
    site.routes["/sitemap.xml"] = send("Fehler 503: Die Sitemap wird gerade neu erzeugt. Bitte versuchen Sie es später erneut.", "application/xml");

    site.page(
      "/",
      html(
        `<h1>Gemeinde Lindenau</h1><p>Willkommen auf den Seiten der Gemeinde Lindenau.</p>
         <ul>
           <li><a href="/buergerbuero.html">Bürgerbüro</a></li>
           <li><a href="/abfall.html">Müllabfuhr</a></li>
           <li><a href="/protokolle.html">Ratsprotokolle</a></li>
           <li><a href="/haushaltsplan.pdf">Haushaltsplan (PDF)</a></li>
           <li><a href="/friedhof-alt.pdf">Friedhofsgebühren alt (PDF)</a></li>
           <li><a href="/friedhof-intern.pdf">Friedhofsgebühren intern (PDF)</a></li>
           <li><a href="/schleife-a.html">Stadtplan</a></li>
           <li><a href="/haengt.html">Veranstaltungskalender</a></li>
         </ul>`,
        "Gemeinde Lindenau",
      ),
    );
    site.page("/buergerbuero.html", html("<h1>Bürgerbüro</h1><p>Im Bürgerbüro beantragen Sie Personalausweis und Reisepass.</p>", "Bürgerbüro"));

    // Broken HTML: unclosed tags everywhere, stray end tags, no </body></html>, and bytes that are no UTF-8 at all.
    // Its link to the Wertstoffhof must still be followed.
    site.page(
      "/abfall.html",
      Buffer.concat([
        Buffer.from(
          `<html><head><title>Müllabfuhr – Lindenau</title><body><div id="inhalt"><h1>Müllabfuhr</h1>
           <p>Die Biotonne wird in Lindenau jeden Dienstag geleert.
           <p>Sperrmüll melden Sie <b>bis Freitag <i>im Bürgerbüro an.
           </span></tabl></p></em><p>`,
        ),
        Buffer.from([0x00, 0xff, 0xfe, 0xc3, 0x28, 0x1b, 0x89, 0x50, 0x4e, 0x47, 0x80, 0x81, 0x00]),
        Buffer.from(
          `<table><tr><th>Tonne<th>Leerung<tr><td>Gelbe Tonne<td>alle zwei Wochen am Donnerstag</table>
           <ul><li><a href="/wertstoffhof.html">Wertstoffhof</a><li>Grünschnitt <<< &&; >>
           <p>Altglas bringen Sie zu den Containern am Lindenplatz.
           <div><p`,
        ),
      ]),
      { type: "text/html; charset=utf-8" },
    );
    site.page("/wertstoffhof.html", html("<h1>Wertstoffhof</h1><p>Der Wertstoffhof hat samstags von 9 bis 13 Uhr geöffnet.</p>", "Wertstoffhof"));

    // About 3 MB, streamed without a Content-Length: the limit is only noticed while reading.
    site.routes["/protokolle.html"] = (_req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.write(`<!doctype html><html><head><title>Ratsprotokolle</title></head><body><main><h1>Ratsprotokolle</h1>`);
      const para = Buffer.from(`<p>${OVERSIZE_MARKER}: Der Gemeinderat hat in öffentlicher Sitzung beraten und beschlossen.</p>\n`.repeat(500));
      for (let sent = 0; sent < 3 * 1024 * 1024; sent += para.length) res.write(para);
      res.end("</main></body></html>");
    };
    // Declares 2 GB up front and then sends only a few bytes (the limit is noticed from the header).
    site.routes["/haushaltsplan.pdf"] = (_req, res) => {
      res.writeHead(200, { "content-type": "application/pdf", "content-length": String(2 * 1024 * 1024 * 1024) });
      res.write("%PDF-1.7\n");
    };
    site.page("/friedhof-alt.pdf", notAPdf(), { type: "application/pdf" });
    site.page("/friedhof-intern.pdf", await encryptedPdf(SECRET_PDF_TEXT), { type: "application/pdf" });
    site.routes["/schleife-a.html"] = (_req, res) => void res.writeHead(302, { location: "/schleife-b.html" }).end();
    site.routes["/schleife-b.html"] = (_req, res) => void res.writeHead(302, { location: "/schleife-a.html" }).end();
    site.routes["/nie-erreicht.html"] = send(html(`<h1>Stadtplan</h1><p>${LOOP_TEXT}.</p>`));
    site.routes["/haengt.html"] = hangs;

    dataDir = await tempDir();
    const json = townJson([{ type: "website", startUrls: [u("/")] }]);
    await writeFile(path.join(dataDir, "config.json"), JSON.stringify(json, null, 2));
    const started = Date.now();
    report = await runIngest(parseConfig(json), dataDir);
    runMs = Date.now() - started;
    if (report.published) snap = await published(dataDir);
  }, 20_000);

  it("completes and publishes the good pages only, with nothing of the bad ones in the index", async () => {
    expect(report.published).toBe(true);
    expect(report.documents.added.map((d) => new URL(d.url).pathname).sort()).toEqual(GOOD);
    expect(snap.manifest).toMatchObject({ version: report.version, documents: GOOD.length, chunks: report.chunks.total });
    expect([...new Set(snap.chunks.map((c) => new URL(c.docId).pathname))].sort()).toEqual(GOOD);

    // Nothing half-done: not the first 2 MB of the oversized page, not the encrypted PDF's text, no staging folder.
    const text = snap.chunks.map((c) => `${c.title}\n${c.text}`).join("\n");
    for (const never of [OVERSIZE_MARKER, "öffentlicher Sitzung", SECRET_PDF_TEXT, "999,00 Euro", LOOP_TEXT, "neu erzeugt"]) expect(text).not.toContain(never);
    const documents = JSON.parse(await readFile(path.join(new VersionStore(dataDir).versionDir(report.version!), "documents.json"), "utf8")) as { url: string }[];
    expect(documents.map((d) => new URL(d.url).pathname).sort()).toEqual(GOOD);
    expect(await stagingFolders(dataDir)).toEqual([]);
  });

  it("names every bad URL in the failures, each once, with a reason", () => {
    expect(report.failures.map((f) => f.url).sort()).toEqual(Object.keys(BAD).map(u).sort());
    for (const f of report.failures) {
      expect(f.reason.trim().length, f.url).toBeGreaterThan(5);
      expect(f.reason, f.url).not.toMatch(/\n|^\[object|undefined|^Error:|\bat .*\.ts:\d+/);
    }
    // The editor's summary lists them the same way.
    const summary = formatReport(report);
    expect(summary).toContain(`${report.failures.length} failed`);
    for (const f of report.failures) expect(summary).toContain(`  - ${f.url}: ${f.reason}`);
  });

  it("reads broken HTML (unclosed tags, garbage bytes) and still follows its links", () => {
    const chunks = snap.chunks.filter((c) => c.docId === u("/abfall.html"));
    const text = chunks.map((c) => c.text).join(" ");
    expect(chunks[0]?.title).toBe("Müllabfuhr");
    expect(text).toContain("Die Biotonne wird in Lindenau jeden Dienstag geleert.");
    expect(text).toContain("Sperrmüll melden Sie bis Freitag im Bürgerbüro an.");
    expect(text).toContain("Altglas bringen Sie zu den Containern am Lindenplatz.");
    // Linked only from the broken page.
    expect(snap.chunks.filter((c) => c.docId === u("/wertstoffhof.html")).map((c) => c.text).join(" ")).toContain("samstags von 9 bis 13 Uhr");
  });

  it("keeps the words of a table apart when an unclosed <b> wraps it", () => {
    // Old CMS pages often leave a <b> open; the parser then puts the following table inside it.
    // Its cells must still be separate words ("Gelbe Tonne", "alle zwei Wochen"), not "Gelbe Tonnealle zwei Wochen".
    const text = snap.chunks.filter((c) => c.docId === u("/abfall.html")).map((c) => c.text).join(" ");
    expect(text).toContain("Tonne: Gelbe Tonne · Leerung: alle zwei Wochen am Donnerstag");
    expect(text).not.toMatch(/Tonnealle|LeerungGelbe/);
  });

  it("publishes no control characters from the garbage bytes", () => {
    // NUL and ESC from a broken page are invisible junk in a citation: the readable text is kept, they are not.
    const junk = snap.chunks.filter((c) => /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(`${c.title} ${c.text}`));
    expect(junk.map((c) => ({ docId: c.docId, text: JSON.stringify(c.text).slice(0, 80) }))).toEqual([]);
  });

  it("reports a page larger than maxBytes as too large, streamed or declared, and skips it", () => {
    const reasons = reasonsByUrl(report);
    expect(reasons.get(u("/protokolle.html"))).toMatch(BAD["/protokolle.html"]!);
    expect(reasons.get(u("/protokolle.html"))).toContain(String(MAX_BYTES));
    expect(reasons.get(u("/haushaltsplan.pdf"))).toMatch(BAD["/haushaltsplan.pdf"]!);
    expect(reasons.get(u("/haushaltsplan.pdf"))).toContain(`limit ${MAX_BYTES}`);
    // A permanent problem: not tried again.
    expect(site.hits("/protokolle.html")).toBe(1);
    expect(site.hits("/haushaltsplan.pdf")).toBe(1);
  });

  it("reports an invalid PDF and an encrypted PDF with their reasons and skips both", () => {
    const reasons = reasonsByUrl(report);
    expect(reasons.get(u("/friedhof-alt.pdf"))).toMatch(BAD["/friedhof-alt.pdf"]!);
    expect(reasons.get(u("/friedhof-intern.pdf"))).toMatch(BAD["/friedhof-intern.pdf"]!);
  });

  it("reports a redirect loop without hanging", () => {
    expect(reasonsByUrl(report).get(u("/schleife-a.html"))).toMatch(BAD["/schleife-a.html"]!);
    expect(site.hits("/nie-erreicht.html")).toBe(0);
    // Followed up to the fetch's redirect limit once, and not retried.
    expect(site.hits("/schleife-a.html")).toBeLessThanOrEqual(25);
  });

  it("reports a server that never answers as a timeout, within the time limit", () => {
    expect(reasonsByUrl(report).get(u("/haengt.html"))).toMatch(BAD["/haengt.html"]!);
    // Three attempts of 400 ms each, with a short pause between them.
    expect(site.hits("/haengt.html")).toBe(3);
    expect(runMs).toBeLessThan(10_000);
  });

  it("reports a sitemap that is not XML, and crawls on from the start page", () => {
    expect(site.hits("/sitemap.xml")).toBe(1);
    expect(reasonsByUrl(report).get(u("/sitemap.xml"))).toMatch(BAD["/sitemap.xml"]!);
    expect(report.documents.added.map((d) => new URL(d.url).pathname)).toContain("/buergerbuero.html");
  });
});

// ---------------------------------------------------------------------------------------------

describe("a files source with broken files next to good ones", () => {
  let dataDir: string;
  let report: IngestReport;
  let snap: IndexSnapshot | undefined;
  const GOOD = ["abfall.md", "hinweise/parken.txt", "seite.html"];

  beforeAll(async () => {
    dataDir = await tempDir();
    const folder = path.join(dataDir, "satzungen");
    await mkdir(path.join(folder, "hinweise"), { recursive: true });
    await writeFile(
      path.join(folder, "abfall.md"),
      "---\ntitel: Abfallsatzung\n---\n# Abfallsatzung\n\n## § 1 Biotonne\n\n(1) Die Biotonne wird jeden Dienstag geleert.\n\n## § 2 Gebühren\n\n(1) Die Gebühr beträgt 80 Euro im Jahr.\n",
    );
    await writeFile(path.join(folder, "hinweise/parken.txt"), "Anwohnerparken\n\nDer Parkausweis für Anwohner kostet 30 Euro im Jahr.\n");
    await writeFile(path.join(folder, "seite.html"), "<html><title>Rathaus</title><body><h1>Rathaus</h1><p>Das Rathaus ist am Marktplatz 1.<p>Geöffnet <b>montags bis freitags");
    await writeFile(path.join(folder, "kaputt.pdf"), notAPdf());
    await writeFile(path.join(folder, "intern.pdf"), await encryptedPdf(SECRET_PDF_TEXT));
    await writeFile(path.join(folder, "bild.md"), binaryBytes());

    const json = townJson([{ type: "files", path: folder, baseUrl: "https://www.lindenau.example/satzungen" }]);
    await writeFile(path.join(dataDir, "config.json"), JSON.stringify(json, null, 2));
    report = await runIngest(parseConfig(json), dataDir);
    if (report.published) snap = await published(dataDir);
  });

  it("indexes the good files", async () => {
    expect(report.published).toBe(true);
    expect(report.documents.added.map((d) => d.docId)).toEqual(expect.arrayContaining(GOOD));
    const text = snap!.chunks.map((c) => c.text).join(" ");
    expect(text).toContain("Die Biotonne wird jeden Dienstag geleert.");
    expect(text).toContain("Der Parkausweis für Anwohner kostet 30 Euro im Jahr.");
    expect(text).toContain("Das Rathaus ist am Marktplatz 1.");
    expect(await stagingFolders(dataDir)).toEqual([]);
  });

  it("reports the broken and the encrypted PDF with reasons, and indexes neither", () => {
    const reasons = reasonsByUrl(report);
    expect(reasons.get("kaputt.pdf")).toMatch(/not a readable PDF/i);
    expect(reasons.get("intern.pdf")).toMatch(/PDF.*encrypted/i);
    expect(report.documents.added.map((d) => d.docId)).not.toContain("kaputt.pdf");
    expect(report.documents.added.map((d) => d.docId)).not.toContain("intern.pdf");
    expect(snap!.chunks.some((c) => c.text.includes("999,00 Euro"))).toBe(false);
  });

  it("reports a binary file named .md as a failure, and keeps its bytes out of the index", () => {
    expect(reasonsByUrl(report).get("bild.md")).toMatch(/binary|not (a )?text|not UTF-8|unreadable/i);
    expect(report.documents.added.map((d) => d.docId)).not.toContain("bild.md");
    expect(snap!.chunks.filter((c) => /[\u0000\ufffd]/.test(c.text)).map((c) => c.docId)).toEqual([]);
  });

  it("publishes exactly the good files, and names exactly the bad ones", () => {
    expect(report.documents.added.map((d) => d.docId).sort()).toEqual(GOOD);
    expect(snap!.manifest.documents).toBe(GOOD.length);
    expect(report.failures.map((f) => f.url).sort()).toEqual(["bild.md", "intern.pdf", "kaputt.pdf"]);
  });
});

// ---------------------------------------------------------------------------------------------

describe("a configuration with a typo", () => {
  const town = (patch: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => ({
    municipalities: [
      { id: "lindenau", name: "Gemeinde Lindenau", contact: { office: "Bürgerbüro" }, sources: [{ type: "website", startUrls: ["https://www.lindenau.example/"] }], ...patch },
    ],
    crawler: CRAWLER,
    ...top,
  });

  function refused(attempt: () => unknown): ConfigError {
    try {
      attempt();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error("the configuration was accepted");
  }

  it("accepts the configuration without the typo", () => {
    expect(parseConfig(town()).municipalities[0]?.id).toBe("lindenau");
  });

  it("refuses an unknown key (startUrl for startUrls) and names it", () => {
    const e = refused(() => parseConfig(town({ sources: [{ type: "website", startUrl: ["https://www.lindenau.example/"] }] }), "config.json"));
    expect(e.message).toContain("config.json");
    expect(e.message).toMatch(/municipalities\.0\.sources\.0: Unrecognized key: "startUrl"/);
    expect(e.message).toMatch(/municipalities\.0\.sources\.0\.startUrls:/);
  });

  it("refuses a municipality id with capitals and names the field", () => {
    const e = refused(() => parseConfig(town({ id: "Lindenau" })));
    expect(e.message).toMatch(/municipalities\.0\.id: .*lower-case/);
  });

  it("refuses a defaultMunicipality that does not exist and names it", () => {
    const e = refused(() => parseConfig(town({}, { defaultMunicipality: "musterstadt" })));
    expect(e.message).toMatch(/defaultMunicipality "musterstadt" is not one of lindenau/);
  });

  it("refuses a config.json that is not JSON and names the file", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "config.json");
    await writeFile(file, JSON.stringify(town(), null, 2).replace(/"name"/, "name").replace(/\n}$/, ",\n}"));
    const e = await loadConfig(dir).then(
      () => {
        throw new Error("the configuration was accepted");
      },
      (error: unknown) => error,
    );
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).toContain(`${file} is not valid JSON`);
    expect((e as ConfigError).message).toMatch(/position|line|token/i);
  });

  it("names the file when a config.json on disk has a mistyped field", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "config.json"), JSON.stringify(town({ id: "Lindenau" }), null, 2));
    await expect(loadConfig(dir)).rejects.toThrow(new RegExp(`${path.join(dir, "config.json").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is invalid:\\n  - municipalities\\.0\\.id`));
  });

  it("makes the CLI exit with code 2 and one line on stderr naming the file and the problem", { timeout: 20_000 }, async () => {
    const dir = await tempDir();
    const file = path.join(dir, "config.json");
    await writeFile(file, '{ "municipalities": [ { "id": "lindenau", } ] ');
    const { code, stdout, stderr } = await runIngestCli(dir);

    expect(code, stderr).toBe(2);
    const lines = stderr.trim().split("\n");
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^auskunft: /);
    expect(lines[0]).toContain(file);
    expect(lines[0]).toContain("is not valid JSON");
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stdout).toBe("");
    // Nothing was created in the data folder.
    expect(await readdir(dir)).toEqual(["config.json"]);
  });
});
