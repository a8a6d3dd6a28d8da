import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashChunk } from "../ingest/chunk.js";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import { HybridRetriever } from "../src/retrieval/hybrid.js";
import { editDistance, nearWords, rootOf, wordFamily } from "../src/retrieval/variants.js";
import type { Chunk } from "../src/store/records.js";
import { IndexSnapshot, writeSnapshot } from "../src/store/snapshot.js";
import { GermanAnalyzer, stem } from "../src/text/analyzer.js";
import { foldWord } from "../src/text/normalize.js";
import { QUESTION_FRAME } from "../src/text/stopwords.js";
import { SynonymTable } from "../src/text/synonyms.js";

describe("edit distance", () => {
  it("counts insertions, deletions, substitutions and swapped neighbours as one edit each", () => {
    expect(editDistance("hundesteuer", "hundesteuer", 2)).toBe(0);
    expect(editDistance("hundesteur", "hundesteuer", 2)).toBe(1);
    expect(editDistance("wohngelt", "wohngeld", 2)).toBe(1);
    expect(editDistance("personalasuweis", "personalausweis", 2)).toBe(1);
    expect(editDistance("grossenlach", "grosserlach", 2)).toBe(1);
  });

  it("stops early once the distance must exceed the limit", () => {
    expect(editDistance("abfall", "steuer", 1)).toBe(2);
    expect(editDistance("kurz", "sehr viel laenger", 2)).toBe(3);
  });
});

describe("word variants against an index's vocabulary", () => {
  const vocabulary = ["abfall", "bildung", "grosserlach", "hund", "hundesteu", "inklusion", "inklusionsbeauftragt", "psycholog", "psychologisch", "wohngeld"].sort();

  it("finds the indexed words of a question word's family, not compounds built on it", () => {
    expect(rootOf("inklusiv")).toBe("inklus");
    expect(wordFamily("inklusiv", vocabulary)).toEqual(["inklusion"]);
    expect(wordFamily("psychologisch", vocabulary)).toEqual(["psycholog"]);
    // Roots under five letters say too little to be the same word.
    expect(wordFamily("hundig", vocabulary)).toEqual([]);
  });

  it("corrects a typo to the closest indexed words, and leaves short and numeric words alone", () => {
    expect(nearWords("grossenlach", vocabulary)).toEqual(["grosserlach"]);
    expect(nearWords("wohngelt", vocabulary)).toEqual(["wohngeld"]);
    expect(nearWords("hunt", vocabulary)).toEqual([]);
    expect(nearWords("20250", vocabulary)).toEqual([]);
    expect(nearWords("xylophon", vocabulary)).toEqual([]);
  });
});

describe("verb forms", () => {
  const analyzer = new GermanAnalyzer();
  const stems = (text: string) => analyzer.analyseWords(text).map((w) => w.stem);
  /** What a word also searches and is indexed under: its infinitive's stem, else its own. */
  const verbs = (text: string) => analyzer.analyseWords(text).map((w) => w.verb ?? w.stem);

  it("also carry their infinitive, which meets the nouns the stemmer alone cannot connect", () => {
    expect(verbs("abgeholt")).toEqual(stems("Abholung"));
    expect(verbs("angemeldet")).toEqual(stems("Anmeldung"));
    expect(verbs("abzuholen")).toEqual(stems("abholen"));
    expect(verbs("verloren")).toEqual(stems("verlieren"));
    expect(verbs("gewann")).toEqual(stems("gewinnen"));
    expect(verbs("gilt")).toEqual(stems("gelten"));
    // A participle used as an adjective or a noun.
    expect(verbs("die ausgefüllten Formulare")[0]).toBe(stems("ausfüllen")[0]);
    expect(verbs("Angestellte")).toEqual(stems("anstellen"));
    // The analyzer without the table, for comparison: these are different words to the stemmer.
    expect(new GermanAnalyzer({ lemmas: false }).analyseWords("abgeholt")[0]!.verb).toBeUndefined();
  });

  it("keep the word's own stem, so that a noun spelled like a verb form still meets its other number", () => {
    // "Abgaben" is also "gaben ab", "Anlagen" "lagen an", "Betrieb" a past form of "betreiben".
    for (const [one, other] of [["Abgabe", "Abgaben"], ["Anlage", "Anlagen"], ["Betrieb", "Betriebe"], ["Stand", "Stände"], ["Verband", "Verbände"]]) {
      expect(stems(one!)).toEqual(stems(other!));
    }
    // Subjunctives are not in the table: folded, "spräche" is spelled like "Sprache".
    expect(analyzer.analyseWords("Sprache")[0]!.verb).toBeUndefined();
    // A word whose infinitive is a stop word ("Taten": "taten", of "tun") stays a word.
    expect(stems("Taten und Macht")).toEqual(["tat", "macht"]);
    expect(stems("Hundesteuer Satzung Gebühren")).toEqual(["hundesteu", "satzung", "gebuhr"]);
  });

  it("of a separable verb meet again when the particle ends the clause", () => {
    expect(verbs("Wo melde ich mich an?")).toEqual(stems("Anmeldung"));
    expect(verbs("Wann holt die Stadt den Sperrmüll ab?")).toEqual([...stems("Abholung"), "stadt", "sperrmull"]);
    // Even when the finite verb alone is a stop word: then the separable verb is the word.
    expect(stems("Wo gibt man den Antrag ab?")).toEqual([...stems("abgeben"), "antrag"]);
    expect(verbs("Ich ziehe um, und wo gebe ich den Antrag ab?")).toEqual([...stems("umziehen"), ...stems("abgeben"), "antrag"]);
    // Two clauses joined by "und", each with its own verb.
    expect(verbs("Bitte füllen Sie das Formular aus und geben es im Rathaus ab")).toEqual([...stems("ausfüllen"), "formular", ...stems("abgeben"), "rathaus"]);
    // A preposition inside the clause is no particle.
    expect(verbs("Ich komme aus der Ukraine")).toEqual(verbs("kommen Ukraine"));
  });
});

