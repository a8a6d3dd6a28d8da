import { extractText, getDocumentProxy, getMeta } from "unpdf";
import { cleanText, findValidFrom, isSectionHeading, looksLikeStatute, type Block, type ExtractedDocument } from "./document.js";

const PAGE_FURNITURE = /^(seite\s+\d+(\s+von\s+\d+)?|-\s*\d+\s*-|\d+)$|\bseite\s+\d+\s+von\s+\d+$/i;
const MONTH = "(?:Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)";
/** Starts of Absätze, enumerations and table rows ("1.2 Wahlgrab"), but not dates ("14. November"). */
const PARAGRAPH_START = new RegExp(String.raw`^(\(\d+[a-z]?\)|\d{1,2}\.\s(?!${MONTH}\b)|\d+(\.\d+)*\s+[A-ZÄÖÜ]|[a-z]\)\s|[-•–]\s)`);
/** Headings that are not §: annexes and the like end the last §. */
const OTHER_HEADING = /^(Anlage\b|Anhang\b|Gebührenverzeichnis\b|Ausfertigung$|Präambel$|Inhaltsverzeichnis$)/;
const KEEP_HYPHEN_BEFORE = /^(und|oder|bzw|sowie)\b/;

/**
 * Text of a PDF as blocks with page numbers: layout lines joined into paragraphs,
 * § lines as headings, page numbers and running footers dropped.
 */
export async function extractPdf(data: Uint8Array, fallbackTitle: string): Promise<ExtractedDocument> {
  let pdf;
  try {
    pdf = await getDocumentProxy(data);
  } catch (error) {
    const message = (error as Error).message;
    throw new Error(/password/i.test(message) ? "the PDF is encrypted" : `not a readable PDF: ${message}`, { cause: error });
  }
  let info: Record<string, unknown> | undefined;
  let pages: string[];
  try {
    const [meta, text] = await Promise.all([getMeta(pdf), extractText(pdf, { mergePages: false })]);
    info = meta.info as Record<string, unknown> | undefined;
    pages = text.text;
  } finally {
    // pdf.js keeps the document's memory until it is destroyed.
    await pdf.destroy();
  }
  const blocks: Block[] = [];
  let current: { kind: "text"; text: string; page: number } | undefined;
  const flush = () => {
    if (current?.text.trim()) blocks.push({ ...current, text: cleanText(current.text) });
    current = undefined;
  };
  const running = runningLines(pages);
  pages.forEach((pageText, i) => {
    const page = i + 1;
    for (const raw of pageText.split("\n")) {
      const line = raw.trim();
      if (!line || PAGE_FURNITURE.test(line) || running.has(furnitureKey(line))) continue;
      if ((isSectionHeading(line) || OTHER_HEADING.test(line)) && line.length < 140) {
        flush();
        blocks.push({ kind: "heading", level: 2, text: cleanText(line), page });
        continue;
      }
      if (!current || PARAGRAPH_START.test(line) || /[.:]$/.test(current.text) && /^[A-ZÄÖÜ]/.test(line) && line.length < 80) {
        flush();
        current = { kind: "text", text: line, page };
        continue;
      }
      current.text = current.text.endsWith("-") && !KEEP_HYPHEN_BEFORE.test(line) && /[a-zäöüß]-$/.test(current.text) && /^[a-zäöüß]/.test(line)
        ? current.text.slice(0, -1) + line
        : `${current.text} ${line}`;
    }
  });
  flush();

  const metaTitle = typeof info?.Title === "string" ? cleanText(info.Title) : "";
  const firstHeading = blocks.findIndex((b) => b.kind === "heading");
  const preamble = blocks.slice(0, firstHeading === -1 ? 3 : firstHeading);
  const title = metaTitle || preamble[0]?.text.slice(0, 200) || fallbackTitle;
  const validFrom = findValidFrom(preamble.map((b) => b.text).join(" ")) ?? findValidFrom(blocks.map((b) => b.text).join(" "));
  return { title, blocks, links: [], statute: looksLikeStatute(blocks, title), ...(validFrom ? { validFrom } : {}) };
}

const furnitureKey = (line: string) => line.replace(/\d+/g, "#").toLowerCase();

/** Lines that repeat on most pages (running headers and footers). */
function runningLines(pages: string[]): Set<string> {
  if (pages.length < 3) return new Set();
  const counts = new Map<string, number>();
  for (const page of pages) {
    for (const key of new Set(page.split("\n").map((l) => l.trim()).filter(Boolean).map(furnitureKey))) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return new Set([...counts].filter(([, n]) => n > pages.length / 2).map(([k]) => k));
}
