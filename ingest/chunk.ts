import { createHash } from "node:crypto";
import { chunkContext, type Chunk } from "../src/store/records.js";
import { splitSentences } from "../src/text/sentences.js";
import { isSectionHeading, type Block, type ExtractedDocument } from "./extract/document.js";

export interface ChunkingOptions {
  /** Chunks are filled up to about this many characters... */
  targetChars: number;
  /** ...and never exceed this one, unless a single sentence does. */
  maxChars: number;
}

export const DEFAULT_CHUNKING: ChunkingOptions = { targetChars: 900, maxChars: 1600 };

export interface DocumentMeta {
  docId: string;
  url: string;
  municipality: string | null;
  /** A PDF: citations point to the page. */
  paged?: boolean;
}

interface Section {
  headings: string[];
  paragraph?: string;
  anchor?: string;
  blocks: Extract<Block, { kind: "text" }>[];
}

const ABSATZ = /^\((\d+[a-z]?)\)/;
const TABLE_OF_CONTENTS = /^(inhaltsverzeichnis|inhaltsübersicht|inhalt|übersicht)$/i;

/**
 * Cuts a document into chunks along its structure: by headings, and for a statute by §,
 * then by Absatz where a § is too long. Never in the middle of a sentence or an Absatz,
 * unless the Absatz alone is too long.
 */
export function chunkDocument(doc: ExtractedDocument, meta: DocumentMeta, options: ChunkingOptions = DEFAULT_CHUNKING): Chunk[] {
  const title = doc.statute ? shortTitle(doc.title) : doc.title;
  const chunks: Chunk[] = [];
  for (const section of sections(doc)) {
    const pieces = section.paragraph ? statutePieces(section, options) : packBlocks(section.blocks.map((b) => b.text), options).map((text) => ({ text }));
    for (const piece of pieces) {
      const firstPage = section.blocks.find((b) => piece.text.startsWith(b.text.slice(0, 40)))?.page ?? section.blocks[0]?.page;
      const fragment = meta.paged && firstPage ? `#page=${firstPage}` : section.anchor ? `#${section.anchor}` : "";
      const sectionLabel = section.paragraph ? ("absatz" in piece && piece.absatz ? `${paragraphNumber(section.paragraph)} ${piece.absatz}` : section.paragraph) : undefined;
      const chunk: Omit<Chunk, "hash"> = {
        id: `${meta.docId}#${chunks.length}`,
        docId: meta.docId,
        municipality: meta.municipality,
        url: meta.url + fragment,
        title,
        headings: section.headings,
        ...(sectionLabel ? { section: sectionLabel } : {}),
        ...(doc.statute ? { statute: true } : {}),
        ...(doc.validFrom ? { validFrom: doc.validFrom } : {}),
        ...(meta.paged && firstPage ? { page: firstPage } : {}),
        text: piece.text,
      };
      chunks.push({ ...chunk, hash: hashChunk(chunk) });
    }
  }
  return chunks;
}

export function hashChunk(chunk: Pick<Chunk, "title" | "headings" | "section" | "text">): string {
  return createHash("sha256").update(chunkContext(chunk)).update("\n").update(chunk.text).digest("hex").slice(0, 32);
}

/** "Satzung über ... (Hundesteuersatzung)" is cited as "Hundesteuersatzung". */
export function shortTitle(title: string): string {
  const m = /\(([^()]{3,60})\)\s*$/.exec(title);
  return m && /(satzung|ordnung|gesetz|verordnung|statut)\b/i.test(m[1]!) ? m[1]!.trim() : title;
}

function paragraphNumber(heading: string): string {
  return /^(§\s*\d+[a-z]?|Artikel\s+\d+|Art\.\s*\d+)/.exec(heading)?.[0].replace(/\s+/g, " ") ?? heading;
}

