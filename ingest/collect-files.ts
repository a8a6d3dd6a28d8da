import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { CrawlFailure } from "./crawl/crawler.js";
import { decodeBody } from "./extract/decode.js";
import { cleanText, findValidFrom, isSectionHeading, looksLikeStatute, type Block, type ExtractedDocument } from "./extract/document.js";
import { extractHtml } from "./extract/html.js";
import { extractMarkdown } from "./extract/markdown.js";
import { extractPdf } from "./extract/pdf.js";
import { hashBody, type CollectedDocument, type CollectResult, type PreviousFetches } from "./collect.js";

export const FILE_TYPES = [".md", ".markdown", ".html", ".htm", ".txt", ".pdf"];
const MAX_FILE_BYTES = 50 * 1024 * 1024;

export interface FilesOptions {
  root: string;
  baseUrl: string;
  municipality: string | null;
  previous?: PreviousFetches;
  onProgress?: (done: number, queued: number) => void;
}

/** Reads every supported file below a folder; document id = path relative to it. A broken file is reported and skipped. */
export async function collectFiles(options: FilesOptions): Promise<CollectResult> {
  const files = (await listFiles(options.root)).filter((f) => FILE_TYPES.includes(path.extname(f).toLowerCase())).sort();
  const documents: CollectedDocument[] = [];
  const failures: CrawlFailure[] = [];
  let done = 0;
  for (const file of files) {
    const docId = path.relative(options.root, file).split(path.sep).join("/");
    try {
      const size = (await stat(file)).size;
      if (size > MAX_FILE_BYTES) throw new Error(`too large: ${size} bytes (limit ${MAX_FILE_BYTES})`);
      const data = await readFile(file);
      const fetch = { key: docId, bodyHash: hashBody(data) };
      const known = options.previous?.get(docId);
      if (known && known.fetch.bodyHash === fetch.bodyHash) {
        documents.push({ kind: "unchanged", docId: known.docId, fetch });
      } else {
        const { doc, url, paged } = await extractFile(data, file, docId, options.baseUrl);
        if (doc.blocks.length > 0) documents.push({ kind: "fresh", docId, url, municipality: options.municipality, paged, doc, fetch });
      }
    } catch (error) {
      failures.push({ url: docId, reason: (error as Error).message, temporary: false });
    }
    options.onProgress?.(++done, files.length - done);
  }
  return { documents, failures, skippedByRobots: 0 };
}

async function extractFile(data: Buffer, file: string, docId: string, baseUrl: string): Promise<{ doc: ExtractedDocument; url: string; paged: boolean }> {
  const ext = path.extname(file).toLowerCase();
  const url = baseUrl ? `${baseUrl.replace(/\/$/, "")}/${docId}` : docId;
  if (ext === ".pdf") return { doc: await extractPdf(new Uint8Array(data), docId), url, paged: true };
  if (data.subarray(0, 8192).includes(0)) throw new Error("not a text file: it holds binary data");
  if (ext === ".html" || ext === ".htm") return { doc: extractHtml(decodeBody(data, null), `file:///${docId}`), url, paged: false };
  const text = decodeBody(data, "text/plain; charset=utf-8");
  if (ext === ".txt") return { doc: extractPlainText(text, path.basename(file, ext)), url, paged: false };
  const md = extractMarkdown(text, path.basename(file, ext));
  const fromFrontMatter = md.frontMatter.url && /^https?:\/\//i.test(md.frontMatter.url) ? md.frontMatter.url : undefined;
  return { doc: md, url: fromFrontMatter ?? url, paged: false };
}

/** Plain text: paragraphs at blank lines; a line that starts with § is a heading. */
export function extractPlainText(text: string, fallbackTitle: string): ExtractedDocument {
  const blocks: Block[] = [];
  for (const para of text.split(/\r?\n\s*\r?\n/)) {
    const lines = para.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    if (lines.length === 0) continue;
    if (isSectionHeading(lines[0]!) && lines[0]!.length < 140) {
      blocks.push({ kind: "heading", level: 2, text: cleanText(lines.shift()!) });
    }
    if (lines.length) blocks.push({ kind: "text", text: cleanText(lines.join(" ")) });
  }
  const first = blocks[0];
  const title = first && first.text.length < 150 ? first.text : fallbackTitle;
  const rest = first && first.text === title ? blocks.slice(1) : blocks;
  const validFrom = findValidFrom(rest.slice(0, 6).map((b) => b.text).join(" "));
  return { title, blocks: rest, links: [], statute: looksLikeStatute(rest, title), ...(validFrom ? { validFrom } : {}) };
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(full)));
    else if (e.isFile()) out.push(full);
  }
  return out;
}
