import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnswerStack, type AnswerStack } from "../src/server/compose.js";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import { ingestedDemo, silentLogger } from "./helpers/demo.js";

let inProcess: AnswerStack;
let pooled: AnswerStack;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const demo = await ingestedDemo();
  cleanup = demo.cleanup;
  inProcess = await createAnswerStack({ config: demo.config, dataDir: demo.dir, logger: silentLogger, embeddings: new LocalEmbeddings() });
  const config = { ...demo.config, retrieval: { ...demo.config.retrieval, workers: 2 } };
  pooled = await createAnswerStack({ config, dataDir: demo.dir, logger: silentLogger });
});

afterAll(async () => {
  await pooled?.close();
  await inProcess?.close();
  inProcess?.index.stop();
  pooled?.index.stop();
  await cleanup?.();
});

describe("retrieval in worker threads", () => {
  it("answers exactly as retrieval in the server's own thread, for questions in flight together", async () => {
    const questions = ["Was kostet die Hundesteuer für einen zweiten Hund?", "Wann hat das Bürgerbüro geöffnet?", "Was kostet ein Reihengrab?", "Wie melde ich Sperrmüll an?", "Wie wird das Wetter morgen?"];
    const a = await Promise.all(questions.map((question) => inProcess.service.ask({ question })));
    const b = await Promise.all(questions.map((question) => pooled.service.ask({ question })));
    expect(b).toEqual(a);
    expect(b[0]!.answer).toContain("120,00 Euro");
  });
});
