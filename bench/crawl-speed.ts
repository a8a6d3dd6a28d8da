/**
 * Ingestion speed on a generated municipal site of N pages (default 1000) served on 127.0.0.1,
 * politeness delay off:
 *  1. fetch + extract + chunk, without embedding (pages per second),
 *  2. a whole first run (with local embedding, index build and publish),
 *  3. a re-run on the unchanged site (conditional requests; chunks re-embedded, time, speed-up).
 *   npx tsx bench/crawl-speed.ts [--pages 1000]
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { parseConfig } from "../src/config/load.js";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import { chunkDocument } from "../ingest/chunk.js";
import { collectSource } from "../ingest/collect.js";
import { ingest } from "../ingest/pipeline.js";

const { values } = parseArgs({ options: { pages: { type: "string", default: "1000" } } });
const pages = Number(values.pages);
const topics = ["Personalausweis", "Hundesteuer", "Sperrmüll", "Kita", "Bauantrag", "Gewerbe", "Friedhof", "Parken", "Standesamt", "Bücherei"];
const words = "Antrag Unterlagen Gebühr Frist Bürgerbüro Termin Nachweis Satzung Gemeinde Bescheid Zuständigkeit Öffnungszeiten Formular Anschrift Verwaltung Bearbeitung".split(" ");
const sentence = (i: number, j: number) => `Für ${topics[(i + j) % topics.length]} gilt: ${Array.from({ length: 14 }, (_, k) => words[(i * 7 + j * 3 + k) % words.length]).join(" ").toLowerCase()}, die Gebühr beträgt ${(i % 90) + 10},00 Euro.`;

function page(i: number): string {
  const statute = i % 50 === 0;
  const links = Array.from({ length: 8 }, (_, k) => `<li><a href="/seite-${(i * 13 + k * 7 + 1) % pages}.html">Seite ${(i * 13 + k * 7 + 1) % pages}</a></li>`).join("");
  const body = statute
    ? Array.from({ length: 12 }, (_, p) => `<h2 id="p${p + 1}">§ ${p + 1} Regelung ${p + 1}</h2><p>(1) ${sentence(i, p)}</p><p>(2) ${sentence(i, p + 1)}</p>`).join("")
    : Array.from({ length: 4 }, (_, s) => `<h2>Abschnitt ${s + 1}</h2>${Array.from({ length: 4 }, (_, j) => `<p>${sentence(i, s * 4 + j)} ${sentence(i + 1, j)}</p>`).join("")}`).join("") +
      `<table><tr><th>Leistung</th><th>Gebühr</th></tr><tr><td>${topics[i % topics.length]}</td><td>${i % 50},00 Euro</td></tr></table>`;
  return `<!doctype html><html lang="de"><head><meta charset="utf-8"><title>${statute ? `Satzung ${i} (Beispielsatzung)` : `${topics[i % topics.length]} ${i}`} – Gemeinde Benchhausen</title></head>
<body><div class="cookie-banner">Nur notwendige Cookies.</div><header><a href="/">Gemeinde Benchhausen</a><nav><ul>${topics.map((t, k) => `<li><a href="/seite-${k}.html">${t}</a></li>`).join("")}</ul></nav></header>
<main><h1>${statute ? `Satzung ${i} (Beispielsatzung)` : `${topics[i % topics.length]} ${i}`}</h1>${body}<h2>Siehe auch</h2><ul>${links}</ul></main>
<footer>Gemeinde Benchhausen · Rathausplatz 1 · <a href="/impressum.html">Impressum</a></footer></body></html>`;
}

const root = await mkdtemp(path.join(tmpdir(), "auskunft-crawl-bench-"));
const site = path.join(root, "site");
await mkdir(site, { recursive: true });
for (let i = 0; i < pages; i++) await writeFile(path.join(site, `seite-${i}.html`), page(i));
await writeFile(path.join(site, "index.html"), page(pages).replace(/seite-\d+\.html/, "seite-0.html"));
await writeFile(path.join(site, "sitemap.xml"), `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${Array.from({ length: pages }, (_, i) => `<url><loc>https://benchhausen.example/seite-${i}.html</loc></url>`).join("")}</urlset>`);

const config = parseConfig({
  municipalities: [{ id: "benchhausen", name: "Gemeinde Benchhausen", contact: { office: "Bürgerbüro" }, sources: [{ type: "static-site", root: site, siteUrl: "https://benchhausen.example" }] }],
  crawler: { delayMs: 0, concurrency: 8 },
});
const source = config.municipalities[0]!.sources[0]!;

try {
  // 1. Fetch, extract, chunk.
  let t = performance.now();
  const collected = await collectSource({ config, dataDir: root, municipality: "benchhausen", source });
  let chunks = 0;
  for (const d of collected.documents) if (d.kind === "fresh") chunks += chunkDocument(d.doc, { docId: d.docId, url: d.url, municipality: "benchhausen" }).length;
  const collectSeconds = (performance.now() - t) / 1000;
  const docs = collected.documents.length;

  // 2 and 3. Whole runs.
  const dataDir = path.join(root, "data");
  const embeddings = new LocalEmbeddings();
  t = performance.now();
  const first = await ingest({ config, dataDir, embeddings });
  const firstSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const second = await ingest({ config, dataDir, embeddings });
  const secondSeconds = (performance.now() - t) / 1000;

  console.log(`Generated site: ${pages} pages (+ index), ${docs} documents collected, ${chunks} chunks, ${collected.failures.length} failures
| figure | value |
|---|---|
| fetch + extract + chunk (no embedding) | ${collectSeconds.toFixed(2)} s, ${(docs / collectSeconds).toFixed(0)} pages/s |
| first run, whole (embed ${first.chunks.embedded} chunks, index, publish) | ${firstSeconds.toFixed(2)} s |
| re-run on the unchanged site | ${secondSeconds.toFixed(2)} s, ${second.chunks.embedded} chunks re-embedded, ${second.documents.unchanged} documents unchanged |
| speed-up of the re-run | ${(firstSeconds / secondSeconds).toFixed(1)}x |`);
} finally {
  if (!process.env.KEEP) await rm(root, { recursive: true, force: true }); else console.log(root);
}
