/**
 * Renders the demo town's Friedhofsgebührensatzung (which the demo site only
 * publishes as a PDF download) from its Markdown source into a PDF.
 *
 *   npx tsx scripts/make-demo-pdf.ts
 *
 * Source:  data/demo/pdf-sources/friedhofsgebuehrensatzung.md
 * Output:  data/demo/site/downloads/friedhofsgebuehrensatzung.pdf
 *
 * Supported source syntax (deliberately small):
 *   "# Title"              document title (bold, large)
 *   "## Heading"           section heading, e.g. the Anlage (bold)
 *   "§ 1 Gebührenpflicht"  paragraph heading (bold)
 *   "Ausfertigung"         treated like a paragraph heading
 *   "| a | b | c |"        table rows (first row = header, "|---|" separator skipped)
 *   "**text**"             bold (table cells only)
 *   everything else        body text; blank lines separate paragraphs,
 *                          single line breaks inside a paragraph are kept.
 *
 * The standard Helvetica fonts use WinAnsiEncoding, which contains ä ö ü Ä Ö Ü ß §
 * and the typographic dash and quotes, so no font file needs to be embedded.
 * The output is deterministic (fixed CreationDate/ModDate).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import PDFDocument from "pdfkit";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SOURCE = path.join(ROOT, "data/demo/pdf-sources/friedhofsgebuehrensatzung.md");
const TARGET = path.join(ROOT, "data/demo/site/downloads/friedhofsgebuehrensatzung.pdf");

const AUTHOR = "Gemeinde Musterbach";
const FIXED_DATE = new Date("2023-11-16T10:00:00Z");

const FONT_REGULAR = "Helvetica";
const FONT_BOLD = "Helvetica-Bold";
const SIZE_TITLE = 15;
const SIZE_SECTION = 12.5;
const SIZE_HEADING = 11;
const SIZE_BODY = 10.5;
const SIZE_FOOTER = 9;

const MARGIN = { top: 64, bottom: 72, left: 68, right: 68 } as const;

type Block =
  | { kind: "title"; text: string }
  | { kind: "section"; text: string }
  | { kind: "heading"; text: string }
  | { kind: "validity"; text: string }
  | { kind: "paragraph"; lines: string[] }
  | { kind: "table"; header: string[]; rows: string[][] };

/** Splits the Markdown source into typed blocks. */
export function parseSource(markdown: string): Block[] {
  const blocks: Block[] = [];
  const chunks = markdown.replace(/\r\n?/g, "\n").split(/\n\s*\n/);
  for (const raw of chunks) {
    const lines = raw
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
    const first = lines[0];
    if (first === undefined) continue;

    if (first.startsWith("|")) {
      const cells = lines
        .filter((l) => !/^\|[\s|:-]+\|$/.test(l))
        .map((l) =>
          l
            .replace(/^\|/, "")
            .replace(/\|$/, "")
            .split("|")
            .map((c) => c.trim()),
        );
      const [header, ...rows] = cells;
      if (header) blocks.push({ kind: "table", header, rows });
      continue;
    }
    if (lines.length === 1) {
      if (first.startsWith("# ")) {
        blocks.push({ kind: "title", text: first.slice(2).trim() });
        continue;
      }
      if (first.startsWith("## ")) {
        blocks.push({ kind: "section", text: first.slice(3).trim() });
        continue;
      }
      if (/^§\s*\d+[a-z]?\s+\S/.test(first) || first === "Ausfertigung") {
        blocks.push({ kind: "heading", text: first });
        continue;
      }
      if (/^Gültig ab:/.test(first)) {
        blocks.push({ kind: "validity", text: first });
        continue;
      }
    }
    blocks.push({ kind: "paragraph", lines });
  }
  return blocks;
}

const NBSP = "\u00a0";

/**
 * Glues units to their numbers so that the line wrapper never separates them
 * ("1.400,00 Euro", "50 Prozent", "§ 4", "Abs. 2", "14. November 2023").
 */
function glue(text: string): string {
  return text
    .replace(/(\d) (Euro|Prozent|Jahre\b|Kubikmeter)/g, `$1${NBSP}$2`)
    .replace(/(§§?|Abs\.|Nr\.|Nummer) (\d)/g, `$1${NBSP}$2`)
    .replace(/(\d\.) (Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember) (\d{4})/g, `$1${NBSP}$2${NBSP}$3`);
}

function stripBold(text: string): { text: string; bold: boolean } {
  const m = /^\*\*(.*)\*\*$/.exec(text);
  return m && m[1] !== undefined ? { text: m[1], bold: true } : { text, bold: false };
}

function contentWidth(doc: PDFKit.PDFDocument): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

function bottomLimit(doc: PDFKit.PDFDocument): number {
  return doc.page.height - doc.page.margins.bottom;
}

/** Starts a new page unless `needed` points of vertical space are left. */
function ensureSpace(doc: PDFKit.PDFDocument, needed: number): void {
  if (doc.y + needed > bottomLimit(doc)) doc.addPage();
}

function writeTitle(doc: PDFKit.PDFDocument, text: string): void {
  doc.font(FONT_BOLD).fontSize(SIZE_TITLE);
  doc.text(text, doc.page.margins.left, doc.y, { width: contentWidth(doc), align: "left", lineGap: 2 });
  doc.moveDown(0.8);
}

function writeHeading(doc: PDFKit.PDFDocument, text: string, size: number): void {
  doc.font(FONT_BOLD).fontSize(size);
  const width = contentWidth(doc);
  // Keep the heading together with at least three lines of the following text.
  const height = doc.heightOfString(text, { width }) + 4 * doc.currentLineHeight(true);
  doc.moveDown(0.6);
  ensureSpace(doc, height);
  doc.outline.addItem(text);
  doc.text(text, doc.page.margins.left, doc.y, { width });
  doc.moveDown(0.35);
}