describe("retrieval with word variants", () => {
  let dir: string;
  let snapshot: IndexSnapshot;
  const embeddings = new LocalEmbeddings();
  const retriever = new HybridRetriever(embeddings, new SynonymTable(new GermanAnalyzer(), ""), { candidates: 50 });
  const pages: [string, string][] = [
    ["Hundesteuer", "Die Hundesteuer beträgt für den ersten Hund 60 Euro im Jahr. Die Steuer wird jährlich fällig."],
    ["Bildung und Inklusion", "Kinder mit und ohne Behinderung lernen gemeinsam. Die Schulen beraten Eltern zur Inklusion."],
    ["Wohngeld", "Wohngeld ist ein Zuschuss zur Miete. Den Antrag stellen Sie bei der Wohngeldstelle."],
    ["Abfall", "Die Restmülltonne wird alle zwei Wochen geleert. Sperrmüll holen wir auf Anfrage ab."],
    ["Museum und Bücherei", "Die Kultur hat bei uns ein Zuhause: Ausstellungen, Lesungen und Konzerte das ganze Jahr."],
    ["Fundbüro", "Was Sie gefunden haben, finden Sie und andere im Fundbüro in der Nähe des Bahnhofs wieder. Möglich ist auch eine Abgabe bei der Polizei."],
    ["Rathaus in Grosserlach", "Das Rathaus ist montags bis freitags von 8 bis 12 Uhr geöffnet."],
    ["Sperrmüll zum Wertstoffhof", "Sperrmüll bringen Sie selbst zum Wertstoffhof. Dort nehmen wir Sperrmüll kostenlos an."],
    ["Abholung von Sperrmüll", "Die Abholung bestellen Sie online, zweimal im Jahr."],
  ];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "auskunft-variants-"));
    const chunks: Chunk[] = pages.map(([title, text], i) => {
      const c = { id: `p${i}#0`, docId: `p${i}`, municipality: "testdorf", url: `/p${i}`, title, headings: [], text };
      return { ...c, hash: hashChunk(c) };
    });
    const vectors = await embeddings.embedDocuments(chunks.map((c) => `${c.title}\n${c.text}`));
    await writeSnapshot(dir, {
      manifest: { version: "v1", createdAt: new Date().toISOString(), embedder: embeddings.id, dimensions: 512, chunks: chunks.length, documents: chunks.length, municipalities: ["testdorf"] },
      chunks,
      vectors,
    });
    snapshot = await IndexSnapshot.load(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const first = async (question: string) => (await retriever.retrieve(snapshot, question, { k: 3 })).hits[0]?.chunk.title;

  it("finds a page by a related form of its word, lexically (not only through the character n-grams of the vectors)", async () => {
    const lexicalOnly = new HybridRetriever(embeddings, new SynonymTable(new GermanAnalyzer(), ""), { candidates: 50, vectorWeight: 0 });
    // "kulturell" is three edits from "Kultur": no typo, a word of the same family.
    const result = await lexicalOnly.retrieve(snapshot, "Was gibt es Kulturelles?", { k: 3 });
    expect(result.hits[0]?.chunk.title).toBe("Museum und Bücherei");
  });

  it("searches for what a question is about, not for how it is asked", async () => {
    // The list holds stems: it must follow the stemmer.
    for (const w of ["finden", "erhalten", "möglich", "Möglichkeiten", "Nähe", "Art", "hoch"]) expect(QUESTION_FRAME.has(stem(foldWord(w)))).toBe(true);
    expect(await first("Wo finde ich in meiner Nähe Kultur?")).toBe("Museum und Bücherei");
    // "Wie hoch ist …" asks for an amount: the page need not say "hoch" to cover the question.
    const amount = await retriever.retrieve(snapshot, "Wie hoch ist die Hundesteuer?", { k: 3 });
    expect(amount.hits[0]?.chunk.title).toBe("Hundesteuer");
    expect(amount.coverage).toBeGreaterThan(0.9);
  });

  it("finds a page by another form of the question's verb", async () => {
    const lexicalOnly = new HybridRetriever(embeddings, new SynonymTable(new GermanAnalyzer(), ""), { candidates: 50, vectorWeight: 0 });
    const result = await lexicalOnly.retrieve(snapshot, "Wann wird mein Sperrmüll abgeholt?", { k: 3 });
    expect(result.hits[0]?.chunk.title).toBe("Abholung von Sperrmüll");
  });

  it("finds a page despite a typo, and counts the corrected word as covered", async () => {
    expect(await first("Wann hat das Rathaus in Grossenlach geöffnet?")).toBe("Rathaus in Grosserlach");
    expect(await first("Wie beantrage ich Wohngelt?")).toBe("Wohngeld");
    const result = await retriever.retrieve(snapshot, "Wohngelt", { k: 3 });
    expect(result.coverage).toBeGreaterThan(0.5);
  });
});
