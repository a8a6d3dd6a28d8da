/**
 * The corpus of the scale benchmarks (bench/retrieval-scale.ts, bench/vector-recall.ts): N chunks
 * (default 100,000) cut from the real German documents beside the project (../shared/eval:
 * Integreat pages, Satzungen, federal laws, XQuAD articles), as a deployment of six towns would hold
 * them.
 *
 * Every source document is read as its sentences in order; a chunk is a window of consecutive
 * sentences of one source (about 250 to 900 characters, like the product's chunker makes them), a
 * document is up to eight consecutive chunks of one source with that source's title, and the
 * statutes' "§" headings become the chunks' headings. The sources are dealt out again and again
 * (with new window lengths each time) to the towns in turn, every tenth document shared, until N
 * chunks exist: each town holds its own version of much the same kinds of text, as real towns do
 * (every town has its Hundesteuersatzung). Deterministic: the same N gives the same corpus.
 *
 * The questions are the real ones of the three evaluation sets.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { hashChunk } from "../ingest/chunk.js";
import type { Chunk } from "../src/store/records.js";
import { splitSentences } from "../src/text/sentences.js";

export const SCALE_TOWNS = ["waechtersbach", "bad-orb", "bad-soden-salmuenster", "birstein", "sinntal", "steinau"];
const CHUNKS_PER_DOCUMENT = 8;
const MIN_CHARS = 250;
const MAX_CHARS = 900;

interface Source {
  title: string;
  /** Sentences in order, each with the heading above it. */
  sentences: { text: string; heading?: string }[];
}

const shared = path.resolve(import.meta.dirname, "../../shared/eval");