function writeParagraph(doc: PDFKit.PDFDocument, lines: string[], font = FONT_REGULAR): void {
  doc.font(font).fontSize(SIZE_BODY);
  const width = contentWidth(doc);
  // Lines of a paragraph that were separate in the source (e.g. the signature
  // block) stay separate; everything else is justified body text.
  const multiline = lines.length > 1;
  ensureSpace(doc, 2 * doc.currentLineHeight(true));
  for (const line of lines) {
    doc.text(glue(line), doc.page.margins.left, doc.y, {
      width,
      align: multiline ? "left" : "justify",
      lineGap: 2,
    });
  }
  doc.moveDown(0.5);
}

function writeTable(doc: PDFKit.PDFDocument, header: string[], rows: string[][]): void {
  const left = doc.page.margins.left;
  const width = contentWidth(doc);
  const colWidths = [40, width - 40 - 95, 95];
  const colX = [left, left + 40, left + width - 95];
  const aligns = ["left", "left", "right"] as const;
  const padY = 4;

  const drawRow = (cells: string[], forceBold: boolean): void => {
    const parsed = cells.map(stripBold);
    const rowBold = forceBold || parsed.some((c) => c.bold);
    doc.font(rowBold ? FONT_BOLD : FONT_REGULAR).fontSize(SIZE_BODY);
    // A row without an amount (group heading) may use the amount column as well.
    const widths = colWidths.map((w, i) => (i === 1 && !parsed[2]?.text ? w + (colWidths[2] ?? 0) : w));
    const heights = parsed.map((c, i) => doc.heightOfString(c.text || " ", { width: widths[i] ?? 0 }));
    const rowHeight = Math.max(...heights) + 2 * padY;
    ensureSpace(doc, rowHeight);
    const top = doc.y;
    parsed.forEach((cell, i) => {
      if (!cell.text) return;
      doc.text(cell.text, colX[i] ?? left, top + padY, {
        width: widths[i] ?? 0,
        align: aligns[i] ?? "left",
      });
    });
    const bottom = top + rowHeight;
    doc
      .moveTo(left, bottom)
      .lineTo(left + width, bottom)
      .lineWidth(forceBold ? 0.8 : 0.3)
      .strokeColor(forceBold ? "#000000" : "#999999")
      .stroke();
    doc.x = left;
    doc.y = bottom;
  };

  doc.moveDown(0.3);
  drawRow(header, true);
  for (const row of rows) drawRow(row, false);
  doc.moveDown(0.8);
}

function writeFooters(doc: PDFKit.PDFDocument, title: string): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const { left, right, bottom } = doc.page.margins;
    const width = doc.page.width - left - right;
    const y = doc.page.height - bottom + 28;
    // Writing into the bottom margin must not trigger an automatic page break.
    doc.page.margins.bottom = 0;
    doc
      .moveTo(left, y - 8)
      .lineTo(left + width, y - 8)
      .lineWidth(0.3)
      .strokeColor("#999999")
      .stroke();
    doc.font(FONT_REGULAR).fontSize(SIZE_FOOTER).fillColor("#444444");
    doc.text(title, left, y, { width: width - 90, align: "left", lineBreak: false });
    doc.text(`Seite ${i - range.start + 1} von ${range.count}`, left + width - 90, y, {
      width: 90,
      align: "right",
      lineBreak: false,
    });
    doc.fillColor("#000000");
    doc.page.margins.bottom = bottom;
  }
}

export async function renderPdf(markdown: string, target: string): Promise<number> {
  const blocks = parseSource(markdown);
  const titleBlock = blocks.find((b): b is Extract<Block, { kind: "title" }> => b.kind === "title");
  if (!titleBlock) throw new Error("source has no '# Title' line");
  const shortTitle = /\(([^)]+)\)\s*$/.exec(titleBlock.text)?.[1] ?? titleBlock.text;

  const doc = new PDFDocument({
    size: "A4",
    margins: { ...MARGIN },
    bufferPages: true,
    lang: "de-DE",
    displayTitle: true,
    info: {
      Title: titleBlock.text,
      Author: AUTHOR,
      Subject: `${shortTitle} der ${AUTHOR}`,
      Keywords: "Friedhof, Gebühren, Satzung, Ortsrecht, Musterbach",
      Creator: AUTHOR,
      CreationDate: FIXED_DATE,
      ModDate: FIXED_DATE,
    },
  });

  fs.mkdirSync(path.dirname(target), { recursive: true });
  const out = fs.createWriteStream(target);
  const finished = new Promise<void>((resolve, reject) => {
    out.on("finish", () => resolve());
    out.on("error", reject);
    doc.on("error", reject);
  });
  doc.pipe(out);

  for (const block of blocks) {
    switch (block.kind) {
      case "title":
        writeTitle(doc, block.text);
        break;
      case "section":
        writeHeading(doc, block.text, SIZE_SECTION);
        break;
      case "heading":
        writeHeading(doc, block.text, SIZE_HEADING);
        break;
      case "validity":
        writeParagraph(doc, [block.text], FONT_BOLD);
        break;
      case "paragraph":
        writeParagraph(doc, block.lines);
        break;
      case "table":
        writeTable(doc, block.header, block.rows);
        break;
    }
  }

  const pages = doc.bufferedPageRange().count;
  writeFooters(doc, `${shortTitle} der ${AUTHOR}`);
  doc.end();
  await finished;
  return pages;
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const markdown = fs.readFileSync(SOURCE, "utf8");
  const pages = await renderPdf(markdown, TARGET);
  console.log(`${path.relative(ROOT, TARGET)}: ${pages} Seiten`);
}