function sections(doc: ExtractedDocument): Section[] {
  const out: Section[] = [];
  const path: { level: number; text: string; anchor?: string }[] = [];
  let paragraph: { level: number; text: string; anchor?: string } | undefined;
  let current: Section | undefined;
  let skipping = false;
  for (const block of doc.blocks) {
    if (block.kind === "heading") {
      current = undefined;
      // A table of contents repeats every § title without content: it only misleads retrieval.
      skipping = TABLE_OF_CONTENTS.test(block.text);
      if (skipping) continue;
      if (doc.statute && isSectionHeading(block.text)) {
        paragraph = { level: block.level, text: block.text, ...(block.anchor ? { anchor: block.anchor } : {}) };
        continue;
      }
      if (paragraph && block.level <= paragraph.level) paragraph = undefined;
      while (path.length > 0 && path.at(-1)!.level >= block.level) path.pop();
      path.push({ level: block.level, text: block.text, ...(block.anchor ? { anchor: block.anchor } : {}) });
      continue;
    }
    if (skipping) continue;
    if (!current) {
      const anchor = paragraph?.anchor ?? [...path].reverse().find((h) => h.anchor)?.anchor;
      current = {
        headings: path.map((h) => h.text),
        ...(paragraph ? { paragraph: paragraph.text } : {}),
        ...(anchor ? { anchor } : {}),
        blocks: [],
      };
      out.push(current);
    }
    current.blocks.push(block);
  }
  return out;
}

/** A § whole if it fits; otherwise its Absätze, packed, each labelled "Abs. n" or "Abs. n–m". */
function statutePieces(section: Section, options: ChunkingOptions): { text: string; absatz?: string }[] {
  const whole = section.blocks.map((b) => b.text).join("\n");
  if (whole.length <= options.maxChars) return [{ text: whole }];
  const absaetze: { n?: string; text: string }[] = [];
  for (const b of section.blocks) {
    const n = ABSATZ.exec(b.text)?.[1];
    const last = absaetze.at(-1);
    if (n || !last) absaetze.push({ ...(n ? { n } : {}), text: b.text });
    else last.text += `\n${b.text}`;
  }
  const pieces: { text: string; absatz?: string }[] = [];
  let group: { n?: string; text: string }[] = [];
  const emit = () => {
    if (group.length === 0) return;
    const numbers = group.map((a) => a.n).filter(Boolean);
    const absatz = numbers.length === 0 ? undefined : numbers.length === 1 ? `Abs. ${numbers[0]}` : `Abs. ${numbers[0]}–${numbers.at(-1)}`;
    pieces.push({ text: group.map((a) => a.text).join("\n"), ...(absatz ? { absatz } : {}) });
    group = [];
  };
  for (const a of absaetze) {
    if (a.text.length > options.maxChars) {
      emit();
      for (const text of splitLong(a.text, options)) pieces.push({ text, ...(a.n ? { absatz: `Abs. ${a.n}` } : {}) });
      continue;
    }
    const size = group.reduce((s, g) => s + g.text.length + 1, 0);
    if (size + a.text.length > options.targetChars && group.length > 0) emit();
    group.push(a);
  }
  emit();
  return pieces;
}

/** Blocks packed into chunks of about the target size; a block longer than the maximum is cut at sentences. */
export function packBlocks(texts: string[], options: ChunkingOptions): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let size = 0;
  const emit = () => {
    if (current.length) out.push(current.join("\n"));
    current = [];
    size = 0;
  };
  for (const text of texts) {
    if (text.length > options.maxChars) {
      emit();
      out.push(...splitLong(text, options));
      continue;
    }
    if (size + text.length > options.targetChars && size > 0) emit();
    current.push(text);
    size += text.length + 1;
  }
  emit();
  return out;
}

function splitLong(text: string, options: ChunkingOptions): string[] {
  const out: string[] = [];
  let current = "";
  for (const sentence of splitSentences(text)) {
    if (current && current.length + sentence.length + 1 > options.targetChars) {
      out.push(current);
      current = "";
    }
    current = current ? `${current} ${sentence}` : sentence;
  }
  if (current) out.push(current);
  return out;
}
