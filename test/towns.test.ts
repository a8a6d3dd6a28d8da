import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config/load.js";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import { createAnswerStack, type AnswerStack } from "../src/server/compose.js";
import { ingest } from "../ingest/pipeline.js";
import { silentLogger } from "./helpers/demo.js";

let root: string;
let stack: AnswerStack;

const page = (title: string, body: string) => `<!doctype html><html><head><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "auskunft-towns-"));
  for (const [dir, files] of Object.entries({
    nordhausen: { "hundesteuer.html": page("Hundesteuer Nordhausen", "<p>Die Hundesteuer in Nordhausen beträgt für den ersten Hund 60,00 Euro im Jahr.</p>") },
    suedheim: { "hundesteuer.html": page("Hundesteuer Südheim", "<p>Die Hundesteuer in Südheim beträgt für den ersten Hund 95,00 Euro im Jahr.</p>") },
    land: { "gefahrenabwehr.html": page("Gefahrenabwehrverordnung über das Halten von Hunden", "<p>Gefährliche Hunde brauchen eine Erlaubnis der Ordnungsbehörde nach der Hundeverordnung des Landes.</p>") },
  })) {
    await mkdir(path.join(root, dir), { recursive: true });
    for (const [name, html] of Object.entries(files)) await writeFile(path.join(root, dir, name), html);
  }
  const config = parseConfig({
    municipalities: [
      { id: "nordhausen", name: "Gemeinde Nordhausen", contact: { office: "Rathaus Nordhausen" }, sources: [{ type: "files", path: path.join(root, "nordhausen") }] },
      { id: "suedheim", name: "Gemeinde Südheim", contact: { office: "Rathaus Südheim" }, sources: [{ type: "files", path: path.join(root, "suedheim") }] },
    ],
    sharedSources: [{ type: "files", path: path.join(root, "land") }],
  });
  const embeddings = new LocalEmbeddings();
  await ingest({ config, dataDir: path.join(root, "data"), embeddings });
  stack = await createAnswerStack({ config, dataDir: path.join(root, "data"), logger: silentLogger, embeddings });
});

afterAll(async () => {
  stack?.index.stop();
  await stack?.close();
  await rm(root, { recursive: true, force: true });
});

describe("several towns in one deployment", () => {
  it("answers each town from its own pages, never from its neighbour's", async () => {
    const north = await stack.service.ask({ question: "Was kostet die Hundesteuer für den ersten Hund?", municipality: "nordhausen" });
    const south = await stack.service.ask({ question: "Was kostet die Hundesteuer für den ersten Hund?", municipality: "suedheim" });
    expect(north.answer).toContain("60,00 Euro");
    expect(north.answer).not.toContain("95,00 Euro");
    expect(south.answer).toContain("95,00 Euro");
    expect(south.answer).not.toContain("60,00 Euro");
    expect(north.answer).toContain("Gemeinde Nordhausen");
  });

  it("lets every town answer from the shared sources", async () => {
    for (const municipality of ["nordhausen", "suedheim"]) {
      const a = await stack.service.ask({ question: "Brauche ich eine Erlaubnis für einen gefährlichen Hund?", municipality });
      expect(a.grounded).toBe(true);
      expect(a.citations.some((c) => c.title.startsWith("Gefahrenabwehrverordnung"))).toBe(true);
    }
  });
});
