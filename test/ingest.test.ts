import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io as connect, type Socket } from "socket.io-client";
import { parseConfig } from "../src/config/load.js";
import type { Config } from "../src/config/schema.js";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import type { AskResponse, ClientToServerEvents, ServerToClientEvents } from "../src/protocol/messages.js";
import { compose } from "../src/server/compose.js";
import { IndexSnapshot } from "../src/store/snapshot.js";
import { VersionStore } from "../src/store/versions.js";
import { acquireLock, LockedError } from "../ingest/lock.js";
import { ingest } from "../ingest/pipeline.js";
import { formatReport, type DocumentChange, type IngestReport } from "../ingest/report.js";
import { REPO, silentLogger } from "./helpers/demo.js";
import {
  buildTown, DOCUMENT_PATHS, ETAG_PAGES, failsOnce, hangs, homePage, LAST_MODIFIED, NEWS_AFTER, NEWS_BEFORE, newsPage, PAGES,
  startTownSite, WASTE_TEXT, type TownSite,
} from "./helpers/fixture-site.js";
import { html, startSite, type Route } from "./helpers/site-server.js";

// ---------------------------------------------------------------------------------------------
// Shared plumbing: temp folders and servers are closed in reverse order after the file.

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

async function tempDataDir(config?: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "auskunft-ingest-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  if (config) await writeFile(path.join(dir, "config.json"), JSON.stringify(config, null, 2));
  return dir;
}

/** config.json of a town whose website is the fixture server; a hanging page fails after 400 ms. */
const townConfig = (origin: string) => ({
  municipalities: [
    {
      id: "lindenau",
      name: "Gemeinde Lindenau",
      contact: { office: "Bürgerbüro", phone: "07071 555-0" },
      sources: [{ type: "website", startUrls: [`${origin}/`] }],
    },
  ],
  crawler: { delayMs: 0, timeoutMs: 400 },
});

const runIngest = (config: Config, dataDir: string) => ingest({ config, dataDir, embeddings: new LocalEmbeddings() });

async function published(store: VersionStore): Promise<IndexSnapshot> {
  const version = await store.current();
  expect(version, "a version is published").not.toBeNull();
  return IndexSnapshot.load(store.versionDir(version!));
}

const pathsOf = (docs: DocumentChange[]) => docs.map((d) => new URL(d.url).pathname).sort();
/** Every chunk's document and text, order-free: what citizens can be answered from. */
const contentOf = (s: IndexSnapshot) => s.chunks.map((c) => `${c.docId}\n${c.url}\n${c.section ?? ""}\n${c.text}`).sort();
const stagingFolders = async (store: VersionStore) => (await readdir(store.root)).filter((n) => n.startsWith(".staging-"));

