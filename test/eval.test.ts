import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import { summarise } from "../ingest/eval/metrics.js";
import { evaluate, indexCorpus } from "../ingest/eval/run.js";

/** `npm run eval -- --towns`: one folder per town, each question asked in its own town. */
describe("evaluation over several towns", () => {
  let root: string;
  const embeddings = new LocalEmbeddings();
  const page = (title: string, text: string) => `<!DOCTYPE html><html lang="de"><head><title>${title}</title></head><body><main><h1>${title}</h1><p>${text}</p></main></body></html>`;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "auskunft-eval-towns-"));
    for (const [town, amount] of [["nordheim", "60"], ["suedheim", "90"]] as const) {
      await mkdir(path.join(root, town));
      await writeFile(path.join(root, town, "hundesteuer.html"), page("Hundesteuer", `In ${town} beträgt die Hundesteuer ${amount} Euro im Jahr für den ersten Hund.`));
      await writeFile(path.join(root, town, "rathaus.html"), page("Rathaus", `Das Rathaus von ${town} ist montags bis freitags geöffnet.`));
    }
    await mkdir(path.join(root, "_shared"));
    await writeFile(path.join(root, "_shared", "rundfunk.html"), page("Rundfunkbeitrag", "Den Rundfunkbeitrag zahlt jede Wohnung, auch bei Befreiung gibt es einen Antrag."));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("ranks each town's own page, names documents by their folder, and finds shared sources from every town", async () => {
    const corpus = await indexCorpus(root, "eval", embeddings, { towns: true });
    try {
      expect(corpus.config.municipalities.map((m) => m.id)).toEqual(["nordheim", "suedheim"]);
      const questions = [
        { id: "n", question: "Wie hoch ist die Hundesteuer?", gold: ["nordheim/hundesteuer.html"], municipality: "nordheim" },
        { id: "s", question: "Wie hoch ist die Hundesteuer?", gold: ["suedheim/hundesteuer.html"], municipality: "suedheim" },
        { id: "r", question: "Was ist der Rundfunkbeitrag?", gold: ["_shared/rundfunk.html"], municipality: "suedheim" },
      ];
      const results = await evaluate({ config: corpus.config, dataDir: corpus.dataDir, questions, embeddings, towns: true });
      expect(results.map((r) => r.ranked[0])).toEqual(["nordheim/hundesteuer.html", "suedheim/hundesteuer.html", "_shared/rundfunk.html"]);
      // The other town's pages are not offered at all.
      expect(results[0]!.ranked.some((d) => d.startsWith("suedheim/"))).toBe(false);
      expect(summarise(results)["hit@1"]).toBe(1);
    } finally {
      await corpus.cleanup();
    }
  });

  it("refuses a question whose town is not a folder of the corpus, naming it", async () => {
    const corpus = await indexCorpus(root, "eval", embeddings, { towns: true });
    try {
      const questions = [{ id: "x", question: "Hundesteuer?", gold: [], municipality: "westheim" }];
      await expect(evaluate({ config: corpus.config, dataDir: corpus.dataDir, questions, embeddings, towns: true })).rejects.toThrow(/question x.*"westheim"/);
    } finally {
      await corpus.cleanup();
    }
  });

  it("refuses files outside a town folder", async () => {
    const loose = await mkdtemp(path.join(tmpdir(), "auskunft-eval-loose-"));
    try {
      await writeFile(path.join(loose, "seite.html"), page("Seite", "Text"));
      await expect(indexCorpus(loose, "eval", embeddings, { towns: true })).rejects.toThrow(/outside a town folder \(seite\.html\)/);
    } finally {
      await rm(loose, { recursive: true, force: true });
    }
  });
});
