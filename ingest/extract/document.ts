/** A document as extraction leaves it: title, blocks in reading order, links, statute facts. */
export type Block =
  | { kind: "heading"; level: number; text: string; anchor?: string; page?: number }
  | { kind: "text"; text: string; page?: number };

export interface ExtractedDocument {
  title: string;
  blocks: Block[];
  /** Absolute URLs found in the document, for the crawler. */
  links: string[];
  statute: boolean;
  validFrom?: string;
  canonical?: string;
}

/** "§ 5 Steuersatz", "§ 5a", and the articles of amending statutes ("Artikel 2 Änderung der …"). */
const SECTION_HEADING = /^(§\s*\d+\s*[a-z]?\b|Artikel\s+\d+\b|Art\.\s*\d+\b)/;

export function isSectionHeading(text: string): boolean {
  return SECTION_HEADING.test(text.trim());
}

/** A statute has § headings: several, or one under a title that names it (Satzung, Verordnung, Gesetz, Ordnung). */
export function looksLikeStatute(blocks: Block[], title = ""): boolean {
  const sections = blocks.filter((b) => b.kind === "heading" && isSectionHeading(b.text)).length;
  return sections >= 2 || (sections === 1 && /(satzung|verordnung|gesetz|ordnung)/i.test(title));
}

const DATE = String.raw`(\d{1,2}\.\s*(?:\d{1,2}\.\s*|[A-Za-zÄÖÜäöü]+\s+)\d{4})`;
const VALID_FROM = new RegExp(String.raw`(?:gültig\s+ab|in\s+kraft\s+(?:ab|seit|am)|tritt\s+am|stand)\s*:?\s*(?:dem\s+)?` + DATE, "i");

/** The "Stand" or "gültig ab" date where the text states one. */
export function findValidFrom(text: string): string | undefined {
  return VALID_FROM.exec(text)?.[1]?.replace(/\s+/g, " ").trim();
}

export function cleanText(text: string): string {
  return text
    .replace(/\u00ad/g, "")
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/g, " ")
    .replace(/[ \t\u00a0\r\n]+/g, " ")
    .trim();
}