/** A small deterministic generator (LCG), so that a corpus can be rebuilt identically. */
export function seededRandom(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

const decodeHtml = (html: string) =>
  html
    .replace(/<(h[1-6]|p|li|br|div|tr)[^>]*>/gi, "\n")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&nbsp;/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");

const useful = (s: string) => s.replace(/\s+/g, " ").trim().length > 30;

/** Markdown (statutes, laws): sentences under their nearest heading; front matter and tables of contents dropped. */
function markdownSource(title: string, markdown: string): Source {
  const sentences: Source["sentences"] = [];
  let heading: string | undefined;
  for (const block of markdown.replace(/^---[\s\S]*?\n---/, "").split(/\n(?=#)/)) {
    const lines = block.split("\n");
    if (lines[0]!.startsWith("#")) {
      heading = lines.shift()!.replace(/^#+\s*/, "").trim();
      if (/inhaltsverzeichnis|inhaltsübersicht/i.test(heading)) continue;
    }
    for (const s of splitSentences(lines.join("\n").replace(/[*|]/g, " "))) {
      if (useful(s)) sentences.push({ text: s.replace(/\s+/g, " ").trim(), ...(heading ? { heading } : {}) });
    }
  }
  return { title, sentences };
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : Promise.resolve([path.join(dir, e.name)]))));
  return nested.flat().sort();
}

async function readSources(): Promise<Source[]> {
  const sources: Source[] = [];
  for (const region of ["lkaugsburg", "rems-murr-kreis"]) {
    for (const p of JSON.parse(await readFile(path.join(shared, `integreat/pages/${region}.de.json`), "utf8")) as { title: string; content: string }[]) {
      const sentences = splitSentences(decodeHtml(p.content)).filter(useful).map((s) => ({ text: s.replace(/\s+/g, " ").trim() }));
      sources.push({ title: p.title, sentences });
    }
  }
  for (const f of (await walk(path.join(shared, "satzungen"))).filter((f) => f.endsWith(".md"))) {
    const text = await readFile(f, "utf8");
    sources.push(markdownSource(/titel: "?(.*?)"?$/m.exec(text)?.[1] ?? path.basename(f, ".md"), text));
  }
  for (const f of (await walk(path.join(shared, "bundesrecht"))).filter((f) => f.endsWith("index.md"))) {
    const text = await readFile(f, "utf8");
    sources.push(markdownSource(/^Title: (.*)$/m.exec(text)?.[1] ?? path.basename(path.dirname(f)), text));
  }
  const xquad = JSON.parse(await readFile(path.join(shared, "xquad/xquad.de.json"), "utf8")) as { data: { title: string; paragraphs: { context: string }[] }[] };
  for (const a of xquad.data) {
    sources.push({ title: a.title.replace(/_/g, " "), sentences: a.paragraphs.flatMap((p) => splitSentences(p.context).map((s) => ({ text: s }))) });
  }
  return sources.filter((s) => s.sentences.length > 0);
}

export interface ScaleQuestion {
  question: string;
  set: "xquad" | "integreat" | "satzungen";
}

/** The real questions of the XQuAD, Integreat and Satzungen sets, in a fixed order. */
export async function scaleQuestions(): Promise<ScaleQuestion[]> {
  const questions: ScaleQuestion[] = [];
  const xquad = JSON.parse(await readFile(path.join(shared, "xquad/xquad.de.json"), "utf8")) as { data: { paragraphs: { qas: { question: string }[] }[] }[] };
  for (const a of xquad.data) for (const p of a.paragraphs) questions.push(...p.qas.map((q) => ({ question: q.question, set: "xquad" as const })));
  for (const q of JSON.parse(await readFile(path.join(shared, "integreat/dataset_de.json"), "utf8")) as { question: string }[]) {
    questions.push({ question: q.question, set: "integreat" });
  }
  for (const line of (await readFile(path.join(shared, "satzungen/bw-older/questions.jsonl"), "utf8")).trim().split("\n")) {
    questions.push({ question: (JSON.parse(line) as { question: string }).question, set: "satzungen" });
  }
  return questions;
}

/** `count` questions drawn at random (fixed seed) from all three sets: about half of them XQuAD's. */
export async function sampleLabelledQuestions(count: number, seed = 7): Promise<ScaleQuestion[]> {
  const all = await scaleQuestions();
  const random = seededRandom(seed);
  return Array.from({ length: Math.min(count, all.length) }, () => all[Math.floor(random() * all.length)]!);
}

export async function sampleQuestions(count: number, seed = 7): Promise<string[]> {
  return (await sampleLabelledQuestions(count, seed)).map((q) => q.question);
}

/** N chunks of real documents for six towns (see the module comment), in document order. */
export async function scaleChunks(n: number): Promise<{ chunks: Chunk[]; documents: number }> {
  const sources = await readSources();
  const random = seededRandom(42);
  const chunks: Chunk[] = [];
  let documents = 0;
  let townDocuments = 0;
  for (let round = 0; chunks.length < n; round++) {
    for (const source of sources) {
      // One dealing of this source: windows of consecutive sentences, grouped into documents. After
      // the first round a copy may lack the first sentence or two (another town's version of the text).
      let at = round === 0 ? 0 : Math.floor(random() * Math.min(3, source.sentences.length));
      for (let part = 0; at < source.sentences.length && chunks.length < n; part++) {
        const docId = `doc-${documents}`;
        const municipality = documents % 10 === 0 ? null : SCALE_TOWNS[townDocuments++ % SCALE_TOWNS.length]!;
        documents++;
        for (let c = 0; c < CHUNKS_PER_DOCUMENT && at < source.sentences.length && chunks.length < n; c++) {
          const target = MIN_CHARS + random() * (MAX_CHARS - MIN_CHARS);
          const first = source.sentences[at]!;
          let text = "";
          while (at < source.sentences.length && (text.length === 0 || text.length + source.sentences[at]!.text.length < target * 1.3) && text.length < target) {
            text += (text ? " " : "") + source.sentences[at]!.text;
            at++;
          }
          const chunk = {
            id: `${docId}#${c}`,
            docId,
            municipality,
            url: `https://example.org/${docId}`,
            title: part === 0 ? source.title : `${source.title} (Teil ${part + 1})`,
            headings: first.heading ? [first.heading] : [],
            text: text.slice(0, 1600),
          };
          chunks.push({ ...chunk, hash: hashChunk(chunk) });
        }
      }
    }
    if (round > 100) throw new Error("the sources are empty");
  }
  return { chunks, documents };
}