/** Polls a condition, for things another process or the kernel does; fails with `what` after `ms`. */
async function until(what: string, condition: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------

describe("ingestion runs against a changing town website", () => {
  let site: TownSite;
  let dataDir: string;
  let config: Config;
  let store: VersionStore;
  let first: IngestReport | undefined;
  const run = () => runIngest(config, dataDir);
  const chunksOf = (s: IndexSnapshot, p: string) => s.chunks.filter((c) => c.docId === site.url(p));

  beforeAll(async () => {
    site = await startTownSite();
    cleanups.push(() => site.close());
    await buildTown(site);
    dataDir = await tempDataDir();
    config = parseConfig(townConfig(site.origin));
    store = new VersionStore(dataDir, config.keepVersions);
  });

  it("publishes a first version with every reachable page, obeying robots.txt, with the statute cut by §", async () => {
    const report = await run();
    first = report;

    expect(report.published).toBe(true);
    expect(await store.current()).toBe(report.version);
    expect(pathsOf(report.documents.added)).toEqual(DOCUMENT_PATHS);
    expect(report.documents).toMatchObject({ changed: [], removed: [], kept: [], unchanged: 0 });
    expect(report.failures).toEqual([]);
    expect(report.chunks.embedded).toBe(report.chunks.total);

    // robots.txt: the intranet is never requested, and the report says one URL was skipped for it.
    expect(site.hits(PAGES.secret)).toBe(0);
    expect(report.skippedByRobots).toBe(1);

    const snap = await published(store);
    expect(snap.manifest).toMatchObject({ version: report.version, documents: DOCUMENT_PATHS.length, chunks: report.chunks.total, municipalities: ["lindenau"] });

    // A page nobody links to, listed only in the sitemap below the sitemap index.
    expect(chunksOf(snap, PAGES.sitemapOnly).map((c) => c.text).join(" ")).toContain("Lindenfest findet am 14. Juni");
    // The old address redirects: the page is known by its new address only.
    expect(chunksOf(snap, PAGES.moved)).toEqual([]);
    expect(chunksOf(snap, PAGES.movedTarget).map((c) => c.text).join(" ")).toContain("Marktplatz 1");
    // ISO-8859-1 with its umlauts and ß intact.
    expect(chunksOf(snap, PAGES.latin1).map((c) => c.text).join(" ")).toContain("Für Anwohner der Schloßstraße kostet der Parkausweis 30 Euro Gebühr im Jahr.");

    // The HTML statute: cited by its short title and by §, with a link to the § anchor.
    const statute = chunksOf(snap, PAGES.statute);
    expect(statute.every((c) => c.statute === true && c.title === "Hundesteuersatzung")).toBe(true);
    expect(statute.map((c) => c.section).filter(Boolean)).toEqual(["§ 1 Steuergegenstand", "§ 2 Steuerpflicht", "§ 3 Steuersatz"]);
    expect(statute.find((c) => c.text.includes("144,00 Euro"))).toMatchObject({ section: "§ 3 Steuersatz", url: `${site.url(PAGES.statute)}#p3` });

    // The PDF statute: § sections and the page in the citation link.
    const pdfFee = chunksOf(snap, PAGES.pdf).find((c) => c.text.includes("850,00 Euro"));
    expect(pdfFee?.statute).toBe(true);
    expect(pdfFee?.section).toMatch(/^§ \d+/);
    expect(pdfFee?.url).toBe(`${site.url(PAGES.pdf)}#page=${pdfFee?.page}`);
  });

  it("on the unchanged site asks with validators, gets 304s, embeds nothing and leaves the published version as it is", async () => {
    expect(first?.published, "needs the first run").toBe(true);
    const pointerFile = path.join(store.root, "current.json");
    const pointer = await readFile(pointerFile, "utf8");
    const versions = await store.list();
    const mark = site.log.length;
    const conditionalMark = site.conditional.length;

    const report = await run();

    const conditional = site.conditional.slice(conditionalMark);
    for (const p of ETAG_PAGES) {
      expect(conditional.filter((r) => r.path === p), `conditional request for ${p}`).toEqual([
        expect.objectContaining({ ifNoneMatch: expect.stringMatching(/^".+"$/), notModified: true }),
      ]);
      expect(site.hitsSince(mark, p), `requests for ${p}`).toBe(1);
    }
    // A page with only Last-Modified is asked with If-Modified-Since.
    expect(conditional.filter((r) => r.path === PAGES.office)).toEqual([{ path: PAGES.office, ifModifiedSince: LAST_MODIFIED, notModified: true }]);
    expect(conditional.filter((r) => r.notModified)).toHaveLength(ETAG_PAGES.length + 1);

    expect(report.documents).toEqual({ added: [], changed: [], unchanged: DOCUMENT_PATHS.length, removed: [], kept: [] });
    expect(report.failures).toEqual([]);
    expect(report.chunks).toEqual({ total: first!.chunks.total, embedded: 0, reused: first!.chunks.total });

    // Nothing changed, so nothing is republished (pipeline.ts: "Nothing changed: index version … stays published"):
    // the report names the version that stays, and the pointer the server watches is not touched.
    expect(report.published).toBe(false);
    expect(report.version).toBe(first!.version);
    expect(formatReport(report)).toContain(`Nothing changed: index version ${first!.version} stays published.`);
    expect(await readFile(pointerFile, "utf8")).toBe(pointer);
    expect(await store.list()).toEqual(versions);
    expect(await stagingFolders(store)).toEqual([]);
  });

  it("after edits re-embeds only the changed page, drops the deleted one, keeps the hanging one and retries a 500", async () => {
    const before = await published(store);
    // What the town's editors did since: one text edited, one page deleted, one page's server hangs, one answers 500 once.
    site.page(PAGES.news, newsPage(NEWS_AFTER), { etag: '"aktuelles-2"', lastModified: "Tue, 01 Apr 2025 09:30:00 GMT" });
    delete site.routes[PAGES.roadworks];
    site.routes[PAGES.waste] = hangs;
    site.routes[PAGES.hours] = failsOnce(site.routes[PAGES.hours]!);
    const mark = site.log.length;

    const report = await run();
    expect(report.published).toBe(true);
    const after = await published(store);
    expect(after.manifest.version).toBe(report.version);

    // Changed: listed, its new text in, its old text out, and only its chunks embedded.
    expect(report.documents.changed).toEqual([expect.objectContaining({ url: site.url(PAGES.news), title: "Aktuelles" })]);
    const news = chunksOf(after, PAGES.news);
    expect(news.map((c) => c.text).join(" ")).toContain(NEWS_AFTER);
    expect(after.chunks.some((c) => c.text.includes(NEWS_BEFORE))).toBe(false);
    const oldHashes = new Set(before.chunks.map((c) => c.hash));
    expect(news.filter((c) => !oldHashes.has(c.hash)).length).toBeGreaterThan(0);
    expect(report.chunks.embedded).toBe(news.filter((c) => !oldHashes.has(c.hash)).length);
    expect(report.chunks.embedded).toBeGreaterThan(0);
    expect(report.chunks.embedded).toBeLessThan(report.chunks.total);

    // Deleted (404): listed as removed, and nothing of it can be cited any more.
    expect(report.documents.removed).toEqual([expect.objectContaining({ url: site.url(PAGES.roadworks) })]);
    expect(chunksOf(after, PAGES.roadworks)).toEqual([]);
    expect(after.chunks.some((c) => c.text.includes("Kanalarbeiten"))).toBe(false);

    // Hanging (timeout): a temporary failure, tried again, the previous chunks kept.
    expect(site.hitsSince(mark, PAGES.waste)).toBeGreaterThan(1);
    expect(report.documents.kept).toEqual([expect.objectContaining({ url: site.url(PAGES.waste) })]);
    expect(chunksOf(after, PAGES.waste).map((c) => c.text)).toEqual(chunksOf(before, PAGES.waste).map((c) => c.text));
    expect(chunksOf(after, PAGES.waste).map((c) => c.text).join(" ")).toContain(WASTE_TEXT);

    // 500 once: retried, then fine, and not a failure at all.
    expect(site.hitsSince(mark, PAGES.hours)).toBe(2);
    expect(chunksOf(after, PAGES.hours).map((c) => c.text)).toEqual(chunksOf(before, PAGES.hours).map((c) => c.text));
    expect(report.failures.map((f) => f.url).sort()).toEqual([site.url(PAGES.roadworks), site.url(PAGES.waste)].sort());

    expect(report.documents.added).toEqual([]);
    expect(after.manifest.documents).toBe(DOCUMENT_PATHS.length - 1);
  });

  it("refuses a run while another one holds the lock, and publishes nothing", async () => {
    const lockFile = path.join(store.root, "ingest.lock");
    const pointer = await readFile(path.join(store.root, "current.json"), "utf8");
    const versions = await store.list();
    const release = await acquireLock(store.root);
    try {
      const mark = site.log.length;
      const attempt = run();
      await expect(attempt).rejects.toBeInstanceOf(LockedError);
      await expect(attempt).rejects.toThrow(`process ${process.pid}`);

      expect(site.log.length, "nothing was crawled").toBe(mark);
      expect(await readFile(path.join(store.root, "current.json"), "utf8")).toBe(pointer);
      expect(await store.list()).toEqual(versions);
      expect(await stagingFolders(store)).toEqual([]);
      // The refused run must not take the running one's lock away.
      expect((await readFile(lockFile, "utf8")).trim()).toBe(String(process.pid));
    } finally {
      await release();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe("an ingestion run killed halfway (real CLI, SIGKILL)", () => {
  const PAGE_COUNT = 40;
  let slowMs = 0;
  let firstTopic = "Auskunft zu Thema Nummer 1 gibt das Bürgerbüro Lindenau.";

  /** `tsx ingest/cli.ts` as an editor or cron runs it, in its own process group (tsx runs the script in a child process). */
  function runCli(dataDir: string) {
    const child = spawn(path.join(REPO, "node_modules/.bin/tsx"), ["ingest/cli.ts"], {
      cwd: REPO,
      env: { ...process.env, AUSKUNFT_DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code, signal) => resolve({ code, signal, output }));
    });
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
    });
    return { child, exited };
  }

  it("leaves the published version serving; the next run takes over the stale lock and removes leftovers", { timeout: 60_000 }, async () => {
    const routes: Record<string, Route> = {
      "/": (_req, res) =>
        void res
          .writeHead(200, { "content-type": "text/html; charset=utf-8" })
          .end(html(`<h1>Gemeinde Lindenau</h1><p>Alle Themen von A bis Z.</p><ul>${Array.from({ length: PAGE_COUNT }, (_, i) => `<li><a href="/thema-${i + 1}.html">Thema ${i + 1}</a></li>`).join("")}</ul>`)),
    };
    for (let i = 1; i <= PAGE_COUNT; i++) {
      routes[`/thema-${i}.html`] = async (_req, res) => {
        if (slowMs) await new Promise((r) => setTimeout(r, slowMs));
        const text = i === 1 ? firstTopic : `Auskunft zu Thema Nummer ${i} gibt das Bürgerbüro Lindenau.`;
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html(`<h1>Thema ${i}</h1><p>${text}</p>`));
      };
    }
    const site = await startSite(routes);
    cleanups.push(() => site.close());
    const json = townConfig(site.origin);
    const dataDir = await tempDataDir(json);
    const config = parseConfig(json);
    const store = new VersionStore(dataDir, config.keepVersions);
    const pointerFile = path.join(store.root, "current.json");
    const lockFile = path.join(store.root, "ingest.lock");

    const initial = await runIngest(config, dataDir);
    expect(initial.published).toBe(true);
    const v1 = initial.version!;
    const pointer = await readFile(pointerFile, "utf8");

    // An editor changes a page; the run that should publish it is slow (150 ms a page) and is killed after a few pages.
    const edited = "Thema 1 ist ab sofort Sache des Ordnungsamts, Zimmer 12 im Rathaus.";
    firstTopic = edited;
    slowMs = 150;
    const mark = site.log.length;
    const pagesSince = () => site.log.slice(mark).filter((r) => r.path.startsWith("/thema-")).length;
    const killed = runCli(dataDir);
    await until("the CLI run has fetched a few pages", () => pagesSince() >= 6 || killed.child.exitCode !== null, 20_000);
    expect(killed.child.exitCode, "the run is still going when it is killed").toBeNull();
    // The whole process group, tsx and the ingestion process under it: like an OOM kill or a reboot.
    process.kill(-killed.child.pid!, "SIGKILL");
    const outcome = await killed.exited;
    expect(outcome.signal).toBe("SIGKILL");
    expect(pagesSince()).toBeLessThan(PAGE_COUNT);

    // It left its lock behind, naming a process that no longer exists (the kernel may take a moment to reap it).
    const stalePid = Number((await readFile(lockFile, "utf8")).trim());
    expect(stalePid).toBeGreaterThan(0);
    expect(stalePid).not.toBe(process.pid);
    await until(`process ${stalePid} is gone`, () => !isAlive(stalePid), 10_000);

    // The published index is untouched and loads.
    expect(await readFile(pointerFile, "utf8")).toBe(pointer);
    expect(await store.current()).toBe(v1);
    expect(await store.list()).toEqual([v1]);
    const serving = await IndexSnapshot.load(store.versionDir(v1));
    expect(serving.manifest).toMatchObject({ version: v1, documents: PAGE_COUNT + 1, chunks: initial.chunks.total });
    expect(serving.chunks).toHaveLength(initial.chunks.total);
    expect(serving.chunks.some((c) => c.text.includes(edited))).toBe(false);

    // A run killed while writing its version leaves a half-written staging folder like this one.
    const leftover = path.join(store.root, ".staging-20250101T000000000-dead00");
    await mkdir(leftover, { recursive: true });
    await writeFile(path.join(leftover, "chunks.jsonl"), '{"id":"half');

    // The editor runs it again: it succeeds and publishes, and nothing is left behind.
    slowMs = 0;
    const rerun = await runCli(dataDir).exited;
    expect(rerun.code, rerun.output).toBe(0);
    const v2 = await store.current();
    expect(v2).not.toBe(v1);
    expect(rerun.output).toContain(`Published index version ${v2}.`);
    expect(await store.list()).toEqual([v1, v2]);
    expect(await stagingFolders(store)).toEqual([]);
    expect(await readdir(store.root)).not.toContain("ingest.lock");
    const next = await IndexSnapshot.load(store.versionDir(v2!));
    expect(next.manifest.documents).toBe(PAGE_COUNT + 1);
    expect(next.chunks.map((c) => c.text).join(" ")).toContain(edited);
    expect(next.chunks.filter((c) => !serving.chunks.some((old) => old.text === c.text)).map((c) => c.docId)).toEqual([`${site.origin}/thema-1.html`]);
  });
});

// ---------------------------------------------------------------------------------------------

describe("the chat server while a new version is published", () => {
  type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

  function askOn(socket: Client, question: string): Promise<AskResponse> {
    return new Promise((resolve, reject) => {
      const off = () => {
        socket.off("answer:done", done);
        socket.off("answer:error", failed);
      };
      const done = (answer: AskResponse) => (off(), resolve(answer));
      const failed = (e: { code: string; message: string }) => (off(), reject(new Error(`${e.code}: ${e.message}`)));
      socket.on("answer:done", done);
      socket.on("answer:error", failed);
      socket.emit("ask", { question });
    });
  }

  it("answers from the new version on the same socket connection, without a restart", async () => {
    const site = await startTownSite();
    cleanups.push(() => site.close());
    await buildTown(site);
    const dataDir = await tempDataDir();
    const config = parseConfig(townConfig(site.origin));
    const v1 = await runIngest(config, dataDir);
    expect(v1.published).toBe(true);

    const app = await compose({ config, dataDir, logger: silentLogger, askPerMinute: 1000 });
    cleanups.push(() => app.close());
    await new Promise<void>((resolve) => app.http.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(app.http.address() as AddressInfo).port}`;
    const health = async () => (await (await fetch(`${base}/healthz`)).json()) as { status: string; version: string; documents: number };

    const socket: Client = connect(base, { transports: ["websocket"], forceNew: true, reconnection: false });
    cleanups.push(async () => void socket.close());
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    });
    const socketId = socket.id;
    let disconnects = 0;
    socket.on("disconnect", () => disconnects++);

    const question = "Wie viel kostet der Eintritt im Freibad?";
    const before = await askOn(socket, question);
    expect(before.grounded).toBe(false);
    expect(before.citations).toEqual([]);
    expect((await health()).version).toBe(v1.version);

    // The editor adds a page about the outdoor pool and links it from the home page; ingestion publishes it.
    site.page("/freibad.html", html("<h1>Freibad</h1><p>Das Freibad Lindenau hat von Mai bis September täglich von 9 bis 20 Uhr geöffnet.</p><h2>Eintritt</h2><p>Der Eintritt im Freibad kostet für Erwachsene 4,00 Euro und für Kinder 2,00 Euro.</p>", "Freibad"), { etag: '"freibad-1"' });
    site.page(PAGES.home, homePage('<li><a href="/freibad.html">Freibad</a></li>'), { etag: '"start-2"', lastModified: "Wed, 02 Apr 2025 07:00:00 GMT" });
    const v2 = await runIngest(config, dataDir);
    expect(v2.published).toBe(true);
    expect(v2.documents.added).toEqual([expect.objectContaining({ url: site.url("/freibad.html") })]);

    await app.index.refresh();
    expect(await health()).toMatchObject({ status: "ok", version: v2.version, documents: DOCUMENT_PATHS.length + 1 });

    const after = await askOn(socket, question);
    expect(after.grounded).toBe(true);
    expect(after.answer).toContain("4,00 Euro");
    expect(after.citations.map((c) => c.url)).toContain(site.url("/freibad.html"));

    // Same connection throughout.
    expect(socket.connected).toBe(true);
    expect(socket.id).toBe(socketId);
    expect(disconnects).toBe(0);
  });
});
